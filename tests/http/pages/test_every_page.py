"""Rules every page of the URL map obeys, checked by walking the map (a new page is covered the
day it is added):

- not signed in, every page off /api/ (but the public ones) redirects to /login and comes back;
- every state-changing form off /api/ without a valid CSRF token gets 403 and changes nothing;
- a signed-in page that shows a record of another unit answers 404 (tested per page family).
"""
from __future__ import annotations

import re

import pytest
from starlette.routing import BaseRoute, Mount, Route

from server.config import Settings
from server.paths import resolve
from server.routes import build_routes

from ...factories import table_counts
from .conftest import Site

PUBLIC = {"/", "/login"}
FAKE_ID = "01900000-0000-7000-8000-000000000000"


def _routes() -> list[tuple[str, set[str]]]:
    out: list[tuple[str, set[str]]] = []

    def walk(routes: list[BaseRoute], prefix: str) -> None:
        for route in routes:
            if isinstance(route, Route):
                out.append((prefix + route.path, set(route.methods or ())))
            elif isinstance(route, Mount) and route.routes:
                walk(list(route.routes), prefix + route.path)

    walk(build_routes(Settings(), resolve()), "")
    return [(path, methods) for path, methods in out if not path.startswith("/api/")]


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", FAKE_ID, path)


GET_PAGES = sorted({_concrete(p) for p, m in _routes() if "GET" in m and p not in PUBLIC})
POST_FORMS = sorted({_concrete(p) for p, m in _routes() if "POST" in m})


def test_the_api_is_matched_first_and_no_page_shadows_it() -> None:
    """Phones' requests skip the page table; that is safe only while no page path begins /api."""
    first, *pages = build_routes(Settings(), resolve())
    assert isinstance(first, Mount) and first.path == "/api"
    assert not [p for p in pages if getattr(p, "path", "").startswith("/api")]


@pytest.mark.parametrize("path", GET_PAGES)
def test_every_page_sends_strangers_to_the_login_page(site: Site, path: str) -> None:
    response = site.browser().get(path)
    assert response.status_code == 303, f"{path} answered {response.status_code} without a sign-in"
    assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("path", POST_FORMS)
def test_every_form_refuses_a_post_without_its_csrf_token(site: Site, path: str) -> None:
    browser = site.as_(site.w.admin)
    before = site.read(table_counts)
    response = browser.post(path, {"name": "x"}, token="forged")
    assert response.status_code == 403, f"POST {path} answered {response.status_code} without a CSRF token"
    after = site.read(table_counts)
    changed = {t for t in before if before[t] != after[t] and t not in ("web_sessions", "login_failures")}
    assert not changed, f"POST {path} without a token changed {changed}"
