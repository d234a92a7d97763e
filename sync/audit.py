"""Reading the audit log: who changed what, field by field, version by version.

The write path stores, for every change, the fields it touched with their before and
after values; a create stores no values (they would be a second copy of the record).
``record_history`` walks the log backwards from the current record to rebuild each
version, so the archive can show the full timeline of a record.
"""
from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from .entities import ENTITIES
from .jsontext import dumps_text
from .records import load_rows
from .scope import Actor
from .timeutil import utc_now

CHANGING_STATUSES = ("applied", "merged", "conflict")


def record_history(db: sqlite_utils.Database, entity_name: str, record_id: str) -> list[dict[str, Any]]:
    """Every accepted change of a record, oldest first, each with ``changes: {field: [before, after]}``.

    The create carries the values the record was created with.
    """
    entity = ENTITIES[entity_name]
    current = load_rows(db, entity, [record_id]).get(record_id)
    if current is None:
        return []
    # Found by the record's number (sync/schema/m012_m031.py m015), not its id: the audit log has no index
    # on record ids, whose random (v4) values would cost every create a write on a random page.
    cursor = db.execute(
        "SELECT at, user_id, device_id, mutation_id, op, status, version, changes FROM sync_audit"
        f" WHERE num = ? AND record_id = ? AND status IN ({', '.join('?' * len(CHANGING_STATUSES))})"
        " ORDER BY id",
        [current["num"], record_id, *CHANGING_STATUSES],
    )
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    state = {name: current.get(name) for name in entity.columns}
    history = []
    for row in reversed(rows):
        changes = json.loads(row["changes"]) if row["changes"] else {}
        changes.pop("conflicts", None)
        changes.pop("incoming", None)
        if row["op"] == "create":
            changes = {name: [None, value] for name, value in state.items() if value is not None}
        else:
            for name, (before, _after) in changes.items():
                if name in state:
                    state[name] = before
        history.append({**row, "changes": changes})
    history.reverse()
    return [h for h in history if h["changes"] or h["op"] in ("create", "delete")]


def append_audit(db: sqlite_utils.Database, actor: Actor, entity: str, record_id: str, op: str,
                 changes: dict[str, Any] | None) -> None:
    """One audit row for a change made outside the mutation path (accounts), in the caller's transaction."""
    db.execute(
        "INSERT INTO sync_audit (at, user_id, device_id, mutation_id, entity, record_id, op, status, version,"
        " reason, changes, answer, digest) VALUES (?, ?, ?, NULL, ?, ?, ?, 'applied', NULL, NULL, ?, NULL, NULL)",
        [utc_now(), actor.user_id, actor.device_id, entity, record_id, op,
         None if changes is None else dumps_text(changes)],
    )
