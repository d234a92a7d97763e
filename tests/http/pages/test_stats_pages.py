"""The statistics form page, its drill-down and its exports (XLSX parsed back with openpyxl, CSV
read back), checked against the figures the test works out itself from the rows."""
from __future__ import annotations

import csv
import datetime
import html
import io
import json
import re
from html.parser import HTMLParser
from typing import Any

import openpyxl
import pytest

from server.pages.report_params import quick_periods, reported_year
from server.queries import stats as stats_queries
from server.queries import stats_records
from server.queries.units import unit_tree
from sync import Actor, Scope
from sync.timeutil import local_today

from ...stats_oracle import COLUMNS, add_stats_records, expected_form
from .conftest import Site

HEADERS = ["学校", "开展专题宣传教育（场次）", "参与宣传教育人员（人次）", "组织开展专题家长会（场次）",
           "参与专题家长会（人次）", "开展面对面谈心（场次）", "发放宣传手册（册）", "排查心理存在问题学生（人）",
           "成功干预、疏导学生（人）", "备注"]
YEAR = "from=2026-01-01&to=2026-12-31"


class TableCells(HTMLParser):
    """The text of each cell of the first ``table.stats-form``, row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.depth = 0
        self.cell: list[str] | None = None
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and "stats-form" in (a.get("class") or ""):
            self.depth = 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag in ("td", "th"):
            self.cell = []
        elif self.depth and tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append("".join(self.cell).strip())
            self.cell = None
        elif tag == "table":
            self.depth = 0

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def _cells(html: str) -> TableCells:
    parser = TableCells()
    parser.feed(html)
    return parser


def _expected_lines(site: Site, unit: str, date_from: str = "2026-01-01", date_to: str = "2026-12-31"
                    ) -> list[list[Any]]:
    expected = site.read(lambda db: expected_form(db, unit, date_from, date_to))
    lines = [[name, *(f[c] for c in COLUMNS)] for _, name, f in expected["rows"]]
    return [*lines, ["合计", *(expected["total"][c] for c in COLUMNS)]]


@pytest.fixture
def county(site: Site) -> Any:
    return site.write(lambda db: add_stats_records(db, site.w))


@pytest.mark.parametrize("unit", ["county", "town1", "st11"])
def test_stats_page_rows_and_total_match_the_rows_counted_by_hand(site: Site, county: Any, unit: str) -> None:
    page = site.as_(county.reviewer).get(f"/reports/stats?unit={getattr(county, unit)}&{YEAR}")
    assert page.status_code == 200
    table = _cells(page.text)
    assert table.rows[0] == [h + "含上门家访" if h == "开展面对面谈心（场次）" else h for h in HEADERS]
    # A row of a town's or the county's form says under the school's name what it filed (报送：…).
    body = [[r[0].split("报送：")[0], *(int(v) for v in r[1:9])] for r in table.rows[1:]]
    assert body == _expected_lines(site, getattr(county, unit))
    for label in ("填表单位：", "填表时间：", "填表人：", "填表电话："):
        assert label in page.text


def test_stats_page_every_number_links_to_its_records_and_the_list_adds_up(site: Site, county: Any) -> None:
    browser = site.as_(county.staff_town1)
    table = _cells(browser.get(f"/reports/stats?unit={county.town1}&{YEAR}").text)
    record_links = [link for link in table.links if link.startswith("/reports/stats/records?")]
    assert len(record_links) == 3 * 8  # two rows and 合计, eight numbers each
    numbers = [int(v) for row in table.rows[1:] for v in row[1:9]]
    for link, number in zip(record_links, numbers, strict=True):
        listing = browser.get(link.replace("&amp;", "&"))
        assert listing.status_code == 200
        assert f'<span class="figure">{number}</span>' in listing.text, link


def test_stats_drill_down_of_talks_links_each_activity_to_its_pairing(site: Site, county: Any) -> None:
    page = site.as_(county.reviewer).get(f"/reports/stats/records?unit={county.st11}&{YEAR}&measure=talks")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert page.text.count(f'href="/pairings/{county.pairing1}"') == 4
    assert "小明" not in page.text  # pseudonymous codes only


def test_the_talks_line_says_it_counts_home_visits_wherever_it_shows_and_the_file_keeps_the_notices_words(
        site: Site, county: Any) -> None:
    """开展面对面谈心（场次） counts the volunteers' 上门家访 with the talks (the notice's 一对一、面对面的谈心谈话,
    held in the child's home): every page that shows the line says so; the exported form keeps the
    notice's heading, and a home visit counts there once, as a talk does."""
    browser = site.as_(county.reviewer)
    form = browser.get(f"/reports/stats?unit={county.st11}&{YEAR}").text
    # the unit in a span that keeps it on one line (…谈心（场 / 次） split it in a narrow column)
    assert '开展面对面谈心<span class="nowrap">（场次）</span><br>含上门家访</th>' in form
    assert 'data-label="开展面对面谈心（场次），含上门家访"' in form
    records = browser.get(f"/reports/stats/records?unit={county.st11}&{YEAR}&measure=talks").text
    assert "开展面对面谈心（场次）含上门家访：每次上门家访和面对面谈心各算一场" in records
    assert "含上门家访" not in browser.get(f"/reports/stats/records?unit={county.st11}&{YEAR}&measure=lectures").text
    summary = browser.get(f"/summary?unit={county.county}&year=2026").text
    assert "开展面对面谈心（场次，含上门家访）" in summary and "开展面对面谈心（含上门家访）" in summary
    book = openpyxl.load_workbook(io.BytesIO(browser.get(f"/reports/stats.xlsx?unit={county.st11}&{YEAR}").content))
    sheet = book.active
    assert sheet is not None
    assert "开展面对面谈心（场次）" in [c.value for row in sheet.iter_rows() for c in row]
    kinds = dict(site.read(lambda db: db.execute(
        "SELECT a.kind, count(*) FROM activities a JOIN mentees m ON m.id = a.mentee_id JOIN pairings p"
        " ON p.id = a.pairing_id WHERE m.unit_id = ? AND a.deleted = 0 AND p.deleted = 0 AND m.deleted = 0"
        " AND a.date BETWEEN '2026-01-01' AND '2026-12-31' GROUP BY a.kind", [county.st11]).fetchall()))
    assert kinds.get("home_visit") and set(kinds) - {"home_visit", "talk"}  # some count, some do not
    talks = int(_cells(form).rows[1][5])
    assert talks == kinds["home_visit"] + kinds.get("talk", 0)


