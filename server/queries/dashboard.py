"""The county dashboard: everything ``/dashboard`` shows, read in one snapshot by ``dashboard()``.

Counts are of live records in the caller's scope (``filters``: a deleted record, or one of a
deleted mentee, pairing or unit, counts nowhere). The queries are shaped for a county of a
million activities (bench/reports_bench.py times ``dashboard``): the per-month counts read the
counts the write path keeps (``sync/counts.py``, migration ``m027_activity_counts``), and the
overdue follow-ups read the latest activity it keeps per pairing (``sync/latest.py``, migration
``m029_pairing_latest``).

Definitions (docs/pages.md repeats them for the county):

- **active pairing**: ``filters.running``: begun (``start_date`` not after today: one registered ahead
  of its first day is not yet mentored) and not ended, the rule the brief and the summary use too;
  by category, a pairing counts once under each category of its mentee (未分类 when none),
  so the category bars may add up to more than the total;
  by town, under the town its unit lies in (县直 for a unit directly under the county).
- **overdue follow-up** and **open risk flag**: the station home page's, read through its own lists
  and counts (``followups.py``: the latest activity by date then id set a ``follow_up_due`` before
  today; a flagged activity whose handling, 处理记录, is not written yet): counted in SQL, the first
  ``LIST_LIMIT`` listed, so the tiles say what ``/staff`` and ``/pairings?follow_up=overdue`` say.
  The risk flags' count adds the flagged visits a phone sent too late, refused and not filed yet
  (``refused.refused_flag_list``), listed apart above them, as ``/staff`` and ``/risk-flags`` do.
- **重点对象**: active mentees with risk level ``key`` (listed by pseudonymous code only).
- **overdue rectification**: an inspection with failed items not all fixed whose ``rectify_due``
  has passed.
- **lecture coverage by town**: ``queries.coverage.coverage_by_town`` for the half today is in: from
  January to June the first half's 第1–3讲, which the notice wants at 100% by then, not the second
  half's lectures nobody gives yet; from July 第4讲 and 第5讲.
"""
from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from sync import Scope
from sync.db import placeholders, select_in
from sync.labels import CATEGORIES

from .coverage import Period, coverage_by_town, half_of
from .filters import DEAD_PAIRINGS, live, running
from .followups import count_open_risk_flags, count_overdue_follow_ups, open_risk_flags, overdue_follow_ups
from .names import stopped_users, user_names
from .referrals import OPEN
from .refused import refused_flag_list

LIST_LIMIT = 50  # rows of each list on the page; the counts are always whole
COUNTY_DIRECT = "县直单位"
UNCATEGORISED = "未分类"


@dataclass(frozen=True)
class UnitInfo:
    """A live unit in scope and the town it lies in."""

    id: str
    name: str
    kind: str
    town_id: str | None  # the town the unit lies in (itself for a town); None for the county and 县直
    town_name: str


class Units(dict[str, UnitInfo]):
    """The live units in scope (by id), and every other unit id of the database (``outside``)."""

    outside: frozenset[str] = frozenset()


def scope_units(db: sqlite_utils.Database, scope: Scope) -> Units:
    """Live units in ``scope``, each with the town it lies in."""
    rows = db.execute("SELECT id, parent_id, name, kind, deleted FROM units").fetchall()
    parent = {r[0]: r[1] for r in rows}
    info = {r[0]: (r[2], r[3]) for r in rows}
    out = Units()
    for uid, _parent_id, name, kind, deleted in rows:
        if deleted or not scope.allows_unit(uid):
            continue
        town: str | None = uid
        seen = 0
        while town is not None and info[town][1] != "town" and seen < 20:
            town, seen = parent.get(town), seen + 1
        if town is not None and info[town][1] != "town":
            town = None
        out[uid] = UnitInfo(uid, name, kind, town, info[town][0] if town else COUNTY_DIRECT)
    out.outside = frozenset(r[0] for r in rows) - set(out)
    return out


