"""A record as it was at an earlier version: what an edit form showed when it was opened.

An edit form posts ``base_version`` (the version it showed). Sending only the fields the person
changed from what they saw — not every field of the form — keeps a concurrent change by someone
else intact, and turns a real clash on the same field into a visible conflict for staff.
"""
from __future__ import annotations

from typing import Any

import sqlite_utils

from sync.audit import record_history
from sync.entities import ENTITIES
from sync.records import load_rows


def values_at(db: sqlite_utils.Database, entity: str, record_id: str, version: int) -> dict[str, Any] | None:
    """The wire values of ``entity`` ``record_id`` at ``version`` (the current ones if newer), or None."""
    spec = ENTITIES[entity]
    current = load_rows(db, spec, [record_id]).get(record_id)
    if current is None:
        return None
    state = {name: current.get(name) for name in spec.columns}
    if version >= current["version"]:
        return state
    for change in reversed(record_history(db, entity, record_id)):
        if change["version"] is None or change["version"] <= version:
            break
        for name, (before, _after) in change["changes"].items():
            if name in state:
                state[name] = before
    return state


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return sorted(map(str, a)) == sorted(map(str, b))
    return bool(a == b)


def changed(posted: dict[str, Any], shown: dict[str, Any]) -> dict[str, Any]:
    """The posted fields whose value differs from what the form showed (lists compared as sets)."""
    return {name: value for name, value in posted.items() if not _same(value, shown.get(name))}
