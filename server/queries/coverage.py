"""Lecture coverage (宣讲覆盖率) of the Rudong notice, by half-year: the first half's lectures 第1–3讲
for every student (上半年宣讲内容覆盖率达到100%), the second half's 第4讲《学会交往 和谐相处》 for every
student and 第5讲《家长如何培养孩子良好的心理素质》 for every parent; the target is 100% for each.

For a unit and a ``Period`` (a year and its half):

- reached, per lecture of the half = the ``participants`` of live ``lecture`` events with that
  ``lecture_no`` (audience that lecture's — parents for 第5讲, students for the others — or not
  given) held in the period's year. The lecture's number says which half it belongs to, not its
  date: the notice has stations make up the first half's lectures in the summer holiday
  (暑假…补课…确保上半年宣讲内容覆盖率达到100%), and a 第4讲 held early has reached its pupils all the
  same; the dashboard (the half its day is in) and the year-end summary (both halves) read these
  figures, never their own;
- enrolled = the ``enrolment`` figures (students, parents) of that year (the latest record
  when a unit has several);
- a station/school counts its own events and enrolment; a town counts the events of its whole
  subtree, itself included (a town-wide lecture reaches the town's students), and its own
  enrolment figure if it has one, else the sum of its stations'/schools' — unknown while any
  of them has none;
- the county (any unit above the towns) follows the same rule: the events of its whole subtree,
  and its own enrolment figure if it has one, else the sum of its parts' (a town with a figure of
  its own, else that town's stations/schools) — the town rows added up, plus its own lectures;
- coverage = reached ÷ enrolled; no enrolment figure → unknown (shown as "未填在校人数");
  as a percentage it is rounded *down* to one decimal (``percent``). An enrolment of 0 (a station
  without pupils or parents of its own) leaves nobody to reach: that side is met (shown as
  "无需覆盖"), never unknown and never below target, though it has no percentage.

A unit is below target (偏低) when any lecture of the half is. Lists put units below 100% first
(unknown ones before all), lowest coverage first.
``coverage_by_town(db, scope, period)`` is the dashboard's view (the half today is in, ``half_of``):
one row per town in scope; ``unit_coverage(db, scope, unit_id, period)`` adds the unit's own total
(the year-end summary's figure, for each half).
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from sync import Scope
from sync.labels import ROW_KINDS

from .filters import visible
from .units import get_unit, unit_tree

STUDENT_LECTURE, PARENT_LECTURE = 4, 5
# Each lecture's audience: the series speaks to students but for 第5讲, the parents' lecture.
LECTURE_AUDIENCES = {1: "students", 2: "students", 3: "students", STUDENT_LECTURE: "students",
                     PARENT_LECTURE: "parents"}
AUDIENCE_WORDS = {"students": "学生", "parents": "家长"}
HALF_LECTURES = {1: (1, 2, 3), 2: (STUDENT_LECTURE, PARENT_LECTURE)}
HALF_NAMES = {1: "上半年", 2: "下半年"}
HALF_SPANS = {half: f"第{nos[0]}–{nos[-1]}讲" for half, nos in HALF_LECTURES.items()}  # 第1–3讲, 第4–5讲


def half_of(day: datetime.date) -> int:
    """The half ``day`` is in: 1 上半年 (January–June), 2 下半年 (July–December)."""
    return 1 if day.month <= 6 else 2


@dataclass(frozen=True)
class Period:
    """A year and its half: 1 上半年 (第1–3讲), 2 下半年 (第4讲 and 第5讲)."""
    year: int
    half: int = 2

    @property
    def lectures(self) -> tuple[int, ...]:
        return HALF_LECTURES[self.half]

    @property
    def first_day(self) -> str:
        return f"{self.year}-01-01"

    @property
    def last_day(self) -> str:
        return f"{self.year}-12-31"


def counted(alias: str) -> str:
    """SQL: the event ``alias`` is a lecture counted toward the coverage of its number, its audience
    that number's or not given. The events list filters by it too, so the lectures a coverage row
    opens add up to the figure it shows."""
    cases = " ".join(f"WHEN {no} THEN '{audience}'" for no, audience in LECTURE_AUDIENCES.items())
    return (f"{alias}.kind = 'lecture' AND ({alias}.audience IS NULL OR {alias}.audience = CASE {alias}.lecture_no"
            f" {cases} END)")


def audience_off(kind: str, lecture_no: object, audience: object) -> str | None:
    """The audience a lecture of ``lecture_no`` is for, when ``audience`` names the other one (a
    第5讲 typed for 学生): ``counted`` then leaves it out. None otherwise."""
    wanted = LECTURE_AUDIENCES.get(lecture_no) if isinstance(lecture_no, int) else None
    return wanted if kind == "lecture" and wanted and audience and audience != wanted else None


def counts_for_coverage(kind: str, lecture_no: object, audience: object) -> bool:
    """``counted`` for one event's fields, with a number of the series."""
    return (kind == "lecture" and isinstance(lecture_no, int) and lecture_no in LECTURE_AUDIENCES
            and audience_off(kind, lecture_no, audience) is None)


