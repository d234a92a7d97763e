"""The lists on an old office PC, in Debian Chromium against a real ``banxing serve`` over the demo
county: station staff and the county often have a browser 1024 px wide, or a window of 800, or a tablet
of 768. There /pairings and /coverage?half=1 (1024 px), the station home and /mentees (800 px) and
/pairings again (768 px) scrolled sideways,
and the columns at the table's right edge (the dates, 查看) were out of sight."""
from __future__ import annotations

import pathlib

import pytest
from playwright.sync_api import Browser

from .conftest import ServerProcess
from .screen import check_page, shots_dir, sign_in, watch_errors

pytestmark = pytest.mark.e2e

# Each demo account that sees these lists, where it lands, and the lists it opens.
ACCOUNTS = {
    "admin": ("/dashboard", ["/pairings", "/coverage?half=1", "/coverage?half=2", "/staff", "/mentees", "/mentors"]),
    "county": ("/dashboard", ["/pairings", "/coverage?half=1", "/coverage?half=2", "/mentees"]),
    "staff-bencha": ("/staff", ["/pairings", "/coverage?half=1", "/coverage?half=2", "/staff", "/mentees", "/mentors"]),
}

# Every table in main whose box reaches past the page's right edge or scrolls inside its own box.
WIDE_TABLES = """() => [...document.querySelectorAll('main table')].filter((t) =>
    t.getBoundingClientRect().right > innerWidth + 0.5 || t.scrollWidth > t.clientWidth + 0.5
    || t.parentElement.scrollWidth > t.parentElement.clientWidth + 0.5)
  .map((t) => [t.className, Math.round(t.getBoundingClientRect().width)])"""


@pytest.mark.parametrize("width", [1024, 800, 768])  # 768: a tablet held upright
@pytest.mark.parametrize("login", list(ACCOUNTS))
def test_lists_fit_an_old_office_pc_without_scrolling_sideways(server: ServerProcess, browser: Browser, login: str,
                                                               width: int, tmp_path: pathlib.Path) -> None:
    shots = shots_dir(tmp_path)
    landing, paths = ACCOUNTS[login]
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport={"width": width, "height": 768 if width > 800 else 600})
    page = context.new_page()
    errors = watch_errors(page)
    try:
        sign_in(page, server, login, landing)
        for path in paths:
            response = page.goto(server.url + path)
            assert response is not None and response.status == 200, (path, response and response.status)
            assert page.locator("main table").count() >= 1, path
            name = f"office-{login}{path.replace('/', '-').replace('?', '-').replace('=', '')}-{width}"
            page.screenshot(full_page=True, path=str(shots / f"{name}.png"))
            assert page.evaluate(WIDE_TABLES) == [], (path, width)
            check_page(page, width, f"{login} {path}", errors)
    finally:
        context.close()


# Each child's name, grade and volunteer's name in the /mentees table, and on how many lines it lies.
WORD_LINES = """() => [...document.querySelectorAll('main td[data-label="姓名"], main td[data-label="年级"],'
    + ' main td[data-label="结对志愿者"]')].flatMap((td) => {
  const node = td.firstChild;
  if (!node) return [];
  let at = 0;
  return node.textContent.split('、').map((word) => {
    const range = document.createRange();
    range.setStart(node, at);
    const name = word.split('（')[0];  // 刘志刚（12月5日起）: the name stays whole, its note may part
    range.setEnd(node, at + name.length);
    at += word.length + 1;
    return [name, new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size];
  });
})"""


def words_and_lines(browser: Browser, server: ServerProcess, who: tuple[str, str], path: str, width: int,
                    script: str) -> list[tuple[str, int]]:
    """``script``'s words of the list at ``path`` and the lines each lies on, read by ``who`` (a login
    and where it lands) in a window ``width`` wide; the list must not scroll sideways either."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": width, "height": 768})
    page = context.new_page()
    try:
        sign_in(page, server, *who)
        page.goto(server.url + path)
        assert page.evaluate("document.scrollingElement.scrollWidth") <= width, path
        return [(word, lines) for word, lines in page.evaluate(script)]
    finally:
        context.close()


@pytest.mark.parametrize("width", [1366, 1024, 800])
def test_a_childs_name_and_grade_in_the_mentee_list_are_never_cut_across_two_lines(
        server: ServerProcess, browser: Browser, width: int) -> None:
    """/mentees gave 姓名 and 年级 the width of one character when the row was crowded: 李嘉 / 怡 and
    七年 / 级 at 1366 px, 曹 / 嘉 / 乐 at 800. A name, a grade and each volunteer's name stay whole."""
    words = words_and_lines(browser, server, ("zhan-bencha", "/staff"), "/mentees", width, WORD_LINES)
    assert len(words) >= 10 and any(w.endswith("年级") for w, _ in words), words
    assert all(n == 1 for _, n in words), [w for w in words if w[1] != 1]


