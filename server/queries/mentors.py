"""Volunteers (五老) as the station sees them: the list, one volunteer's file, pairings and phones.

Volunteers are accounts (``users`` with role ``mentor``), not synced records; their scope is the
unit they belong to, read with the same ``in_scope`` rule as everything else.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from sync import Scope
from sync.db import placeholders
from sync.scope import unit_subtree

from .filters import contains, in_scope, live, running, visible
from .names import name_column

PAGE_SIZE = 50
UNSET_KIND = "unset"  # the list's filter value for the accounts whose kind nobody has filled in


@dataclass(frozen=True)
class MentorFilter:
    q: str = ""
    unit_id: str = ""
    active: str = "1"  # "1" in service, "0" deactivated, "" both
    kind: str = ""  # a key of MENTOR_KINDS, UNSET_KIND, or "" for every kind
    page: int = 1


def _where(scope: Scope) -> tuple[str, list[Any]]:
    sql, params = in_scope(scope, "user", "u")
    return f"u.role = 'mentor' AND ({sql}) AND u.unit_id IN (SELECT id FROM units WHERE deleted = 0)", params


def list_mentors(db: sqlite_utils.Database, scope: Scope, f: MentorFilter) -> tuple[list[dict[str, Any]], int]:
    """One page of volunteers in ``scope`` matching ``f``, and how many match in all."""
    sql, params = _where(scope)
    where, args = [sql], list(params)
    if f.q:
        like = contains(f.q)
        where.append("(u.name LIKE ? ESCAPE '\\' OR u.login LIKE ? ESCAPE '\\' OR u.phone LIKE ? ESCAPE '\\')")
        args += [like, like, like]
    if f.unit_id:
        units = sorted(unit_subtree(db, f.unit_id))
        where.append(f"u.unit_id IN ({placeholders(units)})")
        args += units
    if f.active in ("0", "1"):
        where.append("u.active = ?")
        args.append(int(f.active))
    if f.kind == UNSET_KIND:
        where.append("u.mentor_kind IS NULL")
    elif f.kind:
        where.append("u.mentor_kind = ?")
        args.append(f.kind)
    condition = " AND ".join(where)
    total = int(db.execute(f"SELECT count(*) FROM users u WHERE {condition}", args).fetchone()[0])
    rows = list(db.query(
        f"""
        SELECT u.id, u.login, u.name, u.phone, u.about, u.mentor_kind, u.smartphone, u.active, u.unit_id,
               un.name AS unit_name,
               (SELECT count(*) FROM pairings p WHERE p.mentor_id = u.id AND {running("p")}
                AND p.deleted = 0) AS active_pairings,
               (SELECT count(*) FROM sync_devices d WHERE d.user_id = u.id AND d.revoked_at IS NULL) AS phones,
               (SELECT max(d.last_seen_at) FROM sync_devices d WHERE d.user_id = u.id) AS last_sync
        FROM users u JOIN units un ON un.id = u.unit_id
        WHERE {condition}
        ORDER BY u.active DESC, un.name, u.name
        LIMIT ? OFFSET ?
        """,
        [*args, PAGE_SIZE, (max(f.page, 1) - 1) * PAGE_SIZE]))
    for row in rows:
        row["active"], row["smartphone"] = bool(row["active"]), bool(row["smartphone"])
    return rows, total


def get_mentor(db: sqlite_utils.Database, scope: Scope, user_id: str) -> dict[str, Any] | None:
    """One volunteer in ``scope`` with the unit's name, or None (not found and not yours look alike)."""
    sql, params = _where(scope)
    row = next(db.query(
        f"SELECT u.id, u.login, u.name, u.phone, u.about, u.mentor_kind, u.smartphone, u.active, u.unit_id,"
        f" u.created_at,"
        f" un.name AS unit_name FROM users u JOIN units un ON un.id = u.unit_id WHERE u.id = ? AND {sql}",
        [user_id, *params]), None)
    if row is not None:
        row["active"], row["smartphone"] = bool(row["active"]), bool(row["smartphone"])
    return row


