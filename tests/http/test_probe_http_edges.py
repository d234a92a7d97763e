"""The server probed at the HTTP level, as an attacker and a careless client would: every method on
every route, paths that climb out of /app/ and /static/, ranges and validators, off-site ``next=``,
browsers asking for other languages, bodies too large, malformed, chunked wrong or cut short, URLs of
64 KB. Every answer is a clear 4xx (a Chinese page off /api/, JSON on it) or a correct 2xx/3xx: never
a 500, never a traceback, never a file from outside the two folders.

What needs no socket runs on ``TestClient`` over one demo county; what the HTTP parser sees (raw
request lines, chunking, lengths that lie) on one real ``banxing serve`` of a copy of it."""
from __future__ import annotations

import pathlib
import re
import select
import shutil
import socket
import time
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from server import create_app
from server.body_limit import PAGE_BODY_MAX
from server.config import Settings
from server.routes import url_map

from ..e2e.conftest import ServerProcess, cli

CHINESE = re.compile(r"[\u4e00-\u9fff]")
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    path = tmp_path_factory.mktemp("probe-edges") / "demo.db"
    cli(path, "demo")
    return path


@pytest.fixture(scope="module")
def clients(demo_file: pathlib.Path) -> Iterator[dict[str, TestClient]]:
    """A signed-out browser, the demo's administrator and a station's staff, on one app over a copy of
    the demo county."""
    db = demo_file.with_name("app.db")
    shutil.copyfile(demo_file, db)
    app = create_app(Settings(db_path=db, secret_keys=("probe-key",)))
    with (TestClient(app, follow_redirects=False) as anon, TestClient(app, follow_redirects=False) as admin,
          TestClient(app, follow_redirects=False) as station):
        for client, login in ((admin, "admin"), (station, "zhan-bencha")):
            token = TOKEN.search(client.get("/login").text)[1]  # type: ignore[index]
            signed_in = client.post("/login", data={"csrf_token": token, "username": login, "password": "banxing2026"})
            assert signed_in.status_code == 303
        yield {"anon": anon, "admin": admin, "station": station}


def _clear_refusal(text: str, status: int) -> None:
    assert 400 <= status < 500, status
    assert CHINESE.search(text) and "Traceback" not in text, text[:300]


@pytest.mark.parametrize("who", ["anon", "admin"])
def test_head_and_options_on_every_route_answer_without_a_500_and_head_without_a_body(
        clients: dict[str, TestClient], who: str) -> None:
    client = clients[who]
    for route, _ in url_map():
        path = re.sub(r"\{[^}]+\}", "x1", route) + ("/" if route in ("/app", "/static") else "")
        head = client.head(path)
        assert head.status_code < 500 and head.content == b"", (path, head.status_code)
        options = client.options(path)
        assert options.status_code < 500, (path, options.status_code)
        if options.status_code >= 400:
            _clear_refusal(options.text, options.status_code)


@pytest.mark.parametrize("path", [
    "/app/%2e%2e/server/app.py", "/app/..%2f..%2fpyproject.toml", "/app/%5c..%5c..%5cpyproject.toml",
    "/static/%2e%2e/%2e%2e/pyproject.toml", "/static/..%2f..%2fpyproject.toml", "/static//etc/passwd",
    "/app/index.html%00.js", "/app/%00", "/static/%00", "/app/%ff", "/static/%c0%ae%c0%ae/pyproject.toml",
    "/static/nothing.css/", "/login%00", "/mentees/%ff/edit",
])
def test_paths_that_climb_or_smuggle_out_of_the_app_and_static_folders_find_nothing(
        clients: dict[str, TestClient], path: str) -> None:
    answer = clients["anon"].get(path)
    assert answer.status_code in (303, 404), (path, answer.status_code)
    if answer.status_code == 404:
        _clear_refusal(answer.text, 404)
    assert "[project]" not in answer.text and "root:" not in answer.text and "create_app" not in answer.text


