"""The statistics form worked out a second way, for the tests: plain Python over the table rows.

``expected_form`` reads every row of the tables and applies docs/design.md §2.1 column by column,
without any SQL of ``server/queries``; the tests compare ``compute_stats`` with it.
``add_stats_records`` gives ``make_county`` a record for every rule: each event kind ×
audience, every activity kind, approved and deleted records, a moved mentee, a deleted
station, boundary dates, repeat screenings and closed pairings.
"""
from __future__ import annotations

import datetime
from typing import Any
from unittest import mock

import sqlite_utils

from sync import transaction

from .factories import end_pairing, make_activity, make_mentee, make_pairing, make_unit, mutate, remove, row

COLUMNS = ("lectures", "lecture_people", "parent_meetings", "parent_people", "talks", "brochures", "screened",
           "helped")


def _all(db: sqlite_utils.Database, table: str) -> list[dict[str, Any]]:
    return list(db.query(f"SELECT * FROM {table}"))


def expected_form(db: sqlite_utils.Database, unit_id: str, date_from: str, date_to: str) -> dict[str, Any]:
    """{"rows": [(unit_id, name, {column: n})...], "total": {column: n}} by docs/design.md §2.1."""
    units = {u["id"]: u for u in _all(db, "units")}

    def unit_live(uid: str | None) -> bool:
        # a unit counts when it and every unit above it are not deleted
        while uid is not None:
            if units[uid]["deleted"]:
                return False
            uid = units[uid]["parent_id"]
        return True

    def path(uid: str) -> tuple[str, ...]:
        names: list[str] = []
        cur: str | None = uid
        while cur is not None:
            names.insert(0, units[cur]["name"])
            cur = units[cur]["parent_id"]
        return tuple(names)

    def under(uid: str) -> bool:
        cur: str | None = uid
        while cur is not None:
            if cur == unit_id:
                return True
            cur = units[cur]["parent_id"]
        return False

    rows = sorted((u for u in units.values() if u["kind"] in ("station", "school") and under(u["id"])
                   and unit_live(u["id"])), key=lambda u: path(u["id"]))
    row_ids = {u["id"] for u in rows}
    mentees = {m["id"]: m for m in _all(db, "mentees")}
    pairings = {p["id"]: p for p in _all(db, "pairings")}

    def mentee_live(mid: str) -> bool:
        m = mentees[mid]
        return not m["deleted"] and unit_live(m["unit_id"])

    def in_period(day: str | None) -> bool:
        return day is not None and date_from <= day <= date_to

    figures: dict[str, dict[str, int]] = {u["id"]: dict.fromkeys(COLUMNS, 0) for u in rows}
    for e in _all(db, "events"):
        if e["deleted"] or not in_period(e["date"]) or e["unit_id"] not in row_ids:
            continue
        f = figures[e["unit_id"]]
        # a lecture without an audience is the series' own: 第5讲 is for parents (家长学校)
        audience = e["audience"] or ("parents" if e["kind"] == "lecture" and e["lecture_no"] == 5 else None)
        if e["kind"] in ("lecture", "themed", "class_meeting") and audience in ("students", None):
            f["lectures"] += 1
            f["lecture_people"] += e["participants"]
        if e["kind"] == "parent_meeting" or (e["kind"] == "lecture" and audience == "parents"):
            f["parent_meetings"] += 1
            f["parent_people"] += e["participants"]
        if e["kind"] == "brochure":
            f["brochures"] += e["copies"]
    for a in _all(db, "activities"):
        if a["deleted"] or not in_period(a["date"]) or a["kind"] not in ("home_visit", "talk"):
            continue
        pairing = pairings[a["pairing_id"]]
        if pairing["deleted"] or not mentee_live(a["mentee_id"]):
            continue
        unit = mentees[a["mentee_id"]]["unit_id"]
        if unit in row_ids:
            figures[unit]["talks"] += 1
    screened: dict[str, set[str]] = {u: set() for u in row_ids}
    helped: dict[str, set[str]] = {u: set() for u in row_ids}
    for s in _all(db, "screenings"):
        if s["deleted"] or not in_period(s["date"]) or not mentee_live(s["mentee_id"]):
            continue
        unit = mentees[s["mentee_id"]]["unit_id"]
        if unit not in row_ids:
            continue
        if s["psych_problem"]:
            screened[unit].add(s["mentee_id"])
        if s["intervention_success"]:
            helped[unit].add(s["mentee_id"])
    for p in pairings.values():
        if (p["deleted"] or p["status"] != "closed" or p["outcome"] != "improved" or not in_period(p["end_date"])
                or not mentee_live(p["mentee_id"])):
            continue
        unit = mentees[p["mentee_id"]]["unit_id"]
        if unit in row_ids:
            helped[unit].add(p["mentee_id"])
    for uid in row_ids:
        figures[uid]["screened"] = len(screened[uid])
        figures[uid]["helped"] = len(helped[uid])
    out_rows = [(u["id"], u["name"], figures[u["id"]]) for u in rows]
    total = {c: sum(f[c] for _, _, f in out_rows) for c in COLUMNS}
    return {"rows": out_rows, "total": total}


