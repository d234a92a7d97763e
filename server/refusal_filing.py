"""归入原结对: a visit a volunteer's phone sent too late, filed by the station into the pairing it was made in.

The phone held a visit unsent while the station ended the pairing — and, say, paired the child
with another volunteer — or handed the pairing itself to another volunteer. The write path refused
it (a phone writes only in its running pairings, ``sync/rules.py``) and kept its words
(``server/queries/refused.py``). When the visit's date lies inside the volunteer's time in that
pairing (an ended one's dates; a handed-on one's start to the handover, ``sync/handover.py``), it
belongs there: the station files it as a 代录 visit (author the volunteer who made it, ``entered_by``
the staff member), through the write path, under the id the phone gave it, so it is filed once and
leaves the list. Anything else is refused in words: the station then checks with the volunteer.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Any

import sqlite_utils

from sync import Actor, Scope, apply_mutations
from sync.handover import spans_in_words, spans_of
from sync.mutations import upsert
from sync.timeutil import day_in_words, utc_now

from .phone_exports import PHONE_FIELDS
from .queries.refused import refused_visits


class FilingRefused(Exception):
    """The visit cannot be filed into its pairing; ``reason`` says why in words."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Filed:
    record_id: str
    code: str
    date: str
    flagged: bool = False  # ticked 发现自伤自残风险: now an open flag on the station home


def _day(value: Any) -> str:
    try:
        return day_in_words(value) if isinstance(value, str) else "（没有日期）"
    except ValueError:
        return "（没有日期）"


def why_not(db: sqlite_utils.Database, refused: dict[str, Any]) -> str | None:
    """Why ``refused`` (a row of ``refused_visits``) may not be filed into its pairing; None when it may:
    a visit, of a pairing not deleted, of a child not deleted, dated inside the sender's time as its
    volunteer: in a pairing since ended, its dates; in one handed to another volunteer, from its start
    to the day she handed the child on."""
    if refused["entity"] != "activity":
        return "摸排不属于某个结对，不能归入原结对；请核对后在孩子的档案里补录。"
    pairing = db.execute("SELECT p.mentor_id, p.status, p.start_date, p.end_date, p.deleted, m.deleted, p.num, p.id"
                         " FROM pairings p JOIN mentees m ON m.id = p.mentee_id WHERE p.id = ?",
                         [refused["fields"].get("pairing_id")]).fetchone()
    if pairing is None or pairing[4]:
        return "原结对已被删除，不能归入。"
    mentor_id, status, start, end, _, child_deleted, num, pairing_id = pairing
    if child_deleted:
        return "孩子的档案已被删除，不能归入。"
    day = refused["fields"].get("date")
    if mentor_id != refused["user_id"]:
        # The station handed the child to another volunteer: the visit is hers only when she made
        # it while the child was hers (sync/handover.py: a span each time she had it); filed, it
        # stays under her name, not the new one's.
        spans = spans_of(db, {"id": pairing_id, "num": num, "start_date": start}, refused["user_id"])
        if not spans:
            return ("这个结对改由别的志愿者帮扶，找不到这位志愿者移交孩子的记录："
                    "归入会把这次帮扶记在别人名下，所以不能归入。请和志愿者核对后再补录。")
        if not any(s.holds(day) for s in spans):
            left = _day(spans[-1].last.isoformat())
            return (f"这位志愿者于{left}把孩子交给了别的志愿者；这次帮扶的日期（{_day(day)}）"
                    f"不在这位志愿者结对的日期（{spans_in_words(spans)}）之内，不是这个结对里这位志愿者的帮扶，"
                    "不能归入；请和志愿者核对日期。")
        return None
    if status != "closed" or not end:
        return "这个结对还在进行中，志愿者的手机可以再次同步；请让志愿者在手机上打开“待同步”重新发送。"
    if not isinstance(day, str) or not start or not (start <= day <= end):
        return f"这次帮扶的日期（{_day(day)}）不在原结对的日期（{_day(start)}至{_day(end)}）之内；请和志愿者核对日期。"
    return None


def file_refused(db: sqlite_utils.Database, actor: Actor, scope: Scope, record_id: str) -> Filed:
    """File the refused visit ``record_id`` into its pairing as ``actor``'s 代录, or raise
    ``FilingRefused``: a visit already in the system is no longer listed, so it is never filed twice."""
    rows, _ = refused_visits(db, scope, record_id)
    if not rows:
        raise FilingRefused("这条记录已经归入原结对或已录入（或不在您的管理范围内），没有重复录入。", 409)
    (refused,) = rows
    reason = why_not(db, refused)
    if reason:
        raise FilingRefused(reason)
    fields = {k: v for k, v in refused["fields"].items() if k in PHONE_FIELDS["activity"]}
    # Hers, named: a 代录 otherwise takes the pairing's volunteer now, who may be another since.
    fields["author_id"] = refused["user_id"]
    # Marked as the phone-refusal's: the audit row names it as the writer's device, and the ledger
    # of phone records entered keeps which refusal it came from.
    writer = replace(actor, device_id=f"refusal:{refused['user_id']}")
    (outcome,) = apply_mutations(db, writer, [upsert("activity", fields, record_id)])
    if outcome.status != "applied":
        raise FilingRefused(outcome.reason or "没有归入。")
    digest = hashlib.sha256(f"refusal:{refused['id']}".encode()).hexdigest()
    db.execute("INSERT INTO phone_import_ledger (digest, record_id, entered_by, entered_at, outcome)"
               " VALUES (?, ?, ?, ?, 'from_refusal')", [digest, record_id, actor.user_id, utc_now()])
    return Filed(record_id, refused["code"], str(fields.get("date", "")), refused["flagged"])
