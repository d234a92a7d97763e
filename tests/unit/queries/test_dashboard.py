"""The dashboard's figures against counts computed here, independently, from the raw tables.

The county of ``make_county`` gets more records around the edges: activities on the first day
of the 12-month window and the day before it, today and tomorrow, a deleted activity, a deleted
mentee with records, flags approved and not, 重点对象 in two towns, overdue and not-yet-due
follow-ups, inspections with rectifications fixed and not.
"""
from __future__ import annotations

import datetime
import json
from types import SimpleNamespace
from typing import Any

import pytest
import sqlite_utils

from server.queries.dashboard import LIST_LIMIT, dashboard
from sync import Actor, apply_mutations, load_scope
from sync.mutations import upsert
from sync.scope import unit_subtree

from ...factories import end_pairing, make_activity, make_county, make_mentee, make_pairing, mutate, remove, row

TODAY = datetime.date(2026, 11, 25)
WINDOW_START = "2025-12-01"


def _handle(db: sqlite_utils.Database, actor: Actor, activity_id: str) -> None:
    """Staff write down what was done about a risk flag (处理记录): the flag is no longer open."""
    current = row(db, "activity", activity_id)
    assert current is not None
    mutate(db, actor, "activity", {"risk_action": "已联系班主任和家长，转介心理辅导室。"}, activity_id,
           base_version=current["version"])


@pytest.fixture
def w(db: sqlite_utils.Database) -> SimpleNamespace:
    w = make_county(db)
    s11, s21, s12 = w.staff_st11, w.staff_st21, w.staff_st12
    # 重点对象: two in town 1 (one at the school, unpaired), one in town 2, one deleted, one closed.
    key1 = make_mentee(db, s11, w.st11, risk_level="key", categories=["psych", "hardship"], code="K-1")
    make_mentee(db, s12, w.st12, risk_level="key", categories=[], code="K-2")
    key3 = make_mentee(db, s21, w.st21, risk_level="key", categories=["left_behind"], code="K-3")
    gone = make_mentee(db, s11, w.st11, risk_level="key", code="K-GONE")
    make_mentee(db, s11, w.st11, risk_level="key", status="closed", code="K-CLOSED")
    w.key_pairing = make_pairing(db, s11, w.mentor1, key1)
    gone_pairing = make_pairing(db, s11, w.mentor2, gone)
    make_pairing(db, s21, w.mentor3, key3, status="closed", end_date="2026-10-01", outcome="stable")
    # Activities around the window's edges, with follow-ups.
    make_activity(db, w.mentor1, w.pairing1, date="2025-11-30")
    make_activity(db, w.mentor1, w.pairing1, date=WINDOW_START)
    make_activity(db, w.mentor1, w.pairing1, date="2026-11-21", follow_up_due="2026-11-22")  # overdue 3 days
    make_activity(db, w.mentor1, w.key_pairing, date="2026-11-25", follow_up_due="2026-12-02")  # due later
    make_activity(db, w.mentor1, w.key_pairing, date="2026-11-10", follow_up_due="2026-11-12")  # superseded
    make_activity(db, w.mentor3, w.pairing3, date="2026-11-23", follow_up_due="2026-11-24")  # overdue 1 day
    gone_flag = make_activity(db, w.mentor2, gone_pairing, date="2026-11-02", follow_up_due="2026-11-03",
                              risk_flag=True)
    future = make_activity(db, w.mentor1, w.key_pairing, date="2026-11-26")
    removed = make_activity(db, w.mentor2, w.pairing2, date="2026-06-15", risk_flag=True)
    # Risk flags: open in town 1 and town 2, one handled (its 处理记录 written), one approved but not handled.
    w.flag_open = make_activity(db, w.mentor2, w.pairing2, date="2026-11-21", risk_flag=True)
    w.flag_town2 = make_activity(db, w.mentor3, w.pairing3, date="2026-11-22", risk_flag=True)
    handled = make_activity(db, w.mentor1, w.pairing1, date="2026-11-02", risk_flag=True)
    _handle(db, s11, handled)
    w.approved_unhandled = make_activity(db, w.mentor1, w.pairing1, date="2026-11-03", risk_flag=True)
    mutate(db, s11, "review", {"target_entity": "activity", "target_id": w.approved_unhandled,
                               "decision": "approve"})
    _handle(db, s11, removed)  # the write path deletes no visit with an open flag ...
    remove(db, s11, "activity", removed)
    db.execute("UPDATE activities SET risk_action = NULL WHERE id = ?", [removed])  # ... as before that rule
    end_pairing(db, s11, gone_pairing)  # a child is deleted only once her pairings end
    _handle(db, s11, gone_flag)  # the write path deletes no child with an open flag ...
    remove(db, s11, "mentee", gone)
    # ... but a child deleted before that rule left hers open: still counted nowhere.
    db.execute("UPDATE activities SET risk_action = NULL WHERE id = ?", [gone_flag])
    assert future
    # Inspections: one overdue rectification, one fixed, one not yet due.
    mutate(db, w.reviewer, "inspection", {"unit_id": w.st12, "date": "2026-09-01", "inspectors": "周",
                                          "failed": ["records", "one_plan"], "fixed": ["records"],
                                          "rectify_due": "2026-10-01"})
    mutate(db, w.reviewer, "inspection", {"unit_id": w.st21, "date": "2026-09-01", "inspectors": "周",
                                          "failed": ["records"], "fixed": ["records"], "rectify_due": "2026-10-01"})
    mutate(db, w.reviewer, "inspection", {"unit_id": w.st22, "date": "2026-11-01", "inspectors": "周",
                                          "failed": ["records"], "rectify_due": "2026-12-31"})
    return w


