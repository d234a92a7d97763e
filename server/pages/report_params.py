"""The query every report takes: ``unit``, ``from``, ``to`` (or ``year``), with the defaults people expect.

Without ``unit`` a report is for the signed-in person's own unit; without dates it covers the
year being reported where the users live (Asia/Shanghai): through January the year just ended, whose
returns are filed then, later the current one (``reported_year``). Anything unreadable is a 400
page (``param_invalid``) that says which value and what is expected — never a 500.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from starlette.datastructures import QueryParams

from sync import Actor, parse_id
from sync.timeutil import local_today

from ..errors import ParamInvalid
from ..forms import DAY_SHAPE, typed_day, whole_number
from ..templating import chinese_date
from ..widths import fold_full_width

FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class ReportQuery:
    unit_id: str
    date_from: str
    date_to: str

    def params(self) -> dict[str, str]:
        return {"unit": self.unit_id, "from": self.date_from, "to": self.date_to}


def read_date(raw: str, label: str) -> str:
    """One date of a query, ``YYYY-MM-DD`` and a real day in range; else a 400 saying so. The input
    method's full-width digits (２０２６－１０－０１, from a date box that is a plain text box) are the day
    they show; the digits of another script are no date (``\\d`` alone took them, and the day was then
    told it does not exist)."""
    text = fold_full_width(raw.strip())
    if not DAY_SHAPE.fullmatch(text):
        raise ParamInvalid(f"{label}应为 YYYY-MM-DD 格式的日期（例如 2026-01-01），收到“{text[:20]}”。")
    if (day := typed_day(text)) is None:
        raise ParamInvalid(f"{label}“{text}”是不存在的日期，请检查月份和日子。")
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ParamInvalid(f"{label}超出合理范围：{text}。")
    return text


def read_unit(params: QueryParams, actor: Actor) -> str:
    raw = (params.get("unit") or "").strip()
    if not raw:
        return actor.unit_id
    unit_id = parse_id(raw)
    if unit_id is None:
        raise ParamInvalid("网址里的单位读不懂，请从页面上的单位列表中选择。")
    return unit_id


def read_year(params: QueryParams, *, default: int | None = None) -> int:
    """The ``year`` of a query; without one, ``default`` (the current year where the users live)."""
    raw = (params.get("year") or "").strip()
    if not raw:
        return local_today().year if default is None else default
    year = whole_number(raw, digits=4)
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ParamInvalid(f"年度应为 {FIRST_YEAR}–{LAST_YEAR} 之间的年份，收到“{raw[:20]}”。")
    return year


def year_choices(shown: int | None, *, recent: int = 6) -> list[int]:
    """The years a year picker offers, newest first: the last ``recent`` years, and the year the page
    shows when it is not among them (one typed into the address, or a bookmark from years back), so
    the picker never says 2026 above a page of 2015 — nor "all years" above a list of one."""
    this_year = local_today().year
    years = set(range(this_year, this_year - recent, -1))
    if shown is not None:
        years.add(shown)
    return sorted(years, reverse=True)


def read_dates(params: QueryParams, default_from: str, default_to: str) -> tuple[str, str]:
    """``from`` and ``to`` (each defaulted when not given), ``from`` not after ``to``."""
    date_from = read_date(params["from"], "起始日期") if params.get("from") else default_from
    date_to = read_date(params["to"], "截止日期") if params.get("to") else default_to
    if date_from > date_to:
        raise ParamInvalid(f"起始日期{chinese_date(date_from)}晚于截止日期{chinese_date(date_to)}，请调换后再试。")
    return date_from, date_to


def reported_year(today: datetime.date) -> int:
    """The year a report opens on without one in the address: the year being written up. Through
    January that is the year just ended (the new one has no records yet, and the year's returns and
    summary are filed then); from February, the current year."""
    return today.year - 1 if today.month == 1 else today.year


def read_report_query(params: QueryParams, actor: Actor) -> ReportQuery:
    """``unit``, ``from``, ``to`` of a report request, defaults filled in."""
    year = reported_year(local_today())
    return ReportQuery(read_unit(params, actor), *read_dates(params, f"{year}-01-01", f"{year}-12-31"))


QUARTER_NAMES = "一二三四"


def quick_periods(today: datetime.date) -> list[tuple[str, str, str]]:
    """(label, from, to) of the periods a form is most often filled for: last month, this month, the
    last whole quarter (a county reports some figures upward by the quarter), this year, and through
    January last year (the year's returns are filed then); one tap instead of two date pickers."""
    first = today.replace(day=1)
    last_month_end = first - datetime.timedelta(days=1)
    next_first = (first + datetime.timedelta(days=32)).replace(day=1)
    this_month_end = next_first - datetime.timedelta(days=1)
    quarter_end = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1) - datetime.timedelta(days=1)
    quarter = (quarter_end.month - 1) // 3
    return [
        (f"上个月（{last_month_end.year}年{last_month_end.month}月）", last_month_end.replace(day=1).isoformat(),
         last_month_end.isoformat()),
        (f"本月（{today.year}年{today.month}月）", first.isoformat(), this_month_end.isoformat()),
        (f"上季度（{quarter_end.year}年第{QUARTER_NAMES[quarter]}季度）",
         quarter_end.replace(month=quarter * 3 + 1, day=1).isoformat(), quarter_end.isoformat()),
        *([(f"去年全年（{today.year - 1}年）", f"{today.year - 1}-01-01", f"{today.year - 1}-12-31")]
          if reported_year(today) != today.year else []),
        (f"今年全年（{today.year}年）", f"{today.year}-01-01", f"{today.year}-12-31"),
    ]
