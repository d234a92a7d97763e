"""The edited text of a year-end summary: kept in ``year_summaries``, one row per save.

Why not a synced entity: the text is a county or unit document written on a PC, never on a
phone, and holds no child's data. Why append-only: the history of a report that goes upward is
worth keeping, and it makes concurrent editing safe — a save names the row it was based on, and
when someone else saved in between, nothing is overwritten: the person sees both texts. Each save
is also written to ``sync_audit`` (entity ``year_summary``) like an account change.
"""
from __future__ import annotations

from typing import Any

import sqlite_utils

from sync import Actor
from sync.audit import append_audit
from sync.timeutil import utc_now

TEXT_MAX = 20_000


class SummaryConflict(Exception):
    """Someone saved this summary after the version the person was editing."""

    def __init__(self, latest: dict[str, Any]) -> None:
        super().__init__("saved meanwhile")
        self.latest = latest


def latest_summary(db: sqlite_utils.Database, unit_id: str, year: int) -> dict[str, Any] | None:
    """The current text of the unit's summary for ``year`` (with who saved it, when, how many saves)."""
    return next(db.query(
        "SELECT s.id, s.text, s.saved_at, s.saved_by, u.name AS saved_by_name,"
        " (SELECT count(*) FROM year_summaries c WHERE c.unit_id = s.unit_id AND c.year = s.year) AS saves"
        " FROM year_summaries s LEFT JOIN users u ON u.id = s.saved_by"
        " WHERE s.unit_id = ? AND s.year = ? ORDER BY s.id DESC LIMIT 1", [unit_id, year]), None)


def save_summary(db: sqlite_utils.Database, actor: Actor, unit_id: str, year: int, text: str,
                 base_id: int | None) -> int:
    """Save a new version; ``base_id`` is the version the person edited (None: none existed).
    Raises ``SummaryConflict`` when a newer version was saved meanwhile."""
    latest = latest_summary(db, unit_id, year)
    if latest is not None and latest["id"] != base_id:
        if latest["text"] == text[:TEXT_MAX]:
            # The same text as the newest version (the 保存 button clicked twice, or two people who
            # agree): nothing to merge and nothing lost, so no "saved meanwhile" — and no second copy.
            return int(latest["id"])
        raise SummaryConflict(latest)
    cursor = db.execute("INSERT INTO year_summaries (unit_id, year, text, saved_by, saved_at) VALUES (?, ?, ?, ?, ?)",
                        [unit_id, year, text[:TEXT_MAX], actor.user_id, utc_now()])
    row_id = int(cursor.lastrowid or 0)
    append_audit(db, actor, "year_summary", str(row_id), "create", {"unit_id": [None, unit_id], "year": [None, year]})
    return row_id
