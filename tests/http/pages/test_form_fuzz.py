"""Generated posts to every web form (off /api/): never a 5xx, never a traceback, a friendly Chinese
page for every refusal, and nothing written when the answer refuses.

The forms are found, not listed: every POST route of the URL map (``build_routes``) is looked for on
the pages that may show it (its own GET page and its parent's), opened with real ids as each person
who uses the web (the admin, the county reviewer, a town's, a station's and a school's staff, an
account still to choose its own password, and for /login a browser signed in as nobody), and read
for their fields and the values they post as shown. Hypothesis then posts them back with one, two
or every field changed: emptied, left out, repeated or unknown; values from a hostile alphabet
(10,000 characters, lone surrogates sent as raw bytes, NUL and control characters, full-width and
Arabic-Indic digits, huge and negative numbers, impossible dates, ids of the wrong shape) or
mutated from the form's own values, so that many posts pass the first checks and reach the write
path. A second strategy posts the same forms to ids of records the person may not see, and
made-up ones; a third uploads generated files to the forms that take one (children/volunteers
XLSX import, phone export) and, where the preview offers 确认导入, sends that back (as shown, or
with its signed payload damaged) twice.

A refused post (4xx) may still change, by design, the tables in ``CHANGES_ON_EVERY_REQUEST`` and add
a ``rejected`` answer to ``sync_audit``; ``db_snapshot`` already leaves out device bookkeeping.

``make test`` runs ``FUZZ_EXAMPLES`` (default 30) times a few examples per strategy, about 330 in
all (under 30 s); ``make fuzz`` runs 1,100 times as many a strategy, more than 12,000.
"""
from __future__ import annotations

import hashlib
import io
import json
import pathlib
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote_from_bytes

import httpx2 as httpx
import openpyxl
import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from sync import Actor, new_id

from ...factories import db_snapshot, make_user, table_counts
from .conftest import Browser, Site, password_hash
from .fuzzing import (
    CHINESE,
    GET_ROUTES,
    NASTY,
    ROLES,
    TRACE,
    Brief,
    as_bytes,
    concrete,
    drawn_with_fixed_seed,
    failure_is_reported,
    fuzz_settings,
    fuzz_site,
    hostile_text,
    mutated,
    route_pattern,
    web_routes,
)
from .test_imports import xlsx

# Tables a refused post may still change, by design: each request of a signed-in person touches its
# session (last seen); opening a child's record, even on a form shown again with an error, is logged
# for the county to review; wrong passwords are counted for the lockout.
CHANGES_ON_EVERY_REQUEST = ("web_sessions", "access_log", "throttle", "login_failures")

NOT_FUZZED = {"/logout"}  # it has no field but the token, and signs the fuzzing browser out by design


# -- the forms, as the pages show them -------------------------------------------------------------

@dataclass
class Control:
    name: str
    kind: str  # input type, "select", "textarea", "button"
    values: list[str]  # every value the page offers (options, checkboxes, buttons)
    default: list[str] = field(default_factory=list)  # what the page posts as shown (checked, selected)


@dataclass
class Form(Brief):
    role: str
    page: str
    action: str
    route: str
    controls: list[Control] = field(default_factory=list)

    @property
    def files(self) -> list[str]:
        return [c.name for c in self.controls if c.kind == "file"]

    def __repr__(self) -> str:  # hypothesis prints the drawn form on a failure
        return f"Form({self.role} {self.action} from {self.page}: {[c.name for c in self.controls]})"


