"""Reading current records for the write path: batched loads, scope keys, feed documents."""
from __future__ import annotations

import json
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from .codec import from_storage
from .db import placeholders, select_in
from .entities import ENTITIES, Entity
from .jsontext import dumps
from .scope import Keys


def load_rows(db: sqlite_utils.Database, entity: Entity, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Current rows (wire values plus engine columns) for ``ids``, missing ones left out."""
    names, rows = select_in(db, f"SELECT * FROM {entity.table} WHERE id {{in}}", ids)
    found: dict[str, dict[str, Any]] = {}
    for values in rows:
        row = from_storage(entity, dict(zip(names, values, strict=True)))
        row["field_versions"] = json.loads(row["field_versions"])
        row["field_writers"] = json.loads(row["field_writers"])
        found[row["id"]] = row
    return found


def owners(db: sqlite_utils.Database, new_ids: dict[str, list[str]]) -> dict[str, str]:
    """The entity of each id that is already a record of another entity.

    ``new_ids`` maps an entity to ids just found absent from its own table, which is not searched
    again when every id is its own (on a push of activity creates, that is the largest table and
    the most lookups). A table that is searched is searched for every new id: its own new ones are
    absent from it, so they find nothing. One statement of fixed text for every table: a push asks
    it once, where a query per table (each with an ``IN`` list of its own length) cost the busy
    writer ten trips and as many statements to prepare.
    """
    ids = [i for some in new_ids.values() for i in some]
    if not ids:
        return {}
    searched = [any(some for other, some in new_ids.items() if other != name) for name in ENTITIES]
    return {rid: name for name, rid in db.execute(_OWNERS_SQL, [dumps(ids), *searched]).fetchall()}


# The list is read once into a temporary table that every table's probe walks: a ``json_each``
# per table parsed the same list eleven times, 150-270 µs of a 10-create push on the writer
# thread against 50-60 µs (docs/performance.md has the earlier forms). Each table is probed by a
# join from the list, not ``id IN (…)``, which SQLite first builds into a temporary index; a
# table not to be searched has a false constant WHERE, which SQLite tests once before its loop.
_OWNERS_SQL = "WITH j(id) AS MATERIALIZED (SELECT value FROM json_each(?1)) " + " UNION ALL ".join(
    f"SELECT '{name}', t.id FROM j CROSS JOIN {entity.table} t ON t.id = j.id WHERE ?{n}"
    for n, (name, entity) in enumerate(ENTITIES.items(), start=2)
)


# What a mentor holds of a child apart from the pairings: the child's record and screenings.
MENTOR_CHILD_ENTITIES = ("mentee", "screening")


def child_feed_rows(db: sqlite_utils.Database, mentee_id: str, columns: str,
                    entities: tuple[str, ...] | None = None) -> list[tuple[Any, ...]]:
    """Feed rows of ``mentee_id`` that belong to no pairing (of ``entities``, or every entity),
    through the feed's partial index by mentee (sync migration m021)."""
    kinds = "" if entities is None else f" AND entity IN ({placeholders(list(entities))})"
    return db.execute(f"SELECT {columns} FROM sync_feed WHERE mentee_id = ? AND pairing_id IS NULL{kinds}",
                      [mentee_id, *(entities or ())]).fetchall()


def pairing_feed_rows(db: sqlite_utils.Database, mentee_id: str, pairing_ids: list[str],
                      columns: str = "seq, num") -> list[tuple[Any, ...]]:
    """Feed rows of ``pairing_ids`` (each pairing's own row and its activities') that belong to
    ``mentee_id``, in seq order. The feed's index by mentee holds only rows of no pairing (sync
    migration m021): these are found by number through the pairings and activities tables."""
    if not pairing_ids:
        return []
    ids = dumps(pairing_ids)
    return db.execute(
        f"SELECT {columns} FROM sync_feed WHERE num IN ("
        " SELECT num FROM pairings WHERE id IN (SELECT value FROM json_each(?1))"
        " UNION ALL SELECT num FROM activities WHERE pairing_id IN (SELECT value FROM json_each(?1)))"
        " AND mentee_id = ?2 ORDER BY seq",
        [ids, mentee_id],
    ).fetchall()


def load_users(db: sqlite_utils.Database, ids: list[str]) -> dict[str, dict[str, Any]]:
    _, rows = select_in(db, "SELECT id, role, unit_id, active FROM users WHERE id {in}", ids)
    return {uid: {"id": uid, "role": role, "unit_id": unit_id, "active": bool(active)}
            for uid, role, unit_id, active in rows}


def keys_of(entity_name: str, row: dict[str, Any]) -> Keys:
    """Which unit, mentee and pairing a record belongs to (the scope keys)."""
    if entity_name == "unit":
        return Keys(unit_id=row["id"], entity=entity_name)
    if entity_name == "mentee":
        return Keys(row.get("unit_id"), row["id"], entity=entity_name)
    if entity_name == "pairing":
        return Keys(row.get("unit_id"), row.get("mentee_id"), row["id"], entity=entity_name)
    if entity_name == "activity":
        return Keys(row.get("unit_id"), row.get("mentee_id"), row.get("pairing_id"), entity=entity_name)
    if entity_name in ("screening", "review", "referral", "donation"):
        return Keys(row.get("unit_id"), row.get("mentee_id"), entity=entity_name)
    return Keys(row.get("unit_id"), entity=entity_name)


def _json_expr(kind: str, column: str) -> str:
    if kind in ("enums", "strs", "json"):
        return f"json({column})"
    if kind == "bool":
        return f"json(CASE WHEN {column} IS NULL THEN 'null' WHEN {column} THEN 'true' ELSE 'false' END)"
    return column


def _document(entity: Entity) -> str:
    fields = ", ".join(f"'{f.name}', {_json_expr(f.kind, 'r.' + f.name)}" for f in entity.fields)
    # As a BLOB, the document reaches Python as UTF-8 bytes, never decoded to str. Found by the
    # record's number (sync/schema/m012_m031.py m016), which follows the feed's order whatever the ids.
    return f"(SELECT CAST(json_object({fields}) AS BLOB) FROM {entity.table} r WHERE r.num = f.num)"


# The ``fields`` object a pull sends for a feed row ``f``, as JSON text built by SQLite
# in the same query that walks the feed (no second copy of the record is stored).
DOCUMENT_SQL = "CASE f.entity {} END".format(" ".join(
    f"WHEN '{name}' THEN {_document(entity)}" for name, entity in ENTITIES.items()
))


def head_seq(db: sqlite_utils.Database) -> int:
    """The last sequence number handed out (feed rows, scope-log entries and scope resets share it)."""
    return int(db.execute(
        "SELECT max(coalesce((SELECT max(seq) FROM sync_feed), 0),"
        " coalesce((SELECT max(seq) FROM sync_scope_log), 0),"
        " coalesce((SELECT max(seq) FROM sync_scope_resets), 0))"
    ).fetchone()[0])


def reset_scope(db: sqlite_utils.Database, user_id: str | None, reason: str, now: str, seq: int | None = None) -> None:
    """Tell the devices of ``user_id`` (None: of every staff and reviewer account; "": nobody, a
    marker that only moves the sequence on) that their copy must be pulled again from the start:
    their scope changed in a way no drop list expresses. Numbered ``seq``, else next after the head."""
    db.execute("INSERT INTO sync_scope_resets (seq, user_id, at, reason) VALUES (?, ?, ?, ?)",
               [head_seq(db) + 1 if seq is None else seq, user_id, now, reason])


# The marker a restore leaves (server/backup.py) names no account. The number of the latest one is
# the database's *history*: each pull page carries it, and a phone that finds it changed knows the
# server lost what it had acknowledged since the restored copy was made (pwa/js/sync.js).
RESTORE_MARKER_USER = ""


def mark_restore(db: sqlite_utils.Database, seq: int, now: str) -> None:
    """Number the restored database's next change ``seq`` and start a new history there."""
    reset_scope(db, RESTORE_MARKER_USER, "restore: numbering moved past the replaced database's", now, seq)


def history(db: sqlite_utils.Database) -> str:
    """The database's history: changes only when it is restored from a copy."""
    row = db.execute("SELECT max(seq) FROM sync_scope_resets WHERE user_id = ?", [RESTORE_MARKER_USER]).fetchone()
    return str(row[0] or 0)


ENGINE_COLUMNS = (
    "version", "deleted", "field_versions", "field_writers", "created_at", "created_by", "updated_at", "updated_by",
    "num",
)
# Set once, when the record is created: ``num`` is the feed sequence number it was created at
# (sync/schema/m012_m031.py m015), by which the feed row and the audit rows of the record are found.
CREATE_ONLY = ("created_at", "created_by", "num")


@dataclass(frozen=True)
class WriteSql:
    """The two statements that store a record: an INSERT of a new one, an UPDATE of one stored.

    Not one ``INSERT … ON CONFLICT DO UPDATE``: with foreign keys on, SQLite runs every execution
    of an upsert with a statement journal that spills to a temporary file, about 27 pages (110 kB)
    written per activity stored into a county of 10^6 activities (docs/performance.md).
    """

    insert: str
    insert_columns: tuple[str, ...]
    update: str
    update_columns: tuple[str, ...]  # the SET columns, then ``id``
    insert_values: Callable[[dict[str, Any]], Sequence[Any]]  # a stored record's INSERT parameters
    update_values: Callable[[dict[str, Any]], Sequence[Any]]  # and its UPDATE's


def _values(columns: tuple[str, ...]) -> Callable[[dict[str, Any]], Sequence[Any]]:
    """The statement's parameters from a stored record, None for a column it lacks.

    Every record the writer stores holds every column (a create starts from all of them, an edit
    from the row as loaded), so the row is picked in one C call: a lookup a column in Python cost
    the writer about 2 µs a record (docs/performance.md, "The seventeenth session")."""
    pick = operator.itemgetter(*columns)

    def values(stored: dict[str, Any]) -> Sequence[Any]:
        try:
            return pick(stored)  # type: ignore[no-any-return]
        except KeyError:
            return [stored.get(c) for c in columns]

    return values


def write_sql(entity: Entity) -> WriteSql:
    columns = ("id", *entity.columns, *ENGINE_COLUMNS)
    changing = tuple(c for c in columns[1:] if c not in CREATE_ONLY)
    return WriteSql(
        f"INSERT INTO {entity.table} ({', '.join(columns)}) VALUES ({placeholders(list(columns))})",
        columns,
        f"UPDATE {entity.table} SET {', '.join(f'{c} = ?' for c in changing)} WHERE id = ?",
        (*changing, "id"),
        _values(columns),
        _values((*changing, "id")),
    )


WRITE_SQL = {name: write_sql(entity) for name, entity in ENTITIES.items()}
