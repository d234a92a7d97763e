"""The counts on the station home page that point at other pages: reviews waiting, open conflicts,
children waiting for a volunteer."""
from __future__ import annotations

import sqlite_utils

from sync import Scope
from sync.conflicts import OF_LIVE_CHILD, not_written_by, theirs_to_decide
from sync.db import placeholders

from .filters import in_scope, visible
from .review import IS_WAITING, waiting_from


def pending_reviews(db: sqlite_utils.Database, scope: Scope) -> int:
    """Live activities in ``scope`` waiting for review (``review_status`` pending), counted from
    a partial index of waiting activities as the review queue reads them."""
    sql, params = visible(scope, "activity", "a")
    return int(db.execute(
        f"SELECT count(*) FROM {waiting_from(scope)} WHERE {IS_WAITING} AND a.review_status = 'pending'"
        f" AND {sql}",
        params).fetchone()[0])


def open_conflicts(db: sqlite_utils.Database, scope: Scope) -> int:
    """Unresolved sync conflicts on records of units in ``scope`` that are the person's to decide:
    the count says what /conflicts lists (inspections' go through ``sync.conflicts.theirs_to_decide``)."""
    sql, params = in_scope(scope, "conflict", "c")
    sql = f"{sql} AND {OF_LIVE_CHILD}"
    if unwritten := not_written_by(scope.actor.role):
        sql += f" AND c.entity NOT IN ({placeholders(unwritten)})"
        params = [*params, *unwritten]
    others = int(db.execute(f"SELECT count(*) FROM sync_conflicts c WHERE c.status = 'open'"
                            f" AND c.entity != 'inspection' AND {sql}", params).fetchone()[0])
    inspections = list(db.query(f"SELECT c.entity, c.record_id, c.field, c.unit_id FROM sync_conflicts c"
                                f" WHERE c.status = 'open' AND c.entity = 'inspection' AND {sql}", params))
    return others + len(theirs_to_decide(db, scope, inspections))
