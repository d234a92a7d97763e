"""What the real ``banxing serve`` (uvicorn) does with hostile connections, measured from outside.

- A client on the same machine cannot choose its guess counter with ``X-Forwarded-For``.
- No answer names the server software (`server: uvicorn`).
- Connections that never finish their headers are dropped after ``header_timeout``, so 300 of
  them on a host with 256 file descriptors stop service only until then.
- A header block past ``max_header_bytes`` is refused (431) as it streams in, not parsed whole.
"""
from __future__ import annotations

import contextlib
import json
import pathlib
import shutil
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from .conftest import ServerProcess

pytestmark = pytest.mark.e2e


def enrol_status(server: ServerProcess, code: str, headers: dict[str, str]) -> int:
    req = urllib.request.Request(server.url + "/api/enrol", data=json.dumps({"code": code}).encode(), method="POST",
                                 headers={"content-type": "application/json", **headers})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def test_forwarded_for_from_loopback_does_not_choose_the_guess_counter(server: ServerProcess) -> None:
    statuses = [enrol_status(server, "00000000", {"X-Forwarded-For": f"198.51.100.{i}"}) for i in range(6)]
    assert statuses == [400] * 4 + [429] * 2


def test_answers_do_not_name_the_server_software(server: ServerProcess) -> None:
    for path in ("/", "/api/openapi.json", "/no-such-page"):
        try:
            with urllib.request.urlopen(server.url + path, timeout=10) as resp:
                headers = resp.headers
        except urllib.error.HTTPError as err:
            headers = err.headers
        assert "server" not in {k.lower() for k in headers.keys()}, path


def open_stalled(port: int, count: int) -> list[socket.socket]:
    """Connections that start a request and never finish its headers (slowloris)."""
    stalled = []
    for _ in range(count):
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=2)
            sock.sendall(b"GET / HTTP/1.1\r\nHost: banxing\r\nX-Slow: ")
        except OSError:
            break  # the server (or its kernel backlog) is full: that is what we are testing
        stalled.append(sock)
    return stalled


def answered(url: str, deadline: float) -> float | None:
    """Seconds until a plain request gets a 200 (retrying refused and reset connections), or None."""
    start = time.monotonic()
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/api/openapi.json", timeout=2) as resp:
                if resp.status == 200:
                    return time.monotonic() - start
        except (OSError, urllib.error.URLError):
            time.sleep(0.2)
    return None


@pytest.fixture
def small_server(tmp_path: pathlib.Path, demo_db: tuple[pathlib.Path, list[dict[str, str]]]) -> Iterator[ServerProcess]:
    """The demo county served with 256 file descriptors (as on the probed host) and a 2 s header timeout."""
    db = tmp_path / "banxing.db"
    shutil.copy(demo_db[0], db)
    proc = ServerProcess(db, env={"BANXING_HEADER_TIMEOUT": "2"}, nofile=256)
    proc.start()
    yield proc
    proc.stop()


def test_stalled_connections_are_dropped_and_service_resumes(small_server: ServerProcess) -> None:
    stalled = open_stalled(small_server.port, 300)
    try:
        assert len(stalled) >= 200
        waited = answered(small_server.url, time.monotonic() + 15)
        assert waited is not None, "no answer within 15 s while 300 connections stalled"
        for sock in stalled[:20]:  # the server closed them (a 408, or just the connection)
            sock.settimeout(5)
            try:
                data = sock.recv(1024)
            except (ConnectionResetError, TimeoutError):
                data = b""
            assert data == b"" or data.startswith(b"HTTP/1.1 408")
    finally:
        for sock in stalled:
            sock.close()


def test_an_oversized_header_is_refused_without_holding_up_others(small_server: ServerProcess) -> None:
    sock = socket.create_connection(("127.0.0.1", small_server.port), timeout=10)
    reply = b""
    try:
        sock.sendall(b"GET /api/openapi.json HTTP/1.1\r\nHost: banxing\r\nX-Big: ")
        started = time.monotonic()
        with contextlib.suppress(OSError):
            for _ in range(64):  # 4 MB of one header value, 64 kB at a time
                sock.sendall(b"a" * 65536)
            sock.sendall(b"\r\n\r\n")
        assert answered(small_server.url, time.monotonic() + 5) is not None
        with contextlib.suppress(OSError):
            reply = sock.recv(1024)
        assert time.monotonic() - started < 10
    finally:
        sock.close()
    assert reply.startswith(b"HTTP/1.1 431") or reply == b"", reply[:80]
    assert not reply.startswith(b"HTTP/1.1 200")


def test_a_header_block_past_the_bound_that_arrives_in_one_piece_is_refused_too(server: ServerProcess) -> None:
    """Counted only while a read left the headers incomplete, 70 kB sent at once (curl on loopback) got a 200."""
    reply = _answer(server, b"GET /api/openapi.json HTTP/1.1\r\nHost: banxing\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 431"), reply[:80]
    assert "请求头太长" in reply.decode("utf-8")


def test_a_request_the_parser_cannot_read_is_refused_in_chinese(server: ServerProcess) -> None:
    """Answered before the app (no page template): one plain line, Chinese first, never a crash."""
    reply = _answer(server, b"GET /\x01bad HTTP/1.1\r\nHost: banxing\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 400"), reply[:80]


def _answer(server: ServerProcess, request: bytes) -> bytes:
    """What the server sends back to ``request``, sent in one piece, until it closes the connection."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    try:
        sock.sendall(request)
        reply = b""
        with contextlib.suppress(OSError):
            while chunk := sock.recv(4096):
                reply += chunk
    finally:
        sock.close()
    return reply
    assert "请求格式不正确" in reply.decode("utf-8")
