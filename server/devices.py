"""Phones: one-time enrolment codes, enrolment, listing and revoking devices.

SQL for ``enrol_codes`` and ``sync_devices`` lives here. Codes are 8 digits (easy to
read out over the phone to a 70-year-old), stored only as a SHA-256 hash.
"""
from __future__ import annotations

import datetime
import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from sync import new_id
from sync.audit import append_audit
from sync.controls import without_controls
from sync.echo import utf8_safe
from sync.names import visible
from sync.system import SYSTEM
from sync.timeutil import format_utc, parse_utc, utc_now
from sync.users import get_user

from . import throttle

ENROLLABLE_ROLES = ("mentor", "staff")


def hash_code(code: str) -> str:
    """How a one-time code (enrolment or recovery) is stored: never in the clear."""
    return hashlib.sha256(code.encode()).hexdigest()


CODE_PATTERN = re.compile(r"[0-9]{8}")


def normalise_code(raw: str) -> str | None:
    """The 8 ASCII digits of a code as typed, or None if it is not one.

    NFKC first: a Chinese IME types full-width digits ('１２３４') and an ideographic space,
    which are the same code. People read codes aloud in groups ('1234 5678', '1234-5678').
    Digits of other scripts (Arabic-Indic, which ``str.isdigit`` accepts) are not a code.
    """
    text = "".join(ch for ch in unicodedata.normalize("NFKC", raw) if not ch.isspace() and ch != "-")
    return text if CODE_PATTERN.fullmatch(text) else None


def device_label(raw: object) -> str | None:
    """A phone's name as it is stored and listed on the volunteer's page (``红米 Note``), or None when
    ``raw`` is no name of 1–100 characters. Its control characters are dropped, as a push's text is
    (``sync.controls``), and its line breaks and runs of spaces read as one space: the name is shown
    on one line of a table, and a NUL or an escape in it could not be seen there, nor typed to find it.
    A lone surrogate (valid JSON, ``"\\ud800"``) reads as U+FFFD: SQLite stores only UTF-8, and a
    garbled name is no reason to refuse the phone. The invisible format characters go too (``visible``:
    a zero-width space, a right-to-left override that shows 红米 Note as etoN 米红): a name of nothing
    else was stored and listed as a blank."""
    if not isinstance(raw, str):
        return None
    name = " ".join(visible(without_controls(utf8_safe(raw))).split())
    return name if 1 <= len(name) <= 100 else None


class UnknownUser(Exception):
    pass


def issue_code(db: sqlite_utils.Database, login: str, *, hours: int) -> dict[str, Any]:
    """A fresh one-time code for ``login``; returns ``{"code", "expires_at", "replaced"}``.

    The new code replaces the user's earlier codes that could still enrol (``replaced`` counts them):
    a code printed or shown before, lost or photographed by someone else, would otherwise enrol a
    phone as them until it expired. Only the newest code the station gave out works.
    """
    user = get_user(db, login=login)
    if user is None or not user["active"]:
        raise UnknownUser(f"没有名为 {login!r} 的在用账号。")
    if user["role"] not in ENROLLABLE_ROLES:
        raise UnknownUser(f"{login} 的角色是 {user['role']}，只有志愿者和辅导站工作人员的手机可以登记。")
    code = _unissued_code(db)
    now = datetime.datetime.now(datetime.UTC)
    expires = now + datetime.timedelta(hours=hours)
    replaced = db.execute(
        "UPDATE enrol_codes SET replaced_at = ? WHERE user_id = ? AND used_at IS NULL AND replaced_at IS NULL"
        " AND expires_at >= ?",
        [format_utc(now), user["id"], format_utc(now)],
    ).rowcount
    db.execute(
        "INSERT INTO enrol_codes (code_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
        [hash_code(code), user["id"], format_utc(now), format_utc(expires)],
    )
    return {"code": code, "expires_at": format_utc(expires), "replaced": replaced}


def _unissued_code(db: sqlite_utils.Database) -> str:
    """Eight random digits never given out before. Every code is kept (its hash is the table's key):
    one drawn twice would fail the insert, and an old code's value issued again would be read as that
    code, used or replaced."""
    while True:
        code = f"{secrets.randbelow(10**8):08d}"
        if db.execute("SELECT 1 FROM enrol_codes WHERE code_hash = ?", [hash_code(code)]).fetchone() is None:
            return code


@dataclass
class Enrolled:
    device_id: str
    user: dict[str, Any]


