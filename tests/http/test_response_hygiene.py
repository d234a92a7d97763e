"""What every answer carries, whatever happened: security headers (500s too), HSTS over HTTPS,
and no address built from the caller's Host header."""
from __future__ import annotations

import pathlib

import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from server import create_app
from server.config import Settings
from server.security import HEADERS

from .test_errors import assert_envelope


async def crash(request: Request) -> Response:
    raise RuntimeError("a bug nobody has written yet")


async def probe(request: Request) -> Response:
    return PlainTextResponse("probe")


@pytest.fixture
def app_with_extra_routes(settings: Settings) -> TestClient:
    app = create_app(settings)
    app.router.routes[:0] = [Route("/crash", crash), Route("/probe", probe)]
    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize("path", ["/crash", "/no-such-page", "/", "/api/openapi.json", "/api/sync/pull"])
def test_every_response_carries_the_security_headers(app_with_extra_routes: TestClient, path: str) -> None:
    with app_with_extra_routes as client:
        response = client.get(path)
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (path, response.status_code, name)


def test_a_crash_is_a_500_page_with_the_csp(app_with_extra_routes: TestClient) -> None:
    with app_with_extra_routes as client:
        response = client.get("/crash")
    assert response.status_code == 500
    assert "a bug nobody" not in response.text and "Traceback" not in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]


def test_hsts_only_when_served_over_https(settings: Settings) -> None:
    app = create_app(settings)
    with TestClient(app, base_url="https://testserver") as client:
        assert client.get("/").headers["strict-transport-security"].startswith("max-age=")
    with TestClient(app) as client:
        assert "strict-transport-security" not in client.get("/").headers


def test_hsts_behind_the_trusted_proxy_follows_its_forwarded_proto(tmp_path: pathlib.Path) -> None:
    settings = Settings(db_path=tmp_path / "t.db", secret_keys=("k",), trusted_proxies=("10.0.0.5",))
    app = create_app(settings)
    https = {"X-Forwarded-Proto": "https"}
    with TestClient(app, client=("10.0.0.5", 1)) as proxy:
        assert "strict-transport-security" in proxy.get("/", headers=https).headers
        assert "strict-transport-security" not in proxy.get("/").headers
    with TestClient(app, client=("203.0.113.9", 1)) as direct:
        assert "strict-transport-security" not in direct.get("/", headers=https).headers


@pytest.mark.parametrize(("method", "path"), [("POST", "/api/sync/push/"), ("GET", "/api/sync/pull/"),
                                              ("GET", "/api/openapi.json/"), ("POST", "/api/enrol/")])
def test_an_api_path_with_a_trailing_slash_is_an_envelope_not_a_redirect(client: TestClient, method: str,
                                                                         path: str) -> None:
    response = client.request(method, path, headers={"Host": "evil.example"}, follow_redirects=False)
    body = assert_envelope(response, 404, "trailing_slash")
    assert "location" not in response.headers
    assert path.rstrip("/") in body["error"] and "evil" not in response.text


def test_a_page_path_with_a_trailing_slash_redirects_without_the_host(app_with_extra_routes: TestClient) -> None:
    with app_with_extra_routes as client:
        response = client.get("/probe/?x=1", headers={"Host": "evil.example"}, follow_redirects=False)
        assert response.status_code in (307, 308)
        assert response.headers["location"] == "/probe?x=1"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_api_root_itself_is_an_envelope_not_a_redirect(client: TestClient, method: str) -> None:
    # /api is an API path (a script that dropped the rest of the address): a redirect to /api/
    # would resend a POST's body, and the answer must be the envelope a program can read.
    response = client.request(method, "/api", content=b"{}", headers={"content-type": "application/json"},
                              follow_redirects=False)
    assert_envelope(response, 404)
    assert "location" not in response.headers
    assert response.headers["cache-control"] == "no-store"
