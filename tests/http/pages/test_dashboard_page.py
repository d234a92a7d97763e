"""``/dashboard``: who sees it, over which scope; its charts are valid SVG carrying the page's numbers."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from ...factories import make_activity, make_mentee, make_pairing
from .conftest import Site

SVG_RE = re.compile(r"<svg .*?</svg>", re.S)


def test_dashboard_is_the_reviewer_landing_page(site: Site) -> None:
    browser = site.browser()
    response = browser.post("/login", {"username": site.login_of(site.w.reviewer), "password": "correct-horse-9"},
                            form_page="/login")
    assert response.headers["location"] == "/dashboard"


def test_dashboard_charts_are_valid_svg_with_the_numbers_of_their_tables(site: Site) -> None:
    response = site.as_(site.w.reviewer).get("/dashboard")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    charts = SVG_RE.findall(response.text)
    assert len(charts) >= 3
    for svg in charts:
        root = ET.fromstring(svg)
        assert root.find("{http://www.w3.org/2000/svg}title").text
        assert root.find("{http://www.w3.org/2000/svg}desc").text
    # make_county: three active pairings, two in 掘港街道 and one in 栟茶镇, all of category 心理行为问题.
    town_chart = next(s for s in charts if "按镇/街道" in s)
    texts = ["".join(t.itertext()) for t in ET.fromstring(town_chart).iter("{http://www.w3.org/2000/svg}text")]
    assert texts.count("2对") == 1 and texts.count("1对") == 1
    assert re.search(r'<th scope="row">掘港街道</th><td class="num">2对</td>', response.text)
    assert "在结对</p><p class=\"figure\">3 对" in response.text


def test_dashboard_shows_codes_never_names(site: Site) -> None:
    w = site.w
    site.write(lambda db: make_mentee(db, w.staff_st11, w.st11, risk_level="key", code="KEY-007", name="王小虎"))
    text = site.as_(w.reviewer).get("/dashboard").text
    assert "KEY-007" in text
    assert "王小虎" not in text and "小明" not in text


@pytest.mark.parametrize("who", ["staff_town2", "staff_st21"])
def test_dashboard_of_another_town_shows_none_of_town_1(site: Site, who: str) -> None:
    w = site.w

    def setup(db: Any) -> None:
        mentee = make_mentee(db, w.staff_st11, w.st11, risk_level="key", code="FOREIGN-1")
        pairing = make_pairing(db, w.staff_st11, w.mentor1, mentee)
        make_activity(db, w.mentor1, pairing, risk_flag=True, follow_up_due="2020-01-01")

    site.write(setup)
    response = site.as_(getattr(w, who)).get("/dashboard")
    assert response.status_code == 200
    assert "FOREIGN-1" not in response.text
    assert "掘港" not in response.text
    assert "栟茶" in response.text


def test_dashboard_counts_a_new_risk_flag_at_once(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_town1)
    before = re.search(r"未处理的风险提示</p><p class=\"figure\">(\d+) 条", browser.get("/dashboard").text)
    assert before and before.group(1) == "0"
    site.write(lambda db: make_activity(db, w.mentor1, w.pairing1, risk_flag=True, date="2026-11-21"))
    after = re.search(r"未处理的风险提示</p><p class=\"figure\">(\d+) 条", browser.get("/dashboard").text)
    assert after and after.group(1) == "1"


def test_dashboard_shows_the_open_referrals_of_its_scope(site: Site) -> None:
    pattern = r"转介未结束</p><p class=\"figure\">(\d+) 人次"
    page = site.as_(site.w.staff_town1).get("/dashboard").text
    town1 = re.search(pattern, page)
    assert '<a href="/referrals"><p class="figure-label">转介未结束' in page  # the card opens the open referrals
    town2 = re.search(pattern, site.as_(site.w.staff_town2).get("/dashboard").text)
    assert town1 and town1.group(1) == "1"  # referral 1, still open
    assert town2 and town2.group(1) == "0"


def _coverage_world(site: Site, year: int) -> None:
    """掘港街道 (掘港中学 800 students and 760 parents, 掘港小学辅导站 200 and 190): 第1讲 for 400 and 第2讲
    for all 1,000 in the spring, 第3讲 not yet; 第4讲 for 300 held early, in March. 栟茶镇 has no figures."""
    from ...factories import mutate

    w = site.w

    def setup(db: Any) -> None:
        for unit, students, parents in ((w.st11, 800, 760), (w.st12, 200, 190)):
            if (unit, year) == (w.st11, 2026):
                continue  # the shared world already holds these figures (enrolment1): one set a unit a year
            mutate(db, w.staff_town1, "enrolment", {"unit_id": unit, "year": year, "students": students,
                                                    "parents": parents})
        for staff, unit, no, day, people in ((w.staff_st11, w.st11, 1, "02-20", 400),
                                             (w.staff_st11, w.st11, 2, "03-10", 800),
                                             (w.staff_st12, w.st12, 2, "03-11", 200),
                                             (w.staff_st11, w.st11, 4, "03-01", 300)):
            mutate(db, staff, "event", {"unit_id": unit, "kind": "lecture", "lecture_no": no,
                                        "audience": "students", "date": f"{year}-{day}", "participants": people})

    site.write(setup)


@pytest.mark.parametrize(("today", "half", "bars", "row"), [
    # By hand, 掘港街道 of 1,000 students (950 parents): 第1讲 400 = 40%, 第2讲 1,000 = 100%, 第3讲 none = 0%;
    # 第4讲 300 = 30% (held in March, it counts for the second half all the same), 第5讲 0 of 950 = 0%.
    # 栟茶镇 has no enrolment figure: 未填在校人数 on every bar.
    ("2026-03-15", 1, ["第1讲 40%", "第2讲 100%", "第3讲 0%", "第3讲 未填在校人数"], ["40%", "100%", "0%"]),
    ("2026-06-30", 1, ["第1讲 40%", "第2讲 100%", "第3讲 0%"], ["40%", "100%", "0%"]),
    ("2026-07-01", 2, ["学生（第4讲） 30%", "家长（第5讲） 0%", "学生（第4讲） 未填在校人数"], ["30%", "0%"]),
    ("2026-12-31", 2, ["学生（第4讲） 30%", "家长（第5讲） 0%"], ["30%", "0%"]),
])
def test_dashboard_shows_the_lecture_coverage_of_the_half_today_is_in(
        site: Site, monkeypatch: pytest.MonkeyPatch, today: str, half: int, bars: list[str], row: list[str]) -> None:
    """From January to June the notice asks for 第1–3讲 at 100%: the dashboard showed the second half's
    第4讲/第5讲, which nobody gives yet, all year round."""
    import datetime

    monkeypatch.setattr("server.pages.dashboard.local_today", lambda: datetime.date.fromisoformat(today))
    _coverage_world(site, 2026)
    browser = site.as_(site.w.reviewer)
    page = browser.get("/dashboard").text
    chart = page.split('id="chart-coverage-town"')[1].split("</figure>")[0]
    name, lectures = ("上半年", "第1–3讲") if half == 1 else ("下半年", "第4–5讲")
    assert f"<h2>2026年{name}宣讲覆盖率（{lectures}，按镇/街道）</h2>" in chart
    texts = ["".join(t.itertext()) for t in ET.fromstring(SVG_RE.findall(chart)[0])
             .iter("{http://www.w3.org/2000/svg}text")]
    assert all(bar in texts for bar in bars) and "目标 100%" in texts
    other = ("第4讲", "第5讲") if half == 1 else ("第1讲", "第2讲", "第3讲")
    assert not any(no in chart for no in other)
    assert re.search(r'<th scope="row">掘港街道</th>' + "".join(f'<td class="num">{p}</td>' for p in row), chart)
    # The link opens the same half and year on /coverage, which gives the town the same figures.
    assert f'<a class="tap" href="/coverage?half={half}&amp;year=2026">各学校、辅导站的{name}宣讲覆盖率</a>' in page
    towns = browser.get(f"/coverage?half={half}&year=2026").text.split("按学校和辅导站")[0]
    town = re.search(r'<td data-label="单位"[^>]*><a [^>]*>掘港街道</a></td>(.*?)</tr>', towns, re.S)
    assert town and re.findall(r'覆盖率">([\d.]+%)', town.group(1)) == row


def test_dashboard_says_which_key_mentees_have_no_one_plan(site: Site) -> None:
    # Rudong 二.1: 确保重点对象采取“一人一策”. The county sees codes only, so the list must say it.
    w = site.w

    def setup(db: Any) -> None:
        make_mentee(db, w.staff_st11, w.st11, risk_level="key", code="PLAN-YES", plan="每周家访一次，联系班主任。")
        make_mentee(db, w.staff_st11, w.st11, risk_level="key", code="PLAN-NO", plan="  ")

    site.write(setup)
    text = site.as_(w.reviewer).get("/dashboard").text
    rows = {code: row for row in re.findall(r"<tr>.*?</tr>", text, re.S)
            for code in ("PLAN-YES", "PLAN-NO") if code in row}
    assert "一人一策已制定" in rows["PLAN-YES"] and "未制定" not in rows["PLAN-YES"]
    assert "⚠ 一人一策未制定" in rows["PLAN-NO"]
    assert "每周家访" not in text  # whether it is written, never what it says
