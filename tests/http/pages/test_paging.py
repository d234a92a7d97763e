"""A list's page number past its end (an old link, a list that shrank, a typed number) shows the last
page, with its filters, rather than an empty list under a total that says otherwise."""
from __future__ import annotations

import pytest

from ...factories import make_mentee, mutate
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


def test_the_referral_list_past_200_says_how_many_there_are_and_pages_to_the_rest(site: Site) -> None:
    """A county inspector reading /referrals must not take its first 200 rows for the whole."""
    w = site.w
    site.write(lambda db: [mutate(db, w.staff_st11, "referral", {
        "mentee_id": w.mentee2, "target": "counselling_room", "referred_on": "2026-10-01",
        "institution": f"辅导室{n:03d}"}) for n in range(201)])
    browser = site.as_(w.staff_st11)
    first = browser.get("/referrals?status=all").text
    assert "共 202 条，显示第 1–200 条（第 1 / 2 页）" in first
    assert 'href="?status=all&amp;page=2"' in first
    second = browser.get("/referrals?status=all&page=2").text
    assert "显示第 201–202 条（第 2 / 2 页）" in second and "上一页" in second
    assert second.count('data-label="帮扶对象"') == 2