def mentor_pairings(db: sqlite_utils.Database, scope: Scope, user_id: str) -> list[dict[str, Any]]:
    """The volunteer's live pairings in ``scope``, current first, with the child and the last activity.

    ``repair`` marks a pairing ended because this volunteer stopped whose child, still in care, has
    no pairing now: the child waits for another volunteer.
    """
    sql, params = visible(scope, "pairing", "p")
    return list(db.query(
        f"""
        SELECT p.id, p.version, p.status, p.start_date, p.end_date, p.approach, p.outcome, m.id AS mentee_id,
               m.code AS mentee_code, {name_column(scope)} AS mentee_name, m.risk_level, un.name AS unit_name,
               (SELECT max(a.date) FROM activities a WHERE a.pairing_id = p.id AND a.deleted = 0) AS last_activity,
               p.status = 'closed' AND p.outcome = 'mentor_left' AND m.status = 'active' AND NOT EXISTS (
                 SELECT 1 FROM pairings o WHERE o.mentee_id = m.id AND o.status = 'active' AND o.deleted = 0
               ) AS repair
        FROM pairings p JOIN mentees m ON m.id = p.mentee_id JOIN units un ON un.id = p.unit_id
        WHERE p.mentor_id = ? AND {sql}
        ORDER BY p.status = 'active' DESC, p.start_date DESC
        """,
        [user_id, *params]))


def active_pairing_units(db: sqlite_utils.Database, user_id: str) -> list[str]:
    """The units of the children the volunteer is paired with now (every scope: what their phone pulls)."""
    return [r[0] for r in db.execute(
        "SELECT unit_id FROM pairings WHERE mentor_id = ? AND status = 'active' AND deleted = 0", [user_id])]


def pairings_to_end(db: sqlite_utils.Database, scope: Scope, user_id: str) -> tuple[list[dict[str, Any]], int]:
    """What stopping the volunteer may end (``sync.stopping.deactivate_user``): their live active pairings
    in ``scope`` (child, unit, the version shown), and how many more have children outside it."""
    active = [p for p in mentor_pairings(db, scope, user_id) if p["status"] == "active"]
    everywhere = db.execute(f"SELECT count(*) FROM pairings p WHERE p.mentor_id = ? AND p.status = 'active'"
                            f" AND {live('pairing', 'p')}", [user_id]).fetchone()[0]
    return active, int(everywhere) - len(active)


def mentor_devices(db: sqlite_utils.Database, user_id: str) -> list[dict[str, Any]]:
    """The volunteer's phones: name, enrolled, last sync, revoked (with the reason), and whether the
    server holds the phone's recovery key (it has set a PIN, so a PIN-recovery code can help it)."""
    return list(db.query(
        "SELECT d.id, d.name, d.created_at, d.last_seen_at, d.revoked_at, d.revoked_reason,"
        " EXISTS (SELECT 1 FROM recovery_keys k WHERE k.device_id = d.id) AS has_recovery_key"
        " FROM sync_devices d WHERE d.user_id = ? ORDER BY d.revoked_at IS NOT NULL, d.created_at DESC", [user_id]))


def mentor_options(db: sqlite_utils.Database, scope: Scope) -> list[tuple[str, str]]:
    """(id, name · unit) of the active volunteers in ``scope``, for pickers."""
    sql, params = _where(scope)
    return [(r["id"], f"{r['name']}（{r['unit_name']}）") for r in db.query(
        f"SELECT u.id, u.name, un.name AS unit_name FROM users u JOIN units un ON un.id = u.unit_id"
        f" WHERE u.active = 1 AND {sql} ORDER BY un.name, u.name", params)]


def m_logins(db: sqlite_utils.Database) -> set[str]:
    """The logins ``free_login`` must avoid (those starting with m or M)."""
    return {r[0] for r in db.execute("SELECT login FROM users WHERE login LIKE 'm%'").fetchall()}


def free_login(db: sqlite_utils.Database, phone: str | None, taken: set[str] | None = None) -> str:
    """A login for a volunteer who has none: ``m`` + their mobile number, else ``m`` + a short number.

    Volunteers never type it (their phone enrols with a code), but accounts need one that is unique.
    ``taken``: ``m_logins`` when the caller keeps it (an import creating many accounts reads it once).
    """
    # Full-width digits (a Chinese IME's) are the same number: m13905137777 whichever were typed.
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", phone or "") if ch.isascii() and ch.isdigit())
    if taken is None:
        taken = m_logins(db)
    if 5 <= len(digits) <= 20 and f"m{digits}" not in taken:
        return f"m{digits}"
    number = 1 + len(taken)
    while f"m{number:04d}" in taken:
        number += 1
    return f"m{number:04d}"
