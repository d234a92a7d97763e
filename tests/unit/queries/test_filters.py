"""The read layer's two rules: a query sees only its caller's scope, and only live rows."""
from __future__ import annotations

import random
from typing import Any

import pytest
import sqlite_utils

from server.queries.archives import list_pairings
from server.queries.filters import PARENTS, in_scope, live, of_child, visible
from server.queries.mentees import MenteeFilter, list_mentees
from server.queries.station import pending_reviews
from server.queries.units import get_unit, unit_options, unit_tree
from sync import Actor, apply_mutations, load_scope
from sync.entities import ENTITIES
from sync.mutations import upsert
from sync.system import SYSTEM

from ...factories import (
    copy_county,
    end_pairing,
    make_activity,
    make_device,
    make_mentee,
    make_pairing,
    make_user,
    remove,
)


@pytest.fixture
def w(db: sqlite_utils.Database) -> Any:
    return copy_county(db)


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


def test_every_parent_column_references_its_table_so_no_parent_id_dangles(db: sqlite_utils.Database) -> None:
    """``live`` tests a parent against the deleted ones only: that keeps the rows the list of live
    parents kept because a parent id that is not deleted is live, it names a row that exists."""
    assert db.execute("PRAGMA foreign_keys").fetchone() == (1,)
    for entity, parents in PARENTS.items():
        table = ENTITIES[entity].table
        references = {r[3]: (r[2], r[4]) for r in db.execute(f"PRAGMA foreign_key_list({table})").fetchall()}
        for column, parent in parents:
            assert references.get(column) == (parent, "id"), (entity, column, references)


def _live_by_list_of_live_parents(entity: str, alias: str) -> str:
    """``live`` as it was before m043: each parent looked up in the list of the live ones."""
    parts = [f"{alias}.deleted = 0"]
    for column, table in PARENTS.get(entity, ()):
        parts.append(f"({alias}.{column} IS NULL OR {alias}.{column} IN (SELECT id FROM {table} WHERE deleted = 0))")
    return " AND ".join(parts)


def test_live_passes_the_same_rows_as_the_list_of_live_parents_did(db: sqlite_utils.Database, w: Any) -> None:
    for unit in (w.st11, w.st12, w.st21, w.st22):  # more children, pairings and visits, a pair in every station
        staff = make_user(db, "staff", unit, name="站员")
        mentor = make_device(db, make_user(db, "mentor", unit, name="老师"))
        for _ in range(2):
            pairing = make_pairing(db, staff, mentor, make_mentee(db, staff, unit))
            make_activity(db, mentor, pairing)
    # A parent the write path leaves out (a review of no unit's record, a visit or a screening of
    # none) is no parent: its row is live if it is.
    db.execute("UPDATE reviews SET unit_id = NULL")
    db.execute("UPDATE activities SET unit_id = NULL, mentee_id = NULL WHERE rowid % 3 = 0")
    db.execute("UPDATE screenings SET unit_id = NULL WHERE rowid % 2 = 0")
    tables = {entity: ENTITIES[entity].table for entity in PARENTS}
    rng = random.Random(43)
    scope = load_scope(db, w.reviewer)
    for draw in range(60):
        # Deleted straight in the table, in any combination: a unit gone under live children, a
        # child gone under a live pairing, as no write would leave them, so the two forms meet every case.
        share = 0.0 if draw == 0 else rng.choice([0.1, 0.3, 0.6, 1.0])
        for parent in ("units", "mentees", "pairings"):
            for (record_id,) in db.execute(f"SELECT id FROM {parent}").fetchall():
                db.execute(f"UPDATE {parent} SET deleted = ? WHERE id = ?", [int(rng.random() < share), record_id])
        for entity, table in tables.items():
            new = {r[0] for r in db.execute(f"SELECT t.id FROM {table} t WHERE {live(entity, 't')}")}
            was = _live_by_list_of_live_parents(entity, "t")
            old = {r[0] for r in db.execute(f"SELECT t.id FROM {table} t WHERE {was}")}
            assert new == old, (draw, entity)
            if draw == 0:
                assert new == {r[0] for r in db.execute(f"SELECT id FROM {table} WHERE deleted = 0")}, entity
        kept, params = of_child(scope, "activity", "t", child_deleted=True)
        scoped, _ = in_scope(scope, "activity", "t")
        was = f"({scoped}) AND t.deleted = 0 AND t.pairing_id IN (SELECT id FROM pairings WHERE deleted = 0)"
        assert ({r[0] for r in db.execute(f"SELECT t.id FROM activities t WHERE {kept}", params)}
                == {r[0] for r in db.execute(f"SELECT t.id FROM activities t WHERE {was}", params)}), draw


def test_a_stations_pending_count_child_list_and_pairing_list_read_only_the_deleted_parents(
        db: sqlite_utils.Database, w: Any) -> None:
    """The live test of each parent reads its table's few deleted rows (m043's partial indexes),
    where it built the list of the county's live children and pairings, a station's page as the county's."""
    scope = load_scope(db, w.staff_st11)
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)  # the statements as run, parameters filled in
    try:
        pending_reviews(db, scope)
        list_mentees(db, scope, MenteeFilter())
        list_pairings(db, scope, {})
    finally:
        db.conn.set_trace_callback(None)
    plans = [[str(r[3]) for r in db.execute("EXPLAIN QUERY PLAN " + sql).fetchall()]
             for sql in statements if sql.lstrip().upper().startswith("SELECT")]
    lines = [line for plan in plans for line in plan]
    for table in ("pairings", "mentees", "units"):
        reads = [line for line in lines if line.startswith((f"SCAN {table}", f"SEARCH {table}"))]
        # (SQLite names it no COVERING index, yet reads only the index: its seek of the row is deferred, never made)
        assert reads and all(line == f"SCAN {table} USING INDEX idx_{table}_deleted" for line in reads), (table, reads)
