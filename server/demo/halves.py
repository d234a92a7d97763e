"""Which half-years the demo's lectures belong to, and the days each half's lectures are held in.

Coverage counts 第1–3讲 in the 上半年 (January–June) and 第4讲, 第5讲 in the 下半年 (July–December) of
their year (``queries.coverage``), so a lecture dated in the other half reads as given out of turn. The
demo holds the lectures of its last two halves under way: the half today is in once it has run
``UNDER_WAY`` days (before that nobody has given this half's lectures yet, as in a real county on
4 January or 1 July), and the half before it; else the two halves before today's, so the year-end
summary of the year just ended has both its halves on 1 January. A half the six months barely touch
has its lectures in its last ``UNDER_WAY`` days, before the period: still that half, never the future.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from .state import Date, Demo

UNDER_WAY = 21  # days: a half younger than three weeks has given no lectures yet


@dataclass(frozen=True)
class Half:
    """A half-year the demo holds lectures in, and the days of it they fall within (both included)."""

    year: int
    half: int  # 1 上半年, 2 下半年
    first: Date
    last: Date

    def at(self, fraction: float) -> Date:
        """The day ``fraction`` (0–1) of the way through the window."""
        return self.first + datetime.timedelta(days=int((self.last - self.first).days * fraction))


def _bounds(year: int, half: int) -> tuple[Date, Date]:
    if half == 1:
        return Date(year, 1, 1), Date(year, 6, 30)
    return Date(year, 7, 1), Date(year, 12, 31)


def _before(year: int, half: int) -> tuple[int, int]:
    return (year, 1) if half == 2 else (year - 1, 2)


def lecture_halves(demo: Demo) -> dict[int, Half]:
    """The two halves whose lectures the demo holds, by half (1, 2), each with its days."""
    year, half = demo.today.year, 1 if demo.today.month <= 6 else 2
    start, _ = _bounds(year, half)
    if (demo.today - start).days + 1 < UNDER_WAY:
        year, half = _before(year, half)
    halves: dict[int, Half] = {}
    for y, h in ((year, half), _before(year, half)):
        first, last = _bounds(y, h)
        last = min(last, demo.today)
        first = max(first, demo.first_day)
        if (last - first).days + 1 < UNDER_WAY:
            first = last - datetime.timedelta(days=UNDER_WAY - 1)
        halves[h] = Half(y, h, first, last)
    return halves


def summer(demo: Demo) -> Half:
    """The latest summer holiday (暑假, 10 July–31 August) three weeks under way, up to today."""
    year = demo.today.year if demo.today >= Date(demo.today.year, 7, 10 + UNDER_WAY - 1) else demo.today.year - 1
    return Half(year, 2, Date(year, 7, 10), min(Date(year, 8, 31), demo.today))


def first_year(demo: Demo) -> int:
    """The earliest year the demo dates anything in: the period's, or its lectures' or summer's."""
    return min(demo.first_day.year, summer(demo).year, *(h.year for h in lecture_halves(demo).values()))
