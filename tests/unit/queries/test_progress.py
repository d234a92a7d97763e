"""The brief's and the summary's walk of a period's activities: a county's starts from a scan of its
pairings, a town's or a station's from its units' children, and both count the same live activities."""
from __future__ import annotations

from typing import Any

import pytest
import sqlite_utils

from server.queries import progress
from sync import load_scope

from ...factories import end_pairing, make_activity, make_county, make_mentee, make_pairing, remove

PERIOD = ("2026-10-01", "2026-11-30")


@pytest.fixture
def w(db: sqlite_utils.Database) -> Any:
    w = make_county(db)
    make_activity(db, w.mentor1, w.pairing1, date="2026-10-05", kind="talk")
    make_activity(db, w.staff_st21, w.pairing3, date="2026-11-06", kind="remote")  # 代录 by the station
    make_activity(db, w.mentor2, w.pairing2, date="2026-09-30")  # before the period
    remove(db, w.mentor1, "activity", make_activity(db, w.mentor1, w.pairing1, date="2026-10-07"))
    gone = make_mentee(db, w.staff_st21, w.st21, name="小远")
    gone_pairing = make_pairing(db, w.staff_st21, w.mentor3, gone)
    make_activity(db, w.mentor3, gone_pairing, date="2026-10-09")
    end_pairing(db, w.staff_st21, gone_pairing)  # a child is deleted only once her pairings end
    remove(db, w.staff_st21, "mentee", gone)  # its pairing and activity no longer count
    return w


def _walk(db: sqlite_utils.Database, w: Any, unit: str) -> tuple[dict[str, Any], str]:
    """The unit's figures for the period, and the plan of its walk of activities."""
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        figures = progress.period_figures(db, load_scope(db, w.reviewer), unit, *PERIOD)
    finally:
        db.conn.set_trace_callback(None)
    (walk,) = [s for s in statements if "total(r.entered_by IS NOT NULL)" in s]
    plan = " / ".join(str(r[3]) for r in db.execute("EXPLAIN QUERY PLAN " + walk).fetchall())
    assert figures is not None
    return figures, plan


def test_a_countys_walk_scans_its_pairings_a_towns_starts_from_its_children(db: sqlite_utils.Database,
                                                                             w: Any) -> None:
    _, county = _walk(db, w, w.county)
    assert county.startswith("SCAN p / ") and "idx_activities_pairing_date" in county, county
    _, town = _walk(db, w, w.town1)
    assert "SEARCH m USING INDEX idx_mentees_unit" in town and "SCAN" not in town, town


def test_a_countys_walk_from_its_pairings_counts_what_the_walk_by_unit_counts(
        db: sqlite_utils.Database, w: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    figures, _ = _walk(db, w, w.county)
    # make_county's three visits of 11-20 and the talk and the 代录 above; not the deleted or the early ones
    assert (figures["activities"], figures["proxy"]) == (5, 1)
    assert figures["activity_months"] == {"2026-10": 1, "2026-11": 4}
    monkeypatch.setattr(progress, "COUNTY_ACTIVITIES", progress.ACTIVITIES)
    by_unit, plan = _walk(db, w, w.county)
    assert "SCAN p " not in plan + " ", plan
    assert by_unit == figures
