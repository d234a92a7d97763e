"""The statistics form and a station's return, in Debian Chromium against a real ``banxing serve``
over the demo county: the headings' units on screen at office-PC and phone widths, and the paper a
station prints of its own draft return."""
from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import Browser

from sync.timeutil import local_today

from .conftest import ServerProcess
from .screen import sign_in

pytestmark = pytest.mark.e2e

# Each bracketed unit of a statistics heading (（场次）, （人）) and on how many lines it lies: its
# characters' own boxes, whatever spans the heading is made of.
HEADING_UNITS = """() => [...document.querySelectorAll('main table.stats-form thead th')].flatMap((th) => {
  const at = [];
  const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) for (let i = 0; i < n.length; i++) at.push([n, i]);
  const text = at.map(([n, i]) => n.data[i]).join('');
  const units = [];
  for (let open = text.indexOf('（'); open >= 0; open = text.indexOf('（', open + 1)) {
    const close = text.indexOf('）', open);
    const range = document.createRange();
    range.setStart(...at[open]);
    range.setEnd(at[close][0], at[close][1] + 1);
    const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
    units.push([text.slice(0, close + 1), tops.size]);
  }
  return units;
})"""

@pytest.mark.parametrize("width", [1366, 1024, 800, 390])
def test_a_statistics_headings_unit_in_brackets_is_never_cut_across_two_lines(
        server: ServerProcess, browser: Browser, width: int) -> None:
    """The form's headings broke inside their units: 参与专题家长会（人 / 次） at 1366 and 1024 px, every
    （场次） at 800 and on a phone's paper. Each unit now stays whole on one line; the heading's words
    before it still wrap."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport={"width": width, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, server, "county", "/dashboard")
        page.goto(server.url + "/reports/stats")
        if width == 390:  # a phone shows cards on screen, each figure labelled; its headings are on paper
            page.emulate_media(media="print")
        units = page.evaluate(HEADING_UNITS)
        assert [h for h, _ in units][:2] == ["开展专题宣传教育（场次）", "参与宣传教育人员（人次）"], units
        assert len(units) == 8, units
        assert [u for u in units if u[1] != 1] == [], (width, units)
    finally:
        context.close()


# What of a page's form is drawn (its boxes, buttons and lists), and its headings over the content.
CONTROLS_SHOWN = """() => [...document.querySelectorAll('input, textarea, select, button')].filter((e) => {
  const box = e.getBoundingClientRect();
  return box.width > 0 && box.height > 0 && getComputedStyle(e).visibility !== 'hidden';
}).map((e) => e.outerHTML.slice(0, 80))"""
HEADINGS_SHOWN = """() => [...document.querySelectorAll('main h1, main h2')]
  .filter((h) => h.getBoundingClientRect().height > 0).map((h) => h.textContent.trim())"""


def test_a_stations_printed_draft_return_shows_its_typed_words_as_text_and_no_form(
        server: ServerProcess, browser: Browser) -> None:
    """A station printing its draft return got the form on the paper: 备注和填表信息 over three empty-
    looking boxes (the words typed in them cut to the box) and 填表人 in the head still the saved name.
    On paper the draft now reads as a submitted return: the figures, the words typed (saved or not)
    as text, no box, no button, no heading over nothing. On screen the form is as it was, and what
    was typed is what 保存草稿 saves."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1024, "height": 800})
    page = context.new_page()
    try:
        sign_in(page, server, "staff-bencha", "/staff")
        # Last month, which the demo's visits fill whatever day it is: this year is empty on 1 January.
        last = local_today().replace(day=1) - datetime.timedelta(days=1)
        page.goto(server.url + f"/reports/stats?from={last.replace(day=1)}&to={last}")
        page.get_by_role("button", name="报送本表…").click()
        page.wait_for_url("**/returns/*")
        total = page.locator("table.stats-form tr.total td.num").all_inner_texts()
        assert len(total) == 8 and any(t.strip() not in ("", "0") for t in total), total
        page.get_by_label("备注").fill("第三辅导站两场讲座改期到下月。")
        page.get_by_label("活动总结").fill("本月开展第4讲宣讲两场。\n家长会一场。")
        page.get_by_label("填表人").fill("陈晓梅")
        page.get_by_label("填表电话").fill("13900001111")

        page.emulate_media(media="print")
        assert page.evaluate(CONTROLS_SHOWN) == []
        assert page.evaluate(HEADINGS_SHOWN)[1:] == ["备注", "活动总结"]
        paper = page.locator("main").inner_text()
        for typed in ("第三辅导站两场讲座改期到下月。", "本月开展第4讲宣讲两场。\n家长会一场。", "填表人：\n陈晓梅",
                      "填表电话：\n13900001111"):
            assert typed in paper, (typed, paper)
        assert page.locator("table.stats-form tr.total td.num").all_inner_texts() == total
        pdf = page.pdf(format="A4", print_background=True)
        assert pdf.startswith(b"%PDF") and len(pdf) > 10_000

        page.emulate_media(media="screen")
        page.get_by_label("备注").fill("")  # no remarks: no 备注 heading over nothing
        page.get_by_label("活动总结").fill("")
        page.emulate_media(media="print")
        assert page.evaluate(HEADINGS_SHOWN)[1:] == []

        page.emulate_media(media="screen")
        assert page.evaluate(HEADINGS_SHOWN)[1:] == ["活动总结、备注和填表信息"]
        assert page.locator(".typed-copy:visible").count() == 0
        assert page.locator(".form-head").inner_text().count("陈晓梅") == 0, "the screen shows what is saved"
        page.get_by_label("备注").fill("改期两场。")
        page.get_by_role("button", name="保存草稿").click()
        page.wait_for_load_state()
        assert page.get_by_label("备注").input_value() == "改期两场。"
        assert page.get_by_label("填表人").input_value() == "陈晓梅"
        assert page.get_by_label("填表电话").input_value() == "13900001111"
        assert "陈晓梅" in page.locator(".form-head").inner_text()
        # The page's own "saved" message is for the screen; on paper it would read as part of the return.
        assert page.locator("p.flash").is_visible()
        page.emulate_media(media="print")
        assert not page.locator("p.flash").is_visible()
    finally:
        context.close()
