"""The county in Debian Chromium against a real ``banxing serve`` over the demo county: the county
reviewer signs in, lands on the dashboard (server-drawn SVG charts, no CSP or script error), prints
the year-end summary (print media, ``page.pdf()``) and exports the statistics form (the XLSX parsed
back). Then every county and admin page at phone (390 px) and PC (1280 px) width:
no sideways scrolling, text at 18 px or more, main buttons at 60 px or more. (The county printing an
archive to PDF is test_station_flow.py's print test.)

Set ``BANXING_SCREENSHOTS=docs/screenshots`` to refresh docs/screenshots/county-*, admin-*, stats-*, returns-*
and coverage-*.png (county-summary-leavers-phone.png and county-dashboard-leavers-phone.png: the year's leavers).
"""
from __future__ import annotations

import io
import pathlib
import re
import sqlite3

import openpyxl
import pytest
from playwright.sync_api import Browser, Page

from .conftest import ServerProcess
from .phone import query
from .screen import SIZES, check_page, shots_dir, sign_in, watch_errors

pytestmark = pytest.mark.e2e


def _one(server: ServerProcess, sql: str) -> str:
    db = sqlite3.connect(f"file:{server.db}?mode=ro", uri=True)
    try:
        return str(db.execute(sql).fetchone()[0])
    finally:
        db.close()


def _open(browser: Browser, server: ServerProcess, login: str, size: str = "pc") -> tuple[Page, list[str]]:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True,
                                  **SIZES[size])
    page = context.new_page()
    errors = watch_errors(page)
    sign_in(page, server, login, "/dashboard")
    return page, errors


def test_county_opens_the_dashboard_prints_and_exports(server: ServerProcess, browser: Browser) -> None:
    page, errors = _open(browser, server, "county")
    # The dashboard: server-drawn charts with their numbers, and the tables behind them.
    charts = page.locator("main figure.chart svg[role=img]")
    assert charts.count() >= 4
    assert page.locator("#chart-pairings-town svg text").filter(has_text="对").count() >= 3
    assert page.locator("#chart-pairings-town table tbody tr").count() == 3
    active = _one(server, "SELECT count(*) FROM pairings WHERE status = 'active' AND deleted = 0")
    assert page.locator(".figures .figure").first.inner_text() == f"{active} 对"
    assert not errors, errors

    # Print the year-end summary: A4, the text drafted from the numbers, the charts.
    page.goto(server.url + "/summary/print")
    page.emulate_media(media="print")
    assert page.locator(".no-print").first.is_hidden()
    assert "心理健康教育工作总结" in page.locator("h1").inner_text()
    summary_pdf = page.pdf(format="A4", print_background=True)
    assert summary_pdf.startswith(b"%PDF") and len(summary_pdf) > 10_000
    page.emulate_media(media="screen")

    # Export the statistics form and read it back.
    page.goto(server.url + "/reports/stats")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出 Excel 表格").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(pathlib.Path(download.path()).read_bytes()))
    sheet = book.active
    assert sheet is not None
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any("合计" in c for c in cells)
    assert any("开展面对面谈心" in c for c in cells)
    assert not errors, errors
    page.context.close()


COUNTY_PAGES = [
    ("county-dashboard", "/dashboard"),
    ("county-quiet", "/quiet"),
    ("county-risk-flags", "/risk-flags"),  # every open flag by code, past the dashboard's first 50
    ("county-waiting", "/mentees?pairing=waiting"),  # the children no volunteer visits, counted per station
    ("county-inspections", "/inspections"),
    ("county-inspection", "/inspections/{inspection}"),
    ("county-inspection-new", "/inspections/new"),
    ("county-inspection-history", "/inspections/units/{unit}"),
    ("county-brief", "/brief"),
    ("county-summary", "/summary"),
    ("stats-form", "/reports/stats"),
    ("stats-records", "/reports/stats/records?measure=talks&unit={station}"),  # one station's rows
    ("returns-list", "/returns"),  # the demo county set days for last month: its late units at phone width
    ("returns-deadlines", "/returns/deadlines"),
    ("returns-detail", "/returns/{stats_return}"),
    # The halves whose lectures the demo holds, not this year's: from January to its first lecture this year's
    # 下半年 is empty, and its 上半年 has no 暑期补课 until the summer (其中补课 N once widened the table past 1280 px).
    ("coverage", "/coverage?year={lecture_4_year}&half=2"),  # 下半年: 第4讲 and 第5讲, the demo's lectures
    ("coverage-first-half", "/coverage?year={made_up_year}&half=1"),  # 第1–3讲, 补课 N under each rate, every unit 偏低
    ("county-events", "/events?lecture=4"),  # the lectures a coverage figure opens, read-only
]
ADMIN_PAGES = [
    ("admin-units", "/admin/units"),
    ("admin-users", "/admin/users"),
    ("admin-user", "/admin/users/{user}"),
    ("admin-access-log", "/admin/access-log"),
    ("admin-backup", "/admin/backup"),
]


