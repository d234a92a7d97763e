"""The county's and the stations' pages in a small window (800 px, or a little under 760) in Debian
Chromium against a real ``banxing serve`` over the demo county: the statistics form scrolled sideways
at 800 px, the coverage tables broke each count across two lines below 760, /pairings squeezed 类别 to
two characters a line, and the dashboard's twelve months zigzagged on two lines under the axis."""
from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from sync.timeutil import local_today

from .conftest import ServerProcess
from .screen import check_page, sign_in, watch_errors

pytestmark = pytest.mark.e2e

LANDING = {"county": "/dashboard", "admin": "/dashboard", "staff-bencha": "/staff"}

# Every table in main, or the box it scrolls in, wider than the room it has.
WIDE_TABLES = """() => [...document.querySelectorAll('main table')].filter((t) =>
    t.getBoundingClientRect().right > document.querySelector('main').getBoundingClientRect().right + 0.5
    || t.parentElement.scrollWidth > t.parentElement.clientWidth + 0.5)
  .map((t) => [t.className, Math.round(t.getBoundingClientRect().width)])"""


def open_page(browser: Browser, server: ServerProcess, login: str, path: str, width: int) -> Page:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, server, login, LANDING[login])
    response = page.goto(server.url + path)
    assert response is not None and response.status == 200, (path, response and response.status)
    page.evaluate("document.fonts.ready")
    return page


@pytest.mark.parametrize("login", ["county", "staff-bencha"])
def test_the_statistics_form_fits_a_window_of_800_without_scrolling_sideways(
        server: ServerProcess, browser: Browser, login: str) -> None:
    """At 800 px the form's table ran 190 px past its box: 备注 and 成功干预 were out of sight."""
    page = open_page(browser, server, login, "/reports/stats", 800)
    errors = watch_errors(page)
    try:
        assert page.evaluate(WIDE_TABLES) == []
        # Each figure's column keeps three characters of its heading a line, a school's name four.
        widths = page.evaluate("""() => [...document.querySelectorAll('table.stats-form thead th')]
            .map((th) => th.getBoundingClientRect().width / parseFloat(getComputedStyle(th).fontSize))""")
        assert len(widths) == 10 and min(widths) >= 2.6 and widths[0] >= 4.5, widths
        check_page(page, 800, f"{login} /reports/stats", errors)
    finally:
        page.context.close()


@pytest.mark.parametrize("width", [769, 760, 720, 701])
@pytest.mark.parametrize("half", [1, 2])
def test_a_coverage_count_stays_on_one_line_below_770(server: ServerProcess, browser: Browser, width: int,
                                                      half: int) -> None:
    """Below 760 px 748 ／ 1040 broke into 748 ／ / 1040, each count two lines in a column of its own; at 760
    a town's six counts of four digits (1381 ／ 1684), each on one line, ran 5 px past the window."""
    page = open_page(browser, server, "county", f"/coverage?half={half}", width)
    errors = watch_errors(page)
    try:
        lines = page.evaluate("""() => [...document.querySelectorAll('main .fraction')].map((f) =>
            [f.textContent, new Set([...f.getClientRects()].map((r) => Math.round(r.top))).size])""")
        assert len(lines) >= 9 and all(n == 1 for _, n in lines), [f for f in lines if f[1] != 1]
        assert page.evaluate(WIDE_TABLES) == []
        check_page(page, width, f"county /coverage?half={half}", errors)
    finally:
        page.context.close()


@pytest.mark.parametrize("login", ["county", "staff-bencha", "admin"])
def test_a_pairings_categories_keep_four_characters_a_line_at_800(server: ServerProcess, browser: Browser,
                                                                  login: str) -> None:
    """/pairings at 800 px gave 类别 two characters a line: 留 / 守/ / 特殊 / 家庭."""
    page = open_page(browser, server, login, "/pairings", 800)
    errors = watch_errors(page)
    try:
        widths = page.evaluate("""() => [...document.querySelectorAll('main td[data-label="类别"]')].map((td) => {
            const s = getComputedStyle(td);
            return (td.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight)) / parseFloat(s.fontSize);
          })""")
        assert widths and min(widths) >= 3.99, widths
        assert page.evaluate(WIDE_TABLES) == []
        check_page(page, 800, f"{login} /pairings", errors)
    finally:
        page.context.close()


@pytest.mark.parametrize("login", ["county", "staff-bencha"])
def test_the_dashboards_months_stand_on_one_line_under_the_axis(server: ServerProcess, browser: Browser,
                                                                login: str) -> None:
    """The twelve months of 帮扶活动次数 zigzagged, 1月 above 2月, 3月 above 4月, where one line had room."""
    page = open_page(browser, server, login, "/dashboard", 800)
    try:
        boxes = page.evaluate("""() => [...document.querySelectorAll('svg.chart-line .chart-label, svg .chart-label')]
            .filter((t) => /^\\d+月$/.test(t.textContent)).map((t) => {
              const r = t.getBoundingClientRect(); return [t.textContent, r.top, r.left, r.right]; })""")
        this_month = local_today().month  # the last twelve months, this one last: 1月 to 12月 only in December
        assert [b[0] for b in boxes] == [f"{(this_month + m) % 12 + 1}月" for m in range(12)], boxes
        assert max(b[1] for b in boxes) - min(b[1] for b in boxes) < 1, boxes
        assert all(a[3] <= b[2] for a, b in zip(boxes, boxes[1:], strict=False)), boxes
    finally:
        page.context.close()
