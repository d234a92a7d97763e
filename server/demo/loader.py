"""Loading the demo county: every record written through ``sync.apply_mutations``, as its writer.

``load_demo(db)`` runs inside the caller's write transaction (``store.write_now``) and
writes every record as the person who would write it: the system actor creates the
units, station and school staff register mentees, screen them (摸排), pair them with
五老 volunteers and record group events, the volunteers log about six months of visits
and talks ending today, staff enter a few records for a volunteer without a smartphone
(代录), review (approve / return) activities, close a few pairings (three children leave care
on 结束帮扶, saying why), and the county reviewer approves and returns statistics returns, and inspects every
station and school (督查); staff keep their 骨干学生 registers, some not complete, one not begun.
Every mutation must be ``applied``, but the two deliberate conflicts of ``conflicts.py``.
"""
from __future__ import annotations

import datetime
from typing import Any

import sqlite_utils

from sync import apply_mutations, new_id
from sync.scope import Actor
from sync.system import SYSTEM
from sync.timeutil import SHANGHAI, format_utc, local_today
from sync.users import actor_for, create_user

from ..auth import hash_password
from ..care_leaving import leave_care
from ..deadlines import save_deadline
from .activities import plan_activities
from .children import draw_children, needs, random_phone
from .conflicts import write_conflicts
from .donations import donations
from .events import enrolments, events
from .inspections import write_inspections
from .peers import changed_class, peer_registers
from .people import COUNTY, DEMO_PASSWORD, DEMO_USERS, TOWNS
from .profiles import GRADE_NUMBER
from .referrals import referrals
from .state import Date, Demo, Pairing, mutation
from .texts import APPROVE_COMMENTS, BRIEF_RECORDS, RETURN_COMMENTS
from .twins import write_twin
from .waiting import write_waiting


def load_demo(db: sqlite_utils.Database, *, today: Date | None = None) -> None:
    """Load the demo county into an empty database, inside the caller's write transaction."""
    demo = Demo(db, today or local_today())
    write_units(demo)
    write_users(demo)
    draw_children(demo)
    register(demo)
    plan_activities(demo)
    write_twin(demo)  # the station types in a visit before the volunteer's phone sends it
    write_activities(demo)
    write_reviews(demo)
    handle_risk_flags(demo)
    close_pairings(demo)
    write_referrals(demo)
    write_donations(demo)
    write_conflicts(demo)
    write_stats_returns(demo)
    write_inspections(demo)
    write_waiting(demo)
    write_peer_helpers(demo)
    date_registrations(demo)
    date_units(demo)


def date_units(demo: Demo) -> None:
    """The county and its units were added to the system a month before the demo's first records (its
    units' ``created_at`` and creates in the audit, 9:00 Beijing time): the write path stamps the real
    now, and a unit added today owes no statistics return for last month (``server/deadlines.py``), so
    the list of late returns would be empty."""
    at = format_utc(datetime.datetime.combine(demo.day(-30), datetime.time(9), tzinfo=SHANGHAI))
    demo.db.execute("UPDATE sync_audit SET at = ? WHERE entity = 'unit' AND op = 'create'", [at])
    demo.db.execute("UPDATE units SET created_at = ?", [at])


def date_registrations(demo: Demo) -> None:
    """Each child's registration is dated on the day she was screened (摸排, ``registered``), as a
    county that began months ago holds it: her file's create in the audit and its ``created_at``, at
    9:00 Beijing time. The write path stamps the real now; left so, every child would be registered
    since 1 September from autumn on, and 升年级 (``queries.promotion.grades_typed_since``) would
    rightly promote none."""
    for m in demo.mentees:
        at = format_utc(datetime.datetime.combine(m.registered, datetime.time(9), tzinfo=SHANGHAI))
        demo.db.execute("UPDATE sync_audit SET at = ? WHERE entity = 'mentee' AND op = 'create' AND record_id = ?",
                        [at, m.id])
        demo.db.execute("UPDATE mentees SET created_at = ? WHERE id = ?", [at, m.id])


