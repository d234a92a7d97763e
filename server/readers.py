"""The Store's read-only readers: two pools of ``mode=ro`` connections, one snapshot per read.

Readers see the last committed state (WAL). ``Readers`` also keeps the gate a reader passes on its
way in and out, so that the Store can close every connection at a moment none is in use
(``Store._reopen_all``).
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

from sync import connect

from .errors import ReadTooSlow
from .group_commit import as_storage

T = TypeVar("T")
# Readers map the database file into memory (SQLite's cap is just under 2 GB; a larger file maps
# its first 2 GB). A page they read is then the OS cache's own, not a copy through a read() call
# into a 2 MB cache of their own: over a county of 10^6 activities (about 1 GB) the statistics
# form's count of talks went from 1.36 to 0.70-0.88 s and the dashboard from 1.69 to 1.34 s on a
# slow 2-core machine (docs/performance.md). Only readers: the writer tried it and pushed no
# faster (docs/performance.md, "Stored vs empty").
READER_MMAP_BYTES = 2 * 1024**3


Pool = Literal["sync", "reports"]
# How many SQLite VM steps run between two looks at the clock of a time-limited read.
PROGRESS_STEPS = 10_000


class Readers:
    """Two pools of read-only connections over one SQLite file (see ``Store``)."""

    def __init__(self, path: str | pathlib.Path, *, readers: int, report_readers: int) -> None:
        self.path = pathlib.Path(path)
        self._pools: dict[str, ThreadPoolExecutor] = {
            "sync": ThreadPoolExecutor(max_workers=readers, thread_name_prefix="banxing-reader"),
            "reports": ThreadPoolExecutor(max_workers=report_readers, thread_name_prefix="banxing-reports"),
        }
        self._local = threading.local()
        self._read_dbs: list[sqlite_utils.Database] = []  # the readers' and the checkpoint thread's
        self._lock = threading.Lock()
        # Reads (and checkpoint rounds) in progress, counted so that _reopen_all can close every
        # connection at a moment none is in use; a connection opened before `_generation` last
        # changed has been closed and is opened again.
        self._gate = threading.Condition()
        self._in_use = 0
        self._reopening = False
        self._generation = 0

    # --- the gate between readers and _reopen_all ----------------------------------------

    def _enter(self) -> None:
        with self._gate:
            while self._reopening:
                self._gate.wait()
            self._in_use += 1

    def _leave(self) -> None:
        with self._gate:
            self._in_use -= 1
            self._gate.notify_all()

    def _register(self, db: sqlite_utils.Database) -> sqlite_utils.Database:
        with self._lock:
            self._read_dbs.append(db)
        return db


    def _run_read(self, fn: Callable[[sqlite_utils.Database], T], time_limit_ms: int | None) -> T:
        try:
            return self._read_once(fn, time_limit_ms)
        except sqlite3.Error as exc:  # the file gone or the disk failing: one clear 503, as for a write
            if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_READONLY:
                raise  # a reader that tried to write (plain READONLY, no cause given): a bug of ours
            raise as_storage(exc) from exc

    def _read_once(self, fn: Callable[[sqlite_utils.Database], T], time_limit_ms: int | None) -> T:
        self._enter()
        try:
            return self._read_entered(fn, time_limit_ms)
        finally:
            self._leave()

    def _read_entered(self, fn: Callable[[sqlite_utils.Database], T], time_limit_ms: int | None) -> T:
        db = getattr(self._local, "db", None)
        if db is None or self._local.generation != self._generation:  # never opened, or closed by _reopen_all
            db = connect(self.path, readonly=True)
            db.execute(f"PRAGMA mmap_size = {READER_MMAP_BYTES}")
            self._local.db, self._local.generation = self._register(db), self._generation
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

    async def read(self, fn: Callable[[sqlite_utils.Database], T], *, pool: Pool = "sync",
                   time_limit_ms: int | None = None) -> T:
        """Run ``fn(db)`` on a read-only connection of ``pool``, in one snapshot.

        With ``time_limit_ms`` SQLite stops the read past that time and ``ReadTooSlow`` says so.
        """
        return await asyncio.wrap_future(self._pools[pool].submit(self._run_read, fn, time_limit_ms))


    def read_now(self, fn: Callable[[sqlite_utils.Database], T], *, pool: Pool = "sync") -> T:
        return self._pools[pool].submit(self._run_read, fn, None).result()

