"""A roster's birth date gives the child's birth year only when the calendar has that day: 2016-13-45
or 2015-02-30 is a slip of the keyboard, refused for its row in words; a year, a real date, a year
and month, an Excel date give their year as before."""
from __future__ import annotations

import pytest

from server.imports.mentee_cells import row_values


@pytest.mark.parametrize("cell", ["2016-13-45", "2015-02-30", "2015/2/29", "2014年13月", "2014年2月30日", "20150230",
                                  "2014-0-1"])
def test_a_birth_date_the_calendar_does_not_have_is_refused_for_its_row(cell: str) -> None:
    errors: list[str] = []
    values = row_values({"name": "某某", "birth_year": cell}, errors)
    assert "birth_year" not in values
    assert errors == [f"“出生年份”这一格填的“{cell}”不是日历上有的日子（月份是 1 到 12，日不能超过那个月的天数）。"
                      f"请按户口本改正，或只填出生年份（如 {cell[:4]}）。"]


@pytest.mark.parametrize(("cell", "year"), [
    ("2015", 2015), ("2016-02-29", 2016), ("2015-12-31", 2015), ("2014年5月", 2014), ("2014年5月1日", 2014),
    ("20150305", 2015), ("201503", 2015), ("2015/3/5 0:00", 2015), ("42064", 2015), ("2014.5.1", 2014)])
def test_a_year_or_a_real_birth_date_gives_its_year(cell: str, year: int) -> None:
    errors: list[str] = []
    assert row_values({"name": "某某", "birth_year": cell}, errors)["birth_year"] == year and not errors
