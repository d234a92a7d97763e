"""The Store: one writer thread, read-only readers, over one SQLite file.

Handlers never open connections: they ``await store.write(fn)`` or ``await
store.read(fn)``. Writes run one at a time on a single thread inside ``BEGIN
IMMEDIATE`` … ``COMMIT`` (so a push is all or nothing and there is never a "database
is locked" between our own writers); reads run on ``mode=ro`` connections in a small
pool and see the last committed state (WAL).

Checkpoints (copying the WAL back into the database file) run mostly on their own
thread and connection, so a push rarely pays for one in its commit.
"""
from __future__ import annotations

import asyncio
import pathlib
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Literal, TypeVar

import sqlite_utils

from sync import connect, transaction
from sync import migrations as sync_migrations
from sync.returns import install_figures

from .errors import ReadTooSlow
from .queries.stats import figures_for_return
from .schema import migrations as server_migrations

T = TypeVar("T")
CHECKPOINT_SECONDS = 1.0
WRITER_CHECKPOINT_PAGES = 4000


Pool = Literal["sync", "reports"]
# How many SQLite VM steps run between two looks at the clock of a time-limited read.
PROGRESS_STEPS = 10_000


class Store:
    """One writer thread and two pools of read-only readers over one SQLite file.

    The ``sync`` pool serves phones and page reads; the ``reports`` pool serves heavy
    reports and exports, so a county-wide export never takes a reader a phone is waiting
    for. A long read holds its snapshot (and delays the WAL reset) for as long as it runs,
    hence ``time_limit_ms``. Keep writes short: every writer, phones included, queues for
    the one writer thread, so slow work (argon2 on a login, rendering) runs outside it.
    """

    def __init__(self, path: str | pathlib.Path, *, readers: int = 4, report_readers: int = 2,
                 fault_delay_in_write: float = 0.0, checkpoint_pages: int = WRITER_CHECKPOINT_PAGES) -> None:
        self.path = pathlib.Path(path)
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="banxing-writer")
        self._pools: dict[str, ThreadPoolExecutor] = {
            "sync": ThreadPoolExecutor(max_workers=readers, thread_name_prefix="banxing-reader"),
            "reports": ThreadPoolExecutor(max_workers=report_readers, thread_name_prefix="banxing-reports"),
        }
        self._local = threading.local()
        self._write_db: sqlite_utils.Database | None = None
        self._read_dbs: list[sqlite_utils.Database] = []
        self._lock = threading.Lock()
        self._fault_delay = fault_delay_in_write
        self._checkpoint_pages = checkpoint_pages
        self._stop = threading.Event()
        self._checkpointer: threading.Thread | None = None
        # Every server-side writer goes through a Store, so this is where the engine learns how
        # to freeze the figures of a statistics return it approves (sync/returns.py).
        install_figures(figures_for_return)

    def migrate(self) -> list[str]:
        """Apply the ``sync`` then the ``server`` migration sets; return what was applied."""
        return self._writer.submit(self._migrate).result()

    def _migrate(self) -> list[str]:
        db = self._writer_db()
        return sync_migrations.apply(db) + server_migrations.apply(db)

    def _writer_db(self) -> sqlite_utils.Database:
        if self._write_db is None:
            self._write_db = connect(self.path)
            # The checkpoint thread copies the WAL back while the writer works; the writer
            # still checkpoints itself once the WAL passes WRITER_CHECKPOINT_PAGES, which
            # then finds little left to copy and lets the WAL restart (a background PASSIVE
            # checkpoint alone never catches a busy writer, and the WAL grew past 280 MB).
            self._write_db.execute(f"PRAGMA wal_autocheckpoint = {self._checkpoint_pages}")
            self._checkpointer = threading.Thread(target=self._checkpoint_loop, name="banxing-checkpoint", daemon=True)
            self._checkpointer.start()
        return self._write_db

    def _checkpoint_loop(self) -> None:
        db = connect(self.path)
        try:
            while not self._stop.wait(CHECKPOINT_SECONDS):
                # PASSIVE never blocks the writer or the readers; it copies what it can.
                db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            db.close()

    def _run_write(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        db = self._writer_db()
        with transaction(db):
            result = fn(db)
            if self._fault_delay:
                time.sleep(self._fault_delay)  # test hook: widen the window a crash can hit
            return result

    def _run_read(self, fn: Callable[[sqlite_utils.Database], T], time_limit_ms: int | None) -> T:
        db = getattr(self._local, "db", None)
        if db is None:
            db = connect(self.path, readonly=True)
            self._local.db = db
            with self._lock:
                self._read_dbs.append(db)
        if time_limit_ms is not None:
            deadline = time.monotonic() + time_limit_ms / 1000
            db.conn.set_progress_handler(lambda: int(time.monotonic() > deadline), PROGRESS_STEPS)
        # One read transaction per call: every query of a pull sees the same snapshot,
        # so a page never mixes a record's old version number with its new fields.
        db.conn.execute("BEGIN")
        try:
            return fn(db)
        except sqlite3.OperationalError as exc:
            if time_limit_ms is not None and str(exc) == "interrupted":
                seconds = f"{time_limit_ms / 1000:g}"
                raise ReadTooSlow(f"查询超过 {seconds} 秒仍未完成，请缩小范围（单位或日期）后再试。") from None
            raise
        finally:
            if time_limit_ms is not None:
                db.conn.set_progress_handler(None, 0)
            db.conn.execute("COMMIT")

    async def write(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        """Run ``fn(db)`` in one write transaction on the writer thread."""
        return await asyncio.wrap_future(self._writer.submit(self._run_write, fn))

    async def read(self, fn: Callable[[sqlite_utils.Database], T], *, pool: Pool = "sync",
                   time_limit_ms: int | None = None) -> T:
        """Run ``fn(db)`` on a read-only connection of ``pool``, in one snapshot.

        With ``time_limit_ms`` SQLite stops the read past that time and ``ReadTooSlow`` says so.
        """
        return await asyncio.wrap_future(self._pools[pool].submit(self._run_read, fn, time_limit_ms))

    def write_now(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        """Blocking ``write`` for the command line."""
        return self._writer.submit(self._run_write, fn).result()

    def read_now(self, fn: Callable[[sqlite_utils.Database], T], *, pool: Pool = "sync") -> T:
        return self._pools[pool].submit(self._run_read, fn, None).result()

    def close(self) -> None:
        for executor in self._pools.values():
            executor.shutdown(wait=True)
        self._writer.shutdown(wait=True)
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
