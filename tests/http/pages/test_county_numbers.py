"""An audit of the county's figures: records made through the write path at the edges where counts
go wrong, each figure worked out here by plain reasoning over what the test made, then read back
from the pages (statistics form, its XLSX, lecture coverage, dashboard, station home)."""
from __future__ import annotations

import calendar
import datetime
import io
import re
from typing import Any

import openpyxl

from server.queries.coverage import HALF_LECTURES, half_of
from server.queries.referrals import LIMIT
from sync.timeutil import local_today

from ...factories import end_pairing, make_activity, make_mentee, make_pairing, mutate, row
from .conftest import Site

YEAR = "from=2026-01-01&to=2026-12-31"


def _xlsx_row(content: bytes, name: str) -> list[Any]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    for values in sheet.iter_rows(values_only=True):
        if values[0] == name:
            return list(values)
    raise AssertionError(f"no row {name}")


def _page_row(html: str, name: str) -> list[str]:
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr, re.S)]
        if cells and cells[0] == name:
            return cells
    raise AssertionError(f"no row {name}")


def _header(html: str) -> list[str]:
    """The column names of the page's table (a column added elsewhere moves no test's cell)."""
    found = re.search(r"<thead>(.*?)</thead>", html, re.S)
    assert found
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<th[^>]*>(.*?)</th>", found.group(1), re.S)]


def test_a_fifth_lecture_without_an_audience_counts_for_parents_on_the_form_as_in_coverage(site: Site) -> None:
    """第5讲 is the parents' lecture (家长学校). Left without an audience, it counted as a students'
    lecture on the statistics form while lecture coverage counted the same people as parents: the
    county read 0 家长会 beside 100% 家长覆盖率 for one school."""
    w = site.w

    def setup(db: Any) -> None:
        mutate(db, w.staff_st12, "enrolment", {"unit_id": w.st12, "year": 2026, "students": 400, "parents": 200})
        mutate(db, w.staff_st12, "event", {"unit_id": w.st12, "kind": "lecture", "lecture_no": 5,
                                           "date": "2026-09-10", "participants": 200})
        mutate(db, w.staff_st12, "event", {"unit_id": w.st12, "kind": "lecture", "lecture_no": 4,
                                           "date": "2026-09-11", "participants": 100})

    site.write(setup)
    # By hand: the 第4讲 (no audience) is a students' lecture of 100; the 第5讲 (no audience) is one
    # parents' lecture of 200, which is 200 of 200 parents: 100%.
    browser = site.as_(w.reviewer)
    form = _page_row(browser.get(f"/reports/stats?unit={w.st12}&{YEAR}").text, "掘港中学")
    assert form[1:5] == ["1", "100", "1", "200"]
    xlsx = _xlsx_row(browser.get(f"/reports/stats.xlsx?unit={w.st12}&{YEAR}").content, "掘港中学")
    assert xlsx[1:5] == [1, 100, 1, 200]
    coverage = _page_row(browser.get(f"/coverage?unit={w.town1}&year=2026&half=2").text, "掘港中学")
    assert coverage[2] == "100 ／ 400" and coverage[3].startswith("25%")
    assert coverage[4] == "200 ／ 200" and coverage[5].startswith("100%")


def test_a_station_with_no_pupils_of_its_own_is_not_reported_as_missing_its_figures_or_below_target(
        site: Site) -> None:
    """A station (辅导站) without pupils of its own files 0 students and 0 parents. Nobody there is
    left to reach, so it is neither "未填在校人数" (it filled them) nor one of the units below 100%."""
    w = site.w

    def setup(db: Any) -> None:
        mutate(db, w.staff_st21, "enrolment", {"unit_id": w.st21, "year": 2026, "students": 0, "parents": 0})
        mutate(db, w.staff_st22, "enrolment", {"unit_id": w.st22, "year": 2026, "students": 300, "parents": 300})
        for no, people in ((4, 300), (5, 300)):
            mutate(db, w.staff_st22, "event", {"unit_id": w.st22, "kind": "lecture", "lecture_no": no,
                                               "audience": "students" if no == 4 else "parents",
                                               "date": "2026-09-01", "participants": people})

    site.write(setup)
    # By hand: 栟茶中学 300/300 and 300/300, at target; 栟茶小学辅导站 has nobody to reach; so the
    # town 栟茶镇 is 300/300 = 100% and neither unit is below target.
    browser = site.as_(w.reviewer)
    page = browser.get(f"/coverage?unit={w.town2}&year=2026&half=2").text
    station = _page_row(page, "栟茶小学辅导站")
    assert station[2] == "0 ／ 0" and "未填" not in station[3] and "无需覆盖" in station[3]
    assert "缺在校人数" not in station[6] and "未达" not in station[6]
    assert "badge bad" not in page and "个偏低" not in page
    town = _page_row(page, "栟茶镇")
    assert town[1] == "300 ／ 300" and town[2].startswith("100%")
    summary = browser.get(f"/summary?unit={w.town2}&year=2026").text
    assert "学生第4讲宣讲覆盖率100%，家长第5讲宣讲覆盖率100%。" in summary
    # The first half's 第1–3讲 were not given at 栟茶中学 (0 of 300); the station still counts as met.
    assert "覆盖率未达到100%的学校和辅导站，上半年有1个，需继续补课" in summary and "下半年有" not in summary
    # The station's own summary: nobody to reach is met, not a figure left unfilled.
    own = browser.get(f"/summary?unit={w.st21}&year=2026").text
    assert "家长第5讲无需覆盖（在校人数为0）" in own and "学生第1讲无需覆盖（在校人数为0）" in own
    assert "未填在校人数" not in own