class _FormReader(HTMLParser):
    """The forms of ``method`` on a page (POST for the fuzzers; GET for test_scope_crawl.py's filters)."""

    def __init__(self, page: str, method: str = "post") -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.method = method
        self.forms: list[tuple[str, list[Control]]] = []  # (action, controls) of each form of that method
        self._form: list[Control] | None = None
        self._select: Control | None = None
        self._textarea: Control | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == self.method:
            self._form = []
            self.forms.append((a.get("action") or self.page, self._form))
        elif tag == "option" and self._select is not None:
            self._select.values.append(a.get("value", ""))
            if "selected" in a or not self._select.default:
                self._select.default = [a.get("value", "")]
        elif self._form is None or "name" not in a:
            return
        elif tag == "input" and a.get("type", "text") not in ("submit", "reset", "image"):
            kind = "number" if a.get("inputmode") == "numeric" else "tel" if a.get("inputmode") == "tel" else \
                a.get("type", "text")
            shown = kind not in ("checkbox", "radio") or "checked" in a
            self._add(a["name"], kind, a.get("value", "on" if kind == "checkbox" else ""), shown)
        elif tag == "button":
            self._add(a["name"], "button", a.get("value", ""), False)
        elif tag == "select":
            self._select = self._add(a["name"], "select", None, False)
        elif tag == "textarea":
            self._textarea = self._add(a["name"], "textarea", "", True)

    def _add(self, name: str, kind: str, value: str | None, shown: bool) -> Control:
        assert self._form is not None
        control = next((c for c in self._form if c.name == name), None)
        if control is None:
            control = Control(name, kind, [])
            self._form.append(control)
        if value is not None and value not in control.values:
            control.values.append(value)
        if value is not None and shown:
            control.default.append(value)
        return control

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.values[-1] += data
            self._textarea.default[-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


POST_ROUTES = sorted(p for p, m in web_routes() if "POST" in m and p not in NOT_FUZZED)


def route_of(action: str) -> str | None:
    path = re.split(r"[?#]", action)[0]
    return next((r for r in POST_ROUTES if route_pattern(r).match(path)), None)


def _pages_showing(route: str) -> list[str]:
    """The GET routes that may show the form of ``route``: its own page, else its parent's."""
    parent = route.rsplit("/", 1)[0] or "/"
    return [r for r in GET_ROUTES if r in (route, parent)]


# -- the site, built once for the module -----------------------------------------------------------

@dataclass
class Fuzzed(Brief):
    site: Site
    browsers: dict[str, Browser]
    forms: list[Form]
    ids: dict[str, list[str]]
    template_xlsx: dict[str, bytes]
    volunteer: Actor
    tokens: dict[str, str]

    def __repr__(self) -> str:
        return f"Fuzzed({len(self.forms)} forms)"


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    def populate(db: Any, w: Any) -> None:
        # A form shown only in some states: an account whose password someone else set
        # (/account/new-password); the risk flag to handle on /staff is fuzz_site's.
        w.new_staff = make_user(db, "staff", w.st22, name="新干事", password_hash=password_hash())

    path: pathlib.Path = tmp_path_factory.mktemp("formfuzz") / "forms.db"
    with fuzz_site(path, "form-fuzz", populate) as (site, browsers, ids):
        w = site.w
        # The fuzz must not switch off or demote the accounts it posts as.
        signed_in = {getattr(w, role).user_id for role in ROLES}
        ids["user_id"] = [i for i in ids["user_id"] if i not in signed_in]
        forms = _discover(browsers, ids)
        templates = {kind: browsers["staff_st11"].get(f"/{kind}/import/template.xlsx").content
                     for kind in ("mentees", "mentors")}
        tokens = {role: browser.token(next(f.page for f in forms if f.role == role))
                  for role, browser in browsers.items()}
        yield Fuzzed(site, browsers, forms, ids, templates, w.mentor1, tokens)


def _discover(browsers: dict[str, Browser], ids: dict[str, list[str]]) -> list[Form]:
    found: dict[tuple[str, str], Form] = {}
    for role, browser in browsers.items():
        pages = {page for route in POST_ROUTES for get in _pages_showing(route) for page in concrete(get, ids)}
        for page in sorted(pages):
            response = browser.get(page)
            if response.status_code != 200 or "text/html" not in response.headers.get("content-type", ""):
                continue
            reader = _FormReader(page)
            reader.feed(response.text)
            for action, controls in reader.forms:
                route = route_of(action)
                if route is None or (role, action) in found:
                    continue
                found[(role, action)] = Form(role, page, action, route, controls)
    return sorted(found.values(), key=lambda f: (f.route, f.role, f.action))


def test_every_form_of_the_url_map_is_found_on_a_page(fuzzed: Fuzzed) -> None:
    """A form the crawl cannot find would go unfuzzed: every POST route shows up for some role."""
    missing = set(POST_ROUTES) - {f.route for f in fuzzed.forms}
    assert not missing, f"no page shows a form posting to {sorted(missing)}"


# -- hostile values --------------------------------------------------------------------------------

PLAUSIBLE = {"date": "2026-11-25", "number": "5", "text": "模糊测试", "textarea": "模糊测试：家访一小时。",
             "tel": "13800000000"}


def own_values(control: Control) -> list[str]:
    """The values the page offers for ``control``; an empty field gets one a person might type."""
    if "password" in control.name:
        return [v for v in control.values if v] or ["fuzz-pass-2026"]
    if control.name == "login":
        return [v for v in control.values if v] or ["fuzz.user"]
    return [v for v in control.values if v] or [PLAUSIBLE.get(control.kind, "")]


def as_shown(control: Control) -> list[str]:
    """What the control posts when the person leaves it as shown (a form's first button is the click)."""
    if control.kind == "button" or control.kind == "radio" and not control.default:
        return control.values[:1]
    if control.kind in ("checkbox", "radio", "select", "hidden") or any(control.default):
        return control.default
    return own_values(control)


def values_for(control: Control) -> st.SearchStrategy[list[str]]:
    """What one changed control posts: something hostile or mutated from its own value; it may be
    left out (an empty list) or sent twice."""
    own = own_values(control)
    one = st.one_of(st.sampled_from(own).flatmap(mutated), st.sampled_from(NASTY), hostile_text)
    if control.kind in ("checkbox", "button", "radio", "hidden", "select"):
        one = st.one_of(st.sampled_from(own), one)
    return st.one_of(one.map(lambda v: [v]), st.just([]), st.lists(one, min_size=2, max_size=3))


@st.composite
def posted_fields(draw: st.DrawFn, form: Form) -> list[tuple[str, str]]:
    """The form as the page fills it in, with one, two or every control changed: a post that differs
    from a good one in a field or two reaches the deep checks and the write path."""
    controls = [c for c in form.controls if c.name != "csrf_token" and c.kind != "file"]
    names = [c.name for c in controls]
    every = draw(st.booleans()) if names else True
    changed = set(names) if every else set(draw(st.lists(st.sampled_from(names), min_size=1, max_size=2)))
    out: list[tuple[str, str]] = []
    for control in controls:
        if control.name not in changed:
            out += [(control.name, value) for value in as_shown(control)]
        else:
            out += [(control.name, value) for value in draw(values_for(control))]
    for _ in range(draw(st.integers(0, 2))):
        out.append((draw(st.sampled_from(["x", "id", "unit_id", "version", "deleted", "__proto__", "csrf_token[]"])),
                    draw(st.sampled_from(NASTY))))
    return out


# -- posting ---------------------------------------------------------------------------------------

def urlencoded(fields: list[tuple[str, str]]) -> tuple[bytes, str]:
    body = "&".join(quote_from_bytes(as_bytes(k)) + "=" + quote_from_bytes(as_bytes(v)) for k, v in fields)
    return body.encode(), "application/x-www-form-urlencoded"


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]] | None = None) -> tuple[bytes, str]:
    # Drawn from what it parts, not at random: a failing post replays byte for byte.
    boundary = "fuzz" + hashlib.sha256(repr((fields, files)).encode("utf-8", "surrogatepass")).hexdigest()[:32]
    parts = [b"--" + boundary.encode() + b'\r\nContent-Disposition: form-data; name="' + as_bytes(k)
             + b'"\r\n\r\n' + as_bytes(v) + b"\r\n" for k, v in fields]
    parts += [b"--" + boundary.encode() + b'\r\nContent-Disposition: form-data; name="' + as_bytes(name)
              + b'"; filename="' + as_bytes(filename) + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
              + data + b"\r\n" for name, filename, data in files or []]
    return b"".join(parts) + b"--" + boundary.encode() + b"--\r\n", f"multipart/form-data; boundary={boundary}"


