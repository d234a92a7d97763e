"""Follow-ups and risk flags: what a station must act on, computed from the activities.

- An **open risk flag** is a live activity with ``risk_flag`` set and no ``risk_action``
  (处理记录) written yet; it stays on the station home page until someone records what was done.
- A pairing's **follow-up** is the ``follow_up_due`` of its latest live activity (by date, then
  id: UUIDv7 ids sort by creation). A later activity *is* the follow-up, so only the latest
  counts; it is **overdue** when that date is before today (Asia/Shanghai) and the pairing is
  still active. A closed pairing owes no follow-up.
"""
from __future__ import annotations

import datetime
from typing import Any

import sqlite_utils

from sync import Scope

from .filters import in_scope, visible
from .names import name_column

# The one definition of an open risk flag (the dashboard counts with it too), on activities ``a``.
OPEN_RISK_FLAG = "a.risk_flag = 1 AND coalesce(trim(a.risk_action), '') = ''"

_PEOPLE = """
    JOIN mentees m ON m.id = a.mentee_id
    JOIN pairings p ON p.id = a.pairing_id
    JOIN units un ON un.id = a.unit_id
    LEFT JOIN users mentor ON mentor.id = p.mentor_id
"""


def _columns(scope: Scope) -> str:
    # The child's name only for those who see names: the admin opens this page too, over every unit.
    return f"""
    a.id, a.pairing_id, a.mentee_id, a.unit_id, a.kind, a.date, a.record, a.follow_up, a.follow_up_due,
    a.version, a.review_status, a.entered_by, a.author_id, m.code AS mentee_code,
    {name_column(scope)} AS mentee_name, m.risk_level,
    un.name AS unit_name, mentor.name AS mentor_name, mentor.phone AS mentor_phone,
    mentor.active AS mentor_active, p.start_date AS pairing_start
"""


# Risk flags are read from the partial index of flagged activities, by date: the scope's
# "unit_id IN (…)" would otherwise send SQLite through every activity of the units in scope
# (about 4 s for a county of 10^6 activities, where a few thousand are flagged).
_FLAGGED = "activities a INDEXED BY idx_activities_risk_date"


