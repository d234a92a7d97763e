"""A county's staff writing at random, for the property tests of what the write path keeps from the
activities (``test_activity_counts.py``, ``test_pairing_latest.py``).

``CountyWrites`` holds the county, the lookups the rules pick records with, and the writes that
either table must follow whatever it keeps: deleting an activity, moving a child, adding, closing
and deleting pairings and children. Each test's machine adds the creates and edits that move
activities in what its table keys on, and its invariants.
"""
from __future__ import annotations

import pathlib
import shutil
import tempfile
from types import SimpleNamespace
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule

from sync import apply_mutations, connect, mutations

from ..factories import county_file, make_mentee, make_pairing, row

INDEX = st.integers(0, 10_000)


class CountyWrites(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = tempfile.TemporaryDirectory()
        template, w = county_file(county_staff=True)
        self.staff = w.county_staff
        shutil.copyfile(template, pathlib.Path(self.dir.name) / "t.db")
        self.db = connect(pathlib.Path(self.dir.name) / "t.db")
        self.w = SimpleNamespace(**vars(w))
        self.units = [self.w.st11, self.w.st12, self.w.st21, self.w.st22]

    def teardown(self) -> None:
        self.db.close()
        self.dir.cleanup()

    def pick(self, sql: str, i: int) -> str | None:
        """The ``i``-th (modulo) id ``sql`` lists, or None when it lists none."""
        ids = [r[0] for r in self.db.execute(sql).fetchall()]
        return ids[i % len(ids)] if ids else None

    def live(self, table: str, i: int) -> str | None:
        return self.pick(f"SELECT id FROM {table} WHERE deleted = 0 ORDER BY id", i)

    def writable_activity(self, i: int) -> str | None:
        # An activity of a dead pairing cannot be written any more (sync.rules: its pairing must be live).
        return self.pick(
            "SELECT a.id FROM activities a JOIN pairings p ON p.id = a.pairing_id JOIN mentees m ON m.id = a.mentee_id"
            " WHERE a.deleted = 0 AND p.deleted = 0 AND m.deleted = 0 ORDER BY a.id", i)

    def apply(self, *mutation: dict[str, Any]) -> None:
        apply_mutations(self.db, self.staff, list(mutation))  # a rejection (a closed pairing …) writes nothing

    def version(self, entity: str, record_id: str) -> int:
        current = row(self.db, entity, record_id)
        assert current is not None
        return int(current["version"])

    @rule(i=INDEX)
    def delete_activity(self, i: int) -> None:
        a = self.writable_activity(i)
        if a is not None:
            self.apply(mutations.delete("activity", a, base_version=self.version("activity", a)))

    @rule(i=INDEX, u=INDEX)
    def move_child(self, i: int, u: int) -> None:
        m = self.live("mentees", i)
        if m is not None:
            self.apply(mutations.upsert("mentee", {"unit_id": self.units[u % len(self.units)]}, m,
                                        base_version=self.version("mentee", m)))

    @rule(u=INDEX)
    def add_child_and_pairing(self, u: int) -> None:
        child = make_mentee(self.db, self.staff, self.units[u % len(self.units)])
        make_pairing(self.db, self.staff, self.w.mentor1, child)

    @rule(i=INDEX)
    def close_pairing(self, i: int) -> None:
        p = self.live("pairings", i)
        if p is not None:
            self.apply(mutations.upsert("pairing", {"status": "closed", "end_date": "2026-11-25", "outcome": "stable"},
                                        p, base_version=self.version("pairing", p)))

    @rule(i=INDEX)
    def delete_pairing(self, i: int) -> None:
        p = self.live("pairings", i)
        if p is not None:
            self.apply(mutations.delete("pairing", p, base_version=self.version("pairing", p)))

    @rule(i=INDEX)
    def delete_child(self, i: int) -> None:
        m = self.live("mentees", i)
        if m is not None:
            self.apply(mutations.delete("mentee", m, base_version=self.version("mentee", m)))
