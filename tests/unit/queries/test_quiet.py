"""久未帮扶: which running pairings nobody has visited for longer than the county's interval, counted
from the last live visit (a 集体活动 is not one) or, with none, from the pairing's start."""
from __future__ import annotations

import datetime
import random
from typing import Any

import pytest
import sqlite_utils

from server.queries.dashboard import scope_units
from server.queries.quiet import (
    DEFAULT_QUIET_AFTER_DAYS,
    parse_quiet_after_days,
    quiet_after_days,
    quiet_pairings,
    set_quiet_after_days,
)
from sync import load_scope
from sync.labels import ACTIVITY_KINDS

from ...factories import copy_county, end_pairing, make_activity, make_mentee, make_pairing, remove

# make_county's three pairings began 2026-09-01 and each had one home visit on 2026-11-20.
LAST_VISIT = datetime.date(2026, 11, 20)


@pytest.fixture
def w(db: sqlite_utils.Database) -> Any:
    return copy_county(db)


def quiet(db: sqlite_utils.Database, actor: Any, today: datetime.date, **kwargs: Any) -> dict[str, tuple[Any, ...]]:
    units = scope_units(db, load_scope(db, actor))
    return {r["pairing_id"]: (r["last_date"], r["days"]) for r in quiet_pairings(db, units, today, **kwargs)}


def test_a_pairing_is_quiet_only_once_its_last_visit_is_more_than_the_interval_ago(db: sqlite_utils.Database,
                                                                                    w: Any) -> None:
    assert quiet_after_days(db) == DEFAULT_QUIET_AFTER_DAYS == 30
    assert quiet(db, w.reviewer, LAST_VISIT + datetime.timedelta(days=30)) == {}
    assert quiet(db, w.reviewer, LAST_VISIT + datetime.timedelta(days=31)) == {
        p: ("2026-11-20", 31) for p in (w.pairing1, w.pairing2, w.pairing3)}


def test_a_visit_without_a_follow_up_date_still_counts_as_visiting(db: sqlite_utils.Database, w: Any) -> None:
    make_activity(db, w.mentor1, w.pairing1, date="2026-12-01", follow_up_due=None)
    assert quiet(db, w.staff_st11, datetime.date(2026, 12, 25)) == {w.pairing2: ("2026-11-20", 35)}


def test_a_pairing_without_any_visit_counts_from_its_start(db: sqlite_utils.Database, w: Any) -> None:
    fresh = make_pairing(db, w.staff_st11, w.mentor2, make_mentee(db, w.staff_st11, w.st11), start_date="2026-11-01")
    assert quiet(db, w.staff_st11, datetime.date(2026, 12, 1)) == {}
    assert quiet(db, w.staff_st11, datetime.date(2026, 12, 2)) == {fresh: (None, 31)}


@pytest.mark.parametrize("latest", ["group_last", "group_only_since"])
def test_a_group_activity_is_not_a_visit_to_the_child(db: sqlite_utils.Database, w: Any, latest: str) -> None:
    make_activity(db, w.mentor1, w.pairing1, kind="group", date="2026-12-03")
    if latest == "group_only_since":  # the latest activity is a visit again, but an old one comes after a group
        make_activity(db, w.mentor1, w.pairing1, kind="talk", date="2026-11-25")
    found = quiet(db, w.staff_st11, datetime.date(2027, 1, 1))
    assert found[w.pairing1] == (("2026-11-20", 42) if latest == "group_last" else ("2026-11-25", 37))


@pytest.mark.parametrize("kind", [k for k in ACTIVITY_KINDS if k != "group"])
def test_every_kind_of_visit_but_a_group_activity_counts(db: sqlite_utils.Database, w: Any, kind: str) -> None:
    make_activity(db, w.mentor1, w.pairing1, kind=kind, date="2026-12-03")
    assert w.pairing1 not in quiet(db, w.staff_st11, datetime.date(2026, 12, 25))


def test_a_deleted_visit_does_not_count(db: sqlite_utils.Database, w: Any) -> None:
    later = make_activity(db, w.mentor1, w.pairing1, date="2026-12-03")
    assert w.pairing1 not in quiet(db, w.staff_st11, datetime.date(2026, 12, 25))
    remove(db, w.staff_st11, "activity", later)
    assert quiet(db, w.staff_st11, datetime.date(2026, 12, 25))[w.pairing1] == ("2026-11-20", 35)


