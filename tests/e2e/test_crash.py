"""A server killed with SIGKILL in the middle of a push loses nothing and doubles nothing."""
from __future__ import annotations

import pathlib
import random
import sqlite3
import threading
import time
from typing import Any

import pytest

from server.devices import issue_code
from server.store import Store
from sync import new_id

from ..http.conftest import activity, build_county
from .conftest import ServerProcess

pytestmark = pytest.mark.e2e


def prepare(db: pathlib.Path) -> dict[str, Any]:
    store = Store(db)
    store.migrate()
    try:
        ids = store.write_now(build_county)
    finally:
        store.close()
    return ids


def enrol_mentor(server: ServerProcess) -> str:
    store = Store(server.db)
    try:
        code = store.write_now(lambda db: issue_code(db, "mentor", hours=1))["code"]
    finally:
        store.close()
    status, body = server.request("POST", "/api/enrol", {"code": code, "device_name": "断电测试"})
    assert status == 200, body
    return str(body["token"])


def count_activities(db: pathlib.Path) -> tuple[int, int, int]:
    """(rows, distinct ids, audit rows for activities) read straight from the file."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT count(*), count(DISTINCT id) FROM activities").fetchone()
        audit = conn.execute("SELECT count(*) FROM sync_audit WHERE entity = 'activity'").fetchone()[0]
        return rows[0], rows[1], audit
    finally:
        conn.close()


def push_in_background(server: ServerProcess, token: str, batch: dict[str, Any]) -> threading.Thread:
    def send() -> None:
        try:
            server.request("POST", "/api/sync/push", batch, token, timeout=10)
        except Exception:  # the server dies under us: that is the point
            pass
    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


def test_sigkill_inside_the_push_transaction_keeps_nothing_then_resend_applies_once(tmp_path: pathlib.Path) -> None:
    db = tmp_path / "crash.db"
    ids = prepare(db)
    # The test-only delay holds each write transaction open after the batch is applied
    # and before COMMIT, so the kill lands at the worst moment every time.
    server = ServerProcess(db, env={"BANXING_FAULT_DELAY_IN_WRITE": "1.0"})
    server.start()
    token = enrol_mentor(server)
    batch = {"mutations": [activity(ids["pairing"], i + 1, record="断电前写的记录") for i in range(300)]}
    thread = push_in_background(server, token, batch)
    time.sleep(0.5)
    server.kill()
    thread.join(timeout=10)
    assert count_activities(db) == (0, 0, 0)

    server.env = {}
    server.start()
    try:
        status, first = server.request("POST", "/api/sync/push", batch, token)
        assert status == 200
        assert [r["status"] for r in first["results"]] == ["applied"] * 300
        status, again = server.request("POST", "/api/sync/push", batch, token)
        assert again == first
        assert count_activities(db) == (300, 300, 300)
    finally:
        server.stop()


def test_sigkill_at_random_moments_is_all_or_nothing(tmp_path: pathlib.Path) -> None:
    db = tmp_path / "crash.db"
    ids = prepare(db)
    server = ServerProcess(db)
    server.start()
    token = enrol_mentor(server)
    rng = random.Random(7)
    expected = 0
    next_id = 1
    try:
        for _ in range(6):
            batch = {"mutations": [activity(ids["pairing"], next_id + i, new_id()) for i in range(400)]}
            next_id += 400
            before = count_activities(db)[0]
            thread = push_in_background(server, token, batch)
            time.sleep(rng.uniform(0.0, 0.12))
            server.kill()
            thread.join(timeout=10)
            rows, distinct, _ = count_activities(db)
            assert rows == distinct
            assert rows in (before, before + 400), f"partial batch: {before} -> {rows}"
            server.start()
            # The phone never saw an answer, so it resends the same batch.
            status, answer = server.request("POST", "/api/sync/push", batch, token)
            assert status == 200
            assert {r["status"] for r in answer["results"]} == {"applied"}
            expected += 400
            rows, distinct, audit = count_activities(db)
            assert rows == distinct == audit == expected
    finally:
        server.stop()
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        last = conn.execute("SELECT max(last_mutation_id) FROM sync_devices").fetchone()[0]
        assert last == next_id - 1
        statuses = conn.execute("SELECT DISTINCT status FROM sync_audit WHERE entity = 'activity'").fetchall()
        assert statuses == [("applied",)]
    finally:
        conn.close()
