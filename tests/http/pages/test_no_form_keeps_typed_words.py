"""A station's computer is shared, and a browser remembers what was typed into a search box: the
next person to type 王 into a box of the same name (``q``) is offered 王小明, from any account. So
every search and filter form (a GET, or a list's search: the page itself shows back what was
asked for) says ``autocomplete="off"``.

Forms that save (POST) keep the browser's default: in Chromium the same switch that stops it
remembering a box also stops it putting the typed words back after Back, which tests/e2e
test_back_then_save.py and test_picker_search_back.py rely on so that nothing typed is lost.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from .conftest import Site
from .test_every_page import SIGNED_IN_PAGES
from .test_pickers import FORMS, crowd

TYPED = {"text", "search", "tel", "email", "url", "number", None}


class Boxes(HTMLParser):
    """Each typed box of each search and filter form: (form action, name, the autocomplete in force)."""

    def __init__(self) -> None:
        super().__init__()
        self.form: dict[str, str | None] | None = None
        self.boxes: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.form = a
        elif (tag == "input" and self.form is not None and a.get("type") in TYPED
              and ((self.form.get("method") or "get").lower() == "get" or self.form.get("role") == "search")):
            said = a.get("autocomplete") or self.form.get("autocomplete")
            self.boxes.append((self.form.get("action") or "", a.get("name") or "", said))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None


def search_boxes(html: str) -> list[tuple[str, str, str | None]]:
    parser = Boxes()
    parser.feed(html)
    return parser.boxes


def record_pages(site: Site) -> list[str]:
    w = site.w
    return [f"/mentees/{w.mentee1}", f"/pairings/{w.pairing1}", f"/mentors/{w.mentor1.user_id}",
            f"/inspections/units/{w.st11}", f"/peers/units/{w.st12}"]


@pytest.mark.parametrize("who", ["staff_st11", "staff_town1", "reviewer", "admin"])
def test_no_search_box_is_remembered_by_a_shared_computers_browser(site: Site, who: str) -> None:
    browser = site.as_(getattr(site.w, who))
    seen, kept = [], []
    for path in [*SIGNED_IN_PAGES, *record_pages(site)]:
        response = browser.get(path)
        if response.status_code != 200 or not response.headers["content-type"].startswith("text/html"):
            continue
        for action, name, said in search_boxes(response.text):
            seen.append((path, name))
            if said != "off":
                kept.append((path, action, name, said))
    assert ("/mentees", "q") in seen or who == "admin"  # the check looked at the child search
    assert ("/pairings", "q") in seen
    assert not kept



@pytest.mark.parametrize("path", [path for path, _ in FORMS])
def test_a_pickers_search_box_is_not_remembered_though_its_form_is_one_that_saves(site: Site, path: str) -> None:
    """Past the cap, a child picker is a 查找 box in the form that saves: the search words come back
    from the draft the search keeps (``?draft=``), never from the browser's memory."""
    crowd(site)
    page = site.as_(site.w.staff_st11).get(path).text
    finder = re.search(r'<input id="f-q"[^>]*>', page)
    assert finder, "no search box past the cap"
    assert 'autocomplete="off"' in finder.group(0)