def test_the_events_list_counts_the_copies_of_brochure_events_only_as_the_form_does(site: Site) -> None:
    """Copies typed on a lecture are not brochures handed out (docs/design.md §2.1). The events list
    added them to its "发放手册 N 册", so the station's list and its statistics form disagreed."""
    w = site.w

    def setup(db: Any) -> None:
        mutate(db, w.staff_st12, "event", {"unit_id": w.st12, "kind": "lecture", "audience": "students",
                                           "date": "2026-03-02", "participants": 80, "copies": 80})
        mutate(db, w.staff_st12, "event", {"unit_id": w.st12, "kind": "brochure", "date": "2026-03-03",
                                           "copies": 500})

    site.write(setup)
    # By hand: one brochure event of 500 copies; the lecture's 80 copies count nowhere.
    browser = site.as_(w.staff_st12)
    page = browser.get(f"/events?unit={w.st12}&from=2026-01-01&to=2026-12-31").text
    assert "共 2 场，参与 80 人次，发放手册 500 册" in page
    lecture = _page_row(page, "2026年3月2日")
    assert lecture[6] == "—"  # the row's 册数, so the rows add up to the line above them
    form = _page_row(browser.get(f"/reports/stats?unit={w.st12}&{YEAR}").text, "掘港中学")
    assert form[6] == "500"


def test_a_pairing_that_begins_next_week_is_not_yet_counted_as_running_on_the_dashboard_or_in_the_brief(
        site: Site) -> None:
    """A pairing registered ahead of its start day is not yet being mentored. The dashboard counted it
    in 在结对 while the brief of this month left it out (or counted it as "目前" when the month ran
    past today), so the two pages gave the county two numbers for now."""
    w = site.w
    today = local_today()
    soon = today + datetime.timedelta(days=5)

    def setup(db: Any) -> None:
        child = make_mentee(db, w.staff_st11, w.st11)
        make_pairing(db, w.staff_st11, w.mentor2, child, start_date=soon.isoformat())

    site.write(setup)
    # By hand: make_county's three pairings run (begun 2026-09-01, none ended); the fourth begins in 5 days.
    running = 3
    browser = site.as_(w.reviewer)
    dashboard = browser.get("/dashboard").text
    assert re.search(r"在结对</p><p class=\"figure\">(\d+) 对", dashboard).group(1) == str(running)
    last = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    for end in (today, last, soon):
        start = min(today.replace(day=1), end)
        brief = browser.get(f"/brief?unit={w.county}&from={start}&to={end}").text
        assert f"目前在结对帮扶{running}对" in brief and "本期新结对" not in brief, end


def test_a_follow_up_due_today_is_due_not_overdue_and_one_answered_a_day_late_is_done_on_every_page(
        site: Site) -> None:
    """The rule an inspector reads the same on the station home and the dashboard: a follow-up is
    overdue from the day after its date (Beijing dates, whatever the UTC date is); on its day it is
    due (今天); any later visit answers it, a day late included."""
    w = site.w
    today = local_today()

    def ago(days: int) -> str:
        return (today - datetime.timedelta(days=days)).isoformat()

    def setup(db: Any) -> None:
        make_activity(db, w.mentor1, w.pairing1, date=ago(3), follow_up_due=ago(1))  # overdue 1 day
        make_activity(db, w.mentor2, w.pairing2, date=ago(3), follow_up_due=today.isoformat())  # due today
        make_activity(db, w.mentor3, w.pairing3, date=ago(9), follow_up_due=ago(5))
        make_activity(db, w.mentor3, w.pairing3, date=ago(4), kind="remote")  # answered a day late

    site.write(setup)
    # By hand: pairing 1 is the one overdue follow-up (1 day); pairing 2's is due today.
    staff = site.as_(w.staff_town1).get("/staff").text
    overdue = staff.split('id="overdue-h"')[1].split("</section>")[0]
    assert overdue.count('<span class="badge warn">逾期') == 1 and "逾期 1 天" in overdue
    assert '<span class="badge watch">今天</span>' in staff
    dashboard = site.as_(w.reviewer).get("/dashboard").text
    assert "跟踪逾期</p><p class=\"figure\">1 个结对" in dashboard
    assert re.search(r'data-label="逾期天数" class="num">1 天', dashboard)


