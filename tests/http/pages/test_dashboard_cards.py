"""Every figure card of ``/dashboard`` opens a list, and that list shows as many rows as the card
says: a county reviewer who follows 在结对 32 must not land on 37 pairings."""
from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

from server.queries.leaving import record_leaving
from sync.timeutil import local_today

from ...factories import end_pairing, make_activity, make_mentee, make_pairing, mutate, row
from .conftest import Site

CARD_RE = re.compile(r'<div class="card">(?:<a href="([^"]+)">)?<p class="figure-label">([^<]+)</p>'
                     r'<p class="figure">(\d+) ')


def _cards(page: str) -> list[tuple[str, str, int]]:
    """(link, label, number) of each figure card; the link is "" for a card that links nowhere."""
    return [(href, label, int(n)) for href, label, n in CARD_RE.findall(page)]


def _region(page: str, anchor: str) -> str:
    """The part of ``page`` an ``#anchor`` points at: its element up to the end of its section."""
    start = page.index(f'id="{anchor}"')
    return page[start:page.index("</section>", start)] if "</section>" in page[start:] else page[start:]


def _rows(region: str, anchor: str | None) -> int:
    """The list's rows in ``region``; /returns#due lists every unit that owes a return and marks the
    late ones with 逾期 N 天, which are the ones its card counts."""
    body = region.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in region else ""
    rows = re.findall(r"<tr[ >].*?</tr>", body, re.S)
    if anchor == "due":
        rows = [r for r in rows if re.search(r"逾期 \d+ 天", r)]
    return len(rows)


def _leave(db: Any, staff: Any, unit: str, day: str) -> str:
    """A new child who left care on ``day`` (结束帮扶: her file closed and why kept)."""
    child = make_mentee(db, staff, unit)
    mutate(db, staff, "mentee", {"status": "closed"}, child, base_version=row(db, "mentee", child)["version"])  # type: ignore[index]
    record_leaving(db, staff, child, day, "graduated", None)
    return child


def _setup(site: Site) -> None:
    """Something behind every card, and pairings the 在结对 card must leave out: one ended, one that
    begins next week (both 结对中 and on /pairings by default, neither running today). The child of
    the ended one waits for a volunteer (等待结对)."""
    w = site.w
    today = local_today()

    def write(db: Any) -> None:
        key = make_mentee(db, w.staff_st11, w.st11, risk_level="key", code="KEY-1")
        make_pairing(db, w.staff_st11, w.mentor1, key,
                     start_date=(today + datetime.timedelta(days=5)).isoformat())
        ended = make_pairing(db, w.staff_st21, w.mentor3, make_mentee(db, w.staff_st21, w.st21))
        end_pairing(db, w.staff_st21, ended, end_date=today.isoformat())
        make_pairing(db, w.staff_st21, w.mentor3, make_mentee(db, w.staff_st21, w.st21),
                             start_date="2026-01-05")
        make_activity(db, w.mentor1, w.pairing1, risk_flag=True, date=today.isoformat())
        make_activity(db, w.mentor2, w.pairing2, date=(today - datetime.timedelta(days=2)).isoformat(),
                      follow_up_due=(today - datetime.timedelta(days=1)).isoformat())
        mutate(db, w.staff_st21, "referral", {"mentee_id": w.mentee3, "target": "medical", "institution": "县医院",
                                              "referred_on": "2026-11-02", "reason": "情绪低落"})
        _leave(db, w.staff_st11, w.st11, today.isoformat())
        mutate(db, w.reviewer, "inspection", {
            "unit_id": w.st21, "date": "2026-10-20", "inspectors": "县关工委", "passed": ["records"],
            "failed": ["counselling_room"], "rectify": "配备专人", "rectify_due": "2026-11-01"})

    site.write(write)
    due = {"from": "2026-09-01", "to": "2026-10-31", "units_due": (today - datetime.timedelta(days=3)).isoformat(),
           "towns_due": (today - datetime.timedelta(days=1)).isoformat()}
    assert site.as_(w.reviewer).post("/returns/deadlines", due).status_code == 303


