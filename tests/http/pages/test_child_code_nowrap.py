"""A child's code (BX-2026-0014) is printed inside a ``.code`` span that site.css keeps on one line:
a browser may break after a hyphen, and at phone width the conflicts list read ``BX-`` / ``2026-0014``."""
from __future__ import annotations

import re

from server.templating import child_code

from ...factories import make_mentee
from .conftest import Site
from .station import conflict_on_activity1


def _code(site: Site, mentee_id: str) -> str:
    return str(site.read(lambda db: db.execute("SELECT code FROM mentees WHERE id = ?", [mentee_id]).fetchone()[0]))


def _in_span(code: str) -> str:
    return f'<span class="code">{code}</span>'


def test_the_conflicts_list_prints_the_childs_code_in_a_nowrap_span(site: Site) -> None:
    w = site.w
    staff = site.as_(w.staff_st11)
    conflict_on_activity1(site, staff)
    listing = staff.get("/conflicts").text
    assert _in_span(_code(site, w.mentee1)) in listing


def test_the_mentees_list_prints_each_childs_code_in_a_nowrap_span(site: Site) -> None:
    w = site.w
    listing = site.as_(w.staff_st11).get("/mentees").text
    for mentee in (w.mentee1, w.mentee2, w.mentee_unpaired):
        assert _in_span(_code(site, mentee)) in listing


def test_the_dashboards_key_children_print_their_codes_in_a_nowrap_span(site: Site) -> None:
    w = site.w
    site.write(lambda db: make_mentee(db, w.staff_st11, w.st11, risk_level="key", code="BX-2026-0014"))
    page = site.as_(w.reviewer).get("/dashboard").text
    assert _in_span("BX-2026-0014") in page
    assert not re.search(r"[^>]BX-2026-0014", page), "no bare printing of the code left on the page"


def test_every_page_carries_the_nowrap_rule_for_codes(site: Site) -> None:
    css = site.browser().get("/static/site.css").text
    assert re.search(r"\.code\s*\{\s*white-space:\s*nowrap;?\s*\}", css)


def test_a_code_is_escaped_inside_its_span() -> None:
    assert str(child_code('<b>&"')) == '<span class="code">&lt;b&gt;&amp;&#34;</span>'
    assert str(child_code(None)) == ""  # no code, no empty span (as nowrap gives nothing for no day)
