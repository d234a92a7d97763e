"""The year-end summary says how many children left care in the year and why, beside last year's —
本年结束帮扶 N 人（毕业离校 a、…、未记原因 e） — each count opening the children it counts; the printed
copy says the same, and the drafted text names them in a sentence when any left."""
from __future__ import annotations

import html
import re
from typing import Any

from server.queries.leaving import record_leaving
from sync.timeutil import local_today

from ...factories import make_mentee, mutate, row
from .conftest import Browser, Site, sentence

YEAR = local_today().year  # a closing by the edit form is dated by its write: today


def _close(db: Any, staff: Any, unit: str, day: str | None = None, reason: str | None = None) -> str:
    """A new child whose file is closed: by 结束帮扶 on ``day`` for ``reason``, or by the edit form's 状态."""
    child = make_mentee(db, staff, unit)
    mutate(db, staff, "mentee", {"status": "closed"}, child, base_version=row(db, "mentee", child)["version"])  # type: ignore[index]
    if reason:
        assert day is not None
        record_leaving(db, staff, child, day, reason, None)
    return child


def _leavers(site: Site) -> dict[str, str]:
    w = site.w
    return site.write(lambda db: {
        "graduated": _close(db, w.staff_st11, w.st11, f"{YEAR}-01-05", "graduated"),
        "last_year": _close(db, w.staff_st11, w.st11, f"{YEAR - 1}-09-01", "moved_away"),
        "improved": _close(db, w.staff_st21, w.st21, f"{YEAR}-01-06", "improved"),  # the other town
        "unrecorded": _close(db, w.staff_st11, w.st11)})


def _line(page: str) -> str:
    found = re.search(r'<p id="leavers">(.*?)</p>', page, re.S)
    assert found, "no 结束帮扶 line"
    return sentence(found.group(1))


def _links(page: str) -> dict[str, str]:
    """Each linked count of the line: its figure → where it goes."""
    found = re.search(r'<p id="leavers">(.*?)</p>', page, re.S)
    assert found
    return {html.unescape(href): n for href, n in re.findall(r'<a href="([^"]+)">(\d+)</a>', found.group(1))}


def _listed(browser: Browser, path: str) -> str:
    page = browser.get(path)
    assert page.status_code == 200, page.text
    return sentence(page.text)


def test_the_year_summary_counts_the_children_who_left_care_by_why_beside_last_year(site: Site) -> None:
    w = site.w
    _leavers(site)
    county = site.as_(w.reviewer)
    page = county.get(f"/summary?unit={w.county}&year={YEAR}").text
    assert _line(page) == (
        "本年结束帮扶 3 人（毕业离校 1、转学到外县 0、情况好转，不再需要帮扶 1、其他 0、未记原因 1）；"
        "上年 1 人（毕业离校 0、转学到外县 1、情况好转，不再需要帮扶 0、其他 0、未记原因 0）。")
    assert _line(county.get(f"/summary/print?unit={w.county}&year={YEAR}").text) == _line(page)
    assert not _links(county.get(f"/summary/print?unit={w.county}&year={YEAR}").text)  # paper: no links
    town1 = _line(site.as_(w.staff_town1).get(f"/summary?unit={w.town1}&year={YEAR}").text)
    assert town1.startswith(
        "本年结束帮扶 2 人（毕业离校 1、转学到外县 0、情况好转，不再需要帮扶 0、其他 0、未记原因 1）")


def test_each_count_of_the_line_opens_exactly_the_children_it_counts(site: Site) -> None:
    w = site.w
    codes = {k: site.read(lambda db, c=c: row(db, "mentee", c))["code"] for k, c in _leavers(site).items()}  # type: ignore[index, misc]
    county = site.as_(w.reviewer)
    links = _links(county.get(f"/summary?unit={w.county}&year={YEAR}").text)
    assert sorted(links.values()) == ["1", "1", "1", "3"]  # a count at 0 links nowhere
    for href, n in links.items():
        assert f"left_in={YEAR}" in href and f"unit={w.county}" in href, href
        listed = _listed(county, href)
        assert f"共 {n} 人" in listed and f"只列出 {YEAR} 年结束帮扶" in listed, href
        assert codes["last_year"] not in listed  # she left the year before
    graduated = next(h for h in links if "status=left-graduated" in h)
    assert codes["graduated"] in _listed(county, graduated)
    assert "共 4 人" in _listed(county, "/mentees?status=closed")  # every year: the link's notice says which


def test_a_year_nobody_left_says_zero_and_the_draft_names_the_leavers_only_when_some_left(site: Site) -> None:
    w = site.w
    county = site.as_(w.reviewer)
    assert _line(county.get(f"/summary?unit={w.county}&year={YEAR}").text).startswith("本年结束帮扶 0 人；上年 0 人。")
    assert "结束帮扶的孩子" not in _draft(county.get(f"/summary?unit={w.county}&year={YEAR}").text)
    _leavers(site)
    assert "全年结束帮扶的孩子3人，其中毕业离校1人、情况好转不再需要帮扶1人、未记原因1人。" in _draft(
        county.get(f"/summary?unit={w.county}&year={YEAR}").text)


def test_a_year_that_is_no_year_is_refused_in_words_on_the_childrens_list(site: Site) -> None:
    answer = site.as_(site.w.reviewer).get("/mentees?status=closed&left_in=20x6")
    assert answer.status_code == 400 and "结束帮扶的年份应为" in sentence(answer.text)


def _draft(page: str) -> str:
    found = re.search(r'<textarea id="text" name="text"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, "no summary text box"
    return html.unescape(found.group(1))


def _filter_form(page: str) -> dict[str, str]:
    """What the children's list's filter form posts as shown: its hidden fields, the words in its search
    box and each box's chosen option (a box with none chosen posts its first)."""
    found = re.search(r'<form [^>]*class="filters"[^>]*>(.*?)</form>', page, re.S)
    assert found, "no filter form"
    form = found.group(1)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    fields.update(re.findall(r'<input id="q" name="(q)" value="([^"]*)"', form))
    for name, options in re.findall(r'<select id="[^"]+" name="([^"]+)">(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', options) or re.search(r'<option value="([^"]*)"',
                                                                                      options)
        assert chosen
        fields[name] = chosen.group(1)
    return {k: html.unescape(v) for k, v in fields.items()}


def test_the_year_of_the_leavers_list_stays_when_its_filter_form_is_sent_again(site: Site) -> None:
    """A count of the 本年结束帮扶 line opens its year's leavers; the list's 查找, pressed on it (a
    station chosen, say), keeps the year — with its notice and 不限年份 — rather than listing every
    closed file of every year under the year's heading."""
    w = site.w
    codes = {k: site.read(lambda db, c=c: row(db, "mentee", c))["code"] for k, c in _leavers(site).items()}  # type: ignore[index, misc]
    county = site.as_(w.reviewer)
    shown = county.get(f"/mentees?status=closed&unit={w.county}&left_in={YEAR}").text
    sent = _filter_form(shown)
    assert sent["left_in"] == str(YEAR) and sent["status"] == "closed"
    again = county.post("/mentees", sent, form_page=f"/mentees?status=closed&left_in={YEAR}")
    assert again.status_code == 303 and f"left_in={YEAR}" in again.headers["location"], again.headers
    listed = _listed(county, again.headers["location"])
    assert "共 3 人" in listed and f"只列出 {YEAR} 年结束帮扶" in listed and "不限年份" in listed
    assert codes["last_year"] not in listed
    every_year = _filter_form(county.get("/mentees?status=closed").text)
    assert "left_in" not in every_year  # no year asked, none carried
