"""The records an archive shows: a pairing's activities (live and deleted) with their reviews and
conflicts, the child's screenings, referrals and donations of a period, all the child's pairings,
and one activity with its people.

Everything is read inside the caller's scope and counts live rows only (``filters.visible``).
"""
from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from sync import Scope
from sync.db import select_in

from .filters import in_scope, of_any_child, of_child, visible
from .names import hide_private, name_column, name_people, stopped_users, user_names

ACTIVITY_LISTS = ("moods", "observations", "tags")  # an activity's JSON list columns


def decode_lists(row: dict[str, Any], *names: str) -> dict[str, Any]:
    """``row`` with the JSON list columns ``names`` decoded (NULL → [])."""
    for name in names:
        row[name] = json.loads(row[name] or "[]")
    return row

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


def referrals_still_open(db: sqlite_utils.Database, scope: Scope, mentee_id: str, start: str, *,
                         child_deleted: bool = False) -> list[dict[str, Any]]:
    """The child's live referrals made before ``start`` (a pairing's first day) and not concluded by
    then: a pairing begun while the child is with a counsellor or a hospital counts no referral of its
    own, and its archive must not read as if there were none going on."""
    sql = ("SELECT x.* FROM referrals x WHERE x.mentee_id = ? AND x.referred_on < ?"
           " AND (x.status != 'concluded' OR x.concluded_on >= ?) AND {where} ORDER BY x.referred_on, x.created_at")
    return _dated_rows(db, scope, "referral", sql, [mentee_id, start, start], False, child_deleted)


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


def reviews_of(db: sqlite_utils.Database, target_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Every review of these records (reviews are never deleted), oldest first, by target id."""
    out: dict[str, list[dict[str, Any]]] = {}
    names, rows = select_in(db, "SELECT r.*, u.name AS reviewer_name FROM reviews r LEFT JOIN users u ON u.id ="
                                " r.reviewer_id WHERE r.target_id {in} ORDER BY r.created_at, r.id", target_ids)
    for values in rows:
        row = dict(zip(names, values, strict=True))
        out.setdefault(row["target_id"], []).append(row)
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
