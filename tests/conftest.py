from __future__ import annotations

import pathlib
import shutil

import pytest
import sqlite_utils

from server.schema import migrations as server_migrations
from sync import connect, migrations


@pytest.fixture(scope="session")
def migrated_file(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """The sync migration set, then the server's, applied once per session: the tests copy the file
    rather than run the 45 steps again (a quarter of a second each time, a third of the unit tests'
    time). The server's queries read its tables too (the refused lists leave out the records the
    station closed, ``refusal_closings``)."""
    path = tmp_path_factory.mktemp("template") / "sync.db"
    database = connect(path)
    migrations.apply(database)
    server_migrations.apply(database)
    database.close()  # the last connection out checkpoints the WAL: the one file holds everything
    return path


@pytest.fixture
def db(tmp_path: pathlib.Path, migrated_file: pathlib.Path) -> sqlite_utils.Database:
    """A migrated database file (the sync and server migration sets) on ``tmp_path``, a copy of its own."""
    shutil.copyfile(migrated_file, tmp_path / "test.db")
    database = connect(tmp_path / "test.db")
    yield database
    database.close()
