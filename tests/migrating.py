"""Databases as they stood before a migration, for the tests of what it does to rows stored before it."""
from __future__ import annotations

import sqlite_utils

from server.schema import migrations as server_migrations
from sync import migrations
from sync.db import Migrations


def migrate_all_but(db: sqlite_utils.Database, *names: str) -> None:
    """Apply every sync migration but ``names`` (the test then applies those with ``migrations.apply``),
    and the server's, as a running server has them: its queries read their tables too (unit_closures)."""
    Migrations("sync", [(name, fn) for name, fn in migrations.steps if name not in names]).apply(db)
    server_migrations.apply(db)