@pytest.mark.parametrize("size", ["phone", "pc"])
def test_county_and_admin_pages_fit_the_screen_and_pass_the_csp(server: ServerProcess, browser: Browser, size: str,
                                                                tmp_path: pathlib.Path) -> None:
    shots = shots_dir(tmp_path)
    width = SIZES[size]["viewport"]["width"]
    ids = {
        "inspection": _one(server, "SELECT id FROM inspections WHERE failed != '[]' AND fixed = '[]' LIMIT 1"),
        "unit": _one(server, "SELECT unit_id FROM inspections WHERE kind = 'star' LIMIT 1"),
        "user": _one(server, "SELECT id FROM users WHERE login = 'zhan-bencha'"),
        "station": _one(server, "SELECT id FROM units WHERE kind = 'station' ORDER BY name LIMIT 1"),
        "mentee": _one(server, "SELECT id FROM mentees LIMIT 1"),
        "stats_return": _one(server, "SELECT id FROM stats_returns WHERE deleted = 0 ORDER BY period_to DESC LIMIT 1"),
        "lecture_4_year": _one(server, "SELECT max(substr(date, 1, 4)) FROM events WHERE lecture_no = 4"
                               " AND NOT deleted"),
        "made_up_year": _one(server, "SELECT max(substr(date, 1, 4)) FROM events WHERE make_up AND NOT deleted"),
    }
    for login, pages in (("county", COUNTY_PAGES), ("admin", ADMIN_PAGES)):
        page, errors = _open(browser, server, login, size)
        if login == "admin":  # a child's file viewed, so the access log has a row to show
            page.goto(f"{server.url}/mentees/{ids['mentee']}")
        for name, path in pages:
            response = page.goto(server.url + path.format(**ids))
            assert response is not None and response.status == 200, (name, response and response.status)
            check_page(page, width, name, errors)
            page.screenshot(full_page=size == "pc", path=str(shots / f"{name}-{size}.png"))
        page.context.close()


