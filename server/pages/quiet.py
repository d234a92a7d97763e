"""``/quiet``: the running pairings nobody has visited for longer than the county's interval
(久未帮扶, ``server/queries/quiet.py``), in the visitor's scope: codes for the county, names too for
a station, as the other lists. The county (reviewer, admin) changes the interval on the same page.
"""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync.timeutil import local_today, utc_now

from ..queries.dashboard import scope_units
from ..queries.names import sees_names
from ..queries.quiet import (
    MAX_QUIET_AFTER_DAYS,
    MIN_QUIET_AFTER_DAYS,
    parse_quiet_after_days,
    quiet_pairings,
    quiet_setting,
    set_quiet_after_days,
    setting_changes,
)
from .form_posts import form_values, require_form
from .links import pairing_link
from .paging import page_count, page_links, page_number, past_the_end
from .shown import log_shown
from .visits import OFFICE, REVIEWERS, Visit, require

PAGE_SIZE = 50


async def _render(visit: Visit, *, typed: str | None = None, error: str | None = None,
                  status: int = 200) -> Response:
    scope = await visit.scope()
    today = local_today()
    names = sees_names(scope)

    def read(db: Any) -> tuple[list[dict[str, Any]], dict[str, Any], list[dict[str, Any]]]:
        setting = quiet_setting(db)
        return (quiet_pairings(db, scope_units(db, scope), today, days=setting["days"], names=names), setting,
                setting_changes(db))

    rows, setting, changes = await visit.state.store.read(read, pool="reports",
                                                 time_limit_ms=visit.state.settings.report_time_limit_ms)
    number = page_number(visit.request.query_params)
    pages = page_count(len(rows), PAGE_SIZE)
    if last := past_the_end(visit, number, pages):
        return last
    shown = rows[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
    for row in shown:
        row["link"] = pairing_link(visit.request, row["pairing_id"])
    await log_shown(visit, "view_quiet_pairings", visit.actor.unit_id, {"pairing": len(shown)})
    return visit.render("quiet_list.html", {
        "rows": shown, "total": len(rows), "first": (number - 1) * PAGE_SIZE + 1, "number": number,
        "pages": pages, "links": page_links({}, number, pages), "names": names, "setting": setting,
        "changes": changes,
        "can_set": visit.actor.role in REVIEWERS, "typed": setting["days"] if typed is None else typed,
        "error": error, "bounds": (MIN_QUIET_AFTER_DAYS, MAX_QUIET_AFTER_DAYS), "today": today.isoformat(),
    }, status=status)


async def quiet_list(request: Request) -> Response:
    return await _render(await require(request, OFFICE))


async def quiet_interval_save(request: Request) -> Response:
    """The county sets the interval; anything but a whole number of days in bounds is refused in
    words beside the field, with what was typed kept, and nothing stored."""
    visit, form = await require_form(request, REVIEWERS)
    typed = str(form_values(form).get("days", ""))[:20]
    days = parse_quiet_after_days(typed)
    if days is None:
        return await _render(visit, typed=typed, status=400, error=(
            f"请填写 {MIN_QUIET_AFTER_DAYS} 到 {MAX_QUIET_AFTER_DAYS} 之间的整数天数（如 30），"
            "只写数字。间隔没有改动。"))
    actor, now = visit.actor, utc_now()
    if not await visit.state.store.write(lambda db: set_quiet_after_days(db, days, actor, now)):
        return visit.redirect(request.url.path, flash=f"间隔本来就是 {days} 天，没有改动。")
    return visit.redirect(request.url.path, flash=f"已改为：超过 {days} 天没有帮扶记录的结对算作久未帮扶。")


routes: list[BaseRoute] = [
    Route("/quiet", quiet_list, methods=["GET"], name="quiet_pairings"),
    Route("/quiet", quiet_interval_save, methods=["POST"], name="quiet_interval_save"),
]
