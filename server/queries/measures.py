"""The columns of the Kaizhou statistics form (心理健康教育宣传月情况统计表): each is one ``Measure``.

A measure says which records it counts (entity + condition) and what one record adds. The count
behind a number (``server/queries/stats.py``) and the list a click on it shows
(``server/queries/stats_records.py``) are built from the same ``Measure.where`` through
``records_sql``, so they cannot drift apart. docs/design.md §2.1 is the rule book.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sync import Scope
from sync.db import placeholders

from .coverage import PARENT_LECTURE
from .filters import in_scope


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


def records_sql(measure: Measure, scope: Scope, date_from: str, date_to: str,
                 units: list[str]) -> tuple[str, str, list[Any]]:
    """(FROM, WHERE, params) of the records ``measure`` counts in the rows ``units``."""
    base = BASES[measure.entity]
    cond, params = measure.where(date_from, date_to)
    scope_sql, scope_params = in_scope(scope, base.scope_entity, base.scope_alias)
    marks = placeholders(units)
    where = f"{base.unit} IN ({marks}) AND {cond} AND ({scope_sql}) AND {base.live}"
    return base.source, where, [*units, *params, *scope_params]
