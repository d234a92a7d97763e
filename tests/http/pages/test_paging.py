"""A list's page number past its end (an old link, a list that shrank, a typed number) shows the last
page, with its filters, rather than an empty list under a total that says otherwise."""
from __future__ import annotations

import pytest

from ...factories import make_mentee
from .conftest import Site


def test_a_page_past_the_end_of_a_long_list_goes_to_its_last_page_with_a_working_previous_link(site: Site) -> None:
    w = site.w
    site.write(lambda db: [make_mentee(db, w.staff_st11, w.st11, name="小明") for _ in range(52)])
    browser = site.as_(w.staff_st11)
    past = browser.get("/mentees?status=all&page=99")
    assert past.status_code == 303
    assert past.headers["location"] == "/mentees?status=all&page=2"
    last = browser.get(past.headers["location"])
    assert last.status_code == 200 and "小明" in last.text
    assert "page=98" not in last.text and "page=1" in last.text and "上一页" in last.text


@pytest.mark.parametrize(("who", "path"), [
    ("staff_st11", "/pairings"), ("staff_st11", "/events"), ("staff_st11", "/mentees"),
    ("staff_st11", "/mentors"), ("admin", "/admin/access-log")])
def test_a_page_past_the_end_of_every_paged_list_goes_to_its_last_page(site: Site, who: str, path: str) -> None:
    browser = site.as_(getattr(site.w, who))
    past = browser.get(f"{path}?page=99")
    assert past.status_code == 303 and past.headers["location"] == path
    assert browser.get(path).status_code == 200
