"""A push whose COMMIT fails at its last step, the fsync of the WAL (SQLITE_IOERR_FSYNC).

SQLite has written the group's frames into the WAL by then; only the sync failed. The phone is told
503 and keeps its outbox, but the frames may well reach the disk after all (the controller wrote
them, or the error was the kernel's and not the platter's): the push is then in the database the
next start reads, though nobody was told it was saved. Sending it again must not double it.

The failing fsync is real: an ext4 file system on a loop device whose backing file lies on a small
tmpfs, filled up under it, so ext4's write-back fails with EIO (the kernel's "Buffer I/O error").
That needs root and loop devices; elsewhere the test is skipped and says why.
"""
from __future__ import annotations

import errno
import os
import pathlib
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from server import create_app
from server.config import Settings

from .conftest import County, activity, build_county

COUNT = "SELECT count(*), count(DISTINCT id) FROM activities WHERE record LIKE '夜里写的%'"


def run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=60)


@pytest.fixture
def failing_disk(tmp_path: pathlib.Path) -> Iterator[tuple[pathlib.Path, pathlib.Path]]:
    """(a folder on a file system whose fsync fails once ``backing`` is filled, that small backing folder)."""
    if os.geteuid() != 0 or not shutil.which("losetup") or not shutil.which("mkfs.ext4"):
        pytest.skip("a failing disk needs root, losetup and mkfs.ext4 (a loop device over a full tmpfs)")
    backing, disk = tmp_path / "backing", tmp_path / "disk"
    backing.mkdir()
    disk.mkdir()
    undo: list[tuple[str, ...]] = []
    try:
        try:
            run("mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(backing))
            undo.append(("umount", str(backing)))
            image = backing / "disk.img"
            run("truncate", "-s", "128M", str(image))
            # Inode tables and journal written now: ext4's lazy init would write them in the background
            # while the test runs, filling the small tmpfs at a moment that depends on the machine's load.
            run("mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0", str(image))
            loop = subprocess.run(["losetup", "-f", "--show", str(image)], check=True, capture_output=True,
                                  text=True, timeout=60).stdout.strip()
            undo.append(("losetup", "-d", loop))
            run("mount", loop, str(disk))
            undo.append(("umount", str(disk)))
        except (subprocess.CalledProcessError, OSError) as exc:
            pytest.skip(f"could not make a loop device over a tmpfs here: {exc}")
        yield disk, backing
    finally:
        for command in reversed(undo):
            subprocess.run(command, capture_output=True, timeout=60)


def fill(backing: pathlib.Path) -> None:
    """Leave the loop device's backing file no room: the next write-back of ext4 fails."""
    # Unbuffered: a buffered file's close would flush its last bytes and raise a second ENOSPC.
    try:
        with open(backing / "filler", "wb", buffering=0) as out:
            while True:
                out.write(b"\0" * 1024 * 1024)
    except OSError as exc:  # full, the file made or not: what this is for
        if exc.errno != errno.ENOSPC:
            raise


def night_batch(pairing: str, first: int) -> dict[str, Any]:
    return {"mutations": [activity(pairing, n, record=f"夜里写的第 {n} 条。" + "记录" * 400)
                          for n in range(first, first + 20)]}


def test_a_push_refused_because_its_fsync_failed_is_not_doubled_when_sent_again(
        failing_disk: tuple[pathlib.Path, pathlib.Path], tmp_path: pathlib.Path) -> None:
    disk, backing = failing_disk
    settings = Settings(db_path=disk / "t.db", secret_keys=("test-key",))
    with TestClient(create_app(settings)) as client:
        county = County(client=client, **client.app.state.banxing.store.write_now(build_county))
        headers = county.auth("mentor")
        assert client.post("/api/sync/push", json=night_batch(county.pairing, 1), headers=headers).status_code == 200
        fill(backing)
        # ext4 may place a push's pages on blocks the backing file already holds, and that write-back
        # succeeds: push until one lands on new blocks, whose fsync fails.
        accepted = 20
        for _ in range(5):
            second = night_batch(county.pairing, accepted + 1)
            refused = client.post("/api/sync/push", json=second, headers=headers)
            if refused.status_code != 200:
                break
            accepted += 20
        else:
            pytest.skip("the loop device took every write: no failing fsync here")
        assert refused.status_code == 503, refused.text
        assert refused.json()["code"] == "storage_unavailable" and "没有保存" in refused.json()["error"]
        # What the next start reads if the WAL's pages reached the platter after all: the files as
        # this process wrote them (read back through the page cache), taken to a sound disk.
        sound = tmp_path / "sound"
        sound.mkdir()
        for name in ("t.db", "t.db-wal", "t.db.secret"):
            if (disk / name).exists():
                shutil.copyfile(disk / name, sound / name)

    with TestClient(create_app(Settings(db_path=sound / "t.db", secret_keys=("test-key",)))) as client:
        store = client.app.state.banxing.store
        rows, distinct = store.read_now(lambda db: db.execute(COUNT).fetchone())
        assert rows == distinct and rows in (accepted, accepted + 20), "all of the refused push or none of it"
        again = client.post("/api/sync/push", json=second, headers=headers)  # the phone's outbox, sent again
        assert again.status_code == 200, again.text
        assert {r["status"] for r in again.json()["results"]} == {"applied"}
        assert store.read_now(lambda db: db.execute(COUNT).fetchone()) == (accepted + 20, accepted + 20)
        audit = store.read_now(lambda db: db.execute(
            "SELECT count(*), count(DISTINCT mutation_id) FROM sync_audit WHERE entity = 'activity'").fetchone())
        assert audit == (accepted + 20, accepted + 20)
