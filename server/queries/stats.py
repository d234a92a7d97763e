"""The statistics form of the Kaizhou notice (心理健康教育宣传月情况统计表), computed from the records.

Each column is one ``Measure`` (``server/queries/measures.py``); this module counts them per row.
docs/design.md §2.1 is the rule book:

- rows: every live station or school under the chosen unit (the unit itself if it is one), in
  tree order, zero rows included; ``total`` (合计) sums them. Events of a county or town unit
  belong to no row;
- period: ``date_from``–``date_to`` inclusive, on the record's own local date (``date``; a
  pairing's ``end_date``);
- live records only (``filters.live``, spelled out per entity in ``BASES``), inside the caller's
  scope (``filters.in_scope``);
- a mentee's row is the mentee's current unit (``mentees.unit_id``), so a mentee who moved
  school counts wholly in the new one.

面对面谈心 is read from the counts the write path keeps (``sync/counts.py``) for every scope but
a volunteer's: the form does not count 485,000 activities of a county's year one by one
(``_counted``). Its drill-down still lists the activities through ``BASES``.

Public API (other pages — the year-end summary, the WeChat brief — call these):

``compute_stats(db, scope, unit_id, date_from, date_to) -> StatsForm | None``
    The form for ``unit_id`` (None when that unit is not a live unit in ``scope``). Dates are
    ISO strings ``YYYY-MM-DD``. ``StatsForm.rows`` / ``.total`` are ``StatsRow`` with
    ``values`` in ``MEASURES`` order (``row.value("talks")``) and ``remarks`` (备注: the text of
    that unit's own return for exactly this period, if it filed one).
``figures_for_return`` is the hook the sync engine calls when a return is approved
    (``sync.returns.install_figures``).

The records behind one number are ``stats_records.py``'s (``measure_records``, ``drill_down``);
the form's shape, its frozen copy (``form_to_json`` / ``form_from_json``) and ``compare_forms``
are ``stats_form.py``'s.
"""
from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from sync import Scope
from sync.db import placeholders
from sync.labels import ROW_KINDS
from sync.scope import Actor
from sync.timeutil import utc_now

from .filters import DEAD_PAIRINGS, in_scope, live
from .measures import BASES, KEYS, MEASURES, records_sql
from .stats_form import TOTAL_NAME, Filed, StatsForm, StatsRow, form_from_json, form_to_json
from .units import get_unit, unit_tree


def row_units(db: sqlite_utils.Database, scope: Scope, unit_id: str) -> list[dict[str, Any]]:
    return [u for u in unit_tree(db, scope, root=unit_id) if u["kind"] in ROW_KINDS]


def _returns(db: sqlite_utils.Database, scope: Scope, unit_ids: list[str], date_from: str,
             date_to: str, form_unit: str = "") -> dict[str, dict[str, Any]]:
    """Each unit's own return for exactly this period (an approved one first, else the latest);
    ``figures`` of the approved ones but ``form_unit``'s own."""
    if not unit_ids:
        return {}
    scope_sql, scope_params = in_scope(scope, "stats_return", "r")
    # The figures of a school's approved return are its row as signed; a county's own frozen copy
    # (every school of it) is not read for nothing.
    rows = db.query(
        f"SELECT r.id, r.unit_id, r.status, r.remarks, r.filled_by, r.phone, r.updated_at,"
        f" CASE WHEN r.status = 'approved' AND r.unit_id IS NOT ? THEN r.figures END AS figures"
        f" FROM stats_returns r"
        f" WHERE r.unit_id IN ({placeholders(unit_ids)}) AND r.period_from = ? AND r.period_to = ?"
        f" AND ({scope_sql}) AND {live('stats_return', 'r')}"
        " ORDER BY r.status = 'approved', r.updated_at",
        [form_unit, *unit_ids, date_from, date_to, *scope_params],
    )
    return {row["unit_id"]: row for row in rows}  # later rows (approved, newest) win


# The activities of each row unit, of some kinds, in the period, that are not deleted themselves
# (what activity_counts holds) ...
COUNTED_SQL = ("SELECT unit_id, sum(n) FROM activity_counts WHERE date BETWEEN ? AND ? AND kind IN ({kinds})"
               " AND unit_id IN ({units}) GROUP BY 1")
# ... less those of a dead pairing (deleted, or of a deleted child), which count nowhere: each dead
# pairing's range of idx_activities_pairing_date.
DEAD_SQL = (f"SELECT a.unit_id, count(*) FROM activities a WHERE a.pairing_id IN ({DEAD_PAIRINGS})"
            " AND a.date BETWEEN ? AND ? AND a.kind IN ({kinds}) AND a.deleted = 0 AND a.unit_id IN ({units})"
            " GROUP BY 1")