def _in_units(units: Units, column: str, *, never_null: bool = False) -> tuple[str, list[str]]:
    """SQL: ``column`` is one of ``units`` — as the shorter of an IN and a NOT IN list, so the
    whole county (every unit in scope, none deleted) costs no per-row test at all.

    ``never_null``: the write path always sets ``column`` (an activity's unit is its pairing's),
    so the whole county needs not even the NULL test: over the 10^6 index entries of the monthly
    counts, reading each one's unit took 0.1 of their 0.3 s on a slow machine.
    """
    if not units:
        return "0", []
    if len(units.outside) < len(units):
        others = sorted(units.outside)
        if not others:
            return ("1", []) if never_null else (f"{column} IS NOT NULL", [])
        return f"{column} NOT IN ({placeholders(others)})", others
    ids = sorted(units)
    return f"{column} IN ({placeholders(ids)})", ids


def dead_pairings(db: sqlite_utils.Database) -> list[str]:
    """Pairings that are deleted or belong to a deleted mentee: their activities count nowhere."""
    return [r[0] for r in db.execute(DEAD_PAIRINGS).fetchall()]


def month_starts(today: datetime.date, months: int = 12) -> list[datetime.date]:
    """The first day of each of the last ``months`` months, oldest first, ending with today's month."""
    out = []
    year, month = today.year, today.month
    for _ in range(months):
        out.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(out))


def dashboard(db: sqlite_utils.Database, scope: Scope, *, today: datetime.date) -> dict[str, Any]:
    """Every figure and list of the dashboard for ``scope`` on ``today`` (a local date)."""
    units = scope_units(db, scope)
    by_category, by_town, total = active_pairings(db, units, today)
    return {
        "today": today.isoformat(),
        "units": len(units),
        "pairings_total": total,
        "pairings_by_category": by_category,
        "pairings_by_town": by_town,
        "activities_by_month": activities_by_month(db, units, today),
        "overdue_follow_ups": {"count": count_overdue_follow_ups(db, scope, today),
                               "items": overdue_list(db, scope, units, today)},
        "key_mentees": {"count": count_key_mentees(db, units),
                        "items": key_mentees(db, units, today, limit=LIST_LIMIT)},
        # A flag a phone sent after the pairing ended is in no table until filed: counted and listed first.
        "risk_flags": {"count": count_open_risk_flags(db, scope) + len(refused := refused_flag_list(db, scope, units)),
                       "items": risk_flag_list(db, scope, units), "refused": refused},
        "rectifications_overdue": rectifications_overdue(db, units, today),
        "referrals": count_open_referrals(db, units),
        "coverage": lecture_coverage(db, scope, Period(today.year, half_of(today))),
        "coverage_year": today.year,
        "coverage_half": half_of(today),
    }


def lecture_coverage(db: sqlite_utils.Database, scope: Scope, period: Period) -> list[dict[str, Any]]:
    """Lecture coverage by town for ``period``, one figure per lecture of its half: ``queries.coverage``,
    below-target towns first; percentages rounded down as on ``/coverage``, None where no enrolment
    figure is known."""
    return [{"unit_id": c.unit_id, "name": c.name, "below_target": c.below_target,
             "lectures": [f.figures() for f in c.lectures]}
            for c in coverage_by_town(db, scope, period)]