def test_every_dashboard_card_opens_a_list_of_as_many_rows_as_it_counts(site: Site) -> None:
    _setup(site)
    for who in (site.w.reviewer, site.w.staff_town1):
        browser = site.as_(who)
        dashboard = browser.get("/dashboard").text
        cards = _cards(dashboard)
        assert len(cards) == 10, cards
        wholes = 0
        for href, label, number in cards:
            if not number:
                continue  # links nowhere: test_a_dashboard_figure_of_0_opens_no_empty_list
            path, _, anchor = href.partition("#")
            response = browser.get(path) if path else None
            assert response is None or response.status_code == 200, (label, href)
            page = response.text if response else dashboard
            region = _region(page, anchor) if anchor else page
            assert _rows(region, anchor or None) == number, (label, href)
            for whole in re.findall(r'<a class="tap" href="(/pairings\?[^"]+)">', region if not path else ""):
                # a list on the page that shows its first rows links to the whole of it in the archive
                assert f"共 {number} 个结对" in browser.get(whole.replace("&amp;", "&")).text, (label, whole)
                wholes += 1
        assert wholes == 1  # 跟踪逾期's
        if who is site.w.reviewer:  # the county sees something behind every card
            assert all(number > 0 for _, _, number in cards), cards


def test_a_dashboard_figure_of_0_opens_no_empty_list(site: Site) -> None:
    """A card at 0 says 0 calmly, with no link to a list with nothing in it; the others keep theirs."""
    browser = site.as_(site.w.reviewer)
    before = _cards(browser.get("/dashboard").text)
    assert len(before) == 10 and [label for _, label, n in before if not n], before  # some figures are 0
    assert all(bool(href) == bool(number) for href, _, number in before), before
    _setup(site)
    after = _cards(browser.get("/dashboard").text)
    assert all(href and number for href, _, number in after), after  # something behind every card now


def test_the_running_pairings_card_opens_the_pairings_running_today_not_every_pairing(site: Site) -> None:
    _setup(site)
    browser = site.as_(site.w.reviewer)
    cards = {label: (href, number) for href, label, number in _cards(browser.get("/dashboard").text)}
    href, number = cards["在结对"]
    running = site.read(lambda db: db.execute(
        "SELECT count(*) FROM pairings p JOIN mentees m ON m.id = p.mentee_id WHERE p.deleted = 0 AND m.deleted = 0"
        " AND p.start_date <= ? AND p.status = 'active'", [local_today().isoformat()]).fetchone()[0])
    every = site.read(lambda db: db.execute("SELECT count(*) FROM pairings WHERE deleted = 0").fetchone()[0])
    assert number == running < every
    page = browser.get(href).text
    assert f"共 {running} 个结对" in page
    assert '<option value="running" selected>' in page  # the list says which pairings it shows
    assert f"共 {every} 个结对" in browser.get("/pairings").text


def test_the_leavers_card_counts_this_years_leavers_and_opens_them_not_every_closed_file(site: Site) -> None:
    """本年结束帮扶: the children who left care since 1 January and are still closed, the year summary's
    line so far; its list is the children's list of that year, not every closed file there ever was."""
    w = site.w
    year = local_today().year
    site.write(lambda db: [_leave(db, w.staff_st11, w.st11, f"{year}-01-01"),
                           _leave(db, w.staff_st21, w.st21, f"{year - 1}-12-31")])  # left last year
    browser = site.as_(w.reviewer)
    cards = {label: (href, number) for href, label, number in _cards(browser.get("/dashboard").text)}
    href, number = cards["本年结束帮扶"]
    assert (href.replace("&amp;", "&"), number) == (f"/mentees?status=closed&left_in={year}", 1)
    assert "共 1 人" in browser.get(href.replace("&amp;", "&")).text
    assert "共 2 人" in browser.get("/mentees?status=closed").text
    town2 = {label: number for _, label, number in _cards(site.as_(w.staff_town2).get("/dashboard").text)}
    assert town2["本年结束帮扶"] == 0  # its leaver left last year; the other town's is not its


def test_the_dashboard_writes_its_dates_as_the_other_pages_do(site: Site) -> None:
    """2026-11-19 on the dashboard, 2026年11月19日 everywhere else: one way of writing a day for people."""
    _setup(site)
    page = site.as_(site.w.reviewer).get("/dashboard").text
    shown = re.sub(r"<[^>]*>", " ", page)  # the words on the screen, not the links and attributes
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", page.split('id="risk-h"', 1)[1])
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", page.split('id="overdue-h"', 1)[1])
    assert not re.findall(r"\d{4}-\d{2}-\d{2}", shown)


