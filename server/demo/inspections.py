"""The demo county's on-site inspections (督查): the county's full inspection of every station and
school, a town's routine check, a 星级辅导站 review; rectifications reported, one overdue.

Fixed texts, dates relative to the demo's day, no draw from the random source (the other steps'
draws stay as they were).
"""
from __future__ import annotations

import datetime
from typing import Any

from sync import apply_mutations, new_id

from .people import DEMO_USERS
from .state import Demo, mutation

# (unit key, days ago, kind, inspectors, passed, failed, findings, highlights, rectify, days to fix, fixed by unit)
PLAN: tuple[tuple[Any, ...], ...] = (
    ("juegang.station", 95, "full", "县关工委 周文清、县教体局 李明",
     ("records", "lectures", "parent_class", "screening", "one_plan", "archives", "six_links"), ("micro_lessons",),
     "台帐资料分类装订，结对帮扶档案每次活动都有准备、记录和跟踪；第4讲已覆盖辅导站全部学生。",
     "五老志愿者王建国坚持每周家访，帮助一名留守儿童重新融入班级，事迹在街道关工委例会上交流。",
     "组织学生和家长收看县心理协会微课，并在家长群转发，留存收看记录。", 30, True),
    ("juegang.school", 93, "full", "县关工委 周文清、县教体局 李明",
     ("records", "lectures", "counselling_room", "screening", "archives", "peer_helpers"), ("parent_class",),
     "心理健康咨询室每周开放三次，有值班记录；各班配备心理委员男女各1名。",
     "学校把第4讲与主题班会结合，一次活动多个主题。",
     "开设家长班，落实第5讲《家长如何培养孩子良好的心理素质》宣讲。", 45, True),
    ("bencha.station", 90, "full", "县关工委 周文清、县教体局 李明",
     ("records", "lectures", "parent_class", "screening", "one_plan", "archives", "six_links", "micro_lessons"), (),
     "辅导站活动阵地规范，家长学校按计划开课；重点对象“一人一策”落实到人。",
     "老战士刘志刚不会用智能手机，辅导站坚持为他代录帮扶记录，档案完整。", "", 0, False),
    ("bencha.school", 88, "full", "县关工委 周文清、县教体局 李明",
     ("records", "lectures", "counselling_room", "archives"), ("one_plan", "six_links"),
     "重点对象已建档立卡，但部分对象的帮扶方案过于笼统；“六结合”开展记录不全。", "",
     "逐一完善重点对象“一人一策”方案；补全“六结合”活动记录。", 40, True),
    ("chahe.station", 86, "full", "县关工委 周文清、县教体局 李明",
     ("lectures", "parent_class", "screening", "archives"), ("records", "counselling_room"),
     "活动台帐未按月整理；辅导站尚未开设心理健康咨询室。", "五老志愿者利用农闲时间集中开展上门家访。",
     "按月整理活动台帐；与镇中心小学共建咨询室，明确开放时间。", 60, False),
    ("chahe.school", 84, "full", "县关工委 周文清、县教体局 李明",
     ("records", "lectures", "screening", "archives"), ("counselling_room", "peer_helpers"),
     "咨询室设在教师办公室内，学生不便使用；部分班级未配备心理委员。", "",
     "咨询室单独设置并公布开放时间；各班配齐心理委员男女各1名。", 70, False),
    ("juegang.station", 30, "routine", "掘港街道关工委 钱海燕",
     ("records", "lectures", "archives", "micro_lessons"), (),
     "抽查{last_month}月份活动台帐和3份结对帮扶档案，记录完整。", "", "", 0, False),
    ("bencha.station", 12, "star", "县关工委 周文清、县校外教育指导中心 顾建华",
     ("records", "lectures", "parent_class", "counselling_room", "screening", "one_plan", "archives", "six_links",
      "micro_lessons", "peer_helpers"), (),
     "星级校外教育辅导站复查：各项台帐齐全，心理健康教育与辅导站活动结合紧密，同意保留星级。",
     "家长学校坚持线上线下结合，家长参与率高。", "", 0, False),
)


def write_inspections(demo: Demo) -> None:
    """8. The county (and a town) inspect; the inspected units report the rectifications they made."""
    reviewer = demo.actors["county"]
    fixes: list[tuple[str, str, list[str]]] = []
    by_writer: dict[str, list[dict[str, Any]]] = {}
    for unit, ago, kind, who, passed, failed, findings, highlights, rectify, days, fixed in PLAN:
        day = demo.today - datetime.timedelta(days=ago)
        rid = new_id()
        fields: dict[str, Any] = {
            "unit_id": demo.unit_ids[unit], "date": demo.iso(day), "kind": kind, "inspectors": who,
            "passed": list(passed), "failed": list(failed),
            # The routine check reads the month before it, whatever day the demo is built on.
            "findings": findings.format(last_month=(day.replace(day=1) - datetime.timedelta(days=1)).month),
        }
        if highlights:
            fields["highlights"] = highlights
        if failed:
            fields["rectify"] = rectify
            fields["rectify_due"] = demo.iso(day + datetime.timedelta(days=days))
        writer = demo.actors["staff-juegang"] if kind == "routine" else reviewer
        by_writer.setdefault(writer.user_id, []).append(mutation("inspection", fields, rid))
        if fixed:
            fixes.append((unit, rid, list(failed)))
    actors = {a.user_id: a for a in demo.actors.values()}
    for uid, muts in by_writer.items():
        _apply(demo, actors[uid], muts)
    for unit, rid, items in fixes:
        login = next(u.login for u in DEMO_USERS if u.role == "staff" and u.unit == unit)
        version = int(demo.db.execute("SELECT version FROM inspections WHERE id = ?", [rid]).fetchone()[0])
        _apply(demo, demo.actors[login], [mutation("inspection", {
            "fixed": items, "rectify_notes": "已按督查意见整改完毕，整改前后照片和记录已归入台帐。",
        }, rid, version)])


def _apply(demo: Demo, actor: Any, muts: list[dict[str, Any]]) -> None:
    outcomes = apply_mutations(demo.db, actor, muts)
    bad = [o.answer() for o in outcomes if o.status != "applied"]
    if bad:
        raise RuntimeError(f"demo inspections by {actor.name} were not applied: {bad[:2]}")
