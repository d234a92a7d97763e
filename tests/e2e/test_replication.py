"""Off-machine durability: Litestream, started by ``banxing serve``, replicates while phones push.

The server's disk is then lost mid-stream: Litestream and the server are killed without
warning (SIGKILL, so there is no last sync), the database, WAL and SHM are deleted, and the
database is restored from the replica with ``litestream restore``. Every push acknowledged
before the last replication interval is in the restored database; nothing is there twice.
"""
from __future__ import annotations

import os
import pathlib
import signal
import sqlite3
import subprocess
import threading
import time
from dataclasses import dataclass, field

import pytest

from server.replication import litestream_binary

from ..http.conftest import activity
from .conftest import ServerProcess
from .test_crash import enrol_mentor, prepare

pytestmark = pytest.mark.e2e

SYNC_SECONDS = 1.0
# A push acknowledged this long before the disk was lost must be in the replica: Litestream
# notices the WAL change within one monitor interval and ships it within one sync interval.
RECOVERY_POINT = 2 * SYNC_SECONDS + 1.0


@dataclass
class Phone:
    token: str
    pairing: str
    next_mid: int = 1
    acked: list[tuple[float, list[str]]] = field(default_factory=list)  # (monotonic time, record ids)

    def run(self, server: ServerProcess, stop: threading.Event) -> None:
        while not stop.is_set():
            mutations = [activity(self.pairing, self.next_mid + i, record="复制测试") for i in range(5)]
            try:
                status, body = server.request("POST", "/api/sync/push", {"mutations": mutations}, self.token,
                                              timeout=5)
            except Exception:  # the server was killed under us
                return
            if status == 200 and all(r["status"] == "applied" for r in body["results"]):
                self.acked.append((time.monotonic(), [m["record_id"] for m in mutations]))
                self.next_mid += len(mutations)
            time.sleep(0.02)


def children(pid: int) -> list[int]:
    found = pathlib.Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(p) for p in found]


def test_a_restore_from_the_replica_holds_every_push_acknowledged_before_the_recovery_point(
    tmp_path: pathlib.Path,
) -> None:
    db = tmp_path / "banxing.db"
    replica = tmp_path / "other-disk" / "replica"
    ids = prepare(db)
    server = ServerProcess(db, env={"BANXING_REPLICA": str(replica),
                                    "BANXING_REPLICA_SYNC_SECONDS": str(SYNC_SECONDS)})
    server.start()
    assert server.proc is not None
    phones = [Phone(enrol_mentor(server), ids["pairing"]) for _ in range(3)]
    stop = threading.Event()
    threads = [threading.Thread(target=p.run, args=(server, stop), daemon=True) for p in phones]
    for t in threads:
        t.start()
    time.sleep(6)

    # The disk is lost: no graceful shutdown, so Litestream gets no chance of a last sync.
    litestream = [pid for pid in children(server.proc.pid)
                  if "litestream" in pathlib.Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")]
    assert len(litestream) == 1, "banxing serve did not start litestream"
    lost_at = time.monotonic()
    os.kill(litestream[0], signal.SIGKILL)
    server.kill()
    stop.set()
    for t in threads:
        t.join(timeout=10)
    for suffix in ("", "-wal", "-shm"):
        pathlib.Path(f"{db}{suffix}").unlink(missing_ok=True)

    restored = tmp_path / "restored.db"
    done = subprocess.run([litestream_binary(), "restore", "-o", str(restored), f"file://{replica}"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    conn = sqlite3.connect(restored)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {r[0] for r in conn.execute("SELECT id FROM activities")}
        total, distinct = conn.execute("SELECT count(*), count(DISTINCT record_id) FROM sync_feed").fetchone()
    finally:
        conn.close()
    must_have = [rid for p in phones for at, rids in p.acked if at < lost_at - RECOVERY_POINT for rid in rids]
    acked = sum(len(rids) for p in phones for _, rids in p.acked)
    assert len(must_have) >= 100, f"only {len(must_have)} records pushed before the recovery point"
    missing = [rid for rid in must_have if rid not in stored]
    assert not missing, f"{len(missing)} of {len(must_have)} acknowledged records lost (of {acked} acknowledged)"
    assert total == distinct


def test_with_a_replica_a_deleted_wal_is_copied_back_and_pushes_go_on_and_reach_the_replica(
    tmp_path: pathlib.Path,
) -> None:
    """Litestream holds a read transaction on the WAL, so the server could not copy a deleted WAL back
    and refused every push (503) until it was restarted; now it stops Litestream for that moment."""
    db = tmp_path / "banxing.db"
    replica = tmp_path / "other-disk" / "replica"
    ids = prepare(db)
    server = ServerProcess(db, env={"BANXING_REPLICA": str(replica),
                                    "BANXING_REPLICA_SYNC_SECONDS": str(SYNC_SECONDS)})
    server.start()
    try:
        phone = Phone(enrol_mentor(server), ids["pairing"])
        pushed: list[str] = []

        def push(note: str) -> None:
            mutations = [activity(phone.pairing, phone.next_mid + i, record=note) for i in range(3)]
            status, body = server.request("POST", "/api/sync/push", {"mutations": mutations}, phone.token, timeout=60)
            applied = status == 200 and all(r["status"] == "applied" for r in body["results"])
            assert applied, (body, server.stderr()[-1500:])
            phone.next_mid += len(mutations)
            pushed.extend(m["record_id"] for m in mutations)

        push("删除之前")
        time.sleep(2 * SYNC_SECONDS + 1)
        for suffix in ("-wal", "-shm"):
            pathlib.Path(f"{db}{suffix}").unlink()
        push("删除之后")
        push("又一次")
        time.sleep(3 * SYNC_SECONDS + 2)  # Litestream, started again, ships them
    finally:
        server.stop()
    assert "Traceback" not in server.stderr()
    restored = tmp_path / "restored.db"
    done = subprocess.run([litestream_binary(), "restore", "-o", str(restored), f"file://{replica}"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    conn = sqlite3.connect(restored)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {r[0] for r in conn.execute("SELECT id FROM activities")}
    finally:
        conn.close()
    assert set(pushed) <= stored
