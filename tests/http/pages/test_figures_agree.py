"""Every page tells the county the same figures: one world built at the edges where counts go
wrong (a deleted visit, a deleted child, a child who moved town mid-month, an ended pairing, a
returned and an approved visit, a 代录 visit, a group activity, visits on the first and last day of
a month), then each figure read from every page that shows it, as a person gets it (HTML, the
XLSX and the CSV), and compared: the dashboard, the statistics form and its exports, the brief,
the year-end summary, the archive list, the station home, the volunteer list, 久未帮扶."""
from __future__ import annotations

import csv
import datetime
import io
import re
import types
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest

from sync.timeutil import SHANGHAI, local_today

from ...factories import (
    edit,
    end_pairing,
    make_activity,
    make_county_staff,
    make_mentee,
    make_pairing,
    mutate,
    remove,
    row,
)
from .conftest import Site, password_hash, sentence
from .test_county_numbers import _xlsx_row

NOV = ("2026-11-01", "2026-11-30")
# The pages are read at 00:30 on 5 December 2026 in Beijing, 16:30 on the 4th in UTC: a page that took
# its "today" from the UTC date would count the visit of the 5th as ahead of today, and the month's
# windows a day short.
NOW = datetime.datetime(2026, 12, 5, 0, 30, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def half_past_midnight_in_beijing() -> Iterator[None]:
    """Every ``local_today``/``utc_now`` reads a clock set to ``NOW`` that runs on from there (timestamps
    still increase, so the latest record stays the latest)."""
    shift = NOW - datetime.datetime.now(datetime.UTC)

    class Clock(datetime.datetime):
        @classmethod
        def now(cls, tz: datetime.tzinfo | None = None) -> Any:
            return datetime.datetime.now(tz) + shift

    shim = types.SimpleNamespace(**{name: getattr(datetime, name) for name in dir(datetime)
                                    if not name.startswith("__")})
    shim.datetime = Clock
    with mock.patch("sync.timeutil.datetime", shim):
        assert local_today() == NOW.date()
        yield


def _cells(tr: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr, re.S)]


def _row(html: str, name: str) -> list[str]:
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S):
        cells = _cells(tr)
        # a town's row says under the school's name what it filed (报送：…)
        if cells and cells[0].split("报送：")[0] == name:
            return cells
    raise AssertionError(f"no row {name}")


def _chart(html: str, key: str) -> dict[str, int]:
    """The table behind a chart: label → number."""
    figure = html.split(f'id="chart-{key}"')[1].split("</figure>")[0]
    body = figure.split("<tbody>")[1]
    rows = [_cells(tr) for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]
    return {c[0]: int(re.sub(r"\D", "", c[1]) or 0) for c in rows if len(c) > 1}


def _csv_row(content: bytes, name: str) -> list[str]:
    for values in csv.reader(io.StringIO(content.decode("utf-8-sig"))):
        if values and values[0] == name:
            return values
    raise AssertionError(f"no row {name}")


def _figure(text: str, pattern: str) -> int:
    found = re.search(pattern, sentence(text))
    assert found, pattern
    return int(found.group(1))


