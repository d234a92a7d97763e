"""Two children at 栟茶镇校外教育辅导站 waiting for a volunteer, so the station home's tile
("N 个在帮孩子还没有结对志愿者", ``server/queries/mentees.py`` ``count_waiting``) is not 0 in the demo.

- 邵雨晴 was registered two days ago and is not paired yet.
- 葛明宇 was paired twelve days ago with 卢兆祥, who then moved away to live with his children;
  the station stopped his account and left the pairing running (as the stop form allows), so the
  boy waits to be paired anew.

Fixed data, no draw from the demo's random source, and written last: every other figure of the
demo stays as it was. Both children were screened without a psychological problem and have no
visit, so the statistics form, the follow-ups and the quiet pairings (a pairing started twelve
days ago is not quiet) count them nowhere. The stopped volunteer is not one of ``people.DEMO_USERS``,
the logins ``banxing demo`` prints: a stopped account signs in and enrols nowhere.
"""
from __future__ import annotations

import datetime
from typing import Any

from sync import Actor, apply_mutations, new_id
from sync.stopping import deactivate_user
from sync.users import create_user

from ..queries.mentees import half_year_start, next_mentee_code
from .state import Demo, mutation

UNIT = "bencha.station"
STOPPED = {"login": "lu.laoshi", "name": "卢兆祥", "phone": "13951318264",
           "about": "退休教师（原栟茶镇中心小学语文教师），已随子女迁居南通，停止服务"}


def _day(demo: Demo, days_ago: int) -> datetime.date:
    # Never before this half-year began: a child registered then is screened in it (本半年已摸排).
    return max(demo.today - datetime.timedelta(days=days_ago), half_year_start(demo.today))


def _child(demo: Demo, fields: dict[str, Any], needs: str, registered: datetime.date
           ) -> tuple[str, list[dict[str, Any]]]:
    mid = new_id()
    code = next_mentee_code(demo.db, registered.year)
    return mid, [
        mutation("mentee", {"unit_id": demo.unit_ids[UNIT], "code": code, "status": "active", **fields}, mid),
        mutation("screening", {
            "mentee_id": mid, "date": demo.iso(registered), "psych_problem": False, "risk_level": "normal",
            "intervention_success": False, "needs": needs, "notes": "辅导站摸排走访时发现，经与学校核实后登记。",
        }),
    ]


def write_waiting(demo: Demo) -> None:
    """Register the two children, pair the boy with 卢兆祥 and stop his account, pairing left running."""
    staff = demo.staff_of(UNIT)
    uid = create_user(demo.db, login=STOPPED["login"], name=STOPPED["name"], role="mentor",
                      unit_id=demo.unit_ids[UNIT], password_hash=None, phone=STOPPED["phone"],
                      about=STOPPED["about"], smartphone=True, must_change_password=False)
    boy_day = _day(demo, 15)
    boy, boy_muts = _child(demo, {
        "name": "葛明宇", "school": "栟茶镇初级中学", "grade": "七年级", "gender": "male",
        "birth_year": boy_day.year - 13, "categories": ["hardship"], "risk_level": "normal",
        "plan": "助学扶志。①协助申请助学金和爱心助学结对；②每周一次课后作业辅导，重点补数学和英语；"
                "③和母亲商量家里的学习角，保证他每天有一个安静做作业的地方；④每月和班主任沟通一次学习情况。",
        "guardian_name": "葛建华（父亲）", "guardian_contact": "15189035712",
        "notes": "摸排情况：父亲去年因工伤在家休养，家庭收入骤减，他课余帮家里照看小卖部。（家住栟茶镇浒澪村）",
    }, "需要助学资助和课后作业辅导。", boy_day)
    _apply(demo, staff, boy_muts)
    _apply(demo, staff, [mutation("pairing", {
        "mentor_id": uid, "mentee_id": boy, "start_date": demo.iso(_day(demo, 12)),
        "approach": "zhuxue", "goals": "本学期数学、英语成绩及格；能按时完成作业，不因家里的事耽误上学。",
        "status": "active",
    })])
    girl_day = _day(demo, 2)
    _, girl_muts = _child(demo, {
        "name": "邵雨晴", "school": "栟茶镇中心小学", "grade": "四年级", "gender": "female",
        "birth_year": girl_day.year - 10, "categories": ["left_behind"], "risk_level": "normal",
        "plan": "关爱扶志。①结对后每两周上门家访一次，陪她读书、做作业；②协调在外打工的父母每周和她视频一次；"
                "③请班主任多关注她在校的情绪和交友；④寒暑假邀请她参加辅导站的兴趣小组。",
        "guardian_name": "邵福生（爷爷）", "guardian_contact": "13962781045",
        "notes": "摸排情况：父母在苏州打工，随爷爷奶奶生活，性格安静，成绩中等。（家住栟茶镇东凌村）",
    }, "需要亲情陪伴，协调父母定期视频联系。", girl_day)
    _apply(demo, staff, girl_muts)
    deactivate_user(demo.db, staff, uid)  # no ``end``: the pairing is left running


def _apply(demo: Demo, staff: Actor, muts: list[dict[str, Any]]) -> None:
    bad = [o.answer() for o in apply_mutations(demo.db, staff, muts) if o.status != "applied"]
    if bad:
        raise RuntimeError(f"demo: a waiting child's record was not applied: {bad[:3]}")
