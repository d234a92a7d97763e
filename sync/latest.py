"""Each pairing's latest activity, kept by the write path:
``pairing_latest(pairing_id, activity_id, date, follow_up_due)``.

A row names the latest activity of its pairing that is not deleted itself, by date and then by id
(``LATEST_FIRST``); a pairing with no such activity has no row. The dashboard's overdue
follow-ups read these rows instead of probing the two latest activities of each of a county's
42,000 active pairings (docs/performance.md, "Reports").

What a row holds depends on the activities' own columns only (an activity never changes pairing:
``sync.rules.IMMUTABLE``), so the write path compares each activity it writes before and after the
batch (``write``, as ``sync/counts.py``'s does) and looks again only at the pairings
whose activities moved in date or follow-up date, or came or went: the batch's activities against
the row, or, when the batch wrote the row's own activity, one probe of
``idx_activities_pairing_date``. A child's move rewrites every activity of the child and moves
none; a review changes none. Whether the pairing and its child are live is left to the readers, as for the
counts: deleting either changes no row here.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlite_utils

from .jsontext import dumps

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
# The rows of a batch's pairings before it, in one statement joined from the list (sync/records.py
# ``_OWNERS_SQL`` says why not ``IN (SELECT value FROM json_each(?))``).
_ROWS_SQL = ("SELECT l.pairing_id, l.activity_id, l.date, l.follow_up_due FROM json_each(?) j"
             " JOIN pairing_latest l ON l.pairing_id = j.value")
_PUT_SQL = ("INSERT INTO pairing_latest (pairing_id, activity_id, date, follow_up_due) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (pairing_id) DO UPDATE SET activity_id = excluded.activity_id, date = excluded.date,"
            " follow_up_due = excluded.follow_up_due")
_DROP_SQL = "DELETE FROM pairing_latest WHERE pairing_id = ?"

Rank = tuple[str, Any]  # (date, follow_up_due) of a live activity
Row = tuple[str, str, Any]  # (date, activity_id, follow_up_due): the latest is the largest


def ranked(activity: dict[str, Any] | None) -> Rank | None:
    """What of an activity (a stored or pending record, or None) can make or change its pairing's
    row; None for a deleted one or none."""
    if activity is None or activity["deleted"]:
        return None
    return (activity["date"], activity["follow_up_due"])


def write(db: sqlite_utils.Database, stored: Mapping[str, dict[str, Any] | None],
          activities: dict[str, dict[str, Any]]) -> None:
    """Set the row of each pairing one of a batch's ``activities`` moved in, once they are written
    (``stored``: each one as before the batch, None for a create).

    A pairing's latest activity after the batch is the larger of its row before the batch and
    the batch's own live activities of it, unless the batch wrote that row's activity (deleted
    it, moved it back, or wrote it at all): only then is the pairing probed afresh. A phone's
    push of new visits reads its one or two rows and probes nothing; a probe, which reads each
    activity of the latest day from the table for its id, cost the writer 40 µs a pairing.
    """
    moved = {record["pairing_id"] for record_id, record in activities.items()
             if ranked(stored[record_id]) != ranked(record)}
    if not moved:
        return
    written: dict[str, list[dict[str, Any]]] = {pairing_id: [] for pairing_id in moved}
    for record in activities.values():
        if record["pairing_id"] in written:
            written[record["pairing_id"]].append(record)
    rows: dict[str, Row] = {pairing_id: (date, activity_id, due) for pairing_id, activity_id, date, due
                            in db.conn.execute(_ROWS_SQL, [dumps(sorted(moved))]).fetchall()}
    puts, drops = [], []
    for pairing_id in sorted(moved):
        row = rows.get(pairing_id)
        records = written[pairing_id]
        if row is not None and any(r["id"] == row[1] for r in records):
            top = db.conn.execute(_LATEST_SQL, [pairing_id]).fetchone()
            latest: Row | None = None if top is None else (top[1], top[0], top[2])
        else:
            # Ids compare as SQLite's BINARY collation does: they are ASCII.
            latest = max([(r["date"], r["id"], r["follow_up_due"]) for r in records if not r["deleted"]]
                         + ([row] if row else []), default=None)
        if latest == row:
            continue
        if latest is None:
            drops.append((pairing_id,))
        else:
            puts.append((pairing_id, latest[1], latest[0], latest[2]))
    if puts:
        db.conn.executemany(_PUT_SQL, puts)
    if drops:
        db.conn.executemany(_DROP_SQL, drops)
