"""Group events (集体活动/宣讲) and enrolment figures (在校人数) as the station pages list them."""
from __future__ import annotations

from typing import Any

import sqlite_utils

from sync import Scope

from .coverage import counted
from .filters import chosen, visible
from .units import in_subtree

PAGE_SIZE = 50



def list_events(db: sqlite_utils.Database, scope: Scope, filters: dict[str, str], *,
                page: int = 1) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """One page of live events in scope, newest first, and the totals over every matching event
    (``count``, ``participants``, ``copies`` — of brochure events only —, ``make_up`` lectures and the
    parents micro-lessons were ``forwarded`` to). ``filters``: ``unit`` (with
    its subtree), ``kind``, ``lecture`` (the lectures lecture coverage counts for that number),
    ``from`` and ``to`` (inclusive local dates)."""
    where, params = visible(scope, "event", "e")
    picked, picked_args = chosen(filters, {"unit": in_subtree("e.unit_id"), "kind": "e.kind = ?",
                                           "lecture": f"{counted('e')} AND e.lecture_no = ?",
                                           "from": "e.date >= ?", "to": "e.date <= ?"})
    conditions, args = [where, *picked], [*params, *picked_args]
    sql_where = " AND ".join(conditions)
    # Copies count for brochure events only, as on the statistics form (发放宣传手册): copies typed on a
    # lecture were not handed out, and the list's line must agree with the form it is checked against.
    totals = next(db.query(
        f"SELECT count(*) AS count, coalesce(sum(e.participants), 0) AS participants,"
        f" coalesce(sum(CASE WHEN e.kind = 'brochure' THEN e.copies END), 0) AS copies,"
        f" coalesce(sum(e.make_up), 0) AS make_up, coalesce(sum(e.forwarded), 0) AS forwarded FROM events e"
        f" WHERE {sql_where}", args))
    rows = list(db.query(
        f"SELECT e.*, u.name AS unit_name FROM events e LEFT JOIN units u ON u.id = e.unit_id WHERE {sql_where}"
        " ORDER BY e.date DESC, e.created_at DESC LIMIT ? OFFSET ?",
        [*args, PAGE_SIZE, (max(page, 1) - 1) * PAGE_SIZE]))
    return rows, {k: int(v) for k, v in totals.items()}


def get_event(db: sqlite_utils.Database, scope: Scope, event_id: str) -> dict[str, Any] | None:
    where, params = visible(scope, "event", "e")
    return next(db.query(
        f"SELECT e.*, u.name AS unit_name FROM events e LEFT JOIN units u ON u.id = e.unit_id"
        f" WHERE e.id = ? AND {where}", [event_id, *params]), None)


def list_enrolments(db: sqlite_utils.Database, scope: Scope, year: int | None = None) -> list[dict[str, Any]]:
    """Live enrolment figures in scope (one year, or all), by year (newest first) and unit."""
    where, params = visible(scope, "enrolment", "n")
    extra, args = ("AND n.year = ?", [year]) if year else ("", [])
    return list(db.query(
        f"SELECT n.*, u.name AS unit_name FROM enrolments n LEFT JOIN units u ON u.id = n.unit_id"
        f" WHERE {where} {extra} ORDER BY n.year DESC, u.name", [*params, *args]))


def find_enrolment(db: sqlite_utils.Database, scope: Scope, unit_id: str, year: int) -> dict[str, Any] | None:
    """The live figures of one unit and year in scope (the newest, should there be two)."""
    where, params = visible(scope, "enrolment", "n")
    return next(db.query(
        f"SELECT n.* FROM enrolments n WHERE n.unit_id = ? AND n.year = ? AND {where}"
        " ORDER BY n.updated_at DESC LIMIT 1", [unit_id, year, *params]), None)
