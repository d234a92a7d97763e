"""The brief's and the summary's walk of a period's activities: a county's starts from a scan of its
pairings, a town's or a station's from its units' children, and both count the same live activities."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
import sqlite_utils

from server.queries import progress
from server.queries.dashboard import dashboard
from sync import load_scope
from sync.db import transaction

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


EDGES = ("next_week", "ended_yesterday", "closed_no_end", "active_old_end", "closed_tomorrow")


@pytest.mark.parametrize("edge", EDGES)
def test_the_brief_counts_running_pairings_as_the_dashboard_does(db: sqlite_utils.Database, edge: str) -> None:
    """在结对 in the brief and the year summary is ``filters.running``, the dashboard's rule: a pairing
    begun and not ended. Among the edges, two where the brief's own SQL counted otherwise: a pairing
    still active that carries an old end date (counted by the dashboard, not the brief), and one
    closed on a day still to come (counted by the brief, not the dashboard)."""
    w = make_county(db)
    today = datetime.date(2026, 11, 25)
    day = datetime.timedelta(days=1)
    start = today + 7 * day if edge == "next_week" else today - 30 * day
    pairing = make_pairing(db, w.staff_st11, w.mentor1, make_mentee(db, w.staff_st11, w.st11),
                           start_date=start.isoformat())
    if edge == "ended_yesterday":
        end_pairing(db, w.staff_st11, pairing, end_date=(today - day).isoformat())
    # States no page makes today, but older data or an API write holds.
    status, end = {"closed_no_end": ("closed", None), "active_old_end": ("active", today - day),
                   "closed_tomorrow": ("closed", today + day)}.get(edge, (None, None))
    if status:
        with transaction(db):
            db.execute("UPDATE pairings SET status = ?, end_date = ? WHERE id = ?",
                       [status, end and end.isoformat(), pairing])
    scope = load_scope(db, w.reviewer)
    figures = progress.period_figures(db, scope, w.county, "2026-01-01", "2026-12-31", today=today)
    assert figures is not None
    assert figures["pairings_active"] == dashboard(db, scope, today=today)["pairings_total"]


def test_a_past_years_summary_counts_a_pairing_closed_since_as_running_at_that_years_end(
        db: sqlite_utils.Database) -> None:
    w = make_county(db)
    scope = load_scope(db, w.reviewer)
    before = progress.period_figures(db, scope, w.county, "2026-10-01", "2026-10-31")
    assert before is not None
    end_pairing(db, w.staff_st11, w.pairing1, end_date="2026-11-24")
    after = progress.period_figures(db, scope, w.county, "2026-10-01", "2026-10-31")
    assert after is not None and after["pairings_active"] == before["pairings_active"] > 0
