"""The station home's risk flags, follow-ups and pending-review count: which activity is a pairing's
latest, and plans that read flagged, due or waiting activities and each pairing's latest activity by
index, never every activity of the units in scope (a county of 10^6 activities took 4-26 s per list
that way)."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
import sqlite_utils

from server.queries import followups, station
from sync import load_scope

from ...factories import copy_county, make_activity, make_mentee, make_pairing, remove

TODAY = datetime.date(2026, 11, 20)


@pytest.fixture
def w(db: sqlite_utils.Database) -> Any:
    return copy_county(db)


def test_a_pairings_follow_up_is_its_latest_live_activitys_ties_broken_by_id(db: sqlite_utils.Database,
                                                                              w: Any) -> None:
    scope = load_scope(db, w.staff_st11)
    pairing = make_pairing(db, w.staff_st11, w.mentor2, make_mentee(db, w.staff_st11, w.st11, name="小新"))
    early = make_activity(db, w.staff_st11, pairing, date="2026-11-01", follow_up_due="2026-11-10")
    assert [r["id"] for r in followups.overdue_follow_ups(db, scope, TODAY)] == [early]
    # Two on the same later date: the one created second (the larger v7 id) is the latest.
    make_activity(db, w.staff_st11, pairing, date="2026-11-05", follow_up_due="2026-11-12")
    second = make_activity(db, w.staff_st11, pairing, date="2026-11-05", follow_up_due="2026-11-22")
    assert followups.overdue_follow_ups(db, scope, TODAY) == []
    assert [r["id"] for r in followups.due_follow_ups(db, scope, TODAY)] == [second]
    # Deleted, it no longer counts; the one before it (overdue) is the latest again.
    remove(db, w.staff_st11, "activity", second)
    overdue = followups.overdue_follow_ups(db, scope, TODAY)
    assert [(r["follow_up_due"], r["days_overdue"]) for r in overdue] == [("2026-11-12", 8)]


@pytest.mark.parametrize("who", ["staff_st11", "staff_town1", "admin", "mentor1"])
def test_the_home_lists_read_by_index_never_the_units_whole_history(db: sqlite_utils.Database, w: Any,
                                                                    who: str) -> None:
    scope = load_scope(db, getattr(w, who))
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        followups.open_risk_flags(db, scope)
        followups.handled_risk_flags(db, scope)
        followups.overdue_follow_ups(db, scope, TODAY)
        followups.due_follow_ups(db, scope, TODAY)
        station.pending_reviews(db, scope)
    finally:
        db.conn.set_trace_callback(None)
    reads = [s for s in statements if s.lstrip().startswith("SELECT")]
    assert len(reads) == 5, statements
    for sql in reads:
        plan = " ".join(str(r[3]) for r in db.execute("EXPLAIN QUERY PLAN " + sql).fetchall())
        # Flags walk the partial index of flagged activities, the week's follow-ups the partial
        # index of follow-up dates, the count of pending reviews a partial index of waiting
        # activities (by unit for a station or a town), and overdue follow-ups read each pairing's
        # latest activity as the write path keeps it (pairing_latest), then that one activity by id.
        assert ("SCAN a USING INDEX idx_activities_risk_date" in plan
                # handled flags unticked since: the partial index of them, or a volunteer's own pairings
                and ("UNION" not in plan or "SCAN a USING INDEX idx_activities_risk_withdrawn" in plan
                     or "SEARCH a USING INDEX idx_activities_pairing_date (pairing_id=?)" in plan)
                or "SEARCH a USING INDEX idx_activities_waiting (review_status=?)" in plan
                or "SEARCH a USING INDEX idx_activities_waiting_unit (unit_id=? AND review_status=?)" in plan
                or "SEARCH a USING INDEX idx_activities_follow_up (follow_up_due>? AND follow_up_due<?)" in plan
                or ("SEARCH a USING INDEX sqlite_autoindex_activities_1 (id=?)" in plan
                    and ("SEARCH l USING PRIMARY KEY (pairing_id=?)" in plan or "SCAN l" in plan))), plan
        assert "SCAN a " not in plan.replace("SCAN a USING INDEX idx_activities_risk_date", "").replace(
            "SCAN a USING INDEX idx_activities_risk_withdrawn", ""), plan


@pytest.mark.parametrize("who", ["staff_town1", "admin"])
def test_a_deleted_units_open_flags_and_overdue_follow_ups_count_nowhere(db: sqlite_utils.Database, w: Any,
                                                                         who: str) -> None:
    """The write path deletes no unit with live records; one deleted before that rule kept its
    children's flags and follow-ups open: listed and counted nowhere, as every read's ``live``."""
    child = make_mentee(db, w.staff_town1, w.st12, name="小军")
    pairing = make_pairing(db, w.staff_town1, w.mentor2, child)
    make_activity(db, w.mentor2, pairing, date="2026-11-01", follow_up_due="2026-11-10", risk_flag=True)
    scope = load_scope(db, getattr(w, who))
    assert followups.count_overdue_follow_ups(db, scope, TODAY) == 1
    assert followups.count_open_risk_flags(db, scope) == 1
    db.execute("UPDATE units SET deleted = 1 WHERE id = ?", [w.st12])
    assert followups.overdue_follow_ups(db, scope, TODAY) == []
    assert followups.count_overdue_follow_ups(db, scope, TODAY) == 0
    assert followups.open_risk_flags(db, scope) == []
    assert followups.count_open_risk_flags(db, scope) == 0