def apply_as(db: sqlite_utils.Database, actor: Actor, mutations: list[dict[str, Any]]) -> None:
    """Apply as ``actor``; anything but ``applied`` aborts the whole demo (and its transaction)."""
    if not mutations:
        return
    outcomes = apply_mutations(db, actor, mutations)
    bad = [o.answer() for o in outcomes if o.status != "applied"]
    if bad:
        raise RuntimeError(f"demo: {len(bad)} of {len(outcomes)} mutations by {actor.name} ({actor.role}) "
                           f"were not applied; first: {bad[:3]}")


def version_of(db: sqlite_utils.Database, table: str, record_id: str) -> int:
    """The record's current version, the base of an edit."""
    return int(db.execute(f"SELECT version FROM {table} WHERE id = ?", [record_id]).fetchone()[0])


def write_units(demo: Demo) -> None:
    """1. The county, its towns and their stations and schools, created by the system actor."""
    muts = []
    cid = new_id()
    demo.unit_ids["county"] = cid
    muts.append(mutation("unit", {k: COUNTY[k] for k in ("name", "kind", "phone", "address")}, cid))
    for town in TOWNS:
        tid = new_id()
        demo.unit_ids[town.key] = tid
        muts.append(mutation("unit", {"name": town.name, "kind": "town", "parent_id": cid, "phone": town.phone,
                                      "address": town.address}, tid))
        sid, kid = new_id(), new_id()
        demo.unit_ids[f"{town.key}.station"] = sid
        demo.unit_ids[f"{town.key}.school"] = kid
        muts.append(mutation("unit", {"name": town.station, "kind": "station", "parent_id": tid,
                                      "address": town.station_address, "phone": town.station_phone}, sid))
        muts.append(mutation("unit", {"name": town.school, "kind": "school", "parent_id": tid,
                                      "address": town.school_address, "phone": town.school_phone}, kid))
    apply_as(demo.db, SYSTEM, muts)


def write_users(demo: Demo) -> None:
    """2. Every demo account: the web ones with ``DEMO_PASSWORD``, volunteers with none (their
    phones enrol with a code, as a real county's do)."""
    password_hash = hash_password(DEMO_PASSWORD)  # argon2 is slow: hash once, share it
    for u in DEMO_USERS:
        uid = create_user(demo.db, login=u.login, name=u.name, role=u.role, unit_id=demo.unit_ids[u.unit],
                          password_hash=None if u.role == "mentor" else password_hash, phone=u.phone,
                          about=u.about or None, smartphone=u.smartphone, must_change_password=False,
                          mentor_kind=u.kind)
        demo.actors[u.login] = actor_for({"id": uid, "role": u.role, "unit_id": demo.unit_ids[u.unit], "name": u.name})


def register(demo: Demo) -> None:
    """3. Staff register their children, screen them (摸排) and pair them; enrolments and events too."""
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for m in demo.mentees:
        town = m.unit.split(".")[0]
        birth = demo.today.year - 6 - GRADE_NUMBER[m.grade] - (1 if demo.today.month < 9 else 0)
        muts = by_unit.setdefault(m.unit, [])
        muts.append(mutation("mentee", {
            "unit_id": demo.unit_ids[m.unit], "code": m.code, "name": m.name, "school": m.school,
            "grade": m.grade, "gender": m.gender, "birth_year": birth, "categories": list(m.profile.categories),
            "risk_level": m.risk, "plan": m.profile.plan.format(**m.ctx),
            "guardian_name": m.guardian, "guardian_contact": random_phone(demo.rng),
            "notes": "摸排情况：" + m.profile.situation.format(**m.ctx)
            + f"（家住{next(t.name[:-3] for t in TOWNS if t.key == town)}{m.ctx['village']}）",
            "status": "active",
        }, m.id))
        muts.append(mutation("screening", {
            "mentee_id": m.id, "date": demo.iso(m.registered),
            "psych_problem": "psych" in m.profile.categories or m.initial_risk != "normal",
            "risk_level": m.initial_risk, "intervention_success": False,
            "needs": needs(m), "notes": demo.rng.choice((
                "开学心理健康大排查中由班主任上报。", "学校心理健康普查问卷得分偏高，经心理老师复核后登记。",
                "辅导站摸排走访时发现，经与学校核实后登记。", "村（社区）关工委反映，辅导站上门核实后登记。",
            )),
        }))
    for p in demo.pairings:
        m = p.mentee
        goals = m.profile.goals
        by_unit[m.unit].append(mutation("pairing", {
            "mentor_id": demo.actors[p.mentor.login].user_id, "mentee_id": m.id, "start_date": demo.iso(p.start),
            "approach": m.profile.approach, "goals": goals, "status": "active",
        }, p.id))
    for unit, muts in by_unit.items():
        muts.extend(enrolments(demo, unit))
        muts.extend(events(demo, unit))
        apply_as(demo.db, demo.staff_of(unit), muts)


