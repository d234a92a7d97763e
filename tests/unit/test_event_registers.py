"""The registers a group event keeps for the two notices: 活动方案, 补课 (Rudong 一.2(1)), 收看微课 with
its forwards to parents (Rudong 一.2(4)) and 教师培训 (Kaizhou 四), written through the one write path."""
from __future__ import annotations

from typing import Any

import pytest
import sqlite_utils

from server.queries.coverage import Period, unit_coverage
from server.queries.progress import period_figures
from server.queries.stats import compute_stats
from sync import apply_mutations, load_scope, mutations, new_id

from ..factories import make_county, mutate, row


@pytest.fixture
def w(db: sqlite_utils.Database) -> Any:
    return make_county(db)


def _send(db: sqlite_utils.Database, actor: Any, fields: dict[str, Any], record_id: str | None = None,
          base_version: int | None = None) -> Any:
    (outcome,) = apply_mutations(db, actor, [mutations.upsert("event", fields, record_id or new_id(),
                                                              base_version=base_version)])
    return outcome


def _lecture(w: Any, **fields: Any) -> dict[str, Any]:
    return {"unit_id": w.st12, "kind": "lecture", "lecture_no": 2, "audience": "students", "date": "2026-08-05",
            "participants": 40, **fields}


def test_an_event_sent_in_the_old_shape_is_stored_with_no_plan_no_make_up_and_no_forward_count(
        db: sqlite_utils.Database, w: Any) -> None:
    event_id = mutate(db, w.staff_st12, "event", {"unit_id": w.st12, "kind": "themed", "date": "2026-10-10",
                                                  "participants": 300})
    stored = row(db, "event", event_id)
    assert stored is not None
    assert (stored["plan"], stored["make_up"], stored["forwarded"]) == (None, 0, None)


def test_a_make_up_lecture_a_micro_lesson_and_a_teacher_training_are_stored_with_their_registers(
        db: sqlite_utils.Database, w: Any) -> None:
    make_up = mutate(db, w.staff_st12, "event", _lecture(w, make_up=True, plan="暑期集中办班，两个班"))
    micro = mutate(db, w.staff_st12, "event", {"unit_id": w.st12, "kind": "micro_lesson", "date": "2026-10-12",
                                               "participants": 620, "forwarded": 410})
    training = mutate(db, w.staff_st12, "event", {"unit_id": w.st12, "kind": "teacher_training",
                                                  "date": "2026-09-20", "participants": 18})
    got = [row(db, "event", i) for i in (make_up, micro, training)]
    assert [(r["kind"], r["make_up"], r["forwarded"], r["plan"]) for r in got if r] == [
        ("lecture", 1, None, "暑期集中办班，两个班"), ("micro_lesson", 0, 410, None),
        ("teacher_training", 0, None, None)]


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"kind": "themed", "lecture_no": None}, "make_up", "只有宣讲（第1–3讲）可以标为补课，专题教育不是宣讲"),
    ({"lecture_no": 4}, "make_up", "第4讲不能标为补课"),
    ({"lecture_no": None}, "make_up", "没有填讲次的宣讲不能标为补课"),
    ({"date": "2026-06-30"}, "make_up", "上半年（1–6月）办的第1–3讲是正常宣讲，不是补课"),
])
def test_a_make_up_mark_that_is_not_a_summer_first_half_lecture_is_refused_in_words(
        db: sqlite_utils.Database, w: Any, fields: dict[str, Any], field: str, words: str) -> None:
    outcome = _send(db, w.staff_st12, _lecture(w, make_up=True, **fields))
    assert outcome.status == "rejected" and words in str(outcome.reason)
    assert outcome.refused_field == field
    assert db.execute("SELECT count(*) FROM events WHERE make_up = 1").fetchone() == (0,)


def test_an_edit_that_turns_a_make_up_lecture_into_the_fourth_is_refused_and_keeps_the_stored_one(
        db: sqlite_utils.Database, w: Any) -> None:
    event_id = mutate(db, w.staff_st12, "event", _lecture(w, make_up=True))
    outcome = _send(db, w.staff_st12, {"lecture_no": 4}, record_id=event_id, base_version=1)
    assert outcome.status == "rejected" and "第4讲不能标为补课" in str(outcome.reason)
    stored = row(db, "event", event_id)
    assert stored is not None and (stored["lecture_no"], stored["make_up"]) == (2, 1)


@pytest.mark.parametrize(("fields", "words"), [
    ({"kind": "micro_lesson", "forwarded": -5}, "转发家长"),
    ({"kind": "lecture", "lecture_no": 4, "forwarded": 30}, "“转发家长”只用于收看微课，宣讲不计这个数"),
])
def test_a_negative_forward_count_or_one_on_another_kind_is_refused(
        db: sqlite_utils.Database, w: Any, fields: dict[str, Any], words: str) -> None:
    outcome = _send(db, w.staff_st12, {"unit_id": w.st12, "date": "2026-10-12", "participants": 10, **fields})
    assert outcome.status == "rejected" and words in str(outcome.reason), outcome.reason
    assert db.execute("SELECT count(*) FROM events").fetchone()[0] == db.execute(
        "SELECT count(*) FROM events WHERE forwarded IS NULL").fetchone()[0]


def test_first_half_coverage_says_how_many_it_reached_by_make_up_lectures(db: sqlite_utils.Database, w: Any) -> None:
    mutate(db, w.staff_st12, "event", _lecture(w, date="2026-04-01", participants=400))
    mutate(db, w.staff_st12, "event", _lecture(w, make_up=True, participants=60))
    mutate(db, w.staff_town1, "event", _lecture(w, unit_id=w.town1, make_up=True, participants=15))
    found = unit_coverage(db, load_scope(db, w.reviewer), w.town1, Period(2026, 1))
    assert found is not None
    town, _, schools = found
    school = next(c for c in schools if c.unit_id == w.st12)
    assert [(f.no, f.reached, f.made_up) for f in school.lectures] == [(1, 0, 0), (2, 460, 60), (3, 0, 0)]
    assert [(f.no, f.reached, f.made_up) for f in town.lectures][1] == (2, 475, 75)


def test_teacher_trainings_and_micro_lessons_add_up_for_the_year_but_stay_off_the_statistics_form(
        db: sqlite_utils.Database, w: Any) -> None:
    scope = load_scope(db, w.reviewer)
    form_before = compute_stats(db, scope, w.county, "2026-01-01", "2026-12-31")
    for unit, staff in ((w.st11, w.staff_st11), (w.st21, w.staff_st21)):
        mutate(db, staff, "event", {"unit_id": unit, "kind": "teacher_training", "date": "2026-09-20",
                                    "participants": 12})
        mutate(db, staff, "event", {"unit_id": unit, "kind": "micro_lesson", "date": "2026-10-12",
                                    "participants": 300, "forwarded": 200})
    mutate(db, w.staff_st11, "event", {"unit_id": w.st11, "kind": "micro_lesson", "date": "2025-10-12",
                                       "participants": 999})  # another year
    figures = period_figures(db, scope, w.county, "2026-01-01", "2026-12-31")
    assert figures is not None and figures["registers"] == {
        "trainings": 2, "trained": 24, "micro_lessons": 2, "viewers": 600, "forwarded": 400,
        "helped_children": 0, "donated_fen": 0, "donated_items": 0}  # no 爱心捐助 here
    form_after = compute_stats(db, scope, w.county, "2026-01-01", "2026-12-31")
    assert form_before is not None and form_after is not None
    assert form_after.total.values == form_before.total.values
