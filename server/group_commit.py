"""Group commit: the writes queued behind one another run in one transaction, one COMMIT, one fsync.

A write whose ``fn`` raises gets the exception and changes nothing, while its neighbours commit
(``Group.run`` says how, without a savepoint per write); no caller hears back before the COMMIT
has returned. The Store's writer thread (server/store.py) builds the groups.
"""
from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from .errors import storage_failure


@dataclass
class Write:
    fn: Callable[[sqlite_utils.Database], Any]
    future: Future[Any]
    alone: bool = False  # runs outside a group transaction (migrations manage their own)


class _Outcome:
    """A write's result or exception, held until its group's COMMIT returns."""

    __slots__ = ("value", "error")

    def __init__(self, value: Any = None, error: BaseException | None = None) -> None:
        self.value = value
        self.error = error



class Group:
    """One group transaction: the writes one after another, one COMMIT, then the answers."""

    def __init__(self, db: sqlite_utils.Database, fault_delay: float) -> None:
        self.db = db
        self.fault_delay = fault_delay
        self.writes: list[Write] = []
        self.outcomes: dict[int, _Outcome] = {}
        self.done: list[Write] = []  # applied in the open transaction, not yet committed
        self.broken = False  # a ROLLBACK failed: the connection may still hold the transaction

    def run(self, write: Write) -> None:
        """Apply ``write`` in the group's transaction, opening it if needed.

        No savepoint per write: with one open, SQLite copies every page a statement changes
        to a statement journal on disk (about 7,000 pages per push of 500 into a county of 10^6
        activities; docs/performance.md). A write that raises having changed nothing is simply
        answered with its exception. One that raises after changing rows is undone with the
        whole transaction, and the group's earlier writes run again in a new one, as if they had
        come after it; the same happens when SQLite itself ends the transaction (disk full, I/O
        error). Nobody has heard back yet, so running a write again is invisible to its caller.
        """
        self.writes.append(write)
        pending = [write]
        while pending:
            current = pending.pop(0)
            conn = self.db.conn
            if not conn.in_transaction:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                except sqlite3.Error as exc:  # locked past the busy timeout, a disk that fails: answered
                    self.outcomes[id(current)] = _Outcome(error=exc)
                    continue
            changes = conn.total_changes
            try:
                value = current.fn(self.db)
                if self.fault_delay:
                    time.sleep(self.fault_delay)  # test hook: widen the window a crash can hit
            except BaseException as exc:  # noqa: BLE001 - handed to the caller after COMMIT
                self.outcomes[id(current)] = _Outcome(error=exc)
                if conn.in_transaction and conn.total_changes == changes:
                    continue  # it changed nothing: its neighbours' work stands
                self._undo(pending)
                continue
            if not conn.in_transaction:  # it ended the transaction itself without a word
                self.outcomes[id(current)] = _Outcome(error=RuntimeError("a write ended the group's transaction"))
                self._undo(pending)
                continue
            self.outcomes[id(current)] = _Outcome(value)
            self.done.append(current)

    def _undo(self, pending: list[Write]) -> None:
        """Roll the transaction back and queue the writes it had applied to run again first."""
        if not _roll_back(self.db.conn):
            self.broken = True
        pending[:0], self.done = self.done, []

    def fail(self, exc: BaseException) -> None:
        """Answer every write of the group that succeeded with ``exc`` instead (nothing of it is durable)."""
        for write in self.writes:
            if self.outcomes[id(write)].error is None:
                self.outcomes[id(write)] = _Outcome(error=exc)

    def commit(self) -> None:
        conn = self.db.conn
        try:
            if conn.in_transaction:
                conn.execute("COMMIT")  # synchronous=FULL: returns once the WAL is on disk
        except BaseException as exc:  # noqa: BLE001 - the COMMIT failed: nothing of the group was written
            if not _roll_back(conn):
                self.broken = True
            self.outcomes = {id(w): _Outcome(error=exc) for w in self.writes}
        self.done = []

    @property
    def done_any(self) -> bool:
        """Whether a write of the group succeeded (and so was committed)."""
        return any(self.outcomes[id(w)].error is None for w in self.writes)

    def answer(self) -> None:
        for write in self.writes:
            outcome = self.outcomes[id(write)]
            if outcome.error is not None:
                write.future.set_exception(as_storage(outcome.error))
            else:
                write.future.set_result(outcome.value)


def _roll_back(conn: sqlite3.Connection) -> bool:
    """End the open transaction, if any; False when the disk refuses even the ROLLBACK (the Store
    then closes the connection, which rolls back, rather than let its writer thread die of it)."""
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            return False
    return True



def as_storage(exc: BaseException) -> BaseException:
    """A full, read-only or failing disk as one ``StorageUnavailable`` (503, one sentence) for
    every caller: a phone, a page, the command line; any other error unchanged."""
    return storage_failure(exc) or exc