@pytest.mark.parametrize(("path", "headers", "status"), [
    ("/static/site.css", {"range": "bytes=0-10"}, 206),
    ("/static/site.css", {"range": "bytes=-5"}, 206),
    ("/static/site.css", {"range": "bytes=0-1,3-4"}, 206),
    ("/static/site.css", {"range": "bytes=" + ",".join(["0-1"] * 2000)}, 200),  # merged, never 2,000 parts
    ("/static/site.css", {"range": "bytes=100000000-200000000"}, 416),
    ("/static/site.css", {"range": "bytes=5-2"}, 400),
    ("/static/site.css", {"range": "bytes=abc"}, 400),
    ("/static/site.css", {"if-none-match": "*"}, 304),
    ("/static/site.css", {"if-none-match": '"garbage'}, 200),
    ("/static/site.css", {"if-modified-since": "garbage"}, 200),
    ("/static/site.css", {"if-range": "xyz", "range": "bytes=0-3"}, 200),
    ("/app/sw.js", {"range": "bytes=0-10"}, 200),  # the service worker is always sent whole
    ("/app/sw.js", {"if-none-match": '"garbage'}, 200),
    ("/app/sw.js", {"if-modified-since": "Mon, 01 Jan 3000 00:00:00 GMT"}, 200),  # its ETag alone decides
    ("/app/", {"range": "bytes=5-2", "if-none-match": "*"}, 200),
])
def test_ranges_and_validators_on_static_files_and_the_service_worker_are_answered_or_refused_in_words(
        clients: dict[str, TestClient], path: str, headers: dict[str, str], status: int) -> None:
    answer = clients["anon"].get(path, headers=headers)
    assert answer.status_code == status, answer.text[:200]
    if status >= 400:
        _clear_refusal(answer.text, status)


@pytest.mark.parametrize("path", ["/static/site.css", "/app/sw.js", "/app/"])
def test_a_static_file_or_the_service_worker_with_its_own_etag_is_not_sent_again(
        clients: dict[str, TestClient], path: str) -> None:
    first = clients["anon"].get(path)
    again = clients["anon"].get(path, headers={"if-none-match": first.headers["etag"]})
    assert (first.status_code, again.status_code, again.content) == (200, 304, b"")


@pytest.mark.parametrize("target", [
    "//evil.example", "/\\evil.example", "https:evil", "https://evil.example", "http:/evil", "///evil.example",
    "\\\\evil.example", "javascript:alert(1)", "/\t/evil.example", "/\n/evil.example",
])
def test_next_pointing_off_the_site_never_leads_off_it(clients: dict[str, TestClient], target: str) -> None:
    client = clients["anon"]
    shown = client.get("/login", params={"next": target})
    hidden = re.search(r'name="next" value="([^"]*)"', shown.text)
    assert hidden is not None and hidden[1].startswith("/") and not hidden[1].startswith("//")
    signed_in = clients["admin"].get("/login", params={"next": target})
    location = signed_in.headers["location"]
    assert signed_in.status_code == 303 and location.startswith("/") and not location.startswith(("//", "/\\"))
    assert "\t" not in location and "\n" not in location


@pytest.mark.parametrize("language", ["en-US,en;q=0.9", "fr", "*", "zh-TW", "garbage;;;q=x", ""])
@pytest.mark.parametrize("accept", ["application/json", "text/plain", "application/xml", "*/*"])
def test_error_pages_stay_chinese_pages_whatever_the_browser_asks_for(
        clients: dict[str, TestClient], language: str, accept: str) -> None:
    answer = clients["anon"].get("/no/such/page", headers={"accept-language": language, "accept": accept})
    assert answer.headers["content-type"].startswith("text/html")
    _clear_refusal(answer.text, answer.status_code)
    api = clients["anon"].get("/api/no/such", headers={"accept-language": language, "accept": accept})
    assert api.status_code == 404 and CHINESE.search(api.json()["error"])


@pytest.mark.parametrize("spoil", ["tampered", "other salt", "huge", "unicode", "empty"])
def test_a_spoiled_session_cookie_is_nobody_signed_in(clients: dict[str, TestClient], spoil: str) -> None:
    session = clients["station"].cookies["bx_session"]
    cookie = {"tampered": session[:-2] + ("xx" if not session.endswith("xx") else "yy"),
              "other salt": clients["station"].cookies["bx_csrf"], "huge": "a" * 4000, "unicode": "%C3%A9",
              "empty": ""}[spoil]
    browser = clients["anon"]
    browser.cookies.set("bx_session", cookie)
    browser.cookies.set("bx_flash", "garbage")
    try:
        answer = browser.get("/staff")
        assert (answer.status_code, answer.headers["location"]) == (303, "/login?next=/staff")
        flash = browser.get("/login")
        assert flash.status_code == 200 and "garbage" not in flash.text
    finally:
        for name in ("bx_session", "bx_flash"):
            browser.cookies.delete(name)


def _fields(size: int) -> bytes:
    """A form of 1 MB fields (each under Starlette's bound on one field) adding up to ``size`` bytes."""
    field = b"x" * (1024 * 1024 - 64)
    parts, total = [], 0
    while total < size:
        parts.append(b"f%d=" % len(parts) + field)
        total += len(parts[-1]) + 1
    return b"&".join(parts)


