"""Generated query strings to every web page (GET, off /api/): never a 5xx, never a traceback, a
friendly Chinese page for every refusal, a redirect that stays on this site, and never another
unit's child.

The pages are found, not listed: every GET route of the URL map is opened with real ids in its path
as each person who uses the web (the admin, the county reviewer, a town's, a station's and a
school's staff, an account still to choose its own password) and signed out. A page that answers is
read, on every page the person opens, for the names the filters (GET forms) and links (pager,
period buttons, drill-downs) sent to it carry, with their values, and is also sent the names the
handlers read from ``request.query_params``. Hypothesis then sends it one of
its own links or none, with one to three names set to hostile values: emptied, repeated, 10,000
characters, percent-encoded invalid UTF-8 and lone surrogates, NUL, full-width and Arabic-Indic
digits, huge and negative numbers, impossible dates, ``../``, addresses off the site, ids of another
unit's records and made-up ones, or mutated from the page's own values; and names no page reads.

Signed out, every page sends the browser to /login with the address it asked for as ``next``: that
Location is built from the query and must stay a path on this site; no Location may name the Host
the request sent.

A child of 栟茶中学 (another town's school) carries a code, name, record and referral text, and a
form draft, found nowhere else: no answer to the staff of 掘港 (the town, its station, its school)
or to a stranger may show any of them, and no answer to the admin or the reviewer, who read
children by code, may show the name. Their ids are among the values sent (``?draft=`` included).

``make test`` runs ``FUZZ_EXAMPLES`` (default 30) times 10 queries, 300 in all; ``make fuzz`` runs
1,100 times as many.
"""
from __future__ import annotations

import io
import pathlib
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, quote_from_bytes, urlencode, urlsplit

import httpx2 as httpx
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from server.drafts import keep_draft

from ...factories import make_activity, make_device, make_mentee, make_pairing, make_user, mutate
from .conftest import Browser, Site, password_hash
from .fuzzing import (
    CHINESE,
    GET_ROUTES,
    NASTY,
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
)

# Out of reach of 栟茶中学, in the other town (new_staff, still to choose a password, is at 掘港中学).
OUT_OF_SCOPE = ("staff_town1", "staff_st11", "staff_st12", "new_staff", "stranger")

# The other unit's child: words that occur in no template, demo or other fixture.
LEAK_CODE, LEAK_NAME, LEAK_RECORD = "QZLEAK-77", "隔壁镇秘童", "隔壁镇家访记录：秘密内容"

# What the handlers read from ``request.query_params`` (grep server/pages/), sent to every page: a
# page may read a name that none of its links or filters shows.
READ_NAMES = ("active", "activity_id", "category", "conflict_id", "download", "draft", "event_id", "follow_up",
              "from", "half", "inspection_id", "kind", "lecture", "measure", "mentee_id", "mentor_id", "next", "page",
              "pairing_id", "period", "q", "referral_id", "return_id", "risk", "role", "screening", "state", "status",
              "target", "to", "unit", "unit_id", "user", "user_id", "year")
# The names a handler reads that no link or filter of the site sends (grep ``query_params.get``).
# The lists' search posts (pages/list_search.py); ``?q=`` is still read, for a link naming a code.
HANDLER_NAMES = {"/login": {"next": ["/mentees"]}, "/account/new-password": {"next": ["/mentees"]},
                 "/mentees": {"q": ["小明", "BX-"]}, "/pairings": {"q": ["小明", "BX-"]}}
UNKNOWN_NAMES = ("x", "page[]", "__proto__", "", "年度", "\ud800", "unit\x00", "a" * 300)

# Sent as they stand, not percent-encoded again: what a broken client or a hand-typed address sends.
RAW = ("%ff", "%ED%A0%80", "%ed%b0%80", "%c0%af", "%00", "%", "%zz", "a%2", "+", "%2e%2e%2f%2e%2e%2f", "%EF%BC%91",
       "%D9%A3", "..%2F..%2Fetc%2Fpasswd", "2026-02-30", "0000-01-01", "9999-12-31", str(10**30), "-1", "0")
OFF_SITE = ("//evil.example/x", "https://evil.example/", "/\\evil.example", "\\\\evil.example", "/%2F%2Fevil.example",
            "javascript:alert(1)", "/login?next=//evil.example")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MADE_UP_IDS = ("01900000-0000-7000-8000-000000000000", "01900000-0000-7000-8000-00000000000g", "x" * 300)


# -- the pages, as each person sees them -------------------------------------------------------------

@dataclass
class Target(Brief):
    role: str
    path: str
    html: bool
    values: dict[str, list[str]] = field(default_factory=dict)  # name -> every value the page sends
    links: list[list[tuple[str, str]]] = field(default_factory=list)  # own links' and filters' queries

    def __repr__(self) -> str:  # hypothesis prints the drawn page on a failure
        return f"Target({self.role} {self.path}: {sorted(self.values)})"


