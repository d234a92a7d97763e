"""Every way a request can be wrong gets a 4xx in one envelope, with a sentence; never a 500."""
from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from server import create_app

from .conftest import County, activity

JSON = {"content-type": "application/json"}


def assert_envelope(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["ok"] is False and body["status"] == status
    assert isinstance(body["error"], str) and len(body["error"]) >= 4
    assert "Traceback" not in response.text
    if code:
        assert body["code"] == code, body
    return dict(body)


BAD_REQUESTS = [
    ("POST", "/api/enrol", b"", "json_invalid"),
    ("POST", "/api/enrol", b"{not json", "json_invalid"),
    ("POST", "/api/enrol", b"\xff\xfe", "json_invalid"),
    ("POST", "/api/enrol", b"[]", "bad_request"),
    ("POST", "/api/enrol", json.dumps({"code": 12345678}).encode(), "code_invalid"),
    ("POST", "/api/enrol", json.dumps({"code": "abc"}).encode(), "code_invalid"),
    ("POST", "/api/enrol", json.dumps({"code": "12345678", "device_name": ""}).encode(), "device_name_invalid"),
    ("POST", "/api/enrol", json.dumps({"code": "12345678", "device_name": 7}).encode(), "device_name_invalid"),
]


@pytest.mark.parametrize("method,path,body,code", BAD_REQUESTS)
def test_enrol_rejects_malformed_bodies_with_envelope(client: TestClient, method: str, path: str, body: bytes,
                                                      code: str) -> None:
    assert_envelope(client.request(method, path, content=body, headers=JSON), 400, code)


@pytest.mark.parametrize("body,code", [
    (b"", "json_invalid"),
    (b"{", "json_invalid"),
    (b'"text"', "batch_invalid"),
    (b"{}", "batch_invalid"),
    (b'{"mutations": {}}', "batch_invalid"),
    (b'{"mutations": [1]}', "batch_invalid"),
    (b'{"mutations": [{"entity": "activity"}]}', "batch_invalid"),
    (b'{"mutations": [{"mutation_id": "1"}]}', "batch_invalid"),
    (b'{"mutations": [{"mutation_id": 2}, {"mutation_id": 2}]}', "batch_invalid"),
    (b'{"mutations": [{"mutation_id": 0}]}', "batch_invalid"),
])
def test_push_rejects_unreadable_batches_whole(county: County, body: bytes, code: str) -> None:
    headers = {**county.auth("mentor"), **JSON}
    assert_envelope(county.client.post("/api/sync/push", content=body, headers=headers), 400, code)
    # nothing was recorded for the device: the next real batch starts at mutation 1
    ok = county.client.post("/api/sync/push", json={"mutations": [activity(county.pairing, 1)]}, headers=headers)
    assert ok.json()["results"][0]["status"] == "applied"


@pytest.mark.parametrize("query", ["cursor=garbage", "cursor=c1.!!!", "cursor=c1.eyJzIjotMX0",
                                   "cursor=c1.eyJzIjo5OTk5OTk5fQ",
                                   "limit=0", "limit=-3", "limit=abc", "limit=100000", "since=3"])
def test_pull_rejects_garbage_cursor_and_limit(county: County, query: str) -> None:
    assert_envelope(county.client.get(f"/api/sync/pull?{query}", headers=county.auth("mentor")), 400)


@pytest.mark.parametrize("path,method", [("/api/sync/push", "POST"), ("/api/sync/pull", "GET")])
@pytest.mark.parametrize("header,code", [
    (None, "token_missing"),
    ("Basic abc", "token_missing"),
    ("Bearer ", "token_missing"),
    ("Bearer not-a-token", "token_invalid"),
    ("Bearer bxd1.forged.signature", "token_invalid"),
])
def test_api_refuses_missing_or_forged_tokens(county: County, path: str, method: str, header: str | None,
                                              code: str) -> None:
    headers = {"Authorization": header} if header else {}
    response = county.client.request(method, path, headers=headers, json={"mutations": []})
    assert_envelope(response, 401, code)


def test_token_signed_with_another_key_is_refused(county: County) -> None:
    from server.auth import Signers

    forged = Signers(("someone-elses-key",)).device_token("d", county.mentor.user_id)
    response = county.client.get("/api/sync/pull", headers={"Authorization": "Bearer " + forged})
    assert_envelope(response, 401, "token_invalid")


def test_unknown_api_path_and_method_get_envelope(client: TestClient) -> None:
    assert_envelope(client.get("/api/nothing-here"), 404)
    assert_envelope(client.get("/api/sync/push"), 405)
    assert_envelope(client.delete("/api/enrol"), 405)


def test_unknown_page_gets_friendly_chinese_page(client: TestClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "没有这个地址" in response.text and "Traceback" not in response.text


@pytest.mark.parametrize(("asked", "status", "words"), [
    ("bytes=abc", 400, "Range（要下载文件的哪一部分）写得不对"),
    ("items=0-10", 400, "Range（要下载文件的哪一部分）写得不对"),
    ("bytes=20-10", 400, "Range（要下载文件的哪一部分）写得不对"),
    ("bytes=99999999-", 416, "超出了文件的长度"),
])
def test_a_static_file_asked_with_a_bad_range_gets_the_friendly_page(client: TestClient, asked: str, status: int,
                                                                     words: str) -> None:
    response = client.get("/static/site.css", headers={"range": asked})
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert words in response.text and "下载请求有误" in response.text
    if status == 416:
        assert response.headers["content-range"].startswith("bytes */")


def test_a_static_file_asked_with_a_good_range_gets_that_part(client: TestClient) -> None:
    whole = client.get("/static/site.css").content
    part = client.get("/static/site.css", headers={"range": "bytes=0-9"})
    assert part.status_code == 206 and part.content == whole[:10]
    assert client.get("/static/site.css", headers={"range": "bytes=abc", "if-range": '"old"'}).content == whole


def test_every_response_carries_security_headers(client: TestClient) -> None:
    for path in ("/", "/api/openapi.json", "/api/nothing-here", "/no/such/page"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["content-security-policy"], path
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"


def test_unexpected_error_is_a_500_envelope_without_traceback(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from server import create_app
    from server.api import sync as sync_api

    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(sync_api, "pull_changes", explode)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        from .conftest import build_county

        client.app.state.banxing.store.write_now(build_county)
        county = County(client=client, **{k: None for k in County.__dataclass_fields__ if k != "client"})
        response = client.get("/api/sync/pull", headers=county.auth("mentor"))
    body = assert_envelope(response, 500, "internal_error")
    assert "boom" not in body["error"]


def test_a_full_disk_is_a_503_disk_full_with_one_log_line_and_the_resent_push_applies_once_space_is_back(
        settings: Any, caplog: pytest.LogCaptureFixture) -> None:
    """The database cannot grow (a full disk; here SQLite's own page limit, which fails the same way,
    SQLITE_FULL): the push is refused as the operator's problem, not a bug, nothing is written, and
    the phone's resend of the same batch applies once the space is back."""
    from .conftest import build_county

    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        ids = client.app.state.banxing.store.write_now(build_county)
        county = County(client=client, **ids)
        headers = county.auth("mentor")
        batch = {"mutations": [activity(county.pairing, n, record="孩子说最近睡不好。" * 300) for n in range(1, 21)]}
        pages = county.store_write(lambda db: db.execute("PRAGMA page_count").fetchone()[0])
        county.store_write(lambda db: db.execute(f"PRAGMA max_page_count = {pages}"))
        response = client.post("/api/sync/push", json=batch, headers=headers)
        body = assert_envelope(response, 503, "disk_full")
        assert "磁盘已满" in body["error"] and response.headers["retry-after"] == "300"
        full = [r for r in caplog.records if "disk full" in r.getMessage()]
        assert len(full) == 1 and full[0].exc_info is None, "one line, no traceback"
        assert full[0].getMessage().startswith("磁盘已满，这次请求没有完成：请腾出磁盘空间"), "Chinese first"
        count = "SELECT count(*) FROM activities WHERE record LIKE '孩子说最近睡不好%'"
        assert county.store_write(lambda db: db.execute(count).fetchone()[0]) == 0
        county.store_write(lambda db: db.execute("PRAGMA max_page_count = 1073741823"))
        again = client.post("/api/sync/push", json=batch, headers=headers)
        assert again.status_code == 200 and {r["status"] for r in again.json()["results"]} == {"applied"}
        assert county.store_write(lambda db: db.execute(count).fetchone()[0]) == 20
