"""One month's figures, read on every page that states them, agree for the county, each town and a
station: the dashboard's month and running pairings, the statistics form (its 合计 and its
drill-down), the brief's and summary's figures (``progress``), and a unit's approved return. The
month holds the edge cases: a child with two pairings, a child who moved to another town's station
with her visits, a visit on the month's last day (and one on the next month's first), a 代录 visit,
a group activity, a deleted visit."""
from __future__ import annotations

import datetime
import json
from types import SimpleNamespace

import pytest
import sqlite_utils

from server.queries.dashboard import dashboard
from server.queries.progress import period_figures
from server.queries.stats import compute_stats, figures_for_return
from server.queries.stats_form import form_from_json
from server.queries.stats_records import measure_records
from sync import load_scope
from sync.returns import install_figures

from ...factories import make_activity, make_county, make_county_staff, make_pairing, mutate, remove, row

TODAY = datetime.date(2026, 12, 4)
NOVEMBER = ("2026-11-01", "2026-11-30")


@pytest.fixture
def w(db: sqlite_utils.Database) -> SimpleNamespace:
    w = make_county(db)  # visits of 20 November in pairings 1, 2 (station 11) and 3 (station 21)
    w.second = make_pairing(db, w.staff_st11, w.mentor2, w.mentee1, approach="guanai")  # her second pairing
    make_activity(db, w.mentor2, w.second, date="2026-11-30", kind="talk")  # the month's last day
    make_activity(db, w.mentor1, w.pairing1, date="2026-12-01", kind="talk")  # the next month's first
    w.proxy = make_activity(db, w.staff_st11, w.pairing1, date="2026-11-15")  # 代录
    make_activity(db, w.mentor1, w.pairing1, date="2026-11-16", kind="group")
    gone = make_activity(db, w.mentor1, w.pairing1, date="2026-11-17", kind="talk")
    remove(db, w.mentor1, "activity", gone)
    moved = row(db, "mentee", w.mentee2)
    assert moved is not None
    mutate(db, make_county_staff(db, w.county), "mentee", {"unit_id": w.st21}, w.mentee2, base_version=moved["version"])
    return w


def _figures(db: sqlite_utils.Database, actor: object, unit: str) -> dict[str, int]:
    scope = load_scope(db, actor)  # type: ignore[arg-type]
    board = dashboard(db, scope, today=TODAY)
    progress = period_figures(db, scope, unit, *NOVEMBER, today=TODAY)
    form = compute_stats(db, scope, unit, *NOVEMBER)
    talks = measure_records(db, scope, unit, "talks", *NOVEMBER)
    assert progress is not None and form is not None and talks is not None
    month = next(m["count"] for m in board["activities_by_month"] if m["month"] == "2026-11")
    kinds = progress["activity_kinds"]
    return {
        "dashboard_month": month, "progress_activities": progress["activities"],
        "form_talks": form.total.value("talks"), "drill_down_talks": len(talks),
        "progress_talks": kinds["home_visit"] + kinds["talk"],
        "dashboard_running": board["pairings_total"], "progress_running": progress["pairings_active"],
        "proxy": progress["proxy"],
    }


@pytest.mark.parametrize(("who", "unit", "activities", "talks", "running", "proxy"), [
    # 20th, 30th (second pairing), 15th (代录), 16th (group); the moved child's 20th and the 3rd pairing's
    ("reviewer", "county", 6, 5, 4, 1),
    ("staff_town1", "town1", 4, 3, 2, 1),  # the moved child's visit left with her
    ("staff_town2", "town2", 2, 2, 2, 0),  # hers, and pairing 3's
    ("staff_st21", "st21", 2, 2, 2, 0),
])
def test_one_months_figures_agree_on_every_report_and_count_each_edge_case_once_in_its_place(
        db: sqlite_utils.Database, w: SimpleNamespace, who: str, unit: str, activities: int, talks: int,
        running: int, proxy: int) -> None:
    got = _figures(db, getattr(w, who), getattr(w, unit))
    assert got == {"dashboard_month": activities, "progress_activities": activities, "form_talks": talks,
                   "drill_down_talks": talks, "progress_talks": talks, "dashboard_running": running,
                   "progress_running": running, "proxy": proxy}


def test_a_returns_frozen_figures_are_the_forms_figures_for_the_month(db: sqlite_utils.Database,
                                                                       w: SimpleNamespace) -> None:
    install_figures(figures_for_return)  # what every server Store does: an approval freezes the figures
    filed = mutate(db, w.staff_st21, "stats_return", {"unit_id": w.st21, "period_from": NOVEMBER[0],
                                                      "period_to": NOVEMBER[1], "status": "submitted"})
    mutate(db, w.staff_town2, "review", {"target_entity": "stats_return", "target_id": filed,
                                         "decision": "approve"})
    frozen = form_from_json(json.loads(db.execute("SELECT figures FROM stats_returns WHERE id = ?",
                                                  [filed]).fetchone()[0]))
    current = compute_stats(db, load_scope(db, w.reviewer), w.st21, *NOVEMBER)
    assert current is not None and frozen.total.values == current.total.values
    assert frozen.total.value("talks") == 2