def test_stats_drill_down_names_a_row_unit_alone_and_a_town_with_its_total(site: Site, county: Any) -> None:
    reviewer = site.as_(county.reviewer)
    station = reviewer.get(f"/reports/stats/records?unit={county.st11}&{YEAR}&measure=talks").text
    town = reviewer.get(f"/reports/stats/records?unit={county.town1}&{YEAR}&measure=talks").text
    assert "掘港小学辅导站" in station and "掘港小学辅导站（合计）" not in station
    assert "掘港街道（合计）" in town
    assert '统计时段：<span class="nowrap">2026年1月1日</span>至<span class="nowrap">2026年12月31日</span>' in town


@pytest.mark.parametrize("unit", ["town1", "st11"])
def test_stats_drill_down_reads_the_unit_tree_once_per_request(site: Site, county: Any, unit: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    reviewer = site.as_(county.reviewer)
    figure = int(_cells(reviewer.get(f"/reports/stats?unit={getattr(county, unit)}&{YEAR}").text).rows[-1][5])
    reads: list[str | None] = []

    def counted(db: Any, scope: Any, *, root: str | None = None) -> list[dict[str, Any]]:
        reads.append(root)
        return unit_tree(db, scope, root=root)

    monkeypatch.setattr(stats_queries, "unit_tree", counted)
    page = reviewer.get(f"/reports/stats/records?unit={getattr(county, unit)}&{YEAR}&measure=talks")
    assert page.status_code == 200 and f'<span class="figure">{figure}</span>' in page.text
    assert reads == [getattr(county, unit)]


def test_stats_xlsx_is_laid_out_like_the_paper_form(site: Site, county: Any) -> None:
    site.write(lambda db: db.execute("UPDATE users SET phone = '0513-84512345' WHERE id = ?",
                                     [county.reviewer.user_id]))
    response = site.as_(county.reviewer).get(f"/reports/stats.xlsx?unit={county.town1}&{YEAR}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument")
    assert "attachment" in response.headers["content-disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert ws is not None
    assert ws["A1"].value == "掘港街道心理健康教育工作情况统计表"
    assert "A1:J1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A2"].value == "统计时段：2026年1月1日至2026年12月31日"
    head = [ws.cell(row=3, column=c).value for c in (1, 4, 6, 8)]
    assert head[0] == "填表单位：掘港街道" and str(head[1]).startswith("填表时间：")
    assert head[2] == "填表人：县关工委" and head[3] == "填表电话：0513-84512345"  # the signed-in person's
    assert [ws.cell(row=4, column=c).value for c in range(1, 11)] == HEADERS
    lines = [[ws.cell(row=r, column=c).value for c in range(1, 10)] for r in range(5, ws.max_row + 1)]
    assert lines == _expected_lines(site, county.town1)
    total_row = ws.max_row
    assert ws.cell(row=total_row, column=1).value == "合计" and ws.cell(row=total_row, column=2).font.b
    assert ws.cell(row=5, column=2).border.left.style == "thin"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize or 0) == 9  # A4
    assert ws.column_dimensions["A"].width >= 20 and ws.cell(row=4, column=2).alignment.wrap_text