def open_risk_flags(db: sqlite_utils.Database, scope: Scope, *, limit: int = -1,
                    offset: int = 0) -> list[dict[str, Any]]:
    """Live risk-flagged activities in ``scope`` whose handling is not written yet, newest first;
    ``limit`` of them from ``offset`` (all by default)."""
    where, params = _open_flags(scope)
    return list(db.query(
        f"SELECT {_columns(scope)} FROM {_OPEN_FLAGS_FROM} WHERE {where}"
        " ORDER BY a.date DESC, a.id DESC LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ))


def count_open_risk_flags(db: sqlite_utils.Database, scope: Scope) -> int:
    """How many rows ``open_risk_flags`` gives for ``scope`` in all."""
    where, params = _open_flags(scope)
    return int(db.execute(f"SELECT count(*) FROM {_OPEN_FLAGS_FROM} WHERE {where}", params).fetchone()[0])


def open_risk_flags_of_child(db: sqlite_utils.Database, scope: Scope, mentee_id: str) -> list[str]:
    """The ids of ``mentee_id``'s open risk flags in ``scope`` (the rows ``open_risk_flags`` lists
    for that child), newest first: the referral page leads to the first on the desk, and 结束帮扶
    counts them (the desk's own rows, so the page's 这个孩子有 N 条 is what stays on the desk)."""
    where, params = _open_flags(scope)
    return [str(r[0]) for r in db.execute(
        f"SELECT a.id FROM {_OPEN_FLAGS_FROM} WHERE {where} AND m.id = ? ORDER BY a.date DESC, a.id DESC",
        [*params, mentee_id])]


# The open flags and their count read the same rows (the count's tile must match the list).
_OPEN_FLAGS_FROM = f"{_FLAGGED} {_PEOPLE}"


def _open_flags(scope: Scope) -> tuple[str, list[Any]]:
    sql, params = _visible_joined(scope)
    return f"{OPEN_RISK_FLAG} AND {sql}", params


def _visible_joined(scope: Scope) -> tuple[str, list[Any]]:
    """``visible(scope, "activity", "a")`` for the reads that join the activity's own pairing ``p``,
    child ``m`` and unit ``un``: each parent is live when its joined row is, read by the join anyway.
    (Written when ``live``'s tests of the same built a list of a county's 50,000 live pairings and
    children for every query, 0.03-0.05 s of each list and count; since m043 they read the deleted few.)"""
    sql, params = in_scope(scope, "activity", "a")
    return f"({sql}) AND a.deleted = 0 AND p.deleted = 0 AND m.deleted = 0 AND un.deleted = 0", params


def handled_risk_flags(db: sqlite_utils.Database, scope: Scope, *, limit: int = 5) -> list[dict[str, Any]]:
    """The most recently handled risk flags (what was done, when, by whom), newest first.

    A flag the volunteer (or anyone) unticked after its handling stays among them, with
    ``withdrawn`` set, ``withdrawn_at`` (UTC, from the audit log) and ``withdrawn_by``/``withdrawn_by_name``: the write
    path allows the untick once handled, and the flag silently leaving this list told nobody."""
    sql, params = visible(scope, "activity", "a")
    columns = (f"{_columns(scope)}, a.risk_action, a.risk_action_on, handler.name AS handler_name")
    handled = "coalesce(trim(a.risk_action), '') != ''"
    return list(db.query(
        f"SELECT {columns}, 0 AS withdrawn, NULL AS withdrawn_at, NULL AS withdrawn_by, NULL AS withdrawn_by_name"
        f" FROM {_FLAGGED} {_PEOPLE} LEFT JOIN users handler ON handler.id = a.risk_action_by"
        f" WHERE a.risk_flag = 1 AND {handled} AND {sql}"
        f" UNION ALL SELECT {columns}, 1, w.at, w.user_id, withdrawer.name FROM activities a {_PEOPLE}"
        " LEFT JOIN users handler ON handler.id = a.risk_action_by"
        f" LEFT JOIN sync_audit w ON w.id = ({_WITHDRAWAL})"
        " LEFT JOIN users withdrawer ON withdrawer.id = w.user_id"
        # risk_action IS NOT NULL in the words of m050's partial index, which holds these rare rows alone.
        f" WHERE a.risk_flag = 0 AND a.risk_action IS NOT NULL AND {handled} AND {sql}"
        " ORDER BY risk_action_on DESC, date DESC LIMIT ?",
        [*params, *params, limit],
    ))


# The audit row of a flag's last untick: found by the record's number as ``sync.audit.record_history``
# finds its history (the audit log has no index on record ids).
_WITHDRAWAL = ("SELECT max(s.id) FROM sync_audit s WHERE s.num = a.num AND s.record_id = a.id"
               " AND s.status IN ('applied', 'merged', 'conflict')"
               " AND json_extract(s.changes, '$.risk_flag[1]') = 0")


def overdue_follow_ups(db: sqlite_utils.Database, scope: Scope, today: datetime.date, *,
                       limit: int = -1) -> list[dict[str, Any]]:
    """Active pairings whose latest activity's follow-up date is before ``today``, most overdue first
    (the first ``limit``; all by default).

    Each row has ``days_overdue``. A pairing's latest live activity is the row the write path keeps
    in ``pairing_latest`` (sync/latest.py): an overdue date can be any past date, and starting from
    the activities with one would read nearly all of a county's history. The rows due before today
    come first (CROSS JOIN), then only their pairings and activities: county-wide over 10^6
    activities 0.13 s, a station 0.08 s, the same rows as the probe of every active pairing's
    activities that this replaces (0.71-0.73 s county-wide; docs/performance.md, "Reports").
    """
    where, params = _overdue(scope, today)
    rows = list(db.query(
        f"SELECT {_columns(scope)} FROM {_OVERDUE_FROM} LEFT JOIN users mentor ON mentor.id = p.mentor_id"
        f" WHERE {where} ORDER BY a.follow_up_due, m.code LIMIT ?",
        [*params, limit],
    ))
    for row in rows:
        row["days_overdue"] = (today - datetime.date.fromisoformat(row["follow_up_due"])).days
    return rows


def count_overdue_follow_ups(db: sqlite_utils.Database, scope: Scope, today: datetime.date) -> int:
    """How many rows ``overdue_follow_ups`` gives for ``scope`` in all."""
    where, params = _overdue(scope, today)
    return int(db.execute(f"SELECT count(*) FROM {_OVERDUE_FROM} WHERE {where}", params).fetchone()[0])


# The overdue list and its count read the same rows (the count's tile must match the table).
_OVERDUE_FROM = ("pairing_latest l CROSS JOIN pairings p ON p.id = l.pairing_id"
                 " JOIN activities a ON a.id = l.activity_id"
                 " JOIN mentees m ON m.id = a.mentee_id JOIN units un ON un.id = a.unit_id")


def _overdue(scope: Scope, today: datetime.date) -> tuple[str, list[Any]]:
    sql, params = _visible_joined(scope)
    # The pairing is live as its activity is: its child is the activity's (a pairing's never
    # changes) and its unit too (a child who moves takes both along: sync/rules/effects.py).
    pairing_sql, pairing_params = in_scope(scope, "pairing", "p")
    return (f"p.status = 'active' AND ({pairing_sql}) AND l.follow_up_due < ? AND {sql}",
            [*pairing_params, today.isoformat(), *params])


def due_follow_ups(db: sqlite_utils.Database, scope: Scope, today: datetime.date, *,
                   days: int = 7) -> list[dict[str, Any]]:
    """Active pairings whose next follow-up falls from ``today`` to ``today + days``, soonest first.

    Read from the partial index of follow-up dates, the week's range only, each kept when no later
    live activity of its pairing follows it.
    """
    end = today + datetime.timedelta(days=days)
    sql, params = visible(scope, "activity", "a")
    return list(db.query(
        f"SELECT {_columns(scope)} FROM activities a INDEXED BY idx_activities_follow_up {_PEOPLE}"
        f" WHERE p.status = 'active' AND a.follow_up_due BETWEEN ? AND ? AND {sql}"
        " AND NOT EXISTS (SELECT 1 FROM activities b WHERE b.pairing_id = a.pairing_id AND b.deleted = 0"
        "   AND (b.date > a.date OR (b.date = a.date AND b.id > a.id)))"
        " ORDER BY a.follow_up_due, m.code",
        [today.isoformat(), end.isoformat(), *params],
    ))


def get_flagged_activity(db: sqlite_utils.Database, scope: Scope, activity_id: str) -> dict[str, Any] | None:
    """One live risk-flagged activity in ``scope`` (for recording its handling), or None."""
    sql, params = visible(scope, "activity", "a")
    return next(db.query(
        f"SELECT {_columns(scope)}, a.risk_action, a.risk_action_on FROM activities a {_PEOPLE}"
        f" WHERE a.id = ? AND a.risk_flag = 1 AND {sql}",
        [activity_id, *params],
    ), None)


def follow_up_of(db: sqlite_utils.Database, pairing: dict[str, Any], today: datetime.date) -> dict[str, Any] | None:
    """The follow-up an active ``pairing`` owes (its latest live activity's date for it), with
    ``days_overdue`` when that date is past: the same row the dashboard and the station home count,
    so the archive opened from their overdue lists says the same."""
    if pairing["status"] != "active" or pairing["deleted"] or pairing.get("mentee_deleted"):
        return None
    found = db.execute("SELECT follow_up_due FROM pairing_latest WHERE pairing_id = ?", [pairing["id"]]).fetchone()
    if found is None or not found[0]:
        return None
    days = (today - datetime.date.fromisoformat(found[0])).days
    return {"due": found[0], "days_overdue": max(days, 0)}
