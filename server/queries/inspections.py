"""On-site inspections (督查): lists, one inspection, a unit's history, the units one may inspect.

A rectification's state is derived, never stored: ``none`` (every checked item passed), ``done``
(every failed item fixed), ``overdue`` (``rectify_due`` has passed before that), else ``open``.
"""
from __future__ import annotations

import datetime
from typing import Any

import sqlite_utils

from sync import Scope
from sync.labels import CHECK_ITEMS

from .archive_records import decode_lists
from .filters import visible
from .units import unit_tree

RECTIFICATION_STATES = {"none": "无需整改", "open": "整改中", "overdue": "整改逾期", "done": "已整改"}


def rectification_state(row: dict[str, Any], today: datetime.date) -> str:
    failed, fixed = set(row["failed"]), set(row["fixed"])
    if not failed:
        return "none"
    if failed <= fixed:
        return "done"
    if row.get("rectify_due") and row["rectify_due"] < today.isoformat():
        return "overdue"
    return "open"


def _shape(row: dict[str, Any], today: datetime.date) -> dict[str, Any]:
    decode_lists(row, "passed", "failed", "fixed")
    row["state"] = rectification_state(row, today)
    row["open_items"] = [k for k in row["failed"] if k not in row["fixed"]]
    row["checked"] = len(row["passed"]) + len(row["failed"])
    return row


# Who inspected is the unit kept on the inspection (``inspecting_unit_id``), never the author's unit
# today: the archive names the unit that inspected after its author has moved on. A unit deleted
# since still names it.
SELECT = """
    SELECT i.*, u.name AS unit_name, u.kind AS unit_kind, t.name AS town_name, au.name AS author_name,
           iu.name AS inspecting_unit_name
    FROM inspections i JOIN units u ON u.id = i.unit_id LEFT JOIN units t ON t.id = u.parent_id
    LEFT JOIN users au ON au.id = i.author_id LEFT JOIN units iu ON iu.id = i.inspecting_unit_id
"""


def list_inspections(db: sqlite_utils.Database, scope: Scope, *, today: datetime.date, unit_id: str | None = None,
                     year: int | None = None, kind: str | None = None, state: str | None = None
                     ) -> list[dict[str, Any]]:
    """Live inspections in scope, newest first, optionally of one unit, year, kind or rectification state."""
    sql, params = visible(scope, "inspection", "i")
    where = [sql]
    if unit_id:
        where.append("i.unit_id = ?")
        params.append(unit_id)
    if year:
        where.append("i.date BETWEEN ? AND ?")
        params += [f"{year:04d}-01-01", f"{year:04d}-12-31"]
    if kind:
        where.append("i.kind = ?")
        params.append(kind)
    rows = [_shape(r, today) for r in db.query(
        f"{SELECT} WHERE {' AND '.join(where)} ORDER BY i.date DESC, i.created_at DESC", params)]
    return [r for r in rows if state is None or r["state"] == state]


def get_inspection(db: sqlite_utils.Database, scope: Scope, inspection_id: str, *, today: datetime.date
                   ) -> dict[str, Any] | None:
    """One live inspection in scope, or None (no such record and not yours look the same)."""
    sql, params = visible(scope, "inspection", "i")
    row = next(db.query(f"{SELECT} WHERE i.id = ? AND {sql}", [inspection_id, *params]), None)
    return None if row is None else _shape(row, today)


def unit_history(db: sqlite_utils.Database, scope: Scope, unit_id: str, *, today: datetime.date
                 ) -> dict[str, Any]:
    """A unit's inspections, oldest first, with what the 星级辅导站 review looks at: how many, the
    latest and average score, the items failed most often and the rectifications still open."""
    rows = list(reversed(list_inspections(db, scope, today=today, unit_id=unit_id)))
    scores = [r["score"] for r in rows if r["score"] is not None]
    failures: dict[str, int] = {}
    for r in rows:
        for item in r["failed"]:
            failures[item] = failures.get(item, 0) + 1
    return {
        "inspections": rows,
        "count": len(rows),
        "average_score": round(sum(scores) / len(scores), 1) if scores else None,
        "latest_score": scores[-1] if scores else None,
        "often_failed": sorted(((CHECK_ITEMS[k], n) for k, n in failures.items()), key=lambda p: (-p[1], p[0])),
        "open": [r for r in rows if r["state"] in ("open", "overdue")],
    }


def inspectable_units(db: sqlite_utils.Database, scope: Scope) -> list[tuple[str, str]]:
    """(id, name with its town) of the stations and schools the actor may inspect: in scope, and
    not the actor's own unit (a unit never inspects itself)."""
    own = scope.actor.unit_id if scope.actor.role == "staff" else None
    tree = unit_tree(db, scope)
    names = {u["id"]: u["name"] for u in tree}
    return [(u["id"], f"{names.get(u['parent_id'], '')} · {u['name']}" if u["parent_id"] in names else u["name"])
            for u in tree if u["kind"] in ("station", "school") and u["id"] != own]


INSPECTED = ("station", "school")


def inspected_units(db: sqlite_utils.Database, scope: Scope) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every station and school in scope, for the list's unit filter: (town's name, [(id, name)]) in
    tree order, each town an <optgroup> heading its units ('' first: those with no town in scope).

    The towns are not choices (nothing inspects a town), so a name indented by the tree's depth stood
    nested under nothing; a name is indented only under a station or school listed above it."""
    tree = unit_tree(db, scope)
    by_id = {u["id"]: u for u in tree}
    groups: dict[str, list[tuple[str, str]]] = {"": []}
    for u in tree:
        if u["kind"] not in INSPECTED:
            continue
        depth, town, up = 0, "", by_id.get(u["parent_id"])
        while up is not None:
            if up["kind"] in INSPECTED:
                depth += 1
            elif up["kind"] == "town" and not town:
                town = up["id"]
            up = by_id.get(up["parent_id"])
        groups.setdefault(town, []).append((u["id"], "　" * depth + u["name"]))
    return [(by_id[t]["name"] if t else "", units) for t, units in groups.items() if units]
