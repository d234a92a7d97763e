"""A record's change history, with the names of who made each change and words for the record ids
it mentions."""
from __future__ import annotations

from typing import Any

import sqlite_utils

from sync.audit import record_history
from sync.db import placeholders
from sync.entities import ENTITIES

from .names import user_names


def history(db: sqlite_utils.Database, entity: str, record_id: str) -> list[dict[str, Any]]:
    """The record's accepted changes, oldest first, with the name of who made each (``user_name``)."""
    rows = record_history(db, entity, record_id)
    names = user_names(db, {r["user_id"] for r in rows})
    for row in rows:
        row["user_name"] = names.get(row["user_id"], "")
    return rows


def ref_names(db: sqlite_utils.Database, entity: str, rows: list[dict[str, Any]]) -> dict[str, str]:
    """Words for the record ids a history mentions: a person's name, a unit's name, a child's code,
    a pairing as "code ← volunteer" (never a child's name: histories are read by the county too)."""
    spec = ENTITIES[entity]
    wanted: dict[str, set[str]] = {}
    for row in rows:
        for name, pair in row["changes"].items():
            field = spec.by_name.get(name)
            if field is not None and field.kind == "ref" and field.ref:
                wanted.setdefault(field.ref, set()).update(v for v in pair if isinstance(v, str))
    out = user_names(db, set(wanted.get("user", set())))
    queries = {
        "unit": "SELECT id, name AS words FROM units WHERE id IN ({})",
        "mentee": "SELECT id, code AS words FROM mentees WHERE id IN ({})",
        "pairing": "SELECT p.id, m.code || ' ← ' || coalesce(u.name, '') AS words FROM pairings p"
                   " JOIN mentees m ON m.id = p.mentee_id LEFT JOIN users u ON u.id = p.mentor_id WHERE p.id IN ({})",
    }
    for ref, sql in queries.items():
        ids = sorted(wanted.get(ref, set()))
        if ids:
            out.update({r["id"]: r["words"] for r in db.query(sql.format(placeholders(ids)), ids)})
    return out
