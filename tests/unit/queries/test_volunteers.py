"""Volunteers who took part in a period, by kind: who counts (a pairing that ran on a day of the
period, or a visit dated in it), who does not (never paired, paired only later, a deleted child's
pairing), and where (the volunteer's own unit, inside the reader's scope)."""
from __future__ import annotations

import datetime
from typing import Any

import sqlite_utils

from server.queries.volunteers import volunteers_took_part
from sync import Actor, load_scope, transaction
from sync.users import save_user

from ...factories import end_pairing, make_county, make_mentee, make_pairing, make_user, remove

TODAY = datetime.date(2026, 12, 5)


def _kind(db: sqlite_utils.Database, w: Any, mentor: Actor, kind: str) -> None:
    with transaction(db):
        save_user(db, w.admin, {"mentor_kind": kind}, user_id=mentor.user_id)


def _volunteer(db: sqlite_utils.Database, w: Any, unit: str, kind: str) -> Actor:
    mentor = make_user(db, "mentor", unit)
    _kind(db, w, mentor, kind)
    return mentor


def _county(db: sqlite_utils.Database) -> Any:
    w: Any = make_county(db)  # mentor1, mentor2 (station 1-1) and mentor3 (station 2-1) paired since 2026-09-01
    _kind(db, w, w.mentor1, "cadre")
    _kind(db, w, w.mentor3, "teacher")  # mentor2 stays 未填
    veteran = _volunteer(db, w, w.st11, "veteran")
    ended = make_pairing(db, w.staff_st11, veteran, w.mentee_unpaired, start_date="2025-03-01")
    end_pairing(db, w.staff_st11, ended, end_date="2026-01-01")  # ended on the year's first day: ran none of it
    expert = _volunteer(db, w, w.st12, "expert")
    later = make_mentee(db, w.staff_st12, w.st12)
    make_pairing(db, w.staff_st12, expert, later, start_date="2026-12-20")  # registered ahead: not begun
    model = _volunteer(db, w, w.st12, "model")
    gone = make_mentee(db, w.staff_st12, w.st12)
    end_pairing(db, w.staff_st12, make_pairing(db, w.staff_st12, model, gone), end_date="2026-11-01")
    remove(db, w.staff_st12, "mentee", gone)  # a deleted child's records count nowhere
    _volunteer(db, w, w.st11, "public")  # never paired
    return w


def test_volunteers_who_took_part_are_counted_by_kind_in_the_period(db: sqlite_utils.Database) -> None:
    w = _county(db)
    scope = load_scope(db, w.reviewer)
    year = volunteers_took_part(db, scope, w.county, "2026-01-01", "2026-12-31", today=TODAY)
    assert year is not None
    assert {k: n for k, n in year.kinds.items() if n} == {"cadre": 1, "teacher": 1}
    assert (year.wu_lao, year.unset, year.total) == (2, 1, 3)
    last_year = volunteers_took_part(db, scope, w.county, "2025-01-01", "2025-12-31", today=TODAY)
    assert last_year is not None and {k: n for k, n in last_year.kinds.items() if n} == {"veteran": 1}
    # After today the registered-ahead pairing has begun.
    later = volunteers_took_part(db, scope, w.county, "2026-01-01", "2026-12-31", today=datetime.date(2026, 12, 31))
    assert later is not None and later.kinds["expert"] == 1


def test_a_short_period_counts_the_volunteers_whose_pairing_ran_in_it_once_each(
        db: sqlite_utils.Database) -> None:
    w = _county(db)
    scope = load_scope(db, w.reviewer)
    # mentor1's pairing began 2026-09-01 and its visit is dated 2026-11-20: not in an August window...
    august = volunteers_took_part(db, scope, w.county, "2026-08-01", "2026-08-31", today=TODAY)
    assert august is not None and august.total == 0
    # ... and a window of the visit day alone, both rules true, counts each volunteer once.
    day = volunteers_took_part(db, scope, w.county, "2026-11-20", "2026-11-20", today=TODAY)
    assert day is not None and (day.kinds["cadre"], day.kinds["teacher"], day.unset) == (1, 1, 1)


def test_a_town_counts_only_the_volunteers_of_its_own_units(db: sqlite_utils.Database) -> None:
    w = _county(db)
    town2 = load_scope(db, w.staff_town2)
    own = volunteers_took_part(db, town2, w.town2, "2026-01-01", "2026-12-31", today=TODAY)
    assert own is not None and ({k: n for k, n in own.kinds.items() if n}, own.unset) == ({"teacher": 1}, 0)
    assert volunteers_took_part(db, town2, w.town1, "2026-01-01", "2026-12-31", today=TODAY) is None
    assert volunteers_took_part(db, town2, w.county, "2026-01-01", "2026-12-31", today=TODAY) is None
