"""A unit's figures for a period — what the WeChat brief and the year-end summary state.

Counts only (no child's name or code ever leaves this module): the statistics form's 合计
(``stats.compute_stats``, the Kaizhou columns), pairings (active at the end of the period, new,
closed by outcome), activities by kind and 代录, risk flags raised and handled, inspections,
and the same per direct sub-unit (the towns of a county, the stations of a town).
Live records in scope only (``filters.live``); dates are the records' own local dates.
"""
from __future__ import annotations

import datetime
import json
from typing import Any

import sqlite_utils

from sync import Scope
from sync.db import placeholders
from sync.labels import ACTIVITY_KINDS, OUTCOMES
from sync.timeutil import local_today

from .coverage import HALF_NAMES, Period, unit_coverage
from .filters import DEAD_PAIRINGS, running
from .measures import KEYS
from .stats import compute_stats

NO_OUTCOME = ""  # ``pairings_closed``' key for pairings ended without an outcome (结果未填)
from .units import unit_tree

# The period's live activities of the units by day, unit and kind (their 代录 among them) are the
# counts the write path keeps (sync/counts.py), less those of the dead pairings (deleted, or of a
# deleted child: few in any county), as the statistics form takes them off (stats.DEAD_SQL). The
# counts are by the activity's own unit, which the write path keeps equal to its child's: the
# walk by child that read them before counted the same rows. It walked a county's past year, 200,000
# visits, pairing by pairing and read each row: 1.04-1.22 s over 10^6 activities (docs/performance.md).
COUNTED_SQL = ("SELECT substr(date, 1, 7), unit_id, kind, sum(n), sum(entered) FROM activity_counts"
               " WHERE date BETWEEN ? AND ? AND unit_id IN ({units}) GROUP BY 1, 2, 3")
DEAD_SQL = ("SELECT substr(a.date, 1, 7), a.unit_id, a.kind, count(*), count(a.entered_by) FROM activities a"
            f" WHERE a.pairing_id IN ({DEAD_PAIRINGS}) AND a.date BETWEEN ? AND ? AND a.deleted = 0"
            " AND a.unit_id IN ({units}) GROUP BY 1, 2, 3")
# The risk flags raised in the period, and those handled: the flagged rows alone, by date
# (idx_activities_risk_date), each tested as live as the counts are.
FLAGS_SQL = ("SELECT count(*), total(coalesce(trim(a.risk_action), '') != '') FROM activities a"
             " WHERE a.risk_flag = 1 AND a.date BETWEEN ? AND ? AND a.deleted = 0 AND a.unit_id IN ({units})"
             f" AND a.pairing_id NOT IN ({DEAD_PAIRINGS})")


def _activity_figures(db: sqlite_utils.Database, ids: list[str], date_from: str, date_to: str
                      ) -> dict[tuple[str, str, str], tuple[int, int]]:
    """(month, unit, kind) → (live activities, 代录 among them) of the units ``ids`` in the period."""
    units = placeholders(ids)
    params = [date_from, date_to, *ids]
    out = {(month, unit, kind): (n, entered) for month, unit, kind, n, entered
           in db.execute(COUNTED_SQL.format(units=units), params).fetchall()}
    for month, unit, kind, n, entered in db.execute(DEAD_SQL.format(units=units), params).fetchall():
        n0, e0 = out.get((month, unit, kind), (0, 0))
        out[(month, unit, kind)] = (n0 - n, e0 - entered)
    return {key: value for key, value in out.items() if value[0]}


# The registers the statistics form has no column for (Kaizhou 四 teacher training, Rudong 一.2(4)
# micro-lessons): held, people (teachers trained; viewers) and, for a micro-lesson, parents forwarded to.
REGISTERS_SQL = ("SELECT kind, count(*), total(participants), total(forwarded) FROM events"
                 " WHERE deleted = 0 AND kind IN ('teacher_training', 'micro_lesson') AND date BETWEEN ? AND ?"
                 " AND unit_id IN ({units}) GROUP BY 1")


# 爱心捐助 (Rudong notice 三: 捐物捐款) on the gift's own date, under the unit the child is in (as
# ``queries.donations.donation_totals`` counts them): children helped (each once), money in 分, goods in 件.
DONATIONS_SQL = ("SELECT count(DISTINCT mentee_id), total(amount_fen), total(items) FROM donations"
                 " WHERE deleted = 0 AND date BETWEEN ? AND ? AND unit_id IN ({units})")


def _registers(db: sqlite_utils.Database, ids: list[str], date_from: str, date_to: str) -> dict[str, int]:
    out = dict.fromkeys(("trainings", "trained", "micro_lessons", "viewers", "forwarded"), 0)
    for kind, held, people, forwarded in db.execute(REGISTERS_SQL.format(units=placeholders(ids)),
                                                    [date_from, date_to, *ids]).fetchall():
        if kind == "teacher_training":
            out["trainings"], out["trained"] = int(held), int(people)
        else:
            out["micro_lessons"], out["viewers"], out["forwarded"] = int(held), int(people), int(forwarded)
    helped, fen, items = db.execute(DONATIONS_SQL.format(units=placeholders(ids)),
                                    [date_from, date_to, *ids]).fetchone()
    out |= {"helped_children": int(helped), "donated_fen": int(fen), "donated_items": int(items)}
    return out


def _children(tree: list[dict[str, Any]], unit_id: str) -> dict[str, str]:
    """Each unit of the subtree → the direct child of ``unit_id`` it lies under (itself for them)."""
    top: dict[str, str] = {}
    for u in tree:  # parents come first
        if u["parent_id"] == unit_id:
            top[u["id"]] = u["id"]
        elif u["parent_id"] in top:
            top[u["id"]] = top[u["parent_id"]]
    return top


