"""Mentees (帮扶对象) as the station sees them: the filtered list, one child's file, the next code.

Rows come back with wire values (``categories`` as a list, booleans as bools) so templates
and forms read them like the phone does. Whether a reader may see real names is the page's
business (``server/pages/mentees.py``); a query that searches names takes ``names=False``
for readers who may not, so a search cannot reveal a name either.
"""
from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from sync import Scope
from sync.codec import from_storage
from sync.db import placeholders
from sync.entities import ENTITIES
from sync.rules import mentee_code
from sync.scope import unit_subtree
from sync.timeutil import local_today

from .filters import found_in, in_scope, live, of_child, running, visible
from .leavers import left_during
from .leaving import UNRECORDED, leaving_filter
from .levels import rated_higher
from .names import hide_private

CODE_PREFIX = "BX"
PAGE_SIZE = 50


@dataclass(frozen=True)
class MenteeFilter:
    q: str = ""
    unit_id: str = ""
    category: str = ""
    risk_level: str = ""
    status: str = "active"
    page: int = 1
    deleted: bool = False  # the deleted children only (已删除): where the inspector finds them, counted nowhere else
    # Those with no 摸排 since this half-year began (本半年未摸排): the Rudong notice (part 二.1) has
    # every child screened again each half-year, 上半年 and 下半年.
    unscreened: bool = False
    # Those whose latest 摸排 rated them above their 关注等级 (``screening=higher``: ``levels.rated_higher``),
    # the station home's tile: a volunteer's phone rates a child without changing her level.
    rated_higher: bool = False
    # 结对 (``pairing=``): one of ``WAITING`` — the children in help whom no volunteer visits.
    pairing: str = ""
    # Of the closed files (``status = 'closed'``), those that left care for this reason (a key of
    # ``leaving.LEAVING_REASONS``) or with ``UNRECORDED`` none that stands (未记原因).
    left: str = ""
    # Of those, the ones who left care during this year (``leavers.left_during``): the year-end
    # summary's and the dashboard's 本年结束帮扶 open the list of exactly the children they count.
    left_in: int | None = None


# The children in help (在帮, live) waiting for a volunteer, by why: ``none`` has no running pairing
# (never paired, or the last one ended); ``stopped`` has running pairings only with volunteers whose
# account was stopped (the stop form may leave them running), so nobody visits them either;
# ``waiting`` is both, what the station home's tile counts. A pairing registered ahead of its first
# day has its volunteer: the child waits for the day, not for a volunteer.
WAITING = ("waiting", "none", "stopped")
_RUNNING = "p.mentee_id = {alias}.id AND p.status = 'active' AND p.deleted = 0"
# Each child in scope is asked whether it has such a pairing: read from m051's index of the running
# pairings' child and volunteer alone, the volunteer tested against the accounts not in service (a
# list made once per query, the few stopped), not by reading each pairing's row and its volunteer's:
# a county's 50,000 children took 0.08 s of CPU, now 0.04 s. ``mentor_id`` is never NULL and always
# an account (a foreign key), so "not among those whose ``active`` is not 1" is "``active`` is 1".
_RUNNING_FROM = "pairings p INDEXED BY idx_pairings_running_mentee"
_IN_SERVICE = "p.mentor_id NOT IN (SELECT s.id FROM users s WHERE s.active != 1)"


def waiting(kind: str, alias: str = "m") -> str:
    """SQL: the child ``alias`` is waiting for a volunteer, of ``kind`` (one of ``WAITING``)."""
    running = _RUNNING.format(alias=alias)
    visited = f"EXISTS (SELECT 1 FROM {_RUNNING_FROM} WHERE {running} AND {_IN_SERVICE})"
    sql = f"{alias}.status = 'active' AND {alias}.deleted = 0 AND NOT {visited}"
    if kind == "none":
        return f"{sql} AND NOT {paired(alias)}"
    if kind == "stopped":
        return f"{sql} AND {paired(alias)}"
    return sql


def paired(alias: str = "m") -> str:
    """SQL: the child ``alias`` has a running pairing (of a waiting child: only with stopped volunteers)."""
    return f"EXISTS (SELECT 1 FROM {_RUNNING_FROM} WHERE {_RUNNING.format(alias=alias)})"


