"""No page shows a child to the wrong person: a crawler over the demo county (``server.demo``).

For each web role of the demo — a station's staff (zhan-bencha), another town's station
(zhan-juegang), a school's (xiao-bencha), a town's (staff-bencha), the county reviewer (county) and
the admin — a browser signs in and walks, breadth first from the role's home (``/``), every
same-site link it is shown: each ``<a href>`` and each GET form submitted as shown (its defaults),
redirects included, GET only. Each page or download — the CSV and XLSX exports (read with openpyxl
as text), the print views and ``/brief.png`` — must answer 2xx or 3xx, and every child code (BX-…)
and every child's full name on it must be one of the children the role may see, computed here from
the database with SQL of its own (not ``server/queries``): staff see the children whose unit lies
in their unit's subtree, by code and by name; the county reviewer sees every child by code and no
name; the admin likewise (docs/pages.md, "A child's real name is shown to station staff only").
Volunteers have no web password (their phones enrol with a 登记码): the test checks that one
cannot sign in on the web, so there is no volunteer crawl.

Not crawled: POST forms (anything that writes), ``/logout``, ``/login``, the phone app under
``/app/`` and static files. Bounds, so the six crawls take well under a minute: at most
5 children's files, archives and volunteers' pages (``CHILD_FAMILIES``) and ``IDS_PER_FAMILY`` distinct
ids of each other route with an id in it (a print, an edit form, an event, …),
at most ``VARIANTS_PER_PATH`` query strings of one path (filters, sorts), no list page past
``page=2``, and ``MAX_PAGES`` pages a role. Names are matched only where the demo's are unique
enough (checked: a name that is part of another child's, a person's or a unit's name is left to
its code); codes always.
"""
from __future__ import annotations

import html
import io
import pathlib
import re
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import openpyxl
import pytest
import sqlite_utils
from starlette.testclient import TestClient

from server import create_app
from server.config import Settings
from server.demo import DEMO_PASSWORD, load_demo
from server.store import Store
from sync import connect

from ...factories import make_user, mutate
from .conftest import Browser, Site
from .fuzzing import GET_ROUTES, route_pattern
from .test_form_fuzz import _FormReader

# Who crawls, and the demo login each signs in with.
ROLES = ("zhan-bencha", "zhan-juegang", "xiao-bencha", "staff-bencha", "county", "admin")

IDS_PER_FAMILY = 3
CHILD_FAMILIES = {"/mentees/{mentee_id}", "/pairings/{pairing_id}", "/mentors/{mentor_id}"}  # these, 5 ids
VARIANTS_PER_PATH = 4
MAX_PAGES = 250
NOT_CRAWLED = re.compile(r"^/(logout|login|app)(/|$|\?)|^/static/|^/favicon\.ico$")
CODE = re.compile(r"BX-\d{4}-\d{3,}")
# The most literal route first: /returns/{return_id}.xlsx, not /returns/{return_id} with an id "….xlsx".
ROUTES = [(route, route_pattern(route))
          for route in sorted(GET_ROUTES, key=lambda r: -len(re.sub(r"\{[^}]+\}", "", r)))]
# The pages' own examples of what a code looks like (the registration form's 如 BX-2026-0001): the same
# words in every county, naming nobody, though the county's first child carries that code.
EXAMPLES = ("（如 BX-2026-0001）", "如 BX-2026-0001）")


@contextmanager
def demo_site(path: pathlib.Path, change: Callable[[sqlite_utils.Database], None] | None = None) -> Iterator[Site]:
    """The real app over the demo county at ``path``, after ``change`` (written on the file first)."""
    store = Store(path)
    try:
        store.migrate()
        store.write_now(load_demo)
    finally:
        store.close()
    if change is not None:
        db = connect(path)
        try:
            change(db)
        finally:
            db.close()
    settings = Settings(db_path=path, secret_keys=("scope-crawl",))
    app = create_app(settings)
    with TestClient(app):
        site = Site(app, None, settings, [])
        try:
            yield site
        finally:
            for client in site._clients:
                client.__exit__(None, None, None)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with demo_site(tmp_path_factory.mktemp("scopecrawl") / "demo.db") as site:
        yield site


def move_a_paired_child_to_another_town(db: sqlite_utils.Database) -> None:
    """The county moves a child of 栟茶镇's station, with her running pairing and 爱心捐助, to 掘港街道's
    station; her volunteer stays 栟茶镇's, so the station she left still reaches the volunteer's page and
    the pages that once held her."""
    units = {name: unit_id for unit_id, name in db.execute("SELECT id, name FROM units")}
    child, version = db.execute(
        """SELECT m.id, m.version FROM mentees m
           JOIN pairings p ON p.mentee_id = m.id AND p.status = 'active' AND p.deleted = 0
           WHERE m.unit_id = ? ORDER BY (SELECT count(*) FROM donations d WHERE d.mentee_id = m.id) DESC, m.code
           LIMIT 1""", [units["栟茶镇校外教育辅导站"]]).fetchone()
    clerk = make_user(db, "staff", units["如东县关工委"], name="县关工委干事")
    mutate(db, clerk, "mentee", {"unit_id": units["掘港街道校外教育辅导站"]}, child, base_version=version)