def period_figures(db: sqlite_utils.Database, scope: Scope, unit_id: str, date_from: str, date_to: str, *,
                   today: datetime.date | None = None) -> dict[str, Any] | None:
    """Every count the brief and the summary state for ``unit_id`` and the period; None when the
    unit is not a live unit in ``scope``. Pairings are counted as they stand at the period's end, or
    ``today`` (default: the local date) for a period not over yet: a pairing registered to begin
    later is not running now, as the dashboard counts it."""
    form = compute_stats(db, scope, unit_id, date_from, date_to)
    if form is None:
        return None
    tree = unit_tree(db, scope, root=unit_id)
    ids = [u["id"] for u in tree]
    units = f"IN ({placeholders(ids)})"
    names = {u["id"]: u["name"] for u in tree}
    top = _children(tree, unit_id)
    period = [date_from, date_to]

    months: dict[str, int] = {}
    kinds = dict.fromkeys(ACTIVITY_KINDS, 0)
    by_child: dict[str, dict[str, int]] = {c: {"activities": 0, "talks": 0} for c in top.values()}
    proxy = 0
    for (month, unit, kind), (n, entered) in _activity_figures(db, ids, date_from, date_to).items():
        months[month] = months.get(month, 0) + n
        kinds[kind] = kinds.get(kind, 0) + n
        proxy += entered
        child = top.get(unit)
        if child is not None:
            by_child[child]["activities"] += n
            if kind in ("home_visit", "talk"):
                by_child[child]["talks"] += n
    flags, handled = db.execute(FLAGS_SQL.format(units=placeholders(ids)), [*period, *ids]).fetchone()
    live_pairings = (f"pairings p JOIN mentees m ON m.id = p.mentee_id WHERE p.deleted = 0 AND m.deleted = 0"
                     f" AND p.unit_id {units}")
    as_of = min(date_to, (today or local_today()).isoformat())
    active, started = db.execute(
        f"SELECT total({running('p', datetime.date.fromisoformat(as_of))}),"
        f" total(p.start_date BETWEEN ? AND ?) FROM {live_pairings}",
        [date_from, as_of, *ids]).fetchone()
    # Every pairing ended in the period counts, its outcome given or not (NO_OUTCOME): a raw API write
    # can close one without it, and skipping it made 结束结对 N 对 fewer than the pairings that ended.
    outcomes = {**dict.fromkeys(OUTCOMES, 0), NO_OUTCOME: 0}
    for outcome, n in db.execute(
        f"SELECT p.outcome, count(*) FROM {live_pairings} AND p.status = 'closed' AND p.end_date BETWEEN ? AND ?"
        " GROUP BY 1", [*ids, *period]).fetchall():
        outcomes[outcome if outcome in OUTCOMES else NO_OUTCOME] += n
    key_mentees = db.execute(
        f"SELECT count(*) FROM mentees WHERE deleted = 0 AND status = 'active' AND risk_level = 'key'"
        f" AND unit_id {units}", ids).fetchone()[0]
    inspections = [dict(zip(("score", "failed", "fixed"), r, strict=True)) for r in db.execute(
        f"SELECT score, failed, fixed FROM inspections WHERE deleted = 0 AND unit_id {units}"
        " AND date BETWEEN ? AND ?", [*ids, *period]).fetchall()]
    scores = [i["score"] for i in inspections if i["score"] is not None]
    open_fixes = sum(1 for i in inspections if set(json.loads(i["failed"])) - set(json.loads(i["fixed"])))
    return {
        "unit_id": unit_id, "unit_name": form.unit_name, "unit_kind": form.unit_kind,
        "date_from": date_from, "date_to": date_to,
        "stats": dict(zip(KEYS, form.total.values, strict=True)),
        "rows": len(form.rows),
        "activities": sum(kinds.values()), "activity_kinds": kinds, "activity_months": months, "proxy": proxy,
        "risk_flags": flags, "risk_handled": int(handled),
        "pairings_active": int(active), "pairings_new": int(started), "pairings_closed": outcomes,
        "key_mentees": key_mentees,
        "inspections": len(inspections), "inspection_score": round(sum(scores) / len(scores), 1) if scores else None,
        "rectifications_open": open_fixes,
        "children": [{"unit_id": c, "name": names[c], **by_child[c]} for c in by_child],
        "registers": _registers(db, ids, date_from, date_to),
    }


def coverage_summary(db: sqlite_utils.Database, scope: Scope, unit_id: str, year: int) -> dict[str, Any] | None:
    """Lecture coverage of the unit for ``year``, for each half (上半年 第1–3讲, 下半年 第4–5讲): its own row
    of ``queries.coverage.unit_coverage`` (the lectures of its whole subtree, a town's or the county's
    own included, over its enrolment — the figure ``/coverage`` shows for that unit, year and half),
    each lecture in percent rounded down (None while an enrolment figure is missing), and how many
    stations/schools are below 100% in that half. None when no unit in the subtree has an enrolment
    figure for the year: nothing to report."""
    halves = []
    for half, name in HALF_NAMES.items():
        found = unit_coverage(db, scope, unit_id, Period(year, half))
        if found is None:
            return None
        total, towns, schools = found
        if all(c.students_enrolled is None for c in (total, *towns, *schools)):
            return None
        halves.append({
            "half": half, "name": name, "lectures": [f.figures() for f in total.lectures],
            "below": sum(1 for c in schools if c.below_target), "units": len(schools),
        })
    return {"halves": halves}
