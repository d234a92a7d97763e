"""The shared fixtures copy files built once per session: each test still gets a database of its own."""
from __future__ import annotations

import pathlib

import sqlite_utils

from sync import connect, migrations


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
