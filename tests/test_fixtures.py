"""The shared fixtures copy files built once per session: each test still gets a database of its own."""
from __future__ import annotations

import pathlib
import shutil

import argon2
import sqlite_utils

from server.auth import hash_password
from server.schema import migrations as server_migrations
from sync import connect, migrations

from .factories import copy_county, make_county, mutate, row, table_counts


def test_each_db_is_its_own_copy_of_the_session_migrated_file(
    db: sqlite_utils.Database, migrated_file: pathlib.Path
) -> None:
    applied = {r[0] for r in db.execute("SELECT name FROM _migrations WHERE migration_set = 'sync'").fetchall()}
    assert applied == {name for name, _ in migrations.steps}
    assert pathlib.Path(db.conn.execute("PRAGMA database_list").fetchone()[2]) != migrated_file
    db.execute("CREATE TABLE left_by_this_test (x)")
    template = connect(migrated_file, readonly=True)
    try:
        assert "left_by_this_test" not in template.table_names()
    finally:
        template.close()


def test_passwords_are_hashed_at_the_argon2_librarys_default_cost() -> None:
    # The page tests sign in with cheaply hashed passwords (tests/http/pages/conftest.py); production's
    # accounts must not: every hash the server makes carries the library's (slow) defaults.
    stored = argon2.extract_parameters(hash_password("correct-horse-9"))
    default = argon2.PasswordHasher()
    assert stored.type is argon2.Type.ID
    assert (stored.time_cost, stored.memory_cost, stored.parallelism) == (
        default.time_cost, default.memory_cost, default.parallelism)
    assert default.memory_cost >= 64 * 1024




def test_a_copied_county_holds_what_make_county_builds_and_is_the_tests_own(
    db: sqlite_utils.Database, tmp_path: pathlib.Path, migrated_file: pathlib.Path
) -> None:
    w = copy_county(db)
    built = connect(tmp_path / "built.db")
    try:
        migrations.apply(built)
        server_migrations.apply(built)  # as the session's file (tests/conftest.py)
        fresh = make_county(built)
        assert table_counts(db) == table_counts(built)
        assert vars(w).keys() == vars(fresh).keys()
    finally:
        built.close()
    version = row(db, "mentee", w.mentee1)["version"]
    mutate(db, w.staff_st11, "mentee", {"name": "改过"}, w.mentee1, base_version=version)
    shutil.copyfile(migrated_file, tmp_path / "again.db")
    again = connect(tmp_path / "again.db")
    try:
        assert copy_county(again) is not w
        assert [row(d, "mentee", w.mentee1)["name"] for d in (db, again)] == ["改过", "小明"]
    finally:
        again.close()