def test_the_pairing_list_keeps_each_volunteer_and_the_short_headings_on_one_line_at_pc_width(
        server: ServerProcess, browser: Browser) -> None:
    """At 1366 px (the stations' and the county's usual laptop) the 五老志愿者 column and the short
    columns read on one line, heading included; the unit and the categories take the wrapping."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport={"width": 1366, "height": 768})
    page = context.new_page()
    sign_in(page, server, "staff-juegang", "/staff")
    page.goto(f"{server.url}/pairings")
    lines = page.evaluate("""() => {
      // The name (a cell's first text) or the heading's own words (all of them: a heading's words may
      // be spans of their own, which may part at 1024 px).
      const count = node => {
        const range = document.createRange();
        range.selectNodeContents(node);
        return new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size;
      };
      const table = document.querySelector('table.data');
      const heads = [...table.querySelectorAll('thead th')];
      const column = heads.findIndex(th => th.textContent.trim() === '五老志愿者');
      const out = {};
      for (const th of heads) {
        const words = th.textContent.trim();
        if (!['帮扶对象', '学校/辅导站', '类别'].includes(words)) out[words] = count(th);
      }
      out.names = [...table.querySelectorAll('tbody tr')].map(tr => count(tr.children[column].firstChild));
      return out;
    }""")
    names = lines.pop("names")
    assert names and set(names) == {1}, names
    assert set(lines.values()) == {1}, lines
    context.close()


# Each pairing's state word in the tables, and on how many lines it lies: first as the page came, then
# with every other cell grown long (a long unit name, several categories), which squeezes the column.
STATE_LINES = """() => {
  const lines = () => [...document.querySelectorAll('td[data-label="状态"]')].flatMap(td => {
    const out = [];
    const walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of ['结对中', '已结束']) {
        const at = node.textContent.indexOf(word);
        if (at < 0) continue;
        const range = document.createRange();
        range.setStart(node, at);
        range.setEnd(node, at + word.length);
        out.push(new Set([...range.getClientRects()].map(r => Math.round(r.top))).size);
      }
    }
    return out;
  });
  const before = lines();
  for (const td of document.querySelectorAll('td[data-label]:not([data-label="状态"])')) {
    td.append('岔河镇校外教育辅导站留守儿童'.repeat(6));
  }
  return [before, lines()];
}"""


@pytest.mark.parametrize(("login", "landing", "paths"), [
    ("county", "/dashboard", ["/pairings"]),
    ("zhan-juegang", "/staff", ["/pairings", "/mentors/{mentor}", "/mentees/{mentee}"]),
])
def test_a_pairings_state_stays_on_one_line_in_a_table_at_pc_width(server: ServerProcess, browser: Browser,
                                                                   login: str, landing: str, paths: list[str]) -> None:
    """结对中 broke after 结 in a table squeezed at 1280 px: Chinese may break after any character, so
    the state's word (and its outcome) is kept whole however narrow its column."""
    ids = {"mentor": _one(server, "SELECT p.mentor_id FROM pairings p JOIN units u ON u.id = p.unit_id"
                                  " WHERE u.name = '掘港街道校外教育辅导站' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"),
           "mentee": _one(server, "SELECT p.mentee_id FROM pairings p JOIN units u ON u.id = p.unit_id"
                                  " WHERE u.name = '掘港街道校外教育辅导站' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")}
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["pc"])
    page = context.new_page()
    sign_in(page, server, login, landing)
    for path in paths:
        page.goto(server.url + path.format(**ids))
        before, squeezed = page.evaluate(STATE_LINES)
        assert before and set(before) == {1}, (path, before)
        assert set(squeezed) == {1}, (path, squeezed)
    context.close()


def test_the_late_returns_read_on_a_phone_and_the_dashboard_counts_the_same(server: ServerProcess,
                                                                            browser: Browser) -> None:
    """The demo county set last month's days (the schools' three days gone): at 390 px the county's
    list shows each late unit stacked with 逾期 3 天, and the dashboard's card names the list's total."""
    page, errors = _open(browser, server, "county", "phone")
    card = page.locator(".figures .card", has_text="统计表逾期未报")
    late = int(card.locator(".figure").inner_text().removesuffix(" 份"))
    card.locator("a").click()
    page.wait_for_url("**/returns#due")
    assert late > 0
    assert page.locator("#due .notice strong").inner_text() == str(late)
    # The towns' day is still ahead: only schools and stations are late (a school that filed today,
    # after its day, says 逾期 3 天报送 and is owed no more).
    rows = page.locator("#due table.due tbody tr", has_text="逾期 3 天", has_not_text="天报送")
    assert rows.count() == late
    assert rows.first.is_visible()
    check_page(page, SIZES["phone"]["viewport"]["width"], "returns-due", errors)
    page.context.close()


def test_on_a_phone_the_county_opens_the_lectures_behind_a_coverage_figure(server: ServerProcess,
                                                                          browser: Browser) -> None:
    """At 390 px the county taps a town's 第4讲 figure on /coverage and reads the lectures it counts
    (the list adds up to the figure), then one lecture's page, read-only; both fit the screen."""
    page, errors = _open(browser, server, "county", "phone")
    width = SIZES["phone"]["viewport"]["width"]
    # The year the demo's 第4讲 were held: this year's 下半年 is empty from January to its first lecture.
    (year,), = query(server, "SELECT max(substr(date, 1, 4)) FROM events WHERE lecture_no = 4 AND NOT deleted")
    page.goto(server.url + f"/coverage?year={year}&half=2")
    figures = page.locator('td[data-label="第4讲 学生参与（人次）／在校（人）"] a').filter(
        has_text=re.compile(r"^[1-9][0-9]*$"))
    figure = figures.first
    figure.scroll_into_view_if_needed()
    number = figure.inner_text()
    assert int(number) > 0
    figure.click()
    page.wait_for_url("**/events?**")
    assert page.locator("#lecture").input_value() == "4"
    assert f"参与 {number} 人次" in page.locator("main p[role=status]").inner_text()
    assert page.get_by_role("link", name="＋ 登记集体活动").count() == 0
    check_page(page, width, "county-events", errors)
    page.locator('main td[data-label="日期"] a').first.click()
    page.wait_for_url("**/events/*")
    assert "第4讲" in page.locator("main h1").inner_text()
    assert page.locator("main form").count() == 0  # read-only: nothing to save or delete
    check_page(page, width, "county-event", errors)
    page.goto(server.url + "/pairings")  # the days written out (2026年11月19日) still fit
    check_page(page, width, "county-pairings", errors)
    assert not errors, errors
    page.context.close()