# Each badge in a table cell, with the label the cell shows before it (none at PC width, or where the
# badge names itself): on the phone's cards and in the 800 px joined column.
BADGES_AND_LABELS = """() => [...document.querySelectorAll('main td')].flatMap((td) => {
  const shown = getComputedStyle(td, '::before').content;
  const label = shown.startsWith('"') ? shown.slice(1, -1).replace(/：$/, '') : '';
  return [...td.querySelectorAll('.badge')].map((badge) => [label, badge.textContent.trim()]);
})"""


@pytest.mark.parametrize("width", [800, 390])
def test_a_cell_whose_badge_names_itself_shows_no_label_repeating_it(server: ServerProcess, browser: Browser,
                                                                     width: int) -> None:
    """The station home's overdue follow-ups read 逾期：逾期 45 天 at 800 px and on the phone's cards,
    the inspections' 整改：⚠ 整改逾期 (整改：无需整改, 整改：✔ 已整改) and the dashboard's key children
    结对：已结对. A badge that says what it is now stands alone; no label repeats a badge's words."""
    pages = {"staff-bencha": ("/staff", ["/staff", "/inspections"]),
             "county": ("/dashboard", ["/dashboard", "/inspections", "/summary"])}
    seen: list[list[str]] = []
    for login, (landing, paths) in pages.items():
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                      viewport={"width": width, "height": 844})
        page = context.new_page()
        try:
            sign_in(page, server, login, landing)
            for path in paths:
                page.goto(server.url + path)
                seen += page.evaluate(BADGES_AND_LABELS)
        finally:
            context.close()
    badges = [badge for _, badge in seen]
    assert any(b.startswith("逾期 ") and b.endswith(" 天") for b in badges), badges
    assert "⚠ 整改逾期" in badges and "已结对" in badges, badges
    assert [pair for pair in seen if pair[0] and pair[0] in pair[1]] == []


# For each row of the /pairings table: on how many lines its unit (学校/辅导站) lies, its tallest cell,
# and each of its days (开始, 最近一次).
PAIRING_ROW_LINES = """() => {
  const lines = (node) => {
    const range = document.createRange();
    range.selectNodeContents(node);
    return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
  };
  return [...document.querySelectorAll('main table.data tbody tr')].map((tr) => ({
    unit: lines(tr.querySelector('td[data-label="学校/辅导站"]')),
    row: Math.max(...[...tr.children].map(lines)),
    days: [...tr.querySelectorAll('td.date')].map(lines),
  }));
}"""


@pytest.mark.parametrize("width", [1366, 1024])
@pytest.mark.parametrize("login", ["county", "staff-bencha"])
def test_a_pairing_row_stands_at_most_three_lines_tall_on_an_office_pc(server: ServerProcess, browser: Browser,
                                                                       login: str, width: int) -> None:
    """At 1024 px /pairings squeezed 学校/辅导站 to three characters a line (栟茶镇 / 校外教 / 育辅 / 导站,
    its town under it) and a row stood five to seven lines tall. The unit keeps room for five, the
    days part after their year to give it (2026年 / 11月7日): no row is over three lines. At 1366 each
    day stays on one line."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": width, "height": 768})
    page = context.new_page()
    try:
        sign_in(page, server, login, "/dashboard" if login == "county" else "/staff")
        page.goto(server.url + "/pairings")
        rows = page.evaluate(PAIRING_ROW_LINES)
        assert len(rows) >= 10, rows
        assert max(r["row"] for r in rows) <= 3 and max(r["unit"] for r in rows) <= 3, rows
        if width == 1366:
            assert {n for r in rows for n in r["days"]} == {1}, rows
        assert page.evaluate(WIDE_TABLES) == []
    finally:
        context.close()


# Each word of a /coverage heading and each figure (a count with its total), and on how many lines it lies.
# Its text's lines, not its boxes': the count is a link, an inline-block taller than its words.
COVERAGE_LINES = """() => {
  const lines = (node) => {
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    const bottoms = new Set();
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(text);
      [...range.getClientRects()].filter((r) => r.width > 0).forEach((r) => bottoms.add(Math.round(r.bottom)));
    }
    return bottoms.size;
  };
  const words = [...document.querySelectorAll('main table.coverage th')].flatMap((th) =>
    [...th.querySelectorAll('.word')].length ? [...th.querySelectorAll('.word')] : [th]);
  return {
    words: words.map((w) => [w.textContent.trim(), lines(w)]),
    figures: [...document.querySelectorAll('main table.coverage .fraction')]
      .map((f) => [f.textContent.trim(), lines(f)]),
  };
}"""


@pytest.mark.parametrize("width", [1280, 1024, 800])
def test_a_coverage_headings_words_and_each_figure_stay_whole_on_an_office_pc(server: ServerProcess, browser: Browser,
                                                                             width: int) -> None:
    """At 800 px /coverage's headings broke inside their words (所属 / 镇 / （街 / 道）, 学生参 / 与／ / 在校)
    and a figure parted from its total, unevenly (956 ／ / 1302 in one column, 0 / ／ 268 in the next).
    Each heading's word and each count with its total now stay on one line, first half (six figure
    columns) and second, without the page scrolling sideways; at 1280 too, where the first half's
    fixed bars beside the rates left its counts so little room that 847 ／ 1040 broke under its ／."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": width, "height": 768})
    page = context.new_page()
    try:
        sign_in(page, server, "county", "/dashboard")
        for half in (1, 2):
            page.goto(f"{server.url}/coverage?half={half}")
            seen = page.evaluate(COVERAGE_LINES)
            words = [w for w, _ in seen["words"]]
            assert "所属镇" in words and "（街道）" in words and "学生参与" in words, words
            assert len(seen["figures"]) >= 18, seen["figures"]
            assert [w for w in seen["words"] + seen["figures"] if w[1] != 1] == [], (half, width)
            assert page.evaluate(WIDE_TABLES) == [], (half, width)
    finally:
        context.close()