def half_year_start(day: datetime.date) -> datetime.date:
    """The first day of ``day``'s half-year: 1 January or 1 July."""
    return datetime.date(day.year, 1 if day.month <= 6 else 7, 1)


def _conditions(db: sqlite_utils.Database, scope: Scope, f: MenteeFilter, names: bool) -> tuple[str, list[Any]]:
    """SQL and parameters: the mentee ``m`` is one ``f`` asks for, in ``scope``."""
    if f.deleted:
        sql, params = in_scope(scope, "mentee", "m")
        sql = f"({sql}) AND m.deleted = 1"
    else:
        sql, params = visible(scope, "mentee", "m")
    where, args = [sql], list(params)
    if f.q:
        found, found_args = found_in(f.q, ("m.name",) if names else (), code="m.code")
        where.append(found)
        args += found_args
    if f.unit_id:
        units = sorted(unit_subtree(db, f.unit_id))
        where.append(f"m.unit_id IN ({placeholders(units)})")
        args += units
    if f.category:
        where.append("EXISTS (SELECT 1 FROM json_each(m.categories) WHERE value = ?)")
        args.append(f.category)
    if f.risk_level:
        where.append("m.risk_level = ?")
        args.append(f.risk_level)
    if f.status:
        where.append("m.status = ?")
        args.append(f.status)
    if f.left:
        where.append(leaving_filter(f.left))
        args += [] if f.left == UNRECORDED else [f.left]
    if f.left_in is not None:
        where.append(left_during(f.left_in, "m"))
    if f.unscreened:
        where.append("NOT EXISTS (SELECT 1 FROM screenings s WHERE s.mentee_id = m.id AND s.deleted = 0"
                     " AND s.date >= ?)")
        args.append(half_year_start(local_today()).isoformat())
    if f.rated_higher:
        where.append(rated_higher("m"))
    if f.pairing in WAITING:
        where.append(waiting(f.pairing))
    return " AND ".join(where), args


def count_waiting(db: sqlite_utils.Database, scope: Scope) -> dict[str, int]:
    """How many children ``list_mentees`` lists for ``pairing=waiting`` (``all``) and of them for
    ``pairing=stopped`` (``stopped``), in one pass over the children in scope: a tile's figures agree
    with its list, being counted by the list's own conditions."""
    condition, args = _conditions(db, scope, MenteeFilter(pairing="waiting"), names=False)
    every, stopped = db.execute(f"SELECT count(*), coalesce(sum({paired()}), 0) FROM mentees m WHERE {condition}",
                                args).fetchone()
    return {"all": int(every), "stopped": int(stopped)}


def count_rated_higher(db: sqlite_utils.Database, scope: Scope) -> int:
    """How many children ``list_mentees`` lists for ``screening=higher``, by the list's own conditions."""
    condition, args = _conditions(db, scope, MenteeFilter(rated_higher=True), names=False)
    return int(db.execute(f"SELECT count(*) FROM mentees m WHERE {condition}", args).fetchone()[0])


def waiting_by_unit(db: sqlite_utils.Database, scope: Scope, f: MenteeFilter, *,
                    names: bool = True) -> list[dict[str, Any]]:
    """The children ``list_mentees`` lists for ``f`` (a ``WAITING`` filter), counted per station or
    school (``unit_id``, ``unit_name``, ``n``), most first: a county or a town sees at once which
    units have children no volunteer visits, whatever page of the list it is on."""
    condition, args = _conditions(db, scope, f, names)
    return list(db.query(
        f"SELECT m.unit_id AS unit_id, un.name AS unit_name, count(*) AS n"
        f" FROM mentees m JOIN units un ON un.id = m.unit_id WHERE {condition}"
        f" GROUP BY m.unit_id ORDER BY n DESC, un.name", args))


