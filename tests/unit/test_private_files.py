"""Children's records stay private on disk: every file the server writes is readable by its owner only.

The database, its WAL and shared-memory files, backups, restores and the key file are all
created 0600 whatever the umask, and an older 0644 database is tightened when opened.
"""
from __future__ import annotations

import os
import pathlib
import stat
import subprocess
import sys
from collections.abc import Iterator

import pytest

from server.store import Store
from sync import connect

BANXING = pathlib.Path(sys.executable).parent / "banxing"


def mode(path: pathlib.Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask of a typical login (022), under which files would otherwise come out 0644."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def banxing(*args: str | pathlib.Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANXING_")}
    return subprocess.run([str(BANXING), *map(str, args)], capture_output=True, text=True, env=env,
                          timeout=120, check=False)


def test_store_creates_database_wal_and_shm_readable_by_owner_only(tmp_path: pathlib.Path) -> None:
    store = Store(tmp_path / "banxing.db")
    try:
        store.migrate()
        store.write_now(lambda db: db.execute("INSERT INTO throttle VALUES ('k', 1, 'now', NULL)"))
        files = [tmp_path / name for name in ("banxing.db", "banxing.db-wal", "banxing.db-shm")]
        assert all(f.exists() for f in files)
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        store.close()


def test_an_existing_world_readable_database_is_tightened_when_opened(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "old.db"
    connect(path).close()
    path.chmod(0o644)
    db = connect(path)
    try:
        assert mode(path) == 0o600
    finally:
        db.close()


def test_backup_and_restore_write_files_readable_by_owner_only(tmp_path: pathlib.Path) -> None:
    db = tmp_path / "banxing.db"
    store = Store(db)  # a migrated database (the CLI no longer creates one for a --db that does not exist)
    try:
        store.migrate()
    finally:
        store.close()
    backup = tmp_path / "backup.db"
    result = banxing("backup", "--to", backup, "--db", db)
    assert result.returncode == 0, result.stderr
    assert mode(backup) == 0o600

    restored = tmp_path / "restored.db"
    result = banxing("restore", "--from", backup, "--db", restored)
    assert result.returncode == 0, result.stderr
    assert mode(restored) == 0o600


def test_the_key_file_beside_the_database_is_readable_by_owner_only(tmp_path: pathlib.Path) -> None:
    from server.auth import load_keys

    load_keys((), tmp_path / "banxing.db")
    assert mode(tmp_path / "banxing.db.secret") == 0o600