def _world(site: Site) -> Any:
    """make_county and, in November 2026, a record at every edge."""
    w = site.w

    def setup(db: Any) -> None:
        county_staff = make_county_staff(db, w.county)
        w.county_staff = county_staff
        db.execute("UPDATE users SET password_hash = ? WHERE id = ?", [password_hash(), county_staff.user_id])
        # first and last day of the month, one a call with a risk flag; the days either side
        make_activity(db, w.mentor1, w.pairing1, kind="talk", date="2026-11-01")
        make_activity(db, w.mentor1, w.pairing1, kind="remote", date="2026-11-30", risk_flag=True)
        make_activity(db, w.mentor2, w.pairing2, kind="home_visit", date="2026-10-31")
        make_activity(db, w.mentor2, w.pairing2, kind="home_visit", date="2026-12-01", follow_up_due="2026-12-03")
        # a deleted visit
        gone = make_activity(db, w.mentor2, w.pairing2, kind="talk", date="2026-11-10", risk_flag=True)
        edit(db, w.staff_st11, gone, risk_action="误标，已电话核实")
        remove(db, w.staff_st11, "activity", gone)
        # 代录, and an approved visit (make_county's activity1 is returned)
        make_activity(db, w.staff_st11, w.pairing2, kind="talk", date="2026-11-11")
        approved = make_activity(db, w.mentor3, w.pairing3, kind="talk", date="2026-11-12")
        mutate(db, w.staff_st21, "review", {"target_entity": "activity", "target_id": approved, "decision": "approve"})
        make_activity(db, w.mentor3, w.pairing3, kind="group", date="2026-11-07")
        # a deleted child: her pairing ended first, then she was deleted; her visits count nowhere
        lost = make_mentee(db, w.staff_st12, w.st12, name="小失", risk_level="key")
        lost_pairing = make_pairing(db, w.staff_town1, w.mentor2, lost, start_date="2026-10-01")
        flagged = make_activity(db, w.mentor2, lost_pairing, kind="home_visit", date="2026-11-05", risk_flag=True)
        edit(db, w.staff_st12, flagged, risk_action="已转介")
        end_pairing(db, w.staff_st12, lost_pairing, "2026-11-20")
        remove(db, w.staff_st12, "mentee", lost)
        # a child who moved from town 1 to town 2 mid-month: she counts wholly in her new unit
        w.mover = make_mentee(db, w.staff_st11, w.st11, name="小迁", risk_level="key")
        mover_pairing = make_pairing(db, w.staff_st11, w.mentor1, w.mover, start_date="2026-10-01")
        make_activity(db, w.mentor1, mover_pairing, kind="home_visit", date="2026-11-03",
                      follow_up_due="2026-11-28")
        make_activity(db, w.mentor1, mover_pairing, kind="talk", date="2026-11-25", follow_up_due="2026-11-29",
                      risk_flag=True)
        current = row(db, "mentee", w.mover)
        assert current is not None
        mutate(db, county_staff, "mentee", {"unit_id": w.st21}, w.mover, current["version"])
        # an ended pairing: its visits before the end count; it runs no more
        ended_child = make_mentee(db, w.staff_st22, w.st22, name="小结")
        ended = make_pairing(db, w.staff_town2, w.mentor3, ended_child, start_date="2026-10-01")
        make_activity(db, w.mentor3, ended, kind="talk", date="2026-11-06", follow_up_due="2026-11-08")
        end_pairing(db, w.staff_st22, ended, "2026-11-15", "improved")
        # today's visit, written at half past midnight in Beijing (the day before in UTC)
        make_activity(db, w.mentor3, w.pairing3, kind="talk", date=NOW.date().isoformat())
        # a 重点 child nobody is paired with yet
        make_mentee(db, w.staff_st22, w.st22, name="小重", risk_level="key")

    site.write(setup)
    return w


def _stats(browser: Any, unit: str, period: tuple[str, str], name: str = "合计") -> dict[str, list[int]]:
    """One row of the statistics form as the page, the XLSX and the CSV give it (numbers only)."""
    query = f"unit={unit}&from={period[0]}&to={period[1]}"
    page = _row(browser.get(f"/reports/stats?{query}").text, name)[1:9]
    xlsx = _xlsx_row(browser.get(f"/reports/stats.xlsx?{query}").content, name)[1:9]
    text = _csv_row(browser.get(f"/reports/stats.csv?{query}").content, name)[1:9]
    return {"page": [int(v) for v in page], "xlsx": [int(v) for v in xlsx], "csv": [int(v) for v in text]}


TALKS = 4  # the column 开展面对面谈心 among the form's eight numbers


def test_a_months_visits_and_talks_read_the_same_on_the_dashboard_brief_summary_form_and_exports(
        site: Site) -> None:
    w = _world(site)
    # By hand, November 2026: make_county's three home visits of the 20th, the talk of the 1st and the
    # call of the 30th (pairing 1), the 代录 talk (pairing 2), the approved talk and the group activity
    # (pairing 3), the mover's home visit and talk, the ended pairing's talk: 11 activities, 9 of them
    # home visits or talks. Not the deleted visit, not the deleted child's, not 31 October or 1 December.
    # By town: 掘港街道 has pairings 1 and 2 (4 home visits and talks of 5 activities), 栟茶镇 the rest
    # (the mover counts wholly in 栟茶镇, where she is now: 5 of 6).
    expected = {w.county: (11, 9), w.town1: (5, 4), w.town2: (6, 5)}
    for viewer, unit in ((w.reviewer, w.county), (w.staff_town1, w.town1), (w.staff_town2, w.town2)):
        browser = site.as_(viewer)
        activities, talks = expected[unit]
        dashboard = browser.get("/dashboard").text
        assert _chart(dashboard, "activities-month")["11月"] == activities, unit
        brief = sentence(browser.get(f"/brief?unit={unit}&from={NOV[0]}&to={NOV[1]}").text)
        assert f"结对帮扶活动{activities}次（其中上门家访和面对面谈心{talks}次）" in brief, unit
        summary = browser.get(f"/summary?unit={unit}&year=2026").text
        assert _chart(summary, "summary-months")["11月"] == activities, unit
        form = _stats(browser, unit, NOV)
        assert form["page"] == form["xlsx"] == form["csv"], unit
        assert form["page"][TALKS] == talks, unit


