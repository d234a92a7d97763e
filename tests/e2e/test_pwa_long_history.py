"""A child's page on a phone kept for years: with two years of weekly visits the history was 104 rows,
71 screens at 特大, and 摸排 came after all of them (bench/phone_year.py). The newest ten are drawn, the
rest at a tap; nothing the phone holds is left out, and 摸排 sits above the history."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import ServerProcess
from .phone import Phone, Station, query
from .screen import documented_shots

pytestmark = pytest.mark.e2e

ADDED = 20
# The history's rows, newest first: each visit's id (a 摸排 has no page: its text).
HISTORY = """() => [...document.querySelectorAll('main ul.rows li')].map((li) => {
  const a = li.querySelector('a.row');
  return a ? a.getAttribute('href').split('/').pop() : li.textContent; })"""


# Places read in one go in the page: it may be drawn again under the test (the redraw after a sync).
SCREENING_ABOVE = """() => {
  const link = [...document.querySelectorAll('main a.button')].find((a) => a.textContent === '摸排');
  return link.getBoundingClientRect().bottom <= document.querySelector('main ul.rows li').getBoundingClientRect().top;
}"""
ROW_TOP = "(i) => document.querySelectorAll('main ul.rows li')[i].getBoundingClientRect().top"


def test_pwa_a_long_history_shows_the_newest_ten_then_the_rest_at_a_tap_with_the_screening_button_above(
    server: ServerProcess, phones: Any
) -> None:
    pairing, mentee, start = query(
        server, "SELECT p.id, p.mentee_id, p.start_date FROM pairings p JOIN users u ON u.id = p.mentor_id"
        " JOIN mentees m ON m.id = p.mentee_id WHERE u.login = 'zhou.laoshi' AND p.status = 'active'"
        " ORDER BY m.code LIMIT 1")[0]
    station = Station(server, "xiao-bencha")  # 代录, through the sync API as the station's computer writes
    first = datetime.date.fromisoformat(start)
    for k in range(ADDED):
        station.push("activity", f"01900000-0000-7000-8000-{k:012d}", {
            "pairing_id": pairing, "kind": "talk", "date": (first + datetime.timedelta(days=k)).isoformat(),
            "record": f"第{k + 1}次谈心：孩子说了学校里的事。"}, None)
    visits = {row[0] for row in query(server, "SELECT a.id FROM activities a JOIN pairings p ON p.id = a.pairing_id"
                                              " JOIN users u ON u.id = p.mentor_id WHERE a.mentee_id = ?"
                                              " AND u.login = 'zhou.laoshi' AND a.deleted = 0", mentee)}
    screenings = query(server, "SELECT count(*) FROM screenings WHERE mentee_id = ? AND deleted = 0", mentee)[0][0]
    total = len(visits) + screenings
    assert total > ADDED > 10

    phone: Phone = phones.new(server)
    phone.enrol("zhou.laoshi")
    page = phone.page
    page.goto(server.url + f"/app/#/mentee/{mentee}")
    rows = page.locator("main ul.rows li")
    expect(rows).to_have_count(10)
    newest = page.evaluate(HISTORY)
    assert page.evaluate(SCREENING_ABOVE)  # not under two years of rows

    more = page.get_by_role("button", name=f"显示更早的{total - 10}条记录")
    if (shots := documented_shots()) is not None:  # the README's picture: the ten, then the button
        more.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "pwa-mentee-long-history.png"))
    # Scrolled to and tapped in one go: a sync drawing the page meanwhile moves nothing, but leaves no gap.
    expect(more).to_be_visible()
    was = page.evaluate("""() => { const button = [...document.querySelectorAll('main button')]
        .find((b) => b.textContent.startsWith('显示更早的'));
      button.scrollIntoView({ block: 'center' });
      const y = button.getBoundingClientRect().top;
      button.click();
      return y; }""")
    expect(rows).to_have_count(total)
    expect(more).to_have_count(0)
    history = page.evaluate(HISTORY)
    assert history[:10] == newest  # the ten shown were the newest, in the same order
    assert {h for h in history if h in visits} == visits  # every visit the phone holds
    assert len(history) == len(set(history))  # none twice
    assert abs(page.evaluate(ROW_TOP, 10) - was) < 50  # the older ones start where she tapped

    # An old visit opened and 返回: the history is still open, not folded back to ten.
    page.locator("main a.row[href='#/activity/01900000-0000-7000-8000-000000000000']").click()
    expect(page.get_by_text("第1次谈心：孩子说了学校里的事。")).to_be_visible()
    page.get_by_role("button", name="返回").click()
    expect(rows).to_have_count(total)
