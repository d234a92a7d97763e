"""The Store: named migrations, one writer, read-only readers, all-or-nothing writes."""
from __future__ import annotations

import asyncio
import pathlib
import sqlite3
import threading

import pytest

from server.schema import migrations as server_migrations
from server.store import Store
from sync import new_id
from sync.schema import migrations as sync_migrations

EXPECTED_TABLES = {
    "_migrations", "units", "users", "mentees", "pairings", "activities", "screenings", "events",
    "enrolments", "stats_returns", "reviews", "referrals", "sync_devices", "sync_feed", "sync_scope_log",
    "sync_scope_resets", "sync_audit",
    "sync_conflicts", "enrol_codes", "throttle", "access_log", "web_sessions", "login_failures", "form_drafts",
    "inspections", "year_summaries", "recovery_keys", "recovery_codes", "phone_import_ledger", "activity_counts",
    "pairing_latest",
    "county_settings",
    "return_deadlines",
    "peer_helpers",
    "donations",
    "refusal_closings",
    "unit_closures",
    "distinct_visits",
    "grade_promotions",
    "promoted_children",
    "care_leavings",
}


@pytest.fixture
def store(tmp_path: pathlib.Path) -> Store:
    s = Store(tmp_path / "store.db")
    s.migrate()
    yield s
    s.close()


def test_migrations_create_exactly_the_named_tables(store: Store) -> None:
    names = store.read_now(lambda db: {r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").fetchall()})
    assert names == EXPECTED_TABLES


def test_migrations_apply_once(store: Store) -> None:
    assert store.migrate() == []
    applied = store.read_now(
        lambda db: db.execute("SELECT migration_set, name FROM _migrations ORDER BY 1, 2").fetchall()
    )
    declared = [(m.name, step) for m in (server_migrations, sync_migrations) for step, _ in m.steps]
    assert [tuple(r) for r in applied] == sorted(declared)
    assert ("sync", "m001_domain") in declared and ("server", "m001_accounts") in declared


def test_database_runs_in_wal_with_foreign_keys(store: Store) -> None:
    assert store.read_now(lambda db: db.execute("PRAGMA journal_mode").fetchone()[0]) == "wal"
    assert store.write_now(lambda db: db.execute("PRAGMA foreign_keys").fetchone()[0]) == 1


def test_readers_map_the_file_and_the_writer_does_not(store: Store) -> None:
    # Reports read a county's indexes through the OS cache, not copied into a small cache of their
    # own (READER_MMAP_BYTES, docs/performance.md); the writer measured no gain from it.
    assert store.read_now(lambda db: db.execute("PRAGMA mmap_size").fetchone()[0]) > 10**9
    assert store.read_now(lambda db: db.execute("PRAGMA mmap_size").fetchone()[0], pool="reports") > 10**9
    assert store.write_now(lambda db: db.execute("PRAGMA mmap_size").fetchone()[0]) == 0


def test_readers_cannot_write(store: Store) -> None:
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        store.read_now(lambda db: db.execute("INSERT INTO throttle VALUES ('k', 1, 'now', NULL)"))


def test_a_failed_write_leaves_nothing_behind(store: Store) -> None:
    def half_then_fail(db: object) -> None:
        db.execute("INSERT INTO throttle VALUES ('a', 1, 'now', NULL)")  # type: ignore[attr-defined]
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        store.write_now(half_then_fail)
    assert store.read_now(lambda db: db.execute("SELECT count(*) FROM throttle").fetchone()[0]) == 0


def test_concurrent_writers_are_serialised_without_lock_errors(store: Store) -> None:
    async def many() -> None:
        def insert(i: int) -> object:
            return lambda db: db.execute("INSERT INTO throttle VALUES (?, ?, 'now', NULL)", [new_id(), i])
        await asyncio.gather(*(store.write(insert(i)) for i in range(200)),
                             *(store.read(lambda db: db.execute("SELECT count(*) FROM throttle").fetchone())
                               for _ in range(50)))

    asyncio.run(many())
    assert store.read_now(lambda db: db.execute("SELECT count(*) FROM throttle").fetchone()[0]) == 200


def test_the_wal_stays_bounded_under_a_busy_writer(tmp_path: pathlib.Path) -> None:
    store = Store(tmp_path / "wal.db", checkpoint_pages=100)
    store.migrate()
    blob = "记录" * 20_000  # about 120 kB per transaction: 30 pages
    try:
        for _ in range(150):  # about 18 MB written, back to back, with readers about
            store.write_now(lambda db: db.execute("INSERT INTO access_log (at, action, target) VALUES ('t', 'x', ?)",
                                                  [blob]))
            store.read_now(lambda db: db.execute("SELECT count(*) FROM access_log").fetchone())
        wal = (tmp_path / "wal.db-wal").stat().st_size
    finally:
        store.close()
    # Bounded, at most a fifth of what went through it: the writer checkpoints past 100 pages, but the
    # background thread's checkpoint may hold SQLite's one checkpointer slot when it does, and on a
    # loaded machine a few commits then pass before the WAL restarts (1.9 MB seen at load 8).
    assert wal < 8 * 100 * 4096 + 200_000, f"WAL grew to {wal} bytes"


def test_while_litestream_replicates_the_store_runs_no_checkpoint_of_its_own(tmp_path: pathlib.Path) -> None:
    store = Store(tmp_path / "replicated.db", checkpoints=False)
    try:
        store.migrate()
        assert store.write_now(lambda db: db.execute("PRAGMA wal_autocheckpoint").fetchone()[0]) == 0
        names = {t.name for t in threading.enumerate()}
        assert "banxing-checkpoint" not in names
    finally:
        store.close()
