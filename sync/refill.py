"""Working out again from the activities the tables the write path keeps from them."""
from __future__ import annotations

import sqlite3

from . import counts, latest

# What the write path keeps from the activities (table, the statement that works it out from them).
DERIVED_FROM_ACTIVITIES = (("activity_counts", counts.COUNT_ALL_SQL), ("pairing_latest", latest.FILL_ALL_SQL))


def refill_derived(conn: sqlite3.Connection) -> None:
    """Work out again from the activities what the write path keeps from them, for a load that
    wrote activities straight into their table (the benches' counties)."""
    for table, fill in DERIVED_FROM_ACTIVITIES:
        conn.execute(f"DELETE FROM {table}")
        conn.execute(fill)
