"""Who may see what: an ``Actor`` becomes a ``Scope``, which every read and write checks.

- mentor: the pairings where they are the active mentor, those pairings' activities,
  and the mentees (with their screenings) of those pairings; nothing of any other entity
  (reviews carry a mentee too, but they are staff's records);
- staff and reviewer: everything whose unit lies in the subtree of their own unit;
- admin: everything.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlite_utils

from .db import placeholders

# The entities a mentor's phone syncs (docs/sync-protocol.md §11); a record of any other entity is outside a
# mentor's scope whatever keys it carries.
MENTOR_ENTITIES = ("mentee", "pairing", "activity", "screening")
_MENTOR_SQL = ", ".join(f"'{name}'" for name in MENTOR_ENTITIES)


@dataclass(frozen=True)
class Actor:
    """The person (and, for a phone, the device) a change or a read is made for."""

    user_id: str
    role: str
    unit_id: str
    device_id: str | None = None
    name: str = ""


class Keys(NamedTuple):
    """The scope keys of one record: which unit, mentee and pairing it belongs to.

    A named tuple, not a frozen dataclass: the writer makes three a mutation, and a frozen
    dataclass sets each field through ``object.__setattr__`` (docs/performance.md, "The
    seventeenth session")."""

    unit_id: str | None = None
    mentee_id: str | None = None
    pairing_id: str | None = None
    entity: str | None = None  # None: a record of any entity (the mentor rule below is skipped)


@dataclass(frozen=True)
class Scope:
    actor: Actor
    unit_ids: frozenset[str] | None = None  # None: every unit (admin)
    pairing_ids: frozenset[str] = frozenset()
    mentee_ids: frozenset[str] = frozenset()

    @property
    def is_mentor(self) -> bool:
        return self.actor.role == "mentor"

    def allows(self, keys: Keys) -> bool:
        """True when a record with these keys is inside this scope."""
        if self.is_mentor:
            if keys.entity is not None and keys.entity not in MENTOR_ENTITIES:
                return False
            if keys.pairing_id is not None:
                return keys.pairing_id in self.pairing_ids
            return keys.mentee_id is not None and keys.mentee_id in self.mentee_ids
        if self.unit_ids is None:
            return True
        return keys.unit_id is not None and keys.unit_id in self.unit_ids

    def allows_unit(self, unit_id: str | None) -> bool:
        if self.is_mentor:
            return False
        return self.unit_ids is None or unit_id in self.unit_ids

    def feed_filter(self) -> tuple[str, list[Any]]:
        """A SQL condition on ``sync_feed`` columns selecting the rows in scope."""
        if self.is_mentor:
            if not self.mentee_ids:
                return "0", []
            mentees = sorted(self.mentee_ids)
            pairings = sorted(self.pairing_ids)
            sql = (
                f"mentee_id IN ({placeholders(mentees)})"
                f" AND (pairing_id IS NULL OR pairing_id IN ({placeholders(pairings)}))"
                f" AND entity IN ({_MENTOR_SQL})"
            )
            return sql, [*mentees, *pairings]
        if self.unit_ids is None:
            return "1", []
        units = sorted(self.unit_ids)
        # "+unit_id" keeps SQLite from using the unit index: walking the feed in seq order
        # and filtering is cheap, sorting every in-scope row after the cursor is not.
        return f"+unit_id IN ({placeholders(units)})", units


# The columns of each entity's table that hold its scope keys (see records.keys_of).
SCOPE_COLUMNS: dict[str, dict[str, str]] = {
    "unit": {"unit": "id"},
    "mentee": {"unit": "unit_id", "mentee": "id"},
    "pairing": {"unit": "unit_id", "mentee": "mentee_id", "pairing": "id"},
    "activity": {"unit": "unit_id", "mentee": "mentee_id", "pairing": "pairing_id"},
    "screening": {"unit": "unit_id", "mentee": "mentee_id"},
    "referral": {"unit": "unit_id", "mentee": "mentee_id"},
    "donation": {"unit": "unit_id", "mentee": "mentee_id"},
}


def where(scope: Scope, entity: str, alias: str) -> tuple[str, list[Any]]:
    """A SQL condition selecting the rows of ``entity``'s table (named ``alias``) inside ``scope``.

    The read-side twin of ``Scope.allows``: pages and reports filter with it, so a list and
    the write path agree on who sees what. Tables without their own keys use ``unit_id``.
    """
    columns = SCOPE_COLUMNS.get(entity, {"unit": "unit_id"})
    if scope.is_mentor:
        if entity not in MENTOR_ENTITIES:
            return "0", []
        if "pairing" in columns:
            ids = sorted(scope.pairing_ids)
            column = columns["pairing"]
        elif "mentee" in columns:
            ids = sorted(scope.mentee_ids)
            column = columns["mentee"]
        else:
            return "0", []
        if not ids:
            return "0", []
        return f"{alias}.{column} IN ({placeholders(ids)})", ids
    if scope.unit_ids is None:
        return "1", []
    units = sorted(scope.unit_ids)
    return f"{alias}.{columns['unit']} IN ({placeholders(units)})", units


def unit_subtree(db: sqlite_utils.Database, unit_id: str) -> frozenset[str]:
    rows = db.execute(
        """
        WITH RECURSIVE tree(id) AS (
            SELECT id FROM units WHERE id = ?
            UNION
            SELECT units.id FROM units JOIN tree ON units.parent_id = tree.id
        )
        SELECT id FROM tree
        """,
        [unit_id],
    ).fetchall()
    return frozenset(r[0] for r in rows)


def load_scope(db: sqlite_utils.Database, actor: Actor) -> Scope:
    """Compute the actor's scope from the current database state."""
    if actor.role == "mentor":
        rows = db.execute(
            "SELECT id, mentee_id FROM pairings WHERE mentor_id = ? AND status = 'active' AND deleted = 0",
            [actor.user_id],
        ).fetchall()
        return Scope(actor, frozenset(), frozenset(r[0] for r in rows), frozenset(r[1] for r in rows))
    if actor.role == "admin":
        return Scope(actor, None)
    return Scope(actor, unit_subtree(db, actor.unit_id))
