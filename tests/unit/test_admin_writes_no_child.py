"""The admin reads children by pseudonymous code only, so the write path itself refuses the admin a
child's file and her 摸排 screenings: a future page calling it as the admin cannot set a name the
admin may not read. Staff (at the county for a move between towns) still write them."""
from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
import sqlite_utils

from server.queries.station import open_conflicts
from sync import NotAllowed, list_conflicts, load_scope, new_id, resolve_conflict
from tests.factories import copy_county, delete, make_county_staff, mutate, push, row, upsert


@pytest.fixture
def w(db: sqlite_utils.Database) -> Iterator[SimpleNamespace]:
    yield copy_county(db)


def test_the_admins_mentee_and_screening_writes_are_rejected_written_nowhere_and_audited(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    child, screening = new_id(), new_id()
    before = {rid: row(db, entity, rid) for entity, rid in (("mentee", w.mentee1), ("screening", w.screening1))}
    answers = push(
        db, w.admin,
        upsert("mentee", child, {"unit_id": w.st11, "code": "M-ADMIN", "name": "小新", "categories": ["psych"]}, 1),
        upsert("mentee", w.mentee1, {"name": "改名", "unit_id": w.st21}, 2, base_version=before[w.mentee1]["version"]),
        delete("mentee", w.mentee1, 3, base_version=before[w.mentee1]["version"]),
        upsert("screening", screening, {"mentee_id": w.mentee1, "date": "2026-11-20", "psych_problem": True}, 4),
        upsert("screening", w.screening1, {"notes": "管理员补记"}, 5, base_version=before[w.screening1]["version"]),
        delete("screening", w.screening1, 6, base_version=before[w.screening1]["version"]),
    )
    assert [a["status"] for a in answers] == ["rejected"] * 6, answers
    assert row(db, "mentee", child) is None and row(db, "screening", screening) is None
    assert {rid: row(db, entity, rid) for entity, rid in (("mentee", w.mentee1), ("screening", w.screening1))} \
        == before
    audit = db.execute("SELECT mutation_id, status, reason FROM sync_audit WHERE device_id = ? ORDER BY mutation_id",
                       [w.admin.device_id]).fetchall()
    assert audit == [(a["mutation_id"], "rejected", a["reason"]) for a in answers]


def test_staff_at_the_county_move_a_child_between_towns_and_screen_her(db: sqlite_utils.Database,
                                                                       w: SimpleNamespace) -> None:
    county_staff = make_county_staff(db, w.county)
    version = row(db, "mentee", w.mentee1)["version"]
    mutate(db, county_staff, "mentee", {"unit_id": w.st21}, w.mentee1, base_version=version)
    screened = mutate(db, county_staff, "screening", {"mentee_id": w.mentee1, "date": "2026-11-20"})
    assert row(db, "mentee", w.mentee1)["unit_id"] == row(db, "screening", screened)["unit_id"] == w.st21


def test_a_conflict_on_a_childs_file_or_screening_is_not_the_admins_to_see_count_or_decide(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    """Taking a conflict's other value writes the record as the one deciding: the admin, which may
    not write a child's file, is not shown those conflicts (nor counted them) and cannot decide them."""
    for n, (entity, rid, fields) in enumerate((
            ("mentee", w.mentee1, ({"risk_level": "watch"}, {"risk_level": "key"})),
            ("screening", w.screening1, ({"needs": "学业辅导"}, {"needs": "心理疏导"}))), start=1):
        seen = row(db, entity, rid)["version"]
        mutate(db, w.staff_st11, entity, fields[0], rid, base_version=seen)
        (answer,) = push(db, w.staff_town1, upsert(entity, rid, fields[1], n, base_version=seen))
        assert answer["status"] == "conflict", answer
    staff_sees = list_conflicts(db, load_scope(db, w.staff_st11))
    assert sorted(c["entity"] for c in staff_sees) == ["mentee", "screening"]
    assert open_conflicts(db, load_scope(db, w.staff_st11)) == 2
    assert list_conflicts(db, load_scope(db, w.admin)) == []
    assert len(list_conflicts(db, load_scope(db, w.reviewer))) == 2  # the county reads them (archives), decides none
    assert open_conflicts(db, load_scope(db, w.admin)) == 0
    for conflict in staff_sees:
        with pytest.raises(NotAllowed):
            resolve_conflict(db, w.admin, conflict["id"], "other")
    assert [c["status"] for c in list_conflicts(db, load_scope(db, w.staff_st11))] == ["open", "open"]
    assert row(db, "mentee", w.mentee1)["risk_level"] == "watch"
