"""The unit tree through the write path: a unit never hangs under its own descendant."""
from __future__ import annotations

from typing import Any

import sqlite_utils

from sync import apply_mutations, new_id
from sync.mutations import delete, upsert
from sync.system import SYSTEM

from ..factories import make_county, make_county_staff, make_unit, row


def _move(db: sqlite_utils.Database, unit_id: str, parent_id: str) -> Any:
    (outcome,) = apply_mutations(db, SYSTEM, [upsert("unit", {"parent_id": parent_id}, unit_id,
                                                     base_version=row(db, "unit", unit_id)["version"])])
    return outcome


def test_a_unit_cannot_move_under_its_own_descendant(db: sqlite_utils.Database) -> None:
    w = make_county(db)
    for target in (w.st11, w.town1):
        outcome = _move(db, w.county, target) if target == w.town1 else _move(db, w.town1, target)
        assert outcome.status == "rejected"
        assert "自己的下级单位" in outcome.reason or "自己为上级" in outcome.reason
    assert row(db, "unit", w.town1)["parent_id"] == w.county
    assert row(db, "unit", w.county)["parent_id"] is None


def test_a_unit_is_not_created_or_renamed_to_a_live_units_name_in_the_write_itself(
        db: sqlite_utils.Database) -> None:
    """The admin page looked for a namesake in a read before its write: two posts at once (two tabs,
    two admins) both passed and made two 掘港中学. The write path refuses it, as the imports compare
    names (full-width, spaces and a zero-width space folded), in one batch too; a deleted unit's name
    is free again."""
    w = make_county(db)
    school = row(db, "unit", w.st12)["name"]
    twice = [upsert("unit", {"name": school, "kind": "school", "parent_id": w.town2}, new_id())]
    spaced = [upsert("unit", {"name": f" {school[:2]}\u3000\u200b{school[2:]}", "kind": "school",
                              "parent_id": w.town2}, new_id())]
    for batch in (twice, spaced):
        (outcome,) = apply_mutations(db, SYSTEM, batch)
        assert outcome.status == "rejected" and f"已有一个名为“{school}”的单位" in outcome.reason, outcome.reason
    both = [upsert("unit", {"name": "新店镇中心小学", "kind": "school", "parent_id": w.town2}, new_id()),
            upsert("unit", {"name": "新店镇中心小学", "kind": "school", "parent_id": w.town2}, new_id())]
    assert [o.status for o in apply_mutations(db, SYSTEM, both)] == ["applied", "rejected"]
    (renamed,) = apply_mutations(db, SYSTEM, [upsert("unit", {"name": "新店镇中心小学"}, w.st11,
                                                     base_version=row(db, "unit", w.st11)["version"])])
    assert renamed.status == "rejected"
    # Its own name, respaced, is no namesake; nor a name whose unit was deleted.
    (kept,) = apply_mutations(db, SYSTEM, [upsert("unit", {"name": f"{school} "}, w.st12,
                                                  base_version=row(db, "unit", w.st12)["version"])])
    assert kept.status == "applied"
    empty = make_unit(db, "撤并的学校", "school", w.town2)
    assert apply_mutations(db, SYSTEM, [delete("unit", empty, base_version=1)])[0].status == "applied"
    assert make_unit(db, "撤并的学校", "school", w.town2) != empty


def test_a_unit_moves_to_another_branch(db: sqlite_utils.Database) -> None:
    w = make_county(db)
    assert _move(db, w.st12, w.town2).status == "applied"
    assert row(db, "unit", w.st12)["parent_id"] == w.town2



def test_a_child_is_registered_or_moved_only_to_a_school_or_station_the_statistics_form_has_a_row_for(
        db: sqlite_utils.Database) -> None:
    """A phone, an import or a hand-made post could register a child at a town or the county: the
    child's talks would then count on the dashboard and in the brief but in no row of the form."""
    w = make_county(db)
    county_staff = make_county_staff(db, w.county)
    for writer, unit in ((w.staff_town1, w.town1), (county_staff, w.county)):
        (created,) = apply_mutations(db, writer, [upsert(
            "mentee", {"unit_id": unit, "code": "M-NEW", "name": "小亮", "categories": ["psych"]}, new_id())])
        assert created.status == "rejected" and "按学校和辅导站计数" in created.reason, created.reason
    assert apply_mutations(db, county_staff, [_to(w.mentee1, w.town1, db)])[0].status == "rejected"
    assert row(db, "mentee", w.mentee1)["unit_id"] == w.st11
    assert apply_mutations(db, county_staff, [_to(w.mentee1, w.st12, db)])[0].status == "applied"


def _to(mentee_id: str, unit_id: str, db: sqlite_utils.Database) -> Any:
    return upsert("mentee", {"unit_id": unit_id}, mentee_id, base_version=row(db, "mentee", mentee_id)["version"])


def _kind(unit_id: str, kind: str, db: sqlite_utils.Database) -> Any:
    return upsert("unit", {"kind": kind}, unit_id, base_version=row(db, "unit", unit_id)["version"])


def test_a_station_holding_children_becomes_a_town_only_once_they_have_moved(db: sqlite_utils.Database) -> None:
    """Its children's talks and screenings would leave every statistics form (no row for a town)."""
    w = make_county(db)
    (refused,) = apply_mutations(db, w.admin, [_kind(w.st11, "town", db)])
    assert refused.status == "rejected" and "3 名帮扶对象" in refused.reason, refused.reason
    assert row(db, "unit", w.st11)["kind"] == "station"
    empty = make_unit(db, "新建辅导站", "station", w.town2)
    assert apply_mutations(db, w.admin, [_kind(empty, "school", db)])[0].status == "applied"  # a row still
    # The children are moved by staff (the admin writes no child's file), the kind by the admin: a
    # child moved in holds the unit, the children moved out no longer do.
    county_staff = make_county_staff(db, w.county)
    other = make_unit(db, "栟茶三小辅导站", "station", w.town2)
    assert apply_mutations(db, county_staff, [_to(w.mentee3, other, db)])[0].status == "applied"
    assert apply_mutations(db, w.admin, [_kind(other, "town", db)])[0].status == "rejected"
    away = [_to(m, w.st12, db) for m in (w.mentee1, w.mentee2, w.mentee_unpaired)]
    assert [o.status for o in apply_mutations(db, county_staff, away)] == ["applied"] * 3
    assert apply_mutations(db, w.admin, [_kind(w.st11, "town", db)])[0].status == "applied"
