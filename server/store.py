"""The Store: one writer thread, read-only readers, over one SQLite file.

Handlers never open connections: they ``await store.write(fn)`` or ``await
store.read(fn)``. Writes run one at a time on a single thread (so there is never a
"database is locked" between our own writers); reads run on ``mode=ro`` connections in a
small pool and see the last committed state (WAL; server/readers.py).

**Durable answers, group commit.** The writer connection runs ``synchronous=FULL``: a COMMIT
returns only once the WAL is on disk, so a phone that deletes a change once it is
acknowledged never loses it to a power cut. One fsync per push would cap the server at a few
hundred pushes a second, so the writer takes the writes queued behind it into the same
transaction (``BEGIN IMMEDIATE``) and commits them together: one COMMIT, one fsync. A write
whose ``fn`` raises gets the exception and changes nothing, while its neighbours commit (see
``group_commit.Group.run`` for how, without a savepoint per write); no caller hears back before the COMMIT
has returned. (``sync.db.all_or_nothing`` sees the open transaction and adds no savepoint.)

Checkpoints (copying the WAL back into the database file) run mostly on their own
thread and connection, so a push rarely pays for one in its commit.
"""
from __future__ import annotations

import asyncio
import logging
import os
import pathlib
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Literal, Protocol, TypeVar

import sqlite_utils

from sync import connect
from sync import migrations as sync_migrations
from sync.returns import install_figures

from .errors import StorageUnavailable
from .group_commit import Group, Write, as_storage
from .queries.stats import figures_for_return
from .readers import Readers
from .schema import migrations as server_migrations

T = TypeVar("T")
FileId = tuple[int, int] | None  # (st_dev, st_ino) of a file, None when there is none
log = logging.getLogger("banxing")
CHECKPOINT_SECONDS = 1.0
WRITER_CHECKPOINT_PAGES = 16000
WRITER_CACHE_KIB = 256 * 1024
# A group stops taking queued writes past this many, or once its writes have run this long,
# so the first write of a group never waits long for the COMMIT that releases its answer.
GROUP_MAX_WRITES = 256
GROUP_MAX_SECONDS = 0.1


class WalHolder(Protocol):
    def pause(self) -> bool: ...
    def resume(self) -> None: ...


def _file_id(path: pathlib.Path) -> FileId:
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return None
    return found.st_dev, found.st_ino



