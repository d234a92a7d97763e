"""Activity counts kept by the write path: ``activity_counts(date, unit_id, kind, n, entered)``.

``n`` is the number of activities of that day, unit (the activity's own ``unit_id``, which the
write path keeps equal to its child's) and kind that are not deleted themselves; ``entered`` how
many of those staff entered for a volunteer (代录: ``entered_by`` set, m044). The statistics
form's 面对面谈心, the dashboard's activities per month and the brief's and year summary's
activities by month, kind, unit and 代录 read these rows instead of counting 10^6 activities one
index entry at a time (docs/performance.md, "Reports").

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

# The table is m027's (sync/schema/m012_m031.py) with m044's ``entered`` added.

# Every count worked out again from the activities (a bulk load of a benchmark, ``refill_derived``).
# ``count(entered_by)`` counts the rows whose entered_by IS NOT NULL: what 代录 has always meant.
COUNT_ALL_SQL = ("INSERT INTO activity_counts (date, unit_id, kind, n, entered)"
                 " SELECT date, unit_id, kind, count(*), count(entered_by) FROM activities WHERE deleted = 0"
                 " GROUP BY 1, 2, 3")

_ADD_SQL = ("INSERT INTO activity_counts (date, unit_id, kind, n, entered) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (date, unit_id, kind) DO UPDATE SET n = n + excluded.n, entered = entered + excluded.entered")
_DROP_EMPTY_SQL = "DELETE FROM activity_counts WHERE date = ? AND unit_id = ? AND kind = ? AND n = 0"


def counted(activity: dict[str, Any] | None) -> tuple[Key, int] | None:
    """The row an activity (a stored or pending record, or None) adds one to, and whether it adds
    one to that row's ``entered`` too (1 for 代录, else 0); None for none."""
    if activity is None or activity["deleted"]:
        return None
    return (activity["date"], activity["unit_id"], activity["kind"]), int(activity.get("entered_by") is not None)


def write(db: sqlite_utils.Database, stored: Mapping[str, dict[str, Any] | None],
          activities: dict[str, dict[str, Any]]) -> None:
    """Move each of a batch's ``activities`` from the row its ``stored`` state (as before the
    batch; None for a create) counted in to the row it counts in now."""
    deltas: dict[Key, tuple[int, int]] = {}
    for record_id, record in activities.items():
        old, new = counted(stored[record_id]), counted(record)
        if old == new:
            continue
        for found, sign in ((old, -1), (new, 1)):
            if found is not None:
                key, entered = found
                n, e = deltas.get(key, (0, 0))
                deltas[key] = (n + sign, e + sign * entered)
    changes = sorted((*key, n, e) for key, (n, e) in deltas.items() if n or e)
    if not changes:
        return
    db.conn.executemany(_ADD_SQL, changes)
    # A row at zero goes, so the table holds exactly the GROUP BY of the live activities.
    emptied = [row[:3] for row in changes if row[3] < 0]
    if emptied:
        db.conn.executemany(_DROP_EMPTY_SQL, emptied)
