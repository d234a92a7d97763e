"""``/coverage``: lecture coverage (宣讲覆盖率) of the Rudong notice by half-year — 上半年 第1–3讲,
下半年 第4讲 and 第5讲 — per town and per station/school, for a unit, year and half (defaults: one's
own unit, this year, the current half); below 100% (偏低) first."""
from __future__ import annotations

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync.timeutil import local_today

from ..errors import ParamInvalid
from ..queries.coverage import HALF_NAMES, HALF_SPANS, LECTURE_AUDIENCES, Period, half_of
from ..queries.coverage import coverage as read_coverage
from ..queries.units import unit_options
from .path_records import not_found
from .report_params import read_unit, read_year
from .visits import OFFICE, require


def read_half(params: QueryParams) -> int:
    """``half``: 1 上半年, 2 下半年; without it the half today is in."""
    raw = (params.get("half") or "").strip()
    if not raw:
        return half_of(local_today())
    if raw not in ("1", "2"):
        raise ParamInvalid(f"半年只能是上半年（1）或下半年（2），收到“{raw[:20]}”。")
    return int(raw)


async def coverage(request: Request) -> Response:
    visit = await require(request, OFFICE)
    unit_id = read_unit(request.query_params, visit.actor)
    period = Period(read_year(request.query_params), read_half(request.query_params))
    scope = await visit.scope()
    state = visit.state
    found = await state.store.read(lambda db: read_coverage(db, scope, unit_id, period), pool="reports",
                                   time_limit_ms=state.settings.report_time_limit_ms)
    if found is None:
        raise not_found("单位")
    towns, schools = found
    # Towns and the county to choose among; a station or school has none, and reads its own name
    # rather than an empty box.
    options = await state.store.read(lambda db: unit_options(db, scope, kinds=("county", "town"))
                                     or unit_options(db, scope, root=str(visit.actor.unit_id)))
    return visit.render("coverage.html", {
        "towns": towns, "schools": schools, "period": period, "unit_id": unit_id,
        "units": options, "half_name": HALF_NAMES[period.half], "audiences": LECTURE_AUDIENCES,
        "half_options": {no: f"{name}（{HALF_SPANS[no]}）" for no, name in HALF_NAMES.items()},
        "below": sum(1 for c in schools if c.below_target),
    })


routes: list[BaseRoute] = [Route("/coverage", coverage, methods=["GET"], name="coverage")]