def test_stats_csv_has_a_bom_the_header_row_and_the_figures(site: Site, county: Any) -> None:
    response = site.as_(county.reviewer).get(f"/reports/stats.csv?unit={county.county}&{YEAR}")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    assert [[r[0], *(int(v) for v in r[1:9])] for r in rows[1:]] == _expected_lines(site, county.county)
    assert rows[2][9] == "含线上宣讲"  # 掘港小学辅导站's own 备注 for the year


def test_the_form_and_a_return_offer_the_excel_file_in_plain_words_and_no_csv_link(site: Site, county: Any) -> None:
    """导出 CSV beside 导出 Excel 表格 is an engineer's word a retired cadre cannot act on, and the
    Excel file is the one the notice's form is sent up in: the pages offer that one only, the CSV
    stays at its address for scripts."""
    browser = site.as_(county.reviewer)
    form = f"/reports/stats?unit={county.county}&{YEAR}"
    ret = f"/returns/{county.return_year}"
    for page, csv_path in ((form, form.replace("?", ".csv?")), (ret, f"{ret}.csv")):
        text = browser.get(page).text
        assert "导出 Excel 表格" in text
        assert "CSV" not in text and ".csv" not in text, page
        assert browser.get(csv_path).status_code == 200


def test_stats_exports_default_to_ones_own_unit_and_the_year_being_reported(site: Site, county: Any) -> None:
    response = site.as_(county.staff_st11).get("/reports/stats.csv")
    year = reported_year(local_today())  # the current one; in January, the year just ended
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["掘港小学辅导站", "合计"]
    assert f"{year}-01-01" in response.headers["content-disposition"].replace("%E8%87%B3", " ")
    lines = _expected_lines(site, county.st11, f"{year}-01-01", f"{year}-12-31")
    assert [[r[0], *(int(v) for v in r[1:9])] for r in rows[1:]] == lines


@pytest.mark.parametrize("query", ["unit=not-a-unit", "from=2026-02-30", "from=2026-13-01", "to=26-1-1",
                                   "from=2026-12-01&to=2026-01-01", "from=1900-01-01"])
@pytest.mark.parametrize("path", ["/reports/stats", "/reports/stats.xlsx", "/reports/stats.csv"])
def test_stats_bad_parameters_get_a_friendly_400_page(site: Site, county: Any, path: str, query: str) -> None:
    response = site.as_(county.reviewer).get(f"{path}?{query}")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html") and "出错了" in response.text


def test_a_period_typed_in_full_width_digits_is_that_period_and_another_scripts_digits_are_no_date(
        site: Site, county: Any) -> None:
    """A date box that is a plain text box (an old phone's browser) gets the input method's full-width
    digits: ２０２６-１０-０１ was told 是不存在的日期, and 2026-10-01 it is. Digits of another script are
    no date at all, said as such, not as a day no calendar has."""
    browser = site.as_(county.reviewer)
    response = browser.get("/reports/stats", params={"from": "２０２６-１０-０１", "to": "２０２６－１０－３１"})
    assert response.status_code == 200
    assert "统计时段：2026年10月1日至2026年10月31日" in re.sub(r"<[^>]+>|\s", "", response.text)
    response = browser.get("/reports/stats", params={"from": "٢٠٢٦-١٠-٠١"})
    words = html.unescape(re.sub(r"<[^>]+>", "", response.text))
    assert response.status_code == 400 and "应为 YYYY-MM-DD 格式的日期" in words


def test_stats_records_of_an_unknown_measure_is_400(site: Site, county: Any) -> None:
    response = site.as_(county.reviewer).get(f"/reports/stats/records?unit={county.st11}&{YEAR}&measure=drop")
    assert response.status_code == 400 and "栏目" in response.text


@pytest.mark.parametrize("path", ["/reports/stats.xlsx", "/reports/stats.csv", "/returns/{r}.xlsx",
                                  "/returns/{r}.csv"])
def test_stats_exports_send_strangers_to_login_never_a_file(site: Site, county: Any, path: str) -> None:
    response = site.browser().get(path.format(r=county.return_year) + f"?unit={county.county}&{YEAR}")
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
    assert not response.content.startswith(b"PK") and b"\xef\xbb\xbf" not in response.content


