"""A new-record form posted again (the back button, a field changed, 保存 again): the record is made
once (create_once), so the second post's changes cannot be saved; the person is told so in words,
with what was not saved and a link to the record's page, never answered "saved"."""
from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import pytest

from ...factories import row
from .conftest import Site
from .station import record_id_on

# (page showing the new form, what to post there, a field to change, the record's page)
Form = tuple[str, Callable[[Any], dict[str, Any]], str, str]
FORMS: dict[str, Form] = {
    "activity": ("/activities/new", lambda w: {
        "pairing_id": w.pairing1, "kind": "home_visit", "date": "2026-11-26", "duration_min": "50",
        "place": "孩子家中", "record": "和奶奶聊了作业的事。\r\n孩子愿意交流。", "moods": ["平稳"],
        "observations": ["作业跟不上"], "tags": ["parents"]}, "record", "/activities/{}"),
    "mentee": ("/mentees/new", lambda w: {
        "unit_id": w.st11, "name": "陈晓华", "grade": "五年级", "gender": "female", "categories": ["psych"],
        "risk_level": "watch", "guardian_name": "外婆", "guardian_contact": "13800001111",
        "plan": "每两周家访一次"}, "guardian_contact", "/mentees/{}"),
    "pairing": ("/pairings/new", lambda w: {
        "mentor_id": w.mentor2.user_id, "mentee_id": w.mentee_unpaired, "approach": "fuxin",
        "start_date": "2026-11-25", "goals": "每周谈心一次"}, "goals", "/pairings/{}"),
    "referral": ("/referrals/new", lambda w: {
        "mentee_id": w.mentee2, "target": "counselling_room", "institution": "掘港小学心理辅导室",
        "reason": "考试焦虑", "referred_on": "2026-11-20"}, "reason", "/referrals/{}"),
    "event": ("/events/new", lambda w: {
        "unit_id": w.st11, "kind": "lecture", "date": "2026-11-18", "title": "第5讲 家长学校",
        "lecture_no": "5", "audience": "parents", "participants": "236", "copies": "", "online": "1",
        "notes": ""}, "participants", "/events/{}"),
}


def _changed(value: str) -> str:
    return "300" if value.isdigit() else value + "（补充）"


@pytest.mark.parametrize("entity", list(FORMS))
def test_a_new_form_posted_again_with_a_changed_field_is_told_the_change_was_not_saved(
        site: Site, entity: str) -> None:
    w = site.w
    page, data_of, name, link = FORMS[entity]
    path = page.split("?")[0]
    browser = site.as_(w.staff_st11)
    record_id = record_id_on(browser.get(page).text)
    data = {"record_id": record_id, **data_of(w)}
    first = browser.post(path, data)
    assert first.status_code == 303, first.text
    before = site.read(lambda db: row(db, entity, record_id))
    # The same values again (a double tap): answered as the first post was.
    again = browser.post(path, data)
    assert (again.status_code, again.headers.get("location")) == (303, first.headers["location"]), again.text
    # Back, a field changed, 保存: not saved, and said so with the change and where to make it.
    changed = {**data, name: _changed(str(data[name]))}
    response = browser.post(path, changed)
    text = html.unescape(response.text)
    assert response.status_code == 409 and "location" not in response.headers, text
    assert "已经保存过" in text and "没有保存" in text and changed[name] in text
    assert f'href="{link.format(record_id)}"' in text
    assert site.read(lambda db: row(db, entity, record_id)) == before


