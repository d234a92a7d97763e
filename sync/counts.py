"""Activity counts kept by the write path: ``activity_counts(date, unit_id, kind, n)``.

``n`` is the number of activities of that day, unit (the activity's own ``unit_id``, which the
write path keeps equal to its child's) and kind that are not deleted themselves. The statistics
form's 面对面谈心 and the dashboard's activities per month read these rows instead of counting
10^6 activities one index entry at a time (docs/performance.md, "Reports").

What a row counts depends on the activity's own columns only, so the write path keeps it by
comparing each activity it writes before and after the batch (``write``); a delete of a
pairing or a child changes no row. Readers take the activities of dead pairings (deleted, or
of a deleted child: few in any county) off the counts themselves, as the dashboard already did
(``server/queries/filters.py`` ``DEAD_PAIRINGS``).

The key starts with the date: a day's writes land in the same few leaf pages at the end of
the table, as the feed's do, so a push dirties one or two pages of it (a table keyed by unit
first would dirty one per unit).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlite_utils

Key = tuple[str, str, str]  # (date, unit_id, kind)

CREATE_SQL = """
    CREATE TABLE activity_counts (
        date TEXT NOT NULL,
        unit_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (date, unit_id, kind)
    ) WITHOUT ROWID
"""

# Every count worked out again from the activities (a migration, a bulk load of a benchmark).
COUNT_ALL_SQL = ("INSERT INTO activity_counts (date, unit_id, kind, n)"
                 " SELECT date, unit_id, kind, count(*) FROM activities WHERE deleted = 0 GROUP BY 1, 2, 3")

_ADD_SQL = ("INSERT INTO activity_counts (date, unit_id, kind, n) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (date, unit_id, kind) DO UPDATE SET n = n + excluded.n")
_DROP_EMPTY_SQL = "DELETE FROM activity_counts WHERE date = ? AND unit_id = ? AND kind = ? AND n = 0"


def counted(activity: dict[str, Any] | None) -> Key | None:
    """The row an activity (a stored or pending record, or None) adds one to; None for none."""
    if activity is None or activity["deleted"]:
        return None
    return (activity["date"], activity["unit_id"], activity["kind"])


def write(db: sqlite_utils.Database, stored: Mapping[str, dict[str, Any] | None],
          activities: dict[str, dict[str, Any]]) -> None:
    """Move each of a batch's ``activities`` from the row its ``stored`` state (as before the
    batch; None for a create) counted in to the row it counts in now."""
    deltas: dict[Key, int] = {}
    for record_id, record in activities.items():
        old, new = counted(stored[record_id]), counted(record)
        if old == new:
            continue
        if old is not None:
            deltas[old] = deltas.get(old, 0) - 1
        if new is not None:
            deltas[new] = deltas.get(new, 0) + 1
    changes = sorted((*key, n) for key, n in deltas.items() if n)
    if not changes:
        return
    db.conn.executemany(_ADD_SQL, changes)
    # A row at zero goes, so the table holds exactly the GROUP BY of the live activities.
    emptied = [row[:3] for row in changes if row[3] < 0]
    if emptied:
        db.conn.executemany(_DROP_EMPTY_SQL, emptied)
