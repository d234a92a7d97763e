"""An address a page cannot read (a report period typed wrongly, a year that is no year, a link cut short)
is a 400 saying what is wrong in the officer's own words: 起始日期, 截止日期, 年度, 单位 — the words of the
page — never the address's parameter names (起始日期（from）), which she never sees and cannot act on."""
from __future__ import annotations

import re

import pytest

from .conftest import Site, sentence

# A parameter name in brackets, or the words of an address's machinery.
MACHINERY = re.compile(r"[（(][A-Za-z_]+[）)]|参数|UUID")


@pytest.mark.parametrize(("path", "words"), [
    ("/reports/stats?from=2026-02-30", "起始日期“2026-02-30”是不存在的日期"),
    ("/reports/stats?from=abc", "起始日期应为 YYYY-MM-DD 格式的日期"),
    ("/reports/stats?to=2026-13-01", "截止日期“2026-13-01”是不存在的日期"),
    ("/reports/stats.xlsx?to=20261231", "截止日期应为 YYYY-MM-DD 格式的日期"),
    ("/returns?from=1800-01-01", "起始日期超出合理范围"),
    ("/events?from=2026-02-30", "起始日期“2026-02-30”是不存在的日期"),
    ("/events?to=abc", "截止日期应为 YYYY-MM-DD 格式的日期"),
    ("/events?lecture=9", "讲次只能是第1–5讲中的一讲"),
    ("/brief?from=20261001", "起始日期应为 YYYY-MM-DD 格式的日期"),
    ("/brief?unit=not-a-unit", "单位读不懂"),
    ("/summary?year=1999", "年度应为 2000–2100 之间的年份"),
    ("/coverage?half=3", "半年只能是上半年（1）或下半年（2），收到“3”"),
    ("/reports/stats/records?measure=nothing", "要查看的栏目不存在"),
    ("/mentees?status=closed&left_in=20x6", "结束帮扶的年份应为 2000–2100 之间的年份"),
])
def test_an_address_the_page_cannot_read_is_refused_in_the_officers_words(site: Site, path: str,
                                                                          words: str) -> None:
    answer = site.as_(site.w.reviewer).get(path)
    assert answer.status_code == 400, answer.text[:300]
    said = sentence(answer.text)
    assert words in said
    assert not MACHINERY.search(said), MACHINERY.findall(said)


def test_a_grade_the_move_page_cannot_read_is_refused_without_the_addresses_name_for_it(site: Site) -> None:
    w = site.w
    answer = site.as_(w.staff_town1).get(f"/units/{w.st11}/move-children?grade=" + "六" * 30)
    assert answer.status_code == 400
    said = sentence(answer.text)
    assert "年级读不懂" in said and not MACHINERY.search(said), MACHINERY.findall(said)