def test_the_county_finds_from_its_dashboard_which_stations_have_children_no_volunteer_visits(site: Site) -> None:
    """A child in help with no running pairing, or paired only with a stopped volunteer, is counted on
    the county's dashboard and listed, by code and station, on the page its card opens; the menu
    reaches the same list (帮扶对象), so the county is not left to guess the address."""
    _setup(site)
    w = site.w
    browser = site.as_(w.reviewer)
    dashboard = browser.get("/dashboard").text
    cards = {label: (href, number) for href, label, number in _cards(dashboard)}
    href, number = cards["等待结对"]
    assert href == "/mentees?pairing=waiting" and number >= 1
    listed = browser.get(href).text
    assert f"共 {number} 人" in listed
    assert 'href="/mentees"' in dashboard  # the menu's 帮扶对象
    assert site.read(lambda db: db.execute("SELECT name FROM units WHERE id = ?", [w.st21]).fetchone()[0]) in listed


def test_a_shortened_key_children_list_leads_to_all_of_them(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the dashboard's first rows the county was told 只列出前 N 人 and shown no way to the rest."""
    monkeypatch.setattr("server.queries.dashboard.LIST_LIMIT", 1)
    w = site.w
    site.write(lambda db: [make_mentee(db, w.staff_st11, w.st11, risk_level="key", code=f"KEY-{n}") for n in (1, 2)])
    browser = site.as_(w.reviewer)
    page = browser.get("/dashboard").text
    region = _region(page, "key-mentees")
    count = dict((label, n) for _, label, n in _cards(page))["重点对象"]
    assert count >= 2 and "只列出前 1 人" in region
    whole = re.search(r'<a class="tap" href="(/mentees\?risk=key)">在帮扶对象名单里查看全部 (\d+) 个重点对象', region)
    assert whole is not None and int(whole.group(2)) == count
    assert f"共 {count} 人" in browser.get(whole.group(1)).text


def test_past_the_dashboards_first_50_risk_flags_the_county_and_a_town_page_through_every_one(site: Site) -> None:
    """With more open 发现自伤自残风险 flags than the dashboard lists, it said 只列出最近 50 条 and led
    nowhere: the rest were seen by nobody above a station. Its section now links to /risk-flags,
    which pages through all of them (as many rows as the card counts), by code for the county, never
    with the visit's own words."""
    w = site.w
    start = datetime.date(2026, 9, 1)

    def write(db: Any) -> None:
        for n in range(52):
            make_activity(db, w.mentor1, w.pairing1, risk_flag=True, record="孩子说不想活了（原话）",
                          date=(start + datetime.timedelta(days=n)).isoformat())
        for n in range(2):
            make_activity(db, w.mentor3, w.pairing3, risk_flag=True, date="2026-11-0" + str(n + 1))

    site.write(write)
    for who, expected, name in ((w.reviewer, 54, None), (w.staff_town1, 52, "小明")):
        browser = site.as_(who)
        dashboard = browser.get("/dashboard").text
        count = dict((label, n) for _, label, n in _cards(dashboard))["未处理的风险提示"]
        region = _region(dashboard, "risk-flags")
        assert count == expected and _rows(region, None) == 50 and "只列出最近 50 条" in region
        whole = re.search(r'<a class="tap" href="(/risk-flags)">查看全部 (\d+) 条未处理的风险提示', region)
        assert whole is not None and int(whole.group(2)) == count
        first = browser.get(whole.group(1)).text
        assert f"共 {count} 条" in first and "第 1 / 2 页" in first and _rows(first, None) == 50
        following = re.search(r'<a class="button" href="(\?page=2)">下一页</a>', first)
        assert following is not None
        second = browser.get("/risk-flags" + following.group(1)).text
        assert _rows(second, None) == count - 50 and "下一页" not in second
        dates = re.findall(r'<td data-label="日期"><span class="nowrap">([^<]+)</span></td>', first + second)
        assert len(dates) == count  # every flag once, newest first across the pages
        assert dates[0] == "2026年11月2日" if who is w.reviewer else dates[0] == "2026年10月22日"
        for page in (first, second):
            assert "孩子说不想活了" not in page  # the visit's words stay on the station's home
            assert ("小明" in page) == (name is not None)  # names for staff only
