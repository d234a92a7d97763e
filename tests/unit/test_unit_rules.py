"""The unit tree through the write path: a unit never hangs under its own descendant."""
from __future__ import annotations

from typing import Any

import sqlite_utils

from sync import apply_mutations
from sync.mutations import upsert
from sync.system import SYSTEM

from ..factories import make_county, row


def _move(db: sqlite_utils.Database, unit_id: str, parent_id: str) -> Any:
    (outcome,) = apply_mutations(db, SYSTEM, [upsert("unit", {"parent_id": parent_id}, unit_id,
                                                     base_version=row(db, "unit", unit_id)["version"])])
    return outcome


def test_a_unit_cannot_move_under_its_own_descendant(db: sqlite_utils.Database) -> None:
    w = make_county(db)
    for target in (w.st11, w.town1):
        outcome = _move(db, w.county, target) if target == w.town1 else _move(db, w.town1, target)
        assert outcome.status == "rejected"
        assert "自己的下级单位" in outcome.reason or "自己为上级" in outcome.reason
    assert row(db, "unit", w.town1)["parent_id"] == w.county
    assert row(db, "unit", w.county)["parent_id"] is None


def test_a_unit_moves_to_another_branch(db: sqlite_utils.Database) -> None:
    w = make_county(db)
    assert _move(db, w.st12, w.town2).status == "applied"
    assert row(db, "unit", w.st12)["parent_id"] == w.town2
