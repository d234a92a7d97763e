"""The demo's unit-level records: yearly enrolments and the events each station or school held.

Lectures (心理健康教育第1–5讲, 家长学校第5讲), each in the half-year its number belongs to
(``halves.py``) but a station's summer 补课 of 第1–3讲, class and parent meetings, themed activities,
brochures, micro-lessons and teacher trainings, dated across the period; their participants are shares
of ``ENROLMENT``.
"""
from __future__ import annotations

import datetime
from typing import Any

from .halves import Half, first_year, lecture_halves, summer
from .people import ENROLMENT, TOWNS
from .state import Demo, mutation


def enrolments(demo: Demo, unit: str) -> list[dict[str, Any]]:
    """The unit's students and parents for each year the demo dates anything in."""
    students, parents = ENROLMENT[unit]
    return [
        mutation("enrolment", {"unit_id": demo.unit_ids[unit], "year": year,
                               "students": students - (demo.today.year - year) * 23,
                               "parents": parents - (demo.today.year - year) * 21})
        for year in range(first_year(demo), demo.today.year + 1)
    ]


def events(demo: Demo, unit: str) -> list[dict[str, Any]]:
    """The lectures, meetings, themed activities and brochures the station or school held."""
    rng = demo.rng
    uid = demo.unit_ids[unit]
    students, parents = ENROLMENT[unit]
    school = unit.endswith(".school")
    span = (demo.today - demo.first_day).days
    out: list[dict[str, Any]] = []

    halves = lecture_halves(demo)

    def drawn(lo: float, hi: float) -> int:
        return rng.randint(int(span * lo), int(span * hi))

    def when(lo: float, hi: float) -> str:
        return demo.iso(demo.day(drawn(lo, hi)))

    def within(window: Half, lo: float, hi: float, *, whole: bool = False) -> str:
        # The same draw as ``when`` (so every record after it stays as it was), placed lo–hi of the way
        # through ``window`` instead of the period; ``whole``: anywhere in it.
        fraction = drawn(lo, hi) / span
        if whole:
            fraction = min(1.0, max(0.0, (fraction - lo) / (hi - lo)))
        return demo.iso(window.at(fraction))

    def event(kind: str, date: str, title: str, participants: int = 0, copies: int = 0, *,
              lecture_no: int | None = None, audience: str | None = None, online: bool = False,
              notes: str | None = None, **registers: Any) -> None:
        fields: dict[str, Any] = {"unit_id": uid, "kind": kind, "date": date, "title": title,
                                  "participants": participants, "copies": copies, "online": online, **registers}
        if lecture_no is not None:
            fields["lecture_no"] = lecture_no
        if audience is not None:
            fields["audience"] = audience
        if notes:
            fields["notes"] = notes
        out.append(mutation("event", fields))

    if school:
        level = next(t.school_level for t in TOWNS if t.key == unit.split(".")[0])
        groups = ("三、四年级", "五、六年级") if level == "primary" else ("七年级", "八、九年级")
        shares = (0.47, 0.5)
        # The first half's lectures, in its first weeks the period holds; dated without the random
        # stream so that every record after them stays as it was.
        for no, share in ((1, 0.97), (2, 0.95), (3, 0.9 if level == "primary" else 1)):
            day = halves[1].first + datetime.timedelta(days=3 * no)
            event("lecture", demo.iso(day), f"心理健康教育第{no}讲（全校）", int(students * share),
                  lecture_no=no, audience="students")
        for group, share in zip(groups, shares, strict=True):
            event("lecture", within(halves[2], 0.05, 0.35), f"心理健康教育第4讲《学会交往 和谐相处》（{group}）",
                  int(students * share), lecture_no=4, audience="students",
                  notes=rng.choice(("县关工委宣讲团成员主讲，班主任随班听讲。",
                                    "本校心理健康教师主讲，五老志愿者到场。")))
        event("lecture", within(halves[2], 0.4, 0.6), "家长学校第5讲《家长如何培养孩子良好的心理素质》",
              int(parents * 0.46), lecture_no=5, audience="parents", notes="分年级在报告厅举办，会后分组讨论交流。")
        event("lecture", within(halves[2], 0.62, 0.8), "家长学校第5讲《家长如何培养孩子良好的心理素质》（线上微课）",
              int(parents * 0.41), lecture_no=5, audience="parents", online=True,
              notes="通过家校通推送县关工委、县心理协会制作的微课，按班级统计观看人次。")
        event("class_meeting", when(0.3, 0.55), "“学会交往 和谐相处”心理健康主题班会（全校各班）",
              int(students * 0.96), notes="各班自行组织，五老志愿者分班参加。")
        event("class_meeting", when(0.7, 0.95), "“珍爱生命 健康成长”主题班会", int(students * 0.94))
        event("themed", when(0.15, 0.45), "“珍爱生命 健康成长”心理健康专题教育", int(students * 0.9),
              notes="心理健康宣传月活动。")
        event("parent_meeting", when(0.45, 0.7), "心理健康专题家长会", int(parents * 0.72),
              notes="班主任介绍学生心理健康排查情况，指导家长与孩子沟通的技巧。")
        event("brochure", when(0.45, 0.7), "发放《致家长的一封信——关注孩子心理健康》", copies=students,
              notes="随家长会发放，未到会的由班主任带给学生。")
        event("brochure", when(0.75, 0.98), "发放心理健康宣传手册", copies=int(students * 0.6) // 10 * 10)
    else:
        # One draw for the summer class, as when it was one event for 第1–3讲 together; each lecture is now
        # an event of its own marked 补课, so each counts toward its number's 上半年 coverage.
        make_up_day = within(summer(demo), 0.2, 0.4, whole=True)
        for no in (1, 2, 3):
            event("lecture", make_up_day, f"暑期集中办班：心理健康教育第{no}讲补课", int(students * (0.4 - 0.03 * no)),
                  lecture_no=no, audience="students", make_up=True,
                  notes="对上半年未系统接受心理健康教育的学生补课，拾遗补缺。",
                  plan=None if no > 1 else "暑假在辅导站集中办班三天，每天一讲；五老志愿者逐户通知上半年没听课的学生，"
                  "村（社区）提供场地，结束后按名单核对补课人数。")
        event("lecture", within(halves[2], 0.35, 0.55), "心理健康教育第4讲《学会交往 和谐相处》", int(students * 0.62),
              lecture_no=4, audience="students", notes="五老志愿者主讲，结合辅导站兴趣活动进行。")
        event("lecture", within(halves[2], 0.5, 0.8), "青少年学生家长班：第5讲《家长如何培养孩子良好的心理素质》",
              int(parents * 0.38), lecture_no=5, audience="parents", notes="讲后组织家长讨论交流。")
        event("themed", when(0.1, 0.9), "兴趣活动中渗透心理健康教育：“我的朋友”绘画展", int(students * 0.3))
        event("parent_meeting", when(0.6, 0.9), "留守儿童家长（监护人）座谈会", int(parents * 0.16),
              notes="请祖辈监护人参加，部分在外务工家长视频参会。")
        event("brochure", when(0.3, 0.9), "在社区发放心理健康宣传手册和微课二维码", copies=rng.choice((200, 300, 350)),
              notes="五老志愿者上门发放到户。")
    # The registers the notices ask for beyond the statistics form, dated without the random stream
    # (so every record drawn after them stays as it was): a micro-lesson watched and forwarded to
    # parents (Rudong 一.2(4)) everywhere, a teacher training (Kaizhou 四) at each school.
    event("micro_lesson", demo.iso(halves[2].at(0.45)), "收看县关工委、县心理协会心理健康教育微课",
          int(students * (0.85 if school else 0.4)), online=True, forwarded=int(parents * (0.6 if school else 0.3)),
          notes="微课链接由县关工委、教体局转发，班主任（辅导站）再转发到家长群。")
    if school:
        event("teacher_training", demo.iso(halves[2].at(0.1)), "心理健康教育专兼职教师培训",
              max(6, students // 80), notes="区教师进修学校分批培训，回校后组织研讨、转化应用。",
              plan="派心理健康专兼职教师参加县里分批培训；回校后一周内由参训教师在教研活动中分享，"
                   "并据此修订本学期心理健康教育活动方案。")
    return out
