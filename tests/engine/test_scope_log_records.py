"""The scope log names a unit's own record that moved to another unit (sync/schema/m012_m031.py m023): the
step keeps every row written before it, and a row must name a child or a record."""
from __future__ import annotations

import pathlib
import sqlite3

import pytest

from sync import connect, migrations
from tests.migrating import migrate_all_but

STEP = "m023_scope_log_unit_records"


def test_the_scope_log_keeps_its_rows_when_it_learns_to_name_moved_records(tmp_path: pathlib.Path) -> None:
    db = connect(tmp_path / "banxing.db")
    migrate_all_but(db, STEP)
    before = [(1, 10, "mentor-1", None, "mentee-1", "pairing-1"), (2, 11, None, "station-1", "mentee-2", None)]
    db.conn.executemany("INSERT INTO sync_scope_log (id, seq, user_id, unit_id, mentee_id, pairing_id)"
                        " VALUES (?, ?, ?, ?, ?, ?)", before)
    db.conn.commit()

    assert migrations.apply(db) == [STEP]

    after = db.execute("SELECT id, seq, user_id, unit_id, mentee_id, pairing_id, num FROM sync_scope_log"
                       " ORDER BY id").fetchall()
    assert after == [(*r, None) for r in before]
    indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'"
                                        " AND tbl_name = 'sync_scope_log'").fetchall()}
    assert indexes == {"idx_sync_scope_log_user", "idx_sync_scope_log_unit"}
    db.execute("INSERT INTO sync_scope_log (seq, unit_id, num) VALUES (12, 'station-1', 7)")
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        db.execute("INSERT INTO sync_scope_log (seq, unit_id) VALUES (13, 'station-1')")
    db.close()