# --- the expected figures, computed from the raw rows ---------------------------------------

def _rows(db: sqlite_utils.Database, table: str) -> list[dict[str, Any]]:
    return list(db.query(f"SELECT * FROM {table}"))


def _expected(db: sqlite_utils.Database, unit_ids: set[str]) -> dict[str, Any]:
    units = {u["id"]: u for u in _rows(db, "units")}
    live_units = {uid for uid in unit_ids if not units[uid]["deleted"]}
    mentees = {m["id"]: m for m in _rows(db, "mentees") if not m["deleted"]}
    pairings = {p["id"]: p for p in _rows(db, "pairings")
                if not p["deleted"] and p["mentee_id"] in mentees and p["unit_id"] in live_units}
    activities = [a for a in _rows(db, "activities") if not a["deleted"] and a["pairing_id"] in pairings]

    def town_of(uid: str) -> str:
        while units[uid]["kind"] != "town":
            uid = units[uid]["parent_id"]
        return str(units[uid]["name"])

    active = [p for p in pairings.values() if p["status"] == "active"]
    by_category: dict[str, int] = {}
    by_town: dict[str, int] = {}
    for p in active:
        for c in json.loads(mentees[p["mentee_id"]]["categories"]) or ["none"]:
            by_category[c] = by_category.get(c, 0) + 1
        by_town[town_of(p["unit_id"])] = by_town.get(town_of(p["unit_id"]), 0) + 1
    months: dict[str, int] = {}
    for a in activities:
        if WINDOW_START <= a["date"] <= TODAY.isoformat():
            months[a["date"][:7]] = months.get(a["date"][:7], 0) + 1
    overdue = set()
    for p in active:
        mine = sorted((a["date"], a["id"], a["follow_up_due"] or "") for a in activities
                      if a["pairing_id"] == p["id"])
        if mine and mine[-1][2] and mine[-1][2] < TODAY.isoformat():
            overdue.add(p["id"])
    key = {m["code"] for m in mentees.values()
           if m["risk_level"] == "key" and m["status"] == "active" and m["unit_id"] in live_units}
    flags = {a["id"] for a in activities if a["risk_flag"] and not (a["risk_action"] or "").strip()}
    rectify = sum(1 for i in _rows(db, "inspections")
                  if not i["deleted"] and i["unit_id"] in live_units and i["rectify_due"] < TODAY.isoformat()
                  and set(json.loads(i["failed"])) - set(json.loads(i["fixed"])))
    return {"by_category": by_category, "by_town": by_town, "total": len(active), "months": months,
            "overdue": overdue, "key": key, "flags": flags, "rectify": rectify}