@pytest.mark.parametrize("path", ["/login", "/mentees/new", "/mentees/import", "/activities/phone-import"])
def test_a_page_post_larger_than_any_form_is_refused_with_413_in_words(
        clients: dict[str, TestClient], path: str) -> None:
    answer = clients["station"].post(path, content=_fields(PAGE_BODY_MAX + 1),
                                   headers={"content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 413
    _clear_refusal(answer.text, 413)


# --- one real server: what the HTTP parser sees ---------------------------------------------------------


@pytest.fixture(scope="module")
def server(demo_file: pathlib.Path) -> Iterator[ServerProcess]:
    db = demo_file.with_name("served.db")
    shutil.copyfile(demo_file, db)
    proc = ServerProcess(db)
    proc.start()
    yield proc
    proc.stop()
    assert "Traceback" not in proc.stderr()


def _status(answer: bytes) -> bytes:
    return answer.split(b" ", 2)[1] if answer.startswith(b"HTTP/") else answer[:100]


def _raw(server: ServerProcess, request: bytes, timeout: float = 5) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        sock.sendall(request)
        out = b""
        try:
            while chunk := sock.recv(65536):
                out += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    return out


POST = (b"POST /login HTTP/1.1\r\nHost: banxing\r\nConnection: close\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n")
BODY = b"username=admin&password=wrong"


@pytest.mark.parametrize(("request_bytes", "status"), [
    (b"GET http://evil.example/login HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n", b"200"),
    (b"GET * HTTP/1.1\r\nHost: banxing\r\nConnection: close\r\n\r\n", b"404"),
    (b"GET //app/ HTTP/1.1\r\nHost: banxing\r\nConnection: close\r\n\r\n", b"404"),
    (b"GET /app/../server/app.py HTTP/1.1\r\nHost: banxing\r\nConnection: close\r\n\r\n", b"404"),
    (b"GET /static/./../../pyproject.toml HTTP/1.1\r\nHost: banxing\r\nConnection: close\r\n\r\n", b"404"),
    (b"GET /mentees?q=" + b"a" * 66000 + b" HTTP/1.1\r\nHost: banxing\r\n\r\n", b"431"),  # past max_header_bytes
    (POST + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", b"400"),
    (POST + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n3\r\nabc\r\n0\r\n\r\n", b"400"),
    (POST + b"Content-Length: -1\r\n\r\n" + BODY, b"400"),
    (POST + b"Content-Length: 29\r\nContent-Length: 3\r\n\r\n" + BODY, b"400"),
    (POST + b"Content-Length: 99999999999999999999999\r\n\r\n" + BODY, b"400"),
    (POST + b"Content-Length: 19\r\n\r\n" + BODY + b"GARBAGE\r\n\r\n", b"403"),  # the CSRF check refuses it
    (POST + b"Expect: 100-continue\r\nContent-Length: 29\r\n\r\n" + BODY, b"100"),
    (POST + b"Content-Length: %d\r\n\r\n" % (PAGE_BODY_MAX + 1), b"413"),  # refused before a byte is sent
])
def test_requests_the_parser_reads_or_refuses_are_answered_in_words(
        server: ServerProcess, request_bytes: bytes, status: bytes) -> None:
    answer = _raw(server, request_bytes)
    assert _status(answer) == status, answer[:300]
    if status >= b"400":
        assert CHINESE.search(answer.decode("utf-8", "replace")) and b"Traceback" not in answer


def test_a_body_shorter_than_its_length_is_waited_for_then_dropped_with_nothing_written(
        server: ServerProcess) -> None:
    assert _raw(server, POST + b"Content-Length: 80\r\n\r\n" + BODY, timeout=1) == b""


def test_a_chunked_post_past_the_bound_is_refused_before_it_is_all_sent(server: ServerProcess) -> None:
    """50 MB of 1 MB form fields, chunked (no length to refuse early): the 413 comes while it is sent."""
    field = b"x" * (1024 * 1024 - 64)
    sent = 0
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(POST + b"Transfer-Encoding: chunked\r\n\r\n")
        deadline = time.monotonic() + 30
        while sent < 50 * 1024 * 1024 and time.monotonic() < deadline:
            if select.select([sock], [], [], 0)[0]:
                break  # answered
            try:
                sock.sendall(b"%x\r\n&f=%s\r\n" % (len(field) + 3, field))
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(field)
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 3 * PAGE_BODY_MAX  # the bound and what the two sockets' buffers held
