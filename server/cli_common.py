"""What every ``banxing`` command shares: its refusal, the database it runs on in one transaction,
the operator named in the audit log, and a table printed for a terminal."""
from __future__ import annotations

import getpass
import socket
from collections.abc import Callable
from typing import Any, TypeVar

import sqlite_utils

from .config import Settings
from .store import Store

T = TypeVar("T")


class Refused(Exception):
    """A sentence for the operator; the command exits 2 having changed nothing."""


def existing_db(settings: Settings) -> Settings:
    """Refuse a ``--db`` that does not exist: a mistyped path must not become a new, empty county."""
    if not settings.db_path.exists():
        raise Refused(f"数据库文件 {settings.db_path} 不存在，请检查 --db 或 BANXING_DB_PATH。")
    return settings


def operator_name() -> str:
    """Who ran a command, for the audit log: the operating-system account and the machine."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "?"
    return f"命令行 {user}@{socket.gethostname()}"


def open_store(settings: Settings, *, migrate: bool = True) -> Store:
    """The database brought up to this code's schema, unless ``migrate=False`` (``backup``: it runs
    beside a serving process, perhaps the old one during an upgrade, and must not change the schema
    beneath it)."""
    from .preflight import ServeRefused, check_files_beside

    try:
        check_files_beside(settings.db_path)
    except ServeRefused as exc:
        raise Refused(str(exc)) from None
    store = Store(settings.db_path, checkpoints=not settings.replica)
    if migrate:
        store.migrate()
    return store


def run_once(settings: Settings, fn: Callable[[sqlite_utils.Database], T], *, write: bool,
             migrate: bool = True) -> T:
    """Open the database, run ``fn(db)`` in one write or read transaction, close it."""
    store = open_store(settings, migrate=migrate)
    try:
        return store.write_now(fn) if write else store.read_now(fn)
    finally:
        store.close()


def print_table(rows: list[dict[str, Any]], columns: list[tuple[str, str]]) -> None:
    widths = [max(_width(title), *(_width(str(r.get(key) or "")) for r in rows)) for key, title in columns]
    def line(values: list[str]) -> str:
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths, strict=True)).rstrip()
    print(line([t for _, t in columns]))
    print(line(["-" * w for w in widths]))
    for r in rows:
        print(line([str(r.get(k) or "") for k, _ in columns]))


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