def test_stats_every_export_and_child_listing_is_in_the_access_log(site: Site, county: Any) -> None:
    browser = site.as_(county.staff_town1)
    requests = [
        (f"/reports/stats.xlsx?unit={county.town1}&{YEAR}", "export_stats_xlsx", county.town1),
        (f"/reports/stats.csv?unit={county.st12}&{YEAR}", "export_stats_csv", county.st12),
        (f"/returns/{county.return_year}.xlsx", "export_return_xlsx", county.return_year),
        (f"/returns/{county.return_year}.csv", "export_return_csv", county.return_year),
        (f"/reports/stats/records?unit={county.st11}&{YEAR}&measure=screened", "view_stats_records", county.st11),
    ]
    for path, _, _ in requests:
        assert browser.get(path).status_code == 200
    rows = site.read(lambda db: list(db.query(
        "SELECT action, target, user_id, entities FROM access_log WHERE action != 'login' ORDER BY id")))
    assert [(r["action"], r["target"], r["user_id"]) for r in rows] == [
        (action, target, county.staff_town1.user_id) for _, action, target in requests]
    # The children listed, and the screenings beside them that count each.
    assert json.loads(rows[-1]["entities"]) == {"mentee": 2, "screening": 3}


def test_a_stats_drill_down_that_lists_no_child_writes_no_access_log_row(site: Site, county: Any) -> None:
    browser = site.as_(county.staff_town1)
    page = browser.get(f"/reports/stats/records?unit={county.st11}&from=2020-01-01&to=2020-12-31&measure=screened")
    assert page.status_code == 200
    rows = site.read(lambda db: list(db.query("SELECT action FROM access_log WHERE action != 'login'")))
    assert rows == []


def test_a_stats_drill_down_of_visits_logs_how_many_visits_it_listed(site: Site, county: Any) -> None:
    browser = site.as_(county.staff_town1)
    page = browser.get(f"/reports/stats/records?unit={county.st11}&{YEAR}&measure=talks")
    shown = site.read(lambda db: stats_records.measure_records(
        db, Scope(Actor("", "admin", ""), None), county.st11, "talks", "2026-01-01", "2026-12-31"))
    assert page.status_code == 200 and shown
    (row,) = site.read(lambda db: list(db.query("SELECT entities FROM access_log WHERE action = 'view_stats_records'")))
    assert json.loads(row["entities"]) == {"activity": len(shown)}


def test_stats_page_of_one_station_lists_that_row_and_its_total(site: Site, county: Any) -> None:
    page = site.as_(county.staff_st12).get(f"/reports/stats?{YEAR}")
    table = _cells(page.text)
    assert [r[0] for r in table.rows[1:]] == ["掘港中学", "合计"]


def test_stats_form_offers_last_month_this_month_last_quarter_and_the_year_in_one_tap(site: Site) -> None:
    w = site.w
    county = site.as_(w.reviewer)
    page = html.unescape(county.get("/reports/stats").text)
    today = local_today()
    links = re.findall(r'<a class="button" href="(/reports/stats\?[^"]+)"><span>(.+?)</span></a>', page)
    # a month whole on one line: 上个月（2026年11月）, not 2026年 / 11月 at phone width
    quick = quick_periods(today)  # four, and in January 去年全年 too
    assert [label for _, label in links][:len(quick)] == [
        re.sub(r"(\d{4}年\d{1,2}月)", r'<span class="nowrap">\1</span>', label) for label, _, _ in quick]
    # 上个月 opens the form for the whole of last month, for the unit shown.
    last = today.replace(day=1) - datetime.timedelta(days=1)
    shown = html.unescape(county.get(links[0][0]).text)
    assert (f'统计时段：<span class="nowrap">{last.year}年{last.month}月1日</span>至'
            f'<span class="nowrap">{last.year}年{last.month}月{last.day}日</span>') in shown
    assert f'value="{last.replace(day=1).isoformat()}"' in shown and f"unit={w.county}" in links[0][0]
    # Across the turn of the year and in February of a leap year.
    assert quick_periods(datetime.date(2027, 1, 15))[0][1:] == ("2026-12-01", "2026-12-31")
    assert quick_periods(datetime.date(2028, 2, 29))[1] == ("本月（2028年2月）", "2028-02-01", "2028-02-29")
    assert quick_periods(datetime.date(2026, 12, 31))[1][1:] == ("2026-12-01", "2026-12-31")
    # The last whole quarter, for the county's quarterly report upward: across the turn of the year too.
    assert quick_periods(datetime.date(2026, 12, 6))[2] == ("上季度（2026年第三季度）", "2026-07-01", "2026-09-30")
    assert quick_periods(datetime.date(2027, 1, 15))[2] == ("上季度（2026年第四季度）", "2026-10-01", "2026-12-31")
    assert quick_periods(datetime.date(2026, 4, 1))[2] == ("上季度（2026年第一季度）", "2026-01-01", "2026-03-31")
    assert quick_periods(datetime.date(2026, 6, 30))[2][1:] == ("2026-01-01", "2026-03-31")
