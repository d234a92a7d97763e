"""A child's running pairings with volunteers whose account was stopped, ended when the child is paired anew.

The stop form may leave a volunteer's pairings running; their children then wait with a volunteer
who will never visit (``server/queries/mentees.py`` ``waiting``). Pairing such a child again ends
those pairings in the same write as the new one (``server/pages/pairings.py``), by the mutations the
stop form's ``end_pairings`` sends, so the child is not left with two running pairings. A pairing
whose volunteer is in service is never one of them.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlite_utils

from .scope import Actor, Scope, load_scope
from .stopping import EndPairings, PairingsChanged, close_for_stopped, pairings_changed


def stopped_pairings(db: sqlite_utils.Database, scope: Scope, mentee_id: str) -> list[dict[str, Any]]:
    """The child's live running pairings in ``scope`` whose volunteer's account is stopped: id,
    version, start date, the child's code and the volunteer's name, oldest first."""
    rows = db.query(
        "SELECT p.id, p.version, p.unit_id, p.start_date, m.code, u.name AS mentor_name"
        " FROM pairings p JOIN mentees m ON m.id = p.mentee_id JOIN users u ON u.id = p.mentor_id"
        " WHERE p.mentee_id = ? AND p.status = 'active' AND p.deleted = 0 AND m.deleted = 0 AND u.active = 0"
        " AND p.unit_id IN (SELECT id FROM units WHERE deleted = 0) ORDER BY p.start_date, p.id", [mentee_id])
    return [r for r in rows if scope.allows_unit(r["unit_id"])]


def end_stopped_pairings(db: sqlite_utils.Database, actor: Actor, mentee_id: str, end: EndPairings) -> tuple[str, ...]:
    """End the child's pairings with stopped volunteers, exactly those ``end.seen`` names at those
    versions, on ``end.end_date``; the ids ended. Otherwise ``PairingsChanged`` (``NotAllowed`` for
    an end the write path refuses), raised inside the caller's transaction so nothing is written."""
    now = stopped_pairings(db, load_scope(db, actor), mentee_id)
    _refuse_changed(now, end.seen)
    close_for_stopped(db, actor, now, end.end_date)
    return tuple(r["id"] for r in now)


def _refuse_changed(now: list[dict[str, Any]], seen: Mapping[str, int]) -> None:
    # As the stop form: the person decided on the list the form showed, so any change since (an
    # edit, a volunteer stopped or back in service, a pairing ended, or one that was never this
    # child's with a stopped volunteer) is theirs to look at again.
    edited, new, gone = pairings_changed(now, seen, "mentor_name")
    if not (edited or new or gone):
        return
    what = [*(f"与 {name} 的结对已被别人修改" for name in edited),
            *(f"与 {name}（已停用）的结对还在进行，表单上没有列出" for name in new)]
    if gone:
        what.append(f"{gone} 个结对已经结束、删除、转出了您的管理范围，或志愿者已恢复服务")
    raise PairingsChanged(f"您打开这个页面以后，这个孩子与已停用志愿者的结对有了变动（{'；'.join(what)}），"
                          "所以这次什么都没有保存。请看过下面现在的结对，再决定。")
