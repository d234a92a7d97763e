"""``/brief``: the WeChat work-group brief (Rudong notice part 五) — a short progress text and a PNG
chart for a unit and period, counts only (no child's name or code), with a copy button (a static
ES module) and a PNG download."""
from __future__ import annotations

import asyncio
import datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync.timeutil import local_today

from ..brief_png import bar_png, cjk_font_path
from ..briefing import brief_text, period_words
from ..errors import ParamInvalid
from ..exports import content_disposition
from ..queries.progress import period_figures
from ..queries.units import unit_options
from .path_records import not_found
from .report_params import read_dates, read_unit
from .visits import OFFICE, Visit, require

MAX_DAYS = 366


def brief_params(visit: Visit, request: Request) -> tuple[str, str, str]:
    """(unit id, from, to): the signed-in person's unit and this month so far unless asked."""
    q = request.query_params
    today = local_today()
    start, end = read_dates(q, today.replace(day=1).isoformat(), today.isoformat())
    if (datetime.date.fromisoformat(end) - datetime.date.fromisoformat(start)).days > MAX_DAYS:
        raise ParamInvalid(f"起始日期与截止日期相隔不能超过 {MAX_DAYS} 天。")
    return read_unit(q, visit.actor), start, end


async def _figures(visit: Visit, unit: str, start: str, end: str) -> dict[str, Any]:
    scope = await visit.scope()
    figures = await visit.state.store.read(lambda db: period_figures(db, scope, unit, start, end), pool="reports",
                                           time_limit_ms=visit.state.settings.report_time_limit_ms)
    if figures is None:
        raise not_found("单位")
    return figures


def chart_data(f: dict[str, Any]) -> tuple[str, list[str], list[int], str]:
    """(title, labels, values, unit) of the brief's chart: activities per sub-unit when there are
    several, else the unit's sessions of each kind."""
    children = [c for c in f["children"] if c["activities"] or len(f["children"]) <= 12]
    if len(children) >= 2:
        children = sorted(children, key=lambda c: -c["activities"])[:12]
        return "结对帮扶活动（次）", [c["name"] for c in children], [c["activities"] for c in children], "次"
    s = f["stats"]
    return ("开展活动（场次）", ["专题宣传教育", "专题家长会", "面对面谈心"],
            [s["lectures"], s["parent_meetings"], s["talks"]], "")


async def wechat_brief(request: Request) -> Response:
    visit = await require(request, OFFICE)
    unit, start, end = brief_params(visit, request)
    figures = await _figures(visit, unit, start, end)
    scope = await visit.scope()
    units = await visit.state.store.read(lambda db: unit_options(db, scope))
    query = urlencode({"unit": unit, "from": start, "to": end})
    return visit.render("wechat_brief.html", {
        "figures": figures, "text": brief_text(figures), "units": units, "query": query,
        "filters": {"unit": unit, "from": start, "to": end}, "cjk": cjk_font_path() is not None,
    })


async def wechat_brief_png(request: Request) -> Response:
    visit = await require(request, OFFICE)
    unit, start, end = brief_params(visit, request)
    figures = await _figures(visit, unit, start, end)
    title, labels, values, suffix = chart_data(figures)
    png = await asyncio.to_thread(bar_png, f"{figures['unit_name']} {title}", period_words(start, end), labels,
                                  values, suffix)
    headers = {"cache-control": "no-store"}
    if request.query_params.get("download"):
        # Named for the unit: a town's picture and a school's of one month must not be two "brief….png".
        headers["content-disposition"] = content_disposition(f"简报-{figures['unit_name']}-{start}至{end}.png",
                                                             f"brief-{start}-{end}.png")
    return Response(png, media_type="image/png", headers=headers)


routes: list[BaseRoute] = [
    Route("/brief", wechat_brief, methods=["GET"], name="wechat_brief"),
    Route("/brief.png", wechat_brief_png, methods=["GET"], name="wechat_brief_png"),
]