class _QueryReader(HTMLParser):
    """The queries a page sends to pages of the site: its links' query strings and its GET forms'
    controls (with every value a control offers), by the path they go to."""

    def __init__(self, path: str) -> None:
        super().__init__(convert_charrefs=True)
        self.path = path
        self.queries: list[tuple[str, list[tuple[str, str]]]] = []  # (path, query) of each link and filter
        self.values: dict[str, dict[str, list[str]]] = {}  # path -> name -> values offered
        self._form: tuple[str, list[tuple[str, str]]] | None = None
        self._select: str | None = None

    def _add(self, path: str, name: str, value: str) -> None:
        seen = self.values.setdefault(path, {}).setdefault(name, [])
        if value not in seen:
            seen.append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and "?" in a.get("href", ""):
            link = urlsplit(a["href"])
            if not link.netloc and (link.path.startswith("/") or not link.path):
                query = parse_qsl(link.query, keep_blank_values=True)
                self.queries.append((link.path or self.path, query))
                for name, value in query:
                    self._add(link.path or self.path, name, value)
        elif tag == "form" and a.get("method", "get").lower() == "get":
            self._form = (urlsplit(a.get("action", "")).path or self.path, [])
            self.queries.append(self._form)
        elif self._form is None:
            return
        elif tag == "select" and "name" in a:
            self._select = a["name"]
        elif tag == "option" and self._select is not None:
            self._add(self._form[0], self._select, a.get("value", ""))
        elif tag in ("input", "button") and "name" in a and a.get("type") not in ("submit", "reset"):
            self._add(self._form[0], a["name"], a.get("value", ""))
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self._form[1].append((a["name"], a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


@dataclass
class Queried(Brief):
    site: Site
    browsers: dict[str, Browser]
    targets: list[Target]
    foreign_ids: list[str]  # the other unit's child's records
    owner: Browser  # 栟茶中学's staff, who may see that child
    by_route: dict[str, list[Target]] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Queried({len(self.targets)} pages)"

    def __post_init__(self) -> None:
        for target in self.targets:
            self.by_route.setdefault(re.sub(UUID, "{id}", target.path), []).append(target)


@pytest.fixture(scope="module")
def queried(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Queried]:
    leaks: list[str] = []  # the ids of the other school's records, in the order Queried names them

    def populate(db: Any, w: Any) -> None:
        mentor = make_device(db, make_user(db, "mentor", w.st22, name="赵老师"))
        child = make_mentee(db, w.staff_st22, w.st22, code=LEAK_CODE, name=LEAK_NAME)
        pairing = make_pairing(db, w.staff_st22, mentor, child)
        activity = make_activity(db, mentor, pairing, date="2026-11-21", record=LEAK_RECORD, risk_flag=True)
        referral = mutate(db, w.staff_st22, "referral", {"mentee_id": child, "target": "medical",
                                                          "institution": "县人民医院", "referred_on": "2026-11-02",
                                                          "reason": LEAK_RECORD})
        # What 栟茶中学's staff had typed when their session ran out: ``?draft=`` brings it back to them only.
        draft = keep_draft(db, w.staff_st22.user_id, "/mentees/new", {"code": LEAK_CODE, "name": LEAK_NAME})
        w.new_staff = make_user(db, "staff", w.st12, name="新干事", password_hash=password_hash())
        leaks.extend([child, pairing, activity, referral, draft, mentor.user_id, w.st22])

    path: pathlib.Path = tmp_path_factory.mktemp("queryfuzz") / "queries.db"
    with fuzz_site(path, "query-fuzz", populate) as (site, browsers, ids):
        targets = _discover(browsers, ids)
        yield Queried(site, browsers, targets, leaks, site.as_(site.w.staff_st22))


def _discover(browsers: dict[str, Browser], ids: dict[str, list[str]]) -> list[Target]:
    targets: dict[tuple[str, str], Target] = {}
    pages = sorted({page for route in GET_ROUTES for page in concrete(route, ids)})
    for role, browser in browsers.items():
        if role == "stranger":
            continue
        found: list[tuple[str, list[tuple[str, str]]]] = []
        offered: dict[str, dict[str, list[str]]] = {}
        for page in pages:
            response = browser.get(page)
            check(role, "GET " + page, response)  # the walk itself must not show another unit's child
            if response.status_code == 200 and "text/html" in response.headers.get("content-type", ""):
                reader = _QueryReader(page)
                reader.feed(response.text)
                found += reader.queries
                for path, names in reader.values.items():
                    for name, values in names.items():
                        offered.setdefault(path, {}).setdefault(name, []).extend(values)
            if response.status_code < 400:  # a page that sends the person on (/login, /) reads its query too
                targets[(role, page)] = Target(role, page, "text/html" in response.headers.get("content-type", ""))
        for path, query in found:
            # A drill-down may reach a page that answers only with its filter (stats records by measure).
            if (role, path) not in targets and path in pages and query:
                response = browser.get(path + "?" + urlencode(query))
                check(role, f"GET {path}?{urlencode(query)}", response)
                if response.status_code == 200:
                    targets[(role, path)] = Target(role, path, True)
            target = targets.get((role, path))
            if target is not None and query and query not in target.links:
                target.links.append(query)
        for (who, path), target in targets.items():
            if who == role:
                target.values = {name: list(dict.fromkeys(values)) for name, values in offered.get(path, {}).items()}
    # Signed out, every page sends the browser to /login with the address asked for as ``next``: a
    # Location built from the query, which must stay a path on this site.
    for route in GET_ROUTES:
        if "{" not in route:
            shown = [t for t in targets.values() if t.path == route]
            names = {name: values for t in shown for name, values in t.values.items()}
            targets[("stranger", route)] = Target("stranger", route, False, names, [q for t in shown for q in t.links])
    for target in targets.values():
        target.values = HANDLER_NAMES.get(target.path, {}) | target.values
    return sorted(targets.values(), key=lambda t: (t.path, t.role))


def test_every_get_page_is_reached_and_its_own_query_names_are_found(queried: Queried) -> None:
    """A page no role can open goes unfuzzed; the filters and pagers must be read, or the fuzz only
    ever sends names the pages ignore."""
    reached = set(queried.by_route)
    expected = {re.sub(r"\{[^}]+\}", "{id}", r) for r in GET_ROUTES}
    assert not expected - reached, f"no role opens {sorted(expected - reached)}"
    names = {name for t in queried.targets for name in t.values}
    # ``page`` is sent from READ_NAMES: the small county fills no list past its first page.
    own = {"year", "half", "unit", "from", "to", "q", "measure", "status", "kind"}
    assert names >= own, f"the pages' own names found: {sorted(names)}"


def test_the_risk_flag_list_is_fuzzed_with_an_open_flag_on_it(queried: Queried) -> None:
    """/risk-flags, fuzzed empty, would send the fuzz's queries past no row, no link and no name: the
    town and the station see 掘港's open flag and the two flags 李老师's phone sent too late (fuzzing.py:
    one after her pairing ended, one after the child's file was deleted), the county those and 栟茶中学's
    by code."""
    for role, flags in (("staff_town1", 3), ("staff_st11", 3), ("reviewer", 4)):
        page = queried.browsers[role].get("/risk-flags")
        assert page.status_code == 200 and f"共 {flags} 条" in page.text, f"{role}: {page.text[-1500:]}"


def test_the_other_units_child_is_shown_to_its_own_staff(queried: Queried) -> None:
    """The words the fuzz looks for are on the pages when the person may see them: their absence
    elsewhere means the pages hid them, not that nothing shows them."""
    child, _, activity, referral, draft, *_ = queried.foreign_ids
    assert LEAK_NAME in queried.owner.get("/mentees").text
    assert LEAK_CODE in queried.owner.get(f"/mentees/{child}").text
    assert LEAK_RECORD in queried.owner.get(f"/activities/{activity}").text
    assert LEAK_RECORD in queried.owner.get(f"/referrals/{referral}").text
    assert LEAK_NAME in queried.owner.get(f"/mentees/new?draft={draft}").text


# -- the answers -------------------------------------------------------------------------------------

def readable(response: httpx.Response) -> str:
    """All the text an answer carries, an XLSX export's sheets included."""
    if response.content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(response.content)) as z:
            return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    return response.content.decode("utf-8", "replace")


def check(role: str, where: str, response: httpx.Response) -> None:
    where = f"{role} {where[:300]!r}"
    assert response.status_code < 500, f"{where} answered {response.status_code}: {response.text[-2000:]}"
    text = readable(response)
    kind = response.headers.get("content-type", "")
    if "text/" in kind:
        assert not TRACE.search(text), f"{where} shows Python: {TRACE.search(text)}"
    if 300 <= response.status_code < 400:
        location = response.headers["location"]
        parts = urlsplit(location)
        assert location.startswith("/") and not parts.scheme and not parts.netloc and "\\" not in location, \
            f"{where} sends the browser off the site: {location!r}"
        # Sent on by /login or past the password to choose, a person goes where ``next`` says, /login too.
        if role != "stranger" and "login" not in where:
            assert not location.startswith("/login"), f"{where} signed the person out"
    if response.status_code >= 400:
        assert "text/html" in kind and CHINESE.search(text), \
            f"{where} refused ({response.status_code}) without a page in Chinese: {text[:300]!r}"
    shown = [LEAK_CODE, LEAK_NAME, LEAK_RECORD] if role in OUT_OF_SCOPE else [LEAK_NAME]
    leaked = [word for word in shown if word in text]
    assert not leaked, f"{where} shows the other unit's child: {leaked}"


# -- hostile query strings ---------------------------------------------------------------------------

def encoded(text: str) -> str:
    return quote_from_bytes(as_bytes(text), safe="")


def values_for(target: Target, name: str, foreign_ids: list[str]) -> st.SearchStrategy[list[str]]:
    """What one name is sent, already encoded: hostile, mutated from the page's own value, another
    unit's record, raw bytes; left out, or sent twice."""
    own = [v for v in target.values.get(name, []) if v] or ["2026"]
    one = st.one_of(st.sampled_from(own).map(encoded),
                    st.sampled_from(own).flatmap(mutated).map(encoded),
                    st.sampled_from(NASTY).map(encoded),
                    hostile_text.map(encoded),
                    st.sampled_from(foreign_ids + list(MADE_UP_IDS) + list(OFF_SITE)).map(encoded),
                    st.sampled_from(RAW))
    if name == "next":  # where a page sends the browser on: an address off the site, as often as not
        one = st.one_of(st.sampled_from(OFF_SITE).map(encoded), one)
    return st.one_of(one.map(lambda v: [v]), st.just([]), st.lists(one, min_size=2, max_size=3))


@st.composite
def query_string(draw: st.DrawFn, target: Target, foreign_ids: list[str]) -> str:
    """One of the page's own queries (or none) with one to three names changed."""
    base = draw(st.sampled_from([[], *target.links]))
    pairs = [(encoded(k), encoded(v)) for k, v in base]
    own_names = sorted(target.values)
    names = st.sampled_from(own_names) if own_names else st.sampled_from(READ_NAMES)
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.one_of(names, names, st.sampled_from(READ_NAMES), st.sampled_from(UNKNOWN_NAMES)))
        key = encoded(name)
        if draw(st.booleans()):
            pairs = [p for p in pairs if p[0] != key]
        pairs += [(key, value) for value in draw(values_for(target, name, foreign_ids))]
    # httpx refuses a URL past 64 KB (and nginx one past 8 KB, with a 414 of its own): the longest
    # queries are cut to what reaches the app.
    while len(pairs) > 1 and sum(len(k) + len(v) + 2 for k, v in pairs) > 60_000:
        pairs.pop()
    return "&".join(f"{k}={v}" for k, v in pairs)[:60_000]