def write_activities(demo: Demo) -> None:
    """4. The planned activities, each by its volunteer (or station staff for 代录), and follow-up screenings."""
    by_actor: dict[str, list[dict[str, Any]]] = {}
    screenings: dict[str, list[dict[str, Any]]] = {}
    rng = demo.rng
    for p in demo.pairings:
        for a in p.activities:
            fields = {k: a[k] for k in ("pairing_id", "kind", "date", "duration_min", "place", "preparation",
                                        "record", "follow_up", "follow_up_due", "moods", "observations", "tags",
                                        "risk_flag")}
            if a.get("return") == "brief":
                fields["record"] = BRIEF_RECORDS[a["kind"]]
            elif a.get("return") == "no_due":
                fields["follow_up_due"] = None
                fields["follow_up"] = "下次再去看看。"
            elif a.get("return") == "no_prep":
                fields["preparation"] = None
            writer = f"staff:{p.mentee.unit}" if a["entered_by_staff"] else p.mentor.login
            by_actor.setdefault(writer, []).append(mutation("activity", fields, a["id"]))
        # A follow-up 摸排 about three months in, by the volunteer (or staff for 代录).
        check = p.start + datetime.timedelta(days=rng.randint(75, 95))
        last_day = p.end if p.end else demo.today - datetime.timedelta(days=1)
        if check <= last_day:
            m = p.mentee
            improved = not m.slow and p.outcome != "referred"
            writer = p.mentor.login if p.mentor.smartphone else f"staff:{m.unit}"
            screenings.setdefault(writer, []).append(mutation("screening", {
                "mentee_id": m.id, "date": demo.iso(check),
                "psych_problem": "psych" in m.profile.categories,
                "risk_level": m.risk,
                "intervention_success": improved and "psych" in m.profile.categories and rng.random() < 0.7,
                "needs": needs(m), "notes": (
                    "结对三个月复查：情绪和学习状态有明显好转，家长配合。" if improved else
                    "结对三个月复查：情绪仍有反复，继续按重点对象每周跟踪。"
                ),
            }))
    # After each urgent flag, the station re-screens the child (risk stays 重点, referral advised).
    for p in demo.pairings:
        for a in p.activities:
            if a["risk_flag"]:
                screenings.setdefault(f"staff:{p.mentee.unit}", []).append(mutation("screening", {
                    "mentee_id": p.mentee.id, "date": a["date"], "psych_problem": True, "risk_level": "key",
                    "intervention_success": False, "needs": "建议到县人民医院心理门诊评估；家校每日互通情况。",
                    "notes": "五老志愿者上报自伤风险，辅导站当天联系家长和班主任核实。",
                }))
    for writer in list(dict.fromkeys([*by_actor, *screenings])):
        actor = demo.staff_of(writer[6:]) if writer.startswith("staff:") else demo.actors[writer]
        apply_as(demo.db, actor, by_actor.get(writer, []) + screenings.get(writer, []))