def test_the_summary_does_not_say_records_entered_for_a_volunteer_with_a_smartphone_were_for_one_without(
        site: Site) -> None:
    """代录 counts every record the station entered for a volunteer (entered_by): a volunteer without a
    smartphone, and one whose phone broke and whose export the station brought in. The summary said
    all of them were "为不使用智能手机的志愿者", which the county would report upward as such."""
    w = site.w
    site.write(lambda db: make_activity(db, w.staff_st11, w.pairing1, date="2026-10-01", kind="talk"))
    # By hand: one record entered by the station, for 王老师, who has a smartphone.
    assert site.read(lambda db: db.execute("SELECT smartphone FROM users WHERE id = ?",
                                           [w.mentor1.user_id]).fetchone()[0]) == 1
    text = site.as_(w.reviewer).get(f"/summary?unit={w.county}&year=2026").text
    assert "辅导站替志愿者代录1次" in text
    assert "不使用智能手机" not in text


def test_an_inspection_score_worked_out_from_its_checklist_follows_the_checklist_when_it_is_corrected(
        site: Site) -> None:
    """A score left empty is the share of checked items passed. Correcting the checklist afterwards
    (an item wrongly marked 未达标) kept the first share, so the unit's history and the year-end
    summary averaged a score the checklist no longer gives. A typed score is the inspector's own."""
    w = site.w

    def setup(db: Any) -> list[str]:
        computed = mutate(db, w.reviewer, "inspection", {
            "unit_id": w.st12, "date": "2026-10-20", "inspectors": "周", "passed": ["records"],
            "failed": ["lectures"], "rectify_due": "2026-12-31"})
        typed = mutate(db, w.reviewer, "inspection", {
            "unit_id": w.st12, "date": "2026-10-21", "inspectors": "周", "passed": ["records"],
            "failed": ["lectures"], "score": 70, "rectify_due": "2026-12-31"})
        for inspection in (computed, typed):
            current = row(db, "inspection", inspection)
            assert current is not None
            mutate(db, w.reviewer, "inspection", {"passed": ["records", "lectures"], "failed": []}, inspection,
                   base_version=current["version"])
        return [computed, typed]

    computed, typed = site.write(setup)
    # By hand: the first now passes 2 of 2 checked items: 100; the second keeps its typed 70; average 85.
    scores = site.read(lambda db: [row(db, "inspection", i)["score"] for i in (computed, typed)])
    assert scores == [100, 70]
    text = site.as_(w.reviewer).get(f"/summary?unit={w.st12}&year=2026").text
    assert "全年开展现场督查2次，平均得分85分" in text


def test_a_town_whose_units_all_filed_no_pupils_reads_nothing_to_reach_on_the_dashboard_as_on_coverage(
        site: Site) -> None:
    """Both of 栟茶镇's units filed 0 students and 0 parents: /coverage says 无需覆盖 for them, while the
    dashboard's chart had one word for every row without a percentage and called the town 未填在校人数."""
    w = site.w
    year = local_today().year  # the dashboard shows this year's coverage

    def setup(db: Any) -> None:
        for staff, unit in ((w.staff_st21, w.st21), (w.staff_st22, w.st22)):
            mutate(db, staff, "enrolment", {"unit_id": unit, "year": year, "students": 0, "parents": 0})

    site.write(setup)
    # By hand: 栟茶镇 has 0 students and 0 parents enrolled, so nobody to reach on either side;
    # 掘港街道 lacks 掘港中学's figure, so it is still unknown there.
    dashboard = site.as_(w.reviewer).get("/dashboard").text
    chart = dashboard.split('id="chart-coverage-town"')[1].split("</figure>")[0]
    bars = len(HALF_LECTURES[half_of(local_today())])  # the half today is in: 第1–3讲 or 第4–5讲
    assert _page_row(chart, "栟茶镇")[1:] == ["无需覆盖"] * bars
    assert _page_row(chart, "掘港街道")[1:] == ["未填在校人数"] * bars
    assert "栟茶镇" in chart.split("<svg")[1] and chart.split("</svg>")[0].count("无需覆盖") == bars


