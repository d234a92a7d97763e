"""The review queue's read: what waits and in which order, a bounded count, and the index that keeps a
county's backlog from being sorted on every visit."""
from __future__ import annotations

from typing import Any

import pytest
import sqlite_utils

from server.queries import review, station
from sync import load_scope

from ...factories import copy_county, make_activity, mutate


@pytest.fixture
def w(db: sqlite_utils.Database) -> Any:
    return copy_county(db)


def test_pending_visits_come_first_urgent_flags_first_then_the_oldest(db: sqlite_utils.Database, w: Any) -> None:
    old = make_activity(db, w.mentor2, w.pairing2, date="2026-10-01")
    urgent = make_activity(db, w.mentor2, w.pairing2, date="2026-11-25", risk_flag=True)
    rows, total, returned = review.waiting_activities(db, load_scope(db, w.staff_st11))
    assert [r["id"] for r in rows] == [urgent, old, w.activity2, w.activity1]  # activity 1 was returned
    assert total == 4 and returned == 1 and [r["review_status"] for r in rows] == ["pending"] * 3 + ["returned"]


def test_approved_visits_and_other_units_do_not_wait_here(db: sqlite_utils.Database, w: Any) -> None:
    mutate(db, w.staff_town1, "review", {"target_entity": "activity", "target_id": w.activity2, "decision": "approve"})
    rows, _, _ = review.waiting_activities(db, load_scope(db, w.staff_st11))
    assert [r["id"] for r in rows] == [w.activity1]
    assert [r["id"] for r in review.waiting_activities(db, load_scope(db, w.staff_st21))[0]] == [w.activity3]


