"""A volunteer's phone 摸排 that rates a child above her 关注等级 leaves the level alone (the station
sets it), but is never left unseen: the child's file says so beside 关注等级, and the station home
counts such children, linked to the list of exactly them (/mentees?screening=higher). Only the
latest live screening that gives a level counts, and only a rating above the level.
"""
from __future__ import annotations

import re
from typing import Any

from ...factories import make_mentee, make_pairing, mutate, row
from .conftest import Site, sentence

NOTICE = "最近一次摸排（2026年11月20日，李老师）评为重点，现在的关注等级是关注："


def _phone_rates(site: Site, level: str | None, *, date: str = "2026-11-20", child: str | None = None) -> str:
    """Li's phone (mentor 2) screens ``child`` (mentee 2, 关注 first) and rates her ``level``."""
    w = site.w

    def write(db: Any) -> str:
        child_now = row(db, "mentee", w.mentee2)
        if child is None and child_now["risk_level"] == "normal":
            mutate(db, w.staff_st11, "mentee", {"risk_level": "watch"}, w.mentee2, base_version=child_now["version"])
        fields: dict[str, Any] = {"mentee_id": child or w.mentee2, "date": date}
        if level is not None:
            fields["risk_level"] = level
        screening: str = mutate(db, w.mentor2, "screening", fields)
        return screening

    made: str = site.write(write)
    return made


def _home_tile(page: str) -> str | None:
    found = re.search(r'<p class="figure">(\d+)</p>\s*<p>个在帮孩子最近一次摸排评的等级高于现在的关注等级</p>\s*'
                      r'<a class="button" href="([^"]+)">去核实</a>', page)
    return None if found is None else f"{found.group(1)} {found.group(2)}"


def test_a_phones_screening_rating_a_child_higher_is_said_beside_her_level_which_it_does_not_change(
        site: Site) -> None:
    w = site.w
    _phone_rates(site, "key")
    assert site.read(lambda db: row(db, "mentee", w.mentee2))["risk_level"] == "watch"
    page = site.as_(w.staff_st11).get(f"/mentees/{w.mentee2}").text
    assert NOTICE + "请核实后修改关注等级；核实后仍是关注的，请在下面再记一次摸排。" in sentence(page)
    assert f'href="/mentees/{w.mentee2}/edit">修改关注等级</a>' in page
    county = sentence(site.as_(w.reviewer).get(f"/mentees/{w.mentee2}").text)
    assert NOTICE + "请督促掘港小学辅导站核实后修改。" in county


def test_the_station_home_counts_such_children_and_links_the_list_of_exactly_them(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    assert _home_tile(browser.get("/staff").text) is None, "no tile while there are none"
    _phone_rates(site, "key")
    assert _home_tile(browser.get("/staff").text) == "1 /mentees?screening=higher"
    assert _home_tile(site.as_(w.staff_town1).get("/staff").text) == "1 /mentees?screening=higher"
    assert _home_tile(site.as_(w.staff_st21).get("/staff").text) is None, "another station's child"
    listed = browser.get("/mentees?screening=higher").text
    assert set(re.findall(r'href="/mentees/([0-9a-f-]{36})"', listed)) == {w.mentee2}
    assert "共 1 人" in sentence(listed) and 'value="higher" selected' in listed


def test_the_latest_rated_screening_decides_and_a_lower_or_equal_rating_says_nothing(site: Site) -> None:
    w = site.w
    _phone_rates(site, "key", date="2026-11-01")
    _phone_rates(site, None, date="2026-11-20")  # a screening that gives no level leaves the 重点 the latest
    browser = site.as_(w.staff_st11)
    assert "评为重点，现在的关注等级是关注" in sentence(browser.get(f"/mentees/{w.mentee2}").text)
    _phone_rates(site, "watch", date="2026-11-25")  # rated 关注 again since: the level stands
    assert "最近一次摸排" not in sentence(browser.get(f"/mentees/{w.mentee2}").text)
    assert _home_tile(browser.get("/staff").text) is None
    assert "共 0 人" in sentence(browser.get("/mentees?screening=higher").text)


def test_a_child_already_at_the_level_or_above_it_is_not_pointed_at(site: Site) -> None:
    w = site.w

    def key_child(db: Any) -> str:
        child = make_mentee(db, w.staff_st11, w.st11, code="LV-KEY", risk_level="key")
        make_pairing(db, w.staff_st11, w.mentor2, child)
        return child

    child = site.write(key_child)
    _phone_rates(site, "watch", child=child)
    _phone_rates(site, "watch")
    browser = site.as_(w.staff_st11)
    for path in (f"/mentees/{child}", f"/mentees/{w.mentee2}"):
        assert "最近一次摸排" not in sentence(browser.get(path).text), path
    assert _home_tile(browser.get("/staff").text) is None


def test_staff_setting_the_level_the_screening_gave_clears_the_notice(site: Site) -> None:
    w = site.w
    _phone_rates(site, "key")
    site.write(lambda db: mutate(db, w.staff_st11, "mentee", {"risk_level": "key"}, w.mentee2,
                                 base_version=row(db, "mentee", w.mentee2)["version"]))
    browser = site.as_(w.staff_st11)
    assert "最近一次摸排" not in sentence(browser.get(f"/mentees/{w.mentee2}").text)
    assert _home_tile(browser.get("/staff").text) is None


def test_a_line_under_the_title_leads_to_the_notice_exactly_when_the_notice_shows(site: Site) -> None:
    # The notice beside 关注等级 sits well below a phone's first screen, while the home's 去核实 leads here:
    # a short line at the top of the file points to it, and only while it shows.
    w = site.w
    browser = site.as_(w.staff_st11)
    top = '<a class="tap" href="#level-check">请核实关注等级</a>'

    def shown() -> tuple[bool, bool]:
        page = browser.get(f"/mentees/{w.mentee2}").text
        if top in page:
            assert page.index('id="level-check-top"') < page.index('id="profile-h"') < page.index('id="level-check"')
            assert "最近一次摸排评为重点，高于现在的关注等级：请核实关注等级" in sentence(page)
        return top in page, 'id="level-check"' in page

    assert shown() == (False, False)
    _phone_rates(site, "key", date="2026-11-01")
    assert shown() == (True, True)
    _phone_rates(site, "watch", date="2026-11-25")  # rated 关注 again since: the level stands
    assert shown() == (False, False)
