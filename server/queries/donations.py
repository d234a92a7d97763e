"""爱心捐助 (donations): one by itself, who may hand one over, and the totals of a period.

Money is read in whole 分 (``amount_fen``) and added in SQL as integers, so a total is exact to the
fen; pages turn it into 元 (``server.money.yuan``). Every read stays in the caller's scope and counts live rows
only (``filters.visible``): a deleted donation, or one of a deleted child, counts in no total.
"""
from __future__ import annotations

from typing import Any

import sqlite_utils

from sync import Scope
from sync.labels import ROW_KINDS

from .archive_records import donations_of, named_donations
from .filters import of_any_child, visible
from .names import name_column
from .units import in_subtree, unit_tree

__all__ = ["donation_totals", "donations_of", "get_donation", "hand_options"]


def get_donation(db: sqlite_utils.Database, scope: Scope, donation_id: str) -> dict[str, Any] | None:
    """One donation in scope with its child (``mentee_code``, ``mentee_name`` for staff, ``mentee_deleted``);
    a deleted child's too, read-only. None when missing, deleted or not the caller's."""
    where, params = of_any_child(scope, "donation", "x")
    row = next(db.query(
        f"SELECT x.*, m.code AS mentee_code, {name_column(scope)} AS mentee_name, m.deleted AS mentee_deleted,"
        " un.name AS unit_name FROM donations x JOIN mentees m ON m.id = x.mentee_id"
        f" LEFT JOIN units un ON un.id = x.unit_id WHERE x.id = ? AND {where}", [donation_id, *params]), None)
    return None if row is None else named_donations(db, scope, [row])[0]


def hand_options(db: sqlite_utils.Database, scope: Scope, mentee_id: str | None,
                 keep: str | None = None) -> list[tuple[str, str]]:
    """Who may be named as having handed a gift over: the child's volunteers (of any of its pairings)
    and the active staff of the child's unit and of the writer's own, in scope; ``keep`` stays listed
    (a donation stored with someone since stopped)."""
    if scope.unit_ids is not None and not scope.unit_ids:
        return []
    units = sorted(scope.unit_ids) if scope.unit_ids is not None else None
    in_units = f" AND u.unit_id IN ({', '.join('?' * len(units))})" if units is not None else ""
    rows = db.execute(
        "SELECT u.id, u.name, u.role FROM users u WHERE u.active = 1 AND ("
        " (u.role = 'mentor' AND u.id IN (SELECT p.mentor_id FROM pairings p WHERE p.mentee_id = ? AND p.deleted = 0))"
        " OR (u.role = 'staff' AND u.unit_id IN ((SELECT unit_id FROM mentees WHERE id = ?), ?)))"
        f"{in_units} OR u.id = ? ORDER BY u.role = 'staff', u.name",
        [mentee_id, mentee_id, scope.actor.unit_id, *(units or []), keep]).fetchall()
    return [(uid, f"{name}（{'五老志愿者' if role == 'mentor' else '工作人员'}）") for uid, name, role in rows]


def donation_totals(db: sqlite_utils.Database, scope: Scope, since: str, until: str,
                    unit_id: str | None = None) -> dict[str, Any]:
    """The period's totals (``since``..``until`` inclusive, on the donation's own date) under ``unit_id``
    (default: the whole scope): one row per station and school in tree order, rows of zeros included,
    each ``children`` (distinct children helped), ``fen``, ``items``, ``count``; ``total`` the same over
    all of them (a child counts once however many gifts); ``children`` the per-child rows, code first."""
    where, params = visible(scope, "donation", "d")
    conditions, args = [where, "d.date >= ?", "d.date <= ?"], [*params, since, until]
    if unit_id:
        conditions.append(in_subtree("d.unit_id"))
        args.append(unit_id)
    sql_where = " AND ".join(conditions)
    sums = ("count(DISTINCT d.mentee_id) AS children, coalesce(sum(d.amount_fen), 0) AS fen,"
            " coalesce(sum(d.items), 0) AS items, count(*) AS count")
    by_unit = {r["unit_id"]: r for r in db.query(
        f"SELECT d.unit_id, {sums} FROM donations d WHERE {sql_where} GROUP BY d.unit_id", args)}
    total = next(db.query(f"SELECT {sums} FROM donations d WHERE {sql_where}", args))
    zero = {"children": 0, "fen": 0, "items": 0, "count": 0}
    rows = [{"unit_id": u["id"], "name": u["name"], "path": u["path"], **zero, **by_unit.get(u["id"], {})}
            for u in unit_tree(db, scope, root=unit_id) if u["kind"] in ROW_KINDS]
    children = list(db.query(
        f"SELECT d.mentee_id, m.code AS mentee_code, {name_column(scope)} AS mentee_name, un.name AS unit_name,"
        " coalesce(sum(d.amount_fen), 0) AS fen, coalesce(sum(d.items), 0) AS items, count(*) AS count,"
        " group_concat(DISTINCT d.goods) AS goods"
        " FROM donations d JOIN mentees m ON m.id = d.mentee_id LEFT JOIN units un ON un.id = d.unit_id"
        f" WHERE {sql_where} GROUP BY d.mentee_id ORDER BY un.name, m.code", args))
    return {"rows": rows, "total": total, "children": children}
