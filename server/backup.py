"""Online backup and integrity-checked restore of the SQLite file (the CLI and, later, the admin page).

Both write their target 0600 (``sync.db.make_private``): a backup holds every child's record.
"""
from __future__ import annotations

import pathlib
import sqlite3

from sync.db import make_private


class BackupRefused(Exception):
    """A sentence saying why nothing was written."""


def backup(db_path: pathlib.Path, target: pathlib.Path) -> None:
    """Copy a consistent snapshot of ``db_path`` to the new file ``target`` while the server writes."""
    if target.exists():
        raise BackupRefused(f"{target} already exists; choose a new file.")
    make_private(target)
    source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        # The online backup API copies a consistent snapshot while the server keeps writing.
        dest = sqlite3.connect(str(target))
        with dest:
            source.backup(dest)
        dest.close()
    finally:
        source.close()


def restore(source_path: pathlib.Path, db_path: pathlib.Path) -> None:
    """Replace ``db_path`` with an intact Banxing backup; refuse anything else and change nothing."""
    if not source_path.exists():
        raise BackupRefused(f"{source_path} does not exist.")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    try:
        try:
            ok = source.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            has_schema = source.execute(
                "SELECT count(*) FROM sqlite_master WHERE name IN ('_migrations', 'sync_feed')"
            ).fetchone()[0] == 2
        except sqlite3.DatabaseError:  # not an SQLite file at all ("file is not a database")
            ok = has_schema = False
        if not (ok and has_schema):
            raise BackupRefused(f"{source_path} is not an intact Banxing backup; nothing was changed.")
        make_private(db_path)
        dest = sqlite3.connect(str(db_path), timeout=10)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
