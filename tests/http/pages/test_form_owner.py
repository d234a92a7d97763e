"""A form remembers whom it was shown to: someone else signing in in another tab of the same browser
must not have an older form, still open in the first tab, saved under their name."""
from __future__ import annotations

import html

from .conftest import Site
from .station import record_id_on

VISIT = {"kind": "home_visit", "date": "2026-11-26", "duration_min": "50", "place": "孩子家中",
         "record": "王老师电话口述：和奶奶聊了作业的事。"}


def test_a_form_shown_to_one_person_and_posted_after_another_signed_in_is_refused_and_nothing_is_written(
        site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    page = browser.get(f"/activities/new?pairing_id={w.pairing1}").text
    token, record_id = browser.token(f"/activities/new?pairing_id={w.pairing1}"), record_id_on(page)
    browser.login(site.login_of(w.staff_town1))  # the other tab
    response = browser.post("/activities/new", {"record_id": record_id, "pairing_id": w.pairing1, **VISIT},
                            token=token)
    text = html.unescape(response.text)
    assert response.status_code == 409 and "location" not in response.headers, text
    assert "另一个账号登录时打开的" in text and "什么都没有保存" in text and VISIT["record"] in text
    assert site.read(lambda db: db.execute("SELECT count(*) FROM activities WHERE record = ?",
                                           [VISIT["record"]]).fetchone()[0]) == 0
    assert site.read(lambda db: db.execute("SELECT count(*) FROM form_drafts").fetchone()[0]) == 0
    # The form opened again shows the person now signed in, and saves under their name.
    again = browser.post("/activities/new", {"pairing_id": w.pairing1, **VISIT}, form_page="/activities/new")
    assert again.status_code == 303, again.text
    assert site.read(lambda db: db.execute("SELECT entered_by FROM activities WHERE record = ?",
                                           [VISIT["record"]]).fetchone()[0]) == w.staff_town1.user_id


def test_a_stale_form_shown_to_another_person_is_not_kept_as_the_signed_in_persons_draft(site: Site) -> None:
    """A form whose token went stale (the browser lost its cookie) is kept for the signed-in person
    and shown back filled in, but only when it was shown to that person."""
    w = site.w
    browser = site.as_(w.staff_st11)
    token = browser.token("/activities/new")
    browser.client.cookies.delete("bx_csrf")
    browser.login(site.login_of(w.staff_town1))
    response = browser.client.post("/activities/new", data={"pairing_id": w.pairing1, **VISIT, "csrf_token": token},
                                   headers={"sec-fetch-site": "same-origin"}, follow_redirects=False)
    assert response.status_code == 409, response.text
    assert site.read(lambda db: db.execute("SELECT count(*) FROM form_drafts").fetchone()[0]) == 0


def test_the_same_person_signing_in_again_keeps_an_open_form_valid(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    token = browser.token("/activities/new")
    browser.login(site.login_of(w.staff_st11))
    response = browser.post("/activities/new", {"pairing_id": w.pairing1, **VISIT}, token=token)
    assert response.status_code == 303, response.text
