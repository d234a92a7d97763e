"""``/risk-flags``: every open 发现自伤自残风险 flag in the visitor's scope, newest first, 50 a page —
the whole list the dashboard's card counts, where the dashboard shows only the newest 50. Past those
the county and a town had no page to see the rest (``/staff`` pages them for staff, with the visit's
own words: the county reads codes only). Each row as the dashboard's: day, child (code; the name too
for staff, as the other lists), unit, town, 记录人. Counted and listed by ``queries.followups``, so the
heading says the card's number. Flagged visits a phone sent after the pairing ended, refused and not
filed yet (``queries.refused``), are counted with them and listed apart at the top of the first page.
"""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..queries.dashboard import risk_flag_list, scope_units
from ..queries.followups import count_open_risk_flags
from ..queries.names import sees_names
from ..queries.refused import refused_flag_list
from .links import pairing_link, route_paths
from .paging import page_count, page_links, page_number, past_the_end
from .shown import log_shown
from .visits import CHILD_FILE, OFFICE, STAFF, require

PAGE_SIZE = 50


async def risk_flag_page(request: Request) -> Response:
    visit = await require(request, OFFICE)
    scope = await visit.scope()
    number = page_number(request.query_params)

    def read(db: Any) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]]]:
        # The count and the page in one snapshot: the heading and the rows never disagree.
        units = scope_units(db, scope)
        return count_open_risk_flags(db, scope), risk_flag_list(db, scope, units, limit=PAGE_SIZE,
                                                                offset=(number - 1) * PAGE_SIZE), \
            refused_flag_list(db, scope, units)

    opened, rows, refused = await visit.state.store.read(read, pool="reports",
                                                         time_limit_ms=visit.state.settings.report_time_limit_ms)
    # Flags a phone sent too late, not filed yet: counted with the open ones, listed first on page 1.
    total, pages = opened + len(refused), page_count(opened, PAGE_SIZE)
    shown = refused if number == 1 else []
    if (last := past_the_end(visit, number, pages)) is not None:
        return last
    for row in rows:
        row["link"] = pairing_link(request, row["pairing_id"])
    await log_shown(visit, "view_risk_flags", visit.actor.unit_id, {"activity": len(rows) + len(shown)})
    return visit.render("risk_flags.html", {
        "rows": rows, "total": total, "opened": opened, "refused": shown,
        "first": (number - 1) * PAGE_SIZE + 1, "number": number, "pages": pages,
        # 归入原结对 is on the phone-import page, for the staff who work with the children.
        "phone_import": route_paths(request, "phone_import")["phone_import"] if visit.actor.role in CHILD_FILE
        else None,
        "pager": page_links({}, number, pages), "names": sees_names(scope),
        # Staff (and the admin) write the handling on their home page; the county asks them to.
        "staff_home": route_paths(request, "staff_home")["staff_home"] if visit.actor.role in STAFF else None,
    })


routes: list[BaseRoute] = [Route("/risk-flags", risk_flag_page, methods=["GET"], name="risk_flag_list")]
