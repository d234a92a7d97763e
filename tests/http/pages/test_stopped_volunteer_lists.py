"""A stopped (停用) volunteer is marked 已停用 on the to-do lists too, where staff and the county look
for a child nobody visits: 久未帮扶 (/quiet), the dashboard's overdue follow-ups and its risk flags (by
their 记录人), the station home's risk flags and follow-ups; on the activity page, the 代录 edit form
and the pairing-edit page. A 代录 form opened for such a pairing says at once that nobody visits the
child, with the two ways on.
(The archive, /pairings and the rest: test_stopped_volunteer_shown.py.)
"""
from __future__ import annotations

import datetime
from typing import Any

import pytest

from sync import Actor
from sync.stopping import deactivate_user
from sync.timeutil import local_today
from sync.users import create_user

from ...factories import make_activity, make_mentee, make_pairing
from .conftest import Site, sentence

MARK = "赵老师 已停用"


def _day(offset: int) -> str:
    return (local_today() + datetime.timedelta(days=offset)).isoformat()


def _stopped_volunteer(site: Site) -> dict[str, str]:
    """赵老师 of st11, then stopped with her two pairings left running: 小军's, quiet for 60 days, its
    follow-up 30 days overdue and its risk flag unhandled; 小红's, a follow-up due in three days."""
    w = site.w

    def build(db: Any) -> dict[str, str]:
        mentor = Actor(create_user(db, login="sv-zhao", name="赵老师", role="mentor", unit_id=w.st11,
                                   password_hash=None, must_change_password=False), "mentor", w.st11)
        child = make_mentee(db, w.staff_st11, w.st11, code="SV-ZHAO", name="小军")
        pairing = make_pairing(db, w.staff_st11, mentor, child, start_date=_day(-365))
        visit = make_activity(db, mentor, pairing, date=_day(-60), follow_up_due=_day(-30), risk_flag=True)
        other = make_pairing(db, w.staff_st11, mentor, make_mentee(db, w.staff_st11, w.st11, code="SV-HONG",
                                                                   name="小红"), start_date=_day(-10))
        make_activity(db, mentor, other, date=_day(-1), follow_up_due=_day(3))
        deactivate_user(db, w.staff_st11, mentor.user_id)
        return {"child": child, "pairing": pairing, "visit": visit}

    made: dict[str, str] = site.write(build)
    return made


def _section(page: str, start: str, end: str) -> str:
    return sentence(page.split(start, 1)[1].split(end, 1)[0])


def test_a_stopped_volunteer_is_marked_on_the_quiet_list_for_staff_and_the_county(site: Site) -> None:
    w = site.w
    _stopped_volunteer(site)
    for who in (w.staff_st11, w.admin, w.reviewer):
        quiet = site.as_(who).get("/quiet")
        assert quiet.status_code == 200, who.role
        assert MARK in sentence(quiet.text), who.role


def test_a_stopped_volunteer_is_marked_on_the_dashboards_overdue_follow_ups(site: Site) -> None:
    w = site.w
    _stopped_volunteer(site)
    for who in (w.reviewer, w.admin):
        dashboard = site.as_(who).get("/dashboard").text
        assert MARK in _section(dashboard, 'id="overdue"', "</section>"), who.role


def test_a_stopped_volunteer_is_marked_as_the_author_on_the_dashboards_risk_flags(site: Site) -> None:
    w = site.w
    _stopped_volunteer(site)
    for who in (w.reviewer, w.admin):
        dashboard = site.as_(who).get("/dashboard").text
        assert MARK in _section(dashboard, 'id="risk-flags"', "</section>"), who.role


def test_a_stopped_volunteer_is_marked_on_the_station_homes_flags_and_follow_ups(site: Site) -> None:
    w = site.w
    _stopped_volunteer(site)
    home = site.as_(w.staff_st11).get("/staff").text
    assert f"五老志愿者{MARK}" in _section(home, 'id="flags-h"', 'id="todo-h"')
    assert MARK in _section(home, '<h2 id="overdue-h">', "</section>")
    assert MARK in _section(home, '<h2 id="due-h">', "</section>")


def test_a_stopped_volunteer_is_marked_on_the_activity_page_and_the_edit_forms(site: Site) -> None:
    w = site.w
    old = _stopped_volunteer(site)
    browser = site.as_(w.staff_st11)
    visit = browser.get(f"/activities/{old['visit']}").text
    assert f"← {MARK}" in sentence(visit)
    assert "为这个结对再代录一次" not in visit  # its 代录 is refused: no button to it
    assert f"← {MARK}" in sentence(browser.get(f"/activities/{old['visit']}/edit").text)
    assert f"← {MARK}" in sentence(browser.get(f"/pairings/{old['pairing']}/edit").text)


def test_a_visit_form_opened_for_a_stopped_volunteers_pairing_says_so_with_the_ways_on(site: Site) -> None:
    w = site.w
    old = _stopped_volunteer(site)
    form = site.as_(w.staff_st11).get(f"/activities/new?pairing_id={old['pairing']}")
    assert form.status_code == 200
    assert "志愿者赵老师的账号已停用，不会再去看这个孩子，不能再为这个结对代录帮扶" in sentence(form.text)
    assert f'href="/pairings/new?mentee_id={old["child"]}">为这个孩子另找志愿者</a>' in form.text
    assert f'href="/pairings/{old["pairing"]}/end">结束这个结对</a>' in form.text


def test_a_volunteer_in_service_is_not_marked_on_these_pages(site: Site) -> None:
    w = site.w
    visit = site.write(lambda db: make_activity(db, w.mentor1, w.pairing1, date=_day(-60), follow_up_due=_day(-30),
                                                risk_flag=True))
    browser = site.as_(w.staff_st11)
    for path in ("/quiet", "/staff", f"/activities/{visit}", f"/activities/{visit}/edit",
                 f"/pairings/{w.pairing1}/edit", f"/activities/new?pairing_id={w.pairing1}"):
        page = browser.get(path).text
        assert "已停用" not in sentence(page), path
    assert "为这个结对再代录一次" in browser.get(f"/activities/{visit}").text
    assert "已停用" not in sentence(site.as_(w.reviewer).get("/dashboard").text)


def test_a_stopped_volunteer_is_marked_as_the_author_of_a_visit_wherever_it_is_listed(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """The child's page, the archive, the statistics' drill-down and the end form's visits dated ahead
    name each visit's 记录人: a stopped one is marked there too."""
    w = site.w
    old = _stopped_volunteer(site)
    browser = site.as_(w.staff_st11)
    child = browser.get(f"/mentees/{old['child']}").text
    assert MARK in _section(child, '<td data-label="记录人">', "</td>")
    archive = browser.get(f"/pairings/{old['pairing']}").text
    assert f"记录人{MARK}" in sentence(archive)
    span = f"from={_day(-61)}&to={_day(-59)}"
    listed = site.as_(w.reviewer).get(f"/reports/stats/records?unit={w.county}&{span}&measure=talks").text
    assert MARK in _section(listed, '<td data-label="记录人">', "</td>")
    # Ended as if on the day before the visit: the visit stands ahead of the end, by its author.
    monkeypatch.setattr("server.pages.pairings.local_today",
                        lambda: datetime.date.fromisoformat(_day(-61)))
    ending = browser.get(f"/pairings/{old['pairing']}/end").text
    assert MARK in _section(ending, f'href="/activities/{old["visit"]}">', "</a>")
