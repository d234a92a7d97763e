"""Pairings gone quiet (久未帮扶): running, and nobody has visited the child for longer than the
county's interval.

A running pairing (``filters.running``, live, of a live child) is **quiet** on ``today`` (an
Asia/Shanghai date) when its last live visit — any activity but a 集体活动, dated on or before
today — or, with none, its start date lies more than ``quiet_after_days`` days before today. A
follow-up date (跟踪日期) changes nothing: a visit that set none is still a visit of that day, and
an overdue follow-up (``followups.py``) is a different list. A group activity reaches a class, not
the child, so it never counts as visiting; a visit dated ahead (a typo) has not happened yet.

The interval is the county's setting ``quiet_after_days`` (``county_settings``, migration m039;
30 days until the county changes it), written through the writer thread like any other write and
audited in ``sync_audit`` (entity ``county_setting``, like a deadline's or an account's change);
``/quiet`` lists its changes (``setting_changes``, over m041's partial index).
The card (``count_quiet_pairings``: the dashboard, the station home) and the list (``quiet_pairings``:
``/quiet``) read the same SQL over the same units (``_quiet``), so figure and list agree in every scope.
"""
from __future__ import annotations

import datetime
import json
from typing import Any

import sqlite_utils

from sync import Actor
from sync.audit import append_audit

from .dashboard import Units, _in_units
from .filters import running

QUIET_SETTING = "quiet_after_days"
SETTING_ENTITY = "county_setting"  # its changes in sync_audit
DEFAULT_QUIET_AFTER_DAYS = 30  # what m039 stores; read only if the row is missing
MIN_QUIET_AFTER_DAYS, MAX_QUIET_AFTER_DAYS = 7, 365
# On activities ``a``: a live visit to the child. A 集体活动 reaches a class, not the child.
VISIT = "a.kind != 'group' AND a.deleted = 0"


def quiet_after_days(db: sqlite_utils.Database) -> int:
    """The county's interval in days."""
    row = db.execute("SELECT value FROM county_settings WHERE name = ?", [QUIET_SETTING]).fetchone()
    return int(row[0]) if row else DEFAULT_QUIET_AFTER_DAYS


def quiet_setting(db: sqlite_utils.Database) -> dict[str, Any]:
    """The interval, when it was last set and by whom (None before anyone changed the default)."""
    row = db.execute("SELECT s.value, s.updated_at, u.name FROM county_settings s LEFT JOIN users u"
                     " ON u.id = s.updated_by WHERE s.name = ?", [QUIET_SETTING]).fetchone()
    if row is None:
        return {"days": DEFAULT_QUIET_AFTER_DAYS, "updated_at": None, "updated_by": None}
    return {"days": int(row[0]), "updated_at": row[1] if row[2] else None, "updated_by": row[2]}


def parse_quiet_after_days(raw: object) -> int | None:
    """A typed interval as a whole number of days inside the bounds, else None."""
    text = str(raw).strip() if isinstance(raw, str) else ""
    if not (text.isascii() and text.isdigit() and len(text) <= 3):
        return None
    days = int(text)
    return days if MIN_QUIET_AFTER_DAYS <= days <= MAX_QUIET_AFTER_DAYS else None


def set_quiet_after_days(db: sqlite_utils.Database, days: int, actor: Actor, now: str) -> bool:
    """Store the interval (``store.write``: on the writer thread, in its transaction) and audit the
    change, from what it was to what it is. False: it was that already, nothing written."""
    before = quiet_after_days(db)
    if before == days:
        return False
    user_id = actor.user_id
    append_audit(db, actor, SETTING_ENTITY, QUIET_SETTING, "update", {"value": [before, days]})
    db.execute(
        "INSERT INTO county_settings (name, value, updated_at, updated_by) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,"
        " updated_by = excluded.updated_by",
        [QUIET_SETTING, days, now, user_id])
    return True


