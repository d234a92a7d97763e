"""``/reports/stats``: the statistics form (Kaizhou notice) for any unit and period in scope,
the records behind each number, and the XLSX / CSV exports.

Everything is computed from the records by ``server/queries/stats.py`` on the ``reports``
reader pool with its time limit, so a county-wide form never takes a reader a phone waits
for. Every export and every drill-down that lists children's records is written to the
access log.
"""
from __future__ import annotations

import asyncio
from collections import Counter

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync import Actor, Scope
from sync.timeutil import local_today
from sync.users import get_user

from ..access import log_access
from ..clients import client_ip
from ..errors import ParamInvalid
from ..exports import (
    CSV_TYPE,
    XLSX_TYPE,
    Filler,
    content_disposition,
    filename,
    title_of,
    to_csv,
    to_xlsx,
)
from ..queries.measures import MEASURE_BY_KEY, MEASURES
from ..queries.stats import compute_stats
from ..queries.stats_form import StatsForm
from ..queries.stats_records import drill_down
from ..queries.units import unit_options
from .path_records import not_found
from .report_params import ReportQuery, quick_periods, read_report_query
from .shown import log_shown
from .visits import OFFICE, Visit, require


async def read_form(visit: Visit, query: ReportQuery, scope: Scope) -> StatsForm:
    """The form on the reports pool; 404 for a unit that is not the visitor's to see."""
    state = visit.state
    form = await state.store.read(
        lambda db: compute_stats(db, scope, query.unit_id, query.date_from, query.date_to),
        pool="reports", time_limit_ms=state.settings.report_time_limit_ms)
    if form is None:
        raise not_found("单位")
    return form


async def filler_for(visit: Visit, form: StatsForm) -> Filler:
    """填表人 / 填表电话: from the unit's own return for the period, else the signed-in person."""
    own = form.own_return or {}
    if own.get("filled_by") or own.get("phone"):
        return Filler(local_today(), own.get("filled_by") or "", own.get("phone") or "")
    actor = visit.actor
    user = await visit.state.store.read(lambda db: get_user(db, user_id=actor.user_id))
    return Filler(local_today(), actor.name, (user["phone"] if user else None) or "")


async def log_export(visit: Visit, action: str, target: str, entities: dict[str, int]) -> None:
    actor = visit.actor
    ip = client_ip(visit.request)
    await visit.state.store.write(lambda db: log_access(db, actor, action, target, entities=entities, ip=ip))


def _file(body: bytes, media_type: str, name: str) -> Response:
    return Response(body, media_type=media_type, headers={
        "content-disposition": content_disposition(name), "cache-control": "no-store"})


def csv_file(form: StatsForm, status: str = "") -> Response:
    """The form as a CSV download (``status``: a return's, in words, for its file name)."""
    return _file(to_csv(form), CSV_TYPE, filename(form, "csv", status))


async def xlsx_file(form: StatsForm, filler: Filler, status: str = "", *, summary: str = "") -> Response:
    """The form as an XLSX download, signed by ``filler`` (a return's: with its 活动总结)."""
    # openpyxl is CPU work: off the event loop, so other requests are not held up meanwhile.
    body = await asyncio.to_thread(to_xlsx, form, filler, summary)
    return _file(body, XLSX_TYPE, filename(form, "xlsx", status))


async def stats_form(request: Request) -> Response:
    visit = await require(request, OFFICE)
    query = read_report_query(request.query_params, visit.actor)
    scope = await visit.scope()
    form = await read_form(visit, query, scope)
    options = await visit.state.store.read(lambda db: unit_options(db, scope))
    return visit.render("stats_form.html", {
        "form": form, "query": query, "measures": MEASURES, "units": options,
        "filler": await filler_for(visit, form), "title": title_of(form),
        "own_return": form.own_return, "can_file": may_file(visit.actor, form.unit_id),
        "periods": quick_periods(local_today()),
    })


def may_file(actor: Actor, unit_id: str) -> bool:
    """A unit files its own return (staff of that unit; admin for any)."""
    return actor.role == "admin" or (actor.role == "staff" and actor.unit_id == unit_id)


async def stats_records(request: Request) -> Response:
    visit = await require(request, OFFICE)
    query = read_report_query(request.query_params, visit.actor)
    key = request.query_params.get("measure") or ""
    if key not in MEASURE_BY_KEY:
        raise ParamInvalid("要查看的栏目不存在，请从统计表上点击数字进入。")
    measure = MEASURE_BY_KEY[key]
    scope = await visit.scope()
    state = visit.state

    found = await state.store.read(
        lambda db: drill_down(db, scope, query.unit_id, key, query.date_from, query.date_to),
        pool="reports", time_limit_ms=state.settings.report_time_limit_ms)
    if found is None:
        raise not_found("单位")
    records, unit_name, single = found.records, found.unit_name, found.single
    if measure.entity != "event":  # children's records: who looked is logged
        # What the page listed, by kind: the children, and under each the screenings or ended
        # pairings that count it. An empty list showed no child and is logged nowhere.
        counts = Counter({measure.entity: len(records)})
        counts.update(e["entity"] for r in records for e in r.get("evidence", ()))
        await log_shown(visit, "view_stats_records", query.unit_id, counts)
    return visit.render("stats_records.html", {
        "query": query, "measure": measure, "records": records,
        "number": sum(int(r["weight"]) for r in records), "scope_name": unit_name if single else
        f"{unit_name}（合计）",
    })


async def _export(request: Request, kind: str) -> Response:
    visit = await require(request, OFFICE)
    query = read_report_query(request.query_params, visit.actor)
    form = await read_form(visit, query, await visit.scope())
    await log_export(visit, f"export_stats_{kind}", query.unit_id, {"unit": len(form.rows)})
    if kind == "csv":
        return csv_file(form)
    return await xlsx_file(form, await filler_for(visit, form))


async def stats_xlsx(request: Request) -> Response:
    return await _export(request, "xlsx")


async def stats_csv(request: Request) -> Response:
    return await _export(request, "csv")


routes: list[BaseRoute] = [
    Route("/reports/stats", stats_form, methods=["GET"], name="stats_form"),
    Route("/reports/stats.xlsx", stats_xlsx, methods=["GET"], name="stats_xlsx"),
    Route("/reports/stats.csv", stats_csv, methods=["GET"], name="stats_csv"),
    Route("/reports/stats/records", stats_records, methods=["GET"], name="stats_records"),
]