def percent(reached: int, enrolled: int | None) -> float | None:
    """reached ÷ enrolled in percent, rounded down to one decimal: rounding to nearest would print
    996 of 1000 as "100%" beside a "未达 100%" badge. Integer arithmetic, so 100.0 means reached."""
    return 1000 * reached // enrolled / 10 if enrolled else None


def _ratio(reached: int, enrolled: int | None) -> float | None:
    """reached ÷ enrolled; None while the figure is unknown. Nobody enrolled is nobody left to
    reach: met (1), where a falsy test once read a filed 0 as "未填在校人数" and below 100%."""
    if enrolled is None:
        return None
    return reached / enrolled if enrolled else 1.0


@dataclass(frozen=True)
class Lecture:
    """One lecture's figure in a unit's row: people reached of those it is for."""
    no: int
    audience: str
    reached: int
    enrolled: int | None
    made_up: int = 0  # of ``reached``, the people of lectures marked 补课 (made up in the summer)

    @property
    def ratio(self) -> float | None:
        return _ratio(self.reached, self.enrolled)

    @property
    def percent(self) -> float | None:
        return percent(self.reached, self.enrolled)

    def figures(self) -> dict[str, Any]:
        """The figure as the dashboard and the year-end summary hand it to their templates."""
        return {"no": self.no, "audience": self.audience, "reached": self.reached, "enrolled": self.enrolled,
                "percent": self.percent}


@dataclass(frozen=True)
class Coverage:
    unit_id: str
    name: str
    kind: str
    town: str  # the town a station/school belongs to ("" for a town)
    students_enrolled: int | None
    parents_enrolled: int | None
    reached: tuple[tuple[int, int], ...]  # (lecture_no, people) for each lecture of the period
    made_up: tuple[tuple[int, int], ...] = ()  # (lecture_no, people reached by 补课), of those in ``reached``

    @property
    def lectures(self) -> list[Lecture]:
        made_up = dict(self.made_up)
        return [Lecture(no, LECTURE_AUDIENCES[no], people,
                        self.parents_enrolled if LECTURE_AUDIENCES[no] == "parents" else self.students_enrolled,
                        made_up.get(no, 0))
                for no, people in self.reached]

    @property
    def lowest(self) -> float | None:
        """The lowest ratio of the period's lectures; None when any is unknown."""
        ratios = [c.ratio for c in self.lectures]
        return None if None in ratios else min(r for r in ratios if r is not None)

    @property
    def below_target(self) -> bool:
        return self.lowest is None or self.lowest < 1


def _sort_key(c: Coverage) -> tuple[int, float, str]:
    return (0 if c.below_target else 1, -1.0 if c.lowest is None else c.lowest, c.name)


Reached = dict[str, dict[int, tuple[int, int]]]  # unit -> lecture_no -> (people, of them by 补课)
Enrolled = dict[str, tuple[int, int]]  # unit -> (students, parents)


def _figures(db: sqlite_utils.Database, scope: Scope, period: Period) -> tuple[Reached, Enrolled]:
    """Per unit: reached per lecture of the period (and by 补课 among them); enrolled (students,
    parents) in its year."""
    sql, params = visible(scope, "event", "r")
    lectures = period.lectures
    reached: Reached = {}
    for unit_id, lecture_no, people, made_up in db.execute(
        f"SELECT r.unit_id, r.lecture_no, total(r.participants), total(r.participants * (r.make_up != 0))"
        f" FROM events r WHERE {sql} AND {counted('r')}"
        f" AND r.lecture_no IN ({', '.join('?' * len(lectures))}) AND r.date BETWEEN ? AND ? GROUP BY 1, 2",
        [*params, *lectures, period.first_day, period.last_day],
    ).fetchall():
        reached.setdefault(unit_id, {})[int(lecture_no)] = (int(people), int(made_up))
    sql, params = visible(scope, "enrolment", "r")
    enrolled = {row[0]: (int(row[1]), int(row[2])) for row in db.execute(
        f"SELECT r.unit_id, r.students, r.parents FROM enrolments r WHERE {sql} AND r.year = ?"
        " ORDER BY r.updated_at, r.id", [*params, period.year]).fetchall()}  # the latest per unit wins
    return reached, enrolled


