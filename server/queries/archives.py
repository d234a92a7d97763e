"""Pairing archives (结对帮扶档案): the searchable list, one pairing's header, its whole timeline
and its change history.

Everything is read inside the caller's scope and counts live rows only (``filters.visible``).
A child's real name is selected only for the roles that work with the child (``NAMES_FOR``);
everyone else gets the pseudonymous code alone, so a name never reaches a page that should not
show it, not even in a hidden field.
"""
from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from sync import Scope
from sync.audit import record_history
from sync.db import placeholders, select_in
from sync.entities import ENTITIES
from sync.timeutil import SHANGHAI, local_today, parse_utc

from .filters import chosen, found_in, in_scope, of_any_child, of_child, running, visible
from .units import in_subtree

# Station and school staff work with the child: they see the name. The county and the admin see
# the pseudonymous code (docs/design.md §6: names only where the role needs them).
NAMES_FOR = ("staff",)
PAGE_SIZE = 50

FILTERS = ("town", "unit", "mentor", "category", "risk", "status", "follow_up", "q")
# The archive list's 跟踪 that finds the pairings the dashboard and the station home list as overdue.
OVERDUE = "overdue"
# Overdue as server/queries/followups.py defines it: the latest live visit's follow-up date is past.
_OVERDUE_SQL = ("p.status = 'active' AND EXISTS (SELECT 1 FROM pairing_latest l"
                " WHERE l.pairing_id = p.id AND l.follow_up_due < ?)")
# The archive list's 状态 that finds the kept archives of deleted pairings and deleted children.
DELETED = "deleted"
# The archive list's 状态 that finds the pairings the dashboard counts as 在结对 (``filters.running``):
# 结对中 alone also holds the pairings registered ahead of their first day, so the card's number and
# the list it opens would differ by them.
RUNNING = "running"


def sees_names(scope: Scope) -> bool:
    return scope.actor.role in NAMES_FOR


def name_column(scope: Scope, alias: str = "m") -> str:
    return f"{alias}.name" if sees_names(scope) else "NULL"


# What names the child or the family: the name, birth year, guardian and number, and the free-text 备注
# of the child's file and of each 摸排 (父母离异，跟奶奶住在…). Read by the people who work with the
# child (``NAMES_FOR``, the same rule as the name); the county reviewer and the admin read the records
# by code, on every page that holds them (the child's file, the list, a pairing's archive and its
# print view alike): the admin keeps units, accounts and backups and needs no child's identity.
PRIVATE_FIELDS = {"mentee": ("name", "guardian_name", "guardian_contact", "notes", "birth_year"),
                  "screening": ("notes",), "donation": ("notes",)}


def reads_private(role: str) -> bool:
    return role in NAMES_FOR


