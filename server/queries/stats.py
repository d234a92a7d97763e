"""The statistics form of the Kaizhou notice (心理健康教育宣传月情况统计表), computed from the records.

Each column is one ``Measure``: which records it counts (entity + condition) and what one
record adds. The count behind a number and the list a click on it shows are built from the
same ``Measure.where`` — so they cannot drift apart. docs/design.md §2.1 is the rule book:

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
``measure_records(db, scope, unit_id, measure_key, date_from, date_to) -> list[dict] | None``
    The records behind one number: events, activities or mentees (mentees carry the
    screenings/pairings that qualify them under ``evidence``). ``unit_id`` is a row's unit, or
    the chosen unit for its 合计; ``len()`` (events: the sum of their weights) is the number.
``drill_down(...)`` (same arguments) ``-> DrillDown | None``: those records with the page's
    heading (unit name, whether it is its form's only row), reading the unit tree once.
``form_to_json`` / ``form_from_json``, ``compare_forms``: the frozen copy of an approved
    return and what changed since; ``figures_for_return`` is the hook the sync engine calls
    when a return is approved (``sync.returns.install_figures``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from sync import Scope
from sync.db import placeholders
from sync.labels import ROW_KINDS
from sync.scope import Actor
from sync.timeutil import utc_now

from .coverage import PARENT_LECTURE
from .filters import DEAD_PAIRINGS, in_scope, live
from .units import get_unit, unit_tree

TOTAL_NAME = "合计"


@dataclass(frozen=True)
class Evidence:
    """Records that qualify a mentee for a person-count column (screenings, closed pairings)."""

    entity: str
    table: str
    condition: str  # on alias ``s``
    date_column: str

    def exists(self) -> str:
        # The mentee ``r`` is live already, and so is its unit; the evidence itself must be too.
        # An uncorrelated IN: SQLite builds the set of qualifying mentees once (one pass over the
        # table) instead of probing it once per mentee.
        return (f"r.id IN (SELECT s.mentee_id FROM {self.table} s WHERE {self.condition}"
                f" AND s.{self.date_column} BETWEEN ? AND ? AND s.deleted = 0)")


@dataclass(frozen=True)
class Base:
    """What a measure of one entity runs over: FROM (the record is ``r``), the row's unit, and
    "live" (``filters.live`` spelled out for these joins: the row units are live units in scope,
    so what remains is the record's own ``deleted`` and its parents')."""

    source: str
    unit: str
    live: str
    scope_entity: str
    scope_alias: str


BASES: dict[str, Base] = {
    "event": Base("events r", "r.unit_id", "r.deleted = 0", "event", "r"),
    # Through the pairing, whose mentee the activity's is (both immutable): one index range per
    # pairing (idx_activities_pairing_date covers it) instead of a lookup per activity.
    "activity": Base("mentees m JOIN pairings p ON p.mentee_id = m.id JOIN activities r ON r.pairing_id = p.id",
                     "m.unit_id", "m.deleted = 0 AND p.deleted = 0 AND r.deleted = 0", "mentee", "m"),
    "mentee": Base("mentees r", "r.unit_id", "r.deleted = 0", "mentee", "r"),
}


@dataclass(frozen=True)
class Measure:
    """One column: ``entity`` records meeting ``condition`` (or, for mentees, any ``evidence``)
    in the period, each adding ``weight``."""

    key: str
    label: str
    entity: str
    condition: str = ""
    weight: str = "1"
    evidence: tuple[Evidence, ...] = ()
    # What the notice's heading leaves unsaid about what the line counts: shown beside it on every
    # page (the exported form keeps the notice's own heading).
    note: str = ""
    # Activities of these kinds, one each: the number is read from activity_counts (``_counted``);
    # ``condition`` is ``kinds_in`` of the same kinds, for the drill-down and a volunteer's form.
    counted_kinds: tuple[str, ...] = ()

    def where(self, date_from: str, date_to: str) -> tuple[str, list[Any]]:
        """SQL on ``r`` (and ``m``) selecting exactly the records this measure counts."""
        if self.evidence:
            sql = " OR ".join(e.exists() for e in self.evidence)
            return f"({sql})", [d for _ in self.evidence for d in (date_from, date_to)]
        return f"{self.condition} AND r.date BETWEEN ? AND ?", [date_from, date_to]


def kinds_in(kinds: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{k}'" for k in kinds)
    return f"r.kind IN ({quoted})"


# The Kaizhou notice asks for 一对一、面对面的谈心谈话 to learn how a pupil is (五(三)二): a volunteer's
# 上门家访 is that talk, held in the child's home (the Rudong notice's 力争上门服务, 一.4), so it counts
# here, once, as a 面对面谈心 does; a call or a group activity is neither one-to-one nor face to face.
TALK_KINDS = ("home_visit", "talk")
TALK_NOTE = "含上门家访"
# A lecture left without an audience is for the audience of its place in the series: 第5讲 is the
# parents' lecture (家长学校), as lecture coverage counts it (coverage.py), so one event never counts
# as students here and as parents there. ``IS``, never NULL: ``NOT`` below must see a plain false.
PARENTS_LECTURE = (f"(r.kind = 'lecture' AND (r.audience IS 'parents'"
                   f" OR (r.audience IS NULL AND r.lecture_no IS {PARENT_LECTURE})))")
STUDENT_EVENTS = ("r.kind IN ('lecture', 'themed', 'class_meeting')"
                  f" AND (r.audience = 'students' OR r.audience IS NULL) AND NOT {PARENTS_LECTURE}")
PARENT_EVENTS = f"(r.kind = 'parent_meeting' OR {PARENTS_LECTURE})"
PSYCH_PROBLEM = Evidence("screening", "screenings", "s.psych_problem = 1", "date")
HELPED_SCREENING = Evidence("screening", "screenings", "s.intervention_success = 1", "date")
IMPROVED_PAIRING = Evidence("pairing", "pairings", "s.status = 'closed' AND s.outcome = 'improved'", "end_date")

MEASURES: tuple[Measure, ...] = (
    Measure("lectures", "开展专题宣传教育（场次）", "event", STUDENT_EVENTS),
    Measure("lecture_people", "参与宣传教育人员（人次）", "event", STUDENT_EVENTS, "r.participants"),
    Measure("parent_meetings", "组织开展专题家长会（场次）", "event", PARENT_EVENTS),
    Measure("parent_people", "参与专题家长会（人次）", "event", PARENT_EVENTS, "r.participants"),
    Measure("talks", "开展面对面谈心（场次）", "activity", kinds_in(TALK_KINDS), counted_kinds=TALK_KINDS,
            note=TALK_NOTE),
    Measure("brochures", "发放宣传手册（册）", "event", "r.kind = 'brochure'", "r.copies"),
    Measure("screened", "排查心理存在问题学生（人）", "mentee", evidence=(PSYCH_PROBLEM,)),
    Measure("helped", "成功干预、疏导学生（人）", "mentee", evidence=(HELPED_SCREENING, IMPROVED_PAIRING)),
)
MEASURE_BY_KEY = {m.key: m for m in MEASURES}
KEYS = tuple(m.key for m in MEASURES)
UNIT_HEADER, REMARKS_HEADER = "学校", "备注"
HEADERS = (UNIT_HEADER, *(m.label for m in MEASURES), REMARKS_HEADER)


@dataclass(frozen=True)
class Difference:
    row: str
    column: str
    frozen: int | None  # None: the row did not exist when frozen
    current: int | None  # None: the row no longer exists
    key: str = ""  # the measure's


@dataclass(frozen=True)
class Filed:
    """What a row's unit filed for exactly the form's period, as the unit above gathers it (Kaizhou
    六: each school sends its form, the town 收集汇总): the status of its return (``none``: it filed
    nothing) and, once approved, that row's figures as the approval froze them."""

    status: str
    return_id: str | None = None
    approved: tuple[int, ...] | None = None