def test_the_years_talks_of_each_town_read_the_same_on_the_summary_and_on_each_towns_form(site: Site) -> None:
    w = _world(site)
    browser = site.as_(w.reviewer)
    # By hand, 2026: 掘港街道 holds make_county's two home visits of pairings 1 and 2, the talk of 1
    # November, the 代录 talk and the home visits of 31 October and 1 December: 6. 栟茶镇 holds pairing
    # 3's home visit, approved talk and today's talk, the mover's two and the ended pairing's talk: 6.
    summary = browser.get(f"/summary?unit={w.county}&year=2026").text
    assert _chart(summary, "summary-units") == {"掘港街道": 6, "栟茶镇": 6}
    assert "开展面对面谈心（含上门家访）12场次" in sentence(summary)
    year = ("2026-01-01", "2026-12-31")
    for town, talks in ((w.town1, 6), (w.town2, 6)):
        form = _stats(browser, town, year)
        assert form["page"] == form["xlsx"] == form["csv"]
        assert form["page"][TALKS] == talks
    county = _stats(browser, w.county, year)
    assert county["page"][TALKS] == 12
    kinds = re.search(r"其中上门家访(\d+)次、面对面谈心(\d+)次", sentence(summary))
    assert kinds and int(kinds.group(1)) + int(kinds.group(2)) == 12


def test_pairings_running_read_the_same_on_the_dashboard_brief_summary_archive_and_volunteer_lists(
        site: Site) -> None:
    w = _world(site)
    today = local_today()
    this_month = f"from={today.replace(day=1)}&to={today}"
    # By hand: pairings 1, 2 and 3 and the mover's run (4); the ended pairing and the deleted child's
    # do not. 掘港街道 runs pairings 1 and 2; 栟茶镇 runs 3 and the mover's (she moved, her pairing too).
    # 王老师 runs pairing 1 and the mover's, 李老师 pairing 2, 张老师 pairing 3.
    for viewer, unit, running in ((w.reviewer, w.county, 4), (w.staff_town1, w.town1, 2),
                                  (w.staff_town2, w.town2, 2)):
        browser = site.as_(viewer)
        dashboard = browser.get("/dashboard").text
        assert _figure(dashboard, r"在结对(\d+) 对") == running, unit
        assert sum(_chart(dashboard, "pairings-town").values()) == running, unit
        assert _figure(browser.get(f"/brief?unit={unit}&{this_month}").text, r"目前在结对帮扶(\d+)对") == running
        assert _figure(browser.get(f"/summary?unit={unit}&year={today.year}").text, r"年末在结对帮扶(\d+)对") == running
        assert _figure(browser.get("/pairings?status=running").text, r"共 (\d+) 个结对") == running, unit
    browser = site.as_(w.reviewer)
    towns = _chart(browser.get("/dashboard").text, "pairings-town")
    assert towns == {"掘港街道": 2, "栟茶镇": 2}
    for town, name in ((w.town1, "掘港街道"), (w.town2, "栟茶镇")):
        listed = browser.get(f"/pairings?status=running&town={town}").text
        assert _figure(listed, r"共 (\d+) 个结对") == towns[name]
    # Every child of the world is of the category psych (心理行为问题), so its bar is the whole count.
    categories = _chart(browser.get("/dashboard").text, "pairings-category")
    assert categories["心理行为问题"] == 4
    listed = browser.get("/pairings?status=running&category=psych").text
    assert _figure(listed, r"共 (\d+) 个结对") == categories["心理行为问题"]
    mentors = site.as_(w.county_staff).get(f"/mentors?unit={w.county}").text
    assert [_row(mentors, n)[6] for n in ("王老师", "李老师", "张老师")] == ["2 个", "1 个", "1 个"]


