"""不是重复 on the review queue's card: the reviewer who sees ⚠ 可能重复 on a card says the visits are two
right there (the same route as the visit's page, /activities/{id}/not-twin), and comes back to the
queue's page the decision was made on, at the card, as the queue's other decisions do. ``back`` is
only ever a page of /review: anything else (an absolute URL, //host) is ignored, back to the visit's
page."""
from __future__ import annotations

import html
import re
from typing import Any

import pytest

from .conftest import Browser, Site, sentence
from .test_likely_visits import MARK, _card, _entered_then_sent_from_the_phone
from .test_not_twins import BUTTON, _said


def _card_form(browser: Browser, queue: str, activity_id: str) -> dict[str, Any]:
    """The 不是重复 form of the visit's card on ``queue``, ticked, as the browser would send it."""
    card = _card(browser.get(queue).text, activity_id)
    assert BUTTON in card and f'action="/activities/{activity_id}/not-twin"' in card
    fields = dict(re.findall(r'<input type="hidden" name="(twins|back)" value="([^"]*)"', card))
    return {**{k: html.unescape(v) for k, v in fields.items()}, "confirm": "two"}


def _send(browser: Browser, activity_id: str, form: dict[str, Any], queue: str = "/review") -> Any:
    return browser.post(f"/activities/{activity_id}/not-twin", form, form_page=queue)


def test_the_reviewer_says_not_twin_on_the_queues_card_and_comes_back_to_that_page_without_the_mark(
        site: Site) -> None:
    w = site.w
    entered, phone = _entered_then_sent_from_the_phone(site)
    reviewer = site.as_(w.reviewer)
    queue = f"/review?unit={w.st11}"
    form = _card_form(reviewer, queue, phone)
    assert form["twins"] == entered and form["back"] == queue
    answer = _send(reviewer, phone, form, queue)
    assert answer.status_code == 303 and answer.headers["location"] == f"{queue}#{phone}"
    back = reviewer.get(answer.headers["location"]).text
    assert "已记下：这几条是不同的帮扶，不再标“可能重复”" in sentence(back)
    assert MARK not in _card(back, phone) and BUTTON not in _card(back, phone)
    assert MARK not in _card(back, entered), "said both ways: neither card is marked"
    assert {(r[0], r[1]) for r in _said(site)} == {(phone, entered), (entered, phone)}


def test_the_station_says_not_twin_on_the_queue_and_an_unticked_form_comes_back_to_the_queue_in_words(
        site: Site) -> None:
    w = site.w
    entered, phone = _entered_then_sent_from_the_phone(site)
    staff = site.as_(w.staff_st11)
    form = _card_form(staff, "/review", phone)
    unticked = _send(staff, phone, {**form, "confirm": ""})
    assert unticked.headers["location"] == f"/review#{phone}" and _said(site) == []
    assert "没有记下：请先勾选" in sentence(staff.get(unticked.headers["location"]).text)
    assert _send(staff, phone, form).headers["location"] == f"/review#{phone}"
    assert len(_said(site)) == 2 and MARK not in _card(staff.get("/review").text, phone)


def test_a_card_without_a_likely_twin_offers_no_not_twin(site: Site) -> None:
    w = site.w
    queue = site.as_(w.staff_st11).get("/review").text
    assert BUTTON not in _card(queue, w.activity1)


@pytest.mark.parametrize("forged", [
    "https://evil.example/review", "//evil.example/review", "///evil.example/review", "/\\evil.example/review",
    "http:/review", "/reviews", "/review/../logout", "/activities", "javascript:alert(1)", "/review\r\nSet-Cookie: x=1",
])
def test_a_forged_back_is_ignored_and_the_answer_goes_to_the_visits_page(site: Site, forged: str) -> None:
    w = site.w
    entered, phone = _entered_then_sent_from_the_phone(site)
    staff = site.as_(w.staff_st11)
    answer = _send(staff, phone, {**_card_form(staff, "/review", phone), "back": forged})
    assert answer.status_code == 303 and answer.headers["location"] == f"/activities/{phone}"
    assert "已记下" in sentence(staff.get(answer.headers["location"]).text) and len(_said(site)) == 2


def _mark_words(page: str) -> str:
    found = re.search(r'<p class="warning maybe-twin">(.*?)</p>', page, re.S)
    assert found, "no 可能重复 mark"
    return sentence(found.group(1))


def test_the_queues_mark_points_to_the_button_below_it_and_the_archive_to_the_visits_page(site: Site) -> None:
    """The card has the tick and 不是重复 under its ⚠ 可能重复 words: they say so, not to go and press it
    on the record's page (the visit's own page, which has them too, says the same); the archive's
    timeline, with no button, still sends one there."""
    w = site.w
    entered, phone = _entered_then_sent_from_the_phone(site)
    staff = site.as_(w.staff_st11)
    on_queue = _mark_words(_card(staff.get("/review").text, phone))
    assert "确实是两次帮扶的，勾选下面的“核对过了”，再点“不是重复”" in on_queue, on_queue
    assert "在记录的页面上点" not in on_queue
    assert _mark_words(staff.get(f"/activities/{phone}").text) == on_queue
    in_archive = _mark_words(staff.get(f"/pairings/{w.pairing2}").text)
    assert "确实是两次帮扶的，在记录的页面上点“不是重复”" in in_archive, in_archive