def test_a_new_form_posted_again_with_a_field_cleared_is_told_the_change_was_not_saved(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    record_id = record_id_on(browser.get("/referrals/new").text)
    data = {"record_id": record_id, **FORMS["referral"][1](w)}
    assert browser.post("/referrals/new", data).status_code == 303
    response = browser.post("/referrals/new", {**data, "institution": ""})
    assert response.status_code == 409 and "（清空）" in response.text
    assert site.read(lambda db: row(db, "referral", record_id))["institution"] == "掘港小学心理辅导室"


def test_a_screening_posted_again_with_a_changed_field_is_told_the_change_was_not_saved(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    path = f"/mentees/{w.mentee2}"
    screening_id = record_id_on(browser.get(path).text)
    data = {"record_id": screening_id, "date": "2026-11-15", "risk_level": "watch", "needs": "心理门诊评估"}
    assert browser.post(path, data).status_code == 303
    assert browser.post(path, data).status_code == 303
    response = browser.post(path, {**data, "needs": "心理门诊评估，每周一次"})
    assert response.status_code == 409 and "每周一次" in response.text
    assert f'href="/mentees/{w.mentee2}#screenings"' in response.text
    assert site.read(lambda db: row(db, "screening", screening_id))["needs"] == "心理门诊评估"


# (who posts, the new form's page, where it posts, what to post, a field to empty, the record's page)
Cleared = tuple[str, str, str, Callable[[Any], dict[str, Any]], str, str]
CLEARED: dict[str, Cleared] = {
    "mentee": ("staff_st11", "/mentees/new", "/mentees/new", FORMS["mentee"][1], "guardian_contact", "/mentees/{}"),
    "screening": ("staff_st11", "/mentees/{mentee}", "/mentees/{mentee}", lambda w: {
        "date": "2026-11-15", "risk_level": "watch", "needs": "心理门诊评估", "notes": "奶奶说夜里睡不好"},
        "notes", "/mentees/{mentee}#screenings"),
    "inspection": ("reviewer", "/inspections/new", "/inspections/new", lambda w: {
        "unit_id": w.st12, "date": "2026-11-03", "kind": "full", "inspectors": "县关工委 周文清",
        "findings": "台帐齐全", "rectify": "建咨询室", "rectify_due": "2026-12-15", "score": "70",
        "item_records": "passed", "item_counselling_room": "failed"}, "inspectors", "/inspections/{}"),
    "unit": ("admin", "/admin/units", "/admin/units", lambda w: {
        "name": "掘港第二小学", "kind": "school", "parent_id": w.town1, "phone": "0513-84561234"},
        "phone", "/admin/units/{}"),
}


@pytest.mark.parametrize("entity", list(CLEARED))
def test_a_new_form_posted_again_with_only_a_field_emptied_is_told_the_change_was_not_saved(
        site: Site, entity: str) -> None:
    w = site.w
    who, page, path, data_of, name, link = CLEARED[entity]
    browser = site.as_(getattr(w, who))
    page, path = page.format(mentee=w.mentee2), path.format(mentee=w.mentee2)
    record_id = record_id_on(browser.get(page).text)
    data = {"record_id": record_id, **data_of(w)}
    first = browser.post(path, data)
    assert first.status_code == 303, first.text
    before = site.read(lambda db: row(db, entity, record_id))
    assert browser.post(path, data).status_code == 303  # the same values again: answered as saved
    response = browser.post(path, {**data, name: ""})
    text = html.unescape(response.text)
    assert response.status_code == 409 and "没有保存" in text and "（清空）" in text, text
    assert f'href="{link.format(record_id, mentee=w.mentee2)}"' in text
    assert site.read(lambda db: row(db, entity, record_id)) == before


def test_an_inspection_posted_again_with_its_score_left_empty_both_times_is_answered_as_saved(site: Site) -> None:
    """The score left empty is filled from the checklist: the same post again is not a change."""
    w = site.w
    browser = site.as_(w.reviewer)
    data = {**CLEARED["inspection"][3](w), "score": "",
            "record_id": record_id_on(browser.get("/inspections/new").text)}
    first = browser.post("/inspections/new", data)
    assert first.status_code == 303 and site.read(lambda db: row(db, "inspection", data["record_id"]))["score"] == 50
    again = browser.post("/inspections/new", data)
    assert (again.status_code, again.headers.get("location")) == (303, first.headers["location"]), again.text