def _event(db: sqlite_utils.Database, actor: Any, unit: str, kind: str, date: str, **more: Any) -> str:
    return mutate(db, actor, "event", {"unit_id": unit, "kind": kind, "date": date, **more})


def _edit(db: sqlite_utils.Database, actor: Any, entity: str, record_id: str, fields: dict[str, Any]) -> None:
    current = row(db, entity, record_id)
    assert current is not None
    mutate(db, actor, entity, fields, record_id, current["version"])


def _add_stats_records(db: sqlite_utils.Database, w: Any) -> Any:
    """Records for every rule of the form, in the county of ``make_county`` (period of interest: 2026)."""
    s11, s12, s21 = w.staff_st11, w.staff_st12, w.staff_st21
    # events: every kind x audience, online and offline, copies where they do and do not count
    for kind in ("lecture", "themed", "class_meeting", "parent_meeting", "brochure"):
        for n, audience in enumerate(("students", "parents", None)):
            _event(db, s11, w.st11, kind, "2026-03-1" + str(n), audience=audience, participants=10 + n,
                   copies=100 + n, online=n == 1)
    # a lecture's number with and without an audience: 第5讲 unnamed is for parents, 第4讲 unnamed for students
    for no in (4, 5):
        for n, audience in enumerate(("students", "parents", None)):
            _event(db, s21, w.st21, "lecture", f"2026-04-{10 + no * 3 + n}", lecture_no=no, audience=audience,
                   participants=no * 100 + n)
    _event(db, s12, w.st12, "lecture", "2026-01-01", audience="students", participants=300)  # first day
    _event(db, s12, w.st12, "lecture", "2026-12-31", audience="parents", participants=250)  # last day
    _event(db, s12, w.st12, "parent_meeting", "2025-12-31", participants=999)  # the day before
    _event(db, s12, w.st12, "brochure", "2027-01-01", copies=999)  # the day after
    _event(db, w.staff_town1, w.town1, "lecture", "2026-05-05", audience="students", participants=500)  # no row
    w.deleted_event = _event(db, s21, w.st21, "lecture", "2026-05-05", audience="students", participants=70)
    remove(db, s21, "event", w.deleted_event)
    _event(db, s21, w.st21, "brochure", "2026-10-01", copies=40)
    # a station deleted with its records still in it: they count nowhere. The write path now refuses
    # such a delete (sync.rules ``refuse_delete``); databases from before hold such units, so the
    # flag is set here as those deletes left it.
    w.st13 = make_unit(db, "掘港三站", "station", w.town1)
    _event(db, w.staff_town1, w.st13, "lecture", "2026-06-01", audience="students", participants=44)
    deleting = "UPDATE units SET deleted = 1, version = version + 1 WHERE id = ?"
    if db.conn.in_transaction:  # inside a page test's Store write
        db.execute(deleting, [w.st13])
    else:
        with transaction(db):
            db.execute(deleting, [w.st13])

    # activities: every kind; approved, returned, pending, deleted; of a deleted pairing / mentee
    for kind, day in (("home_visit", "2026-02-01"), ("talk", "2026-02-02"), ("remote", "2026-02-03"),
                      ("group", "2026-02-04"), ("talk", "2025-12-31")):
        make_activity(db, w.mentor1, w.pairing1, kind=kind, date=day)
    # The day after, in the pairing still running (pairing 1 ends on 2026-11-30, before it).
    make_activity(db, w.mentor2, w.pairing2, kind="home_visit", date="2027-01-01")
    approved = make_activity(db, w.mentor1, w.pairing1, kind="talk", date="2026-06-01")
    mutate(db, s11, "review", {"target_entity": "activity", "target_id": approved, "decision": "approve"})
    gone = make_activity(db, w.mentor2, w.pairing2, kind="home_visit", date="2026-06-02")
    remove(db, w.mentor2, "activity", gone)
    make_activity(db, w.mentor3, w.pairing3, kind="talk", date="2026-07-01")

    mentee_x = make_mentee(db, s11, w.st11, name="小东")
    pairing_x = make_pairing(db, s11, w.mentor2, mentee_x)
    make_activity(db, w.mentor2, pairing_x, kind="home_visit", date="2026-04-01")
    mutate(db, s11, "screening", {"mentee_id": mentee_x, "date": "2026-04-01", "psych_problem": True})
    remove(db, s11, "pairing", pairing_x)  # its activity no longer counts; the screening still does
    mentee_y = make_mentee(db, s11, w.st11, name="小西")
    pairing_y = make_pairing(db, s11, w.mentor1, mentee_y)
    make_activity(db, w.mentor1, pairing_y, kind="talk", date="2026-04-02")
    mutate(db, s11, "screening", {"mentee_id": mentee_y, "date": "2026-04-02", "psych_problem": True,
                                  "intervention_success": True})
    end_pairing(db, s11, pairing_y, "2026-11-30")  # a child is deleted only once her pairings end
    remove(db, s11, "mentee", mentee_y)  # nothing of a deleted mentee counts

    # a mentee who moves from station 1-1 to school 1-2 counts wholly in the new school
    w.mover = make_mentee(db, s11, w.st11, name="小北")
    mover_pairing = make_pairing(db, s11, w.mentor1, w.mover)
    make_activity(db, w.mentor1, mover_pairing, kind="home_visit", date="2026-05-01")
    make_activity(db, w.mentor1, mover_pairing, kind="talk", date="2026-09-01")
    mutate(db, s11, "screening", {"mentee_id": w.mover, "date": "2026-05-01", "psych_problem": True})
    _edit(db, w.staff_town1, "mentee", w.mover, {"unit_id": w.st12})

    # screenings: the same mentee twice, success, deleted, out of period
    mutate(db, s11, "screening", {"mentee_id": w.mentee1, "date": "2026-10-20", "psych_problem": True,
                                  "intervention_success": True})
    mutate(db, s11, "screening", {"mentee_id": w.mentee2, "date": "2025-12-31", "psych_problem": True})
    dropped = mutate(db, s11, "screening", {"mentee_id": w.mentee2, "date": "2026-08-08", "psych_problem": True})
    remove(db, s11, "screening", dropped)
    mutate(db, s21, "screening", {"mentee_id": w.mentee3, "date": "2026-12-31", "intervention_success": True})

    # pairings closed: improved in / out of the period, stable; one mentee helped twice over
    _edit(db, s11, "pairing", w.pairing1, {"status": "closed", "outcome": "improved", "end_date": "2026-11-30"})
    mentee_z = make_mentee(db, s12, w.st12, name="小南")
    pz = make_pairing(db, w.staff_town1, w.mentor2, mentee_z)
    _edit(db, s12, "pairing", pz, {"status": "closed", "outcome": "improved", "end_date": "2027-01-01"})
    mentee_v = make_mentee(db, s12, w.st12, name="小中")
    pv = make_pairing(db, w.staff_town1, w.mentor2, mentee_v, start_date="2026-03-01")  # ended 2026-06-30
    _edit(db, s12, "pairing", pv, {"status": "closed", "outcome": "stable", "end_date": "2026-06-30"})
    _edit(db, s21, "pairing", w.pairing3, {"status": "closed", "outcome": "improved", "end_date": "2026-12-31"})

    # 备注: station 1-1's return for the whole year; one for another period must not show
    w.return_year = mutate(db, s11, "stats_return", {"unit_id": w.st11, "period_from": "2026-01-01",
                                                     "period_to": "2026-12-31", "remarks": "含线上宣讲"})
    mutate(db, s12, "stats_return", {"unit_id": w.st12, "period_from": "2026-01-01", "period_to": "2026-06-30",
                                     "remarks": "上半年"})
    return w


# The year this world records is over when it is read: every date in it, 2026-12-31 included, is past
# (the write path refuses a visit, screening, group event or referral dated ahead of the day it is entered).
AS_OF = datetime.date(2027, 1, 15)


def add_stats_records(db: sqlite_utils.Database, w: Any) -> Any:
    with mock.patch("sync.rules.dates.local_today", return_value=AS_OF):
        return _add_stats_records(db, w)