def digest(site: Site) -> dict[str, str]:
    def changes(db: Any) -> dict[str, Any]:
        # The write path keeps its answer to every mutation it was sent, a refusal included (a form
        # sent twice gets the same answer): a refused post may add a ``rejected`` row, never a change.
        kept = db.execute("SELECT * FROM sync_audit WHERE status IN ('applied', 'merged', 'conflict')"
                          " ORDER BY rowid").fetchall()
        return {**db_snapshot(db), "sync_audit": kept}

    snapshot = site.read(changes)
    return {table: hashlib.sha256(repr(rows).encode()).hexdigest() for table, rows in snapshot.items()
            if table not in CHANGES_ON_EVERY_REQUEST}


def post(fuzzed: Fuzzed, form: Form, action: str, body: bytes, content_type: str, *,
         writes_nothing: bool = False) -> httpx.Response:
    browser = fuzzed.browsers[form.role]
    token = fuzzed.tokens[form.role]  # a record's page may be gone (a generated post deleted it)
    fields, tail = (b"csrf_token=" + token.encode(), b"&") if content_type.startswith("application") else (b"", b"")
    if content_type.startswith("multipart"):
        boundary = content_type.split("boundary=")[1].encode()
        fields = (b"--" + boundary + b'\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
                  + token.encode() + b"\r\n")
    before = digest(fuzzed.site)
    response = browser.client.post(action, content=fields + tail + body, headers={"content-type": content_type},
                                   follow_redirects=False)
    if currently_in_test_context():
        event(f"{form.route} {response.status_code}")  # --hypothesis-show-statistics: how deep posts reach
    check(fuzzed, form, action, response, before, writes_nothing)
    return response


