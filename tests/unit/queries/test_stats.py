"""The statistics form (docs/design.md §2.1) against the same figures worked out independently from the rows."""
from __future__ import annotations

from typing import Any

import pytest
import sqlite_utils

from server.queries.measures import KEYS, MEASURES
from server.queries.stats import compute_stats
from server.queries.stats_records import measure_records
from sync import load_scope

from ...factories import make_county
from ...stats_oracle import COLUMNS, add_stats_records, expected_form

PERIODS = [("2026-01-01", "2026-12-31"), ("2026-03-10", "2026-03-11"), ("2026-12-31", "2026-12-31"),
           ("2025-12-31", "2027-01-01"), ("2026-04-01", "2026-09-30")]


@pytest.fixture
def w(db: sqlite_utils.Database) -> Any:
    return add_stats_records(db, make_county(db))


def _as_table(form: Any) -> list[tuple[str | None, str, dict[str, int]]]:
    return [(r.unit_id, r.name, dict(zip(KEYS, r.values, strict=True))) for r in form.rows]


def test_stats_columns_are_the_kaizhou_form_in_order() -> None:
    assert KEYS == COLUMNS
    assert [m.label for m in MEASURES] == [
        "开展专题宣传教育（场次）", "参与宣传教育人员（人次）", "组织开展专题家长会（场次）", "参与专题家长会（人次）",
        "开展面对面谈心（场次）", "发放宣传手册（册）", "排查心理存在问题学生（人）", "成功干预、疏导学生（人）"]


@pytest.mark.parametrize(("date_from", "date_to"), PERIODS)
@pytest.mark.parametrize("unit", ["county", "town1", "town2", "st11", "st12", "st21"])
def test_stats_form_matches_figures_computed_from_the_rows(db: sqlite_utils.Database, w: Any, unit: str,
                                                           date_from: str, date_to: str) -> None:
    form = compute_stats(db, load_scope(db, w.reviewer), getattr(w, unit), date_from, date_to)
    assert form is not None
    expected = expected_form(db, getattr(w, unit), date_from, date_to)
    assert _as_table(form) == expected["rows"]
    assert dict(zip(KEYS, form.total.values, strict=True)) == expected["total"]


def test_stats_form_for_the_year_has_the_numbers_each_rule_gives(db: sqlite_utils.Database, w: Any) -> None:
    """Spelled out once by hand, so the oracle itself is checked too."""
    form = compute_stats(db, load_scope(db, w.reviewer), w.county, "2026-01-01", "2026-12-31")
    assert form is not None
    table = {name: dict(zip(KEYS, values, strict=True)) for _, name, values in
             [(r.unit_id, r.name, r.values) for r in form.rows]}
    # rows: every live station/school in tree order (towns by name, then their units by name); st13 deleted
    assert [r.name for r in form.rows] == ["掘港中学", "掘港小学辅导站", "栟茶中学", "栟茶小学辅导站"]
    st11 = table["掘港小学辅导站"]
    # students: lecture/themed/class_meeting x (students, none) = 6 events (10+12 each kind) + make_county's 120
    assert (st11["lectures"], st11["lecture_people"]) == (7, 3 * 22 + 120)
    # parents: parent_meeting x 3 audiences + lecture for parents
    assert (st11["parent_meetings"], st11["parent_people"]) == (4, 10 + 11 + 12 + 11)
    assert st11["brochures"] == 100 + 101 + 102
    # talks: make_county's 2 home visits, home_visit + talk on Feb 1/2, the approved talk; not remote/group,
    # not the deleted one, not those of the deleted pairing / mentee, not the mover's (now in 1-2)
    assert st11["talks"] == 5
    # screened: mentee1 (twice), mentee_x (its pairing was deleted, the screening stands); not mentee2 (2025)
    assert st11["screened"] == 2
    # helped: mentee1 by screening and by the improved pairing: once
    assert st11["helped"] == 1
    st12 = table["掘港中学"]
    assert (st12["lectures"], st12["lecture_people"], st12["parent_meetings"], st12["parent_people"]) == (1, 300, 1,
                                                                                                         250)
    assert (st12["talks"], st12["screened"], st12["helped"], st12["brochures"]) == (2, 1, 0, 0)
    # 第4讲 / 第5讲 x (students, parents, none): an unnamed 第5讲 is the parents' lecture (家长学校)
    assert table["栟茶小学辅导站"] == {**dict.fromkeys(KEYS, 0), "talks": 2, "brochures": 40, "helped": 1,
                                   "lectures": 3, "lecture_people": 400 + 402 + 500,
                                   "parent_meetings": 3, "parent_people": 401 + 501 + 502}
    assert table["栟茶中学"] == dict.fromkeys(KEYS, 0)  # a row of zeros is still a row
    assert form.total.values == tuple(sum(t[k] for t in table.values()) for k in KEYS)


