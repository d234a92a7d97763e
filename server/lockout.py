"""Locking an account after repeated wrong passwords, with a lockout that doubles each time.

Counted per login (not per address: a password guesser rotates addresses, an account does
not move). Like ``throttle.py`` this runs inside the caller's write transaction and returns
values instead of raising, so a failed guess is committed.
"""
from __future__ import annotations

import datetime

import sqlite_utils

from sync.timeutil import format_utc, parse_utc

MAX_LOCKOUT = datetime.timedelta(hours=24)


def locked_for(db: sqlite_utils.Database, login: str, now: datetime.datetime) -> int:
    """Seconds until ``login`` may try again (0: not locked)."""
    row = db.execute("SELECT locked_until FROM login_failures WHERE login = ?", [login]).fetchone()
    if row is None or row[0] is None:
        return 0
    remaining = (parse_utc(row[0]) - now).total_seconds()
    return int(remaining) + 1 if remaining > 0 else 0


def record_failure(db: sqlite_utils.Database, login: str, now: datetime.datetime, *,
                   max_failures: int, lockout: datetime.timedelta) -> int:
    """Count a wrong password; return the lockout seconds it triggered (0 if none).

    The n-th lockout of an account lasts ``lockout × 2^(n-1)`` (at most a day); failures
    older than a lockout period are forgotten.
    """
    row = db.execute("SELECT failures, lockouts, last_failure_at FROM login_failures WHERE login = ?",
                     [login]).fetchone()
    failures, lockouts = (0, 0) if row is None else (row[0], row[1])
    if row is not None and now - parse_utc(row[2]) > lockout:
        failures = 0
    failures += 1
    locked_until = None
    seconds = 0
    if failures >= max_failures:
        lockouts += 1
        span = min(lockout * 2 ** (lockouts - 1), MAX_LOCKOUT)
        locked_until = format_utc(now + span)
        seconds = int(span.total_seconds())
        failures = 0
    db.execute(
        "INSERT INTO login_failures (login, failures, lockouts, locked_until, last_failure_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT(login) DO UPDATE SET failures = excluded.failures,"
        " lockouts = excluded.lockouts, locked_until = coalesce(excluded.locked_until, locked_until),"
        " last_failure_at = excluded.last_failure_at",
        [login, failures, lockouts, locked_until, format_utc(now)],
    )
    return seconds


def clear(db: sqlite_utils.Database, login: str) -> None:
    """A correct password forgets the failures (the lockout count too: the owner is back)."""
    db.execute("DELETE FROM login_failures WHERE login = ?", [login])
