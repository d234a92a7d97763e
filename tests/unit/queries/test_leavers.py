"""本年结束帮扶: the children who left care in a year, by why, as the year-end summary reports them
(``server/queries/leavers.py``) — over a migrated file written through the write path: a leaving
that stands counts by the day she left, a file closed with no reason by the Beijing day its 状态
became closed, a reopened file and a deleted child nowhere, each child in her own unit's subtree."""
from __future__ import annotations

from typing import Any

import sqlite_utils

from server.queries.leavers import leavers
from server.queries.leaving import record_leaving
from sync import load_scope, transaction

from ...factories import make_county, make_mentee, mutate, remove, row


def _status(db: sqlite_utils.Database, staff: Any, child: str, status: str) -> None:
    """The edit form's 状态: no reason is asked."""
    current = row(db, "mentee", child)
    assert current is not None
    mutate(db, staff, "mentee", {"status": status}, child, base_version=current["version"])


def _left(db: sqlite_utils.Database, staff: Any, unit: str, day: str, reason: str) -> str:
    """A new child who left care on ``day`` for ``reason`` by 结束帮扶 (her file closed and why kept,
    as ``care_leaving.leave_care`` writes them)."""
    child = make_mentee(db, staff, unit)
    _status(db, staff, child, "closed")
    with transaction(db):
        record_leaving(db, staff, child, day, reason, "随父母去外省" if reason == "other" else None)
    return child


def _closed_at(db: sqlite_utils.Database, staff: Any, unit: str, stamp: str) -> str:
    """A new child whose file the edit form closed (未记原因), the closing's audit dated ``stamp``: the
    audit keeps when a write was made, so a closing of last year is one whose row says so."""
    child = make_mentee(db, staff, unit)
    _status(db, staff, child, "closed")
    with transaction(db):
        db.execute("UPDATE sync_audit SET at = ? WHERE record_id = ? AND json_extract(changes, '$.status')"
                   " IS NOT NULL", [stamp, child])
    return child


def _dated(db: sqlite_utils.Database, child: str, stamp: str) -> None:
    """Date every change written to ``child``'s file ``stamp``: a file closed with no reason counts in the
    year of its closing's stamp, and one written at the real time would count in the year the suite runs."""
    with transaction(db):
        db.execute("UPDATE sync_audit SET at = ? WHERE record_id = ?", [stamp, child])


def _county(db: sqlite_utils.Database) -> Any:
    w: Any = make_county(db)
    staff, st11 = w.staff_st11, w.st11
    for day, reason in (("2026-07-10", "graduated"), ("2026-03-01", "moved_away"), ("2026-11-01", "improved"),
                        ("2026-12-01", "other"), ("2025-07-10", "graduated")):  # the last one left last year
        _left(db, staff, st11, day, reason)
    _left(db, w.staff_st21, w.st21, "2026-06-30", "graduated")  # another town's
    reopened = _left(db, staff, st11, "2026-07-10", "graduated")
    _status(db, staff, reopened, "active")  # back in help: counted nowhere
    again = _left(db, staff, st11, "2026-07-10", "improved")
    _status(db, staff, again, "active")
    _status(db, staff, again, "closed")  # closed again by the edit form: 未记原因, not 情况好转
    _dated(db, again, "2026-07-20T02:00:00.000Z")  # in 2026 whatever the machine's date (it counts by its stamp)
    gone = _left(db, staff, st11, "2026-07-10", "graduated")
    remove(db, staff, "mentee", gone)  # deleted: counted nowhere
    _closed_at(db, staff, st11, "2026-05-01T02:00:00.000Z")  # 未记原因 this year
    _closed_at(db, staff, st11, "2025-12-31T16:00:00.000Z")  # 1 January 2026, midnight in Beijing
    _closed_at(db, staff, st11, "2025-12-31T15:59:59.999Z")  # still 31 December 2025 in Beijing
    return w


def test_the_children_who_left_care_in_a_year_are_counted_by_why(db: sqlite_utils.Database) -> None:
    w = _county(db)
    county = load_scope(db, w.reviewer)
    year = leavers(db, county, w.county, 2026)
    assert year is not None
    assert year.reasons == {"graduated": 2, "moved_away": 1, "improved": 1, "other": 1, "unrecorded": 3}
    assert year.total == 8
    last = leavers(db, county, w.county, 2025)
    assert last is not None and {k: n for k, n in last.reasons.items() if n} == {"graduated": 1, "unrecorded": 1}


def test_a_town_counts_the_leavers_of_its_own_units_only(db: sqlite_utils.Database) -> None:
    w = _county(db)
    town2 = load_scope(db, w.staff_town2)
    own = leavers(db, town2, w.town2, 2026)
    assert own is not None and (own.total, own.reasons["graduated"]) == (1, 1)
    station = leavers(db, load_scope(db, w.reviewer), w.st11, 2026)
    assert station is not None and station.total == 7
    assert leavers(db, town2, w.town1, 2026) is None  # not its unit: no figure at all


def test_a_year_nobody_left_counts_zero_of_each(db: sqlite_utils.Database) -> None:
    w = make_county(db)
    none = leavers(db, load_scope(db, w.reviewer), w.county, 2026)
    assert none is not None and none.total == 0 and set(none.reasons) == {
        "graduated", "moved_away", "improved", "other", "unrecorded"}
