"""Rules every page of the URL map obeys, checked by walking the map (a new page is covered the
day it is added):

- not signed in, every page off /api/ (but the public ones) redirects to /login and comes back;
- every state-changing form off /api/ without a valid CSRF token gets 403 and changes nothing;
- a signed-in page that shows a record of another unit answers 404 (tested per page family).
"""
from __future__ import annotations

import re

import pytest
from starlette.routing import Mount

from server.config import Settings
from server.paths import resolve
from server.routes import build_routes, url_map
from sync.system import SYSTEM
from sync.users import save_user

from ...factories import table_counts
from .conftest import Site

PUBLIC = {"/", "/login", "/favicon.ico"}
FAKE_ID = "01900000-0000-7000-8000-000000000000"


def _routes() -> list[tuple[str, frozenset[str]]]:
    return [(path, methods) for path, methods in url_map() if methods and not path.startswith("/api/")]


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


SIGNED_IN_PAGES = sorted(p for p in GET_PAGES if FAKE_ID not in p)


# The pages that write a child's file: the admin may not open them (CHILD_FILE), station staff do.
CHILD_FILE_PAGES = {"/mentees/new", "/mentees/import", "/mentees/import/template.xlsx", "/activities/phone-import",
                    "/donations/new"}


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_no_signed_in_page_may_be_kept_in_the_browsers_cache(site: Site, path: str) -> None:
    """Year summaries, inspection findings and return remarks are free text that can name a child:
    a station's shared computer must not show any signed-in page again from its history."""
    if path == "/account/new-password":  # shown only to an account whose password someone else set
        site.write(lambda db: save_user(db, SYSTEM, {"must_change_password": True}, user_id=site.w.admin.user_id))
    response = site.as_(site.w.staff_st11 if path in CHILD_FILE_PAGES else site.w.admin).get(path)
    assert response.status_code in (200, 400), f"{path} answered {response.status_code}"  # 400: a required filter
    assert response.headers.get("cache-control") == "no-store", f"{path} may be cached"


@pytest.mark.parametrize(("body", "content_type"), [
    ("&".join(f"f{i}=x" for i in range(3000)), "application/x-www-form-urlencoded"),  # too many fields
    ("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nx\r\n--b--\r\n",
     "multipart/form-data; boundary=b"),  # a file where the form takes none
    ("x", "multipart/form-data"),  # no boundary
])
def test_a_form_that_cannot_be_read_gets_a_chinese_400(site: Site, body: str, content_type: str) -> None:
    browser = site.as_(site.w.staff_st11)
    response = browser.client.post("/events/new", content=body.encode(), headers={"content-type": content_type})
    assert response.status_code == 400 and "提交的表单无法读取" in response.text
    assert not re.search(r"[Tt]oo many|[Mm]issing boundary|[Mm]aximum", response.text)


def test_a_client_that_hangs_up_mid_form_leaves_no_traceback_in_the_log(site: Site,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    import anyio

    browser = site.as_(site.w.staff_st11)
    token = browser.token("/events/new")
    cookie = "; ".join(f"{name}={value}" for name, value in browser.client.cookies.items())
    incoming = [{"type": "http.request", "body": f"csrf_token={token}&title=".encode(), "more_body": True},
                {"type": "http.disconnect"}]
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/events/new", "raw_path": b"/events/new", "root_path": "", "query_string": b"",
             "headers": [(b"host", b"testserver"), (b"cookie", cookie.encode()),
                         (b"content-type", b"application/x-www-form-urlencoded")],
             "client": ("127.0.0.1", 5000), "server": ("testserver", 80), "state": {}}
    with caplog.at_level("INFO"):
        anyio.run(site.app, scope, receive, send)
    assert sent and sent[0]["status"] == 400
    assert "client disconnected during POST /events/new" in caplog.text
    assert "Traceback" not in caplog.text and "unhandled error" not in caplog.text
