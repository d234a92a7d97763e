"""What a click on a number of the statistics form lists: the records behind it, built from the
same ``Measure.where`` as the number (``measures.records_sql``).

``measure_records(db, scope, unit_id, measure_key, date_from, date_to) -> list[dict] | None``
    The records behind one number: events, activities or mentees (mentees carry the
    screenings/pairings that qualify them under ``evidence``). ``unit_id`` is a row's unit, or
    the chosen unit for its 合计; ``len()`` (events: the sum of their weights) is the number.
``drill_down(...)`` (same arguments) ``-> DrillDown | None``: those records with the page's
    heading (unit name, whether it is its form's only row), reading the unit tree once.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

from sync import Scope
from sync.db import placeholders

from .measures import MEASURE_BY_KEY, Measure, records_sql
from .stats import row_units
from .units import get_unit

LIST_COLUMNS = {
    "event": "r.id, r.date, r.kind, r.title, r.lecture_no, r.audience, r.participants, r.copies, r.online,"
             " r.unit_id, (SELECT name FROM units WHERE id = r.unit_id) AS unit_name",
    "activity": "r.id, r.date, r.kind, r.pairing_id, r.review_status, r.entered_by, m.code AS mentee_code,"
                " m.unit_id, (SELECT name FROM units WHERE id = m.unit_id) AS unit_name,"
                " (SELECT name FROM users WHERE id = r.author_id) AS author_name,"
                " (SELECT active FROM users WHERE id = r.author_id) AS author_active",
    "mentee": "r.id, r.code, r.unit_id, (SELECT name FROM units WHERE id = r.unit_id) AS unit_name",
}
ORDER = {"event": "r.date, r.id", "activity": "r.date, r.id", "mentee": "unit_name, r.code"}


@dataclass(frozen=True)
class DrillDown:
    """A drill-down page: the records behind one number, and its heading."""

    unit_name: str
    single: bool  # the unit is its form's only row (a station or school), so no 合计 in the heading
    records: list[dict[str, Any]]


def drill_down(db: sqlite_utils.Database, scope: Scope, unit_id: str, measure_key: str, date_from: str,
               date_to: str) -> DrillDown | None:
    """``measure_records`` with the heading, from one read of the unit and one of its subtree.

    None when the unit is not a live unit in ``scope``; ``KeyError`` for an unknown measure.
    """
    measure = MEASURE_BY_KEY[measure_key]
    unit = get_unit(db, scope, unit_id)
    if unit is None:
        return None
    rows = row_units(db, scope, unit_id)
    single = len(rows) == 1 and rows[0]["id"] == unit_id
    return DrillDown(unit["name"], single, _records_of(db, scope, measure, rows, date_from, date_to))


def measure_records(db: sqlite_utils.Database, scope: Scope, unit_id: str, measure_key: str, date_from: str,
                    date_to: str) -> list[dict[str, Any]] | None:
    """The records behind the number of ``measure_key`` in the row of ``unit_id`` (or its 合计).

    None when the unit is not a live unit in ``scope``; ``KeyError`` for an unknown measure.
    Each record carries ``weight`` (what it adds to the number).
    """
    found = drill_down(db, scope, unit_id, measure_key, date_from, date_to)
    return found.records if found is not None else None


def _records_of(db: sqlite_utils.Database, scope: Scope, measure: Measure, rows: list[dict[str, Any]],
                date_from: str, date_to: str) -> list[dict[str, Any]]:
    """The records ``measure`` counts in ``rows`` (the form's row units, read once by the caller)."""
    ids = [r["id"] for r in rows]
    if not ids:
        return []
    base, where, params = records_sql(measure, scope, date_from, date_to, ids)
    records = list(db.query(
        f"SELECT {LIST_COLUMNS[measure.entity]}, {measure.weight} AS weight FROM {base} WHERE {where}"
        f" ORDER BY {ORDER[measure.entity]}", params))
    if measure.evidence and records:
        _attach_evidence(db, measure, records, date_from, date_to)
    return records


def _attach_evidence(db: sqlite_utils.Database, measure: Measure, mentees: list[dict[str, Any]], date_from: str,
                     date_to: str) -> None:
    by_id = {m["id"]: m for m in mentees}
    for m in mentees:
        m["evidence"] = []
    marks = placeholders(list(by_id))
    for e in measure.evidence:
        for row in db.query(
            f"SELECT s.id, s.mentee_id, s.{e.date_column} AS date FROM {e.table} s WHERE s.mentee_id IN ({marks})"
            f" AND {e.condition} AND s.{e.date_column} BETWEEN ? AND ? AND s.deleted = 0"
            f" ORDER BY s.{e.date_column}, s.id",
            [*by_id, date_from, date_to],
        ):
            by_id[row["mentee_id"]]["evidence"].append({"entity": e.entity, **row})