@pytest.fixture(scope="module")
def moved(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with demo_site(tmp_path_factory.mktemp("scopecrawl") / "moved.db", move_a_paired_child_to_another_town) as site:
        yield site


# -- who may see which child, from the database --------------------------------------------------

@dataclass(frozen=True)
class Allowed:
    codes: frozenset[str]
    names: frozenset[str]


def allowed(site: Site, login: str) -> Allowed:
    """The children ``login`` may see: staff, those of their unit's subtree by code and name; the county
    reviewer and the admin, every child by code and none by name."""
    def read(db: Any) -> Allowed:
        role, unit_id = db.execute("SELECT role, unit_id FROM users WHERE login = ?", [login]).fetchone()
        if role in ("reviewer", "admin"):
            return Allowed(frozenset(r[0] for r in db.execute("SELECT code FROM mentees")), frozenset())
        assert role == "staff", role
        rows = db.execute(
            """WITH RECURSIVE below(id) AS (
                   SELECT ? UNION SELECT u.id FROM units u JOIN below ON u.parent_id = below.id)
               SELECT code, name FROM mentees WHERE unit_id IN (SELECT id FROM below)""", [unit_id]).fetchall()
        return Allowed(frozenset(r[0] for r in rows), frozenset(r[1] for r in rows if r[1]))
    result: Allowed = site.read(read)
    return result


def matchable_names(site: Site) -> dict[str, str]:
    """Each child's name that can be looked for on a page (not part of another child's, a person's or a
    unit's name, nor shorter than two characters), with the child's code."""
    def read(db: Any) -> tuple[list[tuple[str, str]], list[str]]:
        children = [(r[0], r[1]) for r in db.execute("SELECT name, code FROM mentees WHERE name IS NOT NULL")]
        others = [r[0] for r in db.execute("SELECT name FROM users UNION ALL SELECT name FROM units") if r[0]]
        return children, others
    children, others = site.read(read)
    everything = [name for name, _ in children] + others
    return {name: code for name, code in children
            if len(name) >= 2 and sum(name in other for other in everything) == 1}


# -- reading pages ---------------------------------------------------------------------------------

class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def links_of(page: str, text: str) -> list[str]:
    """The same-site addresses a page links to: its ``<a href>``s and its GET forms as shown."""
    anchors = _Links()
    anchors.feed(text)
    out = [urljoin(page, href) for href in anchors.hrefs]
    forms = _FormReader(page, method="get")
    forms.feed(text)
    for action, controls in forms.forms:
        fields = [(c.name, value) for c in controls for value in c.default]
        out.append(urljoin(page, action).split("?")[0] + ("?" + urlencode(fields) if fields else ""))
    return out


def csv_twin(url: str) -> str | None:
    """The CSV of an XLSX export, which no page links (the statistics form and a return have both)."""
    path, sep, query = url.partition("?")
    return path.removesuffix(".xlsx") + ".csv" + sep + query if path.endswith(".xlsx") else None


def text_of(response: Any) -> str:
    """What a person reads in a page or a download: HTML and CSV as text, an XLSX's every cell, a PNG's
    bytes as far as they decode (its text chunks)."""
    kind = response.headers.get("content-type", "")
    if "spreadsheetml" in kind:
        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                         for cell in row if cell is not None)
    if kind.startswith("image/"):
        return response.content.decode("latin-1")
    return html.unescape(response.text)


# -- the crawl -------------------------------------------------------------------------------------