def write_reviews(demo: Demo) -> None:
    """5. Staff return and approve activities, volunteers fix what was returned, towns confirm pairings."""
    rng = demo.rng
    returns: dict[str, list[dict[str, Any]]] = {}
    approvals: dict[str, list[dict[str, Any]]] = {}
    fixes: dict[str, list[tuple[dict[str, Any], Pairing]]] = {}
    for p in demo.pairings:
        unit_staff = demo.staff_of(p.mentee.unit)
        town_staff = demo.staff_of(p.mentee.unit.split(".")[0])
        for a in p.activities:
            reviewer = town_staff if a["entered_by_staff"] else unit_staff
            if a["review"] == "return":
                returns.setdefault(reviewer.user_id, []).append(mutation("review", {
                    "target_entity": "activity", "target_id": a["id"], "decision": "return",
                    "comment": RETURN_COMMENTS[a["return"]],
                }))
                if a["fixed"]:
                    fixes.setdefault(p.mentor.login, []).append((a, p))
                    approvals.setdefault(reviewer.user_id, []).append(mutation("review", {
                        "target_entity": "activity", "target_id": a["id"], "decision": "approve",
                        "comment": "已补充，同意。",
                    }))
            elif a["review"] == "approve":
                comment = a.get("comment") or rng.choice(APPROVE_COMMENTS)
                review = {"target_entity": "activity", "target_id": a["id"], "decision": "approve"}
                if comment:
                    review["comment"] = comment
                approvals.setdefault(reviewer.user_id, []).append(mutation("review", review))
        # The town committee confirms pairings that have run for a few weeks.
        if p.start <= demo.today - datetime.timedelta(days=20):
            approvals.setdefault(town_staff.user_id, []).append(mutation("review", {
                "target_entity": "pairing", "target_id": p.id, "decision": "approve",
                "comment": "结对安排合理，同意。",
            }))
    staff_by_id = {a.user_id: a for a in demo.actors.values()}
    for uid, muts in returns.items():
        apply_as(demo.db, staff_by_id[uid], muts)
    for login, items in fixes.items():
        muts = []
        for a, _pairing in items:
            fields: dict[str, Any] = {}
            if a["return"] == "brief":
                fields["record"] = a["record"] + "（已按辅导站意见补充）"
            elif a["return"] == "no_due":
                fields["follow_up"] = a["follow_up"]
                fields["follow_up_due"] = a["follow_up_due"]
            else:
                fields["preparation"] = a["preparation"]
            muts.append(mutation("activity", fields, a["id"], version_of(demo.db, "activities", a["id"])))
        apply_as(demo.db, demo.actors[login], muts)
    for uid, muts in approvals.items():
        apply_as(demo.db, staff_by_id[uid], muts)


def handle_risk_flags(demo: Demo) -> None:
    """5b. The station records what it did about the older risk flag (处理记录); the recent ones stay open."""
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for p in demo.pairings:
        for a in p.activities:
            if a["risk_flag"] and a["review"] == "approve":
                day = Date.fromisoformat(a["date"]) + datetime.timedelta(days=1)
                by_unit.setdefault(p.mentee.unit, []).append(mutation("activity", {
                    "risk_action": "当天电话联系家长和班主任核实情况；次日由班主任陪同到县人民医院心理门诊就诊，"
                                   "医生建议每两周复诊。已安排五老志愿者每周上门一次，家校每日互通孩子情况。",
                    "risk_action_on": demo.iso(min(day, demo.today)),
                }, a["id"], version_of(demo.db, "activities", a["id"])))
    for unit, muts in by_unit.items():
        apply_as(demo.db, demo.staff_of(unit), muts)


# Why the demo's leavers left care, in the order their pairings were planned to close (好转, 好转, 稳定,
# 稳定): three through 结束帮扶's own write (好转, 转学到外县, 其他), so the year summary's 本年结束帮扶
# and the dashboard's card show them by why; the fourth is closed on the edit form, as a file closed
# before 结束帮扶 existed, and reads 未记原因 (``None``).
LEAVING = {("improved", 0): "improved", ("improved", 1): None, ("stable", 0): "moved_away",
           ("stable", 1): "other"}
# Not 毕业离校: the demo's leavers close in the autumn, in grades that do not graduate.
OTHER_WORDS = "县妇联“春蕾计划”已长期结对资助，改由妇联跟进关爱"


