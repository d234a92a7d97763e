"""Why a volunteer's visit or screening kept from a phone was refused, in the station's words.

A refusal must not say whether a record outside the writer's scope exists (rules.not_found), so a
phone is told only 找不到结对 unless the pairing was its volunteer's own (told_volunteer). The station,
which sees the pairing and the child, needs the cause to act on it — the pairing ended, the child
passed to another volunteer, the child was deleted — so the write path keeps it in the refusal's
audit row beside the kept words (apply._visit_kept), as the world stood when the visit arrived.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlite_utils

from .handover import spans_of
from .scope import Actor
from .timeutil import day_in_words

Get = Callable[[str, str], "dict[str, Any] | None"]


def _mentor_name(db: sqlite_utils.Database, user_id: Any) -> str:
    found = db.execute("SELECT name FROM users WHERE id = ?", [user_id]).fetchone() if user_id else None
    return str(found[0]) if found and found[0] else "另一位志愿者"


def _pairing_cause(db: sqlite_utils.Database, get: Get, actor: Actor, pairing_id: Any) -> str | None:
    pairing = get("pairing", pairing_id) if isinstance(pairing_id, str) else None
    if pairing is None:
        return "服务器上没有这条记录所属的结对（可能在手机上选错了孩子，或结对还没有登记）。"
    mentee = get("mentee", pairing["mentee_id"])
    if mentee is None or mentee["deleted"]:
        return "孩子的档案在手机送来之前已被删除。"
    if pairing["deleted"]:
        return "这个结对在手机送来之前已被删除。"
    if pairing["mentor_id"] != actor.user_id:
        return f"孩子在手机送来之前已改由{_mentor_name(db, pairing['mentor_id'])}结对，不再是这位志愿者。"
    if pairing["status"] != "active":
        ended = pairing.get("end_date")
        if not ended:
            return "结对在手机送来之前已结束。"
        return f"结对已于{day_in_words(ended)}结束，手机送来时已不能再记。"
    return None


def kept_cause(db: sqlite_utils.Database, get: Get, actor: Actor, entity: str,
               fields: dict[str, Any]) -> str | None:
    """The cause, for the station, of refusing ``actor``'s new ``entity`` (``activity`` or
    ``screening``) sent with ``fields``; None when nothing about its pairing or child explains it
    (the refusal's own reason then says why)."""
    if entity == "activity":
        return _pairing_cause(db, get, actor, fields.get("pairing_id"))
    mentee_id = fields.get("mentee_id")
    mentee = get("mentee", mentee_id) if isinstance(mentee_id, str) else None
    if mentee is None:
        return "服务器上没有这个孩子的档案（可能在手机上选错了孩子）。"
    if mentee["deleted"]:
        return "孩子的档案在手机送来之前已被删除。"
    running = db.execute(
        "SELECT 1 FROM pairings WHERE mentee_id = ? AND mentor_id = ? AND status = 'active' AND deleted = 0",
        [mentee_id, actor.user_id]).fetchone()
    return None if running else "这位志愿者和孩子的结对在手机送来之前已结束，或孩子已改由别的志愿者结对。"


def _was_hers(db: sqlite_utils.Database, actor: Actor, pairing: dict[str, Any]) -> bool:
    """``actor`` is, or was until the station handed the child on, ``pairing``'s volunteer."""
    return pairing["mentor_id"] == actor.user_id or bool(spans_of(db, pairing, actor.user_id))


def _what_happened(actor: Actor, pairing: dict[str, Any]) -> str | None:
    """What the station did to a pairing that was the volunteer's that keeps her from writing in it."""
    if pairing["deleted"]:
        return "的结对已被辅导站删除"
    if pairing["mentor_id"] != actor.user_id:
        return "已交给别的志愿者"
    return None if pairing["status"] == "active" else "的结对已由辅导站结束"


def told_volunteer(db: sqlite_utils.Database, get: Get, actor: Actor, entity: str,
                   fields: dict[str, Any]) -> str | None:
    """What the phone is told instead of 找不到… when the station changed a pairing of the volunteer's
    own while the phone was offline — deleted the child, ended the pairing or handed the child to
    another volunteer: she knew the child (a pull takes it off the phone anyway), so naming what
    happened tells nothing new, and saying the words are kept stops her retyping or fearing the
    visit or 摸排 lost. None for anything else, and for a volunteer the pairing never was (the one
    not-found sentence stands: issue 8 item 6)."""
    pairings = _named_pairings(db, get, entity, fields) or []
    # A screening is refused for the pairing only when no running pairing of hers has the child.
    if entity == "screening" and any(p["mentor_id"] == actor.user_id and p["status"] == "active"
                                     and not p["deleted"] for p in pairings):
        return None
    hers = [p for p in pairings if _was_hers(db, actor, p)]
    mentee = get("mentee", hers[0]["mentee_id"]) if hers else None
    if mentee is None:
        return None
    kept = "记录的内容已经保存在服务器上，辅导站能看到"
    # A visit that found self-harm risk is not one to mention at the next call: the station's home puts
    # it first among its flags, and she is asked to ring now, as the visit form asks when she ticks it.
    flagged = entity == "activity" and fields.get("risk_flag") is True
    ask = "这次记下了发现自伤自残风险，请马上打电话告诉辅导站。" if flagged else "请联系辅导站。"
    if mentee["deleted"]:
        return f"孩子 {mentee['code']} 的档案已被辅导站删除，这条记录没有收进系统。{kept}，{ask}"
    happened = next((said for p in hers if (said := _what_happened(actor, p))), None)
    if happened is None:
        return None
    # What the station can do with the words: file a visit into the pairing it was made in
    # (server/refusal_filing.py), enter a 摸排 in the child's file; into a deleted pairing, nothing.
    then = "" if "删除" in happened else "，可以把它归入原来的结对" if entity == "activity" else "，可以替您补录"
    return f"孩子 {mentee['code']} {happened}，这条记录没有收进系统。{kept}{then}，{ask}"



def _named_pairings(db: sqlite_utils.Database, get: Get, entity: str, fields: dict[str, Any]
                    ) -> list[dict[str, Any]] | None:
    """The pairings a new visit (its own) or 摸排 (the child's, latest first: a screening names the child
    alone) was sent for; None when it names a pairing or child the server does not hold."""
    if entity == "activity" and isinstance(fields.get("pairing_id"), str):
        pairing = get("pairing", fields["pairing_id"])
        return None if pairing is None else [pairing]
    if entity == "screening" and isinstance(fields.get("mentee_id"), str) and get("mentee", fields["mentee_id"]):
        return list(db.query("SELECT * FROM pairings WHERE mentee_id = ? ORDER BY start_date DESC, id DESC",
                             [fields["mentee_id"]]))
    return None


def never_hers(db: sqlite_utils.Database, get: Get, actor: Actor, entity: str, fields: dict[str, Any]) -> bool:
    """``fields`` name a pairing (a visit) or a child (a 摸排) the server holds that ``actor`` never
    paired with: no station changed her world, for it never was hers (a damaged or hostile phone),
    so her words are not kept for the station, only their field names. A pairing or child the server
    does not hold (a restore from a backup older than the pairing) is not "never hers": kept."""
    pairings = _named_pairings(db, get, entity, fields)
    return pairings is not None and not any(_was_hers(db, actor, p) for p in pairings)
