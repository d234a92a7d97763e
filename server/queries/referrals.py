"""Referrals (转介): the list, one referral, and the open ones a station's home page shows.

An open referral is one not yet concluded (``referred`` or ``received``): the station follows it
until the institution's work with the child ends.
"""
from __future__ import annotations

from typing import Any

import sqlite_utils

from sync import Scope

from .filters import chosen, of_any_child, visible
from .names import name_authors, name_column
from .units import in_subtree

OPEN = "r.status IN ('referred', 'received')"  # on alias ``r``
LIMIT = 200


def _select(scope: Scope) -> str:
    return f"""
        SELECT r.*, m.code AS mentee_code, {name_column(scope)} AS mentee_name, m.deleted AS mentee_deleted,
               m.grade, un.name AS unit_name,
               (SELECT p.id FROM pairings p WHERE p.mentee_id = r.mentee_id AND p.deleted = 0
                ORDER BY p.status = 'active' DESC, p.start_date DESC LIMIT 1) AS pairing_id
        FROM referrals r JOIN mentees m ON m.id = r.mentee_id LEFT JOIN units un ON un.id = r.unit_id
    """


def list_referrals(db: sqlite_utils.Database, scope: Scope, filters: dict[str, str], *,
                   page: int = 1) -> tuple[list[dict[str, Any]], int]:
    """One page (``LIMIT`` rows) of the live referrals in scope, open ones first, then the newest, and
    how many match in all. ``filters``: ``status`` (``open``, or one status), ``target``, ``unit``
    (with its subtree)."""
    where, params = visible(scope, "referral", "r")
    conditions, args = [where], list(params)
    status = filters.get("status")
    if status == "open":
        conditions.append(OPEN)
    elif status:
        conditions.append("r.status = ?")
        args.append(status)
    picked, picked_args = chosen(filters, {"target": "r.target = ?", "unit": in_subtree("r.unit_id")})
    conditions += picked
    args += picked_args
    sql_where = " AND ".join(conditions)
    total = int(db.execute(f"SELECT count(*) FROM referrals r JOIN mentees m ON m.id = r.mentee_id"
                           f" WHERE {sql_where}", args).fetchone()[0])
    rows = list(db.query(
        f"{_select(scope)} WHERE {sql_where}"
        " ORDER BY r.status = 'concluded', r.referred_on DESC, r.created_at DESC LIMIT ? OFFSET ?",
        [*args, LIMIT, (max(page, 1) - 1) * LIMIT]))
    return rows, total


def get_referral(db: sqlite_utils.Database, scope: Scope, referral_id: str, *,
                 deleted_child_too: bool = False) -> dict[str, Any] | None:
    """One live referral in scope with its child and who registered it; None when missing or not yours.
    ``deleted_child_too``: one a deleted child's kept file still shows as well (``mentee_deleted``)."""
    where, params = of_any_child(scope, "referral", "r") if deleted_child_too else visible(scope, "referral", "r")
    row = next(db.query(f"{_select(scope)} WHERE r.id = ? AND {where}", [referral_id, *params]), None)
    if row is not None:
        name_authors(db, [row])
    return row


def count_open_referrals(db: sqlite_utils.Database, scope: Scope) -> int:
    """How many referrals in scope are not yet concluded: all of them, where ``open_referrals``
    lists the oldest ``LIMIT`` (a town's or the county's staff can have more open than that)."""
    where, params = visible(scope, "referral", "r")
    return int(db.execute(f"SELECT count(*) FROM referrals r WHERE {OPEN} AND {where}", params).fetchone()[0])


def open_referrals(db: sqlite_utils.Database, scope: Scope) -> list[dict[str, Any]]:
    """Referrals in scope not yet concluded, oldest first (the longest waiting on top).

    Each row: ``id``, ``mentee_id``, ``mentee_code``, ``mentee_name`` (None for roles that do not see
    names), ``target``, ``institution``, ``status``, ``referred_on``, ``received_on``, ``unit_name``,
    ``pairing_id`` (the child's current or latest pairing, if any). For the station home page.
    """
    where, params = visible(scope, "referral", "r")
    return list(db.query(
        f"{_select(scope)} WHERE {OPEN} AND {where}"
        " ORDER BY r.referred_on, r.created_at LIMIT ?", [*params, LIMIT]))


def referrals_of_flags(db: sqlite_utils.Database, scope: Scope,
                       flags: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """For each open risk flag (rows with ``id``, ``mentee_id``, ``date``), its child's referrals in
    scope that are still open or were made on or after the flagged visit's day, newest first: so the
    flag's card says the child is already referred and staff do not refer twice. One query for all."""
    if not flags:
        return {}
    where, params = visible(scope, "referral", "r")
    children = sorted({f["mentee_id"] for f in flags})
    since = min(f["date"] for f in flags)
    found = list(db.query(
        f"SELECT r.id, r.mentee_id, r.target, r.institution, r.status, r.referred_on, r.received_on"
        f" FROM referrals r WHERE r.mentee_id IN ({', '.join('?' * len(children))})"
        f" AND ({OPEN} OR r.referred_on >= ?) AND {where}"
        " ORDER BY r.referred_on DESC, r.created_at DESC",
        [*children, since, *params]))
    return {f["id"]: [r for r in found if r["mentee_id"] == f["mentee_id"]
                      and (r["status"] != "concluded" or r["referred_on"] >= f["date"])] for f in flags}