@dataclass
class EnrolFailure:
    """Why a code was refused; ``retry_after`` > 0 when the caller must wait.

    ``paused`` is the server-wide ceiling: every address waits, the right code too, so
    guesses spread over many addresses still get no more than ``max_per_hour`` tries.
    """

    reason: str
    retry_after: int = 0
    paused: bool = False


# What a phone is told for a code a newer one replaced: the volunteer may hold both, on paper or in a
# photo, and typing the old one again will not help.
REPLACED = "这个登记码已经换成了新的，不能再用。请向辅导站要最新的登记码。"
ALL_CLIENTS = "enrol:*"  # the counter of failed enrolments from every address together
HOUR = datetime.timedelta(hours=1)


def _locked(seconds: int) -> EnrolFailure:
    """The address is locked: every phone behind it waits, a new code too. At a station's training all
    the volunteers share its Wi-Fi; a phone on its own mobile data is another address and need not."""
    minutes = throttle.wait_minutes(seconds)
    return EnrolFailure(f"这个网络里登记码输错的次数太多，请 {minutes} 分钟后再试（新发的登记码也要等）；"
                        "着急的话，关掉无线网络（WiFi），用手机流量再登记。", seconds)


def _paused(seconds: int) -> EnrolFailure:
    minutes = throttle.wait_minutes(seconds)
    return EnrolFailure(f"登记暂时关闭：这一小时内输错登记码的次数太多，请 {minutes} 分钟后再试。", seconds,
                        paused=True)


def enrol(db: sqlite_utils.Database, code: str, device_name: str, client: str, *,
          max_failures: int, lockout_minutes: int, max_per_hour: int) -> Enrolled | EnrolFailure:
    """Redeem a code for a new device, counting wrong guesses per client and for the whole server."""
    now = datetime.datetime.now(datetime.UTC)
    key = f"enrol:{client}"
    paused = throttle.locked_for(db, ALL_CLIENTS, now)
    if paused:
        return _paused(paused)
    wait = throttle.locked_for(db, key, now)
    if wait:
        return _locked(wait)
    row = db.execute(
        "SELECT user_id, expires_at, used_at, device_id, replaced_at FROM enrol_codes WHERE code_hash = ?",
        [hash_code(code)],
    ).fetchone()
    problem = None
    again = None
    if row is None:
        problem = "登记码不对，请核对后重新输入（8 位数字）。"
    elif row[2] is not None:
        again = _answer_lost(db, row[3], row[2], device_name, now)
        if again is None:
            problem = "这个登记码已经用过了，请向辅导站要一个新的。"
    elif row[4] is not None:
        # Counted as a failure, as an expired code is: someone holding an old code is no different
        # from someone guessing. Told apart so the volunteer asks for the newest code, not types again.
        problem = REPLACED
    elif row[1] < format_utc(now):
        problem = "这个登记码已过期，请向辅导站要一个新的。"
    if problem:
        paused = throttle.record_failure(db, ALL_CLIENTS, now, max_failures=max_per_hour, lockout=HOUR)
        locked = throttle.record_failure(
            db, key, now, max_failures=max_failures, lockout=datetime.timedelta(minutes=lockout_minutes)
        )
        if paused:
            return _paused(paused)
        if locked:
            return _locked(locked)
        return EnrolFailure(problem)
    assert row is not None
    user = get_user(db, user_id=row[0])
    if user is None or not user["active"]:
        return EnrolFailure("这个账号已停用，请联系辅导站。")
    if again is not None:
        # Neither a guess nor a new enrolment: the address's count is left as it was.
        return Enrolled(again, user)
    device_id = new_id()
    db.execute(
        "INSERT INTO sync_devices (id, user_id, name, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)",
        [device_id, user["id"], device_name, format_utc(now), format_utc(now)],
    )
    db.execute("UPDATE enrol_codes SET used_at = ?, device_id = ? WHERE code_hash = ?",
               [format_utc(now), device_id, hash_code(code)])
    if not user["smartphone"]:
        # A volunteer with a phone of their own now records on it: the archive and the station's pages
        # no longer say their records are the station's 代录 (无智能手机).
        db.execute("UPDATE users SET smartphone = 1 WHERE id = ?", [user["id"]])
        append_audit(db, SYSTEM, "user", user["id"], "update", {"smartphone": [False, True]})
    throttle.clear(db, key)
    return Enrolled(device_id, user)


