"""不收进系统: a refused phone record closed by the station without entering it, saying what was done.

Many refused records (``server/queries/refused.py``) can never be filed into their pairing
(``refusal_filing.why_not``: the child's file or the pairing deleted, a screening, a date outside
the pairing, no handover record), and some should not be (entered by hand under another id, a
mistaken duplicate). Left listed they would count on the home's tile and — flagged — as a risk flag
for ever, and a count that never reaches zero teaches staff to ignore the risk list. A staff member
who may file (``CHILD_FILE``, in scope) closes one instead, with the day and the words: for a
flagged one its 处理记录, as an open flag is closed; otherwise why it is not entered. The row
(``refusal_closings``, append-only, one per record id) takes it off every refused list at once;
the phone-import page lists the closed ones of the last 90 days, and the pairing's archive keeps it.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from sync import Actor, Scope
from sync.entities import TEXT_MAX
from sync.timeutil import format_utc, local_today, utc_now

from .access import log_access
from .forms import typed_day
from .queries.refused import refused_records

ACTION = "close_phone_refusal"  # in the access log the admin reads, with the unit as its target


class ClosingRefused(Exception):
    """Not closed; ``reason`` says why in words, beside ``field`` (``words`` or ``on``) when it is one."""

    def __init__(self, reason: str, status: int = 400, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.field = field


class NotTheirs(Exception):
    """No refused record of that id in the closer's scope: answered as any record not found."""


@dataclass(frozen=True)
class Closed:
    record_id: str
    code: str
    flagged: bool


def _words(raw: object, flagged: bool) -> str:
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        raise ClosingRefused("请写下做了什么（联系了谁、孩子现在怎样）。" if flagged
                             else "请写下为什么不收进系统（例如：已手工补录、重复的记录）。", field="words")
    if len(text) > TEXT_MAX:
        raise ClosingRefused(f"写得太长了：最多 {TEXT_MAX} 字，现在有 {len(text)} 字。", field="words")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ClosingRefused("有的字没法保存，请重新输入。", field="words") from None
    return text


def _day(raw: object, today: datetime.date) -> str:
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        return today.isoformat()
    day = typed_day(text)
    if day is None:
        raise ClosingRefused("日期不对，请按“年-月-日”填写，例如 2026-11-26。", field="on")
    if day > today:
        # Written after doing it: a later day is a slip of the year, as for a flag's 处理日期.
        raise ClosingRefused("处理日期不能晚于今天，请填写实际处理的那一天。", field="on")
    return day.isoformat()


def close_refused(db: sqlite_utils.Database, actor: Actor, scope: Scope, record_id: str,
                  words: object, day: object) -> Closed:
    """Close the refused record ``record_id`` with ``words`` done on ``day`` (default today), or raise
    ``ClosingRefused`` (closed or entered already, bad words or day) or ``NotTheirs``; nothing is
    written unless it is closed. Runs in the store's writer, so two closings of one record are one."""
    rows = refused_records(db, scope, record_id)
    if not rows:
        done = db.execute(
            "SELECT c.unit_id, c.closed_at, u.name FROM refusal_closings c LEFT JOIN users u ON u.id = c.closed_by"
            " WHERE c.record_id = ?", [record_id]).fetchone()
        if done is not None and (scope.unit_ids is None or done[0] in scope.unit_ids):
            raise ClosingRefused(f"这条记录已经由{done[2] or ''}记下处理情况，不在待处理里了；没有重复记下。", 409)
        entered = db.execute(
            "SELECT unit_id FROM activities WHERE id = :id UNION ALL SELECT unit_id FROM screenings WHERE id = :id",
            {"id": record_id}).fetchone()
        if entered is not None and (scope.unit_ids is None or entered[0] in scope.unit_ids):
            raise ClosingRefused("这条记录已经收进系统了（已归入原结对或已录入），不用再记下。", 409)
        raise NotTheirs(record_id)
    (refused,) = rows
    flagged = refused["flagged"]
    text, on = _words(words, flagged), _day(day, local_today())
    visit_day = refused["fields"].get("date")
    fields = refused["fields"]
    db.execute(
        "INSERT INTO refusal_closings (record_id, entity, audit_id, unit_id, mentee_id, pairing_id, volunteer_id,"
        " visit_date, flagged, words, done_on, closed_by, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [record_id, refused["entity"], refused["id"], refused["unit_id"], refused["mentee_id"],
         fields.get("pairing_id") if isinstance(fields.get("pairing_id"), str) else None, refused["user_id"],
         visit_day if isinstance(visit_day, str) else None, int(flagged), text, on, actor.user_id, utc_now()])
    log_access(db, actor, ACTION, refused["unit_id"], entities={refused["entity"]: 1})
    return Closed(record_id, refused["code"], flagged)


def closed_refusals(db: sqlite_utils.Database, scope: Scope, days: int = 90) -> list[dict[str, Any]]:
    """The refused records closed in ``scope`` in the last ``days`` days, newest first, with the
    child's ``code``, the volunteer's and the closer's names: the trace of what left the list."""
    since = format_utc(datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=days))
    where, params = ("", []) if scope.unit_ids is None else (
        f" AND c.unit_id IN ({', '.join('?' for _ in scope.unit_ids)})", sorted(scope.unit_ids))
    return list(db.query(
        "SELECT c.*, m.code, v.name AS volunteer, u.name AS closer FROM refusal_closings c"
        " LEFT JOIN mentees m ON m.id = c.mentee_id LEFT JOIN users v ON v.id = c.volunteer_id"
        " LEFT JOIN users u ON u.id = c.closed_by WHERE c.closed_at >= ?" + where
        + " ORDER BY c.closed_at DESC, c.rowid DESC",
        [since, *params]))


def closings_of(db: sqlite_utils.Database, pairing_id: str) -> list[dict[str, Any]]:
    """The refused visits of ``pairing_id`` closed without entering them, oldest first, with the
    volunteer's and the closer's names: part of the pairing's archive, as an inspection reads it."""
    return list(db.query(
        "SELECT c.record_id, c.visit_date, c.flagged, c.words, c.done_on, c.closed_at, v.name AS volunteer,"
        " u.name AS closer FROM refusal_closings c LEFT JOIN users v ON v.id = c.volunteer_id"
        " LEFT JOIN users u ON u.id = c.closed_by WHERE c.pairing_id = ? ORDER BY c.closed_at, c.rowid",
        [pairing_id]))
