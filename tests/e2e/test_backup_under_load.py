"""`banxing backup` while phones push to a running server: each backup restores, and holds whole pushes."""
from __future__ import annotations

import sqlite3
import threading
from typing import Any

import pytest

from sync import new_id

from .conftest import ServerProcess, cli, enrol

pytestmark = pytest.mark.e2e

BATCH = 50


def visit(pairing: str, mutation_id: int) -> dict[str, Any]:
    return {"mutation_id": mutation_id, "entity": "activity", "record_id": new_id(), "op": "upsert",
            "base_version": None, "fields": {"pairing_id": pairing, "kind": "home_visit", "date": "2026-11-20",
                                             "record": "备份时写的记录。" + "字" * 300}}


def test_backups_taken_while_a_phone_pushes_restore_with_every_push_whole(server: ServerProcess) -> None:
    token = enrol(server, "wang.laoshi", "备份时的手机")["token"]
    conn = sqlite3.connect(server.db)
    try:
        pairing = conn.execute("SELECT p.id FROM pairings p JOIN users u ON u.id = p.mentor_id"
                               " WHERE u.login = 'wang.laoshi' AND p.status = 'active' AND NOT p.deleted").fetchone()[0]
    finally:
        conn.close()
    stop, pushed, failures = threading.Event(), [0], []

    def phone() -> None:
        # Bounded: the backups need 12 batches; a main thread that stalls must not leave it filling the disk.
        while not stop.is_set() and pushed[0] < 40 * BATCH:
            first = pushed[0] + 1
            status, body = server.request("POST", "/api/sync/push",
                                          {"mutations": [visit(pairing, first + i) for i in range(BATCH)]}, token)
            if status != 200 or {r["status"] for r in body["results"]} != {"applied"}:
                failures.append((status, body))
                return
            pushed[0] += BATCH

    pushing = threading.Thread(target=phone)
    pushing.start()
    backups = []
    try:
        for n in range(3):
            while pushed[0] < (n + 1) * 4 * BATCH and pushing.is_alive():
                stop.wait(0.05)
            target = server.db.with_name(f"backup-{n}.db")
            cli(server.db, "backup", "--to", str(target))
            backups.append(target)
    finally:
        stop.set()
        pushing.join(timeout=60)
    assert not failures, failures
    for backup in backups:
        restored = backup.with_name("restored-" + backup.name)
        cli(restored, "restore", "--from", str(backup))
        conn = sqlite3.connect(restored)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            rows, ids = conn.execute("SELECT count(*), count(DISTINCT id) FROM activities"
                                     " WHERE record LIKE '备份时写的记录%'").fetchone()
            last = conn.execute("SELECT last_mutation_id FROM sync_devices WHERE name = '备份时的手机'").fetchone()[0]
        finally:
            conn.close()
        assert 0 < rows == ids == last and rows % BATCH == 0, (backup.name, rows, ids, last)
