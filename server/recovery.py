"""Forgotten PINs: recovery keys held by the server and one-time recovery codes from the station.

A phone encrypts its data under a random data key, wrapped twice: by a key derived from
the volunteer's PIN, and by a random *recovery key* that the phone uploads here once and
then forgets. When the PIN is forgotten, station staff issue a recovery code for that one
phone (``banxing recovery-code --device ID``); the phone sends it together with its
recovery token, and gets its recovery key back. Neither the code nor the phone's
credentials alone release anything, and wrong codes are throttled per phone.

The key is released for that code; the phone then uploads a replacement, which deletes the
released one. Until it does, the same code fetches the same key again — a village signal
that drops the answer must not lose the volunteer's data. Codes are 8 digits (read out over
the phone), stored only as a SHA-256 hash. All functions run inside the caller's write
transaction; failures are returned, not raised, so a counted wrong guess is committed.
"""
from __future__ import annotations

import base64
import binascii
import datetime
import secrets
from dataclasses import dataclass

import sqlite_utils

from sync.timeutil import format_utc

from . import throttle
from .devices import hash_code

KEY_BYTES = 32


class UnknownDevice(Exception):
    """No such phone, or it was revoked: nothing to recover."""


def valid_key(text: object) -> bool:
    """A recovery key as phones send it: 32 random bytes in unpadded base64url."""
    if not isinstance(text, str) or len(text) != 43:
        return False
    try:
        return len(base64.urlsafe_b64decode(text + "=")) == KEY_BYTES
    except (binascii.Error, ValueError):
        return False


def store_recovery_key(db: sqlite_utils.Database, device_id: str, key: str) -> str:
    """Keep (or replace) ``device_id``'s recovery key; returns when it was stored."""
    now = format_utc(datetime.datetime.now(datetime.UTC))
    db.execute(
        "INSERT INTO recovery_keys (device_id, recovery_key, stored_at, released_by) VALUES (?, ?, ?, NULL)"
        " ON CONFLICT(device_id) DO UPDATE SET recovery_key = excluded.recovery_key,"
        " stored_at = excluded.stored_at, released_by = NULL",
        [device_id, key, now],
    )
    return now


def has_recovery_key(db: sqlite_utils.Database, device_id: str) -> bool:
    return db.execute("SELECT 1 FROM recovery_keys WHERE device_id = ?", [device_id]).fetchone() is not None


def issue_recovery_code(db: sqlite_utils.Database, device_id: str, *, hours: int) -> dict[str, str]:
    """A fresh one-time code for the phone ``device_id``; returns ``{"code", "expires_at"}``."""
    row = db.execute("SELECT revoked_at FROM sync_devices WHERE id = ?", [device_id]).fetchone()
    if row is None:
        raise UnknownDevice(f"没有编号为 {device_id} 的设备。")
    if row[0] is not None:
        raise UnknownDevice(f"设备 {device_id} 已停用，不能恢复；请为新手机发登记码。")
    # Without the key the phone uploads when its PIN is first set, a code releases nothing: read
    # out to a volunteer on the telephone it would only fail on the phone, as a wrong code.
    if not has_recovery_key(db, device_id):
        raise UnknownDevice(f"设备 {device_id} 还没有把恢复密钥交给服务器（没有设置过手机密码，或设置后还没联网），"
                            "恢复码对它无效。")
    code = f"{secrets.randbelow(10**8):08d}"
    now = datetime.datetime.now(datetime.UTC)
    expires = now + datetime.timedelta(hours=hours)
    db.execute(
        "INSERT OR REPLACE INTO recovery_codes (device_id, code_hash, created_at, expires_at, used_at)"
        " VALUES (?, ?, ?, ?, NULL)",
        [device_id, hash_code(code), format_utc(now), format_utc(expires)],
    )
    return {"code": code, "expires_at": format_utc(expires)}


@dataclass
class Released:
    recovery_key: str


@dataclass
class RecoveryFailure:
    """Why no key was released; ``retry_after`` > 0 when the phone is locked out of guessing,
    ``missing`` when the code was right but the server holds no key for the phone."""

    reason: str
    retry_after: int = 0
    missing: bool = False


def _locked_out(seconds: int) -> RecoveryFailure:
    return RecoveryFailure(f"恢复码输错次数太多，请 {throttle.wait_minutes(seconds)} 分钟后再试。", seconds)


def redeem_recovery_code(db: sqlite_utils.Database, device_id: str, code: str, *,
                         max_failures: int, lockout_minutes: int) -> Released | RecoveryFailure:
    """The phone's recovery key for a right code, counting wrong codes per phone."""
    now = datetime.datetime.now(datetime.UTC)
    key = f"recovery:{device_id}"
    wait = throttle.locked_for(db, key, now)
    if wait:
        return _locked_out(wait)
    code_hash = hash_code(code)
    row = db.execute(
        "SELECT expires_at, used_at FROM recovery_codes WHERE device_id = ? AND code_hash = ?",
        [device_id, code_hash],
    ).fetchone()
    stored = db.execute(
        "SELECT recovery_key, released_by FROM recovery_keys WHERE device_id = ?", [device_id]
    ).fetchone()
    problem = None
    if row is None:
        problem = "恢复码不对，请核对后重新输入（8 位数字）。"
    elif row[0] < format_utc(now):
        problem = "这个恢复码已过期，请向辅导站要一个新的。"
    elif row[1] is not None and (stored is None or stored[1] != code_hash):
        problem = "这个恢复码已经用过了，请向辅导站要一个新的。"
    if problem:
        locked = throttle.record_failure(
            db, key, now, max_failures=max_failures, lockout=datetime.timedelta(minutes=lockout_minutes)
        )
        if locked:
            return _locked_out(locked)
        return RecoveryFailure(problem)
    throttle.clear(db, key)
    if stored is None:
        return RecoveryFailure(
            "服务器上没有这台手机的恢复密钥（登记后还没有联网同步过），无法恢复；请联系辅导站。", missing=True
        )
    db.execute("UPDATE recovery_codes SET used_at = coalesce(used_at, ?) WHERE device_id = ? AND code_hash = ?",
               [format_utc(now), device_id, code_hash])
    db.execute("UPDATE recovery_keys SET released_by = ? WHERE device_id = ?", [code_hash, device_id])
    return Released(stored[0])
