"""An inspection keeps the unit that made it (sync/schema/m012_m031.py m026): the step fills the column for the
inspections saved before it from their author's unit on the day each was saved, read back through
the audit log of account moves."""
from __future__ import annotations

import pathlib

from sync import apply_mutations, connect, migrations, mutations, new_id, transaction
from sync.scope import Actor
from sync.users import create_user, save_user
from tests.migrating import migrate_all_but

STEP = "m026_inspecting_unit"
BEFORE_MOVES = "2000-01-01T00:00:00.000Z"  # saved before any account below moved
AFTER_MOVES = "2999-01-01T00:00:00.000Z"  # saved after every move


def test_the_step_gives_each_old_inspection_its_authors_unit_of_the_day(tmp_path: pathlib.Path) -> None:
    db = connect(tmp_path / "banxing.db")
    migrate_all_but(db, STEP)
    units = {}
    with transaction(db):
        for name, kind, parent in (("county", "county", None), ("town1", "town", "county"),
                                   ("town2", "town", "county"), ("station", "station", "town1")):
            units[name] = new_id()
            db.execute("INSERT INTO units (id, parent_id, name, kind, version, created_at, updated_at)"
                       " VALUES (?, ?, ?, ?, 1, ?, ?)",
                       [units[name], units.get(parent or ""), name, kind, BEFORE_MOVES, BEFORE_MOVES])
        stayed, went, went_twice = (create_user(db, login=login, name=login, role="staff", unit_id=units["town1"])
                                    for login in ("stayed", "went", "twice"))
        admin = create_user(db, login="admin", name="管理员", role="admin", unit_id=units["county"])
    # Moves made through the admin pages, audited as they always are.
    by = Actor(admin, "admin", units["county"])
    with transaction(db):
        save_user(db, by, {"unit_id": units["town2"]}, user_id=went)
        save_user(db, by, {"unit_id": units["town2"]}, user_id=went_twice)
        save_user(db, by, {"unit_id": units["county"]}, user_id=went_twice)
    old = {  # inspection -> (author, saved at)
        "by_one_who_stayed": (stayed, BEFORE_MOVES),
        "before_the_author_moved": (went, BEFORE_MOVES),
        "after_the_author_moved": (went, AFTER_MOVES),
        "before_two_moves": (went_twice, BEFORE_MOVES),
        "by_nobody_known": (None, BEFORE_MOVES),
    }
    ids = {key: new_id() for key in old}
    with transaction(db):
        for key, (author, at) in old.items():
            db.execute("INSERT INTO inspections (id, unit_id, date, inspectors, author_id, version, created_at,"
                       " updated_at, num) VALUES (?, ?, '2026-10-20', '周', ?, 1, ?, ?, ?)",
                       [ids[key], units["station"], author, at, at, len(ids) + list(old).index(key)])

    assert migrations.apply(db) == [STEP]

    got = dict(db.execute("SELECT id, inspecting_unit_id FROM inspections").fetchall())
    assert {key: got[ids[key]] for key in old} == {
        "by_one_who_stayed": units["town1"],
        "before_the_author_moved": units["town1"],  # the unit they left, not the one they are in now
        "after_the_author_moved": units["town2"],
        "before_two_moves": units["town1"],  # the unit left at the first move after saving
        "by_nobody_known": None,
    }
    # From now on the write path sets it, and it is in every pull like the author.
    fresh = new_id()
    (outcome,) = apply_mutations(db, Actor(stayed, "staff", units["town1"]), [mutations.upsert(
        "inspection", {"unit_id": units["station"], "date": "2026-11-02", "inspectors": "周"}, fresh)])
    assert outcome.status == "applied", outcome
    assert db.execute("SELECT inspecting_unit_id FROM inspections WHERE id = ?", [fresh]).fetchone() == (
        units["town1"],)
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.close()