def close_pairings(demo: Demo) -> None:
    """6. Staff close the pairings planned to close (好转, 稳定, 转介); the children of the 好转 and 稳定
    ones leave care, three of them on 结束帮扶 (``LEAVING``: the pairing and the file closed and why she
    left kept, in one write) on a day of this year, so that the year's leavers are never empty."""
    by_unit: dict[str, list[dict[str, Any]]] = {}
    leavers: list[tuple[Pairing, str]] = []
    seen: dict[str, int] = {}
    for p in demo.pairings:
        if p.outcome is None:
            continue
        assert p.end is not None
        m = p.mentee
        reason = LEAVING.get((p.outcome, seen.get(p.outcome, 0)))
        seen[p.outcome] = seen.get(p.outcome, 0) + 1
        if reason is not None:
            leavers.append((p, reason))
            continue
        muts = by_unit.setdefault(m.unit, [])
        muts.append(mutation("pairing", {"status": "closed", "end_date": demo.iso(p.end), "outcome": p.outcome},
                             p.id, version_of(demo.db, "pairings", p.id)))
        if p.outcome == "referred":
            notes = "已转介县人民医院心理门诊，定期复诊；原结对已结束，由同站另一位五老志愿者接续结对关爱。"
            muts.append(mutation("mentee", {"notes": notes}, m.id, version_of(demo.db, "mentees", m.id)))
        else:
            muts.append(mutation("mentee", {"status": "closed"}, m.id, version_of(demo.db, "mentees", m.id)))
    for unit, muts in by_unit.items():
        apply_as(demo.db, demo.staff_of(unit), muts)
    new_year = demo.today.replace(month=1, day=1)
    for p, reason in leavers:
        # Built in the first weeks of January, a planned end of last year moves to 1 January: after
        # every visit of the pairing (all dated by its planned end), not after today.
        day = demo.iso(max(p.end or new_year, new_year))
        leave_care(demo.db, demo.staff_of(p.mentee.unit), p.mentee.id, version_of(demo.db, "mentees", p.mentee.id),
                   {p.id: version_of(demo.db, "pairings", p.id)}, day, p.outcome, reason,
                   OTHER_WORDS if reason == "other" else None)


def write_referrals(demo: Demo) -> None:
    """7. Stations refer children to the hospital's clinic or the school counselling room (转介)."""
    for unit, muts in referrals(demo).items():
        apply_as(demo.db, demo.staff_of(unit), muts)


def write_donations(demo: Demo) -> None:
    """7a. Stations and schools record 爱心捐助 to children of families in hardship."""
    for unit, muts in donations(demo).items():
        apply_as(demo.db, demo.staff_of(unit), muts)


def write_stats_returns(demo: Demo) -> None:
    """8. Two schools file last month's statistics returns; the county approves one and returns the other,
    and sets the days the month's returns were due (报送截止日期)."""
    first_of_month = demo.today.replace(day=1)
    prev_end = first_of_month - datetime.timedelta(days=1)
    prev_start = prev_end.replace(day=1)
    reviewer = demo.actors["county"]
    reviews = []
    for unit, remarks, decision, comment in (
        ("bencha.school", "结对帮扶档案齐全；第4讲宣讲已覆盖七至九年级。", "approve",
         "数据与活动台账一致，同意。"),
        ("chahe.school", "家长会人次含线上参会家长。", "return", "家长会参与人次与签到表不一致，请核实后重新上报。"),
    ):
        staff_login = next(u.login for u in DEMO_USERS if u.role == "staff" and u.unit == unit)
        staff = demo.user(staff_login)
        rid = new_id()
        apply_as(demo.db, demo.actors[staff_login], [mutation("stats_return", {
            "unit_id": demo.unit_ids[unit], "period_from": demo.iso(prev_start), "period_to": demo.iso(prev_end),
            "remarks": remarks, "filled_by": staff.name, "phone": staff.phone, "status": "submitted",
        }, rid)])
        reviews.append(mutation("review", {"target_entity": "stats_return", "target_id": rid,
                                           "decision": decision, "comment": comment}))
    apply_as(demo.db, reviewer, reviews)
    # The county's days for that month (the Kaizhou notice's 10月19日 / 10月24日 in small): the
    # schools' day three days gone, so the list shows who is late; the towns' still ahead.
    units_due = max(prev_start, demo.today - datetime.timedelta(days=3))
    save_deadline(demo.db, reviewer, {"period_from": demo.iso(prev_start), "period_to": demo.iso(prev_end),
                                      "units_due": demo.iso(units_due),
                                      "towns_due": demo.iso(demo.today + datetime.timedelta(days=2))})


def write_peer_helpers(demo: Demo) -> None:
    """The 骨干学生 registers, each by its unit's staff, and one class changed since (its history)."""
    for unit, muts in peer_registers(demo).items():
        apply_as(demo.db, demo.staff_of(unit), muts)
    unit, record_id, fields = changed_class(demo)
    apply_as(demo.db, demo.staff_of(unit), [mutation("peer_helper", fields, record_id,
                                                     base_version=version_of(demo.db, "peer_helpers", record_id))])