@dataclass(frozen=True)
class StatsRow:
    unit_id: str | None  # None for 合计
    name: str
    values: tuple[int, ...]
    remarks: str = ""
    # On a form of a town or the county only (its rows are units that file to it); None elsewhere
    # and in figures frozen before the rows carried it.
    filed: Filed | None = None

    def value(self, key: str) -> int:
        return self.values[KEYS.index(key)]

    def unlike_filed(self) -> list[Difference]:
        """The cells where this row differs from the figures its unit's approved return froze: the
        town's 汇总 counts the records as they are, and a visit synced after the school's approval
        must never make the sum differ silently from the signed part."""
        if self.filed is None or self.filed.approved is None:
            return []
        return compare_rows(self.name, self.filed.approved, self.values)


@dataclass(frozen=True)
class StatsForm:
    unit_id: str
    unit_name: str
    unit_kind: str
    date_from: str
    date_to: str
    rows: tuple[StatsRow, ...]
    total: StatsRow
    # The chosen unit's own return for exactly this period (id, status, remarks, filled_by, phone).
    own_return: dict[str, Any] | None = None
    computed_at: str = field(default_factory=utc_now)

    def unlike_filed(self) -> list[StatsRow]:
        """The rows whose figures differ from their unit's approved return."""
        return [r for r in self.rows if r.unlike_filed()]


def _records_sql(measure: Measure, scope: Scope, date_from: str, date_to: str,
                 units: list[str]) -> tuple[str, str, list[Any]]:
    """(FROM, WHERE, params) of the records ``measure`` counts in the rows ``units``."""
    base = BASES[measure.entity]
    cond, params = measure.where(date_from, date_to)
    scope_sql, scope_params = in_scope(scope, base.scope_entity, base.scope_alias)
    marks = placeholders(units)
    where = f"{base.unit} IN ({marks}) AND {cond} AND ({scope_sql}) AND {base.live}"
    return base.source, where, [*units, *params, *scope_params]


