"""The navigation bar: which page families each role sees, in order.

An entry whose route is not in the URL map is left out, so a page family appears in the
bar in the same commit that adds its routes.
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.routing import NoMatchFound

STAFF, REVIEWER, ADMIN = "staff", "reviewer", "admin"

# (label, route name, roles)
NAV: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("工作台", "staff_home", (STAFF,)),
    ("总览", "dashboard", (REVIEWER, ADMIN)),
    ("帮扶对象", "mentee_list", (STAFF, ADMIN)),
    ("志愿者", "mentor_list", (STAFF, ADMIN)),
    ("结对档案", "pairing_list", (STAFF, REVIEWER, ADMIN)),
    ("久未帮扶", "quiet_pairings", (STAFF, REVIEWER, ADMIN)),  # a station: its own; the county: all
    ("代录", "activity_new", (STAFF,)),
    ("集体活动", "event_list", (STAFF, REVIEWER, ADMIN)),  # the county reads them; only stations and admin write
    ("审核", "review_queue", (STAFF, REVIEWER, ADMIN)),
    ("冲突", "conflict_list", (STAFF, ADMIN)),
    ("转介", "referral_list", (STAFF, REVIEWER, ADMIN)),
    ("爱心捐助", "donation_totals", (STAFF, REVIEWER, ADMIN)),  # staff record them from the child's page
    ("统计表", "stats_form", (STAFF, REVIEWER, ADMIN)),
    ("报送", "return_list", (STAFF, REVIEWER, ADMIN)),
    ("宣讲覆盖", "coverage", (STAFF, REVIEWER, ADMIN)),
    ("督查", "inspection_list", (STAFF, REVIEWER, ADMIN)),  # towns inspect; stations report rectification
    ("骨干学生", "peer_list", (STAFF, REVIEWER, ADMIN)),  # names for staff only (queries/peers.py)
    ("年终总结", "year_summary", (STAFF, REVIEWER, ADMIN)),
    ("微信简报", "wechat_brief", (STAFF, REVIEWER, ADMIN)),
    ("单位", "admin_units", (ADMIN,)),
    ("账号", "admin_users", (ADMIN,)),
    ("访问日志", "admin_access_log", (ADMIN,)),
    ("备份", "admin_backup", (ADMIN,)),
)

# Where each role lands after signing in (the first that exists wins).
HOME = {STAFF: ("staff_home",), REVIEWER: ("dashboard",), ADMIN: ("dashboard", "admin_units")}


def _path(request: Request, name: str) -> str | None:
    try:
        return str(request.app.url_path_for(name))
    except NoMatchFound:
        return None


def nav_for(request: Request, role: str | None) -> list[dict[str, str | bool]]:
    if role is None:
        return []
    items: list[dict[str, str | bool]] = []
    here = request.url.path
    for label, name, roles in NAV:
        if role not in roles:
            continue
        path = _path(request, name)
        if path is not None:
            current = here == path or (path != "/" and here.startswith(path.rstrip("/") + "/"))
            items.append({"label": label, "path": path, "current": current})
    return items


def home_for(request: Request, role: str) -> str:
    """The first page a person of ``role`` sees after signing in."""
    for name in HOME.get(role, ()):
        path = _path(request, name)
        if path is not None:
            return path
    return "/"