def setting_changes(db: sqlite_utils.Database, name: str = QUIET_SETTING, limit: int = 20) -> list[dict[str, Any]]:
    """The latest changes of a county setting from the audit, newest first: when, who, from, to."""
    rows = db.execute(
        "SELECT a.at, u.name, a.changes FROM sync_audit a LEFT JOIN users u ON u.id = a.user_id"
        f" WHERE a.entity = '{SETTING_ENTITY}' AND a.record_id = ? ORDER BY a.at DESC, a.rowid DESC LIMIT ?",
        [name, limit]).fetchall()
    out = []
    for at, who, changes in rows:
        before, after = json.loads(changes)["value"]
        out.append({"at": at, "by": who, "from": before, "to": after})
    return out


def _quiet(units: Units, today: datetime.date, interval: int) -> tuple[str, list[Any]]:
    """SQL (FROM and WHERE, on pairings ``p``, mentees ``m``, pairing_latest ``l``) and parameters:
    the quiet pairings of ``units`` on ``today``.

    Quiet is: no visit from the cutoff to today, and something before the cutoff to count from (the
    start, or a visit). The pairing's latest live activity (sync/latest.py) settles the first half
    without a probe when it is older than the cutoff, or absent; only the others probe their
    visits since the cutoff, along idx_activities_pairing_date, which covers the test. Over the
    reports bench's 42,000 running pairings this is 0.1 s, where reading every candidate's last
    visit and sorting it out here took 0.28 s beside a 0.27 s dashboard.
    """
    cutoff, day = (today - datetime.timedelta(days=interval)).isoformat(), today.isoformat()
    cond, params = _in_units(units, "p.unit_id")
    sql = f"""
        FROM pairings p JOIN mentees m ON m.id = p.mentee_id LEFT JOIN pairing_latest l ON l.pairing_id = p.id
        WHERE {running("p", today)} AND p.deleted = 0 AND m.deleted = 0 AND {cond}
          AND CASE WHEN l.date IS NULL OR l.date < ? THEN 1
                   ELSE NOT EXISTS (SELECT 1 FROM activities a WHERE a.pairing_id = p.id AND a.date >= ?
                                    AND a.date <= ? AND {VISIT}) END
          AND (p.start_date < ? OR EXISTS (SELECT 1 FROM activities a WHERE a.pairing_id = p.id AND a.date < ?
                                           AND {VISIT}))
    """
    return sql, [*params, cutoff, cutoff, day, cutoff, cutoff]


def quiet_pairings(db: sqlite_utils.Database, units: Units, today: datetime.date, *, days: int | None = None,
                   names: bool = False) -> list[dict[str, Any]]:
    """The quiet pairings of ``units`` on ``today``, the longest quiet first (then by code); each
    with its child's code (and name, with ``names``), volunteer, unit, last visit and days since.
    ``days``: the interval (default: the county's setting)."""
    where, params = _quiet(units, today, quiet_after_days(db) if days is None else days)
    rows = db.execute(
        f"""
        SELECT p.id, p.unit_id, p.start_date, m.code, {'m.name' if names else 'NULL'},
               (SELECT u.name FROM users u WHERE u.id = p.mentor_id),
               (SELECT u.active FROM users u WHERE u.id = p.mentor_id),
               (SELECT max(a.date) FROM activities a WHERE a.pairing_id = p.id AND a.date <= ? AND {VISIT})
        {where}
        """,
        [today.isoformat(), *params],
    ).fetchall()
    out = []
    for pairing_id, unit_id, start, code, mentee_name, mentor_name, mentor_active, last_date in rows:
        unit = units[unit_id]
        out.append({"pairing_id": pairing_id, "unit_id": unit_id, "code": code, "mentee_name": mentee_name,
                    "mentor_name": mentor_name, "mentor_active": mentor_active,
                    "last_date": last_date, "pairing_start": start,
                    "days": (today - datetime.date.fromisoformat(last_date or start)).days,
                    "unit_name": unit.name, "town_name": unit.town_name})
    out.sort(key=lambda r: (-r["days"], r["code"]))
    return out


def count_quiet_pairings(db: sqlite_utils.Database, units: Units, today: datetime.date) -> dict[str, int]:
    """The dashboard's and the station home's card: how many, and the interval they are counted by;
    the same rows ``quiet_pairings`` lists."""
    days = quiet_after_days(db)
    where, params = _quiet(units, today, days)
    return {"count": int(db.execute(f"SELECT count(*) {where}", params).fetchone()[0]), "days": days}
