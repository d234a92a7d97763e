"""Web sign-in: a signed session cookie over a ``web_sessions`` row.

The cookie ``bx_session`` holds the session id signed with the ``session`` salt (keys
rotate like device tokens); it is HttpOnly, SameSite=Lax, Secure over HTTPS. A session lasts
``session_hours`` after the last page that renewed it; ending the row (logout) or
deactivating the account ends it at once. Passwords are verified with argon2 *outside* the
writer thread: the writer serialises every write, phones included, and argon2 is slow.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import sqlite_utils
from itsdangerous import BadSignature, SignatureExpired

from sync import Actor, new_id
from sync.timeutil import utc_now
from sync.users import actor_for

from . import lockout
from .auth import Signers

COOKIE = "bx_session"
# Renew the cookie (sliding expiry) once it is older than this share of its lifetime.
RENEW_AFTER = 0.1
# The browser keeps the cookie this long past the session's end, so that a form posted after
# expiry can be kept for the account that typed it (``cookie_session_id``) and for nobody else.
OWNER_GRACE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class WebSession:
    id: str
    actor: Actor
    login: str
    renew: bool  # the cookie should be re-signed (sliding expiry)
    # The password was set by someone else: no page opens until the person chooses their own.
    must_change_password: bool = False


def sign(signers: Signers, session_id: str) -> str:
    return str(signers.serializer("session").dumps(session_id))


def read_cookie(signers: Signers, cookie: str | None, *, max_age_seconds: int) -> tuple[str, bool] | None:
    """(session id, renew?) from a cookie, or None when absent, forged or expired."""
    if not cookie or len(cookie) > 500:
        return None
    try:
        session_id, signed_at = signers.serializer("session").loads(
            cookie, max_age=max_age_seconds, return_timestamp=True)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(session_id, str):
        return None
    age = (datetime.datetime.now(datetime.UTC) - signed_at).total_seconds()
    return session_id, age > max_age_seconds * RENEW_AFTER


def cookie_session_id(signers: Signers, cookie: str | None, *, session_seconds: int) -> str | None:
    """The session id a genuine cookie names, even one whose session has ended or expired
    (within ``OWNER_GRACE_SECONDS``): only to tell whose typing a form post after expiry was."""
    if not cookie or len(cookie) > 500:
        return None
    try:
        session_id = signers.serializer("session").loads(cookie, max_age=session_seconds + OWNER_GRACE_SECONDS)
    except (SignatureExpired, BadSignature):
        return None
    return session_id if isinstance(session_id, str) else None


def session_owner(db: sqlite_utils.Database, session_id: str) -> str | None:
    """The account a session belonged to, live or not."""
    row = db.execute("SELECT user_id FROM web_sessions WHERE id = ?", [session_id]).fetchone()
    return str(row[0]) if row else None


def load_session(db: sqlite_utils.Database, session_id: str) -> tuple[Actor, str, bool] | None:
    """The actor, login and must-change-password flag of a live session of an active account."""
    user = next(db.query(
        "SELECT u.id, u.role, u.unit_id, u.name, u.login, u.must_change_password FROM web_sessions s"
        " JOIN users u ON u.id = s.user_id WHERE s.id = ? AND s.ended_at IS NULL AND u.active = 1",
        [session_id],
    ), None)
    if user is None:
        return None
    return actor_for(user), str(user["login"]), bool(user["must_change_password"])


def find_login(db: sqlite_utils.Database, login: str) -> dict[str, Any] | None:
    """What sign-in needs of an account: id, hash, active, role (read before argon2 runs)."""
    return next(db.query("SELECT id, password_hash, active, role FROM users WHERE login = ?", [login]), None)


@dataclass(frozen=True)
class SignIn:
    session_id: str | None  # None: refused
    locked_seconds: int = 0


def check_lockout(db: sqlite_utils.Database, login: str) -> int:
    return lockout.locked_for(db, login, datetime.datetime.now(datetime.UTC))


def password_checked(db: sqlite_utils.Database, login: str, password_ok: bool, *,
                     max_failures: int, lockout_minutes: int) -> int:
    """Record the outcome of a check of ``login``'s password (done outside this transaction): a
    wrong one counts toward the lockout, a right one forgets the failures. Returns the seconds the
    account is locked (0: not locked); while locked even the right password is refused, so that
    guesses sent in parallel, each checked before the lock, cannot get in past it."""
    now = datetime.datetime.now(datetime.UTC)
    wait = lockout.locked_for(db, login, now)
    if wait:
        return wait
    if not password_ok:
        return lockout.record_failure(db, login, now, max_failures=max_failures,
                                      lockout=datetime.timedelta(minutes=lockout_minutes))
    lockout.clear(db, login)
    return 0


def finish_sign_in(db: sqlite_utils.Database, login: str, user_id: str | None, password_ok: bool, *,
                   ip: str | None, max_failures: int, lockout_minutes: int) -> SignIn:
    """Record the outcome of a password check (done outside this transaction) and open a session."""
    ok = password_ok and user_id is not None
    wait = password_checked(db, login, ok, max_failures=max_failures, lockout_minutes=lockout_minutes)
    if wait or not ok:
        return SignIn(None, wait)
    session_id = new_id()
    db.execute("INSERT INTO web_sessions (id, user_id, created_at, ip) VALUES (?, ?, ?, ?)",
               [session_id, user_id, utc_now(), ip])
    return SignIn(session_id)


def end_session(db: sqlite_utils.Database, session_id: str) -> None:
    db.execute("UPDATE web_sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL", [utc_now(), session_id])


def end_user_sessions(db: sqlite_utils.Database, user_id: str, *, keep: str | None = None) -> int:
    """End every open web session of an account (its password was reset or changed) but ``keep``,
    the one of the person who changed it; returns how many."""
    cursor = db.execute("UPDATE web_sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL AND id IS NOT ?",
                        [utc_now(), user_id, keep])
    return int(cursor.rowcount)
