"""The two rules every read obeys: stay inside the caller's scope, and count live rows only.

"Live" (docs/design.md §2.1 and §3, "Live rows only"): a deleted record counts nowhere, and neither do the
records of a deleted mentee, pairing or unit. ``live`` spells that out per entity so no page
re-derives it; ``in_scope`` is ``sync.scope.where`` (the read-side twin of the write path's
scope check).
"""
from __future__ import annotations

from typing import Any

from sync import Scope
from sync.scope import where

# Which parents must also be live for a row of each entity to count.
PARENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "mentee": (("unit_id", "units"),),
    "pairing": (("mentee_id", "mentees"), ("unit_id", "units")),
    "activity": (("pairing_id", "pairings"), ("mentee_id", "mentees"), ("unit_id", "units")),
    "screening": (("mentee_id", "mentees"), ("unit_id", "units")),
    "referral": (("mentee_id", "mentees"), ("unit_id", "units")),
    "event": (("unit_id", "units"),),
    "enrolment": (("unit_id", "units"),),
    "stats_return": (("unit_id", "units"),),
    "review": (("unit_id", "units"),),
    "inspection": (("unit_id", "units"),),
}


def live(entity: str, alias: str) -> str:
    """SQL: the row ``alias`` of ``entity`` is not deleted, nor is any parent it hangs from."""
    parts = [f"{alias}.deleted = 0"]
    for column, table in PARENTS.get(entity, ()):
        parts.append(
            f"({alias}.{column} IS NULL OR {alias}.{column} IN (SELECT id FROM {table} WHERE deleted = 0))"
        )
    return " AND ".join(parts)


def in_scope(scope: Scope, entity: str, alias: str) -> tuple[str, list[Any]]:
    """SQL and parameters: the row ``alias`` of ``entity`` is inside ``scope``."""
    return where(scope, entity, alias)


def visible(scope: Scope, entity: str, alias: str) -> tuple[str, list[Any]]:
    """Both rules at once: in scope and live."""
    sql, params = in_scope(scope, entity, alias)
    return f"({sql}) AND {live(entity, alias)}", params