def check(fuzzed: Fuzzed, form: Form, action: str, response: httpx.Response, before: dict[str, str],
          writes_nothing: bool) -> None:
    where = f"{form.role} POST {action}"
    assert response.status_code < 500, f"{where} answered {response.status_code}: {response.text[-2000:]}"
    text = response.text if "text/" in response.headers.get("content-type", "") else ""
    assert not TRACE.search(text), f"{where} shows Python: {TRACE.search(text)}"
    if response.status_code == 303 and form.role != "stranger":
        assert not response.headers["location"].startswith("/login"), f"{where} signed the person out"
    if response.status_code >= 400:
        assert CHINESE.search(text), f"{where} refused ({response.status_code}) without a page in Chinese"
    if response.status_code >= 400 or writes_nothing:
        after = digest(fuzzed.site)
        changed = sorted(t for t in before if before[t] != after.get(t))
        assert not changed, f"{where} answered {response.status_code} and changed {changed}"


def field_forms(fuzzed: Fuzzed) -> list[Form]:
    return [f for f in fuzzed.forms if not f.files]


# -- the tests ---------------------------------------------------------------------------------------

@st.composite
def a_post(draw: st.DrawFn, fuzzed: Fuzzed) -> tuple[Form, bytes, str]:
    form = draw(st.sampled_from(field_forms(fuzzed)), label="form")
    fields = draw(posted_fields(form), label="fields")
    body, content_type = draw(st.sampled_from([urlencoded, multipart]), label="encoding")(fields)
    return form, body, content_type


@fuzz_settings(6)
@given(data=st.data())
def test_generated_posts_to_every_form_get_no_5xx_and_refusals_write_nothing(fuzzed: Fuzzed, data: st.DataObject
                                                                              ) -> None:
    form, body, content_type = data.draw(a_post(fuzzed), label="post")
    post(fuzzed, form, form.action, body, content_type)


