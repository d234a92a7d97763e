"""The Store when the machine fails under it: a lock held too long, a full or failing disk, its
files removed. Whatever happens, a write is answered, an answer means the write will outlive the
process, and the writer keeps serving once the disk does."""
from __future__ import annotations

import pathlib
import resource
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from server.errors import StorageUnavailable
from server.store import Store


@pytest.fixture
def store(tmp_path: pathlib.Path) -> Iterator[Store]:
    s = Store(tmp_path / "store.db")
    s.migrate()
    s.write_now(lambda db: db.execute("CREATE TABLE notes (text TEXT)"))
    yield s
    s.close()


def note(text: str) -> object:
    return lambda db: db.execute("INSERT INTO notes VALUES (?)", [text])


def notes_after_a_restart(path: pathlib.Path, elsewhere: pathlib.Path) -> list[str]:
    """What the next process would find: only the files that are on disk under their names now."""
    elsewhere.mkdir()
    for name in (path.name, path.name + "-wal"):
        if (path.parent / name).exists():
            shutil.copyfile(path.parent / name, elsewhere / name)
    conn = sqlite3.connect(str(elsewhere / path.name))
    try:
        return [r[0] for r in conn.execute("SELECT text FROM notes ORDER BY rowid")]
    finally:
        conn.close()


def test_a_write_whose_transaction_cannot_begin_is_answered_and_the_writer_keeps_serving(store: Store) -> None:
    # Another process (an operator's sqlite3 shell) holds the database locked past the busy timeout.
    store.write_now(lambda db: db.execute("PRAGMA busy_timeout = 0"))
    other = sqlite3.connect(str(store.path), isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            store.submit(note("锁住时")).result(timeout=10)  # answered, not left waiting
    finally:
        other.execute("ROLLBACK")
        other.close()
    store.submit(note("解锁后")).result(timeout=10)
    assert store.read_now(lambda db: [r[0] for r in db.execute("SELECT text FROM notes")]) == ["解锁后"]


def test_a_write_after_the_wal_was_deleted_is_answered_once_it_is_in_the_database_file(tmp_path: pathlib.Path) -> None:
    """Someone deletes banxing.db-wal (and -shm) under the running server: SQLite keeps writing into
    the deleted file, which a restart never reads; an answer must mean the write is where it will."""
    store = Store(tmp_path / "wal.db", checkpoints=False)  # no background copy to hide the loss
    try:
        store.migrate()
        store.write_now(lambda db: db.execute("CREATE TABLE notes (text TEXT)"))
        store.write_now(note("删除之前"))
        for name in ("wal.db-wal", "wal.db-shm"):
            (tmp_path / name).unlink()
        store.write_now(note("删除之后"))
        assert notes_after_a_restart(tmp_path / "wal.db", tmp_path / "one") == ["删除之前", "删除之后"]
        store.write_now(note("再一条"))
        assert notes_after_a_restart(tmp_path / "wal.db", tmp_path / "two") == ["删除之前", "删除之后", "再一条"]
    finally:
        store.close()


def test_a_write_after_the_database_file_was_deleted_is_refused_not_answered_as_saved(store: Store) -> None:
    store.write_now(note("删除之前"))
    store.path.unlink()
    with pytest.raises(StorageUnavailable) as refused:
        store.write_now(note("删除之后"))
    assert refused.value.status == 503 and "没有保存" in refused.value.message
    with pytest.raises(StorageUnavailable):
        store.read_now(lambda db: db.execute("SELECT count(*) FROM notes").fetchone())


def test_a_read_only_database_refuses_the_write_as_storage_unavailable_and_the_next_one_goes_through(
        store: Store) -> None:
    store.write_now(lambda db: db.execute("PRAGMA query_only = 1"))  # SQLITE_READONLY, as on a read-only disk
    with pytest.raises(StorageUnavailable) as refused:
        store.submit(note("只读时")).result(timeout=10)
    assert refused.value.code == "storage_unavailable"
    # Not through write(): a write's transaction cannot even begin on a read-only database.
    store._enqueue(lambda db: db.execute("PRAGMA query_only = 0"), alone=True).result()
    store.write_now(note("恢复后"))
    assert store.read_now(lambda db: [r[0] for r in db.execute("SELECT text FROM notes")]) == ["恢复后"]


def test_the_background_checkpoint_survives_a_full_disk_and_copies_the_wal_back_once_there_is_room(
        store: Store) -> None:
    """The checkpoint thread meets the full disk first (it grows the database file): it must try again
    later, not die and leave the WAL to grow until the writer's own checkpoint, 64 MB on."""
    db_file = store.path
    emptied = sqlite3.connect(str(db_file))
    emptied.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the WAL starts empty, the database file whole
    emptied.close()
    size = db_file.stat().st_size
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    # No file of this process may grow past the database's size (Python ignores SIGXFSZ: EFBIG):
    # the WAL has room for the write, the database file none for the checkpoint's copy of it.
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
    try:
        store.write_now(lambda db: db.execute("INSERT INTO notes VALUES (?)", ["满" * 20_000]))
        time.sleep(2.5)  # two rounds of the checkpoint thread, each refused
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert db_file.stat().st_size == size
    deadline = time.monotonic() + 5
    while db_file.stat().st_size == size and time.monotonic() < deadline:
        time.sleep(0.1)
    assert db_file.stat().st_size > size, "the WAL was never copied back"


def other_process(path: pathlib.Path, script: str) -> str:
    """Run ``script`` (with ``conn`` open on ``path``) in another process, as a `banxing` command would."""
    code = f"import sqlite3\nconn = sqlite3.connect({str(path)!r}, isolation_level=None)\n{script}"
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                          timeout=30).stdout.strip()


