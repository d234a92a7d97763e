"""``/coverage``: lecture coverage (宣讲覆盖率) of the Rudong notice's 4th and 5th lectures, per town and
per station/school, for a unit and year (defaults: one's own unit, this year); below 100% first."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..queries.coverage import PARENT_LECTURE, STUDENT_LECTURE
from ..queries.coverage import coverage as read_coverage
from ..queries.units import unit_options
from .common import OFFICE, not_found, require
from .report_params import read_unit, read_year


async def coverage(request: Request) -> Response:
    visit = await require(request, OFFICE)
    unit_id = read_unit(request.query_params, visit.actor)
    year = read_year(request.query_params)
    scope = await visit.scope()
    state = visit.state
    found = await state.store.read(lambda db: read_coverage(db, scope, unit_id, year), pool="reports",
                                   time_limit_ms=state.settings.report_time_limit_ms)
    if found is None:
        raise not_found("单位")
    towns, schools = found
    options = await state.store.read(lambda db: unit_options(db, scope, kinds=("county", "town")))
    return visit.render("coverage.html", {
        "towns": towns, "schools": schools, "year": year, "unit_id": unit_id, "units": options,
        "student_lecture": STUDENT_LECTURE, "parent_lecture": PARENT_LECTURE,
        "below": sum(1 for c in schools if c.below_target),
    })


routes: list[BaseRoute] = [Route("/coverage", coverage, methods=["GET"], name="coverage")]
