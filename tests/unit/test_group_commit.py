"""Durable acknowledgements with group commit (server/store.py).

Every write is on disk (``synchronous=FULL``) before its caller hears back. Writes queued
behind the one running are taken into the same transaction and share one COMMIT: a write that
fails leaves nothing of itself behind while its neighbours commit, and nobody's answer is
released before the COMMIT has returned.
"""
from __future__ import annotations

import asyncio
import pathlib
import sqlite3
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlite_utils

from server.store import Store


@pytest.fixture
def store(tmp_path: pathlib.Path) -> Iterator[Store]:
    s = Store(tmp_path / "store.db")
    s.migrate()
    yield s
    s.close()


def rows(path: pathlib.Path) -> list[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return sorted(r[0] for r in conn.execute("SELECT key FROM throttle"))
    finally:
        conn.close()


def insert(key: str) -> Any:
    return lambda db: db.execute("INSERT INTO throttle VALUES (?, 1, 'now', NULL)", [key])


class Boom(Exception):
    pass


def held_writer(store: Store) -> threading.Event:
    """Occupy the writer thread until the returned event is set, so later writes queue up."""
    release, running = threading.Event(), threading.Event()

    def hold(db: sqlite_utils.Database) -> None:
        running.set()
        release.wait(10)

    store.submit(hold)
    assert running.wait(10)
    return release


def test_the_writer_connection_syncs_every_commit_to_disk(store: Store) -> None:
    assert store.write_now(lambda db: db.execute("PRAGMA synchronous").fetchone()[0]) == 2  # FULL


def test_writes_queued_behind_the_writer_share_one_commit(store: Store) -> None:
    before = store.commits
    release = held_writer(store)
    futures = [store.submit(insert(f"k{i}")) for i in range(20)]
    release.set()
    for f in futures:
        f.result(10)
    assert rows(store.path) == sorted(f"k{i}" for i in range(20))
    assert store.commits - before <= 2  # the held write's group, then one for the twenty


def test_a_failing_write_rolls_back_only_itself_and_its_neighbours_commit(store: Store) -> None:
    def half_then_fail(db: sqlite_utils.Database) -> None:
        db.execute("INSERT INTO throttle VALUES ('bad', 1, 'now', NULL)")
        raise Boom("this write only")

    release = held_writer(store)
    first, bad, last = store.submit(insert("a")), store.submit(half_then_fail), store.submit(insert("b"))
    release.set()
    first.result(10)
    last.result(10)
    with pytest.raises(Boom, match="this write only"):
        bad.result(10)
    assert rows(store.path) == ["a", "b"]


def test_a_write_that_fails_before_changing_anything_does_not_run_its_neighbours_again(store: Store) -> None:
    runs: list[str] = []

    def counted(key: str) -> Any:
        def fn(db: sqlite_utils.Database) -> None:
            runs.append(key)
            db.execute("INSERT INTO throttle VALUES (?, 1, 'now', NULL)", [key])
        return fn

    def refuse(db: sqlite_utils.Database) -> None:
        db.execute("SELECT count(*) FROM throttle").fetchone()
        raise Boom("refused before writing")

    release = held_writer(store)
    first, refused, last = store.submit(counted("a")), store.submit(refuse), store.submit(counted("b"))
    release.set()
    first.result(10)
    last.result(10)
    with pytest.raises(Boom, match="refused before writing"):
        refused.result(10)
    assert runs == ["a", "b"]
    assert rows(store.path) == ["a", "b"]


def test_a_write_whose_failure_ends_the_whole_transaction_does_not_lose_its_neighbours(store: Store) -> None:
    """SQLite rolls back the whole transaction on some errors (disk full, I/O error)."""
    def roll_everything_back(db: sqlite_utils.Database) -> None:
        db.execute("INSERT INTO throttle VALUES ('bad', 1, 'now', NULL)")
        db.conn.execute("ROLLBACK")
        raise sqlite3.OperationalError("database or disk is full")

    release = held_writer(store)
    futures = [store.submit(insert("a")), store.submit(roll_everything_back), store.submit(insert("b"))]
    release.set()
    futures[0].result(10)
    futures[2].result(10)
    with pytest.raises(sqlite3.OperationalError, match="disk is full"):
        futures[1].result(10)
    assert rows(store.path) == ["a", "b"]


def test_no_answer_is_released_before_the_commit(store: Store) -> None:
    seen: dict[str, Any] = {}
    release = held_writer(store)
    first = store.submit(insert("a"))

    def look(db: sqlite_utils.Database) -> None:
        seen["first answered"] = first.done()
        seen["visible to readers"] = rows(store.path)

    second = store.submit(look)
    release.set()
    second.result(10)
    first.result(10)
    assert seen == {"first answered": False, "visible to readers": []}
    assert rows(store.path) == ["a"]


def test_async_writes_from_many_tasks_each_get_their_own_answer(store: Store) -> None:
    async def many() -> list[Any]:
        def write(i: int) -> Any:
            def fn(db: sqlite_utils.Database) -> int:
                if i % 7 == 3:
                    raise Boom(str(i))
                db.execute("INSERT INTO throttle VALUES (?, 1, 'now', NULL)", [f"k{i}"])
                return i * 10
            return fn
        return await asyncio.gather(*(store.write(write(i)) for i in range(100)), return_exceptions=True)

    answers = asyncio.run(many())
    for i, answer in enumerate(answers):
        if i % 7 == 3:
            assert isinstance(answer, Boom) and str(answer) == str(i)
        else:
            assert answer == i * 10
    assert rows(store.path) == sorted(f"k{i}" for i in range(100) if i % 7 != 3)
