"""The navigation bar: which page families each role sees, in labelled groups, in order.

An entry whose route is not in the URL map is left out, so a page family appears in the
bar in the same commit that adds its routes; a group left with no entry for a role is left out.
"""
from __future__ import annotations

from typing import TypedDict

from starlette.requests import Request
from starlette.routing import NoMatchFound

STAFF, REVIEWER, ADMIN = "staff", "reviewer", "admin"


class NavItem(TypedDict):
    label: str
    path: str
    current: bool


class NavGroup(TypedDict):
    label: str
    entries: list[NavItem]


# Four groups, named as the committees speak of their work, so a person looks in one short row
# instead of reading nineteen links:
# - 日常: the children, the volunteers and their pairings, and what waits on the person today
#   (records to approve, conflicts, referrals). It keeps the order the flat bar had, the one
#   people already know, so the pages used most stay first and in their old places.
# - 台账: the ledgers a 督查 checks beyond the one-to-one visits: group events with the lecture
#   coverage drawn from them next to them, the peer students, donations, and the inspections.
# - 报表: what goes up to the county: the statistics form, its returns, the year's summary and
#   the WeChat brief, most often used first.
# - 管理: the admin's own pages, last, as no one else has them.
# (label, route name, roles) per entry
NAV: tuple[tuple[str, tuple[tuple[str, str, tuple[str, ...]], ...]], ...] = (
    ("日常", (
        ("工作台", "staff_home", (STAFF,)),
        ("总览", "dashboard", (REVIEWER, ADMIN)),
        ("帮扶对象", "mentee_list", (STAFF, REVIEWER, ADMIN)),  # the county: by code, to find who waits
        ("志愿者", "mentor_list", (STAFF, ADMIN)),
        ("结对档案", "pairing_list", (STAFF, REVIEWER, ADMIN)),
        ("久未帮扶", "quiet_pairings", (STAFF, REVIEWER, ADMIN)),  # a station: its own; the county: all
        ("代录", "activity_new", (STAFF,)),
        ("审核", "review_queue", (STAFF, REVIEWER, ADMIN)),
        ("冲突", "conflict_list", (STAFF, ADMIN)),
        ("转介", "referral_list", (STAFF, REVIEWER, ADMIN)),
    )),
    ("台账", (
        ("集体活动", "event_list", (STAFF, REVIEWER, ADMIN)),  # the county reads them; only stations and admin write
        ("宣讲覆盖", "coverage", (STAFF, REVIEWER, ADMIN)),
        ("骨干学生", "peer_list", (STAFF, REVIEWER, ADMIN)),  # names for staff only (queries/peers.py)
        ("爱心捐助", "donation_totals", (STAFF, REVIEWER, ADMIN)),  # staff record them from the child's page
        ("督查", "inspection_list", (STAFF, REVIEWER, ADMIN)),  # towns inspect; stations report rectification
    )),
    ("报表", (
        ("统计表", "stats_form", (STAFF, REVIEWER, ADMIN)),
        ("报送", "return_list", (STAFF, REVIEWER, ADMIN)),
        ("年终总结", "year_summary", (STAFF, REVIEWER, ADMIN)),
        ("微信简报", "wechat_brief", (STAFF, REVIEWER, ADMIN)),
    )),
    ("管理", (
        ("单位", "admin_units", (ADMIN,)),
        ("账号", "admin_users", (ADMIN,)),
        ("访问日志", "admin_access_log", (ADMIN,)),
        ("备份", "admin_backup", (ADMIN,)),
    )),
)

# Where each role lands after signing in (the first that exists wins).
HOME = {STAFF: ("staff_home",), REVIEWER: ("dashboard",), ADMIN: ("dashboard", "admin_units")}


def _path(request: Request, name: str) -> str | None:
    try:
        return str(request.app.url_path_for(name))
    except NoMatchFound:
        return None


def nav_for(request: Request, role: str | None) -> list[NavGroup]:
    """The groups of pages ``role`` may open, each with the entries whose routes exist."""
    if role is None:
        return []
    here = request.url.path
    groups: list[NavGroup] = []
    for group_label, entries in NAV:
        items: list[NavItem] = []
        for label, name, roles in entries:
            if role not in roles:
                continue
            path = _path(request, name)
            if path is not None:
                current = here == path or (path != "/" and here.startswith(path.rstrip("/") + "/"))
                items.append({"label": label, "path": path, "current": current})
        if items:
            groups.append({"label": group_label, "entries": items})
    return groups


def current_page(nav: list[NavGroup]) -> NavItem | None:
    """The entry of ``nav`` for the page being shown, if it is one of them."""
    return next((item for group in nav for item in group["entries"] if item["current"]), None)


def home_for(request: Request, role: str) -> str:
    """The first page a person of ``role`` sees after signing in."""
    for name in HOME.get(role, ()):
        path = _path(request, name)
        if path is not None:
            return path
    return "/"
