"""A real ``banxing serve`` process on a free loopback port, over a real SQLite file."""
from __future__ import annotations

import contextlib
import json
import os
import pathlib
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright

BANXING = str(pathlib.Path(sys.executable).parent / "banxing")
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
]
# Chromium in Chinese, as on the volunteers' phones. A context's locale only sets navigator.language and
# Intl; a date input draws 年/月/日 (or mm/dd/yyyy) in the browser's own language, which on Linux comes
# from LANGUAGE (--lang is ignored there) and needs Debian's chromium-l10n.
CHROMIUM_ENV = {**os.environ, "LANGUAGE": "zh_CN"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(db: pathlib.Path, *args: str) -> str:
    """Run a ``banxing`` command against ``db`` and return its stdout."""
    done = subprocess.run([BANXING, *args, "--db", str(db)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@dataclass
class ServerProcess:
    """One ``banxing serve`` child process; ``restart`` reuses the same database and keys."""

    db: pathlib.Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    log: Any = None
    nofile: int | None = None  # a lower limit of open file descriptors for the server process

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, same_port: bool = False) -> None:
        """Start the server; ``same_port`` reuses the last port (a phone's origin must not change)."""
        if not (same_port and self.port):
            self.port = free_port()
        env = {**os.environ, "BANXING_SECRET_KEYS": "e2e-key", **self.env}
        self._close_log()
        self.log = open(self.log_path, "ab")
        nofile = self.nofile

        def limit() -> None:
            if nofile is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        self.proc = subprocess.Popen(
            [BANXING, "serve", "--db", str(self.db), "--port", str(self.port)],
            env=env, stdout=subprocess.DEVNULL, stderr=self.log, preexec_fn=limit,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(self.url + "/api/openapi.json", timeout=1):
                    return
            except (urllib.error.URLError, ConnectionError, OSError):
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("server did not start: " + self.stderr()) from None
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, as when a phone-mast power cut hits the server."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._close_log()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close_log()

    @property
    def log_path(self) -> pathlib.Path:
        return self.db.parent / "server.log"

    def _close_log(self) -> None:
        if self.log is not None:
            self.log.close()
            self.log = None

    def stderr(self) -> str:
        """What the server wrote to stderr so far (for failure messages and lock checks)."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def request(self, method: str, path: str, body: Any = None, token: str | None = None,
                timeout: float = 30) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("content-type", "application/json")
        if token:
            req.add_header("authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[pathlib.Path, list[dict[str, str]]]:
    """A demo county loaded once per session by the real CLI; tests copy the file."""
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    users = json.loads(cli(db, "demo", "--json"))["users"]
    return db, users


@contextlib.contextmanager
def demo_server(folder: pathlib.Path, demo_db: tuple[pathlib.Path, list[dict[str, str]]],
                env: dict[str, str] | None = None) -> Iterator[ServerProcess]:
    """A copy of the demo county in ``folder``, served by a real process while the block runs."""
    db = folder / "banxing.db"
    shutil.copy(demo_db[0], db)
    proc = ServerProcess(db, env=env or {})
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
def server(tmp_path: pathlib.Path, demo_db: tuple[pathlib.Path, list[dict[str, str]]]) -> Iterator[ServerProcess]:
    """A fresh copy of the demo county served by a real process."""
    with demo_server(tmp_path, demo_db) as proc:
        yield proc


def enrol(server: ServerProcess, login: str, device_name: str = "测试手机") -> dict[str, Any]:
    """Enrol a device for ``login`` through the real API (a fresh code from the CLI); the enrolment answer."""
    code = json.loads(cli(server.db, "enrol-code", "--user", login, "--json"))["code"]
    status, body = server.request("POST", "/api/enrol", {"code": code, "device_name": device_name})
    assert status == 200, body
    return body


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Debian Chromium per test module (Debian's package, never `playwright install`); each test
    opens its own context. tests/js/conftest.py lends it to the JS module tests.

    Module-scoped, not session-scoped: while Playwright's sync API is open it keeps an asyncio
    loop marked as running on the main thread, which later ``asyncio.run`` calls (tests/http/test_store.py
    makes them) would trip on.
    """
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}: `make test` installs Debian's chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, env=CHROMIUM_ENV)
        yield b
        b.close()


@pytest.fixture(scope="module")
def module_server(tmp_path_factory: pytest.TempPathFactory,
                  demo_db: tuple[pathlib.Path, list[dict[str, str]]]) -> Iterator[ServerProcess]:
    """One copy of the demo county served for a whole module: tests use different demo mentors."""
    with demo_server(tmp_path_factory.mktemp("module"), demo_db) as proc:
        yield proc


@pytest.fixture
def phones(browser: Browser) -> Iterator[Any]:
    """``phones.new(server)`` makes a 390×844 phone (its own storage); all are closed afterwards."""
    from .phone import Phones

    made = Phones(browser)
    yield made
    made.close()
