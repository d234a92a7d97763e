"""Statistics returns (报送) as people see them: lists in scope, one return with its reviews."""
from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from sync import Scope

from .filters import visible

STATUS_ORDER = "CASE r.status WHEN 'submitted' THEN 0 WHEN 'returned' THEN 1 WHEN 'draft' THEN 2 ELSE 3 END"
COLUMNS = (
    "r.id, r.unit_id, u.name AS unit_name, u.kind AS unit_kind, r.period_from, r.period_to, r.status, r.remarks,"
    " r.summary, r.filled_by, r.phone, r.version, r.updated_at, r.created_at"
)


PAGE_SIZE = 300


def list_returns(db: sqlite_utils.Database, scope: Scope, *, page: int = 1) -> tuple[list[dict[str, Any]], int]:
    """One page (``PAGE_SIZE``) of the live returns in scope — submitted (waiting for review) first,
    then returned, drafts, approved — and how many there are in all."""
    sql, params = visible(scope, "stats_return", "r")
    total = int(db.execute(f"SELECT count(*) FROM stats_returns r JOIN units u ON u.id = r.unit_id WHERE {sql}",
                           params).fetchone()[0])
    return list(db.query(
        f"SELECT {COLUMNS} FROM stats_returns r JOIN units u ON u.id = r.unit_id WHERE {sql}"
        f" ORDER BY {STATUS_ORDER}, r.period_to DESC, u.name LIMIT ? OFFSET ?",
        [*params, PAGE_SIZE, (max(page, 1) - 1) * PAGE_SIZE])), total


def find_return(db: sqlite_utils.Database, scope: Scope, unit_id: str, date_from: str,
                date_to: str) -> dict[str, Any] | None:
    """The unit's live return for exactly this period, if it filed one."""
    sql, params = visible(scope, "stats_return", "r")
    return next(db.query(
        f"SELECT {COLUMNS} FROM stats_returns r JOIN units u ON u.id = r.unit_id WHERE {sql}"
        " AND r.unit_id = ? AND r.period_from = ? AND r.period_to = ? ORDER BY r.status = 'approved' DESC,"
        " r.updated_at DESC LIMIT 1", [*params, unit_id, date_from, date_to]), None)


def get_return(db: sqlite_utils.Database, scope: Scope, return_id: str) -> dict[str, Any] | None:
    """One live return in scope with its parsed ``figures`` and its ``reviews`` (oldest first)."""
    sql, params = visible(scope, "stats_return", "r")
    found = next(db.query(
        f"SELECT {COLUMNS}, r.figures FROM stats_returns r JOIN units u ON u.id = r.unit_id"
        f" WHERE r.id = ? AND {sql}", [return_id, *params]), None)
    if found is None:
        return None
    found["figures"] = json.loads(found["figures"]) if found["figures"] else None
    found["reviews"] = list(db.query(
        "SELECT v.decision, v.comment, v.created_at, us.name AS reviewer_name, un.name AS reviewer_unit"
        " FROM reviews v LEFT JOIN users us ON us.id = v.reviewer_id LEFT JOIN units un ON un.id = us.unit_id"
        " WHERE v.target_id = ? AND v.deleted = 0 ORDER BY v.created_at, v.id", [return_id]))
    return found
