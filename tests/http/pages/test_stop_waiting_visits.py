"""Before a volunteer's account is stopped, the stop form says how many of her own visits still wait for
review: once she is stopped none can be returned to her (sync/rules/reviews.py ``_nobody_to_correct``)
and one returned already is never corrected. It links the review queue narrowed to her, where they can
be dealt with first; after the stop the flash says the same count. A visit the station typed in for
her (代录) goes back to whoever entered it, so it is not hers to count."""
from __future__ import annotations

import re

import pytest

from ...factories import make_activity, remove
from .conftest import Site
from .test_mentor_stop import stop_form

PAGES = ["/mentors/{id}", "/admin/users/{id}"]


def _her_new_visit_and_one_typed_in_for_her(site: Site) -> tuple[str, str]:
    """Mentor 1 has activity 1 returned to her (the fixture); she writes another, still pending, and
    the station types one in for her (代录), pending too."""
    w = site.w
    own = site.write(lambda db: make_activity(db, w.mentor1, w.pairing1, date="2026-11-22"))
    typed = site.write(lambda db: make_activity(db, w.staff_st11, w.pairing1, date="2026-11-23"))
    return str(own), str(typed)


@pytest.mark.parametrize("page", PAGES)
def test_the_stop_form_says_how_many_of_her_own_visits_wait_and_links_the_queue_narrowed_to_her(
        site: Site, page: str) -> None:
    w = site.w
    _her_new_visit_and_one_typed_in_for_her(site)
    person = site.as_(w.staff_st11 if page.startswith("/mentors") else w.admin)
    shown = person.get(page.format(id=w.mentor1.user_id)).text
    assert "这位志愿者还有 1 条帮扶记录还在等待审核， 1 条已退回给本人修改" in shown.replace("\n", "")
    assert f'href="/review?mentor={w.mentor1.user_id}"' in shown
    assert "建议先" in shown


def test_the_queue_narrowed_to_a_volunteer_holds_her_own_waiting_visits_alone(site: Site) -> None:
    w = site.w
    own, typed = _her_new_visit_and_one_typed_in_for_her(site)
    staff = site.as_(w.staff_st11)
    queue = staff.get(f"/review?mentor={w.mentor1.user_id}")
    assert queue.status_code == 200
    cards = set(re.findall(r'<article class="card[^"]*" id="([^"]+)"', queue.text))
    # Not the 代录 visit, not mentor 2's visit or pairing; her pairing, not yet approved, is hers too.
    assert cards == {own, w.activity1, w.pairing1}
    assert "只看志愿者王老师自己记录的帮扶" in queue.text and 'href="/review"' in queue.text
    whole = set(re.findall(r'<article class="card[^"]*" id="([^"]+)"', staff.get("/review").text))
    assert {own, typed, w.activity1, w.activity2, w.pairing2} <= whole


def test_the_queue_refuses_an_unreadable_volunteer_and_hides_one_out_of_reach(site: Site) -> None:
    w = site.w
    staff = site.as_(w.staff_st11)
    bad = staff.get("/review?mentor=not-an-id")
    assert bad.status_code == 400 and "网址里的志愿者读不懂" in bad.text
    # Mentor 3 is another town's: the same 404 as her own page, nothing of hers shown.
    other = staff.get(f"/review?mentor={w.mentor3.user_id}")
    assert other.status_code == 404 and w.activity3 not in other.text


@pytest.mark.parametrize("page", PAGES)
def test_after_the_stop_the_flash_says_how_many_of_her_visits_are_left_waiting(site: Site, page: str) -> None:
    w = site.w
    _her_new_visit_and_one_typed_in_for_her(site)
    person = site.as_(w.staff_st11 if page.startswith("/mentors") else w.admin)
    path = page.format(id=w.mentor1.user_id)
    assert person.post(path, stop_form(person, path)).status_code == 303
    shown = person.get(path).text
    assert "注意：这位志愿者还有 1 条帮扶记录还在等待审核，1 条已退回给本人修改，现在不会再有人修改。" in shown


def test_a_volunteer_with_nothing_waiting_is_stopped_without_a_word_about_visits(site: Site) -> None:
    w = site.w
    site.write(lambda db: remove(db, w.staff_st11, "activity", w.activity2))  # a deleted visit waits for nobody
    staff = site.as_(w.staff_st11)
    path = f"/mentors/{w.mentor2.user_id}"
    assert "等待审核" not in staff.get(path).text
    assert staff.post(path, stop_form(staff, path)).status_code == 303
    assert "条帮扶记录还在等待审核" not in staff.get(path).text
