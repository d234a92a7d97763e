"""The 骨干学生 register (Rudong notice 二.2(3)) through the one write path: what every writer is refused,
who may write it, and that a volunteer's phone never holds the pupils' names."""
from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import sqlite_utils

from sync import new_id
from tests.factories import copy_county, make_user, pull_all, push, row, upsert


@pytest.fixture
def w(db: sqlite_utils.Database) -> Iterator[SimpleNamespace]:
    yield copy_county(db)


def class_of(unit_id: str, class_name: str = "七(2)班", **more: Any) -> dict[str, Any]:
    return {"unit_id": unit_id, "class_name": class_name, "boy_name": "陈子涵", "girl_name": "李思雨", **more}


def live_rows(db: sqlite_utils.Database, unit_id: str) -> int:
    return int(db.execute("SELECT count(*) FROM peer_helpers WHERE unit_id = ? AND deleted = 0",
                          [unit_id]).fetchone()[0])


def test_a_school_registers_a_boy_and_a_girl_per_class_with_a_volunteer_of_its_own(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    guide = make_user(db, "mentor", w.st12, name="周老师")
    rid = new_id()
    (answer,) = push(db, w.staff_st12, upsert("peer_helper", rid, class_of(w.st12, mentor_id=guide.user_id,
                                                                         boy_grade="七年级"), 1))
    assert answer["status"] == "applied", answer
    stored = row(db, "peer_helper", rid)
    assert stored is not None
    assert (stored["class_name"], stored["boy_name"], stored["girl_name"], stored["mentor_id"]) == (
        "七(2)班", "陈子涵", "李思雨", guide.user_id)


def test_a_class_already_in_the_register_is_refused_however_its_brackets_are_typed(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    first, second = push(db, w.staff_st12, upsert("peer_helper", new_id(), class_of(w.st12, "七(2)班"), 1),
                         upsert("peer_helper", new_id(), class_of(w.st12, "七（2） 班"), 2))
    assert first["status"] == "applied", first
    assert second["status"] == "rejected" and "已经登记过了" in second["reason"], second
    assert live_rows(db, w.st12) == 1
    # Another school may have its own 七(2)班.
    (other,) = push(db, w.staff_st22,
                    upsert("peer_helper", new_id(), class_of(w.st22, "七(2)班"), 3))
    assert other["status"] == "applied", other


def test_a_station_keeps_one_pair_of_helpers(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    first, second = push(db, w.staff_st11, upsert("peer_helper", new_id(), class_of(w.st11, "掘港小学辅导站"), 1),
                         upsert("peer_helper", new_id(), class_of(w.st11, "第二组"), 2))
    assert first["status"] == "applied", first
    assert second["status"] == "rejected" and "辅导站只登记一组" in second["reason"], second


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"class_name": ""}, "class_name", "不能为空"),
    ({"class_name": "   "}, "class_name", "不能为空"),
    ({"boy_name": "张" * 30}, "boy_name", "最多 20 个字"),
    ({"girl_name": "请在这里填写这个班级女生骨干的姓名以及她的联系方式和家庭住址"}, "girl_name", "最多 20 个字"),
    ({"class_name": "七" * 31}, "class_name", "最多 30 个字"),
])
def test_a_class_with_no_name_or_a_name_too_long_is_refused_in_words(
        db: sqlite_utils.Database, w: SimpleNamespace, fields: dict[str, Any], field: str, words: str) -> None:
    (answer,) = push(db, w.staff_st12, upsert("peer_helper", new_id(), {**class_of(w.st12), **fields}, 1))
    assert answer["status"] == "rejected" and words in answer["reason"], answer
    assert live_rows(db, w.st12) == 0


def test_the_guide_must_be_an_active_volunteer_of_the_same_unit(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    # mentor1 serves station 1-1, a sibling of school 1-2 that the town's staff also reach.
    (answer,) = push(db, w.staff_town1, upsert("peer_helper", new_id(), class_of(w.st12, mentor_id=w.mentor1.user_id),
                                               1))
    assert answer["status"] == "rejected" and "掘港中学" in answer["reason"], answer
    (answer,) = push(db, w.staff_town1, upsert("peer_helper", new_id(),
                                               class_of(w.st12, mentor_id=w.staff_st12.user_id), 2))
    assert answer["status"] == "rejected" and "五老志愿者" in answer["reason"], answer


def test_a_town_or_county_unit_has_no_register(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    (answer,) = push(db, w.staff_town1, upsert("peer_helper", new_id(), class_of(w.town1), 1))
    assert answer["status"] == "rejected" and "学校或辅导站" in answer["reason"], answer


@pytest.mark.parametrize(("who", "applied"), [
    ("staff_st12", True), ("staff_town1", True), ("staff_st11", False), ("staff_town2", False),
    ("reviewer", False), ("admin", False), ("mentor1", False),
])
def test_only_staff_reaching_the_school_write_its_register(db: sqlite_utils.Database, w: SimpleNamespace,
                                                           who: str, applied: bool) -> None:
    (answer,) = push(db, getattr(w, who), upsert("peer_helper", new_id(), class_of(w.st12), 1))
    assert (answer["status"] == "applied") == applied, answer


def test_a_volunteers_phone_never_pulls_the_register(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    rid = new_id()
    (answer,) = push(db, w.staff_st11, upsert("peer_helper", rid, class_of(w.st11, mentor_id=w.mentor1.user_id), 1))
    assert answer["status"] == "applied", answer
    held, _, _ = pull_all(db, w.mentor1)
    assert not [key for key in held if key[0] == "peer_helper"]
    held, _, _ = pull_all(db, w.staff_st11)
    assert ("peer_helper", rid) in held


def test_a_class_cannot_move_to_another_school(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    rid = new_id()
    assert push(db, w.staff_town1, upsert("peer_helper", rid, class_of(w.st12), 1))[0]["status"] == "applied"
    (answer,) = push(db, w.staff_town1, upsert("peer_helper", rid, {"unit_id": w.st11}, 2, base_version=1))
    assert answer["status"] == "rejected", answer