def hide_private(role: str, entity: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` of ``entity`` as ``role`` may read them: the private fields blanked (in place) unless
    the role reads them."""
    if not reads_private(role):
        for row in rows:
            for name in PRIVATE_FIELDS.get(entity, ()):
                if name in row:
                    row[name] = None
    return rows



def list_pairings(db: sqlite_utils.Database, scope: Scope, filters: dict[str, str], *,
                  page: int = 1, today: datetime.date | None = None) -> tuple[list[dict[str, Any]], int]:
    """One page of pairings in scope matching ``filters`` (see ``FILTERS``) and the total count.

    Active pairings first, then the most recently started. ``status`` ``DELETED`` (已删除): the kept
    archives instead, pairings deleted or of a deleted child (``deleted``, ``mentee_deleted``), as
    /mentees lists the deleted children: read there, counted nowhere. ``status`` ``RUNNING``: the
    pairings 在结对 on ``today`` as the dashboard counts them. ``follow_up`` ``OVERDUE``:
    the active pairings whose follow-up fell due before ``today`` (Asia/Shanghai's today if not given).
    """
    gone = filters.get("status") == DELETED
    if gone:
        scoped, params = in_scope(scope, "pairing", "p")
        where = f"({scoped}) AND (p.deleted = 1 OR m.deleted = 1)"
    else:
        where, params = visible(scope, "pairing", "p")
        where = f"{where} AND m.deleted = 0"
    subtree = in_subtree("p.unit_id")
    by_status = filters.get("status", "") not in (DELETED, RUNNING)
    picked, picked_args = chosen({**filters, "status": filters.get("status", "") if by_status else ""}, {
        "town": subtree, "unit": subtree, "mentor": "p.mentor_id = ?",
        "category": "EXISTS (SELECT 1 FROM json_each(m.categories) c WHERE c.value = ?)",
        "risk": "m.risk_level = ?", "status": "p.status = ?",
    })
    conditions, args = [where, *picked], [*params, *picked_args]
    if filters.get("status") == RUNNING:
        conditions.append(running("p", today))
    if filters.get("follow_up") == OVERDUE:
        conditions.append(_OVERDUE_SQL)
        args.append((today or local_today()).isoformat())
    if filters.get("q"):
        found, found_args = found_in(filters["q"].strip(), ("m.name",) if sees_names(scope) else (), code="m.code")
        conditions.append(found)
        args += found_args
    sql_where = " AND ".join(conditions)
    total = int(db.execute(
        f"SELECT count(*) FROM pairings p JOIN mentees m ON m.id = p.mentee_id WHERE {sql_where}", args).fetchone()[0])
    rows = list(db.query(
        f"""
        SELECT p.id, p.status, p.outcome, p.start_date, p.end_date, p.approach, p.review_status, p.deleted,
               m.deleted AS mentee_deleted, p.mentee_id, m.code AS mentee_code, {name_column(scope)} AS mentee_name,
               m.categories,
               m.risk_level, m.grade, p.unit_id, un.name AS unit_name, town.name AS town_name,
               p.mentor_id, us.name AS mentor_name, us.smartphone AS mentor_smartphone, us.active AS mentor_active,
               (SELECT count(*) FROM activities a WHERE a.pairing_id = p.id AND a.deleted = 0) AS activities,
               (SELECT max(a.date) FROM activities a WHERE a.pairing_id = p.id AND a.deleted = 0) AS last_date
        FROM pairings p JOIN mentees m ON m.id = p.mentee_id
        LEFT JOIN units un ON un.id = p.unit_id LEFT JOIN units town ON town.id = un.parent_id
        LEFT JOIN users us ON us.id = p.mentor_id
        WHERE {sql_where}
        ORDER BY p.status = 'active' DESC, p.start_date DESC, p.id
        LIMIT ? OFFSET ?
        """,
        [*args, PAGE_SIZE, (max(page, 1) - 1) * PAGE_SIZE],
    ))
    for row in rows:
        decode_lists(row, "categories")
    return rows, total


def get_pairing(db: sqlite_utils.Database, scope: Scope, pairing_id: str, *,
                deleted_too: bool = False) -> dict[str, Any] | None:
    """One live pairing in scope with its mentee, unit and volunteer, or None (missing and not yours alike).
    ``deleted_too``: a deleted pairing, or one of a deleted child, as well (its archive keeps what it held;
    ``deleted`` and ``mentee_deleted`` say so)."""
    where, params = in_scope(scope, "pairing", "p") if deleted_too else visible(scope, "pairing", "p")
    child = "1" if deleted_too else "m.deleted = 0"
    row = next(db.query(
        f"""
        SELECT p.*, m.code AS mentee_code, {name_column(scope)} AS mentee_name, m.categories, m.risk_level,
               m.grade, m.school, m.gender, m.plan, m.status AS mentee_status, m.version AS mentee_version,
               m.updated_at AS mentee_updated_at, m.deleted AS mentee_deleted,
               un.name AS unit_name, town.id AS town_id, town.name AS town_name,
               us.name AS mentor_name, us.phone AS mentor_phone, us.smartphone AS mentor_smartphone,
               us.active AS mentor_active
        FROM pairings p JOIN mentees m ON m.id = p.mentee_id
        LEFT JOIN units un ON un.id = p.unit_id LEFT JOIN units town ON town.id = un.parent_id
        LEFT JOIN users us ON us.id = p.mentor_id
        WHERE p.id = ? AND {child} AND {where}
        """,
        [pairing_id, *params],
    ), None)
    if row is not None:
        decode_lists(row, "categories")
    return row


def user_names(db: sqlite_utils.Database, ids: set[str | None]) -> dict[str, str]:
    wanted = sorted(i for i in ids if i)
    if not wanted:
        return {}
    return {r["id"]: r["name"] for r in db.query(
        f"SELECT id, name FROM users WHERE id IN ({placeholders(wanted)})", wanted)}


def stopped_users(db: sqlite_utils.Database, ids: set[str | None]) -> set[str]:
    """Which of ``ids`` are stopped (停用) accounts, for the 已停用 mark beside their names."""
    wanted = sorted(i for i in ids if i)
    if not wanted:
        return set()
    return {r[0] for r in db.execute(
        f"SELECT id FROM users WHERE active = 0 AND id IN ({placeholders(wanted)})", wanted)}


ACTIVITY_LISTS = ("moods", "observations", "tags")  # an activity's JSON list columns


def decode_lists(row: dict[str, Any], *names: str) -> dict[str, Any]:
    """``row`` with the JSON list columns ``names`` decoded (NULL → [])."""
    for name in names:
        row[name] = json.loads(row[name] or "[]")
    return row


def in_service(user_id: str | None, stopped: set[str]) -> bool | None:
    """Whether ``user_id``'s account is in use (``stopped``: from ``stopped_users``); None for nobody,
    so the 已停用 mark says nothing about a row without an author."""
    return user_id not in stopped if user_id else None


def name_people(activity: dict[str, Any], names: dict[str, str], stopped: set[str]) -> None:
    """Who wrote (the volunteer), who entered it (代录), who created and last changed the row, by name;
    ``author_active``: whether its writer's account is in use (``stopped``: the stopped ones of ``names``)."""
    for key, name in (("author_id", "author_name"), ("entered_by", "entered_by_name"),
                      ("created_by", "created_by_name"), ("updated_by", "updated_by_name")):
        activity[name] = names.get(activity[key] or "", "")
    activity["author_active"] = in_service(activity["author_id"], stopped)


def name_authors(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> None:
    """Who wrote each 摸排 or 转介 of ``rows`` (its 记录人 or 登记人) by name, and ``author_active`` for
    the 已停用 mark, as ``name_people`` gives a visit's."""
    ids = {r["author_id"] for r in rows}
    label_authors(rows, user_names(db, ids), stopped_users(db, ids))


def label_authors(rows: list[dict[str, Any]], names: dict[str, str], stopped: set[str]) -> None:
    """``name_authors`` with the names and stopped accounts already read (an archive reads its people once)."""
    for r in rows:
        r["author_name"] = names.get(r["author_id"] or "", "")
        r["author_active"] = in_service(r["author_id"], stopped)


def activities_of(db: sqlite_utils.Database, scope: Scope, pairing_id: str, *,
                  child_deleted: bool = False) -> list[dict[str, Any]]:
    """The pairing's live activities (of a deleted child: those not deleted themselves), oldest first,
    lists decoded."""
    where, params = of_child(scope, "activity", "a", child_deleted=child_deleted)
    rows = db.query(f"SELECT a.* FROM activities a WHERE a.pairing_id = ? AND {where} ORDER BY a.date, a.created_at",
                    [pairing_id, *params])
    return [decode_lists(r, *ACTIVITY_LISTS) for r in rows]


def activities_after(db: sqlite_utils.Database, scope: Scope, pairing_id: str, day: str) -> list[dict[str, Any]]:
    """The pairing's live activities dated after ``day``, oldest first, each with its volunteer's
    name: on the end form, the visits dated ahead that stand in the way of ending it today."""
    where, params = visible(scope, "activity", "a")
    rows = list(db.query(
        "SELECT a.id, a.date, a.kind, a.review_status, a.author_id, a.entered_by FROM activities a"
        f" WHERE a.pairing_id = ? AND a.date > ? AND {where} ORDER BY a.date, a.created_at",
        [pairing_id, day, *params]))
    names = user_names(db, {r["author_id"] for r in rows})
    stopped = stopped_users(db, {r["author_id"] for r in rows})
    return [{**r, "author_name": names.get(r["author_id"] or "", ""), "author_active": r["author_id"] not in stopped}
            for r in rows]


def deleted_activities_of(db: sqlite_utils.Database, scope: Scope, pairing_id: str, *,
                          pairing_deleted: bool = False) -> list[dict[str, Any]]:
    """The pairing's deleted activities in scope, oldest first: the inspector is shown that a visit
    was recorded and then deleted, by whom and when, instead of its silently missing. Of a deleted
    pairing, every activity: they went (and count nowhere) with it."""
    where, params = in_scope(scope, "activity", "a")
    gone = "" if pairing_deleted else " AND a.deleted = 1"
    rows = db.query(f"SELECT a.* FROM activities a WHERE a.pairing_id = ?{gone} AND {where}"
                    " ORDER BY a.date, a.created_at", [pairing_id, *params])
    return [decode_lists(r, *ACTIVITY_LISTS) for r in rows]


def conflicts_of(db: sqlite_utils.Database, record_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Every sync conflict on these records, open and closed (a closed one keeps both values), oldest
    first, by record id, values decoded, with ``sender_name`` (whose value arrived second) and
    ``resolver_name``."""
    out: dict[str, list[dict[str, Any]]] = {}
    names, rows = select_in(db, "SELECT c.*, s.name AS sender_name, r.name AS resolver_name FROM sync_conflicts c"
                                " LEFT JOIN users s ON s.id = c.user_id LEFT JOIN users r ON r.id = c.resolved_by"
                                " WHERE c.record_id {in} ORDER BY c.created_at, c.id", record_ids)
    for values in rows:
        row = dict(zip(names, values, strict=True))
        for key in ("kept_value", "other_value"):
            row[key] = None if row[key] is None else json.loads(row[key])
        out.setdefault(row["record_id"], []).append(row)
    return out


def child_pairings(db: sqlite_utils.Database, scope: Scope, mentee_id: str) -> list[dict[str, Any]]:
    """Every pairing of the child in scope, earliest first, each with its volunteer and its count of
    live activities: the child's 一生一档 across volunteers. A deleted one too (``deleted``), so that
    a pairing entered and then deleted is marked, not silently missing."""
    where, params = in_scope(scope, "pairing", "p")
    return list(db.query(
        f"""
        SELECT p.id, p.status, p.outcome, p.start_date, p.end_date, p.version, p.deleted, p.updated_at,
               p.mentor_id, us.name AS mentor_name, us.active AS mentor_active,
               (SELECT count(*) FROM activities a WHERE a.pairing_id = p.id AND a.deleted = 0) AS activities
        FROM pairings p LEFT JOIN users us ON us.id = p.mentor_id
        WHERE p.mentee_id = ? AND {where} ORDER BY p.start_date, p.created_at, p.id
        """, [mentee_id, *params]))


def _dated_rows(db: sqlite_utils.Database, scope: Scope, entity: str, sql: str, args: list[Any],
                deleted: bool, child_deleted: bool = False) -> list[dict[str, Any]]:
    """``sql`` (alias ``x``, a ``{where}`` slot) read in scope: live rows (of a deleted child: those not
    deleted themselves), or the deleted ones."""
    if deleted:
        where, params = in_scope(scope, entity, "x")
        where = f"x.deleted = 1 AND ({where})"
    else:
        where, params = of_child(scope, entity, "x", child_deleted=child_deleted)
    return list(db.query(sql.format(where=where), [*args, *params]))


def screenings_of(db: sqlite_utils.Database, scope: Scope, mentee_id: str, since: str = "",
                  until: str = "9999-12-31", *, child_deleted: bool = False,
                  ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The child's screenings dated ``since``..``until`` in scope, oldest first: the live ones and the
    deleted ones (kept, marked, counted nowhere), the private fields hidden from whoever may not read them."""
    sql = ("SELECT x.* FROM screenings x WHERE x.mentee_id = ? AND x.date >= ? AND x.date <= ? AND {where}"
           " ORDER BY x.date, x.created_at")
    args, role = [mentee_id, since, until], scope.actor.role
    return (hide_private(role, "screening", _dated_rows(db, scope, "screening", sql, args, False, child_deleted)),
            hide_private(role, "screening", _dated_rows(db, scope, "screening", sql, args, True)))


def referrals_of(db: sqlite_utils.Database, scope: Scope, mentee_id: str, since: str = "",
                 until: str = "9999-12-31", *, child_deleted: bool = False,
                 ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The child's referrals made ``since``..``until`` in scope, oldest first: the live ones and the deleted ones."""
    sql = ("SELECT x.* FROM referrals x WHERE x.mentee_id = ? AND x.referred_on >= ? AND x.referred_on <= ?"
           " AND {where} ORDER BY x.referred_on, x.created_at")
    args = [mentee_id, since, until]
    return (_dated_rows(db, scope, "referral", sql, args, False, child_deleted),
            _dated_rows(db, scope, "referral", sql, args, True))


def named_donations(db: sqlite_utils.Database, scope: Scope, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Donations with ``author_name`` and ``handed_by_name``, their 备注 only for who reads a child's notes."""
    names = user_names(db, {r["author_id"] for r in rows} | {r["handed_by"] for r in rows})
    for r in rows:
        r["author_name"] = names.get(r["author_id"] or "", "")
        r["handed_by_name"] = names.get(r["handed_by"] or "", "")
    return hide_private(scope.actor.role, "donation", rows)


def donations_of(db: sqlite_utils.Database, scope: Scope, mentee_id: str, since: str = "",
                 until: str = "9999-12-31", *, child_deleted: bool = False,
                 deleted: bool = False) -> list[dict[str, Any]]:
    """The child's live donations dated ``since``..``until`` in scope, oldest first, with
    ``author_name`` and ``handed_by_name``; their 备注 only for the roles that read a child's notes.
    ``deleted``: the deleted ones instead, kept to be shown marked and counted in no total."""
    sql = ("SELECT x.* FROM donations x WHERE x.mentee_id = ? AND x.date >= ? AND x.date <= ? AND {where}"
           " ORDER BY x.date, x.created_at")
    rows = _dated_rows(db, scope, "donation", sql, [mentee_id, since, until], deleted, child_deleted)
    return named_donations(db, scope, rows)


def data_stamp(records: list[dict[str, Any]], conflicts: list[dict[str, Any]], *,
               words: Iterable[str] = (), times: Iterable[str] = ()) -> dict[str, str]:
    """When the archive's data last changed (``at``, UTC) and a short check code of every record's
    version, every conflict's state and every word printed from outside those records (``words``:
    a volunteer's or a unit's name, changed in ``times``): a paper copy and the screen showing the
    same code hold the same data."""
    marks = sorted(f"{r['id']}:{r['version']}:{r['deleted']}" for r in records)
    marks += sorted(f"{c['id']}:{c['status']}" for c in conflicts)
    marks += sorted(set(words))
    stamps = [r["updated_at"] for r in records] + [c["resolved_at"] or c["created_at"] for c in conflicts]
    code = hashlib.sha256("\n".join(marks).encode()).hexdigest()[:8].upper()
    return {"at": max([*stamps, *times]), "code": code}


def stamp_of(db: sqlite_utils.Database, stamped: dict[str, Any], words: Iterable[str] = ()) -> dict[str, str]:
    """The stamp (``data_stamp``) of what an archive shows: ``stamped`` as ``archive`` gathered it (its
    records, conflicts, and the ids of the people and units it names), ``words`` whatever else the
    page prints (its change histories in words). A volunteer or a unit renamed since changes the
    code, as the printed name does, and the time the stamp gives."""
    people = sorted(i for i in stamped["people"] if i)
    units = sorted(i for i in stamped["units"] if i)
    found: list[str] = []
    times: list[str] = []
    if people:
        # A stopped volunteer, or writer of a 摸排 or 转介, is printed 已停用, so stopping one changes the
        # code; an account in service adds nothing, so the codes on paper copies of every other archive
        # still match.
        found += [f"user:{r['id']}:{r['name']}:{r['smartphone']}" + ("" if r["active"] else ":stopped")
                  for r in db.query(f"SELECT id, name, smartphone, active FROM users WHERE id IN"
                                    f" ({placeholders(people)})", people)]
        times += [r[0] for r in db.execute(
            f"SELECT max(at) FROM sync_audit WHERE entity = 'user' AND record_id IN ({placeholders(people)})",
            people) if r[0]]
    unit_rows = list(db.query(f"SELECT id, name, version, deleted, updated_at FROM units WHERE id IN"
                              f" ({placeholders(units)})", units)) if units else []
    found += [f"unit:{r['id']}:{r['name']}" for r in unit_rows]
    return data_stamp([*stamped["records"], *unit_rows], stamped["conflicts"], words=[*found, *words], times=times)


def reviews_of(db: sqlite_utils.Database, target_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Every review of these records (reviews are never deleted), oldest first, by target id."""
    out: dict[str, list[dict[str, Any]]] = {}
    names, rows = select_in(db, "SELECT r.*, u.name AS reviewer_name FROM reviews r LEFT JOIN users u ON u.id ="
                                " r.reviewer_id WHERE r.target_id {in} ORDER BY r.created_at, r.id", target_ids)
    for values in rows:
        row = dict(zip(names, values, strict=True))
        out.setdefault(row["target_id"], []).append(row)
    return out


def archive(db: sqlite_utils.Database, scope: Scope, pairing_id: str) -> dict[str, Any] | None:
    """Everything the archive page and its print view show, or None when not visible.

    ``activities`` (live) and ``deleted`` each carry ``reviews``, ``conflicts``, ``author_name``,
    ``entered_by_name``, ``created_by_name``, ``updated_by_name``; ``screenings``, ``referrals`` and
    ``donations`` are the child's during the pairing (``deleted_*`` the deleted ones, marked);
    ``reviews`` and ``conflicts`` are the pairing's own; ``timeline`` merges the live ones by date;
    ``pairings`` are all the child's pairings;
    ``stamped`` is what the check code covers (``stamp_of``).
    """
    pairing = get_pairing(db, scope, pairing_id, deleted_too=True)
    if pairing is None:
        return None
    # A deleted child's archive stays whole for those who inspect it, read-only, counted nowhere.
    gone_child = bool(pairing["mentee_deleted"])
    activities = [] if pairing["deleted"] else activities_of(db, scope, pairing_id, child_deleted=gone_child)
    deleted = deleted_activities_of(db, scope, pairing_id, pairing_deleted=bool(pairing["deleted"]))
    every = [*activities, *deleted]
    reviews = reviews_of(db, [pairing_id, *(a["id"] for a in every)])
    conflicts = conflicts_of(db, [pairing_id, *(a["id"] for a in every)])
    until = pairing["end_date"] or "9999-12-31"
    screenings, gone_screenings = screenings_of(db, scope, pairing["mentee_id"], pairing["start_date"], until,
                                                child_deleted=gone_child)
    referrals, gone_referrals = referrals_of(db, scope, pairing["mentee_id"], pairing["start_date"], until,
                                             child_deleted=gone_child)
    # 爱心捐助 of the pairing's time. An archive with none stamps as it did before donations existed:
    # each donation adds its own mark, so the code on a paper copy of any other archive still matches.
    donations = donations_of(db, scope, pairing["mentee_id"], pairing["start_date"], until, child_deleted=gone_child)
    # A deleted one stays in the archive, marked, as a deleted 摸排 does, and under the code as printed.
    gone_donations = donations_of(db, scope, pairing["mentee_id"], pairing["start_date"], until, deleted=True)
    people: set[str | None] = {pairing["created_by"], pairing["updated_by"]}
    for a in every:
        people |= {a["author_id"], a["entered_by"], a["created_by"], a["updated_by"]}
    for s in [*screenings, *gone_screenings]:
        people |= {s["author_id"], s["updated_by"]}
    for r in [*referrals, *gone_referrals]:
        people |= {r["author_id"], r["updated_by"]}
    for d in [*donations, *gone_donations]:
        people |= {d["author_id"], d["handed_by"], d["updated_by"]}
    names, stopped = user_names(db, people), stopped_users(db, people)
    for a in every:
        a["reviews"] = reviews.get(a["id"], [])
        a["conflicts"] = conflicts.get(a["id"], [])
        a["pairing_start"] = pairing["start_date"]
        name_people(a, names, stopped)
    label_authors([*screenings, *gone_screenings, *referrals, *gone_referrals], names, stopped)
    pairing["created_by_name"] = names.get(pairing["created_by"] or "", "")
    timeline = sorted(
        [("activity", a["date"], a["created_at"], a) for a in activities]
        + [("screening", s["date"], s["created_at"], s) for s in screenings]
        + [("referral", r["referred_on"], r["created_at"], r) for r in referrals]
        + [("donation", d["date"], d["created_at"], d) for d in donations]
        # A review has no date of its own: the local day it was made (a return at 01:30 in Beijing is
        # the previous day in UTC, and would sort before that day's visits).
        + [("review", local_date(r["created_at"]), r["created_at"], r) for r in reviews.get(pairing_id, [])],
        key=lambda item: (item[1], item[2]),
    )
    every_review = [r for rows in reviews.values() for r in rows]
    every_conflict = [c for rows in conflicts.values() for c in rows]
    child = {"id": pairing["mentee_id"], "version": pairing["mentee_version"], "deleted": pairing["mentee_deleted"],
             "updated_at": pairing["mentee_updated_at"]}
    pairings = child_pairings(db, scope, pairing["mentee_id"])
    people |= {p["mentor_id"] for p in pairings} | {pairing["mentor_id"]}
    people |= {r["reviewer_id"] for r in every_review}
    people |= {c["user_id"] for c in every_conflict} | {c["resolved_by"] for c in every_conflict}
    return {
        "pairing": pairing, "activities": activities, "deleted": deleted, "screenings": screenings,
        "referrals": referrals, "reviews": reviews.get(pairing_id, []), "conflicts": conflicts.get(pairing_id, []),
        "donations": donations, "deleted_donations": gone_donations,
        "pairings": pairings, "deleted_screenings": gone_screenings, "deleted_referrals": gone_referrals,
        # What the check code covers; ``stamp_of`` makes it once the page has its histories in words.
        "stamped": {"records": [child, *pairings, *every, *screenings, *referrals, *gone_screenings,
                                *gone_referrals, *every_review, *donations, *gone_donations],
                    "conflicts": every_conflict, "people": people,
                    "units": {pairing["unit_id"], pairing["town_id"]}},
        "timeline": [{"kind": kind, "date": day, "item": item} for kind, day, _, item in timeline],
    }


def local_date(stamp: str) -> str:
    """The local (Asia/Shanghai) ISO date of a stored UTC timestamp."""
    return parse_utc(stamp).astimezone(SHANGHAI).date().isoformat()


def history(db: sqlite_utils.Database, entity: str, record_id: str) -> list[dict[str, Any]]:
    """The record's accepted changes, oldest first, with the name of who made each (``user_name``)."""
    rows = record_history(db, entity, record_id)
    names = user_names(db, {r["user_id"] for r in rows})
    for row in rows:
        row["user_name"] = names.get(row["user_id"], "")
    return rows


def ref_names(db: sqlite_utils.Database, entity: str, rows: list[dict[str, Any]]) -> dict[str, str]:
    """Words for the record ids a history mentions: a person's name, a unit's name, a child's code,
    a pairing as "code ← volunteer" (never a child's name: histories are read by the county too)."""
    spec = ENTITIES[entity]
    wanted: dict[str, set[str]] = {}
    for row in rows:
        for name, pair in row["changes"].items():
            field = spec.by_name.get(name)
            if field is not None and field.kind == "ref" and field.ref:
                wanted.setdefault(field.ref, set()).update(v for v in pair if isinstance(v, str))
    out = user_names(db, set(wanted.get("user", set())))
    queries = {
        "unit": "SELECT id, name AS words FROM units WHERE id IN ({})",
        "mentee": "SELECT id, code AS words FROM mentees WHERE id IN ({})",
        "pairing": "SELECT p.id, m.code || ' ← ' || coalesce(u.name, '') AS words FROM pairings p"
                   " JOIN mentees m ON m.id = p.mentee_id LEFT JOIN users u ON u.id = p.mentor_id WHERE p.id IN ({})",
    }
    for ref, sql in queries.items():
        ids = sorted(wanted.get(ref, set()))
        if ids:
            out.update({r["id"]: r["words"] for r in db.query(sql.format(placeholders(ids)), ids)})
    return out


def get_activity(db: sqlite_utils.Database, scope: Scope, activity_id: str, *,
                 deleted_child_too: bool = False) -> dict[str, Any] | None:
    """One live activity in scope with its pairing's child and volunteer, its reviews and the names of
    who wrote, entered and last changed it; None when missing or not yours. ``deleted_child_too``: one
    a deleted child's kept file still shows as well (``mentee_deleted``), to be read, never written."""
    where, params = of_any_child(scope, "activity", "a") if deleted_child_too else visible(scope, "activity", "a")
    row = next(db.query(
        f"""
        SELECT a.*, p.status AS pairing_status, p.start_date AS pairing_start, p.mentor_id, m.code AS mentee_code,
               p.deleted AS pairing_deleted,
               {name_column(scope)} AS mentee_name, m.deleted AS mentee_deleted, us.name AS mentor_name,
               us.active AS mentor_active, un.name AS unit_name
        FROM activities a JOIN pairings p ON p.id = a.pairing_id JOIN mentees m ON m.id = a.mentee_id
        LEFT JOIN users us ON us.id = p.mentor_id LEFT JOIN units un ON un.id = a.unit_id
        WHERE a.id = ? AND {where}
        """,
        [activity_id, *params],
    ), None)
    if row is None:
        return None
    decode_lists(row, *ACTIVITY_LISTS)
    name_people(row, user_names(db, {row["author_id"], row["entered_by"], row["created_by"], row["updated_by"]}),
                stopped_users(db, {row["author_id"]}))
    row["reviews"] = reviews_of(db, [activity_id]).get(activity_id, [])
    return row
