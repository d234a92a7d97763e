"""Each migration step is all or nothing (sync/db.py ``Migrations.apply``): a step cut short by a
crash or an error leaves none of itself behind, so the next start applies it again whole."""
from __future__ import annotations

import pathlib
import sqlite3

import pytest
import sqlite_utils

from sync import connect, migrations
from sync.db import Migration, Migrations


@pytest.mark.parametrize("step", [name for name, _ in migrations.steps])
def test_a_step_that_fails_before_it_is_recorded_leaves_nothing_and_applies_again(
    tmp_path: pathlib.Path, step: str
) -> None:
    db = connect(tmp_path / "banxing.db")
    Migrations("none").apply(db)  # creates the empty _migrations table
    # The step's own statements all run; recording it fails, as a crash at that moment would.
    db.execute(f"CREATE TRIGGER cut_short BEFORE INSERT ON _migrations WHEN NEW.name = '{step}'"
               " BEGIN SELECT RAISE(ABORT, 'cut short'); END")
    with pytest.raises(sqlite3.IntegrityError, match="cut short"):
        migrations.apply(db)
    db.execute("DROP TRIGGER cut_short")
    applied = migrations.apply(db)
    assert applied[0] == step
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.close()


def test_a_step_numbered_below_one_already_applied_is_applied_on_the_next_start(tmp_path: pathlib.Path) -> None:
    """Steps are found by name, not by the highest number applied: two branches add m047 and m048, and a
    county that ran m048 first still gets m047 once both are merged (a gap in the numbers is no step)."""
    db = connect(tmp_path / "banxing.db")

    def make(table: str) -> Migration:
        def step(database: sqlite_utils.Database) -> None:
            database.execute(f"CREATE TABLE {table} (id TEXT)")
        return step

    assert Migrations("gaps", [("m046_a", make("a")), ("m048_c", make("c"))]).apply(db) == ["m046_a", "m048_c"]
    merged = Migrations("gaps", [("m046_a", make("a")), ("m047_b", make("b")), ("m048_c", make("c"))])
    assert merged.apply(db) == ["m047_b"]
    assert merged.apply(db) == []
    db.close()


def test_sync_steps_run_in_number_order_across_the_era_modules() -> None:
    """The steps live in one module per era (sync/schema/), each registering as it is imported: the
    set must still hold every step once, oldest first, whatever order a caller imports them in."""
    from sync.schema import m001_m011, m012_m031, m032_m049, m050_m069

    names = [name for name, _ in migrations.steps]
    assert names == sorted(names) and len(set(names)) == len(names)
    assert (names[0], names[-1]) == ("m001_domain", "m054_waiting_activities_by_author")
    eras = [m001_m011, m012_m031, m032_m049, m050_m069]
    assert [fn.__module__ for _, fn in migrations.steps] == sorted(
        (fn.__module__ for _, fn in migrations.steps), key=[era.__name__ for era in eras].index)
