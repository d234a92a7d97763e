"""A county upgrades by starting the new server on its database: whatever commit made that file,
the migrations bring it to the tables, columns and indexes a new database has.

``tests/fixtures/schema_<commit>.sql.gz`` hold the schema (and the ``_migrations`` rows) of the
demo database that ``banxing demo`` of an older commit of main wrote: each is a day on which a
migration step was changed after it had shipped.
"""
from __future__ import annotations

import gzip
import pathlib
import re
import sqlite3

import pytest

from server.store import Store

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures"


def schema(path: pathlib.Path) -> list[tuple[str, str, str]]:
    """Every table and index as (type, name, its SQL with runs of blanks made one space)."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
                            " ORDER BY type, name").fetchall()
    finally:
        conn.close()
    return [(kind, name, re.sub(r"\s+", " ", sql or "").replace("( ", "(")) for kind, name, sql in rows]


def migrated(path: pathlib.Path) -> None:
    store = Store(path)
    try:
        store.migrate()
    finally:
        store.close()


@pytest.mark.parametrize("commit", ["ef5bd76", "a12b14d"])
def test_a_database_made_by_an_older_commit_upgrades_to_the_schema_of_a_new_one(
    tmp_path: pathlib.Path, commit: str
) -> None:
    old = tmp_path / f"{commit}.db"
    conn = sqlite3.connect(old)
    conn.executescript(gzip.decompress((FIXTURES / f"schema_{commit}.sql.gz").read_bytes()).decode())
    conn.close()
    # a12b14d's database stopped the server at start ("no such index: idx_activities_pairing");
    # ef5bd76's started, and then a child's page was a 500 (no idx_activities_pairing_date).
    migrated(old)
    new = tmp_path / "new.db"
    migrated(new)
    assert schema(old) == schema(new)
    migrated(old)  # and the next start finds nothing left to do
    assert schema(old) == schema(new)


def test_a_backup_made_by_an_older_commit_is_restored_at_the_schema_of_a_new_database(tmp_path: pathlib.Path) -> None:
    """operations.md: `banxing restore` "migrates it". It ran the sync migrations only, so a backup from
    before m015 (care_leavings, a server table) came back without it until the next `banxing serve`."""
    from server.backup import restore

    backup = tmp_path / "backup.db"
    conn = sqlite3.connect(backup)
    conn.executescript(gzip.decompress((FIXTURES / "schema_ef5bd76.sql.gz").read_bytes()).decode())
    conn.close()
    restored = tmp_path / "check" / "rudong.db"
    restored.parent.mkdir()
    restore(backup, restored)
    new = tmp_path / "new.db"
    migrated(new)
    assert schema(restored) == schema(new)
