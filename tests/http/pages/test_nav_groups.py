"""The navigation bar in labelled groups: each role's pages under 日常, 台账, 报表 (and the admin's
管理), the same in the wide row and in the phone's 菜单; an entry without a route and a group left
without entries are not shown."""
from __future__ import annotations

import re

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from server.pages import nav

from .conftest import Site

PIECE = re.compile(r'class="nav-label" id="([^"]+)">([^<]+)</span>\s*<ul aria-labelledby="([^"]+)">'
                   r'|<a href="[^"]+"[^>]*>([^<]+)</a>')

DAILY_STAFF = ["工作台", "帮扶对象", "志愿者", "结对档案", "久未帮扶", "代录", "审核", "冲突", "转介"]
LEDGERS = ["集体活动", "宣讲覆盖", "骨干学生", "爱心捐助", "督查"]
REPORTS = ["统计表", "报送", "年终总结", "微信简报"]
EXPECTED = {
    "staff_town1": [("日常", DAILY_STAFF), ("台账", LEDGERS), ("报表", REPORTS)],
    "staff_st11": [("日常", DAILY_STAFF), ("台账", LEDGERS), ("报表", REPORTS)],
    "reviewer": [("日常", ["总览", "帮扶对象", "结对档案", "久未帮扶", "审核", "转介"]), ("台账", LEDGERS),
                 ("报表", REPORTS)],
    "admin": [("日常", ["总览", "帮扶对象", "志愿者", "结对档案", "久未帮扶", "审核", "冲突", "转介"]),
              ("台账", LEDGERS), ("报表", REPORTS), ("管理", ["单位", "账号", "访问日志", "备份"])],
}


def groups_in(html: str) -> list[tuple[str, list[str]]]:
    """The labelled groups of one copy of the bar, each label checked to name its own list."""
    groups: list[tuple[str, list[str]]] = []
    for match in PIECE.finditer(html):
        label_id, label, named, link = match.groups()
        if label is not None:
            assert label_id == named, f"{label} names another list"
            groups.append((label, []))
        else:
            groups[-1][1].append(link)
    return groups


@pytest.mark.parametrize("who", list(EXPECTED))
def test_nav_shows_each_roles_pages_under_labelled_groups_wide_and_in_the_menu(site: Site, who: str) -> None:
    home = site.as_(getattr(site.w, who)).get("/dashboard" if who in ("reviewer", "admin") else "/staff").text
    bar = home[home.index('<nav class="site-nav"'):home.index("</nav>", home.index('<nav class="site-nav"'))]
    wide, menu = bar[:bar.index("<details")], bar[bar.index("<details"):]
    assert groups_in(wide) == EXPECTED[who]
    assert groups_in(menu) == EXPECTED[who]
    ids = re.findall(r' id="([^"]+)"', home)
    assert len(ids) == len(set(ids)), "a label's id is used twice"


def test_nav_marks_the_current_page_in_its_group_and_names_it_in_the_menu_button(site: Site) -> None:
    page = site.as_(site.w.staff_st11).get("/coverage").text
    assert page.count('<li><a href="/coverage" aria-current="page">宣讲覆盖</a></li>') == 2
    assert page.count('aria-current="page"') == 2
    assert '☰ 菜单<span class="nav-here">：宣讲覆盖</span>' in page


def _request(app: Starlette, path: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": [],
                    "app": app, "root_path": ""})


def test_nav_leaves_out_entries_without_a_route_and_groups_left_empty() -> None:
    def page(request: Request) -> PlainTextResponse:
        return PlainTextResponse("")

    app = Starlette(routes=[Route("/dashboard", page, name="dashboard"),
                            Route("/admin/backup", page, name="admin_backup"),
                            Route("/reports/stats", page, name="stats_form")])
    request = _request(app, "/admin/backup")
    assert nav.nav_for(request, nav.ADMIN) == [
        {"label": "日常", "entries": [{"label": "总览", "path": "/dashboard", "current": False}]},
        {"label": "报表", "entries": [{"label": "统计表", "path": "/reports/stats", "current": False}]},
        {"label": "管理", "entries": [{"label": "备份", "path": "/admin/backup", "current": True}]},
    ]
    backup = {"label": "备份", "path": "/admin/backup", "current": True}
    assert nav.current_page(nav.nav_for(request, nav.ADMIN)) == backup
    # The county has no 管理 page: the group is gone, not left as a bare label.
    assert [group["label"] for group in nav.nav_for(request, nav.REVIEWER)] == ["日常", "报表"]
    assert [group["label"] for group in nav.nav_for(request, nav.STAFF)] == ["报表"]
    assert nav.nav_for(request, None) == []
