from __future__ import annotations

import pathlib

import pytest
import sqlite_utils

from sync import connect, migrations


@pytest.fixture
def db(tmp_path: pathlib.Path) -> sqlite_utils.Database:
    """A migrated database file (the sync migration set) on ``tmp_path``."""
    database = connect(tmp_path / "test.db")
    migrations.apply(database)
    yield database
    database.close()
