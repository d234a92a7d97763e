"""Sync conflicts as staff read them: both values beside the record they belong to.

``sync.list_conflicts`` holds the scope rule; this adds what a person needs to decide: what the
record is (a visit on a date with a child, a child's file …), the field's label, the value the
record holds now, and who sent the value that arrived second.
"""
from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from sync import Scope, list_conflicts
from sync.entities import ENTITIES
from sync.records import load_rows
from sync.scope import Keys

from .archives import sees_names, user_names


def _record(db: sqlite_utils.Database, scope: Scope, entity: str, record_id: str) -> dict[str, Any] | None:
    row = load_rows(db, ENTITIES[entity], [record_id]).get(record_id)
    if row is None:
        return None
    mentee_id = row["id"] if entity == "mentee" else row.get("mentee_id")
    if mentee_id:
        mentee = next(db.query("SELECT code, name FROM mentees WHERE id = ?", [mentee_id]), None)
        if mentee:
            row["mentee_code"] = mentee["code"]
            row["mentee_name"] = mentee["name"] if sees_names(scope) else None
    return row


def _enrich(db: sqlite_utils.Database, scope: Scope, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keepers: dict[tuple[str, int], dict[str, Any] | None] = {(r["record_id"], r["kept_version"]): None for r in rows}
    for record_id, version in keepers:
        # Who wrote the version the first value belongs to (the audit row of that version).
        found = next(db.query(
            "SELECT user_id, device_id FROM sync_audit WHERE record_id = ? AND version = ?"
            " AND status IN ('applied', 'merged', 'conflict') ORDER BY id LIMIT 1", [record_id, version]), None)
        keepers[(record_id, version)] = found
    people = {r["user_id"] for r in rows} | {r["resolved_by"] for r in rows}
    people |= {k["user_id"] for k in keepers.values() if k}
    names = user_names(db, people)
    for row in rows:
        keeper = keepers[(row["record_id"], row["kept_version"])]
        row["keeper_name"] = names.get(keeper["user_id"], "") if keeper else ""
        row["keeper_phone"] = bool(keeper and keeper["device_id"])
        entity = ENTITIES[row["entity"]]
        row["entity_label"] = entity.label
        row["field_label"] = "删除这条记录" if row["field"] == "_deleted" else entity.by_name[row["field"]].label
        row["sender_name"] = names.get(row["user_id"], "")
        row["resolver_name"] = names.get(row["resolved_by"] or "", "")
        record = _record(db, scope, row["entity"], row["record_id"])
        row["record"] = record
        if record is None:
            row["current_value"] = None
        elif row["field"] == "_deleted":
            row["current_value"] = bool(record["deleted"])
        else:
            row["current_value"] = record.get(row["field"])
    return rows


def open_conflicts(db: sqlite_utils.Database, scope: Scope) -> list[dict[str, Any]]:
    """Unresolved conflicts in scope, oldest first, with their record and the field's current value."""
    return _enrich(db, scope, list_conflicts(db, scope))


def get_conflict(db: sqlite_utils.Database, scope: Scope, conflict_id: str) -> dict[str, Any] | None:
    """One conflict in scope (open or resolved), enriched; None when missing or not yours."""
    row = next(db.query("SELECT * FROM sync_conflicts WHERE id = ?", [conflict_id]), None)
    if row is None or scope.is_mentor or not scope.allows(Keys(row["unit_id"], row["mentee_id"])):
        return None
    for name in ("kept_value", "other_value"):
        row[name] = json.loads(row[name]) if row[name] is not None else None
    return _enrich(db, scope, [row])[0]


def resolved_recently(db: sqlite_utils.Database, scope: Scope, limit: int = 20) -> list[dict[str, Any]]:
    """The latest resolved conflicts in scope (both values kept on record), newest first."""
    rows = sorted(list_conflicts(db, scope, status="resolved"), key=lambda r: r["resolved_at"] or "", reverse=True)
    return _enrich(db, scope, rows[:limit])