def list_mentees(db: sqlite_utils.Database, scope: Scope, f: MenteeFilter, *,
                 names: bool = True) -> tuple[list[dict[str, Any]], int]:
    """One page of live mentees in ``scope`` matching ``f`` (by code), and how many match in all; with
    ``f.deleted``, of the deleted ones instead.
    ``mentors`` names the volunteers of the child's active pairings, one not begun yet with its first
    day (王老师（12月9日起）): the child is not yet 在结对, as the dashboard's 重点对象 says; a stopped
    volunteer's with 已停用. ``waiting``: the child is in help and no volunteer visits them (``WAITING``)."""
    condition, args = _conditions(db, scope, f, names)
    total = int(db.execute(f"SELECT count(*) FROM mentees m WHERE {condition}", args).fetchone()[0])
    rows = db.query(
        f"""
        SELECT m.*, un.name AS unit_name,
               (SELECT group_concat(u.name || CASE WHEN {running("p")} THEN '' ELSE
                  '（' || CAST(substr(p.start_date, 6, 2) AS INTEGER) || '月'
                  || CAST(substr(p.start_date, 9, 2) AS INTEGER) || '日起）' END
                  || CASE WHEN u.active = 0 THEN '（已停用）' ELSE '' END, '、')
                FROM pairings p JOIN users u ON u.id = p.mentor_id
                WHERE p.mentee_id = m.id AND p.status = 'active' AND p.deleted = 0) AS mentors,
               {waiting("waiting")} AS waiting,
               (SELECT max((SELECT max(a.date) FROM activities a WHERE a.pairing_id = lp.id AND a.deleted = 0))
                FROM pairings lp WHERE lp.mentee_id = m.id AND lp.deleted = 0) AS last_activity,
               (SELECT max(s.date) FROM screenings s WHERE s.mentee_id = m.id AND s.deleted = 0) AS last_screening
        FROM mentees m JOIN units un ON un.id = m.unit_id
        WHERE {condition}
        ORDER BY CASE m.risk_level WHEN 'key' THEN 0 WHEN 'watch' THEN 1 ELSE 2 END, m.code
        LIMIT ? OFFSET ?
        """,
        [*args, PAGE_SIZE, (max(f.page, 1) - 1) * PAGE_SIZE],
    )
    return [from_storage(ENTITIES["mentee"], r) for r in rows], total


def get_mentee(db: sqlite_utils.Database, scope: Scope, mentee_id: str, *,
               deleted_too: bool = False) -> dict[str, Any] | None:
    """One live mentee in ``scope`` with its unit's name, or None (not found and not yours look alike).
    ``deleted_too``: a deleted one in scope as well (``deleted``), whose file is still read, never written."""
    sql, params = visible(scope, "mentee", "m")
    if deleted_too:
        sql, params = in_scope(scope, "mentee", "m")
        sql = f"({sql}) AND (m.deleted = 1 OR ({live('mentee', 'm')}))"
    row = next(db.query(
        f"SELECT m.*, un.name AS unit_name FROM mentees m JOIN units un ON un.id = m.unit_id"
        f" WHERE m.id = ? AND {sql}", [mentee_id, *params]), None)
    return None if row is None else from_storage(ENTITIES["mentee"], row)


def mentee_pairings(db: sqlite_utils.Database, scope: Scope, mentee_id: str) -> list[dict[str, Any]]:
    """Every pairing of the child in scope, current first, with the volunteer and the number of live
    activities; a deleted one too (``deleted``), marked on the file as in the archive, never missing."""
    sql, params = in_scope(scope, "pairing", "p")
    return list(db.query(
        f"""
        SELECT p.*, u.name AS mentor_name, u.phone AS mentor_phone, u.active AS mentor_active,
               (SELECT count(*) FROM activities a WHERE a.pairing_id = p.id AND a.deleted = 0) AS activities
        FROM pairings p JOIN users u ON u.id = p.mentor_id
        WHERE p.mentee_id = ? AND {sql}
        ORDER BY p.deleted, p.status = 'active' DESC, p.start_date DESC
        """,
        [mentee_id, *params],
    ))


def mentee_screenings(db: sqlite_utils.Database, scope: Scope, mentee_id: str, *, deleted: bool = False,
                      child_deleted: bool = False) -> list[dict[str, Any]]:
    """The child's 摸排 history, newest first, with who wrote each (``author_active``: 0 when stopped):
    the live ones (of a deleted child, those not deleted themselves), or with ``deleted`` the deleted ones."""
    sql, params = of_child(scope, "screening", "s", child_deleted=child_deleted)
    if deleted:
        sql, params = in_scope(scope, "screening", "s")
        sql = f"({sql}) AND s.deleted = 1"
    rows = db.query(
        "SELECT s.*, u.name AS author_name, u.active AS author_active"
        " FROM screenings s LEFT JOIN users u ON u.id = s.author_id"
        f" WHERE s.mentee_id = ? AND {sql} ORDER BY s.date DESC, s.id DESC",
        [mentee_id, *params],
    )
    return hide_private(scope.actor.role, "screening", [from_storage(ENTITIES["screening"], r) for r in rows])


