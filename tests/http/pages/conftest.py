"""Page tests: the real app in-process, a small county whose people can sign in, and a browser-like
client that keeps cookies and sends each form's CSRF token.

The county is ``tests.factories.make_county`` (县 → 2 towns → 2 stations/schools each, staff at
every level, a reviewer, an admin, three mentors with pairings and records); every account's
password is ``PASSWORD``.
"""
from __future__ import annotations

import functools
import html
import pathlib
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from unittest import mock

import argon2
import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from server import create_app, sessions
from server.config import Settings
from sync import Actor, connect

from ...factories import make_county

PASSWORD = "correct-horse-9"
TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def sentence(page: str) -> str:
    """A page's text as read, tags taken out: a message's days and codes come in one-line spans."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


# The server verifies a hash with the parameters written in it, so the county's accounts sign in
# at a thousandth of production's cost (at production's, the page tests spent a third of their time
# in argon2). server.auth.hash_password keeps the library's defaults: tests/test_fixtures.py checks.
CHEAP_HASHER = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Each call in a thread of its own, all let go together (two clerks posting the same form at once);
    their answers in the order of the calls."""
    start = threading.Barrier(len(calls))
    answers: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        start.wait()
        answers[i] = call()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


@functools.cache  # one hash for the whole run: every account of the county shares it
def password_hash() -> str:
    return CHEAP_HASHER.hash(PASSWORD)


@dataclass
class Browser:
    """One person's browser: its own cookie jar, signed in (or not), posting forms with their token."""

    client: TestClient

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, follow_redirects=False, **kwargs)

    def token(self, path: str = "/login") -> str:
        """The CSRF token a form on ``path`` carries for this browser."""
        match = TOKEN_RE.search(self.client.get(path).text)
        assert match, f"no csrf_token on {path}"
        return match.group(1)

    def post(self, path: str, data: dict[str, Any] | None = None, *, token: str | None = None,
             files: Any = None, form_page: str | None = None) -> httpx.Response:
        """POST a form as the page at ``form_page`` (default ``path``) would, CSRF token included."""
        fields = dict(data or {})
        fields.setdefault("csrf_token", token if token is not None else self.token(form_page or path))
        return self.client.post(path, data=fields, files=files, follow_redirects=False)

    def login(self, login: str, password: str = PASSWORD) -> httpx.Response:
        response = self.post("/login", {"username": login, "password": password}, form_page="/login")
        assert response.status_code == 303, response.text
        return response


@dataclass
class Site:
    app: Any
    w: Any  # the county (tests.factories.make_county)
    settings: Settings
    _clients: list[TestClient]

    def browser(self) -> Browser:
        client = TestClient(self.app, base_url="http://testserver")
        client.__enter__()
        self._clients.append(client)
        return Browser(client)

    def login_of(self, actor: Actor) -> str:
        return str(self.read(lambda db: db.execute("SELECT login FROM users WHERE id = ?",
                                                  [actor.user_id]).fetchone()[0]))

    def as_(self, actor: Actor) -> Browser:
        """A browser signed in as ``actor``."""
        browser = self.browser()
        browser.login(self.login_of(actor))
        return browser

    def read(self, fn: Any) -> Any:
        return self.app.state.banxing.store.read_now(fn)

    def write(self, fn: Any) -> Any:
        return self.app.state.banxing.store.write_now(fn)


@pytest.fixture(scope="session")
def county_file(tmp_path_factory: pytest.TempPathFactory,
                server_file: pathlib.Path) -> tuple[pathlib.Path, SimpleNamespace]:
    """The county built once per session on a copy of the migrated file (about half a second each
    time); ``site`` copies it."""
    path = tmp_path_factory.mktemp("county") / "pages.db"
    shutil.copyfile(server_file, path)
    db = connect(path)
    try:
        w = make_county(db, password_hash())  # the factories run their own transactions
    finally:
        db.close()
    assert not path.with_name(path.name + "-wal").exists(), "the copy must hold everything"
    return path, w


@pytest.fixture
def site(tmp_path: pathlib.Path, county_file: tuple[pathlib.Path, SimpleNamespace]) -> Iterator[Site]:
    settings = Settings(db_path=tmp_path / "pages.db", secret_keys=("test-key",))
    shutil.copyfile(county_file[0], settings.db_path)
    w = SimpleNamespace(**vars(county_file[1]))  # a test may add to its county's names
    app = create_app(settings)
    clients: list[TestClient] = []
    with TestClient(app):
        yield Site(app, w, settings, clients)
        for client in clients:
            client.__exit__(None, None, None)


def expire_session(site: Site, browser: Browser, hours_ago: float) -> None:
    """Make the browser's session cookie one signed ``hours_ago``, as the cookie of a session
    whose last page was that long ago (past ``session_hours``: expired, still in the browser)."""
    session_id = site.app.state.banxing.signers.serializer("session").loads(browser.client.cookies["bx_session"])
    then = time.time() - hours_ago * 3600
    with mock.patch("itsdangerous.timed.time.time", return_value=then):
        old = sessions.sign(site.app.state.banxing.signers, session_id)
    jar = browser.client.cookies.jar
    kept = next(c for c in jar if c.name == "bx_session")
    jar.clear(kept.domain, kept.path, kept.name)
    browser.client.cookies.set("bx_session", old, domain=kept.domain, path=kept.path)