def _roll_up(unit: dict[str, Any], members: list[dict[str, Any]], parts: list[str], town: str, reached: Reached,
             enrolled: Enrolled, lectures: tuple[int, ...]) -> Coverage:
    """``members``: the unit's subtree (itself first); ``parts``: the units whose figures make up its
    enrolment. Its enrolment is its own figure if it has one, else the sum of its parts' — unknown if
    any of them has none (a partial sum would show a town as covered when it is not)."""
    if unit["id"] in enrolled:
        total: tuple[int, int] | None = enrolled[unit["id"]]
    else:
        known = [enrolled[p] for p in parts if p in enrolled]
        total = (sum(e[0] for e in known), sum(e[1] for e in known)) if parts and len(known) == len(parts) else None
    ids = [m["id"] for m in members]
    return Coverage(
        unit["id"], unit["name"], unit["kind"], town, total[0] if total else None, total[1] if total else None,
        tuple((no, sum(reached.get(m, {}).get(no, (0, 0))[0] for m in ids)) for no in lectures),
        tuple((no, sum(reached.get(m, {}).get(no, (0, 0))[1] for m in ids)) for no in lectures),
    )


def unit_coverage(db: sqlite_utils.Database, scope: Scope, unit_id: str,
                  period: Period) -> tuple[Coverage, list[Coverage], list[Coverage]] | None:
    """(the unit itself, towns, stations/schools) under ``unit_id`` for ``period``; the lists
    below-target first. The unit's own row is what a report states as its coverage: the same rule
    as the town rows, so every page gives one figure for one unit and period.

    None when the unit is not a live unit in ``scope``.
    """
    if get_unit(db, scope, unit_id) is None:
        return None
    tree = unit_tree(db, scope, root=unit_id)
    reached, enrolled = _figures(db, scope, period)
    by_id = {u["id"]: u for u in tree}
    children: dict[str, list[str]] = {}
    for u in tree:
        if u["parent_id"] in by_id and u["id"] != unit_id:
            children.setdefault(u["parent_id"], []).append(u["id"])

    def subtree(uid: str) -> list[dict[str, Any]]:
        out, stack = [], [uid]
        while stack:
            cur = stack.pop()
            out.append(by_id[cur])
            stack.extend(children.get(cur, []))
        return out

    def parts(uid: str) -> list[str]:
        # The highest units below ``uid`` that carry an enrolment figure of their own or are
        # stations/schools: a town's stations and schools; a county's towns where they have a
        # figure, else those towns' stations and schools (a town with neither adds nothing).
        if by_id[uid]["kind"] in ROW_KINDS:
            return []
        out: list[str] = []
        for child in children.get(uid, []):
            out.extend([child] if child in enrolled or by_id[child]["kind"] in ROW_KINDS else parts(child))
        return out

    def town_of(u: dict[str, Any]) -> str:
        cur: dict[str, Any] | None = u
        while cur is not None and cur["kind"] != "town":
            cur = by_id.get(cur["parent_id"])
        return cur["name"] if cur is not None else ""

    def roll_up(u: dict[str, Any]) -> Coverage:
        town = "" if u["kind"] == "town" else town_of(u)
        if u["kind"] in ROW_KINDS:
            return _roll_up(u, [u], [], town, reached, enrolled, period.lectures)
        return _roll_up(u, subtree(u["id"]), parts(u["id"]), town, reached, enrolled, period.lectures)

    towns = [roll_up(u) for u in tree if u["kind"] == "town"]
    schools = [roll_up(u) for u in tree if u["kind"] in ROW_KINDS]
    return roll_up(by_id[unit_id]), sorted(towns, key=_sort_key), sorted(schools, key=_sort_key)


def coverage(db: sqlite_utils.Database, scope: Scope, unit_id: str,
             period: Period) -> tuple[list[Coverage], list[Coverage]] | None:
    """(towns, stations/schools) under ``unit_id`` for ``period``, each list below-target first.

    None when the unit is not a live unit in ``scope``.
    """
    found = unit_coverage(db, scope, unit_id, period)
    return None if found is None else (found[1], found[2])


def coverage_by_town(db: sqlite_utils.Database, scope: Scope, period: Period) -> list[Coverage]:
    """One row per live town in ``scope`` (for the dashboard), below-target first."""
    towns: list[Coverage] = []
    tops = [u for u in unit_tree(db, scope) if u["depth"] == 0]
    for top in tops:
        found = coverage(db, scope, top["id"], period)
        if found is not None:
            towns.extend(found[0])
    return sorted(towns, key=_sort_key)
