"""不是重复（确实是两次帮扶）: two visits of one pairing, day and sort that really are two (a home visit in
the morning, a talk at school in the afternoon, recorded as the same sort) were marked 可能重复 for
ever. Whoever may review the visit now says so on its page: kept in distinct_visits as the 代录 form's
tick is, audited, and neither is marked after. Not undone: a wrong word is put right by deleting the
extra one, which its page still offers."""
from __future__ import annotations

import re
from typing import Any

from sync.ids import new_id

from ...factories import end_pairing, make_activity, push, remove, upsert
from .conftest import Browser, Site, sentence
from .test_likely_visits import MARK, _card, _entered_then_sent_from_the_phone, _mark, _talks

BUTTON = "不是重复（确实是两次帮扶）"


def _key(page: str) -> str:
    found = re.search(r'name="twins" value="([^"]+)"', page)
    assert found, "the page offers 不是重复 beside the mark"
    return found.group(1)


def _say(browser: Browser, activity_id: str, key: str | None = None, **more: Any) -> Any:
    here = f"/activities/{activity_id}"
    shown = key if key is not None else _key(browser.get(here).text)
    return browser.post(f"{here}/not-twin", {"twins": shown, **more}, form_page=here)


def _flash(browser: Browser, answer: Any) -> str:
    assert answer.status_code == 303, answer.status_code
    return sentence(browser.get(answer.headers["location"]).text)


def _said(site: Site) -> list[tuple[str, str, str]]:
    return [tuple(r) for r in site.read(lambda db: db.execute(
        "SELECT activity_id, other_id, said_by FROM distinct_visits ORDER BY activity_id, other_id").fetchall())]


def _audits(site: Site, activity_id: str) -> list[tuple[str, str, str]]:
    return [tuple(r) for r in site.read(lambda db: db.execute(
        "SELECT user_id, op, changes FROM sync_audit WHERE entity = 'distinct_visits' AND record_id = ?",
        [activity_id]).fetchall())]


def test_staff_say_two_visits_are_two_on_its_page_and_neither_is_marked_after_kept_and_audited(site: Site) -> None:
    w = site.w
    entered, phone = _entered_then_sent_from_the_phone(site)
    talks = _talks(site)
    staff = site.as_(w.staff_st11)
    page = staff.get(f"/activities/{phone}").text
    assert BUTTON in page and _key(page) == entered
    unticked = _say(staff, phone)
    assert "没有记下：请先勾选" in _flash(staff, unticked) and _said(site) == []
    said = _say(staff, phone, confirm="two")
    assert said.headers["location"] == f"/activities/{phone}" and "已记下" in _flash(staff, said)
    assert sorted(_said(site)) == sorted([(phone, entered, w.staff_st11.user_id),
                                          (entered, phone, w.staff_st11.user_id)]), "both ways, who"
    ((who, op, changes),) = _audits(site, phone)
    assert (who, op) == (w.staff_st11.user_id, "create") and entered in changes
    for path in (f"/activities/{phone}", f"/activities/{entered}", f"/pairings/{w.pairing2}", "/review"):
        assert MARK not in staff.get(path).text, path
    assert _talks(site) == talks, "both still count: they are two visits"
    said_line = sentence(staff.get(f"/activities/{entered}").text)
    assert "已核对不是重复：站员一一于" in said_line
    assert "记下，这一条和一条面对面谈心（记录人李老师，手机上记的）是不同的帮扶" in said_line


def test_saying_not_twin_twice_answers_as_the_first_and_writes_nothing_more(site: Site) -> None:
    w = site.w
    entered, phone = _entered_then_sent_from_the_phone(site)
    staff = site.as_(w.staff_st11)
    key = _key(staff.get(f"/activities/{phone}").text)
    assert "已记下" in _flash(staff, _say(staff, phone, key, confirm="two"))
    again = _say(staff, phone, key, confirm="two")
    assert "已记下" in _flash(staff, again) and "没有记下" not in _flash(staff, _say(staff, phone, key, confirm="two"))
    assert len(_said(site)) == 2 and len(_audits(site, phone)) == 1
    # From the other visit's page, opened before: the pair is said already, from either side.
    assert "已记下" in _flash(staff, _say(staff, entered, phone, confirm="two")) and len(_said(site)) == 2


def test_not_twin_is_refused_in_words_for_a_visit_without_a_twin(site: Site) -> None:
    w = site.w
    staff = site.as_(w.staff_st11)
    assert BUTTON not in staff.get(f"/activities/{w.activity1}").text
    lone = _say(staff, w.activity1, new_id(), confirm="two")
    assert "没有记下：这个结对同一天已经没有标着“可能重复”的同类帮扶记录了" in _flash(staff, lone)
    assert _said(site) == [] and _audits(site, w.activity1) == []


def test_not_twin_without_the_visits_it_answers_is_a_400_in_words(site: Site) -> None:
    w = site.w
    entered, phone = _entered_then_sent_from_the_phone(site)
    staff = site.as_(w.staff_st11)
    for key in ("", "不是编号"):
        bad = _say(staff, phone, key, confirm="two")
        assert bad.status_code == 400 and "表单缺少要核对的记录" in sentence(bad.text), key
    assert _said(site) == [] and MARK in staff.get(f"/activities/{phone}").text


