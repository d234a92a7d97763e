"""The running pairings a child's 结束帮扶 ends with her file (``server/pages/leaving.py``)."""
from __future__ import annotations

from typing import Any

import sqlite_utils

from .followups import OPEN_RISK_FLAG


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


def open_flags_of_child(db: sqlite_utils.Database, mentee_id: str) -> int:
    """The child's self-harm flags nobody has written the handling of yet (the desk's definition): ending
    care does not handle them, so the page says so before the button and they stay on the desk."""
    return int(db.execute(
        f"SELECT count(*) FROM activities a JOIN pairings p ON p.id = a.pairing_id WHERE p.mentee_id = ?"
        f" AND p.deleted = 0 AND a.deleted = 0 AND {OPEN_RISK_FLAG}", [mentee_id]).fetchone()[0])