MADE_UP_IDS = ["01900000-0000-7000-8000-000000000000", "0", "-1", "x" * 300, "%00", "%ED%A0%80", "..%2F..",
               "%EF%BC%91", new_id().upper(), " " + new_id(), "01900000-0000-7000-8000-00000000000g"]


@st.composite
def a_post_elsewhere(draw: st.DrawFn, fuzzed: Fuzzed) -> tuple[Form, str, bytes, str]:
    """A form of a record's page, sent to another unit's record of the same kind or a made-up id."""
    form = draw(st.sampled_from([f for f in field_forms(fuzzed) if "{" in f.route]), label="form")
    param = re.findall(r"\{([^}]+)\}", form.route)[0]
    seen = {f.action for f in fuzzed.forms if f.role == form.role and f.route == form.route}
    others = [i for i in fuzzed.ids[param] if concrete(form.route, {param: [i]})[0] not in seen]
    record = draw(st.sampled_from(others + MADE_UP_IDS) if others else st.sampled_from(MADE_UP_IDS), label="id")
    action = form.route.replace("{" + param + "}", record)
    as_filled = [(c.name, v) for c in form.controls if c.kind != "file" for v in as_shown(c)]
    fields = draw(st.one_of(posted_fields(form), st.just(as_filled)), label="fields")
    return form, action, *urlencoded([f for f in fields if f[0] != "csrf_token"])


@fuzz_settings(3)
@given(data=st.data())
def test_forms_posted_to_others_and_made_up_ids_get_no_5xx_and_write_nothing(fuzzed: Fuzzed, data: st.DataObject
                                                                             ) -> None:
    """A form of a record's page, posted to another unit's record of the same kind (which the person
    may not see) or to an id that is no record: refused in Chinese, nothing written."""
    form, action, body, content_type = data.draw(a_post_elsewhere(fuzzed), label="post")
    # A record the person had no form for when the crawl ran is out of their reach (another unit's), no
    # record at all, or one whose state has changed since: a generated post may have deleted the one
    # class of a station's 骨干学生 register, and the town's staff may then add it again. So the page is
    # asked again now, as the person would see it.
    post(fuzzed, form, action, body, content_type, writes_nothing=not in_reach_now(fuzzed, form, action))


def in_reach_now(fuzzed: Fuzzed, form: Form, action: str) -> bool:
    """Whether the page that showed ``form``, naming the record of ``action`` instead, now shows its role
    a form that posts to ``action``."""
    record = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(form.route)) + "$")
    shown, sent = record.match(form.action), record.match(action)
    if shown is None or sent is None or shown.group(1) not in form.page:
        return False
    page = form.page.replace(shown.group(1), sent.group(1))
    response = fuzzed.browsers[form.role].get(page)
    if response.status_code != 200:
        return False
    reader = _FormReader(page)
    reader.feed(response.text)
    return any(shown_action == action for shown_action, _ in reader.forms)


# -- uploads ---------------------------------------------------------------------------------------

def template_headers(data: bytes) -> list[str]:
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    first = next(sheet.iter_rows(max_row=1, values_only=True), ())
    return [str(v) for v in first if v is not None]


# Zip members and a workbook's properties carry the time they were written: stamped with this one
# instead, the same draws give the same bytes, and a failing upload replays as it was sent.
SAVED_AT = (2026, 11, 30, 8, 15, 0)


