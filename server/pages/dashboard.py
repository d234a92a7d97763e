"""``/dashboard``: the county's overview — pairings, activities, overdue follow-ups, 重点对象,
risk flags, rectifications — for reviewers and the admin (their landing page) and for staff,
each over their own scope. Figures come from ``queries.dashboard``; charts are drawn here as SVG.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync.labels import WU_LAO
from sync.timeutil import local_today

from ..charts import Chart, Series, bar_chart, line_chart
from ..deadlines import count_late
from ..queries.coverage import AUDIENCE_WORDS, HALF_LECTURES, HALF_NAMES, HALF_SPANS, LECTURE_AUDIENCES
from ..queries.dashboard import dashboard, scope_units
from ..queries.leavers import leavers
from ..queries.mentees import count_waiting
from ..queries.quiet import count_quiet_pairings
from ..queries.volunteers import volunteers_took_part
from .links import pairing_link, route_paths
from .shown import log_shown
from .visits import CHILD_FILE, OFFICE, require


def coverage_chart(data: dict[str, Any]) -> Chart | None:
    """Lecture coverage by town for the half today is in, one bar per lecture of the half (上半年
    第1–3讲, 下半年 第4讲 students and 第5讲 parents), percent, target 100%."""
    towns = data["coverage"]
    if not towns:
        return None
    half = data["coverage_half"]
    lectures = HALF_LECTURES[half]

    # A town whose enrolment is 0 has nobody to reach: 无需覆盖, as /coverage says, not 未填在校人数.
    def words(i: int) -> tuple[str | None, ...]:
        return tuple("无需覆盖" if t["lectures"][i]["enrolled"] == 0 else None for t in towns)

    def name(no: int) -> str:
        # Three names like 学生（第1讲） would not fit one legend line at phone width (340 px); the
        # first half's lectures are all for students, which the note under the title says.
        return f"第{no}讲" if len(lectures) > 2 else f"{AUDIENCE_WORDS[LECTURE_AUDIENCES[no]]}（第{no}讲）"

    return bar_chart(
        "coverage-town",
        f"{data['coverage_year']}年{HALF_NAMES[half]}宣讲覆盖率（{HALF_SPANS[half]}，按镇/街道）",
        [t["name"] for t in towns],
        [Series(name(no), tuple(t["lectures"][i]["percent"] for t in towns), words(i))
         for i, no in enumerate(lectures)],
        unit="%", target=100, label_header="镇/街道", missing="未填在校人数")


def dashboard_charts(data: dict[str, Any]) -> list[Chart]:
    """The dashboard's charts, each with the table behind it."""
    by_category = data["pairings_by_category"]
    by_town = data["pairings_by_town"]
    months = data["activities_by_month"]
    first, last = months[0], months[-1]
    return [
        bar_chart("pairings-category", "在结对数（按帮扶类别）", [c["label"] for c in by_category],
                  [Series("结对数", tuple(c["count"] for c in by_category))], unit="对", label_header="类别"),
        bar_chart("pairings-town", "在结对数（按镇/街道）", [t["name"] for t in by_town],
                  [Series("结对数", tuple(t["count"] for t in by_town))], unit="对", label_header="镇/街道"),
        line_chart("activities-month",
                   f"帮扶活动次数（{first['year']}年{first['label']}—{last['year']}年{last['label']}）",
                   [m["label"] for m in months], [m["count"] for m in months], unit="次", name="活动次数",
                   label_header="月份"),
    ]


async def dashboard_page(request: Request) -> Response:
    visit = await require(request, OFFICE)
    scope = await visit.scope()
    today = local_today()
    # One read for every figure: the late returns counted by the function /returns lists them with.
    unit, year_began = visit.actor.unit_id, today.replace(month=1, day=1).isoformat()
    data = await visit.state.store.read(lambda db: {
        **dashboard(db, scope, today=today), "quiet": count_quiet_pairings(db, scope_units(db, scope), today),
        "returns_late": count_late(db, scope, today),
        # The children in help whom no volunteer visits, counted by /mentees?pairing=waiting's own
        # conditions, as the station home's tile is: the county's way to see which stations have them.
        "waiting": count_waiting(db, scope),
        "took_part": volunteers_took_part(db, scope, unit, year_began, today.isoformat(), today=today),
        # 本年结束帮扶: the year summary's figure so far, its card opening the children it counts.
        "leavers": leavers(db, scope, unit, today.year)},
        pool="reports", time_limit_ms=visit.state.settings.report_time_limit_ms)
    for section in ("overdue_follow_ups", "risk_flags", "key_mentees"):
        for item in data[section]["items"]:
            item["link"] = pairing_link(request, item.get("pairing_id"))
    # Beside the figures, three short lists name children by code (overdue follow-ups, risk flags,
    # 重点对象, each with its risk level): a look at their records like the lists they link to.
    await log_shown(visit, "view_dashboard", visit.actor.unit_id, {
        "pairing": len(data["overdue_follow_ups"]["items"]),
        "activity": len(data["risk_flags"]["items"]) + len(data["risk_flags"]["refused"]),
        "mentee": len(data["key_mentees"]["items"])})
    links = route_paths(request, "coverage", "inspection_list", "referral_list", "quiet_pairings", "mentee_list",
                        "risk_flag_list", *(("phone_import",) if visit.actor.role in CHILD_FILE else ()))
    # The chart's half, not whatever half /coverage would pick on the day the link is followed.
    links["coverage"] += "?" + urlencode({"half": data["coverage_half"], "year": data["coverage_year"]})
    links["leavers"] = links["mentee_list"] + "?" + urlencode({"status": "closed", "left_in": today.year})
    return visit.render("dashboard.html", {"data": data, "charts": dashboard_charts(data),
                                           "took_part": data["took_part"], "wu_lao": WU_LAO,
                                           "coverage_chart": coverage_chart(data), "links": links,
                                           "returns_late": data["returns_late"]})


routes: list[BaseRoute] = [Route("/dashboard", dashboard_page, methods=["GET"], name="dashboard")]