def test_ended_and_deleted_pairings_and_deleted_childrens_are_never_quiet(db: sqlite_utils.Database, w: Any) -> None:
    end_pairing(db, w.staff_st11, w.pairing1, end_date="2026-11-24")
    remove(db, w.staff_st11, "pairing", w.pairing2)
    end_pairing(db, w.staff_st21, w.pairing3, end_date="2026-11-24")
    remove(db, w.staff_st21, "mentee", w.mentee3)
    assert quiet(db, w.admin, datetime.date(2027, 6, 1)) == {}


def test_a_pairing_not_begun_yet_is_not_quiet(db: sqlite_utils.Database, w: Any) -> None:
    make_pairing(db, w.staff_st11, w.mentor2, make_mentee(db, w.staff_st11, w.st11), start_date="2027-03-01")
    assert len(quiet(db, w.reviewer, datetime.date(2027, 2, 1))) == 3


def test_each_scope_lists_only_its_own_and_names_only_for_staff(db: sqlite_utils.Database, w: Any) -> None:
    day = datetime.date(2026, 12, 25)
    assert set(quiet(db, w.staff_town2, day)) == {w.pairing3}
    assert set(quiet(db, w.staff_st11, day)) == {w.pairing1, w.pairing2}
    assert quiet(db, w.staff_st12, day) == {}
    units = scope_units(db, load_scope(db, w.staff_st11))
    assert {r["mentee_name"] for r in quiet_pairings(db, units, day, names=True)} == {"小明", "小红"}
    assert {r["mentee_name"] for r in quiet_pairings(db, units, day)} == {None}


def test_the_interval_is_the_countys_setting(db: sqlite_utils.Database, w: Any) -> None:
    day = datetime.date(2026, 12, 31)  # 41 days after the last visits
    assert len(quiet(db, w.reviewer, day)) == 3
    set_quiet_after_days(db, 60, w.reviewer, "2026-12-04T02:00:00Z")
    assert quiet_after_days(db) == 60
    assert quiet(db, w.reviewer, day) == {}
    assert len(quiet(db, w.reviewer, day, days=40)) == 3


@pytest.mark.parametrize(("typed", "days"), [
    ("30", 30), (" 45 ", 45), ("7", 7), ("365", 365), ("6", None), ("366", None), ("0", None), ("", None),
    ("-30", None), ("30.5", None), ("三十", None), ("３０", None), ("1e2", None), ("0030", None), (None, None)])
def test_the_interval_must_be_a_whole_number_of_days_from_7_to_365(typed: Any, days: int | None) -> None:
    assert parse_quiet_after_days(typed) == days


def test_quiet_pairings_agree_with_the_rule_computed_from_the_rows(db: sqlite_utils.Database, w: Any) -> None:
    rng = random.Random(8)
    pairings = [w.pairing1, w.pairing2]
    for i in range(6):
        mentee = make_mentee(db, w.staff_st11, w.st11)
        pairings.append(make_pairing(db, w.staff_st11, w.mentor1, mentee, start_date=f"2026-0{i + 3}-01"))
    for _ in range(40):
        pairing = rng.choice(pairings)
        (start,) = db.execute("SELECT start_date FROM pairings WHERE id = ?", [pairing]).fetchone()
        first = datetime.date.fromisoformat(start)
        day = first + datetime.timedelta(days=rng.randrange((datetime.date(2026, 12, 3) - first).days))
        made = make_activity(db, w.staff_st11, pairing, kind=rng.choice(list(ACTIVITY_KINDS)), date=day.isoformat())
        if rng.random() < 0.2:
            remove(db, w.staff_st11, "activity", made)
    sizes = []
    for today in (datetime.date(2026, 9, 1), datetime.date(2026, 11, 1), datetime.date(2026, 12, 20)):
        expected = {}
        for p in pairings:
            (start,) = db.execute("SELECT start_date FROM pairings WHERE id = ?", [p]).fetchone()
            if start > today.isoformat():
                continue
            (last,) = db.execute("SELECT max(date) FROM activities WHERE pairing_id = ? AND deleted = 0"
                                 " AND kind != 'group' AND date <= ?", [p, today.isoformat()]).fetchone()
            since = (today - datetime.date.fromisoformat(last or start)).days
            if since > 30:
                expected[p] = (last, since)
        assert quiet(db, w.staff_st11, today) == expected
        sizes.append(len(expected))
    assert any(0 < n < len(pairings) for n in sizes), sizes  # some quiet, some visited: the rule was tried