@st.composite
def a_request(draw: st.DrawFn, queried: Queried) -> tuple[Target, str, str]:
    """The page, the URL and the Host header of one query, all drawn before anything is sent."""
    # Route first, then person and ids: the few filter pages (stats, coverage, brief, summary) are
    # drawn as often as record pages, which the small county's ids multiply.
    route = draw(st.sampled_from(sorted(queried.by_route)), label="route")
    target = draw(st.sampled_from(queried.by_route[route]), label="page")
    query = draw(query_string(target, queried.foreign_ids), label="query")
    # A forged Host must not come back in a redirect: every Location is a path on this site.
    host = draw(st.sampled_from(["testserver", "testserver", "evil.example"]), label="host")
    return target, f"{target.path}?{query}", host


@fuzz_settings(10)
@given(data=st.data())
def test_generated_queries_to_every_page_get_no_5xx_and_show_no_other_units_child(queried: Queried,
                                                                                 data: st.DataObject) -> None:
    target, url, host = data.draw(a_request(queried), label="request")
    response = queried.browsers[target.role].get(url, headers={"host": host})
    event(f"{target.path.split('/')[1]} {response.status_code}")  # --hypothesis-show-statistics
    check(target.role, "GET " + url, response)


# -- the fuzz itself ---------------------------------------------------------------------------------

def test_the_same_choices_draw_the_same_requests(queried: Queried) -> None:
    """Hypothesis replays a failure from its choices to shrink and print it: drawn twice from the
    same choices, the requests are the same, or the replay sends another and the failure is lost."""
    assert drawn_with_fixed_seed(a_request(queried), 50) == drawn_with_fixed_seed(a_request(queried), 50)


def test_a_failure_is_reported_with_the_request_that_found_it(queried: Queried) -> None:
    """A failure is shown as hypothesis' failing example, not as a ``FlakyStrategyDefinition``:
    its replay prints the test's arguments (the whole site) before drawing anything again."""
    failure_is_reported(queried, a_request(queried), "request")
