"""A unit's enrolment figures (在校人数) are one pair of numbers a year: every writer is refused a
second live record for the same unit and year, so a 保存 pressed twice at once (two posts, each
finding none yet) or two colleagues filling the figures in leave one row, not two."""
from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
import sqlite_utils

from sync import new_id
from tests.factories import copy_county, delete, push, upsert


@pytest.fixture
def w(db: sqlite_utils.Database) -> Iterator[SimpleNamespace]:
    yield copy_county(db)


def live(db: sqlite_utils.Database, unit_id: str, year: int) -> int:
    return int(db.execute("SELECT count(*) FROM enrolments WHERE unit_id = ? AND year = ? AND deleted = 0",
                          [unit_id, year]).fetchone()[0])


def test_a_second_enrolment_of_a_unit_and_year_is_refused(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    (answer,) = push(db, w.staff_st11, upsert("enrolment", new_id(), {"unit_id": w.st11, "year": 2026,
                                                                       "students": 801, "parents": 760}, 1))
    assert answer["status"] == "rejected" and "已经填过了" in answer["reason"], answer
    assert live(db, w.st11, 2026) == 1


def test_two_enrolments_of_one_unit_and_year_in_one_batch_keep_only_the_first(
    db: sqlite_utils.Database, w: SimpleNamespace
) -> None:
    answers = push(db, w.staff_st11, upsert("enrolment", new_id(), {"unit_id": w.st11, "year": 2027,
                                                                     "students": 800, "parents": 760}, 1),
                   upsert("enrolment", new_id(), {"unit_id": w.st11, "year": 2027, "students": 800,
                                                  "parents": 760}, 2))
    assert [a["status"] for a in answers] == ["applied", "rejected"], answers
    assert live(db, w.st11, 2027) == 1


def test_an_edit_moving_figures_onto_a_year_already_filled_is_refused(db: sqlite_utils.Database,
                                                                      w: SimpleNamespace) -> None:
    other = new_id()
    assert push(db, w.staff_st11, upsert("enrolment", other, {"unit_id": w.st11, "year": 2025, "students": 700,
                                                              "parents": 650}, 1))[0]["status"] == "applied"
    (answer,) = push(db, w.staff_st11, upsert("enrolment", other, {"year": 2026}, 2, base_version=1))
    assert answer["status"] == "rejected", answer
    assert live(db, w.st11, 2026) == 1 and live(db, w.st11, 2025) == 1


def test_a_deleted_enrolment_leaves_its_year_free_and_another_unit_may_have_the_same_year(
    db: sqlite_utils.Database, w: SimpleNamespace
) -> None:
    assert push(db, w.staff_st11, delete("enrolment", w.enrolment1, 1, base_version=1))[0]["status"] == "applied"
    answers = push(db, w.staff_town1, upsert("enrolment", new_id(), {"unit_id": w.st11, "year": 2026,
                                                                      "students": 802, "parents": 760}, 1),
                   upsert("enrolment", new_id(), {"unit_id": w.st12, "year": 2026, "students": 300,
                                                  "parents": 280}, 2))
    assert [a["status"] for a in answers] == ["applied", "applied"], answers
