"""Which years a pupil may be born in, and the one sentence that refuses any other.

Apart from the rules of a child's file (``rules.children``), so that the field itself
(``entities.MENTEE``) can say it too: a number past what SQLite holds is still a year no pupil
has, and is told so in the words 1990 is, not as a range of integers.
"""
from __future__ import annotations

import datetime

from .timeutil import local_today

# The children paired are primary and middle school pupils and some vocational (中职) students. The
# oldest of these finish a five-year 高职 course at about 20; a late start, a repeated year or two and a
# birthday still to come this year add a few more, so a pupil is at most 25 (the age an Excel roster
# may give instead of a year is read up to the same). Born after this year is no one yet.
OLDEST_PUPIL_AGE = 25


def birth_years(today: datetime.date | None = None) -> tuple[int, int]:
    """The first and last birth year a child may be registered with, by Beijing's calendar."""
    year = (today or local_today()).year
    return year - OLDEST_PUPIL_AGE, year


def birth_year_refused(year: object, today: datetime.date | None = None) -> str | None:
    """Why ``year`` (a number, or what a roster's cell holds) is no pupil's birth year, in the one
    sentence the forms, the import and a push all say; None when it is one."""
    first, last = birth_years(today)
    if type(year) is int and first <= year <= last:
        return None
    return (f"“出生年份”应为 {first} 到 {last} 之间的四位年份（帮扶对象是中小学生和中职学生），"
            f"填的是“{year}”。")