def _counted(db: sqlite_utils.Database, kinds: tuple[str, ...], units: list[str], date_from: str,
             date_to: str) -> dict[str, int]:
    """Per row unit, the live activities of ``kinds`` in the period: the number ``BASES['activity']``
    counts, from activity_counts (sync/counts.py) instead of one index entry per activity.

    The same number because the write path keeps an activity's ``unit_id`` equal to its child's
    (``sync.rules`` sets it from the pairing and moves it with the child), and a live child of a row
    unit is in the scope of anyone who sees that row (a volunteer's scope is not by unit: the
    caller walks the activities for it). Over the year of a county of 10^6 activities: 0.31 s
    walked, 0.15 s counted, on the 2-core machine's quick days (docs/performance.md).
    """
    marks = {"kinds": placeholders(list(kinds)), "units": placeholders(units)}
    params = [date_from, date_to, *kinds, *units]
    out = {unit: int(n) for unit, n in db.execute(COUNTED_SQL.format(**marks), params).fetchall()}
    for unit, n in db.execute(DEAD_SQL.format(**marks), params).fetchall():
        out[unit] -= n
    return out


def compute_stats(db: sqlite_utils.Database, scope: Scope, unit_id: str, date_from: str,
                  date_to: str) -> StatsForm | None:
    """The statistics form of ``unit_id`` for ``date_from``–``date_to``; see the module docstring."""
    unit = get_unit(db, scope, unit_id)
    if unit is None:
        return None
    rows = row_units(db, scope, unit_id)
    ids = [r["id"] for r in rows]
    counts: dict[str, dict[str, int]] = {k: {} for k in KEYS}
    if ids:
        for measure in MEASURES:
            if measure.counted_kinds and not scope.is_mentor:
                counts[measure.key] = _counted(db, measure.counted_kinds, ids, date_from, date_to)
                continue
            base, where, params = records_sql(measure, scope, date_from, date_to, ids)
            unit_expr = BASES[measure.entity].unit
            for row_unit, value in db.execute(
                f"SELECT {unit_expr}, total({measure.weight}) FROM {base} WHERE {where} GROUP BY 1", params
            ).fetchall():
                counts[measure.key][row_unit] = int(value)
    returns = _returns(db, scope, [*ids, unit_id], date_from, date_to, form_unit=unit_id)
    gathers = unit["kind"] not in ROW_KINDS  # a town's or the county's form: its rows filed to it
    out = tuple(
        StatsRow(r["id"], r["name"], tuple(counts[k].get(r["id"], 0) for k in KEYS),
                 (returns.get(r["id"]) or {}).get("remarks") or "",
                 _filed(r["id"], returns.get(r["id"])) if gathers else None)
        for r in rows if not _closed_before(r, date_from, counts, returns) or r["id"] == unit_id
    )
    own = returns.get(unit_id)
    # A town's or the county's own 备注 goes on its 合计 line; a station's is on its one row.
    total_remarks = "" if unit["kind"] in ROW_KINDS else ((own or {}).get("remarks") or "")
    total = StatsRow(None, TOTAL_NAME, tuple(sum(row.values[i] for row in out) for i in range(len(KEYS))),
                     total_remarks)
    return StatsForm(unit_id, unit["name"], unit["kind"], date_from, date_to, out, total, own)


def _closed_before(unit: dict[str, Any], date_from: str, counts: dict[str, dict[str, int]],
                   returns: dict[str, dict[str, Any]]) -> bool:
    """A unit closed (已撤并, server/unit_closing.py) on or before the period's first day, counting
    nothing in it and having filed nothing for it: its row of zeros would stand on every later form."""
    closed = unit.get("closed_on")
    return bool(closed and closed <= date_from and unit["id"] not in returns
                and not any(counts[k].get(unit["id"]) for k in KEYS))


def _filed(unit_id: str, ret: dict[str, Any] | None) -> Filed:
    if ret is None:
        return Filed("none")
    approved = None
    if ret["status"] == "approved" and ret["figures"]:
        frozen = form_from_json(json.loads(ret["figures"]))
        approved = next((r.values for r in frozen.rows if r.unit_id == unit_id), None)
    return Filed(ret["status"], ret["id"], approved)


def figures_for_return(db: sqlite_utils.Database, record: dict[str, Any]) -> dict[str, Any]:
    """The engine's hook: the form of a return's unit and period, computed by the approver's writer.

    The whole county is visible here (the approver already had the return in scope; the rows
    are the return unit's own subtree either way).
    """
    system = Scope(Actor("", "admin", ""), None)
    form = compute_stats(db, system, record["unit_id"], record["period_from"], record["period_to"])
    if form is None:  # the unit was deleted: freeze an empty form rather than block the approval
        return {"unit_id": record["unit_id"], "unit_name": "", "date_from": record["period_from"],
                "date_to": record["period_to"], "computed_at": utc_now(), "measures": list(KEYS), "rows": [],
                "total": {"unit_id": None, "name": TOTAL_NAME, "values": [0] * len(KEYS), "remarks": ""}}
    return form_to_json(form)
