"""Reading current records for the write path: batched loads, scope keys, feed documents."""
from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from .db import placeholders, select_in
from .entities import ENTITIES, Entity
from .mutations import from_storage
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
    if entity_name in ("screening", "review", "referral"):
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
    # As a BLOB, the document reaches Python as UTF-8 bytes, never decoded to str.
    return f"(SELECT CAST(json_object({fields}) AS BLOB) FROM {entity.table} r WHERE r.id = f.record_id)"


# The ``fields`` object a pull sends for a feed row ``f``, as JSON text built by SQLite
# in the same query that walks the feed (no second copy of the record is stored).
DOCUMENT_SQL = "CASE f.entity {} END".format(" ".join(
    f"WHEN '{name}' THEN {_document(entity)}" for name, entity in ENTITIES.items()
))


def head_seq(db: sqlite_utils.Database) -> int:
    """The last sequence number handed out (feed rows and scope-log entries share it)."""
    return int(db.execute(
        "SELECT max(coalesce((SELECT max(seq) FROM sync_feed), 0),"
        " coalesce((SELECT max(seq) FROM sync_scope_log), 0))"
    ).fetchone()[0])


ENGINE_COLUMNS = (
    "version", "deleted", "field_versions", "field_writers", "created_at", "created_by", "updated_at", "updated_by",
)


def upsert_sql(entity: Entity) -> tuple[str, tuple[str, ...]]:
    """One ``INSERT … ON CONFLICT DO UPDATE`` statement writing every column of a record."""
    columns = ("id", *entity.columns, *ENGINE_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:] if c not in ("created_at", "created_by"))
    sql = (
        f"INSERT INTO {entity.table} ({', '.join(columns)}) VALUES ({placeholders(list(columns))})"
        f" ON CONFLICT(id) DO UPDATE SET {updates}"
    )
    return sql, columns


UPSERT_SQL = {name: upsert_sql(entity) for name, entity in ENTITIES.items()}