def test_stats_remarks_come_from_each_units_return_for_exactly_the_period(db: sqlite_utils.Database,
                                                                           w: Any) -> None:
    scope = load_scope(db, w.reviewer)
    year = compute_stats(db, scope, w.town1, "2026-01-01", "2026-12-31")
    half = compute_stats(db, scope, w.town1, "2026-01-01", "2026-06-30")
    assert year is not None and half is not None
    assert {r.name: r.remarks for r in year.rows} == {"掘港中学": "", "掘港小学辅导站": "含线上宣讲"}
    assert {r.name: r.remarks for r in half.rows} == {"掘港中学": "上半年", "掘港小学辅导站": ""}


@pytest.mark.parametrize("unit", ["county", "town1", "st11", "st12"])
def test_stats_every_number_lists_exactly_the_records_behind_it(db: sqlite_utils.Database, w: Any,
                                                               unit: str) -> None:
    scope = load_scope(db, w.reviewer)
    form = compute_stats(db, scope, getattr(w, unit), "2026-01-01", "2026-12-31")
    assert form is not None
    for row in [*form.rows, form.total]:
        for key in KEYS:
            records = measure_records(db, scope, row.unit_id or form.unit_id, key, "2026-01-01", "2026-12-31")
            assert records is not None
            assert sum(r["weight"] for r in records) == row.value(key), (row.name, key)
            if key in ("screened", "helped"):
                assert len({r["id"] for r in records}) == len(records) == row.value(key)
                assert all(r["evidence"] for r in records)


def test_stats_drill_down_of_helped_names_the_screening_and_the_pairing(db: sqlite_utils.Database,
                                                                       w: Any) -> None:
    records = measure_records(db, load_scope(db, w.reviewer), w.st11, "helped", "2026-01-01", "2026-12-31")
    assert records is not None and [r["id"] for r in records] == [w.mentee1]
    assert sorted(e["entity"] for e in records[0]["evidence"]) == ["pairing", "screening"]


def test_stats_out_of_scope_units_give_nothing(db: sqlite_utils.Database, w: Any) -> None:
    station = load_scope(db, w.staff_st21)
    assert compute_stats(db, station, w.town1, "2026-01-01", "2026-12-31") is None
    assert compute_stats(db, station, w.st11, "2026-01-01", "2026-12-31") is None
    assert measure_records(db, station, w.st11, "talks", "2026-01-01", "2026-12-31") is None
    town = load_scope(db, w.staff_town1)
    assert compute_stats(db, town, w.county, "2026-01-01", "2026-12-31") is None
    own = compute_stats(db, town, w.town1, "2026-01-01", "2026-12-31")
    assert own is not None and [r.unit_id for r in own.rows] == [w.st12, w.st11]


def test_stats_deleted_station_is_no_row_and_its_own_form_is_not_found(db: sqlite_utils.Database, w: Any) -> None:
    scope = load_scope(db, w.reviewer)
    assert compute_stats(db, scope, w.st13, "2026-01-01", "2026-12-31") is None
    form = compute_stats(db, scope, w.town1, "2026-01-01", "2026-12-31")
    assert form is not None and w.st13 not in [r.unit_id for r in form.rows]


def test_the_person_counts_read_only_the_flagged_screenings_and_improved_pairings(db: sqlite_utils.Database,
                                                                                  w: Any) -> None:
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        compute_stats(db, load_scope(db, w.reviewer), w.county, "2026-01-01", "2026-12-31")
    finally:
        db.conn.set_trace_callback(None)
    evidence = [s for s in statements if "FROM screenings s" in s or "FROM pairings s" in s]
    assert len(evidence) == 2, statements  # 排查心理存在问题学生 and 成功干预、疏导学生
    plans = [" ".join(str(r[3]) for r in db.execute("EXPLAIN QUERY PLAN " + sql).fetchall()) for sql in evidence]
    # Partial indexes of flagged rows only (sync/schema/m012_m031.py m024): neither count goes through every
    # screening of the period or every pairing.
    assert "SEARCH s USING INDEX idx_screenings_psych (date>? AND date<?)" in plans[0], plans[0]
    assert "SEARCH s USING INDEX idx_screenings_helped (date>? AND date<?)" in plans[1], plans[1]
    assert "SEARCH s USING INDEX idx_pairings_improved (end_date>? AND end_date<?)" in plans[1], plans[1]
    assert not [p for p in plans if "SCAN s" in p], plans