def a_zip(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(zipfile.ZipInfo(name, date_time=SAVED_AT), data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def steady_xlsx(headers: list[str], rows: list[list[Any]]) -> bytes:
    data = xlsx(headers, rows)
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        members = [(name, book.read(name)) for name in book.namelist()]
    stamp = "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z".format(*SAVED_AT).encode()
    return a_zip([(name, re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp, data) if name == "docProps/core.xml"
                   else data) for name, data in members])


def storable(text: str) -> str:
    """What an XLSX file can hold of ``text``: no control characters, no lone surrogates."""
    return ILLEGAL_CHARACTERS_RE.sub("", text).encode("utf-8", "ignore").decode()


cell = st.one_of(st.sampled_from(NASTY).map(storable), hostile_text.map(storable), st.integers(-(10**20), 10**20),
                 st.floats(), st.booleans(), st.dates(), st.none())


@st.composite
def good_row(draw: st.DrawFn, headers: list[str]) -> list[Any]:
    """A row a person might fill in (the required columns only), with at most one cell hostile."""
    row: list[Any] = [None] * len(headers)
    for i, header in enumerate(headers):
        if "必填" in header:
            row[i] = "1390000" + str(draw(st.integers(1000, 9999))) if "电话" in header or "手机" in header else \
                "测试" + "甲乙丙丁戊己庚辛"[draw(st.integers(0, 7))]
    if draw(st.booleans()):
        row[draw(st.integers(0, len(headers) - 1))] = draw(cell)
    return row


# A new id for each upload, drawn: a replayed upload sends the same bytes.
fresh_id = st.integers(0, 2**48 - 1).map(lambda n: f"019{n >> 32:05x}-{n >> 16 & 0xffff:04x}-7{n & 0xfff:03x}-8000-"
                                                  f"{n:012x}")


@st.composite
def upload_body(draw: st.DrawFn, fuzzed: Fuzzed, form: Form) -> tuple[str, bytes]:
    kind = "mentors" if form.route.startswith("/mentors") else "mentees"
    if form.route == "/activities/phone-import":
        valid = json.dumps({"app": "banxing", "exported_at": "2026-11-30T08:15:00.000Z", "device_id": draw(fresh_id),
                            "user": {"id": fuzzed.volunteer.user_id, "name": "王老师"}, "items": [
                                {"state": "unsent", "mutation_id": draw(st.integers(-5, 10**20)), "entity":
                                 draw(st.sampled_from(["activity", "mentee", "x", ""])), "record_id":
                                 draw(st.one_of(fresh_id, st.sampled_from(["x", ""]))), "op": draw(st.sampled_from(
                                     ["upsert", "delete", "?"])), "base_version": draw(st.sampled_from([None, 0, -1,
                                                                                                         "1"])),
                                 "created_at": draw(st.sampled_from(NASTY[22:28])),
                                 "fields": {"pairing_id": draw(st.sampled_from(fuzzed.ids["pairing_id"] + NASTY[:5])),
                                            "kind": "home_visit", "date": draw(st.sampled_from(NASTY[22:28])),
                                            "record": draw(st.sampled_from(NASTY))}}]},
                           ensure_ascii=False).encode("utf-8", "surrogatepass")
        name = "伴行未同步记录.json"
    else:
        headers = template_headers(fuzzed.template_xlsx[kind])
        rows = draw(st.one_of(st.lists(st.lists(cell, min_size=len(headers), max_size=len(headers)), max_size=4),
                              st.lists(good_row(headers), min_size=1, max_size=3)))
        valid = steady_xlsx(draw(st.sampled_from([headers, headers[::-1], headers[:1], ["?"]])), rows)
        name = "名单.xlsx"
    choice = draw(st.sampled_from(["valid", "valid", "valid", "empty", "truncated", "renamed", "zip", "garbage",
                                   "oversize"]))
    if choice == "truncated":  # a share of the file
        data = valid[: len(valid) * draw(st.integers(0, 99)) // 100]
    elif choice == "zip":
        data = a_zip([(draw(st.sampled_from(["a.txt", "xl/workbook.xml", "[Content_Types].xml"])), b"<x/>")])
    elif choice == "garbage":
        data = draw(st.binary(max_size=200))
    else:
        data = {"valid": valid, "empty": b"", "renamed": "姓名,性别\n小明,男\n".encode(),
                "oversize": b"PK\x03\x04" + b"\0" * (6 * 1024 * 1024)}[choice]
    return draw(st.sampled_from([name, "a.txt", "", "../../x.xlsx", "\ud800.xlsx"])), data


@st.composite
def an_upload(draw: st.DrawFn, fuzzed: Fuzzed) -> tuple[Form, bytes, str, str | None]:
    """A file sent to a form that takes one, and how to damage the confirm its preview may offer."""
    form = draw(st.sampled_from([f for f in fuzzed.forms if f.files]), label="form")
    filename, content = draw(upload_body(fuzzed, form), label="file")
    fields = [(c.name, v) for c in form.controls if c.kind != "file" and c.name != "csrf_token" for v in as_shown(c)]
    # Drawn before posting: what is drawn must not hang on what the site answers.
    damage = draw(st.sampled_from([None, "cut", "flip", "empty"]), label="payload")
    return form, *multipart(fields, [(form.files[0], filename, content)]), damage


@fuzz_settings(2)
@given(data=st.data())
def test_generated_uploads_get_no_5xx_and_refusals_write_nothing(fuzzed: Fuzzed, data: st.DataObject) -> None:
    form, body, content_type, damage = data.draw(an_upload(fuzzed), label="upload")
    preview = post(fuzzed, form, form.action, body, content_type)
    reader = _FormReader(form.action)
    reader.feed(preview.text if preview.status_code == 200 else "")
    confirm = next(([c for c in controls if c.name != "csrf_token"] for action, controls in reader.forms
                    if route_of(action) == form.route and any(c.name == "payload" for c in controls)), None)
    if confirm is None:
        return
    # 确认导入 from the preview: as shown, or with its signed payload damaged; sent twice, it adds nothing.
    sent = [(c.name, v) for c in confirm for v in as_shown(c)]
    if damage is not None:
        sent = [(k, {"cut": v[: len(v) // 2], "flip": v[:-3] + v[-3:][::-1] + "x", "empty": ""}[damage]
                 if k == "payload" else v) for k, v in sent]
    for _ in range(2):
        before = fuzzed.site.read(table_counts)
        answer = post(fuzzed, form, form.action, *urlencoded(sent))
        event(f"{form.route} confirm ({damage or 'as shown'}) {answer.status_code}")
    after = fuzzed.site.read(table_counts)
    doubled = {t for t in ("mentees", "users", "activities", "pairings", "phone_import_ledger")
               if after[t] != before[t]}
    assert not doubled, f"{form.role} confirmed the same {form.route} preview twice: {doubled} grew twice"


def test_the_upload_forms_are_found(fuzzed: Fuzzed) -> None:
    assert {f.route for f in fuzzed.forms if f.files} >= {"/mentees/import", "/mentors/import",
                                                           "/activities/phone-import"}


def test_the_refusal_closing_forms_are_found_for_the_staff_who_may_close(fuzzed: Fuzzed) -> None:
    """不收进系统 posts to the phone-import route, so its forms are fuzzed only if the crawl finds them."""
    closing = {(f.role, f.action.split("#")[0]) for f in fuzzed.forms
               if any(c.name == "close_words" for c in f.controls)}
    assert closing >= {("staff_st11", "/activities/phone-import"), ("staff_town1", "/activities/phone-import")}
    assert not {role for role, _ in closing} & {"admin", "reviewer", "staff_st12"}


# -- the fuzz itself ---------------------------------------------------------------------------------

def test_the_same_choices_draw_the_same_posts(fuzzed: Fuzzed) -> None:
    """Hypothesis replays a failure from its choices to shrink and print it: drawn twice from the
    same choices, the posts are the same bytes, or the replay sends another and the failure is lost."""
    for strategy, examples in ((a_post(fuzzed), 50), (a_post_elsewhere(fuzzed), 25), (an_upload(fuzzed), 10)):
        assert drawn_with_fixed_seed(strategy, examples) == drawn_with_fixed_seed(strategy, examples), strategy


def test_a_failure_is_reported_with_the_post_that_found_it(fuzzed: Fuzzed) -> None:
    """A failure is shown as hypothesis' failing example, not as a ``FlakyStrategyDefinition``:
    its replay prints the test's arguments (the whole site) before drawing anything again."""
    failure_is_reported(fuzzed, a_post(fuzzed), "post")
