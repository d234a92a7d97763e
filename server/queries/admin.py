"""What the admin pages read: accounts, how much hangs from each unit, who an access-log target is.

The admin's scope is the whole database; these functions take no ``Scope`` and are only called
from the ``ADMIN`` pages.
"""
from __future__ import annotations

from typing import Any

import sqlite_utils

from sync.account_values import fold_login
from sync.db import select_in
from sync.labels import role_label
from sync.names import plain_name
from sync.rules.children import mentee_code
from sync.rules.units import UNIT_HOLDINGS
from sync.system import SYSTEM_USER_ID

from .filters import chosen, contains


def list_users(db: sqlite_utils.Database, *, role: str | None = None, unit_id: str | None = None,
               active: bool | None = None, text: str | None = None) -> list[dict[str, Any]]:
    """Accounts with their unit's name, last web sign-in, number of phones in use and, as a volunteer
    never signs in on the web, when the latest of those phones last synced (``last_sync``; None when
    none has since it was enrolled: enrolment stamps ``last_seen_at`` with ``created_at``, the first
    pull moves it). Subqueries, not a query a row: the list is one read a page."""
    picked, params = chosen({"role": role, "unit_id": unit_id}, {"role": "u.role = ?", "unit_id": "u.unit_id = ?"})
    where = [f"u.id != '{SYSTEM_USER_ID}'", *picked]
    if active is not None:
        where.append("u.active = ?")
        params.append(int(active))
    if text:
        where.append("(u.login LIKE ? ESCAPE '\\' OR u.name LIKE ? ESCAPE '\\' OR u.phone LIKE ? ESCAPE '\\')")
        like = contains(text)
        params += [like, like, like]
    return list(db.query(
        f"""
        SELECT u.id, u.login, u.name, u.role, u.unit_id, u.phone, u.active, u.about, un.name AS unit_name,
               un.kind AS unit_kind,
               (SELECT max(s.created_at) FROM web_sessions s WHERE s.user_id = u.id) AS last_sign_in,
               (SELECT count(*) FROM sync_devices d WHERE d.user_id = u.id AND d.revoked_at IS NULL) AS phones,
               (SELECT max(CASE WHEN d.last_seen_at != d.created_at THEN d.last_seen_at END) FROM sync_devices d
                WHERE d.user_id = u.id AND d.revoked_at IS NULL) AS last_sync
        FROM users u LEFT JOIN units un ON un.id = u.unit_id
        WHERE {' AND '.join(where)} ORDER BY un.name, u.role, u.name
        """,
        params,
    ))


def account_role(db: sqlite_utils.Database, user_id: str) -> str:
    """An account's role in words as stored, a staff account's by its unit's kind (``role_label``)."""
    row = db.execute("SELECT u.role, un.kind FROM users u LEFT JOIN units un ON un.id = u.unit_id WHERE u.id = ?",
                     [user_id]).fetchone()
    return role_label(row[0], row[1]) if row else ""


def unit_usage(db: sqlite_utils.Database) -> dict[str, dict[str, int]]:
    """Per live unit: its live child units, active accounts and live mentees (a unit holding any
    of them cannot be deleted)."""
    usage: dict[str, dict[str, int]] = {}

    def add(sql: str, key: str) -> None:
        for unit_id, n in db.execute(sql).fetchall():
            usage.setdefault(unit_id, {"children": 0, "users": 0, "mentees": 0})[key] = n

    add("SELECT parent_id, count(*) FROM units WHERE deleted = 0 AND parent_id IS NOT NULL GROUP BY parent_id",
        "children")
    add("SELECT unit_id, count(*) FROM users WHERE active = 1 GROUP BY unit_id", "users")
    add("SELECT unit_id, count(*) FROM mentees WHERE deleted = 0 GROUP BY unit_id", "mentees")
    return usage


def records_held(db: sqlite_utils.Database, unit_id: str) -> list[str]:
    """What the unit still holds, beyond units, accounts and children, that the write path will not
    let go with it (``sync.rules.units.UNIT_HOLDINGS``, probed the same way): its events, returns …"""
    return [label for entity_name, label, sql in UNIT_HOLDINGS
            if entity_name not in ("unit", "mentee") and db.execute(sql + " LIMIT 1", [unit_id]).fetchone()]


def counted_records(db: sqlite_utils.Database, unit_id: str) -> dict[str, int]:
    """The unit's own live mentees and group events: what the statistics form counts in its row."""
    mentees, events = db.execute(
        "SELECT (SELECT count(*) FROM mentees WHERE unit_id = ? AND deleted = 0),"
        " (SELECT count(*) FROM events WHERE unit_id = ? AND deleted = 0)", [unit_id, unit_id]).fetchone()
    return {"mentees": int(mentees), "events": int(events)}