def _rows(db: sqlite_utils.Database, scope: Scope, unit_id: str) -> list[dict[str, Any]]:
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
    rows = _rows(db, scope, unit_id)
    ids = [r["id"] for r in rows]
    counts: dict[str, dict[str, int]] = {k: {} for k in KEYS}
    if ids:
        for measure in MEASURES:
            if measure.counted_kinds and not scope.is_mentor:
                counts[measure.key] = _counted(db, measure.counted_kinds, ids, date_from, date_to)
                continue
            base, where, params = _records_sql(measure, scope, date_from, date_to, ids)
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
        for r in rows
    )
    own = returns.get(unit_id)
    # A town's or the county's own 备注 goes on its 合计 line; a station's is on its one row.
    total_remarks = "" if unit["kind"] in ROW_KINDS else ((own or {}).get("remarks") or "")
    total = StatsRow(None, TOTAL_NAME, tuple(sum(row.values[i] for row in out) for i in range(len(KEYS))),
                     total_remarks)
    return StatsForm(unit_id, unit["name"], unit["kind"], date_from, date_to, out, total, own)


def _filed(unit_id: str, ret: dict[str, Any] | None) -> Filed:
    if ret is None:
        return Filed("none")
    approved = None
    if ret["status"] == "approved" and ret["figures"]:
        frozen = form_from_json(json.loads(ret["figures"]))
        approved = next((r.values for r in frozen.rows if r.unit_id == unit_id), None)
    return Filed(ret["status"], ret["id"], approved)


# --- what a click on a number lists --------------------------------------------------------

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
    rows = _rows(db, scope, unit_id)
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
    base, where, params = _records_sql(measure, scope, date_from, date_to, ids)
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


# --- the frozen copy of an approved return -----------------------------------------------

def form_to_json(form: StatsForm) -> dict[str, Any]:
    def row(r: StatsRow) -> dict[str, Any]:
        out: dict[str, Any] = {"unit_id": r.unit_id, "name": r.name, "values": list(r.values), "remarks": r.remarks}
        if r.filed is not None:  # frozen as the approver saw it: the school's status and signed figures
            out["filed"] = {"status": r.filed.status, "return_id": r.filed.return_id,
                            "approved": list(r.filed.approved) if r.filed.approved is not None else None}
        return out

    return {"unit_id": form.unit_id, "unit_name": form.unit_name, "unit_kind": form.unit_kind,
            "date_from": form.date_from, "date_to": form.date_to, "computed_at": form.computed_at,
            "measures": list(KEYS), "rows": [row(r) for r in form.rows], "total": row(form.total)}


def form_from_json(data: dict[str, Any]) -> StatsForm:
    """A frozen form back; values are re-ordered to today's ``MEASURES`` (a missing one reads 0)."""
    keys = list(data.get("measures") or KEYS)

    def values(raw: list[Any]) -> tuple[int, ...]:
        by_key = dict(zip(keys, raw, strict=False))
        return tuple(int(by_key.get(k, 0)) for k in KEYS)

    def row(r: dict[str, Any]) -> StatsRow:
        filed = r.get("filed")
        return StatsRow(r.get("unit_id"), r["name"], values(r["values"]), r.get("remarks") or "",
                        Filed(filed["status"], filed.get("return_id"),
                              values(filed["approved"]) if filed.get("approved") is not None else None)
                        if filed else None)

    return StatsForm(data["unit_id"], data["unit_name"], data.get("unit_kind", ""), data["date_from"],
                     data["date_to"], tuple(row(r) for r in data["rows"]), row(data["total"]), None,
                     data.get("computed_at", ""))


def compare_forms(frozen: StatsForm, current: StatsForm) -> list[Difference]:
    """Every cell whose number differs between the frozen and the current form (合计 last)."""
    out: list[Difference] = []
    now = {r.unit_id: r for r in current.rows}
    then = {r.unit_id: r for r in frozen.rows}
    for unit_id in [*then, *(u for u in now if u not in then)]:
        a, b = then.get(unit_id), now.get(unit_id)
        name = a.name if a is not None else b.name if b is not None else ""
        out += compare_rows(name, a.values if a is not None else None, b.values if b is not None else None)
    return out + compare_rows(TOTAL_NAME, frozen.total.values, current.total.values)


def compare_rows(name: str, frozen: tuple[int, ...] | None, current: tuple[int, ...] | None) -> list[Difference]:
    """The cells of one row whose numbers differ (None: the row is missing on that side)."""
    out: list[Difference] = []
    for i, m in enumerate(MEASURES):
        x = frozen[i] if frozen is not None else None
        y = current[i] if current is not None else None
        if x != y:
            out.append(Difference(name, m.label, x, y, m.key))
    return out


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