def mentee_activities(db: sqlite_utils.Database, scope: Scope, mentee_id: str, *,
                      limit: int = 8, child_deleted: bool = False) -> dict[str, Any]:
    """A summary of the child's activities: counts by kind, the last date, open risk flags, the latest few.

    Activities are reached through the child's pairings (an activity's mentee is its pairing's,
    which never changes): activities carry no index by mentee, one index fewer for every push
    to write (sync migration m017).
    """
    sql, params = of_child(scope, "activity", "a", child_deleted=child_deleted)
    starts = dict(db.execute("SELECT id, start_date FROM pairings WHERE mentee_id = ?", [mentee_id]).fetchall())
    pairing_ids = list(starts)
    the_child = f"a.pairing_id IN ({placeholders(pairing_ids)})" if pairing_ids else "0"
    # Named, or a staff scope's "unit_id IN (…)" may send SQLite through the unit's whole history.
    activities = "activities a INDEXED BY idx_activities_pairing_date"
    by_kind = {r["kind"]: r["n"] for r in db.query(
        f"SELECT a.kind, count(*) AS n FROM {activities} WHERE {the_child} AND {sql} GROUP BY a.kind",
        [*pairing_ids, *params])}
    stats = db.execute(
        f"SELECT count(*), max(a.date), sum(a.risk_flag = 1 AND coalesce(trim(a.risk_action), '') = ''),"
        f" sum(a.review_status = 'pending') FROM {activities} WHERE {the_child} AND {sql}",
        [*pairing_ids, *params]).fetchone()
    # The latest few of each pairing, each read newest first from its (pairing, date) index, then
    # merged: one ORDER BY over all the child's pairings would sort every activity they hold.
    latest: list[dict[str, Any]] = []
    for pairing_id in pairing_ids:
        latest += db.query(
            f"""
            SELECT a.id, a.pairing_id, a.kind, a.date, a.duration_min, a.record, a.follow_up_due, a.risk_flag,
                   a.risk_action, a.review_status, a.entered_by, author.name AS author_name,
                   author.active AS author_active, clerk.name AS clerk_name
            FROM {activities} LEFT JOIN users author ON author.id = a.author_id
            LEFT JOIN users clerk ON clerk.id = a.entered_by
            WHERE a.pairing_id = ? AND {sql} ORDER BY a.date DESC, a.id DESC LIMIT ?
            """,
            [pairing_id, *params, limit])
    latest.sort(key=lambda a: (a["date"], a["id"]), reverse=True)
    latest = latest[:limit]
    for a in latest:
        a["pairing_start"] = starts[a["pairing_id"]]
    return {"by_kind": by_kind, "total": stats[0], "last_date": stats[1], "open_flags": stats[2] or 0,
            "pending": stats[3] or 0, "latest": latest}


def next_mentee_code(db: sqlite_utils.Database, year: int | None = None) -> str:
    """The next free pseudonymous code ``BX-<year>-<NNNN>``, counted over the whole county.

    Called inside the write transaction that creates the mentee (one writer), so two
    registrations never get the same code; deleted mentees keep theirs (never reused).
    """
    year = year or local_today().year
    prefix = f"{CODE_PREFIX}-{year}-"
    # Trimmed as the write rule compares codes (sync/rules.py ``mentee_code``): a " BX-2026-0005"
    # sent by an API client holds 0005, and the next registration must not be handed it (refused).
    row = db.execute(
        "SELECT max(CAST(substr(trim(code), ?) AS INTEGER)) FROM mentees WHERE trim(code) GLOB ?",
        [len(prefix) + 1, prefix + "[0-9][0-9][0-9][0-9]*"],
    ).fetchone()
    return f"{prefix}{(row[0] or 0) + 1:04d}"


def codes_taken(db: sqlite_utils.Database, unit_id: str) -> set[str]:
    """Every code already used in a unit (deleted mentees included)."""
    return {r[0] for r in db.execute("SELECT code FROM mentees WHERE unit_id = ?", [unit_id]).fetchall()}


