"""Stopping an account: its sessions and phones stop, and a volunteer's pairings end with it or later,
each as a pairing mutation against the version the page showed (``mentor_left``, 志愿者停止服务)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import sqlite_utils

from .apply import apply_mutations
from .errors import NotAllowed
from .mutations import upsert
from .scope import Actor, load_scope
from .timeutil import day_in_words
from .users import save_user


@dataclass(frozen=True)
class EndPairings:
    """End a volunteer's pairings along with their account: the ones a page showed (pairing id →
    the version it showed), on ``end_date``."""

    seen: Mapping[str, int]
    end_date: str


@dataclass(frozen=True)
class Stopped:
    """What stopping an account did to the volunteer's pairings."""

    ended: tuple[str, ...] = ()  # the pairings ended with the account
    running: int = 0  # active pairings left running (their children still wait for this volunteer)
    out_of_reach: int = 0  # of those, the pairings of children outside the actor's scope
    phones: int = 0  # a volunteer's phones still enrolled: what they had not sent waits on them, to be exported


class PairingsChanged(NotAllowed):
    """The volunteer's active pairings are no longer the ones the page showed (or not at those versions)."""


def deactivate_user(db: sqlite_utils.Database, actor: Actor, user_id: str, *,
                    end: EndPairings | None = None) -> Stopped:
    """Stop an account: its web sessions and phones stop working at their next request.

    With ``end``, the volunteer's active pairings in ``actor``'s scope end in the same transaction,
    each as a pairing mutation (closed on ``end.end_date``, outcome ``mentor_left``), so phones, the
    archive and the audit log see each end like any other. They must be exactly the pairings
    ``end.seen`` names, at those versions: otherwise ``PairingsChanged`` and, raised inside the
    caller's transaction, nothing is written. Pairings of children outside the actor's scope are
    never touched; ``Stopped.out_of_reach`` counts them.
    """
    save_user(db, actor, {"active": False}, user_id=user_id)
    stopped = end_pairings(db, actor, user_id, end)
    # A volunteer's phones: what they hold unsent is entered by the station from the exported file.
    phones = db.execute("SELECT count(*) FROM sync_devices d JOIN users u ON u.id = d.user_id"
                        " WHERE d.user_id = ? AND d.revoked_at IS NULL AND u.role = 'mentor'", [user_id]).fetchone()[0]
    return replace(stopped, phones=int(phones))


def end_pairings(db: sqlite_utils.Database, actor: Actor, user_id: str, end: EndPairings | None) -> Stopped:
    """End the volunteer's active pairings in ``actor``'s scope as ``deactivate_user`` does (with
    ``end``; without, only count them). Also on its own, for a volunteer stopped with their pairings
    left running: the station ends them later from the same list. Only for a stopped account: checked
    here, in the write, so an account restored meanwhile keeps its pairings."""
    still = db.execute("SELECT active FROM users WHERE id = ?", [user_id]).fetchone()
    if end is not None and still is not None and still[0]:
        raise NotAllowed("这位志愿者的账号还在使用；要结束结对，请在结对档案里逐个结束，或停用账号时一起结束。")
    reach = load_scope(db, actor)
    active = [r for r in db.query(
        "SELECT p.id, p.version, p.unit_id, p.start_date, m.code FROM pairings p JOIN mentees m ON m.id = p.mentee_id"
        " WHERE p.mentor_id = ? AND p.status = 'active' AND p.deleted = 0 AND m.deleted = 0"
        " AND p.unit_id IN (SELECT id FROM units WHERE deleted = 0) ORDER BY m.code", [user_id])]
    mine = [r for r in active if reach.allows_unit(r["unit_id"])]
    out_of_reach = len(active) - len(mine)
    if end is None:
        return Stopped(running=len(active), out_of_reach=out_of_reach)
    _refuse_pairings_changed(mine, end.seen)
    close_for_stopped(db, actor, mine, end.end_date)
    return Stopped(tuple(r["id"] for r in mine), running=out_of_reach, out_of_reach=out_of_reach)


def close_for_stopped(db: sqlite_utils.Database, actor: Actor, pairings: list[dict[str, Any]], end_date: str) -> None:
    """End ``pairings`` (each with ``id``, ``version``, ``start_date`` and the child's ``code``) on
    ``end_date`` because their volunteer stopped (outcome ``mentor_left``, 志愿者停止服务): one pairing
    mutation each against the version given. ``NotAllowed`` when any cannot end, raised so that the
    caller's transaction writes none of it."""
    for r in pairings:
        if end_date < r["start_date"]:
            began = day_in_words(r["start_date"])
            raise NotAllowed(f"结束日期不能早于 {r['code']} 的结对开始日期（{began}）。")
    fields = {"status": "closed", "end_date": end_date, "outcome": "mentor_left"}
    outcomes = apply_mutations(db, actor, [upsert("pairing", fields, r["id"], base_version=r["version"])
                                           for r in pairings])
    refused = next((o for o in outcomes if o.status != "applied"), None)
    if refused is not None:
        # Raised, so the caller's transaction drops the account change (or the new pairing) and every end with it.
        raise NotAllowed(refused.reason or "结对没能结束，什么都没有改。")


def pairings_changed(now: list[dict[str, Any]], seen: Mapping[str, int], name: str
                     ) -> tuple[list[str], list[str], int]:
    """How the pairings ``now`` differ from the ``seen`` id → version a form listed: the ``name`` of
    each edited since and of each not listed, and how many listed are gone (ended, deleted, moved)."""
    edited = [r[name] for r in now if r["id"] in seen and seen[r["id"]] != r["version"]]
    new = [r[name] for r in now if r["id"] not in seen]
    gone = len(seen.keys() - {r["id"] for r in now})
    return edited, new, gone


def _refuse_pairings_changed(now: list[dict[str, Any]], seen: Mapping[str, int]) -> None:
    # Stricter than the field merge of an edit: the person decided on the list they saw, so a
    # pairing changed, started or ended since is theirs to look at again, not ours to merge.
    edited, new, gone = pairings_changed(now, seen, "code")
    if not (edited or new or gone):
        return
    what = [*(f"{code} 的结对已被别人修改" for code in edited), *(f"新增了 {code} 的结对" for code in new)]
    if gone:
        what.append(f"{gone} 个结对已经结束、删除或转出了您的管理范围")
    raise PairingsChanged(f"您打开这个页面以后，这位志愿者的结对有了变动（{'；'.join(what)}），"
                          "所以这次什么都没有改。请看过下面现在的结对，再决定。")
