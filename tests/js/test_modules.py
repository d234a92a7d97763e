"""The phone app's ES modules, tested inside Debian Chromium (no Node, no bundler).

Each ``tests/js/*.test.js`` file registers tests with ``test(name, fn)`` from ``harness.js``;
this runner serves ``pwa/`` at ``/app/`` and ``tests/js/`` at ``/tests/js/`` from a small
static server, opens one fresh browser context per file (fresh IndexedDB), runs the file's
tests in the page and reports each as its own pytest test.

Every test runs twice: on the source (``source``) and on the files as the server sends them to
the phones, without comments and indentation (``shipped``, ``server/pwa_compact.py``), so that
what the compaction changes is tested as well as what it should leave alone.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import io
import pathlib
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser

from server.pwa import load_build

ROOT = pathlib.Path(__file__).resolve().parents[2]
HERE = pathlib.Path(__file__).resolve().parent
FILES = sorted(HERE.glob("*.test.js"))
TEST_NAME = re.compile(r"^test\('((?:[^'\\]|\\.)+)'", re.M)

pytestmark = pytest.mark.e2e


def _cases() -> list[tuple[str, str]]:
    return [(path.name, name.replace("\\'", "'"))
            for path in FILES for name in TEST_NAME.findall(path.read_text(encoding="utf-8"))]


class _Handler(http.server.SimpleHTTPRequestHandler):
    shipped: dict[str, bytes] | None = None  # the app's files as the server sends them; None: the source
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript",
                      ".webmanifest": "application/manifest+json"}

    def send_head(self) -> Any:
        name = self.path.split("?", 1)[0].removeprefix("/app/")
        if self.shipped is None or not self.path.startswith("/app/") or name not in self.shipped:
            return super().send_head()
        body = self.shipped[name]
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(name))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def translate_path(self, path: str) -> str:
        path = path.split("?", 1)[0]
        if path.startswith("/app/"):
            return str(ROOT / "pwa" / path.removeprefix("/app/"))
        if path.startswith("/tests/js/"):
            return str(HERE / path.removeprefix("/tests/js/"))
        return str(HERE / "nothing-here")

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


@contextlib.contextmanager
def _serve(shipped: bool) -> Iterator[str]:
    files = {name: asset.body for name, asset in load_build(ROOT / "pwa").assets.items()} if shipped else None
    handler = type("Handler", (_Handler,), {"shipped": files})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module", params=["source", "shipped"])
def static_url(request: pytest.FixtureRequest) -> Iterator[str]:
    with _serve(request.param == "shipped") as url:
        yield url


@pytest.fixture(scope="module")
def results(browser: Browser, static_url: str) -> dict[str, dict[str, str | None]]:
    """Every file's results, each file run once in its own context."""
    out: dict[str, dict[str, str | None]] = {}
    for path in FILES:
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
        try:
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
            page.goto(static_url + "/tests/js/index.html")
            out[path.name] = page.evaluate(
                "async (url) => (await import('/tests/js/harness.js')).run(url)", f"/tests/js/{path.name}")
            if errors:
                out[path.name]["(page errors)"] = "\n".join(errors)
        finally:
            context.close()
    return out


@pytest.mark.parametrize(("file", "name"), _cases(), ids=[f"{f}::{n}" for f, n in _cases()])
def test_js(results: dict[str, dict[str, str | None]], file: str, name: str) -> None:
    outcome = results[file]
    assert name in outcome, f"{name!r} did not run (its file failed to load?): {outcome}"
    assert outcome[name] is None, outcome[name]
    assert "(page errors)" not in outcome, outcome["(page errors)"]


def test_js_labels_match_the_sync_engine(browser: Browser, static_url: str) -> None:
    """The Chinese labels the app shows are the ones sync/labels.py and sync/entities.py define."""
    from sync import entities
    from sync import labels as sync_labels

    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(static_url + "/tests/js/index.html")
        labels = page.evaluate("""async () => {
          const s = await import('/app/js/strings.js');
          return {KINDS: s.KINDS, SIX_LINKS: s.SIX_LINKS, RISK_LEVELS: s.RISK_LEVELS, CATEGORIES: s.CATEGORIES,
                  GENDERS: s.GENDERS, APPROACHES: s.APPROACHES, REVIEW_STATUSES: s.REVIEW_STATUSES,
                  FIELD_LABELS: s.FIELD_LABELS};
        }""")
    finally:
        context.close()
    for name in ("SIX_LINKS", "RISK_LEVELS", "CATEGORIES", "GENDERS", "APPROACHES", "REVIEW_STATUSES"):
        assert labels[name] == getattr(sync_labels, name), name
    assert labels["KINDS"] == sync_labels.ACTIVITY_KINDS
    for entity, fields in labels["FIELD_LABELS"].items():
        for field, label in fields.items():
            if field.startswith("_"):
                continue
            assert entities.ENTITIES[entity].by_name[field].label == label, f"{entity}.{field}"


# Every text strings.js exports, its functions called with a few kinds of argument (their template
# literals filled in, a line's `+` continuation joined).
_TEXTS = """async () => {
  const s = await import('/app/js/strings.js');
  const samples = [['甲 乙', 2, 3], [0, ''], [{ server: '2041-03-01', phone: '2024-01-02' }]];
  const texts = (value) => {
    if (typeof value === 'function') {
      return samples.map((args) => { try { return value(...args); } catch (error) { return error.name; } });
    }
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, texts(item)]));
    }
    return value;
  };
  return texts({ ...s });
}"""


def test_js_every_text_the_phone_shows_is_shipped_as_written(browser: Browser) -> None:
    """The compaction leaves a template literal's spaces and line ends to the volunteer's screen."""
    texts = {}
    for shipped in (False, True):
        context = browser.new_context()
        try:
            with _serve(shipped) as url:
                page = context.new_page()
                page.goto(url + "/tests/js/index.html")
                texts[shipped] = page.evaluate(_TEXTS)
        finally:
            context.close()
    assert len(texts[False]["T"]) > 150
    assert texts[True] == texts[False]
