"""The reports bench's county (bench/reports_bench.py) carries what a county's visits carry: most
with a next follow-up date, a few risk-flagged and most of those handled, so the dashboard's and
the station home's overdue follow-ups and open risk flags are timed on lists that are not empty;
and its kept latest activity per pairing is the one the write path would keep."""
from __future__ import annotations

import pathlib
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

from server.queries.followups import count_open_risk_flags, count_overdue_follow_ups
from server.store import Store
from sync import Actor, load_scope

BENCH = pathlib.Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, pathlib.Path, dict[str, Any]]]:
    sys.path.insert(0, str(BENCH))
    try:
        import reports_bench
    finally:
        sys.path.remove(str(BENCH))
    path = tmp_path_factory.mktemp("bench") / "reports.db"
    yield reports_bench, path, reports_bench.build(path, 20_000)


def test_bench_county_visits_mostly_carry_a_follow_up_date_after_the_visit(county: Any) -> None:
    _, path, _ = county
    conn = sqlite3.connect(path)
    total, due, after = conn.execute(
        "SELECT count(*), count(follow_up_due), sum(follow_up_due > date) FROM activities").fetchone()
    assert 0.75 < due / total < 0.85 and after == due


def test_bench_county_flags_a_few_visits_most_handled_by_their_towns_staff(county: Any) -> None:
    _, path, _ = county
    conn = sqlite3.connect(path)
    total, flagged, handled = conn.execute(
        "SELECT count(*), sum(risk_flag), sum(risk_flag AND risk_action IS NOT NULL) FROM activities").fetchone()
    assert 0.005 < flagged / total < 0.02 and 0.7 < handled / flagged < 0.98
    wrong = conn.execute(
        "SELECT count(*) FROM activities a JOIN units leaf ON leaf.id = a.unit_id"
        " LEFT JOIN users u ON u.id = a.risk_action_by AND u.role = 'staff' AND u.unit_id = leaf.parent_id"
        " WHERE a.risk_action IS NOT NULL AND (u.id IS NULL OR a.risk_action_on < a.date)").fetchone()[0]
    assert wrong == 0
    assert conn.execute("SELECT count(*) FROM activities WHERE risk_action IS NOT NULL AND risk_flag = 0"
                        ).fetchone()[0] == 0


def test_bench_county_keeps_each_pairings_latest_activity_with_its_follow_up_date(county: Any) -> None:
    _, path, _ = county
    conn = sqlite3.connect(path)
    afresh = conn.execute(
        "SELECT pairing_id, id, date, follow_up_due FROM (SELECT a.*, row_number() OVER (PARTITION BY pairing_id"
        " ORDER BY date DESC, id DESC) AS n FROM activities a WHERE deleted = 0) WHERE n = 1 ORDER BY 1").fetchall()
    kept = conn.execute("SELECT pairing_id, activity_id, date, follow_up_due FROM pairing_latest ORDER BY 1").fetchall()
    assert kept == afresh and any(r[3] for r in kept)


def test_bench_county_shows_overdue_follow_ups_and_open_flags_at_every_level(county: Any) -> None:
    bench, path, world = county
    store = Store(path)
    try:
        def counts(db: Any) -> list[tuple[int, int]]:
            out = []
            for login, unit in (("bench-staff", world["county"]), ("bench-town-00", world["town"]),
                                ("bench-station", world["station"])):
                user = db.execute("SELECT id, role FROM users WHERE login = ?", [login]).fetchone()
                scope = load_scope(db, Actor(user[0], user[1], unit))
                out.append((count_overdue_follow_ups(db, scope, bench.TODAY), count_open_risk_flags(db, scope)))
            return out

        (county_overdue, county_open), town, station = store.read_now(counts)
    finally:
        store.close()
    assert county_overdue > 20 and county_open > 5
    assert county_overdue > town[0] > 0 and county_open > town[1] > 0 and station[0] > 0


def test_reports_bench_times_the_pages_through_the_server_and_leaves_no_county_behind(
        county: Any, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bench, _, _ = county
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert bench.main(["--activities", "2000"]) == 0
    out = capsys.readouterr().out
    for label, login, page in bench.PAGES:  # each signed in and answered 200 (else the bench exits)
        assert f"{label} ({login} GET {page}): median" in out and f"\n{label}: " in out
    assert out.endswith("s\n") and "\nstats form: " in out and "\ndashboard: " in out
    assert list(tmp_path.iterdir()) == []