class Store(Readers):
    """One writer thread and two pools of read-only readers over one SQLite file.

    The ``sync`` pool serves phones and page reads; the ``reports`` pool serves heavy
    reports and exports, so a county-wide export never takes a reader a phone is waiting
    for. A long read holds its snapshot (and delays the WAL reset) for as long as it runs,
    hence ``time_limit_ms``. Keep writes short: every writer, phones included, queues for
    the one writer thread, so slow work (argon2 on a login, rendering) runs outside it.
    """

    def __init__(self, path: str | pathlib.Path, *, readers: int = 4, report_readers: int = 2,
                 fault_delay_in_write: float = 0.0, checkpoint_pages: int = WRITER_CHECKPOINT_PAGES,
                 checkpoints: bool = True) -> None:
        super().__init__(path, readers=readers, report_readers=report_readers)
        self._write_db: sqlite_utils.Database | None = None
        self._wal = self.path.with_name(self.path.name + "-wal")
        self._shm = self.path.with_name(self.path.name + "-shm")
        self._files: tuple[FileId, FileId, FileId] = (None, None, None)
        self._fault_delay = fault_delay_in_write
        # checkpoints=False while Litestream replicates: it runs every checkpoint itself.
        self._checkpoint_pages = checkpoint_pages if checkpoints else 0
        self._stop = threading.Event()
        # Another reader of the WAL that must let go of it for a deleted WAL to be copied back
        # (Litestream, see replication.HeldWal); paused until the connections are opened again.
        self.wal_holder: WalHolder | None = None
        self._holder_paused = False
        self._checkpointer: threading.Thread | None = None
        self._queue: queue.SimpleQueue[Write | None] = queue.SimpleQueue()
        self._writer = threading.Thread(target=self._write_loop, name="banxing-writer", daemon=True)
        self._writer.start()
        # Counters for tests and the benchmark: writes run, and COMMITs that released them.
        self.writes = 0
        self.commits = 0
        # Every server-side writer goes through a Store, so this is where the engine learns how
        # to freeze the figures of a statistics return it approves (sync/returns.py).
        install_figures(figures_for_return)

    def migrate(self) -> list[str]:
        """Apply the ``sync`` then the ``server`` migration sets; return what was applied."""
        return self._enqueue(self._migrate, alone=True).result()  # type: ignore[no-any-return]

    def _migrate(self, db: sqlite_utils.Database) -> list[str]:
        return sync_migrations.apply(db) + server_migrations.apply(db)

    def _writer_db(self) -> sqlite_utils.Database:
        if self._write_db is None:
            if self._files[0] is not None and _file_id(self.path) != self._files[0]:
                # Reopened after a failed ROLLBACK: never as a new, empty database in place of one removed.
                raise StorageUnavailable(detail=f"{self.path} was removed or replaced under the running server")
            self._write_db = connect(self.path)
            # The files the writer has open, to tell after each COMMIT that they are still the ones
            # a restart would open (see _check_files).
            self._files = (_file_id(self.path), _file_id(self._wal), _file_id(self._shm))
            # The checkpoint thread copies the WAL back while the writer works; the writer
            # still checkpoints itself once the WAL passes WRITER_CHECKPOINT_PAGES, which
            # then finds little left to copy and lets the WAL restart (a background PASSIVE
            # checkpoint alone never catches a busy writer, and the WAL grew past 280 MB).
            # 16,000 pages (64 MB) rather than 4,000: an index page that several pushes change
            # between two checkpoints is copied back once; with 10^6 activities stored a push
            # cost 10-15 % less CPU (docs/performance.md).
            self._write_db.execute(f"PRAGMA wal_autocheckpoint = {self._checkpoint_pages}")
            # The writer keeps the hot pages of every index it appends to (about 200 per index
            # once pairings and mentees number in the hundreds) in a cache of its own: with
            # SQLite's 2 MB default, a database holding 200,000 activities pushed a quarter
            # slower per CPU-second than an empty one; with 64 MB, within 25 % (docs/performance.md).
            # 256 MB holds the whole id index of 10^6 activities too: random (v4) ids, which land
            # on any of its leaf pages, then push about a tenth faster. SQLite takes the memory
            # only as pages are read, so a small county never uses it.
            self._write_db.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
            if self._checkpoint_pages and self._checkpointer is None:
                self._checkpointer = threading.Thread(target=self._checkpoint_loop, name="banxing-checkpoint",
                                                      daemon=True)
                self._checkpointer.start()
        return self._write_db

    def _checkpoint_loop(self) -> None:
        db: sqlite_utils.Database | None = None
        generation = -1
        while not self._stop.wait(CHECKPOINT_SECONDS):
            self._enter()
            try:
                if generation != self._generation:  # closed by _reopen_all (or never opened)
                    db, generation = self._register(connect(self.path)), self._generation
                assert db is not None
                # PASSIVE never blocks the writer or the readers; it copies what it can.
                db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error:
                # A full or failing disk: the WAL keeps every commit meanwhile, and the next
                # round copies it back once the disk has room (a dead thread never would).
                continue
            finally:
                self._leave()

    def _reopen_all(self) -> None:
        """Close every connection of this process to the database; each opens again when next used.

        After the -wal or -shm was deleted, SQLite goes on using the deleted files for as long as
        one connection of this process stays open, while any other process (a `banxing` command,
        an operator's sqlite3 shell) makes new ones under the same names: every later COMMIT then
        had to be copied back into the database file at once, waiting for the readers to finish
        (a push took up to the 10 s busy timeout, and was refused if a report ran longer), and the
        two processes did not see each other's WAL. Reopened, SQLite makes the files anew under
        their names, shared with everyone, and commits go to the WAL as before.
        """
        with self._gate:
            self._reopening = True
            while self._in_use:
                self._gate.wait()
            try:
                with self._lock:
                    for db in self._read_dbs:
                        db.close()
                    self._read_dbs.clear()
                self._drop_writer_db()
                self._files = (self._files[0], None, None)  # the next connection's files, once made
                self._generation += 1
                # Opened now, not at the next write: the new files are there at once, so that a
                # `banxing` command finds them and knows the server is on them (preflight.py).
                try:
                    self._writer_db()
                except (sqlite3.Error, OSError, StorageUnavailable):
                    pass  # the next write opens it, or says why not
            finally:
                self._reopening = False
                self._gate.notify_all()

    # --- the writer thread ---------------------------------------------------------------

    def _enqueue(self, fn: Callable[[sqlite_utils.Database], Any], *, alone: bool = False) -> Future[Any]:
        future: Future[Any] = Future()
        self._queue.put(Write(fn, future, alone))
        return future

    def _write_loop(self) -> None:
        carry: Write | None = None
        while True:
            write = carry if carry is not None else self._queue.get()
            carry = None
            if write is None:
                return
            if not write.future.set_running_or_notify_cancel():
                continue
            if write.alone:
                self._run_alone(write)
                continue
            carry = self._run_group(write)

    def _run_alone(self, write: Write) -> None:
        try:
            write.future.set_result(write.fn(self._writer_db()))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            write.future.set_exception(as_storage(exc))

    def _next_queued(self) -> Write | None | Literal[False]:
        """The next queued write, or False when nothing is queued (None is the stop signal)."""
        try:
            return self._queue.get_nowait()
        except queue.Empty:
            return False

    def _run_group(self, first: Write) -> Write | None:
        """Run ``first`` and the writes queued behind it in one transaction; return what did not fit."""
        try:
            db = self._writer_db()
        except BaseException as exc:  # noqa: BLE001 - the file cannot be opened: answered, and tried again next time
            first.future.set_exception(as_storage(exc))
            return None
        group = Group(db, self._fault_delay)
        group.run(first)
        carry: Write | None = None
        started = time.monotonic()
        while len(group.writes) < GROUP_MAX_WRITES and time.monotonic() - started < GROUP_MAX_SECONDS:
            queued = self._next_queued()
            if queued is False:
                break
            if queued is None or queued.alone:
                carry = queued
                break
            if queued.future.set_running_or_notify_cancel():
                group.run(queued)
        group.commit()
        replaced = self._check_files(group)
        self.commits += 1
        self.writes += len(group.writes)
        group.answer()
        if group.broken or db.conn.in_transaction:
            self._drop_writer_db()
        elif replaced:
            self._reopen_all()
        if self._holder_paused and self.wal_holder is not None:
            self._holder_paused = False
            self.wal_holder.resume()  # onto the new files
        return carry

    def _drop_writer_db(self) -> None:
        """Close the writer's connection (SQLite rolls back what it held); the next write reopens it."""
        if self._write_db is not None:
            try:
                self._write_db.close()
            except sqlite3.Error:
                pass
            self._write_db = None

    def _check_files(self, group: Group) -> bool:
        """Answer a group only if what it committed will outlive the process; True when the
        connections must be opened again (see _reopen_all) once the group is answered.

        A COMMIT into a database file or WAL deleted (or replaced) under the running server returns
        as usual, into a file that nobody opens after a restart: an acknowledged push would be
        lost. A database file gone is answered as a storage failure (the operator must restore);
        a WAL (or its -shm) gone is copied back into the database file (a TRUNCATE checkpoint,
        synced), and the group is answered once that is done; then every connection is opened
        again, onto new files under the usual names.
        """
        db_id, wal_id, shm_id = self._files
        if db_id is None or not group.done_any:
            return False
        wal_now, shm_now = _file_id(self._wal), _file_id(self._shm)
        if _file_id(self.path) != db_id:
            group.fail(StorageUnavailable(detail=f"{self.path} was removed or replaced under the running server"))
            return False
        if wal_id is None or shm_id is None:
            # A new database's WAL is made by its first write (its -shm by the first read).
            wal_id, shm_id = wal_id or wal_now, shm_id or shm_now
            self._files = (db_id, wal_id, shm_id)
        if wal_now == wal_id and shm_now == shm_id:
            return False
        try:
            # Litestream always holds a read transaction on the WAL: stopped first (a busy TRUNCATE
            # tried beside it, then again once it was gone, failed with `disk I/O error`).
            if self.wal_holder is not None and self.wal_holder.pause():
                self._holder_paused = True
            busy, frames, copied = group.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error as exc:
            group.fail(as_storage(exc))
            return False
        if busy or frames != copied:
            group.fail(StorageUnavailable(detail=f"{self._wal} was removed; its commits are not yet copied back"))
            return False
        log.warning("数据库的 -wal 或 -shm 文件在运行中被删除了：其中的记录已写回数据库文件，服务照常，不用重启"
                    "（%s or its -shm was removed under the running server: copied back, files opened again）",
                    self._wal)
        return True

    async def write(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        """Run ``fn(db)`` on the writer thread inside a transaction; answer once it is durably committed.

        ``fn`` runs in a group transaction it may share with other writes: if it raises, none of
        its changes are committed and the exception reaches this caller. ``fn`` may run more than
        once (when a neighbour fails after changing rows); only its last run is committed.
        """
        return await asyncio.wrap_future(self._enqueue(fn))

    def write_now(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        """Blocking ``write`` for the command line and tests."""
        return self._enqueue(fn).result()  # type: ignore[no-any-return]

    def submit(self, fn: Callable[[sqlite_utils.Database], T]) -> Future[T]:
        """Queue ``fn`` as ``write`` does and return its future (resolved after the COMMIT)."""
        return self._enqueue(fn)

    def close(self) -> None:
        for executor in self._pools.values():
            executor.shutdown(wait=True)
        self._queue.put(None)
        self._writer.join()
        self._stop.set()
        if self._checkpointer is not None:
            self._checkpointer.join()
        with self._lock:
            for db in self._read_dbs:
                db.close()
            self._read_dbs.clear()
        if self._write_db is not None:
            self._write_db.close()
            self._write_db = None
