"""查找 on a picker past the cap answers with post/redirect/get: what was typed waits as the
person's draft of the form, and the 303 names only the draft's id. Back or reload then lands on a
GET, never on Chromium's resubmit page, and no child's name or typed words ride in a URL."""
from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from .conftest import Site
from .test_pickers import CAP, FORMS, crowd, options, search

WORDS = "每周谈心一次，聊聊学习"
RECORD_ID = re.compile(r'name="record_id" value="([0-9a-f-]{36})"')


def typed(field: str) -> dict[str, str]:
    """A new-record form of ``field``'s picker, filled in, searching for 陈晓燕 (C-9999)."""
    if field == "pairing_id":
        return {"pairing_id": "", "kind": "home_visit", "date": "2026-11-20", "record": WORDS, "q": "晓燕"}
    return {"mentee_id": "", "goals": WORDS, "reason": WORDS, "approach": "guanai", "start_date": "2026-11-02",
            "target": "medical", "referred_on": "2026-11-02", "q": "晓燕"}


@pytest.mark.parametrize(("path", "field"), FORMS)
def test_a_search_answers_303_to_the_form_with_only_a_draft_id(site: Site, path: str, field: str) -> None:
    crowd(site)
    browser = site.as_(site.w.staff_st11)
    posted = browser.post(path, {**typed(field), "find": "1"})
    assert posted.status_code == 303
    location = posted.headers["location"]
    assert re.fullmatch(re.escape(path) + r"\?draft=[0-9a-f-]{36}", location), location
    assert "晓燕" not in unquote(location) and WORDS not in unquote(location)


@pytest.mark.parametrize(("path", "field"), FORMS)
def test_the_form_after_a_search_shows_the_typed_words_and_the_narrowed_list(site: Site, path: str,
                                                                             field: str) -> None:
    made = crowd(site)
    page = search(site.as_(site.w.staff_st11), path, typed(field)).text
    assert WORDS in page and 'value="晓燕"' in page
    assert options(page, field) == [made["pairing"] if field == "pairing_id" else made["mentee"]]
    assert "找到 1 " in page


@pytest.mark.parametrize(("path", "field"), FORMS)
def test_another_account_given_the_search_url_gets_the_plain_form(site: Site, path: str, field: str) -> None:
    w = site.w
    crowd(site)
    location = site.as_(w.staff_st11).post(path, {**typed(field), "find": "1"}).headers["location"]
    for other in (w.staff_town1, w.staff_st21):  # one who sees the same children, and one who does not
        page = site.as_(other).get(location)
        assert page.status_code == 200, other
        assert WORDS not in page.text and "晓燕" not in page.text, other
    assert len(options(site.as_(w.staff_town1).get(location).text, field)) == CAP  # not narrowed


def test_a_draft_is_read_only_on_the_form_it_was_typed_on(site: Site) -> None:
    crowd(site)
    browser = site.as_(site.w.staff_st11)
    location = browser.post("/pairings/new", {**typed("mentee_id"), "find": "1"}).headers["location"]
    draft = location.split("?", 1)[1]
    assert WORDS in browser.get(location).text
    for elsewhere in ("/referrals/new", "/activities/new", "/mentees/new"):
        page = browser.get(f"{elsewhere}?{draft}")
        assert page.status_code == 200 and WORDS not in page.text and "晓燕" not in page.text, elsewhere


@pytest.mark.parametrize(("path", "field"), FORMS)
def test_save_after_a_search_creates_the_record_once(site: Site, path: str, field: str) -> None:
    """The form shown after 查找 carries the id it was first shown with: 保存, then Back and 保存
    again, names one record (pages/writes.create_once)."""
    w = site.w
    made = crowd(site)
    browser = site.as_(w.staff_st11)
    first = RECORD_ID.search(browser.get(path).text)
    assert first
    found = search(browser, path, {**typed(field), "record_id": first.group(1)}).text
    shown = RECORD_ID.search(found)
    assert shown and shown.group(1) == first.group(1)
    chosen = made["pairing"] if field == "pairing_id" else made["mentee"]
    form = {**typed(field), field: chosen, "record_id": shown.group(1)}
    if field == "mentee_id":
        form["mentor_id"] = w.mentor1.user_id
    table = {"/pairings/new": "pairings", "/referrals/new": "referrals", "/activities/new": "activities"}[path]
    for _ in range(2):  # 保存, then Back to the form after the search and 保存 again
        saved = browser.post(path, form)
        assert saved.status_code == 303 and "draft" not in saved.headers["location"], saved.text[:300]
    count = site.read(lambda db: db.execute(f"SELECT count(*) FROM {table} WHERE id = ?", [first.group(1)]).fetchone())
    assert count[0] == 1
