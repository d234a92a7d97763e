"""Each pairing's latest activity, kept by the write path:
``pairing_latest(pairing_id, activity_id, date, follow_up_due)``.

A row names the latest activity of its pairing that is not deleted itself, by date and then by id
(``LATEST_FIRST``); a pairing with no such activity has no row. The dashboard's overdue
follow-ups read these rows instead of probing the two latest activities of each of a county's
42,000 active pairings (docs/performance.md, "Reports").

What a row holds depends on the activities' own columns only (an activity never changes pairing:
``sync.rules.IMMUTABLE``), so the write path compares each activity it writes before and after the
batch (``Latest``, as ``sync/counts.py``'s ``Tally`` does) and looks again, with one probe of
``idx_activities_pairing_date``, only at the pairings whose activities moved in date or follow-up
date, or came or went. A child's move rewrites every activity of the child and moves none; a
review changes none. Whether the pairing and its child are live is left to the readers, as for the
counts: deleting either changes no row here.
"""
from __future__ import annotations

from typing import Any

import sqlite_utils

CREATE_SQL = """
    CREATE TABLE pairing_latest (
        pairing_id TEXT PRIMARY KEY,
        activity_id TEXT NOT NULL,
        date TEXT NOT NULL,
        follow_up_due TEXT
    ) WITHOUT ROWID
"""

# A pairing's latest activity, on activities ``a``: by date, then by id (UUIDv7 ids sort by creation).
# The station home's follow-up lists (server/queries/followups.py) order the same way.
LATEST_FIRST = "a.date DESC, a.id DESC"

# Every row worked out again from the activities (a migration, a bulk load of a benchmark): one
# probe per pairing, as the write path makes it.
FILL_ALL_SQL = f"""
    INSERT INTO pairing_latest (pairing_id, activity_id, date, follow_up_due)
    SELECT top.pairing_id, top.id, top.date, top.follow_up_due FROM pairings p
    JOIN activities top ON top.id = (SELECT a.id FROM activities a WHERE a.pairing_id = p.id AND a.deleted = 0
                                     ORDER BY {LATEST_FIRST} LIMIT 1)
"""

_LATEST_SQL = ("SELECT a.id, a.date, a.follow_up_due FROM activities a WHERE a.pairing_id = ? AND a.deleted = 0"
               f" ORDER BY {LATEST_FIRST} LIMIT 1")
# Only a row that differs is written: a create older than its pairing's latest dirties no page.
_PUT_SQL = ("INSERT INTO pairing_latest (pairing_id, activity_id, date, follow_up_due) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (pairing_id) DO UPDATE SET activity_id = excluded.activity_id, date = excluded.date,"
            " follow_up_due = excluded.follow_up_due"
            " WHERE (activity_id, date, follow_up_due) IS NOT"
            " (excluded.activity_id, excluded.date, excluded.follow_up_due)")
_DROP_SQL = "DELETE FROM pairing_latest WHERE pairing_id = ?"

Rank = tuple[str, Any]  # (date, follow_up_due) of a live activity


def ranked(activity: dict[str, Any] | None) -> Rank | None:
    """What of an activity (a stored or pending record, or None) can make or change its pairing's
    row; None for a deleted one or none."""
    if activity is None or activity["deleted"]:
        return None
    return (activity["date"], activity["follow_up_due"])


class Latest:
    """What one batch changes in ``pairing_latest``: ``before`` each activity's first write in the
    batch, the record as it stands at the end of it."""

    def __init__(self) -> None:
        self.before: dict[str, Rank | None] = {}

    def first_write(self, record_id: str, stored: dict[str, Any] | None) -> None:
        """Called before each write of an activity; only the first, the stored state, is kept."""
        if record_id not in self.before:
            self.before[record_id] = ranked(stored)

    def write(self, db: sqlite_utils.Database, activities: dict[str, dict[str, Any]]) -> None:
        """Look again at the latest activity of each pairing one of ``activities`` moved in, once
        they are written."""
        pairings = sorted({record["pairing_id"] for record_id, record in activities.items()
                           if self.before[record_id] != ranked(record)})
        puts, drops = [], []
        for pairing_id in pairings:
            top = db.conn.execute(_LATEST_SQL, [pairing_id]).fetchone()
            if top is None:
                drops.append((pairing_id,))
            else:
                puts.append((pairing_id, *top))
        if puts:
            db.conn.executemany(_PUT_SQL, puts)
        if drops:
            db.conn.executemany(_DROP_SQL, drops)