def describe_targets(db: sqlite_utils.Database, targets: list[str]) -> dict[str, str]:
    """What each access-log target is, in words: a mentee by pseudonymous code, a pairing, an
    activity or a referral by its mentee's code, a statistics return by its unit and period, an
    account (a volunteer whose phone export was entered) by name and login, a unit by name.
    Unknown ids are left out."""
    ids = sorted({t for t in targets if t})
    out: dict[str, str] = {}
    if not ids:
        return out
    for sql, template in (
        ("SELECT m.id, m.code, u.name FROM mentees m LEFT JOIN units u ON u.id = m.unit_id WHERE m.id {in}",
         "帮扶对象 {0}（{1}）"),
        ("SELECT p.id, m.code, u.name FROM pairings p JOIN mentees m ON m.id = p.mentee_id"
         " LEFT JOIN units u ON u.id = p.unit_id WHERE p.id {in}", "结对 {0}（{1}）"),
        ("SELECT a.id, m.code, u.name FROM activities a JOIN mentees m ON m.id = a.mentee_id"
         " LEFT JOIN units u ON u.id = a.unit_id WHERE a.id {in}", "帮扶活动 {0}（{1}）"),
        ("SELECT r.id, m.code, u.name FROM referrals r JOIN mentees m ON m.id = r.mentee_id"
         " LEFT JOIN units u ON u.id = r.unit_id WHERE r.id {in}", "转介 {0}（{1}）"),
        ("SELECT s.id, u.name, s.period_from || '至' || s.period_to FROM stats_returns s"
         " LEFT JOIN units u ON u.id = s.unit_id WHERE s.id {in}", "统计表报送 {0}（{1}）"),
        ("SELECT id, name, login FROM users WHERE id {in}", "账号 {0}（{1}）"),
        ("SELECT id, name, '' FROM units WHERE id {in}", "单位 {0}"),
    ):
        for record_id, first, second in select_in(db, sql, ids)[1]:
            out.setdefault(record_id, template.format(first, second or ""))
    return out


def target_for_code(db: sqlite_utils.Database, code: str) -> str | None:
    """The mentee id behind a pseudonymous code, so the admin can search the log by code.

    Typed as a person types it: in the stored form first (a full-width Ｂ or a space folded, as
    the write path stores codes), else in either case when that names one child (bx-2026-0029
    found nothing, and the page read as "no one looked at this child")."""
    text = mentee_code(code)
    row = db.execute("SELECT id FROM mentees WHERE trim(code) = ?", [text]).fetchone()
    if row:
        return str(row[0])
    rows = db.execute("SELECT id FROM mentees WHERE upper(trim(code)) = upper(?) LIMIT 2", [text]).fetchall()
    return str(rows[0][0]) if len(rows) == 1 else None


def child_unit(db: sqlite_utils.Database, mentee_id: str | None) -> str | None:
    """The name of the unit of the child ``mentee_id`` (None for no child): a list or a phone's pull that
    showed the child is logged on that unit, not on the child."""
    row = db.execute("SELECT u.name FROM mentees m JOIN units u ON u.id = m.unit_id WHERE m.id = ?",
                     [mentee_id]).fetchone() if mentee_id else None
    return str(row[0]) if row else None


def people_in_log(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """(user id, "name（login）") of everyone with a row in the access log, for the person filter."""
    return [(r[0], f"{r[1]}（{r[2]}）") for r in db.execute(
        "SELECT u.id, u.name, u.login FROM users u WHERE u.id IN (SELECT DISTINCT user_id FROM access_log)"
        " ORDER BY u.name").fetchall()]


def accounts_for(db: sqlite_utils.Database, text: str) -> list[tuple[str, str]]:
    """(user id, "name（login）") of the accounts ``text`` names: by id, by login as typed (folded as
    logins are stored), else by name; several when several people share the name."""
    login = fold_login(text)
    found = db.execute("SELECT id, name, login FROM users WHERE id = ? OR login = ?", [text, login]).fetchall()
    if not found:
        # As the imports compare names (full-width forms, an ideographic space, a zero-width one folded),
        # with no space at all: SQL's replace() took out only ASCII spaces, and 王　雨欣, copied from the
        # accounts list, named no one. Accounts are a county's few thousand, read only on a miss.
        wanted = _spaceless(text)
        found = [r for r in db.execute("SELECT id, name, login FROM users ORDER BY login").fetchall()
                 if wanted and _spaceless(r[1] or "") == wanted]
    return [(r[0], f"{r[1]}（{r[2]}）") for r in found]


def _spaceless(name: str) -> str:
    return "".join(plain_name(name).split())