@dataclass
class Crawl:
    browser: Browser
    pages: dict[str, int] = field(default_factory=dict)  # address → status
    came_from: dict[str, str] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    skipped: set[str] = field(default_factory=set)

    def run(self, home: str = "/") -> None:
        queue: deque[str] = deque([home])
        seen = {home}
        ids: dict[str, set[str]] = {}
        variants: dict[str, set[str]] = {}
        while queue and len(self.pages) < MAX_PAGES:
            address = queue.popleft()
            response = self.browser.get(address)
            self.pages[address] = response.status_code
            if 300 <= response.status_code < 400:
                found = [response.headers.get("location", "")]
            else:
                self.texts[address] = text_of(response)
                found = links_of(address, response.text) if "text/html" in response.headers.get(
                    "content-type", "") else []
            for target in found + [twin for twin in map(csv_twin, found) if twin]:
                nxt = self._admit(urljoin(address, target), ids, variants)
                if nxt is not None and nxt not in seen:
                    seen.add(nxt)
                    self.came_from[nxt] = address
                    queue.append(nxt)

    def _admit(self, url: str, ids: dict[str, set[str]], variants: dict[str, set[str]]) -> str | None:
        """The address to crawl for ``url`` (same site, a GET route, within the bounds), else None."""
        parts = urlsplit(url)
        if parts.netloc not in ("", "testserver") or parts.scheme not in ("", "http"):
            return None
        path, query = parts.path, parts.query
        if NOT_CRAWLED.search(path):
            return None
        route = next((r for r, pattern in ROUTES if pattern.match(path)), None)
        if route is None:
            self.skipped.add(path)
            return None
        page = dict(parse_qsl(query)).get("page", "1")
        if not page.isdigit() or int(page) > 2:
            return None
        if "{" in route:
            family = ids.setdefault(route, set())
            if path not in family and len(family) >= (5 if route in CHILD_FAMILIES else IDS_PER_FAMILY):
                return None
            family.add(path)
        shown = variants.setdefault(path, set())
        if query not in shown and len(shown) >= VARIANTS_PER_PATH:
            return None
        shown.add(query)
        return path + ("?" + query if query else "")

    def trail(self, address: str) -> str:
        steps = [address]
        while steps[-1] in self.came_from:
            steps.append(self.came_from[steps[-1]])
        return " ← ".join(steps)


def children_shown(crawl: Crawl, names: dict[str, str]) -> dict[str, tuple[set[str], set[str]]]:
    """The codes and the (matchable) names of children each crawled page or download shows."""
    shown = {}
    for address, text in crawl.texts.items():
        for example in EXAMPLES:
            text = text.replace(example, "")
        shown[address] = set(CODE.findall(text)), {name for name in names if name in text}
    return shown


def leaks(crawl: Crawl, may_see: Allowed, names: dict[str, str]) -> list[str]:
    """Each child a crawled page shows who is not among those the role may see, with the way there."""
    found = []
    for address, (codes, named) in children_shown(crawl, names).items():
        for what in sorted(codes - may_see.codes) + sorted(f"{n}（{names[n]}）" for n in named - may_see.names):
            found.append(f"{what} on {crawl.trail(address)}")
    return found


def sign_in(site: Site, login: str) -> Browser:
    browser = site.browser()
    browser.login(login, DEMO_PASSWORD)
    return browser


def crawled_in_scope(demo: Site, login: str) -> None:
    crawl = Crawl(sign_in(demo, login))
    crawl.run()
    failing = {a: s for a, s in crawl.pages.items() if not 200 <= s < 400}
    assert not failing, f"{login}: pages answering other than 2xx/3xx: {failing}"
    may_see, names = allowed(demo, login), matchable_names(demo)
    found = leaks(crawl, may_see, names)
    assert not found, f"{login} is shown children outside its scope:\n" + "\n".join(found[:30])
    # Not a pass by seeing nothing: the crawl reached children's files and lists, and staff their names.
    shown = children_shown(crawl, names).values()
    assert len({code for codes, _ in shown for code in codes}) >= 5, f"{login}: the crawl met almost no child"
    assert any(named for _, named in shown) == bool(may_see.names), f"{login}: no child's name met"
    assert any(re.fullmatch(r"/mentees/[^/]+", a) for a in crawl.texts), f"{login} opened no child's file"


@pytest.mark.parametrize("login", ROLES)
def test_no_page_a_role_can_reach_shows_a_child_outside_its_scope(demo: Site, login: str) -> None:
    crawled_in_scope(demo, login)


def test_the_station_a_child_left_for_another_town_shows_her_no_more(moved: Site) -> None:
    """Her volunteer is still the station's: his page, the archives and the lists it reaches must not."""
    crawled_in_scope(moved, "zhan-bencha")


def test_the_demo_names_are_unique_enough_to_be_looked_for(demo: Site) -> None:
    """Every child of the demo is looked for by name as well as code (no name is part of another)."""
    assert len(matchable_names(demo)) == demo.read(lambda db: db.execute("SELECT count(*) FROM mentees").fetchone()[0])


def test_a_volunteer_cannot_sign_in_on_the_web_so_has_no_pages_to_crawl(demo: Site) -> None:
    browser = demo.browser()
    response = browser.post("/login", {"username": "wang.laoshi", "password": DEMO_PASSWORD}, form_page="/login")
    assert response.status_code != 303 and "登记码" in response.text
    assert browser.get("/mentees").status_code == 303  # still signed out: to the sign-in page