def test_follow_ups_risk_flags_key_children_and_quiet_pairings_read_the_same_on_every_page(site: Site) -> None:
    w = _world(site)
    # By hand, on 5 December 2026 or later: overdue are pairing 2 (its 1 December visit set the 3rd)
    # and the mover's (her visit of 25 November set the 29th); the ended pairing owes none. Open risk
    # flags: pairing 1's call of 30 November and the mover's talk; the deleted visit's and the deleted
    # child's were handled (and count nowhere). 重点: the mover and 小重; the deleted 小失 is not one.
    browser = site.as_(w.reviewer)
    dashboard = browser.get("/dashboard").text
    overdue = _figure(dashboard, r"跟踪逾期(\d+) 个结对")
    flags = _figure(dashboard, r"未处理的风险提示(\d+) 条")
    key = _figure(dashboard, r"重点对象(\d+) 人")
    quiet = _figure(dashboard, r"久未帮扶(\d+) 个结对")
    assert (overdue, flags, key) == (2, 2, 2)
    assert _figure(browser.get("/pairings?follow_up=overdue").text, r"共 (\d+) 个结对") == overdue
    assert _figure(browser.get("/quiet").text, r"久未帮扶（(\d+) 个结对）") == quiet
    summary = sentence(browser.get(f"/summary?unit={w.county}&year=2026").text)
    assert f"目前重点对象{key}人" in summary
    raised = re.search(r"志愿者报告自伤自残风险(\d+)次，已写处理记录(\d+)次", summary)
    assert raised and int(raised.group(1)) - int(raised.group(2)) == flags  # every flag of the world is 2026's
    home = sentence(site.as_(w.county_staff).get("/staff").text)
    assert f"{flags} 条待处理" in home
    for viewer in (w.county_staff, w.staff_town2):
        staff = site.as_(viewer)
        home = staff.get("/staff").text
        overdue_here = _figure(home, r"(\d+)\s*个结对的跟踪已逾期")
        quiet_here = _figure(home, r"(\d+)\s*个结对超过 \d+ 天没有帮扶")
        flags_here = re.search(r"(\d+) 条待处理", sentence(home))
        waiting = _figure(home, r"(\d+)\s*条帮扶记录等待审核")
        assert _figure(staff.get("/review").text, r"帮扶活动（(\d+) 条待审核") == waiting
        assert _figure(staff.get("/pairings?follow_up=overdue").text, r"共 (\d+) 个结对") == overdue_here
        assert _figure(staff.get("/quiet").text, r"久未帮扶（(\d+) 个结对）") == quiet_here
        if viewer is w.county_staff:
            assert (overdue_here, quiet_here, int(flags_here.group(1)) if flags_here else 0) == (overdue, quiet, flags)
        else:  # 栟茶镇: the mover's overdue follow-up and open flag
            assert (overdue_here, int(flags_here.group(1)) if flags_here else 0) == (1, 1)


def test_todays_visit_written_at_half_past_midnight_counts_in_this_month_on_every_page(site: Site) -> None:
    w = _world(site)
    # By hand, 1–5 December 2026: pairing 2's home visit of the 1st and pairing 3's talk of the 5th,
    # written at 00:30 on the 5th (the 4th in UTC): 2 activities, both visits or talks.
    month = ("2026-12-01", NOW.date().isoformat())
    browser = site.as_(w.reviewer)
    assert _chart(browser.get("/dashboard").text, "activities-month")["12月"] == 2
    brief = sentence(browser.get(f"/brief?unit={w.county}&from={month[0]}&to={month[1]}").text)
    assert "结对帮扶活动2次（其中上门家访和面对面谈心2次）" in brief
    assert _chart(browser.get(f"/summary?unit={w.county}&year=2026").text, "summary-months")["12月"] == 2
    form = _stats(browser, w.county, month)
    assert form["page"] == form["xlsx"] == form["csv"] and form["page"][TALKS] == 2


def test_an_approved_town_return_shows_the_figures_of_the_form_for_its_period(site: Site) -> None:
    w = _world(site)
    rid = site.write(lambda db: mutate(db, w.staff_town2, "stats_return", {
        "unit_id": w.town2, "period_from": NOV[0], "period_to": NOV[1], "status": "submitted"}))
    reviewer = site.as_(w.reviewer)
    submitted = reviewer.get(f"/returns/{rid}").text
    form = _stats(reviewer, w.town2, NOV)
    for name in ("栟茶小学辅导站", "栟茶中学", "合计"):
        row_form = _stats(reviewer, w.town2, NOV, name)["page"]
        assert [int(v) for v in _row(submitted, name)[1:9]] == row_form, name
    approving = reviewer.post(f"/returns/{rid}/review", {"decision": "approve"}, form_page=f"/returns/{rid}")
    assert approving.status_code == 303
    approved = reviewer.get(f"/returns/{rid}").text
    # By hand: 栟茶镇's November, 5 home visits and talks (the mover's two among them), 1 child helped
    # (the pairing ended 好转 on the 15th).
    assert [int(v) for v in _row(approved, "合计")[1:9]] == form["page"]
    assert form["page"][TALKS] == 5 and form["page"][7] == 1
