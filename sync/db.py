"""Opening the SQLite file, transactions and named migrations.

Every connection is wrapped once in a ``sqlite_utils.Database``. Writers run
their work inside ``transaction(db)`` (``BEGIN IMMEDIATE`` … ``COMMIT``) so a
batch is all or nothing; sqlite-utils calls made inside nest as savepoints.
"""
from __future__ import annotations

import contextlib
import os
import pathlib
import sqlite3
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import sqlite_utils

BUSY_TIMEOUT_MS = 10_000
PRIVATE_MODE = 0o600  # children's records: readable and writable by the server's own user only
IN_CHUNK = 500  # values per "IN (…)" list, well under SQLite's variable limit
SQLITE_HEADER = b"SQLite format 3\x00"

# The sqlite3 module binds an exact int, float or str as it is, but sends every other parameter,
# None and bool included, through its adapter lookup, which without an adapter for the type fails
# an attribute lookup on its protocol class and builds an AttributeError to throw away: about 0.3
# µs for each NULL bound, a hundred or more a push on the writer thread (the NULL columns of its
# activity, audit and feed rows). Registered adapters answer that lookup from the registry at
# once. Both give sqlite3 what it bound before: None (a NULL; dict.get of an empty dict returns
# None, in C) and bool as the int it is. No adapter for int, float or str: those would make the
# module adapt every parameter.
sqlite3.register_adapter(type(None), cast(Callable[[None], None], {}.get))
sqlite3.register_adapter(bool, int)


class NotADatabase(Exception):
    """A path that holds something other than an SQLite database: a sentence saying which."""


def check_database_file(path: str | pathlib.Path) -> None:
    """Refuse a path that exists and is not an SQLite database (an empty file is a new one).

    Opening a file as the database makes it private (``make_private``) and, for a restore, copies
    over it: a ``--db`` that names the key file beside the database, its Litestream configuration
    or a system file by mistake must be refused before either happens, not chmod-ed or overwritten.

    Only before this process has the file open in SQLite: closing any descriptor of a file drops
    every POSIX lock the process holds on it, SQLite's own included.
    """
    path = pathlib.Path(path)
    if path.is_dir():
        raise NotADatabase(f"{path} 是一个文件夹，不是数据库文件。")
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return
    except OSError as exc:
        raise NotADatabase(f"{path} 无法读取：{exc.strerror}。") from None
    if head and head != SQLITE_HEADER:
        raise NotADatabase(f"{path} 不是 SQLite 数据库文件（是否写错了路径？），没有打开也没有改动它。")


def make_private(path: str | pathlib.Path) -> None:
    """Create ``path`` empty with mode 0600, or take group and other bits off an existing file.

    SQLite gives a database's ``-wal`` and ``-shm`` files the mode of the database file
    itself, so creating the database 0600 (whatever the umask) keeps all three private.
    """
    path = pathlib.Path(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    except FileExistsError:
        current = stat.S_IMODE(path.stat().st_mode)
        if current & 0o077:
            path.chmod(current & 0o700)
    else:
        os.close(fd)


def connect(path: str | pathlib.Path, *, readonly: bool = False) -> sqlite_utils.Database:
    """Open ``path`` with WAL, foreign keys and a busy timeout.

    A read-only connection uses ``mode=ro`` so a reader can never write by mistake.
    """
    if str(path) == ":memory:":  # tests: nothing on disk to create or make private
        conn = sqlite3.connect(":memory:", check_same_thread=False)
        conn.execute("PRAGMA foreign_keys = ON")
        return sqlite_utils.Database(conn, execute_plugins=False)
    path = pathlib.Path(path)
    if readonly:
        conn = sqlite3.connect(
            f"file:{path}?mode=ro", uri=True, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
        )
    else:
        try:
            loose = stat.S_IMODE(path.stat().st_mode) & 0o077
        except FileNotFoundError:
            loose = 0
        if loose:
            # make_private is about to take group and other bits off: only off a database. Read only
            # when that chmod is due (a file nobody here opened yet), never beside open connections.
            check_database_file(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        make_private(path)
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    # SQLite's default page cache here; the Store gives its one writer connection a larger
    # one (server/store.py), measured on a database already holding many records.
    if not readonly:
        conn.execute("PRAGMA journal_mode = WAL")
        # FULL: a COMMIT returns only once the WAL is on disk, so an acknowledged push
        # survives a power cut (NORMAL survives a process crash but may lose the last
        # commits to an OS crash). The Store groups queued writes to share one fsync.
        conn.execute("PRAGMA synchronous = FULL")
    return sqlite_utils.Database(conn, execute_plugins=False)


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run the block in one ``BEGIN IMMEDIATE`` transaction; roll back on any error."""
    if db.conn.in_transaction:
        raise RuntimeError("transaction() does not nest; use db.atomic() inside it")
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


@contextlib.contextmanager
def all_or_nothing(db: sqlite_utils.Database) -> Iterator[None]:
    """A batch's transaction: ``transaction(db)`` on its own, nothing more inside a caller's."""
    # On its own (CLI, tests) a batch is a transaction of its own. Inside a caller's transaction
    # (the Store's group) it adds no savepoint: the caller undoes a batch that raises by rolling
    # back, and a savepoint would make SQLite copy every page a statement changes to a statement
    # journal on disk (docs/performance.md). Either way the batch is all or nothing.
    if db.conn.in_transaction:
        yield
    else:
        with transaction(db):
            yield


def placeholders(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


def select_in(
    db: sqlite_utils.Database, sql: str, values: Sequence[Any], params: Sequence[Any] = ()
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run ``sql`` — whose ``{in}`` is replaced by an ``IN`` list — over ``values`` in chunks.

    ``params`` bind before the list. Returns the column names and all rows.
    """
    names: list[str] = []
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(values), IN_CHUNK):
        chunk = list(values[start : start + IN_CHUNK])
        cursor = db.execute(sql.replace("{in}", f"IN ({placeholders(chunk)})"), [*params, *chunk])
        names = [d[0] for d in cursor.description]
        rows.extend(cursor.fetchall())
    return names, rows


Migration = Callable[[sqlite_utils.Database], None]


@dataclass
class Migrations:
    """An ordered, named set of schema steps, applied once each (datasette style)."""

    name: str
    steps: list[tuple[str, Migration]] = field(default_factory=list)

    def __call__(self, fn: Migration) -> Migration:
        self.steps.append((fn.__name__, fn))
        return fn

    def apply(self, db: sqlite_utils.Database) -> list[str]:
        """Apply the steps not yet recorded in ``_migrations``; return their names."""
        db.execute(
            "CREATE TABLE IF NOT EXISTS _migrations ("
            " migration_set TEXT NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL,"
            " PRIMARY KEY (migration_set, name))"
        )
        done = {
            row[0]
            for row in db.execute("SELECT name FROM _migrations WHERE migration_set = ?", [self.name]).fetchall()
        }
        applied = []
        for name, fn in self.steps:
            if name in done:
                continue
            with transaction(db):
                fn(db)
                db.execute(
                    "INSERT INTO _migrations (migration_set, name, applied_at)"
                    " VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                    [self.name, name],
                )
            applied.append(name)
        return applied
