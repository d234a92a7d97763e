"""An audit of the county's figures: records made through the write path at the edges where counts
go wrong, each figure worked out here by plain reasoning over what the test made, then read back
from the pages (statistics form, its XLSX, lecture coverage, dashboard, station home)."""
from __future__ import annotations

import io
import re
from typing import Any

import openpyxl

from ...factories import mutate
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
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
        if cells and cells[0] == name:
            return cells
    raise AssertionError(f"no row {name}")


def test_a_fifth_lecture_without_an_audience_counts_for_parents_on_the_form_as_in_coverage(site: Site) -> None:
    """第5讲 is the parents' lecture (家长学校). Left without an audience, it counted as a students'
    lecture on the statistics form while lecture coverage counted the same people as parents: the
    county read 0 家长会 beside 100% 家长覆盖率 for one school."""
    w = site.w

    def setup(db: Any) -> None:
        mutate(db, w.staff_st12, "enrolment", {"unit_id": w.st12, "year": 2026, "students": 400, "parents": 200})
        mutate(db, w.staff_st12, "event", {"unit_id": w.st12, "kind": "lecture", "lecture_no": 5,
                                           "date": "2026-05-10", "participants": 200})
        mutate(db, w.staff_st12, "event", {"unit_id": w.st12, "kind": "lecture", "lecture_no": 4,
                                           "date": "2026-05-11", "participants": 100})

    site.write(setup)
    # By hand: the 第4讲 (no audience) is a students' lecture of 100; the 第5讲 (no audience) is one
    # parents' lecture of 200, which is 200 of 200 parents: 100%.
    browser = site.as_(w.reviewer)
    form = _page_row(browser.get(f"/reports/stats?unit={w.st12}&{YEAR}").text, "掘港中学")
    assert form[1:5] == ["1", "100", "1", "200"]
    xlsx = _xlsx_row(browser.get(f"/reports/stats.xlsx?unit={w.st12}&{YEAR}").content, "掘港中学")
    assert xlsx[1:5] == [1, 100, 1, 200]
    coverage = _page_row(browser.get(f"/coverage?unit={w.town1}&year=2026").text, "掘港中学")
    assert coverage[2] == "100 ／ 400" and coverage[3].startswith("25%")
    assert coverage[4] == "200 ／ 200" and coverage[5].startswith("100%")
