"""Whose a change of a phone's export is: what the volunteer's own phone could have sent, a visit
held unsent when the pairing ended, and a visit of a pairing handed on to another volunteer since."""
from __future__ import annotations

import datetime
from typing import Any

import sqlite_utils

from sync import Actor, Scope, load_scope
from sync.apply import OWN_RECORDS
from sync.entities import ENTITIES
from sync.handover import spans_in_words, spans_of
from sync.records import keys_of
from sync.timeutil import day_in_words

from .phone_exports import Change


def sendable(volunteer: Scope, change: Change, current: dict[str, Any] | None) -> bool:
    """Whether the volunteer's own phone could have sent ``change``, by the write path's rules for a
    mentor: the record in their scope (their active pairings and those children), a new record only
    of what mentors create (never a child), an existing visit or screening only their own."""
    if current is None:
        return ("mentor" in ENTITIES[change.entity].creators
                and volunteer.allows(keys_of(change.entity, {**change.fields, "id": change.record_id})))
    if change.entity in OWN_RECORDS and current.get("author_id") != volunteer.actor.user_id:
        return False
    return volunteer.allows(keys_of(change.entity, current))


def before_pairing_ended(db: sqlite_utils.Database, volunteer: Scope, change: Change,
                          current: dict[str, Any] | None) -> bool:
    """A new visit in one of the volunteer's own pairings that has ended since: the phone held it
    unsent when the station ended the pairing and can no longer send it. The station enters it
    here; the write path takes it only if it is dated on or before the pairing's end."""
    if current is not None or change.entity != "activity":
        return False
    pairing = db.execute("SELECT mentor_id, status FROM pairings WHERE id = ? AND deleted = 0",
                         [change.fields.get("pairing_id")]).fetchone()
    return pairing is not None and pairing[0] == volunteer.actor.user_id and pairing[1] == "closed"


HERS = "记在{0}名下（帮扶那天孩子由{0}结对，后来辅导站把孩子交给了别的志愿者），由您代录"


def handed_on(db: sqlite_utils.Database, staff: Actor, volunteer: Scope, change: Change,
               current: dict[str, Any] | None) -> bool | str:
    """A visit in a pairing of the uploader's that was the volunteer's until the station handed the
    child to another (``sync/handover.py``): True when it is hers to enter, as 归入原结对 would file
    it: new and dated inside one of her spans (entered as her 代录), or a visit already in the system
    under her name: the same visit (the write path then finds nothing new) or her edit of it, her own
    record, which she could have sent until the handover and which the station would correct for her
    on her word (merged as her phone's, so a change made since by anyone else is a conflict; the write
    path keeps a moved date inside her spans and refuses an approved or deleted child's visit); a
    sentence when it is new but dated outside them (never entered under the volunteer the child has
    now); False otherwise."""
    if change.entity != "activity":
        return False
    pairing_id = current["pairing_id"] if current is not None else change.fields.get("pairing_id")
    pairing = next(iter(db.query("SELECT * FROM pairings WHERE id = ? AND deleted = 0",
                                 [pairing_id if isinstance(pairing_id, str) else ""])), None)
    # Another unit's pairing is not described: its spans are not the uploader's to read.
    if pairing is None or not load_scope(db, staff).allows(keys_of("pairing", pairing)):
        return False
    me = volunteer.actor.user_id
    spans = spans_of(db, pairing, me)
    if not spans or pairing["mentor_id"] == me:
        return False
    if current is not None:
        return current["author_id"] == me and change.fields.get("pairing_id", pairing_id) == pairing_id
    day = change.fields.get("date")
    if any(s.holds(day) for s in spans):
        return True
    shown = day if isinstance(day, str) else ""
    try:
        said = day_in_words(datetime.date.fromisoformat(shown))
    except ValueError:
        said = "没有日期"
    return (f"这个孩子已由辅导站交给别的志愿者结对；这次帮扶的日期（{said}）不在这位志愿者结对的日期"
            f"（{spans_in_words(spans)}）之内，不是这个结对里这位志愿者的帮扶，没有录入；请和志愿者核对日期。")