def test_a_twin_recorded_after_the_page_was_opened_is_not_said_unseen(site: Site) -> None:
    w = site.w
    entered, phone = _entered_then_sent_from_the_phone(site)
    staff = site.as_(w.staff_st11)
    key = _key(staff.get(f"/activities/{phone}").text)
    third = site.write(lambda db: make_activity(db, w.mentor2, w.pairing2, date="2026-11-26", kind="home_visit"))
    answer = _say(staff, phone, key, confirm="two")
    assert "又多了一条同类的帮扶记录" in _flash(staff, answer) and _said(site) == []
    page = staff.get(f"/activities/{phone}").text
    assert MARK in page and set(_key(page).split("+")) == {entered, third}


def test_another_station_can_neither_see_nor_say_not_twin_of_a_visit(site: Site) -> None:
    w = site.w
    entered, phone = _entered_then_sent_from_the_phone(site)
    for other in (w.staff_st21, w.staff_st12, w.staff_town2):
        browser = site.as_(other)
        assert browser.get(f"/activities/{phone}").status_code == 404
        assert phone not in browser.get("/review").text
        refused = _say(browser, phone, entered, confirm="two")
        assert refused.status_code == 404 and "找不到" in sentence(refused.text), other.name
    assert _said(site) == [] and MARK in site.as_(w.staff_st11).get(f"/activities/{phone}").text


def test_the_town_and_the_county_reviewer_see_the_mark_and_say_not_twin_as_they_may_review_it(site: Site) -> None:
    """The engine lets staff above the station and the county reviewer review its visits (sync/scope.py:
    the unit's subtree), so they may say 不是重复 too; deleting the extra one stays the station's."""
    w = site.w
    entered, phone = _entered_then_sent_from_the_phone(site)
    reviewer = site.as_(w.reviewer)
    assert MARK in _card(reviewer.get("/review").text, phone)
    page = reviewer.get(f"/activities/{phone}").text
    assert MARK in page and BUTTON in page and "删除这条重复的记录" not in page
    assert BUTTON in site.as_(w.staff_town1).get(f"/activities/{entered}").text
    assert "已记下" in _flash(reviewer, _say(reviewer, phone, confirm="two"))
    assert {r[2] for r in _said(site)} == {w.reviewer.user_id}
    assert MARK not in _card(reviewer.get("/review").text, phone)
    assert "已核对不是重复：县关工委于" in sentence(site.as_(w.staff_st11).get(f"/activities/{phone}").text)


def test_a_visit_of_a_deleted_childs_file_is_not_said_to_be_two(site: Site) -> None:
    w = site.w
    entered, phone = _entered_then_sent_from_the_phone(site)
    staff = site.as_(w.staff_st11)
    key = _key(staff.get(f"/activities/{phone}").text)
    site.write(lambda db: end_pairing(db, w.staff_st11, w.pairing2, end_date="2026-11-30"))
    site.write(lambda db: remove(db, w.staff_st11, "mentee", w.mentee2))
    assert BUTTON not in staff.get(f"/activities/{phone}").text
    assert "档案已被删除" in _flash(staff, _say(staff, phone, key, confirm="two")) and _said(site) == []


def test_said_two_wrongly_the_extra_one_is_still_deleted_from_its_page(site: Site) -> None:
    """Not undone (distinct_visits is append-only, the trace of what was said); said wrongly, the
    same visit twice is still put right where a duplicate is: deleted from its page."""
    w = site.w
    entered, phone = _entered_then_sent_from_the_phone(site)
    staff = site.as_(w.staff_st11)
    _say(staff, phone, confirm="two")
    page = staff.get(f"/activities/{phone}").text
    assert not _mark(page) and "其实是同一次帮扶？" in page and "删除这条重复的记录" in page
    version = re.search(r'name="base_version" value="(\d+)"', page)
    assert version
    gone = staff.post(f"/activities/{phone}/delete", {"base_version": version.group(1), "confirm": "twin"},
                      form_page=f"/activities/{phone}")
    assert gone.status_code == 303 and gone.headers["location"] == f"/pairings/{w.pairing2}"
    assert site.read(lambda db: db.execute("SELECT deleted FROM activities WHERE id = ?", [phone]).fetchone()) == (1,)
    assert "其实是同一次帮扶？" not in staff.get(f"/activities/{entered}").text, "no same-day visit left"


def test_a_phone_copy_sent_after_not_twin_is_marked_beside_both(site: Site) -> None:
    w = site.w
    entered, phone = _entered_then_sent_from_the_phone(site)
    staff = site.as_(w.staff_st11)
    _say(staff, phone, confirm="two")
    later = new_id()
    site.write(lambda db: push(db, w.mentor2, upsert("activity", later, {
        "pairing_id": w.pairing2, "kind": "home_visit", "date": "2026-11-26", "record": "又记了一次"}, 2)))
    mark = _mark(staff.get(f"/activities/{phone}").text)
    assert f'href="/activities/{later}"' in mark and f'href="/activities/{entered}"' not in mark
    assert _key(staff.get(f"/activities/{phone}").text) == later
