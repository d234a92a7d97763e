"""An edit form sent again (the back button, a field changed, 保存 — or the same form open in a
second tab) after the person's own save from it: the clash stays a conflict, so neither text is lost
(test_activities.py, two tabs), but the person is told the change since was their own, not
"已被别人先改过" — the words a field another person or a phone changed in between still gets
(sync/apply.py ``_clash_words`` decides, field by field)."""
from __future__ import annotations

import html
from typing import Any

from sync import apply_batch, mutations

from ...factories import row
from .conftest import Browser, Site
from .station import activity_form

OWN = "在这张表单打开后已由您自己改过并保存（在另一个标签页，或这张表单先前的一次提交），保留了先保存的内容"
OTHERS = "已被别人先改过"


def _conflicts(site: Site, record_id: str) -> list[str]:
    return [r[0] for r in site.read(lambda db: db.execute(
        "SELECT other_value FROM sync_conflicts WHERE record_id = ?", [record_id]).fetchall())]


def _told(browser: Browser, response: Any) -> str:
    assert response.status_code == 303, html.unescape(response.text)[-2000:]
    return html.unescape(browser.get(response.headers["location"]).text)


def _mentee_form(site: Site) -> dict[str, Any]:
    w = site.w
    version = site.read(lambda db: row(db, "mentee", w.mentee1))["version"]
    return {"base_version": str(version), "unit_id": w.st11, "name": "小明", "risk_level": "normal",
            "status": "active", "categories": ["psych"], "grade": "四年级"}


def test_a_childs_edit_form_sent_again_with_a_field_changed_says_the_change_since_was_ones_own(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    form = _mentee_form(site)
    path = f"/mentees/{w.mentee1}/edit"
    assert browser.post(path, {**form, "grade": "五年级"}).status_code == 303
    said = _told(browser, browser.post(path, {**form, "grade": "六年级"}))
    assert f"“年级”{OWN}" in said and OTHERS not in said
    assert site.read(lambda db: row(db, "mentee", w.mentee1))["grade"] == "五年级"
    assert _conflicts(site, w.mentee1) == ['"六年级"']  # kept for the station to choose, not lost


def _visit_saved_once(site: Site) -> tuple[Browser, dict[str, Any], str, int]:
    """A staff member's edit form of activity 1, saved once with a first 过程记录: the browser, the form
    as it was shown (its version before that save), its path, and that version."""
    w = site.w
    browser = site.as_(w.staff_st11)
    version = site.read(lambda db: row(db, "activity", w.activity1))["version"]
    form = {**activity_form(site, w.activity1), "base_version": str(version)}
    path = f"/activities/{w.activity1}/edit"
    assert browser.post(path, {**form, "record": "第一次保存的记录。"}).status_code == 303
    return browser, form, path, version


def _phone_writes(site: Site, version: int, fields: dict[str, str]) -> None:
    """The volunteer's phone changes activity 1 after that save (her copy is of its version)."""
    push = mutations.upsert("activity", fields, site.w.activity1, base_version=version + 1, mutation_id=1)
    (answer,) = site.write(lambda db: apply_batch(db, site.w.mentor1, {"mutations": [push]})).results
    assert answer["status"] == "applied"


def test_a_visits_edit_form_sent_again_with_its_record_changed_says_the_change_since_was_ones_own(
        site: Site) -> None:
    browser, form, path, _ = _visit_saved_once(site)
    said = _told(browser, browser.post(path, {**form, "record": "改了一句再保存。"}))
    assert f"“过程记录”{OWN}" in said and OTHERS not in said
    assert site.read(lambda db: row(db, "activity", site.w.activity1))["record"] == "第一次保存的记录。"
    assert _conflicts(site, site.w.activity1) == ['"改了一句再保存。"']


def test_a_phones_change_of_the_same_field_in_between_is_told_as_someone_elses(site: Site) -> None:
    browser, form, path, version = _visit_saved_once(site)
    _phone_writes(site, version, {"record": "手机上补写的记录。"})
    said = _told(browser, browser.post(path, {**form, "record": "改了一句再保存。"}))
    assert f"“过程记录”{OTHERS}" in said and OWN not in said
    assert site.read(lambda db: row(db, "activity", site.w.activity1))["record"] == "手机上补写的记录。"
    assert _conflicts(site, site.w.activity1) == ['"改了一句再保存。"']


def test_a_phones_change_of_another_field_in_between_merges_and_the_clash_stays_ones_own(site: Site) -> None:
    """Whose a kept field was is asked of that field: the volunteer's 事后跟踪 from her phone merges, and
    the 过程记录 the form clashes with is still the sender's own earlier save."""
    browser, form, path, version = _visit_saved_once(site)
    _phone_writes(site, version, {"follow_up": "手机上写的跟踪。"})
    said = _told(browser, browser.post(path, {**form, "record": "改了一句再保存。"}))
    assert f"“过程记录”{OWN}" in said and OTHERS not in said
    assert site.read(lambda db: row(db, "activity", site.w.activity1))["follow_up"] == "手机上写的跟踪。"
    assert _conflicts(site, site.w.activity1) == ['"改了一句再保存。"']
