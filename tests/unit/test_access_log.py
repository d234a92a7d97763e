"""The access log records who saw which children's records, and nobody can rewrite it."""
from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

from server.access import log_access, read_access_log
from server.schema import migrations as server_migrations
from sync import Actor, transaction

from ..factories import make_unit, make_user


@pytest.fixture
def logged(db: sqlite_utils.Database) -> tuple[sqlite_utils.Database, Actor]:
    server_migrations.apply(db)
    staff = make_user(db, "staff", make_unit(db), login="li", name="李站长")
    with transaction(db):
        log_access(db, staff, "view_pairing", "p-1", entities={"activity": 12, "pairing": 1}, ip="10.0.0.9")
        log_access(db, staff, "export_stats", "unit-1")
    return db, staff


def test_access_log_lists_newest_first_with_who_and_how_many(logged: tuple[sqlite_utils.Database, Actor]) -> None:
    db, staff = logged
    rows = read_access_log(db)
    assert [r["action"] for r in rows] == ["export_stats", "view_pairing"]
    assert rows[1]["user_name"] == "李站长" and rows[1]["login"] == "li"
    assert rows[1]["record_count"] == 13 and rows[1]["entities"] == {"activity": 12, "pairing": 1}
    assert rows[1]["ip"] == "10.0.0.9"
    assert [r["action"] for r in read_access_log(db, target="p-1")] == ["view_pairing"]


@pytest.mark.parametrize("statement", ["UPDATE access_log SET action = 'x'", "DELETE FROM access_log"])
def test_access_log_refuses_updates_and_deletes(logged: tuple[sqlite_utils.Database, Actor], statement: str) -> None:
    db, _ = logged
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        with transaction(db):
            db.execute(statement)
    assert len(read_access_log(db)) == 2