def _actual(db: sqlite_utils.Database, actor: Actor) -> dict[str, Any]:
    data = dashboard(db, load_scope(db, actor), today=TODAY)
    return {
        "by_category": {c["key"] or "none": c["count"] for c in data["pairings_by_category"] if c["count"]},
        "by_town": {t["name"]: t["count"] for t in data["pairings_by_town"] if t["count"]},
        "total": data["pairings_total"],
        "months": {m["month"]: m["count"] for m in data["activities_by_month"] if m["count"]},
        "overdue": {o["pairing_id"] for o in data["overdue_follow_ups"]["items"]},
        "key": {k["code"] for k in data["key_mentees"]["items"]},
        "flags": {f["id"] for f in data["risk_flags"]["items"]},
        "rectify": data["rectifications_overdue"],
    }


@pytest.mark.parametrize("who", ["reviewer", "admin", "staff_town1", "staff_town2", "staff_st11"])
def test_dashboard_figures_match_counts_computed_from_the_rows(db: sqlite_utils.Database, w: SimpleNamespace,
                                                               who: str) -> None:
    actor = getattr(w, who)
    scope_units = unit_subtree(db, actor.unit_id) if actor.role != "admin" else {u["id"] for u in _rows(db, "units")}
    assert _actual(db, actor) == _expected(db, set(scope_units))


