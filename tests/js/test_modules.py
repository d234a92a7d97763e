"""The phone app's ES modules, tested inside Debian Chromium (no Node, no bundler).

Each ``tests/js/*.test.js`` file registers tests with ``test(name, fn)`` from ``harness.js``;
this runner serves ``pwa/`` at ``/app/`` and ``tests/js/`` at ``/tests/js/`` from a small
static server, opens one fresh browser context per file (fresh IndexedDB), runs the file's
tests in the page and reports each as its own pytest test.
"""
from __future__ import annotations

import functools
import http.server
import pathlib
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser

ROOT = pathlib.Path(__file__).resolve().parents[2]
HERE = pathlib.Path(__file__).resolve().parent
FILES = sorted(HERE.glob("*.test.js"))
TEST_NAME = re.compile(r"^test\('((?:[^'\\]|\\.)+)'", re.M)

pytestmark = pytest.mark.e2e


def _cases() -> list[tuple[str, str]]:
    return [(path.name, name.replace("\\'", "'"))
            for path in FILES for name in TEST_NAME.findall(path.read_text(encoding="utf-8"))]


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript",
                      ".webmanifest": "application/manifest+json"}

    def translate_path(self, path: str) -> str:
        path = path.split("?", 1)[0]
        if path.startswith("/app/"):
            return str(ROOT / "pwa" / path.removeprefix("/app/"))
        if path.startswith("/tests/js/"):
            return str(HERE / path.removeprefix("/tests/js/"))
        return str(HERE / "nothing-here")

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


@pytest.fixture(scope="module")
def static_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


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
    """The Chinese labels the app shows are the ones sync/entities.py defines."""
    from sync import entities

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
        assert labels[name] == getattr(entities, name), name
    assert labels["KINDS"] == entities.ACTIVITY_KINDS
    for entity, fields in labels["FIELD_LABELS"].items():
        for field, label in fields.items():
            if field.startswith("_"):
                continue
            assert entities.ENTITIES[entity].by_name[field].label == label, f"{entity}.{field}"
