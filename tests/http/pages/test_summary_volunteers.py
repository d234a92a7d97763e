"""The year summary and the dashboard say how many volunteers took part and of which kind — 参与五老
N 人（老干部 a、…），另有学校教师 x、社会各界人士 y — on the page and the summary's printed copy, each
level its own units only; the drafted summary text says the same in one clause."""
from __future__ import annotations

import html
import re
from typing import Any

from sync.timeutil import local_today
from sync.users import save_user

from .conftest import Site


def _line(page: str) -> str:
    found = re.search(r'<p id="took-part">(.*?)</p>', page, re.S)
    assert found, "no 参与的志愿者 line"
    return found.group(1)


def _kinds(site: Site) -> None:
    w = site.w

    def write(db: Any) -> None:
        save_user(db, w.admin, {"mentor_kind": "cadre"}, user_id=w.mentor1.user_id)  # 掘港 station
        save_user(db, w.admin, {"mentor_kind": "school_teacher"}, user_id=w.mentor3.user_id)  # 栟茶 station
    site.write(write)  # mentor2 (掘港) stays 未填


def test_the_year_summary_counts_the_volunteers_who_took_part_by_kind(site: Site) -> None:
    w = site.w
    _kinds(site)
    browser = site.as_(w.reviewer)
    line = _line(browser.get(f"/summary?unit={w.county}&year=2026").text)
    assert line == ("参与五老 1 人（老干部 1、老战士 0、老专家 0、老教师 0、老模范 0），另有学校教师 1 人、"
                    "社会各界人士 0 人；还有 1 人未填类别，请在志愿者资料里补填。")
    assert _line(browser.get(f"/summary/print?unit={w.county}&year=2026").text) == line
    # Nobody was paired in 2025.
    assert _line(browser.get(f"/summary?unit={w.county}&year=2025").text) == (
        "参与五老 0 人（老干部 0、老战士 0、老专家 0、老教师 0、老模范 0），另有学校教师 0 人、社会各界人士 0 人。")


def test_a_towns_year_summary_counts_only_its_own_volunteers(site: Site) -> None:
    w = site.w
    _kinds(site)
    town2 = _line(site.as_(w.staff_town2).get(f"/summary?unit={w.town2}&year=2026").text)
    assert town2.startswith("参与五老 0 人") and "另有学校教师 1 人" in town2 and "未填" not in town2
    town1 = _line(site.as_(w.staff_town1).get(f"/summary?unit={w.town1}&year=2026").text)
    assert town1.startswith("参与五老 1 人（老干部 1、") and "另有学校教师 0 人" in town1
    assert "还有 1 人未填类别" in town1


def test_the_dashboard_counts_this_years_volunteers_by_kind_in_the_readers_units(site: Site) -> None:
    w = site.w
    _kinds(site)
    county = site.as_(w.reviewer).get("/dashboard").text
    assert f'<h2 id="took-part-h">{local_today().year}年参与的志愿者</h2>' in county
    assert _line(county) == ("参与五老 1 人（老干部 1、老战士 0、老专家 0、老教师 0、老模范 0），另有学校教师 1 人、"
                             "社会各界人士 0 人；还有 1 人未填类别，请在志愿者资料里补填。")
    town2 = _line(site.as_(w.staff_town2).get("/dashboard").text)
    assert town2 == ("参与五老 0 人（老干部 0、老战士 0、老专家 0、老教师 0、老模范 0），另有学校教师 1 人、"
                     "社会各界人士 0 人。")


def _draft(page: str) -> str:
    found = re.search(r'<textarea id="text" name="text"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, "no summary text box"
    return html.unescape(found.group(1))


def test_the_drafted_year_summary_says_the_volunteers_who_took_part_by_kind(site: Site) -> None:
    w = site.w
    _kinds(site)
    browser = site.as_(w.reviewer)
    draft = _draft(browser.get(f"/summary?unit={w.county}&year=2026").text)
    assert "全年参与帮扶的志愿者3人，其中“五老”1人（老干部1人）、学校教师1人、未填类别1人。" in draft
    assert "全年参与帮扶的志愿者3人" in _draft(browser.post(
        f"/summary?unit={w.county}&year=2026", {"action": "redraft"}).text)
    town2 = _draft(site.as_(w.staff_town2).get(f"/summary?unit={w.town2}&year=2026").text)
    assert "全年参与帮扶的志愿者1人，其中学校教师1人。" in town2
    assert "全年没有志愿者参与帮扶。" in _draft(browser.get(f"/summary?unit={w.county}&year=2025").text)
