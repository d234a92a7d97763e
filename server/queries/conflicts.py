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
from sync.conflicts import theirs_to_decide
from sync.db import select_in
from sync.entities import ENTITIES
from sync.records import load_rows
from sync.scope import Keys

from .names import sees_names, user_names


def _records(db: sqlite_utils.Database, scope: Scope, rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The current rows the conflicts are about, by id, with their child's code (and name for those
    who see names): one read per entity and one for the children, whatever the number of conflicts."""
    wanted: dict[str, set[str]] = {}
    for r in rows:
        wanted.setdefault(r["entity"], set()).add(r["record_id"])
    records: dict[str, dict[str, Any]] = {}
    mentee_of: dict[str, str] = {}
    for entity, ids in wanted.items():
        for record_id, record in load_rows(db, ENTITIES[entity], sorted(ids)).items():
            records[record_id] = record
            mentee_id = record_id if entity == "mentee" else record.get("mentee_id")
            if mentee_id:
                mentee_of[record_id] = mentee_id
    mentees = {i: (code, name) for i, code, name in select_in(
        db, "SELECT id, code, name FROM mentees WHERE id {in}", sorted(set(mentee_of.values())))[1]}
    names = sees_names(scope)
    for record_id, mentee_id in mentee_of.items():
        if mentee_id in mentees:
            code, name = mentees[mentee_id]
            records[record_id].update(mentee_code=code, mentee_name=name if names else None)
    return records


def _keepers(db: sqlite_utils.Database, rows: list[dict[str, Any]], records: dict[str, dict[str, Any]]
             ) -> dict[tuple[str, int], tuple[str, str | None]]:
    """(user, device) that wrote the version each first value belongs to (its audit row), by
    (record, version). Read by the records' numbers: the audit log has no index on record ids."""
    wanted = {(r["record_id"], r["kept_version"]) for r in rows}
    nums = sorted({n for record_id, _ in wanted if (n := records.get(record_id, {}).get("num")) is not None})
    found: dict[tuple[str, int], tuple[str, str | None]] = {}
    # Each number's rows come in one chunk, in id order: the first one seen is the earliest.
    for record_id, version, user_id, device_id in select_in(
            db, "SELECT record_id, version, user_id, device_id FROM sync_audit WHERE num {in}"
                " AND status IN ('applied', 'merged', 'conflict') ORDER BY id", nums)[1]:
        if (record_id, version) in wanted:
            found.setdefault((record_id, version), (user_id, device_id))
    return found


def _enrich(db: sqlite_utils.Database, scope: Scope, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    records = _records(db, scope, rows)
    keepers = _keepers(db, rows, records)
    people = {r["user_id"] for r in rows} | {r["resolved_by"] for r in rows} | {k[0] for k in keepers.values()}
    names = user_names(db, people)
    for row in rows:
        keeper = keepers.get((row["record_id"], row["kept_version"]))
        row["keeper_name"] = names.get(keeper[0], "") if keeper else ""
        row["keeper_phone"] = bool(keeper and keeper[1])
        entity = ENTITIES[row["entity"]]
        row["entity_label"] = entity.label
        row["field_label"] = "删除这条记录" if row["field"] == "_deleted" else entity.by_name[row["field"]].label
        row["sender_name"] = names.get(row["user_id"], "")
        row["resolver_name"] = names.get(row["resolved_by"] or "", "")
        record = records.get(row["record_id"])
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
    if not theirs_to_decide(db, scope, [row]):
        return None
    for name in ("kept_value", "other_value"):
        row[name] = json.loads(row[name]) if row[name] is not None else None
    return _enrich(db, scope, [row])[0]


def resolved_recently(db: sqlite_utils.Database, scope: Scope, limit: int = 20) -> list[dict[str, Any]]:
    """The latest resolved conflicts in scope (both values kept on record), newest first."""
    rows = sorted(list_conflicts(db, scope, status="resolved"), key=lambda r: r["resolved_at"] or "", reverse=True)
    return _enrich(db, scope, rows[:limit])
