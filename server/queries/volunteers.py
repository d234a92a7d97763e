"""Who took part: the volunteers of a unit's subtree who served in a period, counted by kind (五老 —
老干部、老战士、老专家、老教师、老模范 — school teachers, 社会各界人士; Rudong notice 三), as a county
reports them upward.

A volunteer took part when a pairing of theirs ran on some day of the period, or a visit or talk
of theirs is dated in it; a volunteer stopped since still counts for the days they served. They
count in their own unit (``users.unit_id``), wherever their children are: one volunteer, one row.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import sqlite_utils

from sync import Scope
from sync.labels import MENTOR_KINDS, WU_LAO
from sync.timeutil import local_today

from .filters import live, running
from .units import unit_tree

_VISITED = ("EXISTS (SELECT 1 FROM activities a WHERE a.pairing_id = p.id AND a.deleted = 0"
            " AND a.date BETWEEN :date_from AND :date_to)")


@dataclass(frozen=True)
class TookPart:
    """How many volunteers took part, by ``MENTOR_KINDS`` key; ``unset``: those whose kind is 未填."""

    kinds: dict[str, int] = field(default_factory=dict)
    unset: int = 0

    @property
    def wu_lao(self) -> int:
        return sum(self.kinds.get(k, 0) for k in WU_LAO)

    @property
    def total(self) -> int:
        return sum(self.kinds.values()) + self.unset


def volunteers_took_part(db: sqlite_utils.Database, scope: Scope, unit_id: str, date_from: str, date_to: str,
                         *, today: datetime.date | None = None) -> TookPart | None:
    """The volunteers of ``unit_id``'s subtree in ``scope`` who took part between ``date_from`` and
    ``date_to`` (both included), by kind; None when the unit is not a live unit in ``scope``. A
    pairing registered to begin after ``today`` (default: the local date) has not run yet."""
    ids = [u["id"] for u in unit_tree(db, scope, root=unit_id)]
    if not ids:
        return None
    # A pairing registered to begin after today has not run; one that ran on some day up to then has.
    as_of = min(datetime.date.fromisoformat(date_to), today or local_today())
    ran = running("p", as_of, since=datetime.date.fromisoformat(date_from))
    named = {f"u{i}": unit for i, unit in enumerate(ids)}
    rows = db.execute(
        f"""
        SELECT u.mentor_kind, count(*) FROM users u
        WHERE u.role = 'mentor' AND u.unit_id IN ({", ".join(":" + k for k in named)})
          AND EXISTS (SELECT 1 FROM pairings p WHERE p.mentor_id = u.id AND {live("pairing", "p")}
                      AND ({ran} OR {_VISITED}))
        GROUP BY 1
        """,
        {**named, "date_from": date_from, "date_to": date_to}).fetchall()
    kinds = dict.fromkeys(MENTOR_KINDS, 0)
    unset = 0
    for kind, n in rows:
        if kind in kinds:
            kinds[kind] += n
        else:
            unset += n
    return TookPart(kinds, unset)