def test_on_a_phone_the_county_reads_this_years_leavers_by_why_on_the_summary_and_the_dashboard(
        server: ServerProcess, browser: Browser, tmp_path: pathlib.Path) -> None:
    """At 390 px the county reads on /summary how many children left care this year and why — the demo's
    leavers closed on 结束帮扶, one file closed on the edit form (未记原因) — and the dashboard's 本年结束帮扶
    card gives the same total; a count opens the children it counts. Screenshots (BANXING_SCREENSHOTS):
    county-summary-leavers-phone.png, county-dashboard-leavers-phone.png."""
    shots = shots_dir(tmp_path)
    width = SIZES["phone"]["viewport"]["width"]
    page, errors = _open(browser, server, "county", "phone")
    card = page.locator(".figures .card", has_text="本年结束帮扶")
    total = int(card.locator(".figure").inner_text().removesuffix(" 人"))
    assert total >= 3
    page.locator("section[aria-label=主要数字]").screenshot(path=str(shots / "county-dashboard-leavers-phone.png"))
    check_page(page, width, "county-dashboard", errors)

    page.goto(server.url + "/summary")
    line = page.locator("#leavers")
    text = line.inner_text()
    assert text.startswith(f"本年结束帮扶 {total} 人（毕业离校 0、转学到外县 1、情况好转，不再需要帮扶 1、其他 1、"), \
        text
    page.evaluate("document.getElementById('leavers-h').scrollIntoView()")
    check_page(page, width, "county-summary", errors)
    page.screenshot(path=str(shots / "county-summary-leavers-phone.png"))
    line.get_by_role("link", name="1").first.click()  # 转学到外县 1: the one child who moved away
    page.wait_for_url("**/mentees?**left_in=**")
    assert "共 1 人" in page.locator("main").inner_text()
    check_page(page, width, "county-leavers-list", errors)
    page.context.close()


# Every day and time the page prints (2026年11月30日, 2026年12月5日 03:00) and on how many lines it lies.
DAY_LINES = r"""() => {
  const out = [];
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const m of node.textContent.matchAll(/\d{4}年\d{1,2}月\d{1,2}日(?: \d\d:\d\d)?/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const rects = [...range.getClientRects()].filter(r => r.width > 0);
      if (rects.length) out.push([m[0], new Set(rects.map(r => Math.round(r.top))).size]);
    }
  }
  return out;
}"""


def test_a_day_or_a_time_on_the_county_pages_never_breaks_inside_at_phone_width(server: ServerProcess,
                                                                                 browser: Browser) -> None:
    """The return read 统计时段：2026年11月1日至2026年11月 / 30日 at 390 px, and its lock line
    （2026年12月5 / 日 03:00）: Chinese breaks between any two characters, so a day came apart at
    the edge of the line, where a reader of 70 misreads it. A line now breaks before or after it."""
    rid = _one(server, "SELECT id FROM stats_returns WHERE deleted = 0 ORDER BY period_to DESC LIMIT 1")
    page, errors = _open(browser, server, "county", "phone")
    seen = 0
    for path in (f"/returns/{rid}", "/reports/stats", "/returns/deadlines", "/returns", "/quiet", "/dashboard"):
        page.goto(server.url + path)
        days = page.evaluate(DAY_LINES)
        seen += len(days)
        assert all(lines == 1 for _, lines in days), (path, [d for d in days if d[1] != 1])
    assert seen >= 10, seen
    assert not errors, errors
    page.context.close()