# How long after a code is redeemed the same phone may redeem it again, having lost the answer.
ANSWER_LOST_WINDOW = datetime.timedelta(minutes=10)


def _answer_lost(db: sqlite_utils.Database, device_id: str | None, used_at: str, device_name: str,
                 now: datetime.datetime) -> str | None:
    """The device a spent code made, if this repeat is its phone asking again for a lost answer.

    On poor signal the server redeems a code and the answer never arrives (or the browser sends
    the request twice), so the phone still shows the enrol screen. Answering the same device
    again gives nothing a first redemption would not have: only while nobody has used that
    device (no pull, no push, no recovery key: whoever got the answer would have), shortly
    after, and for the same device name. A device first used is then the phone's alone.
    """
    if device_id is None or now - parse_utc(used_at) > ANSWER_LOST_WINDOW:
        return None
    row = db.execute(
        "SELECT d.id FROM sync_devices d WHERE d.id = ? AND d.name = ? AND d.revoked_at IS NULL"
        " AND d.last_seen_at = d.created_at AND d.last_mutation_id = 0"
        " AND NOT EXISTS (SELECT 1 FROM recovery_keys k WHERE k.device_id = d.id)",
        [device_id, device_name],
    ).fetchone()
    return None if row is None else str(row[0])


def device_status(db: sqlite_utils.Database, device_id: str) -> dict[str, Any] | None:
    """The device joined with its user, or None if there is no such device."""
    cursor = db.execute(
        "SELECT d.id AS device_id, d.revoked_at, d.revoked_reason, d.created_at, d.last_seen_at, u.id AS user_id,"
        " u.name, u.role, u.unit_id, u.active FROM sync_devices d JOIN users u ON u.id = d.user_id WHERE d.id = ?",
        [device_id],
    )
    row = cursor.fetchone()
    return None if row is None else dict(zip([d[0] for d in cursor.description], row, strict=True))


def list_devices(db: sqlite_utils.Database, login: str) -> list[dict[str, Any]]:
    user = get_user(db, login=login)
    if user is None:
        raise UnknownUser(f"没有名为 {login!r} 的账号。")
    cursor = db.execute(
        "SELECT id, name, created_at, last_seen_at, last_mutation_id, revoked_at, revoked_reason"
        " FROM sync_devices WHERE user_id = ? ORDER BY created_at",
        [user["id"]],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def revoke_device(db: sqlite_utils.Database, device_id: str, reason: str) -> bool:
    """Mark a device revoked; its token stops working on the next call. False if unknown."""
    cursor = db.execute(
        "UPDATE sync_devices SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL",
        [utc_now(), reason, device_id],
    )
    if cursor.rowcount:
        return True
    return db.execute("SELECT 1 FROM sync_devices WHERE id = ?", [device_id]).fetchone() is not None


def phone_profile(db: sqlite_utils.Database, device_id: str) -> dict[str, Any]:
    """What a phone shows about its owner: the user and their unit's name and telephone
    (a mentor's station, for the 自伤自残 risk flag's call button)."""
    cursor = db.execute(
        "SELECT u.id, u.name, u.role, u.unit_id, n.name, n.phone FROM sync_devices d JOIN users u ON u.id = d.user_id"
        " LEFT JOIN units n ON n.id = u.unit_id AND n.deleted = 0 WHERE d.id = ?",
        [device_id],
    )
    user_id, name, role, unit_id, unit_name, unit_phone = cursor.fetchone()
    return {
        "user": {"id": user_id, "name": name, "role": role, "unit_id": unit_id},
        "unit": None if unit_name is None else {"id": unit_id, "name": unit_name, "phone": unit_phone},
    }


# A pull marks the device seen at most once a minute when it carries no children's records, so a
# phone polling an empty feed does not queue a write for every poll.
SEEN_RESOLUTION = datetime.timedelta(minutes=1)


def seen_long_ago(last: str | None) -> bool:
    """True when ``last`` (a stored timestamp) is older than ``SEEN_RESOLUTION``, or unknown."""
    return last is None or last < format_utc(datetime.datetime.now(datetime.UTC) - SEEN_RESOLUTION)


def mark_seen(db: sqlite_utils.Database, device_id: str) -> None:
    """The device just synced (a push does this inside ``sync.apply_batch``; a pull through here)."""
    db.execute("UPDATE sync_devices SET last_seen_at = ? WHERE id = ?", [utc_now(), device_id])
