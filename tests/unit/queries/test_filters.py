"""The read layer's two rules: a query sees only its caller's scope, and only live rows."""
from __future__ import annotations

from typing import Any

import pytest
import sqlite_utils

from server.queries.filters import live, visible
from server.queries.units import get_unit, unit_options, unit_tree
from sync import Actor, apply_mutations, load_scope
from sync.mutations import upsert
from sync.system import SYSTEM

from ...factories import end_pairing, make_activity, make_county, remove


@pytest.fixture
def w(db: sqlite_utils.Database) -> Any:
    return make_county(db)


def _ids(db: sqlite_utils.Database, actor: Actor, entity: str, table: str) -> set[str]:
    sql, params = visible(load_scope(db, actor), entity, "t")
    return {r["id"] for r in db.query(f"SELECT t.id FROM {table} t WHERE {sql}", params)}


def test_station_staff_see_their_station_only_town_staff_their_town(db: sqlite_utils.Database, w: Any) -> None:
    assert _ids(db, w.staff_st11, "mentee", "mentees") == {w.mentee1, w.mentee2, w.mentee_unpaired}
    assert _ids(db, w.staff_town2, "mentee", "mentees") == {w.mentee3}
    assert _ids(db, w.reviewer, "mentee", "mentees") == {w.mentee1, w.mentee2, w.mentee_unpaired, w.mentee3}
    assert _ids(db, w.staff_st12, "activity", "activities") == set()


def test_a_mentor_sees_only_the_pairings_they_hold(db: sqlite_utils.Database, w: Any) -> None:
    assert _ids(db, w.mentor1, "activity", "activities") == {w.activity1}
    assert _ids(db, w.mentor1, "mentee", "mentees") == {w.mentee1}
    assert _ids(db, w.mentor1, "event", "events") == set()


def test_deleted_records_and_the_records_of_a_deleted_mentee_are_not_live(db: sqlite_utils.Database, w: Any) -> None:
    extra = make_activity(db, w.mentor1, w.pairing1)
    remove(db, w.staff_st11, "activity", extra)
    assert _ids(db, w.staff_st11, "activity", "activities") == {w.activity1, w.activity2}
    end_pairing(db, w.staff_st11, w.pairing2)  # a child is deleted only once her pairings end
    remove(db, w.staff_st11, "mentee", w.mentee2)
    assert _ids(db, w.staff_st11, "activity", "activities") == {w.activity1}
    assert _ids(db, w.staff_st11, "screening", "screenings") == {w.screening1}
    assert _ids(db, w.staff_st11, "pairing", "pairings") == {w.pairing1}


def test_records_of_a_deleted_unit_are_not_live(db: sqlite_utils.Database, w: Any) -> None:
    (outcome,) = apply_mutations(db, SYSTEM, [upsert("unit", {"name": "空站", "kind": "station",
                                                             "parent_id": w.town1})])
    empty = outcome.record_id
    remove(db, SYSTEM, "unit", empty)
    count = db.execute(f"SELECT count(*) FROM units t WHERE {live('unit', 't')}").fetchone()[0]
    assert count == 7  # the county, 2 towns, 4 stations and schools; not the deleted one
    assert get_unit(db, load_scope(db, w.admin), empty) is None


def test_unit_tree_is_in_tree_order_with_paths_and_only_in_scope(db: sqlite_utils.Database, w: Any) -> None:
    tree = unit_tree(db, load_scope(db, w.reviewer))
    assert [(u["name"], u["depth"]) for u in tree] == [
        ("如东县", 0), ("掘港街道", 1), ("掘港中学", 2), ("掘港小学辅导站", 2),
        ("栟茶镇", 1), ("栟茶中学", 2), ("栟茶小学辅导站", 2),
    ]
    assert tree[3]["path"] == "如东县 / 掘港街道 / 掘港小学辅导站"
    town = unit_tree(db, load_scope(db, w.staff_town1))
    assert [u["name"] for u in town] == ["掘港街道", "掘港中学", "掘港小学辅导站"]
    assert [n for _, n in unit_options(db, load_scope(db, w.staff_town1), kinds=("station",))] == ["　掘港小学辅导站"]
    assert get_unit(db, load_scope(db, w.staff_town1), w.st21) is None