def test_a_coverage_figure_and_its_whole_stay_on_one_line_at_phone_width(server: ServerProcess,
                                                                         browser: Browser) -> None:
    """At 390 px /coverage read 第5讲 家长参与／家长数：1183 and, on the next line, ／ 1585: the count and
    the number it is out of came apart, so the second line looked like a figure of its own."""
    page, errors = _open(browser, server, "county", "phone")
    # The year the demo's 第4讲 were held: this year's 下半年 is empty from January to its first lecture.
    (year,), = query(server, "SELECT max(substr(date, 1, 4)) FROM events WHERE lecture_no = 4 AND NOT deleted")
    page.goto(server.url + f"/coverage?year={year}&half=2")
    cells = page.locator("main td.num").filter(has_text="／")
    lines = cells.evaluate_all("""(cells) => cells.map((td) => {
        let last = td.lastChild;
        while (last.lastChild) last = last.lastChild;
        const range = document.createRange();
        range.setStart(td.querySelector('a'), 0);
        range.setEnd(last, last.textContent.length);
        const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0)
          .map((r) => Math.round(r.bottom)));
        return [td.textContent.trim(), tops.size]; })""")
    assert len(lines) >= 6 and all(n == 1 for _, n in lines), [cell for cell in lines if cell[1] != 1]
    assert not errors, errors
    page.context.close()


def test_a_stacked_tables_empty_cell_is_not_a_label_with_nothing_after_it_at_phone_width(
        server: ServerProcess, browser: Browser) -> None:
    """At 390 px every row of the statistics form ended in 备注： with nothing after it (no school had
    a remark): a padded line saying nothing. A cell with nothing in it is now left out of the card."""
    page, errors = _open(browser, server, "county", "phone")
    page.goto(server.url + "/reports/stats")
    assert page.locator("main table.stack td.remarks").count() >= 3
    shown = page.locator("main table.stack td").evaluate_all(
        "(cells) => cells.filter((td) => td.getBoundingClientRect().height > 0 && !td.textContent.trim())"
        ".map((td) => td.dataset.label)")
    assert not shown, shown
    assert not errors, errors
    page.context.close()


def test_a_printed_inspection_shows_its_rectification_without_the_form_to_report_it(
        server: ServerProcess, browser: Browser) -> None:
    """The county prints an inspection for the on-site check: the paper carries the 整改 facts, not an
    empty 报告整改情况 box with a 保存整改情况 button no one can press on paper."""
    inspection = _one(server, "SELECT id FROM inspections WHERE failed != '[]' AND fixed = '[]' LIMIT 1")
    page, errors = _open(browser, server, "county")
    page.goto(f"{server.url}/inspections/{inspection}")
    form = page.locator("form", has_text="报告整改情况")
    assert form.is_visible()  # on screen the county may report it
    page.emulate_media(media="print")
    assert not form.is_visible()
    assert page.get_by_text("整改要求").is_visible() and page.get_by_text("整改期限").is_visible()
    assert not page.get_by_role("button", name="保存整改情况").is_visible()
    assert errors == []
    page.context.close()


def test_a_printed_archives_change_history_keeps_each_name_on_one_line_at_phone_width(
        server: ServerProcess, browser: Browser) -> None:
    """At 390 px the print's change history kept its four columns and the person's column stood one
    character a line (王／建／国), read as no name at all; on a phone's screen each change is now a card
    of labelled lines (时间：… 修改人：…), as the archive page's history is."""
    pid = _one(server, "SELECT p.id FROM pairings p WHERE p.deleted = 0 AND EXISTS (SELECT 1 FROM activities a"
                       " WHERE a.pairing_id = p.id AND a.deleted = 0) ORDER BY p.id LIMIT 1")
    page, errors = _open(browser, server, "county", "phone")
    page.goto(server.url + f"/pairings/{pid}/print")
    people = page.locator("main .print-table.history td[data-label='修改人']")
    assert people.count() >= 3
    lines = people.evaluate_all("""(cells) => cells.map((td) => {
        const range = document.createRange();
        range.selectNodeContents(td);
        const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0)
          .map((r) => Math.round(r.top)));
        return [td.textContent.trim(), tops.size, getComputedStyle(td, '::before').content]; })""")
    assert all(n == 1 and label == '"修改人："' for _, n, label in lines), [c for c in lines if c[1] != 1]
    assert not errors, errors
    page.context.close()