def test_after_the_wal_was_deleted_the_server_is_back_on_a_shared_wal_and_a_write_does_not_wait_for_readers(
        store: Store, caplog: pytest.LogCaptureFixture) -> None:
    """Before, SQLite kept the deleted -wal and -shm for as long as the process lived: every COMMIT was
    copied back at once and waited for every read in progress (up to the 10 s busy timeout, then
    refused), and another process made its own WAL, which this one never saw."""
    store.write_now(note("删除之前"))
    store.read_now(lambda db: db.execute("SELECT count(*) FROM notes").fetchone())  # readers hold the files too
    for name in ("store.db-wal", "store.db-shm"):
        (store.path.parent / name).unlink()
    store.write_now(note("删除之后"))
    told = [r.getMessage() for r in caplog.records if "-shm" in r.getMessage()]
    assert len(told) == 1 and told[0].startswith("数据库的 -wal 或 -shm 文件在运行中被删除了"), told

    reading, release = threading.Event(), threading.Event()

    def long_read(db: Any) -> None:  # a county export holding its snapshot
        db.execute("SELECT count(*) FROM notes").fetchone()
        reading.set()
        release.wait(30)

    reader = threading.Thread(target=store.read_now, args=(long_read,))
    reader.start()
    try:
        assert reading.wait(10)
        store.submit(note("读的时候")).result(timeout=5)  # not copied back, not waiting for the read
    finally:
        release.set()
        reader.join()
    assert store._wal.exists() and store._shm.exists(), "the WAL and -shm made again under their names"

    seen = other_process(store.path, "print(','.join(r[0] for r in conn.execute('SELECT text FROM notes')))")
    assert seen == "删除之前,删除之后,读的时候"
    other_process(store.path, "conn.execute(\"INSERT INTO notes VALUES ('别的进程')\")")
    assert store.read_now(lambda db: [r[0] for r in db.execute("SELECT text FROM notes")])[-1] == "别的进程"
    store.write_now(note("最后"))
    busy, frames, copied = other_process(store.path, "print(*conn.execute('PRAGMA wal_checkpoint').fetchone())").split()
    assert busy == "0" and frames == copied
