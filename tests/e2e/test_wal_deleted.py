"""The database's -wal and -shm deleted under a running server (an operator's mistake, a cleaner)."""
from __future__ import annotations

import json
import sqlite3
import subprocess

import pytest

from .conftest import BANXING, ServerProcess, cli

pytestmark = pytest.mark.e2e


def test_after_the_wal_was_deleted_a_code_the_cli_makes_is_seen_by_the_running_server(server: ServerProcess) -> None:
    """Before, the server kept the deleted files for as long as it ran and every `banxing` command made
    new ones under the same names: a 登记码 made on the command line was unknown to the server (and each
    push waited to be copied back behind every page being read) until a restart."""
    before = json.loads(cli(server.db, "enrol-code", "--user", "wang.laoshi", "--json"))["code"]
    for suffix in ("-wal", "-shm"):
        server.db.with_name(server.db.name + suffix).unlink()
    # Until the server has made them anew, a command must not make a WAL of its own beside the one the
    # server still writes: once the server copied its own back, SQLite read the command's over it and
    # every command and page after met `database disk image is malformed`.
    early = subprocess.run([BANXING, "enrol-code", "--user", "sun.laoshi", "--db", str(server.db)],
                           capture_output=True, text=True, timeout=120)
    assert early.returncode == 2 and "文件不见了" in early.stderr and "Traceback" not in early.stderr, early.stderr
    # The server's next write finds its WAL gone, copies it back and opens its files anew.
    status, body = server.request("POST", "/api/enrol", {"code": before, "device_name": "删除之后"})
    assert status == 200, body

    after = json.loads(cli(server.db, "enrol-code", "--user", "sun.laoshi", "--json"))["code"]
    status, body = server.request("POST", "/api/enrol", {"code": after, "device_name": "命令行的码"})
    assert status == 200, body

    conn = sqlite3.connect(server.db)
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sync_devices")}
        assert {"删除之后", "命令行的码"} <= names
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        busy, frames, copied = conn.execute("PRAGMA wal_checkpoint").fetchone()
        assert busy == 0 and frames == copied
    finally:
        conn.close()
    assert "Traceback" not in server.stderr()
