"""A child's name searched for on the lists of 帮扶对象 and 结对档案 stays out of the address: not in the
shared office computer's history or address-bar suggestions, not in any proxy's access log. The
filter form posts; the words wait in the person's draft and the list is shown at ``?draft=<id>``.
"""
from __future__ import annotations

from urllib.parse import quote

import pytest

from .conftest import Site

LISTS = ["/mentees", "/pairings"]


@pytest.mark.parametrize("path", LISTS)
def test_a_name_searched_for_is_not_in_the_address_the_list_is_shown_at(site: Site, path: str) -> None:
    station = site.as_(site.w.staff_st11)
    posted = station.post(path, {"q": "小明", "category": "psych"})
    assert posted.status_code == 303, posted.text[:300]
    where = posted.headers["location"]
    assert where.startswith(f"{path}?") and "draft=" in where and "category=psych" in where
    assert "q=" not in where and quote("小明") not in where and "小明" not in where
    shown = station.get(where)
    assert shown.status_code == 200
    assert "小明" in shown.text and "小红" not in shown.text  # narrowed to the child searched for
    assert 'value="小明"' in shown.text  # the box shows what was asked
    assert quote("小明") not in shown.text  # and no link on the page carries it in its address


@pytest.mark.parametrize("path", LISTS)
def test_another_persons_search_address_narrows_nothing_and_shows_no_words(site: Site, path: str) -> None:
    where = site.as_(site.w.staff_st11).post(path, {"q": "小明"}).headers["location"]
    colleague = site.as_(site.w.staff_town1).get(where)  # the next person at the same computer
    assert colleague.status_code == 200
    assert 'value="小明"' not in colleague.text and "小红" in colleague.text


@pytest.mark.parametrize("path", LISTS)
def test_a_day_old_search_address_narrows_nothing_and_shows_no_words(site: Site, path: str) -> None:
    """A draft is kept one day, but day-old ones were dropped only when the next draft was kept: until
    then the address in the shared computer's history still brought the name back."""
    station = site.as_(site.w.staff_st11)
    where = station.post(path, {"q": "小明"}).headers["location"]
    site.write(lambda db: db.execute("UPDATE form_drafts SET created_at = '2020-01-01T00:00:00.000Z'"))
    shown = station.get(where)
    assert shown.status_code == 200
    assert 'value="小明"' not in shown.text and "小红" in shown.text


@pytest.mark.parametrize("path", LISTS)
def test_an_empty_search_goes_back_to_the_list_with_its_filters_and_no_draft(site: Site, path: str) -> None:
    posted = site.as_(site.w.staff_st11).post(path, {"q": " ", "category": "psych", "page": "3"})
    assert posted.status_code == 303 and posted.headers["location"] == f"{path}?category=psych"


@pytest.mark.parametrize("path", LISTS)
def test_a_link_naming_a_code_still_narrows_the_list(site: Site, path: str) -> None:
    code = site.read(lambda db: db.execute("SELECT code FROM mentees WHERE id = ?", [site.w.mentee1]).fetchone()[0])
    page = site.as_(site.w.reviewer).get(f"{path}?q={quote(code)}")
    assert page.status_code == 200 and f'value="{code}"' in page.text
