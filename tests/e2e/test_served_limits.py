"""What the real ``banxing serve`` (uvicorn) does with hostile connections, measured from outside.

- A client on the same machine cannot choose its guess counter with ``X-Forwarded-For``.
- No answer names the server software (`server: uvicorn`).
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request

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