def active_pairings(db: sqlite_utils.Database, units: Units, today: datetime.date
                    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """(by category, by town, total) of active live pairings begun by ``today``."""
    cond, params = _in_units(units, "p.unit_id")
    rows = db.execute(
        f"""
        SELECT p.unit_id, m.categories, count(*) FROM pairings p JOIN mentees m ON m.id = p.mentee_id
        WHERE {running("p", today)} AND p.deleted = 0 AND m.deleted = 0 AND {cond}
        GROUP BY p.unit_id, m.categories
        """,
        params,
    ).fetchall()
    categories = {key: 0 for key in CATEGORIES}
    uncategorised = 0
    towns: dict[str, dict[str, Any]] = {}
    total = 0
    for unit_id, cats, n in rows:
        total += n
        keys = [c for c in json.loads(cats or "[]") if c in categories]
        for c in keys:
            categories[c] += n
        if not keys:
            uncategorised += n
        u = units[unit_id]
        town = towns.setdefault(u.town_id or "", {"town_id": u.town_id, "name": u.town_name, "count": 0})
        town["count"] += n
    by_category = [{"key": k, "label": CATEGORIES[k], "count": v} for k, v in categories.items()]
    if uncategorised:
        by_category.append({"key": None, "label": UNCATEGORISED, "count": uncategorised})
    # Every town in scope gets a bar, zeros included: a town with no pairing is news too.
    for u in units.values():
        if u.kind == "town":
            towns.setdefault(u.id, {"town_id": u.id, "name": u.name, "count": 0})
    by_town = sorted(towns.values(), key=lambda t: (t["town_id"] is None, t["name"]))
    return by_category, by_town, total


def activities_by_month(db: sqlite_utils.Database, units: Units, today: datetime.date
                        ) -> list[dict[str, Any]]:
    """Live activities per month over the last 12 months (by the activity's own date, up to today)."""
    starts = month_starts(today)
    cond, params = _in_units(units, "a.unit_id", never_null=True)  # on the counts and the activities alike
    window = [starts[0].isoformat(), (today + datetime.timedelta(days=1)).isoformat()]
    # One range sum per month over the counts the write path keeps by day, unit and kind
    # (sync/counts.py: activities not deleted themselves), in key order: no sort, and a few hundred
    # thousand rows for a county's year instead of a million index entries. The activities of dead
    # pairings (deleted, or of a deleted mentee: few) are in those counts; they are counted apart,
    # through their pairing's index range, and subtracted.
    sql = f"SELECT total(a.n) FROM activity_counts a WHERE a.date >= ? AND a.date < ? AND {cond}"
    dead: dict[str, int] = {}
    for month, n in select_in(
            db, f"SELECT substr(a.date, 1, 7), count(*) FROM activities a WHERE a.deleted = 0 AND a.date >= ?"
                f" AND a.date < ? AND {cond} AND a.pairing_id {{in}} GROUP BY 1", dead_pairings(db),
            [*window, *params])[1]:
        dead[month] = dead.get(month, 0) + n
    out = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else today + datetime.timedelta(days=1)
        (n,) = db.execute(sql, [start.isoformat(), end.isoformat(), *params]).fetchone()
        month = start.strftime("%Y-%m")
        out.append({"month": month, "label": f"{start.month}月", "year": start.year,
                    "count": int(n) - dead.get(month, 0)})
    return out


def overdue_list(db: sqlite_utils.Database, scope: Scope, units: Units, today: datetime.date
                 ) -> list[dict[str, Any]]:
    """The first ``LIST_LIMIT`` of the station home's overdue follow-ups (``followups``), longest
    overdue first, each with its unit and town."""
    return [{"pairing_id": r["pairing_id"], "unit_id": r["unit_id"], "code": r["mentee_code"],
             "mentor_name": r["mentor_name"], "mentor_active": r["mentor_active"],
             "last_date": r["date"], "due": r["follow_up_due"], "days": r["days_overdue"],
             "pairing_start": r["pairing_start"],
             "unit_name": units[r["unit_id"]].name, "town_name": units[r["unit_id"]].town_name}
            for r in overdue_follow_ups(db, scope, today, limit=LIST_LIMIT)]


def key_mentees(db: sqlite_utils.Database, units: Units, today: datetime.date, *,
                limit: int = -1) -> list[dict[str, Any]]:
    """Active mentees of risk level 重点, by town, unit and code (the first ``limit``; all by default);
    with their pairing running on ``today`` if any (one that begins next week does not make the child
    已结对 yet) and whether their 一人一策 is written: the Rudong notice (二.1) asks both of every
    重点对象, and the county reads codes only, so it learns of a missing plan here or not at all."""
    where, params = _key(units)
    # The town is worked out from the unit tree here, not in SQL: each unit goes in with its place in
    # the (town, unit) order (one place for units of the same names, which then go by code as before),
    # so SQLite sorts and cuts the list and only the rows shown look up their pairing. A county's
    # 重点对象 number in the tens of thousands: reading them all to show 50 took 0.09 s of the
    # bench's dashboard, this 0.03 s.
    places = {key: n for n, key in enumerate(sorted({(u.town_name, u.name) for u in units.values()}))}
    ranks = json.dumps([[u.id, places[(u.town_name, u.name)]] for u in units.values()])
    rows = db.query(
        f"""
        WITH ranks(unit_id, n) AS MATERIALIZED (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]')
                                              FROM json_each(?))
        SELECT k.id, k.code, k.unit_id, k.categories, k.has_plan,
               (SELECT p.id FROM pairings p WHERE p.mentee_id = k.id AND {running("p", today)} AND p.deleted = 0
                LIMIT 1) AS pairing_id
        FROM (SELECT m.id, m.code, m.unit_id, m.categories, trim(coalesce(m.plan, '')) != '' AS has_plan, r.n
              FROM mentees m JOIN ranks r ON r.unit_id = m.unit_id
              WHERE {where} ORDER BY r.n, m.code LIMIT ?) k
        ORDER BY k.n, k.code
        """,
        [ranks, *params, limit],
    )
    return [{**r, "categories": json.loads(r["categories"] or "[]"), "unit_name": units[r["unit_id"]].name,
             "town_name": units[r["unit_id"]].town_name} for r in rows]


def count_key_mentees(db: sqlite_utils.Database, units: Units) -> int:
    """How many rows ``key_mentees`` gives in all."""
    where, params = _key(units)
    return int(db.execute(f"SELECT count(*) FROM mentees m WHERE {where}", params).fetchone()[0])


def _key(units: Units) -> tuple[str, list[str]]:
    cond, params = _in_units(units, "m.unit_id")
    return f"m.risk_level = 'key' AND m.status = 'active' AND m.deleted = 0 AND {cond}", params


def risk_flag_list(db: sqlite_utils.Database, scope: Scope, units: Units, *, limit: int = LIST_LIMIT,
                   offset: int = 0) -> list[dict[str, Any]]:
    """``limit`` of the station home's open risk flags (``followups``) from ``offset``, newest first
    (the dashboard's first ``LIST_LIMIT``, a page of ``/risk-flags``), each with its unit, town and
    who wrote it (记录人: the station home names the pairing's volunteer beside a phone number; the
    county asks who saw the risk); the child's name only for those who see names (``names``)."""
    rows = open_risk_flags(db, scope, limit=limit, offset=offset)
    authors = user_names(db, {r["author_id"] for r in rows})
    stopped = stopped_users(db, {r["author_id"] for r in rows})
    return [{"id": r["id"], "date": r["date"], "pairing_id": r["pairing_id"], "unit_id": r["unit_id"],
             "code": r["mentee_code"], "mentee_name": r["mentee_name"],
             "mentor_name": authors.get(r["author_id"] or ""),
             "mentor_active": r["author_id"] not in stopped if r["author_id"] else None,
             "unit_name": units[r["unit_id"]].name, "town_name": units[r["unit_id"]].town_name}
            for r in rows]


def count_open_referrals(db: sqlite_utils.Database, units: Units) -> int:
    """Live referrals not yet concluded (referred or received)."""
    cond, params = _in_units(units, "r.unit_id")
    return int(db.execute(f"SELECT count(*) FROM referrals r WHERE {OPEN} AND {live('referral', 'r')} AND {cond}",
                          params).fetchone()[0])


def rectifications_overdue(db: sqlite_utils.Database, units: Units, today: datetime.date) -> int:
    """Inspections whose failed items are not all fixed and whose rectification date has passed."""
    cond, params = _in_units(units, "i.unit_id")
    rows = db.execute(
        f"SELECT i.failed, i.fixed FROM inspections i WHERE i.deleted = 0 AND i.rectify_due < ? AND {cond}"
        " AND i.failed != '[]'",
        [today.isoformat(), *params],
    ).fetchall()
    return sum(1 for failed, fixed in rows if set(json.loads(failed)) - set(json.loads(fixed)))
