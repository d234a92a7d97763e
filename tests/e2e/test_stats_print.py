"""The statistics form and a station's return, in Debian Chromium against a real ``banxing serve``
over the demo county: the headings' units on screen at office-PC and phone widths, and the paper a
station prints of its own draft return."""
from __future__ import annotations

import pytest
from playwright.sync_api import Browser

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
