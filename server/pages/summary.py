"""``/summary``: the year-end summary (年终总结, Rudong notice part 五) of a unit and year — the
figures, charts, inspections, and a text drafted from the numbers that the person edits and
saves (``server/summaries.py``); ``/summary/print`` is the printable view."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync.labels import WU_LAO
from sync.timeutil import local_today

from ..briefing import summary_paragraphs
from ..charts import Chart, Series, bar_chart, line_chart
from ..queries.inspections import list_inspections
from ..queries.leavers import LEAVING_WORDS, REASONS
from ..queries.leavers import leavers as leavers_in
from ..queries.progress import coverage_summary, period_figures
from ..queries.units import unit_options, unit_tree
from ..queries.volunteers import volunteers_took_part
from ..summaries import TEXT_MAX, SummaryConflict, latest_summary, save_summary
from .form_posts import form_values, require_form, restore_draft
from .links import route_path
from .path_records import not_found
from .report_params import read_unit, read_year, reported_year, year_choices
from .visits import OFFICE, Visit, require
from .writes import base_version


def _params(visit: Visit, request: Request) -> tuple[str, int]:
    return read_unit(request.query_params, visit.actor), read_year(request.query_params,
                                                                  default=reported_year(local_today()))


def _new_year(year: int) -> int | None:
    """On the year just ended while /summary still opens on it (January): the new year, for a link to it."""
    today = local_today()
    return today.year if year == reported_year(today) != today.year else None


async def _read(visit: Visit, unit: str, year: int) -> dict[str, Any]:
    scope = await visit.scope()
    today = local_today()

    def read(db: Any) -> dict[str, Any] | None:
        this = period_figures(db, scope, unit, f"{year}-01-01", f"{year}-12-31")
        if this is None:
            return None
        below = _subtree_ids(db, scope, unit)
        return {
            "figures": this,
            "before": period_figures(db, scope, unit, f"{year - 1}-01-01", f"{year - 1}-12-31"),
            "coverage": coverage_summary(db, scope, unit, year),
            "took_part": volunteers_took_part(db, scope, unit, f"{year}-01-01", f"{year}-12-31", today=today),
            "leavers": leavers_in(db, scope, unit, year),
            "leavers_before": leavers_in(db, scope, unit, year - 1),
            "inspections": [i for i in list_inspections(db, scope, today=today, year=year)
                            if i["unit_id"] in below],
            "saved": latest_summary(db, unit, year),
            "units": unit_options(db, scope),
        }

    data = await visit.state.store.read(read, pool="reports", time_limit_ms=visit.state.settings.report_time_limit_ms)
    if data is None:
        raise not_found("单位")
    data["draft"] = draft_text(data)
    data["wu_lao"] = WU_LAO
    data["leaving_words"] = LEAVING_WORDS
    return data


def leaver_links(request: Request, unit: str, year: int) -> dict[str, str]:
    """Where each count of 本年结束帮扶 opens the children it counts: the children's list of the unit
    narrowed to those who left care in ``year`` (``left_in``), all of them or by why."""
    base = route_path(request, "mentee_list") + "?"
    links = {key: base + urlencode({"status": f"left-{key}", "unit": unit, "left_in": year}) for key in REASONS}
    return {**links, "closed": base + urlencode({"status": "closed", "unit": unit, "left_in": year})}


def _subtree_ids(db: Any, scope: Any, unit: str) -> set[str]:
    return {u["id"] for u in unit_tree(db, scope, root=unit)}


def draft_text(data: dict[str, Any]) -> str:
    """The summary drafted from the figures: headed paragraphs, plain text for the textarea."""
    before = data["before"]
    if before is not None and not (sum(before["stats"].values()) or before["activities"] or before["pairings_active"]):
        before = None  # no records at all last year: "比上年增加" would only say the system was new
    paragraphs = summary_paragraphs(data["figures"], before, data["coverage"], data["took_part"], data["leavers"])
    title = f"{data['figures']['unit_name']}{data['figures']['date_from'][:4]}年心理健康教育工作总结"
    return title + "\n\n" + "\n\n".join(f"{head}\n{body}" for head, body in paragraphs)


def summary_charts(f: dict[str, Any]) -> list[Chart]:
    year = f["date_from"][:4]
    months = [f"{year}-{m:02d}" for m in range(1, 13)]
    charts = [line_chart("summary-months", f"{year}年每月帮扶活动（次）", [f"{int(m[5:])}月" for m in months],
                         [f["activity_months"].get(m, 0) for m in months], unit="次", name="活动次数",
                         label_header="月份")]
    if len(f["children"]) >= 2:
        names = [c["name"] for c in f["children"]]
        charts.append(bar_chart("summary-units", f"{year}年各单位面对面谈心（场次，含上门家访）", names,
                                [Series("面对面谈心", tuple(c["talks"] for c in f["children"]))], unit="次",
                                label_header="单位"))
    return charts


async def year_summary(request: Request) -> Response:
    visit = await require(request, OFFICE)
    unit, year = _params(visit, request)
    data = await _read(visit, unit, year)
    draft = await restore_draft(visit)
    if draft and isinstance(draft.get("text"), str):
        # Typed before the sign-in ran out: back in the box, against the version it was typed over,
        # so a version saved meanwhile still comes up as a conflict instead of being replaced.
        return _render(visit, data, unit, year, text=draft["text"], base=_base_field(draft))
    return _render(visit, data, unit, year)


def _base_field(values: dict[str, Any]) -> str:
    """The hidden ``base`` of a posted or kept form, as the form carries it ("" for none or garbled)."""
    base = base_version(values, "base")
    return "" if base is None else str(base)


def _render(visit: Visit, data: dict[str, Any], unit: str, year: int, *, text: str | None = None,
            conflict: dict[str, Any] | None = None, base: str | None = None, error: str | None = None,
            status: int = 200) -> Response:
    saved = data["saved"]
    shown = text if text is not None else (saved["text"] if saved else data["draft"])
    if base is None:
        base = str(conflict["id"] if conflict else (saved["id"] if saved else ""))
    return visit.render("year_summary.html", {
        **data, "unit": unit, "year": year, "text": shown, "conflict": conflict, "error": error,
        "charts": summary_charts(data["figures"]), "years": year_choices(year), "base": base,
        "new_year": _new_year(year), "leaver_links": leaver_links(visit.request, unit, year),
    }, status=status)


async def year_summary_save(request: Request) -> Response:
    visit, form = await require_form(request, OFFICE)
    unit, year = _params(visit, request)
    values = form_values(form)
    text = str(values.get("text") or "").strip()
    data = await _read(visit, unit, year)
    if values.get("action") == "redraft":
        return _render(visit, data, unit, year, text=data["draft"])
    if not text:
        return _render(visit, data, unit, year, text="", error="总结文字不能为空。", status=400)
    if len(text) > TEXT_MAX:  # refused whole and kept in the box, never saved cut short
        return _render(visit, data, unit, year, text=text, base=_base_field(values), status=400,
                       error=f"总结文字太长了（{len(text)} 字），请缩短到 {TEXT_MAX} 字以内再保存；这次没有保存。")
    base = base_version(values, "base")
    actor = visit.actor
    try:
        await visit.state.store.write(lambda db: save_summary(db, actor, unit, year, text, base))
    except SummaryConflict as exc:
        return _render(visit, data, unit, year, text=text, conflict=exc.latest, status=409)
    return visit.redirect(f"/summary?unit={unit}&year={year}", flash="总结已保存。")


async def year_summary_print(request: Request) -> Response:
    visit = await require(request, OFFICE)
    unit, year = _params(visit, request)
    data = await _read(visit, unit, year)
    saved = data["saved"]
    return visit.render("year_summary_print.html", {
        **data, "year": year, "text": saved["text"] if saved else data["draft"],
        "charts": summary_charts(data["figures"]), "printed_by": visit.actor.name,
        "printed_on": local_today().isoformat(),
    })


routes: list[BaseRoute] = [
    Route("/summary", year_summary, methods=["GET"], name="year_summary"),
    Route("/summary", year_summary_save, methods=["POST"], name="year_summary_save"),
    Route("/summary/print", year_summary_print, methods=["GET"], name="year_summary_print"),
]