# Each /pairings row's unit name (its own words, not the town under them) and on how many lines it lies;
# and each joined cell's alignment with where its last words end, short of the cell's right edge.
PAIRING_UNITS_AND_JOINED = """() => {
  const lines = (node) => {
    const range = document.createRange();
    range.selectNodeContents(node);
    return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
  };
  const gap = (td) => {
    const range = document.createRange();
    range.selectNodeContents(td);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0);
    const box = td.getBoundingClientRect();
    return Math.round(box.right - parseFloat(getComputedStyle(td).paddingRight) - rects[rects.length - 1].right);
  };
  return {
    units: [...document.querySelectorAll('main td[data-label="学校/辅导站"]')]
      .map((td) => [td.firstChild.textContent.trim(), lines(td.firstChild)]),
    joined: [...document.querySelectorAll('main table.data .joined')]
      .map((cell) => [cell.dataset.label || cell.textContent.trim(), getComputedStyle(cell).textAlign,
                      cell.tagName === 'TD' ? gap(cell) : null]),
  };
}"""


@pytest.mark.parametrize("login", ["county", "staff-bencha"])
def test_a_pairings_unit_name_stands_on_at_most_two_lines_at_800_px(server: ServerProcess, browser: Browser,
                                                                     login: str) -> None:
    """At 800 px the four joined cells' column took the room and 学校/辅导站 kept about 80 px: 掘港街道
    校外教育辅导站 stood on four lines, two or three characters each. The unit now keeps six a line."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 800, "height": 768})
    page = context.new_page()
    try:
        sign_in(page, server, login, "/dashboard" if login == "county" else "/staff")
        page.goto(server.url + "/pairings")
        units = page.evaluate(PAIRING_UNITS_AND_JOINED)["units"]
        longest = max(len(name) for name, _ in units)
        assert len(units) >= 10 and longest >= 10, units
        assert [u for u in units if u[1] > 2] == [], units
        assert page.evaluate(WIDE_TABLES) == []
    finally:
        context.close()


def test_a_joined_cells_figure_reads_from_the_left_like_its_neighbours_at_800_px(server: ServerProcess,
                                                                                  browser: Browser) -> None:
    """At 800 px /pairings' 帮扶次数 (a .num cell) kept its right alignment inside the joined column: its
    label on the left, its figure far off at the right edge, under days that read from the left."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 800, "height": 768})
    page = context.new_page()
    try:
        sign_in(page, server, "county", "/dashboard")
        page.goto(server.url + "/pairings")
        joined = page.evaluate(PAIRING_UNITS_AND_JOINED)["joined"]
        assert any(label == "帮扶次数" for label, _, _ in joined), joined
        assert {align for _, align, _ in joined} == {"left"}, joined
        figures = [gap for label, _, gap in joined if label == "帮扶次数" and gap is not None]
        assert len(figures) >= 10 and min(figures) > 100, figures  # the figure ends far from the right edge
    finally:
        context.close()


# Each volunteer's name and kind in the /mentors table, and on how many lines it lies.
MENTOR_WORD_LINES = """() => [...document.querySelectorAll('main td[data-label="姓名"] a,'
    + ' main td[data-label="类别"], main td[data-label="最近同步"]')].map((el) => {
  const range = document.createRange();
  range.selectNodeContents(el);
  const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
  return [el.textContent.trim(), tops.size];
})"""


@pytest.mark.parametrize("width", [1280, 1024, 800])
@pytest.mark.parametrize("who", [("admin", "/dashboard"), ("zhan-bencha", "/staff")])
def test_a_volunteers_name_and_kind_in_the_volunteer_list_are_never_cut_across_two_lines(
        server: ServerProcess, browser: Browser, who: tuple[str, str], width: int) -> None:
    """The kind column (类别) took its room from the names: 周福 / 林 and 老教 / 师 at 1280 px, and at 800
    从 / 未 and 老战 / 士; a station's short list broke 老战 / 士 at 1280 px where the county's long one
    did not. A name, a kind of up to four characters and 从未 stay whole; 社会各界人士 may part."""
    words = words_and_lines(browser, server, who, "/mentors", width, MENTOR_WORD_LINES)
    assert len(words) >= 4 and any(w in ("老教师", "老战士") for w, _ in words), words
    assert all(n == 1 for w, n in words if len(w) <= 4), [w for w in words if w[1] != 1]
