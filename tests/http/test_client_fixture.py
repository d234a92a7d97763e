"""The in-process app starts on a copy of a file migrated once per session: a test's own file."""
from __future__ import annotations

import pathlib

from starlette.testclient import TestClient

from server import create_app
from server.config import Settings
from server.schema import migrations as server_migrations
from sync import connect
from sync.schema import migrations as sync_migrations


def _applied(path: pathlib.Path) -> set[tuple[str, str]]:
    db = connect(path, readonly=True)
    try:
        return {(r[0], r[1]) for r in db.execute("SELECT migration_set, name FROM _migrations").fetchall()}
    finally:
        db.close()


def test_each_test_starts_the_app_on_its_own_copy_of_the_session_migrated_file(
    settings: Settings, server_file: pathlib.Path
) -> None:
    declared = {(m.name, step) for m in (server_migrations, sync_migrations) for step, _ in m.steps}
    assert settings.db_path != server_file and _applied(settings.db_path) == declared
    with TestClient(create_app(settings)) as client:
        assert client.app.state.banxing.store.migrate() == []
        client.app.state.banxing.store.write_now(lambda db: db.execute("CREATE TABLE left_by_this_test (x)"))
    template = connect(server_file, readonly=True)
    try:
        assert "left_by_this_test" not in template.table_names()
    finally:
        template.close()