def test_the_count_stops_past_the_cap_and_the_page_at_the_limit(db: sqlite_utils.Database, w: Any,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    for day in range(1, 6):
        make_activity(db, w.mentor2, w.pairing2, date=f"2026-11-0{day}")
    monkeypatch.setattr(review, "COUNT_CAP", 3)
    monkeypatch.setattr(review, "LIMIT", 2)
    rows, total, _ = review.waiting_activities(db, load_scope(db, w.reviewer))
    assert total == 4 and len(rows) == 2  # "more than 3"; the first two of the oldest


def test_a_county_wide_queue_reads_the_waiting_index_in_order(db: sqlite_utils.Database, w: Any,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(review, "BY_UNIT_MAX", 3)  # a real county has hundreds of units; this one has few
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)  # the statements as run, parameters filled in
    try:
        review.waiting_activities(db, load_scope(db, w.reviewer))
    finally:
        db.conn.set_trace_callback(None)
    pages = [s for s in statements if "a.review_status = " in s]
    assert len(pages) == 2, statements
    for sql in pages:
        plan = " ".join(str(r) for r in db.execute("EXPLAIN QUERY PLAN " + sql).fetchall())
        assert "idx_activities_waiting" in plan and "USE TEMP B-TREE FOR ORDER BY" not in plan, plan


# sqlite_stat1 of bench/reports_bench.py's county (10^6 activities, 50,000 pairings, half of the
# activities waiting; the bench runs ANALYZE), as SQLite's planner then sees it. (The index by
# unit and date it preferred is gone since m022, the one by date since m028; a scan of the table
# must not win either.)
BIG_COUNTY_STATS = [
    ("activities", "idx_activities_waiting", "499636 499636 499636 1369"),
    ("activities", "idx_activities_pairing_date", "1000000 20 1 1 1 1"),
    ("activities", "sqlite_autoindex_activities_1", "1000000 1"),
    ("pairings", "sqlite_autoindex_pairings_1", "50000 1"),
    ("mentees", "sqlite_autoindex_mentees_1", "50000 1"),
    ("units", "sqlite_autoindex_units_1", "261 1"),
]


def test_with_a_big_countys_statistics_the_queue_still_reads_the_waiting_index(db: sqlite_utils.Database,
                                                                               w: Any) -> None:
    """With those statistics SQLite preferred walking every activity of the units in scope (7.4 s
    for the first page); the server runs no ANALYZE today, but a plan must not hang on that."""
    db.execute("ANALYZE")
    db.execute("DELETE FROM sqlite_stat1")
    db.conn.executemany("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", BIG_COUNTY_STATS)
    db.execute("ANALYZE sqlite_schema")  # the planner reloads the statistics
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        review.waiting_activities(db, load_scope(db, w.reviewer))
    finally:
        db.conn.set_trace_callback(None)
    reads = [s for s in statements if "a.review_status" in s]
    assert len(reads) == 3, statements  # the count, then a page of each status
    for sql in reads:
        plan = " ".join(str(r) for r in db.execute("EXPLAIN QUERY PLAN " + sql).fetchall())
        assert "idx_activities_waiting" in plan and "SCAN a" not in plan, plan


@pytest.mark.parametrize("who", ["staff_st11", "staff_town1"])
def test_a_station_or_towns_waiting_visits_are_found_by_unit_not_by_walking_the_countys_backlog(
        db: sqlite_utils.Database, w: Any, who: str) -> None:
    """The ordered index holds every waiting visit of the county: a station's few were found by
    walking all of them (0.65-0.83 s of the station home over a backlog of 484,000)."""
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        rows, total, _ = review.waiting_activities(db, load_scope(db, getattr(w, who)))
        pending = station.pending_reviews(db, load_scope(db, getattr(w, who)))
    finally:
        db.conn.set_trace_callback(None)
    assert total == len(rows) and pending == sum(r["review_status"] == "pending" for r in rows) > 0
    reads = [s for s in statements if "a.review_status" in s]
    assert len(reads) == 4, statements  # the queue's count, a page of each status, the home's count
    for sql in reads:
        plan = " ".join(str(r[3]) for r in db.execute("EXPLAIN QUERY PLAN " + sql).fetchall())
        assert "SEARCH a USING INDEX idx_activities_waiting_unit (unit_id=? AND review_status=?)" in plan, plan


def test_the_queue_of_one_unit_of_the_county_reads_that_units_rows_by_unit(db: sqlite_utils.Database,
                                                                             w: Any) -> None:
    """A county reviewer filtering on a station: the scope is narrowed to the station's subtree, so
    the read is by unit and the rows are the station's alone."""
    mine = review.waiting_activities(db, load_scope(db, w.staff_st11))[0]
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        rows, total, _ = review.waiting_activities(db, load_scope(db, w.reviewer), unit=w.st11)
    finally:
        db.conn.set_trace_callback(None)
    assert [r["id"] for r in rows] == [r["id"] for r in mine] and total == len(mine) > 0
    for sql in (s for s in statements if "a.review_status" in s):
        plan = " ".join(str(r[3]) for r in db.execute("EXPLAIN QUERY PLAN " + sql).fetchall())
        assert "idx_activities_waiting_unit" in plan, plan


def test_a_unit_outside_the_scope_asked_for_gives_an_empty_queue(db: sqlite_utils.Database, w: Any) -> None:
    rows, total, _ = review.waiting_activities(db, load_scope(db, w.staff_st11), unit=w.st21)
    assert rows == [] and total == 0


@pytest.mark.parametrize("who", ["admin", "staff_st11"])
def test_one_volunteers_waiting_visits_are_found_by_author_not_by_walking_the_backlog(
        db: sqlite_utils.Database, w: Any, who: str) -> None:
    """The stop form's count and the queue narrowed to her (``?mentor=``) read her few by author (m054),
    the county's admin as a station: by unit or in the queue's order, the admin walked the county's backlog."""
    own = make_activity(db, w.mentor1, w.pairing1, date="2026-11-22")
    make_activity(db, w.staff_st11, w.pairing1, date="2026-11-23")  # 代录: goes back to its 代录人
    scope = load_scope(db, getattr(w, who))
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        counted = review.author_waiting(db, scope, w.mentor1.user_id)
        rows, total, returned = review.waiting_activities(db, scope, mentor=w.mentor1.user_id)
        review.urgent_waiting(db, scope, mentor=w.mentor1.user_id)
    finally:
        db.conn.set_trace_callback(None)
    assert counted == (1, 1) and (total, returned) == (2, 1) and {r["id"] for r in rows} == {own, w.activity1}
    reads = [s for s in statements if "a.review_status" in s]
    assert len(reads) == 5, statements  # the count, the queue's count, a page of each status, the urgent
    for sql in reads:
        plan = " ".join(str(r[3]) for r in db.execute("EXPLAIN QUERY PLAN " + sql).fetchall())
        assert "SEARCH a USING INDEX idx_activities_waiting_author (author_id=?" in plan, plan