def next_mentee_codes(db: sqlite_utils.Database, count: int) -> list[str]:
    """``count`` consecutive free codes (``next_mentee_code`` and the ones after it), for an import."""
    first = next_mentee_code(db)
    prefix, number = first.rsplit("-", 1)
    return [f"{prefix}-{int(number) + i:04d}" for i in range(count)]


def mentees_of_units(db: sqlite_utils.Database, unit_ids: list[str]) -> list[dict[str, Any]]:
    """Every mentee of these units, deleted ones included (their codes stay taken), as wire values."""
    if not unit_ids:
        return []
    rows = db.query(f"SELECT * FROM mentees WHERE unit_id IN ({placeholders(unit_ids)})", unit_ids)
    return [from_storage(ENTITIES["mentee"], r) for r in rows]


def live_children_by_name(db: sqlite_utils.Database, plain: Callable[[str], str], *,
                          named: str = "") -> dict[str, list[dict[str, Any]]]:
    """Every live child of the county by name (folded by ``plain``): id, unit_id, code, name,
    birth_year and gender, whatever the reader's scope. For the check that a child about to be
    registered is no child registered elsewhere, which names no one outside the scope (``likely_children.py``).

    ``named``: only the children of that folded name are wanted (one form's child). When it ends in a
    Chinese character, which folding leaves as typed (it takes out only spaces and full-width forms),
    SQLite keeps just the names holding that character before Python folds them: the form's check
    runs inside the writer, and folding every name of a county of 57,000 children took 0.26 s of it."""
    last = named[-1:]
    narrow = "\u3400" <= last <= "\u9fff"
    out: dict[str, list[dict[str, Any]]] = {}
    for child in db.query("SELECT id, unit_id, code, name, birth_year, gender FROM mentees"
                          " WHERE deleted = 0 AND name IS NOT NULL" + (" AND instr(name, ?) > 0" if narrow else ""),
                          [last] if narrow else []):
        out.setdefault(plain(child["name"]), []).append(child)
    return out


def shared_codes(db: sqlite_utils.Database, scope: Scope) -> list[dict[str, Any]]:
    """Codes that more than one live child holds (as the write rule compares codes, ``mentee_code``):
    stored before the rule (sync/rules.py ``_code_in_use``), they stay until staff give one child a
    new code. Each: ``code``, ``children`` (those in ``scope``: id, code as stored, name, unit_name)
    and ``elsewhere`` (how many more, outside the scope: counted, never named).

    SQLite groups the plain codes by ``trim(code)``; only the few codes holding a character other than
    printable ASCII (a full-width space or letter, a tab: none since the write path stores codes in
    one form) are put in that form in Python, each probed through ``idx_mentees_code``."""
    holders: dict[str, set[str]] = {}
    for record_id, code in db.execute(
            "SELECT id, code FROM mentees WHERE deleted = 0 AND trim(code) IN (SELECT trim(code) FROM mentees"
            " WHERE deleted = 0 GROUP BY trim(code) HAVING count(*) > 1)"):
        holders.setdefault(mentee_code(code), set()).add(record_id)
    for record_id, code in db.execute("SELECT id, code FROM mentees WHERE deleted = 0 AND code GLOB '*[^!-~]*'"):
        same = holders.setdefault(mentee_code(code), set())
        same.add(record_id)
        same.update(r[0] for r in db.execute("SELECT id FROM mentees WHERE trim(code) = ? AND deleted = 0",
                                              [mentee_code(code)]))
    shared = {record_id: code for code, ids in holders.items() if len(ids) > 1 for record_id in ids}
    if not shared:
        return []
    sql, params = visible(scope, "mentee", "m")
    rows = db.query(
        f"SELECT m.id, m.code, m.name, un.name AS unit_name FROM mentees m JOIN units un ON un.id = m.unit_id"
        f" WHERE {sql} AND m.id IN (SELECT value FROM json_each(?)) ORDER BY un.name, m.name",
        [*params, json.dumps(sorted(shared))])
    mine: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        mine.setdefault(shared[row["id"]], []).append(row)
    return [{"code": code, "children": children, "elsewhere": len(holders[code]) - len(children)}
            for code, children in sorted(mine.items())]