def test_dashboard_county_figures_by_hand(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    """The same county, the numbers spelled out: the expected-value code above could share a bug."""
    got = _actual(db, w.reviewer)
    assert got["total"] == 4  # pairings 1, 2, 3 and the key mentee's; the deleted mentee's and the closed one not
    assert got["by_town"] == {"掘港街道": 3, "栟茶镇": 1}
    assert got["by_category"] == {"psych": 4, "hardship": 1}
    assert got["months"]["2025-12"] == 1  # the first day of the window; the day before is outside
    assert "2025-11" not in got["months"]
    # November up to today: activities 1-3 (20th), 21st, 25th, 10th, 23rd, 21st, 22nd, 2nd (handled), 3rd (approved);
    # not the 26th, not the deleted mentee's (2nd), not the deleted activity.
    assert got["months"]["2026-11"] == 11
    assert got["overdue"] == {w.pairing1, w.pairing3}
    assert got["key"] == {"K-1", "K-2", "K-3"}  # K-3's pairing closed, but K-3 is still an active 重点对象
    # Approving a record is not acting on its flag: only a written 处理记录 closes it.
    assert got["flags"] == {w.flag_open, w.flag_town2, w.approved_unhandled}
    assert got["rectify"] == 1


def test_dashboard_key_mentees_include_the_unpaired_and_other_towns(db: sqlite_utils.Database,
                                                                    w: SimpleNamespace) -> None:
    data = dashboard(db, load_scope(db, w.reviewer), today=TODAY)
    items = {k["code"]: k for k in data["key_mentees"]["items"]}
    assert set(items) == {"K-1", "K-2", "K-3"}
    assert items["K-2"]["pairing_id"] is None and items["K-1"]["pairing_id"] == w.key_pairing
    assert items["K-3"]["town_name"] == "栟茶镇"


def test_dashboard_lists_longest_overdue_first(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    items = dashboard(db, load_scope(db, w.reviewer), today=TODAY)["overdue_follow_ups"]["items"]
    assert [(o["pairing_id"], o["days"], o["due"]) for o in items] == [
        (w.pairing1, 3, "2026-11-22"), (w.pairing3, 1, "2026-11-24")]


def test_dashboard_a_town_sees_none_of_another_town(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    data = dashboard(db, load_scope(db, w.staff_town2), today=TODAY)
    assert [t["name"] for t in data["pairings_by_town"]] == ["栟茶镇"]
    assert {f["id"] for f in data["risk_flags"]["items"]} == {w.flag_town2}
    assert {k["code"] for k in data["key_mentees"]["items"]} == {"K-3"}
    apply_mutations(db, w.staff_st11, [upsert("mentee", {"risk_level": "key"}, w.mentee1,
                                              base_version=row(db, "mentee", w.mentee1)["version"])])
    assert {k["code"] for k in dashboard(db, load_scope(db, w.staff_town2), today=TODAY)["key_mentees"]["items"]} \
        == {"K-3"}


@pytest.mark.parametrize("later_is_overdue", [True, False])
def test_dashboard_same_day_activities_the_later_written_decides(db: sqlite_utils.Database, w: SimpleNamespace,
                                                                 later_is_overdue: bool) -> None:
    """Two visits on the pairing's latest day: the one written later (the greater UUIDv7 id) holds
    the follow-up, as on the station home page."""
    first_due, second_due = ("2026-12-20", "2026-11-24") if later_is_overdue else ("2026-11-24", "2026-12-20")
    make_activity(db, w.mentor2, w.pairing2, date="2026-11-24", follow_up_due=first_due)
    make_activity(db, w.mentor2, w.pairing2, date="2026-11-24", follow_up_due=second_due)
    overdue = {o["pairing_id"] for o in dashboard(db, load_scope(db, w.reviewer), today=TODAY)
               ["overdue_follow_ups"]["items"]}
    assert (w.pairing2 in overdue) is later_is_overdue


def test_dashboard_counts_open_referrals_in_scope(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    """转介未结束: live referrals referred or received, not concluded, inside the viewer's scope."""
    def refer(staff: Actor, mentee: str, **more: Any) -> str:
        return mutate(db, staff, "referral", {"mentee_id": mentee, "target": "counselling_room",
                                              "referred_on": "2026-11-03", **more})

    refer(w.staff_st11, w.mentee2, status="received", received_on="2026-11-05")
    refer(w.staff_st11, w.mentee2, status="concluded", received_on="2026-11-05", concluded_on="2026-11-20")
    remove(db, w.staff_st11, "referral", refer(w.staff_st11, w.mentee2))
    refer(w.staff_st21, w.mentee3)
    moved_away = make_mentee(db, w.staff_st11, w.st11)
    refer(w.staff_st11, moved_away)
    remove(db, w.staff_st11, "mentee", moved_away)  # a deleted child's referral counts nowhere
    # open: referral 1 (made by make_county) and the received one in town 1, one in town 2
    assert dashboard(db, load_scope(db, w.reviewer), today=TODAY)["referrals"] == 3
    assert dashboard(db, load_scope(db, w.staff_town1), today=TODAY)["referrals"] == 2
    assert dashboard(db, load_scope(db, w.staff_st12), today=TODAY)["referrals"] == 0


def test_dashboard_lists_the_first_key_mentees_by_town_unit_and_code_and_counts_them_all(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    """More 重点对象 than the page lists: the first LIST_LIMIT by town, then unit, then code (the
    codes sort against that order), and the whole number."""
    made = {"掘港小学辅导站": (w.staff_st11, w.st11, "A"), "掘港中学": (w.staff_st12, w.st12, "Z"),
            "栟茶小学辅导站": (w.staff_st21, w.st21, "0")}
    for unit_name, (staff, unit, prefix) in made.items():
        for i in range(20):
            make_mentee(db, staff, unit, risk_level="key", code=f"{prefix}-{unit_name[:2]}-{i:02}")
    data = dashboard(db, load_scope(db, w.reviewer), today=TODAY)["key_mentees"]
    assert data["count"] == 63  # and K-1, K-2, K-3
    shown = [(k["town_name"], k["unit_name"], k["code"]) for k in data["items"]]
    town = {"掘港小学辅导站": "掘港街道", "掘港中学": "掘港街道", "栟茶小学辅导站": "栟茶镇"}
    first = [("掘港街道", "掘港小学辅导站", "K-1"),
             ("掘港街道", "掘港中学", "K-2"), ("栟茶镇", "栟茶小学辅导站", "K-3")]
    every = sorted([(town[u], u, f"{p}-{u[:2]}-{i:02}") for u, (_, _, p) in made.items() for i in range(20)] + first)
    assert shown == every[:LIST_LIMIT]
    assert shown[0] == ("掘港街道", "掘港中学", "K-2") and shown[-1][0] == "栟茶镇"
