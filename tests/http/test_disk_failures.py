"""The disk under a running server: full, read-only, failing. A push or a page is answered 503 in the
one envelope with a sentence (never a 500 or a traceback), nothing is half written, and the same
push sent again goes through once the disk does, with no restart."""
from __future__ import annotations

import resource
from typing import Any

import pytest

from .conftest import County, activity

COUNT = "SELECT count(*) FROM activities WHERE record LIKE '孩子说最近睡不好%'"


def storage_answer(response: Any, code: str) -> dict[str, Any]:
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["ok"] is False and body["code"] == code and "没有保存" in body["error"]
    assert response.headers["retry-after"] == "300" and "Traceback" not in response.text
    return dict(body)


def batch(county: County, first: int) -> dict[str, Any]:
    text = "孩子说最近睡不好。" * 300
    return {"mutations": [activity(county.pairing, n, record=text) for n in range(first, first + 20)]}


def test_a_push_to_a_read_only_database_is_a_503_with_one_log_line_and_goes_through_once_writable(
        county: County, caplog: pytest.LogCaptureFixture) -> None:
    # The county fixture's client raises what escapes the app: a 503 here is the app's own answer.
    headers, sent = county.auth("mentor"), batch(county, 1)
    store = county.client.app.state.banxing.store
    county.store_write(lambda db: db.execute("PRAGMA query_only = 1"))  # SQLITE_READONLY, as on a read-only disk
    storage_answer(county.client.post("/api/sync/push", json=sent, headers=headers), "storage_unavailable")
    lines = [r for r in caplog.records if "storage failed" in r.getMessage()]
    assert len(lines) == 1 and lines[0].exc_info is None, "one line, no traceback"
    assert lines[0].getMessage().startswith("磁盘出错（只读或读写失败），这次请求没有完成"), "Chinese first"
    store._enqueue(lambda db: db.execute("PRAGMA query_only = 0"), alone=True).result()
    assert county.store_write(lambda db: db.execute(COUNT).fetchone()[0]) == 0
    again = county.client.post("/api/sync/push", json=sent, headers=headers)
    assert again.status_code == 200 and {r["status"] for r in again.json()["results"]} == {"applied"}
    assert county.store_write(lambda db: db.execute(COUNT).fetchone()[0]) == 20


def test_a_push_the_disk_fails_to_write_is_a_503_nothing_is_stored_and_the_resend_applies_once(
        county: County) -> None:
    """An I/O error mid-write (here: no file may grow, RLIMIT_FSIZE, so the WAL's write fails with
    EFBIG, which SQLite reports as SQLITE_IOERR)."""
    headers, sent = county.auth("mentor"), batch(county, 1)
    wal = county.client.app.state.banxing.store.path.with_name("t.db-wal")
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (wal.stat().st_size + 4096, hard))
    try:
        response = county.client.post("/api/sync/push", json=sent, headers=headers)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    storage_answer(response, "storage_unavailable")
    assert county.store_write(lambda db: db.execute(COUNT).fetchone()[0]) == 0
    again = county.client.post("/api/sync/push", json=sent, headers=headers)
    assert again.status_code == 200 and {r["status"] for r in again.json()["results"]} == {"applied"}
    third = county.client.post("/api/sync/push", json=sent, headers=headers)
    assert third.json() == again.json()
    assert county.store_write(lambda db: db.execute(COUNT).fetchone()[0]) == 20


def test_a_full_disk_is_answered_by_the_app_itself_not_by_an_exception_escaping_it(county: County) -> None:
    """A 503 the app answers; one that Starlette's last-resort handler answers is re-raised after it,
    and the server logs a traceback per push on the very disk that is full."""
    headers = county.auth("mentor")
    pages = county.store_write(lambda db: db.execute("PRAGMA page_count").fetchone()[0])
    county.store_write(lambda db: db.execute(f"PRAGMA max_page_count = {pages}"))
    storage_answer(county.client.post("/api/sync/push", json=batch(county, 1), headers=headers), "disk_full")
    county.store_write(lambda db: db.execute("PRAGMA max_page_count = 1073741823"))
