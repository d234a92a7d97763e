"""The running pairings a child's 结束帮扶 ends with her file (``server/pages/leaving.py``)."""
from __future__ import annotations

from typing import Any

import sqlite_utils

from sync import Actor
from sync.audit import append_audit
from sync.timeutil import utc_now


def running_of_child(db: sqlite_utils.Database, mentee_id: str) -> list[dict[str, Any]]:
    """The child's live pairings not ended (``status = 'active'``, the ones ``still_paired`` refuses a
    closing for, a pairing registered ahead of its first day included): id, version, start day and the
    volunteer's name and whether their account is in service, oldest first. A pairing is the child's
    unit's, so the child's scope is theirs."""
    return [dict(r) for r in db.query(
        "SELECT p.id, p.version, p.start_date, u.name AS mentor_name, u.active AS mentor_active"
        " FROM pairings p JOIN users u ON u.id = p.mentor_id"
        " WHERE p.mentee_id = ? AND p.status = 'active' AND p.deleted = 0"  # idx_pairings_mentee
        " ORDER BY p.start_date, p.id", [mentee_id])]


# Why a child left care, chosen on 结束帮扶 (``care_leavings.reason``); 其他 is written out in words.
LEAVING_REASONS = {"graduated": "毕业离校", "moved_away": "转学到外县", "improved": "情况好转，不再需要帮扶",
                   "other": "其他"}
# The children's list's 状态 for a closed file with no leaving that stands (closed by the edit form's
# 状态, or closed again that way after a reopening): 未记原因, never a guess.
UNRECORDED = "unrecorded"
CHANGING = "('applied', 'merged', 'conflict')"  # sync.audit.CHANGING_STATUSES


def standing_leaving(alias: str = "m") -> str:
    """SQL: the id of the leaving that stands for the child ``alias`` — her latest, while her file is
    closed and its 状态 has not changed since that leaving closed it (a reopening, or a reopening and a
    closing by the edit form, leaves the row as history and the file no longer says why she left) —
    or NULL. The audit is read by the file's number (``idx_sync_audit_num``), as its history is."""
    return (
        f"(SELECT l.id FROM care_leavings l WHERE l.mentee_id = {alias}.id AND {alias}.status = 'closed'"
        f" AND NOT EXISTS (SELECT 1 FROM sync_audit a WHERE a.num = {alias}.num AND a.record_id = {alias}.id"
        f" AND a.status IN {CHANGING} AND a.version > l.mentee_version"
        f" AND json_extract(a.changes, '$.status') IS NOT NULL)"
        f" ORDER BY l.id DESC LIMIT 1)")


def leaving_filter(reason: str, alias: str = "m") -> str:
    """SQL: the closed child ``alias`` left for ``reason`` (a key of ``LEAVING_REASONS``, bound as the
    one parameter), or with ``UNRECORDED`` has no leaving that stands (no parameter)."""
    if reason == UNRECORDED:
        return f"{alias}.status = 'closed' AND {standing_leaving(alias)} IS NULL"
    return f"(SELECT l2.reason FROM care_leavings l2 WHERE l2.id = {standing_leaving(alias)}) = ?"


def leaving_of(db: sqlite_utils.Database, mentee_id: str) -> dict[str, Any] | None:
    """The leaving that stands for the child (``standing_leaving``): day, reason in words, who recorded
    it; None while she is in help or when her file was closed without one (未记原因)."""
    found = db.execute(
        f"SELECT l.left_on, l.reason, l.reason_note, u.name AS recorded_by_name, l.recorded_at"
        f" FROM mentees m JOIN care_leavings l ON l.id = {standing_leaving('m')}"
        f" JOIN users u ON u.id = l.recorded_by WHERE m.id = ?", [mentee_id]).fetchone()
    if found is None:
        return None
    left_on, reason, note, by, at = found
    words = LEAVING_REASONS.get(reason, reason)
    return {"left_on": left_on, "reason": reason, "reason_words": f"{words}（{note}）" if note else words,
            "recorded_by_name": by, "recorded_at": at}


def record_leaving(db: sqlite_utils.Database, actor: Actor, mentee_id: str, left_on: str, reason: str,
                   note: str | None) -> None:
    """Keep why and when the child left, in the write that closed her file (after it: the row holds the
    version that write gave the file), audited as ``care_leaving``."""
    version = int(db.execute("SELECT version FROM mentees WHERE id = ?", [mentee_id]).fetchone()[0])
    cursor = db.execute(
        "INSERT INTO care_leavings (mentee_id, mentee_version, left_on, reason, reason_note, recorded_by,"
        " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [mentee_id, version, left_on, reason, note, actor.user_id, utc_now()])
    append_audit(db, actor, "care_leaving", str(cursor.lastrowid), "create",
                 {"mentee_id": [None, mentee_id], "left_on": [None, left_on], "reason": [None, reason],
                  "reason_note": [None, note]})