def test_a_pairing_that_begins_next_week_is_not_counted_on_the_volunteer_list_nor_makes_a_key_child_paired(
        site: Site) -> None:
    """在结对 is begun by today and not ended (the dashboard's total and the brief agreed on it in round
    one). The volunteer list's 结对 N 个 and 重点对象's 已结对 still counted a pairing registered to
    begin next week, so a 重点 child nobody visits yet read as paired."""
    w = site.w
    soon = (local_today() + datetime.timedelta(days=5)).isoformat()

    def setup(db: Any) -> str:
        child = make_mentee(db, w.staff_st21, w.st21, code="KEY-0001", risk_level="key")
        make_pairing(db, w.staff_st21, w.mentor3, child, start_date=soon)
        return child

    site.write(setup)
    # By hand: 张老师 runs pairing3 (begun 2026-09-01); the pairing with KEY-0001 begins in 5 days, so
    # he has 1 pairing running and KEY-0001 has none yet.
    mentors = site.as_(w.staff_st21).get(f"/mentors?unit={w.st21}").text
    assert _page_row(mentors, "张老师")[6] == "1 个"
    dashboard = site.as_(w.reviewer).get("/dashboard").text
    key = _page_row(dashboard, "KEY-0001")
    assert key[5] == "⚠ 未结对"  # after 一人一策


def test_the_mentee_list_names_a_volunteer_whose_pairing_has_not_begun_with_its_first_day(site: Site) -> None:
    """The 帮扶对象 list named the volunteer of a pairing beginning next week as the child's 结对志愿者,
    beside the dashboard's ⚠ 未结对 for the same child; it now says from when (张老师（12月9日起）)."""
    w = site.w
    soon = local_today() + datetime.timedelta(days=5)
    site.write(lambda db: make_pairing(db, w.staff_st21, w.mentor3,
                                       make_mentee(db, w.staff_st21, w.st21, code="KEY-0002", risk_level="key"),
                                       start_date=soon.isoformat()))
    # By hand: KEY-0002's only pairing begins in 5 days; 小芳's (pairing3) began on 2026-09-01.
    page = site.as_(w.staff_st21).get(f"/mentees?unit={w.st21}").text
    volunteer = _header(page).index("结对志愿者")
    assert _page_row(page, "KEY-0002")[volunteer] == f"张老师（{soon.month}月{soon.day}日起）"
    code = site.read(lambda db: row(db, "mentee", w.mentee3))["code"]  # type: ignore[index]
    assert _page_row(page, code)[volunteer] == "张老师"


def test_a_pairing_closed_without_an_outcome_still_counts_among_the_pairings_ended_in_the_summary(
        site: Site) -> None:
    """A pairing closed through the API without an outcome (the 结束结对 page asks for one; a raw
    write need not) was left out of 结束结对 N 对, so the summary ended fewer pairings than ended."""
    w = site.w

    def setup(db: Any) -> None:
        end_pairing(db, w.staff_st11, w.pairing1, "2026-11-20", "improved")
        end_pairing(db, w.staff_st11, w.pairing2, "2026-11-21", None)  # type: ignore[arg-type]

    site.write(setup)
    # By hand: two of make_county's pairings ended in 2026, one 好转 and one without an outcome;
    # pairing3 still runs.
    summary = site.as_(w.reviewer).get(f"/summary?unit={w.county}&year=2026").text
    assert "结束结对2对（好转1对、结果未填1对）" in summary


def test_the_station_home_counts_every_open_referral_not_only_the_ones_it_lists(site: Site) -> None:
    """The home page lists the oldest 200 open referrals and its tile counted that list, so a town's
    staff with more open read 200 where the dashboard counted them all."""
    w = site.w

    def setup(db: Any) -> None:
        for i in range(LIMIT):  # with make_county's referral1, one more than the list holds
            mutate(db, w.staff_st11, "referral", {"mentee_id": w.mentee2, "target": "medical",
                                                  "referred_on": f"2026-10-{i % 28 + 1:02d}"})

    site.write(setup)
    # By hand: make_county's referral1 and the 200 above are open: 201.
    home = site.as_(w.staff_town1).get("/staff").text
    tile = home.split('id="todo-h"')[1].split("个转介尚未结束")[0]
    assert re.findall(r'<p class="figure">(\d+)</p>', tile)[-1] == str(LIMIT + 1)
    assert f"共 {LIMIT + 1} 个未结束" in home
