"""Lecture coverage (Rudong notice, lectures 4 and 5): participants ÷ enrolled, below 100% first."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
import sqlite_utils

from server.queries.coverage import Coverage, Lecture, Period, coverage, coverage_by_town, percent, unit_coverage
from server.queries.dashboard import dashboard
from server.queries.progress import coverage_summary
from sync import load_scope

from ...factories import make_county, mutate, remove


@pytest.fixture
def w(db: sqlite_utils.Database) -> Any:
    w = make_county(db)  # st11 enrolment 2026: 800 students, 760 parents; its lecture has no lecture_no

    def lecture(actor: Any, unit: str, no: int, people: int, audience: str | None = None,
                date: str = "2026-09-15") -> str:
        return mutate(db, actor, "event", {"unit_id": unit, "kind": "lecture", "lecture_no": no, "audience": audience,
                                          "date": date, "participants": people})

    def enrol(actor: Any, unit: str, students: int, parents: int, year: int = 2026) -> None:
        mutate(db, actor, "enrolment", {"unit_id": unit, "year": year, "students": students, "parents": parents})

    lecture(w.staff_st11, w.st11, 4, 800, "students")
    lecture(w.staff_st11, w.st11, 5, 380, "parents")
    lecture(w.staff_st11, w.st11, 4, 999, "parents")  # lecture 4 for parents counts nowhere
    lecture(w.staff_st11, w.st11, 5, 999, date="2025-12-31")  # another year
    enrol(w.staff_st12, w.st12, 500, 500)
    lecture(w.staff_st12, w.st12, 4, 250)
    remove(db, w.staff_st12, "event", lecture(w.staff_st12, w.st12, 4, 200))
    lecture(w.staff_st12, w.st12, 5, 500)
    enrol(w.staff_st21, w.st21, 300, 300)
    enrol(w.staff_st21, w.st21, 9, 9, year=2025)
    lecture(w.staff_st21, w.st21, 4, 300)
    lecture(w.staff_st21, w.st21, 5, 310)
    lecture(w.staff_town1, w.town1, 4, 100, "students")  # a town-wide lecture counts for the town only
    return w  # st22 has no enrolment figure


def _of(c: Coverage, no: int) -> Lecture:
    return next(f for f in c.lectures if f.no == no)


def _table(rows: list[Any]) -> list[tuple[str, int | None, int, int | None, int]]:
    return [(c.name, c.students_enrolled, _of(c, 4).reached, c.parents_enrolled, _of(c, 5).reached) for c in rows]


def test_coverage_per_school_is_participants_over_enrolled_below_target_first(db: sqlite_utils.Database,
                                                                              w: Any) -> None:
    found = coverage(db, load_scope(db, w.reviewer), w.county, Period(2026))
    assert found is not None
    towns, schools = found
    assert _table(schools) == [
        ("栟茶中学", None, 0, None, 0),  # no enrolment figure: unknown, first
        ("掘港中学", 500, 250, 500, 500),  # 50%
        ("掘港小学辅导站", 800, 800, 760, 380),  # 50% (parents)
        ("栟茶小学辅导站", 300, 300, 300, 310),  # at target, last
    ]
    assert [c.below_target for c in schools] == [True, True, True, False]
    assert _of(schools[2], 4).ratio == 1 and _of(schools[2], 5).ratio == 0.5
    assert [c.town for c in schools] == ["栟茶镇", "掘港街道", "掘港街道", "栟茶镇"]
    # towns: events of the whole subtree (the town's own lecture too); enrolment unknown while a school has none
    assert _table(towns) == [("栟茶镇", None, 300, None, 310), ("掘港街道", 1300, 1150, 1260, 880)]


def test_coverage_by_town_for_the_dashboard_is_one_row_per_town_in_scope(db: sqlite_utils.Database,
                                                                         w: Any) -> None:
    assert [c.name for c in coverage_by_town(db, load_scope(db, w.reviewer), Period(2026))] == ["栟茶镇", "掘港街道"]
    assert [c.name for c in coverage_by_town(db, load_scope(db, w.staff_town1), Period(2026))] == ["掘港街道"]
    assert coverage_by_town(db, load_scope(db, w.staff_st11), Period(2026)) == []


def test_coverage_of_another_year_uses_that_years_enrolment(db: sqlite_utils.Database, w: Any) -> None:
    found = coverage(db, load_scope(db, w.reviewer), w.st21, Period(2025))
    assert found is not None
    assert _table(found[1]) == [("栟茶小学辅导站", 9, 0, 9, 0)]
    assert coverage(db, load_scope(db, w.staff_st21), w.st11, Period(2026)) is None


def test_unit_coverage_of_the_county_adds_its_own_lectures_to_its_town_rows(db: sqlite_utils.Database,
                                                                            w: Any) -> None:
    mutate(db, w.staff_town2, "enrolment", {"unit_id": w.town2, "year": 2026, "students": 400, "parents": 400})
    mutate(db, w.admin, "event", {"unit_id": w.county, "kind": "lecture", "lecture_no": 4, "audience": "students",
                                  "date": "2026-05-04", "participants": 50})
    found = unit_coverage(db, load_scope(db, w.reviewer), w.county, Period(2026))
    assert found is not None
    total, towns, _ = found
    # 栟茶镇's own figure stands in for its stations (栟茶中学 has none); the county lecture counts for the county
    assert _table(towns) == [("掘港街道", 1300, 1150, 1260, 880), ("栟茶镇", 400, 300, 400, 310)]
    assert _table([total]) == [("如东县", 1700, 1150 + 300 + 50, 1660, 880 + 310)]
    assert _of(total, 4).percent == 88.2  # 1500 / 1700 = 88.235…%


def test_percent_rounds_down_so_only_a_reached_target_reads_100() -> None:
    assert percent(996, 1000) == 99.6 and percent(9999, 10000) == 99.9
    assert percent(1000, 1000) == 100 and percent(1200, 1000) == 120
    assert percent(1, 3) == 33.3 and percent(2, 3) == 66.6
    assert percent(5, 0) is None and percent(5, None) is None


def _lectures(c: Any) -> list[tuple[int, int, int | None]]:
    return [(f.no, f.reached, f.enrolled) for f in c.lectures]


def test_first_half_coverage_counts_lectures_1_to_3_held_in_the_year_summer_make_ups_included(
        db: sqlite_utils.Database, w: Any) -> None:
    for no, audience, day, people in (
            (1, "students", "2026-01-01", 500), (2, None, "2026-06-30", 480),
            (3, "students", "2026-08-31", 120),  # 暑假补课: counts toward the first half it makes up
            (3, "students", "2026-03-10", 300),
            (3, "students", "2026-10-09", 77),  # a late make-up counts too: the number says the half
            (1, "parents", "2026-04-01", 66),  # 第1讲 is the students'
            (1, "students", "2025-06-01", 55)):  # another year
        mutate(db, w.staff_st12, "event", {"unit_id": w.st12, "kind": "lecture", "lecture_no": no,
                                           "audience": audience, "date": day, "participants": people})
    found = unit_coverage(db, load_scope(db, w.reviewer), w.st12, Period(2026, 1))
    assert found is not None
    school = found[0]
    assert _lectures(school) == [(1, 500, 500), (2, 480, 500), (3, 497, 500)]  # 第4、5讲 are not the first half's
    assert school.lowest == 0.96 and school.below_target  # 偏低: 第2讲 reached 96%


def test_second_half_coverage_is_the_years_lectures_4_and_5_as_the_dashboard_reads_them(
        db: sqlite_utils.Database, w: Any) -> None:
    # w: 掘港中学 (500/500) held 第4讲 for 250 and 第5讲 for 500 on 15 September; add one in May
    mutate(db, w.staff_st12, "event", {"unit_id": w.st12, "kind": "lecture", "lecture_no": 4, "date": "2026-05-01",
                                       "participants": 250})
    mutate(db, w.staff_st12, "event", {"unit_id": w.st12, "kind": "lecture", "lecture_no": 4, "date": "2026-07-01",
                                       "participants": 50})
    scope = load_scope(db, w.reviewer)
    second = unit_coverage(db, scope, w.st12, Period(2026, 2))
    first = unit_coverage(db, scope, w.st12, Period(2026, 1))
    assert second is not None and first is not None
    assert _lectures(second[0]) == [(4, 550, 500), (5, 500, 500)]  # a 第4讲 held early in May counts
    assert not second[0].below_target
    assert second == unit_coverage(db, scope, w.st12, Period(2026))  # the dashboard's figure
    assert _lectures(first[0]) == [(1, 0, 500), (2, 0, 500), (3, 0, 500)]
    found = coverage(db, scope, w.county, Period(2026, 1))
    assert found is not None
    assert all(c.below_target for c in found[1])  # nobody held 第1–3讲: every unit is 偏低


@pytest.mark.parametrize(("day", "half"), [("2026-01-01", 1), ("2026-06-30", 1), ("2026-07-01", 2), ("2026-12-31", 2)])
def test_dashboard_and_summary_read_each_half_from_unit_coverage(db: sqlite_utils.Database, w: Any, day: str,
                                                                 half: int) -> None:
    """The dashboard reads the half its day is in (it read 第4讲/第5讲 all year); the year-end summary
    states both halves; each with the figures of ``unit_coverage`` for that unit, year and half."""
    scope = load_scope(db, w.reviewer)
    board = dashboard(db, scope, today=datetime.date.fromisoformat(day))
    assert board["coverage_half"] == half
    towns = {t.unit_id: t for t in coverage_by_town(db, scope, Period(2026, half))}
    assert [t["unit_id"] for t in board["coverage"]] == list(towns)
    for row in board["coverage"]:
        assert [(f["no"], f["reached"], f["enrolled"], f["percent"]) for f in row["lectures"]] == \
            [(f.no, f.reached, f.enrolled, f.percent) for f in towns[row["unit_id"]].lectures]
    summary = coverage_summary(db, scope, w.county, 2026)
    assert summary is not None and [h["half"] for h in summary["halves"]] == [1, 2]
    found = unit_coverage(db, scope, w.county, Period(2026, half))
    assert found is not None
    stated = summary["halves"][half - 1]
    assert [(f["no"], f["reached"], f["enrolled"], f["percent"]) for f in stated["lectures"]] == \
        [(f.no, f.reached, f.enrolled, f.percent) for f in found[0].lectures]
    assert stated["below"] == sum(1 for c in found[2] if c.below_target)
