"""Counting wrong guesses (enrolment codes, later PINs and passwords) and locking out.

Runs inside the caller's write transaction; a failed guess must be *committed*, so
callers return a failure value instead of raising (a raise would roll the count back).
"""
from __future__ import annotations

import datetime

import sqlite_utils

from sync.timeutil import format_utc, parse_utc


def wait_minutes(seconds: int) -> int:
    """Whole minutes to wait, rounded up, so the sentence matches Retry-After."""
    return max(1, -(-seconds // 60))


def locked_for(db: sqlite_utils.Database, key: str, now: datetime.datetime) -> int:
    """Seconds until ``key`` may try again (0: not locked)."""
    row = db.execute("SELECT locked_until FROM throttle WHERE key = ?", [key]).fetchone()
    if row is None or row[0] is None:
        return 0
    remaining = (parse_utc(row[0]) - now).total_seconds()
    return max(0, int(remaining) + 1) if remaining > 0 else 0


def record_failure(db: sqlite_utils.Database, key: str, now: datetime.datetime, *,
                   max_failures: int, lockout: datetime.timedelta) -> int:
    """Count a wrong guess; return the lock-out seconds it triggered (0 if none)."""
    row = db.execute("SELECT failures, window_start FROM throttle WHERE key = ?", [key]).fetchone()
    failures, start = (0, now) if row is None else (row[0], parse_utc(row[1]))
    if now - start > lockout:
        failures, start = 0, now
    failures += 1
    locked_until = now + lockout if failures >= max_failures else None
    db.execute(
        "INSERT INTO throttle (key, failures, window_start, locked_until) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(key) DO UPDATE SET failures = excluded.failures,"
        " window_start = excluded.window_start, locked_until = excluded.locked_until",
        [key, 0 if locked_until else failures, format_utc(start if not locked_until else now),
         format_utc(locked_until) if locked_until else None],
    )
    return int(lockout.total_seconds()) if locked_until else 0


def clear(db: sqlite_utils.Database, key: str) -> None:
    db.execute("DELETE FROM throttle WHERE key = ?", [key])
