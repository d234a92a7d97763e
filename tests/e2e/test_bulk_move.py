"""撤点并校 in Debian Chromium against a real ``banxing serve``: the town's clerk, at the office computer,
opens the school's children, moves them all to the town's station in one form, and reads what went
along; the admin then moves the school's accounts there and closes the emptied school (已撤并). The
form is looked at on a phone too (390×844): one picker, one tick, one big button. Set
``BANXING_SCREENSHOTS=docs/screenshots`` to refresh docs/screenshots/town-bulk-move-phone.png."""
from __future__ import annotations

import pathlib

import pytest
from playwright.sync_api import Browser, expect

from .closing import admin_closes, unit_id
from .conftest import ServerProcess
from .phone import query
from .screen import SIZES, check_page, shots_dir, sign_in, watch_errors

pytestmark = pytest.mark.e2e

SCHOOL, STATION = "栟茶镇初级中学", "栟茶镇校外教育辅导站"


def _children_at(server: ServerProcess, unit_id: str) -> int:
    return int(query(server, "SELECT count(*) FROM mentees WHERE unit_id = ? AND deleted = 0", unit_id)[0][0])


def test_the_town_moves_a_schools_children_in_one_form_and_the_admin_closes_the_emptied_school(
        server: ServerProcess, browser: Browser, tmp_path: pathlib.Path) -> None:
    school, station = unit_id(server, SCHOOL), unit_id(server, STATION)
    children = _children_at(server, school)
    at_station = _children_at(server, station)
    assert children > 1
    phone = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["phone"])
    page = phone.new_page()
    errors = watch_errors(page)
    try:  # the form on a phone: looked at, kept for docs/pages.md
        sign_in(page, server, "staff-bencha", "/staff")
        page.goto(server.url + f"/units/{school}/move-children")
        check_page(page, 390, "bulk move (phone)", errors)
        page.screenshot(path=str(shots_dir(tmp_path) / "town-bulk-move-phone.png"), full_page=True)
    finally:
        phone.close()

    office = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["pc"])
    page = office.new_page()
    errors = watch_errors(page)
    try:
        sign_in(page, server, "staff-bencha", "/staff")
        page.goto(server.url + f"/mentees?unit={school}")
        page.get_by_role("link", name="把这里的全部帮扶对象转到别的单位").click()
        expect(page.locator("form.form")).to_contain_text(f"现在有 {children} 名帮扶对象")
        check_page(page, 1280, "bulk move (pc)", errors)
        page.get_by_label("把这里的全部帮扶对象转到：").select_option(station)
        page.get_by_role("button", name="全部转过去").click()  # no tick yet: refused, nothing moved
        expect(page.get_by_text("请勾选确认")).to_be_visible()
        assert _children_at(server, school) == children
        errors.clear()  # that 400 was the refusal: the console notes every 4xx page
        page.get_by_label("把这里的全部帮扶对象转到：").select_option(station)
        page.get_by_label(f"确认：把这 {children} 名帮扶对象全部转过去").check()
        page.get_by_role("button", name="全部转过去").click()
        expect(page.locator("#result")).to_contain_text(f"已把 {children} 名帮扶对象从{SCHOOL}转到{STATION}")
        expect(page.locator("main")).to_contain_text(f"{SCHOOL}现在没有帮扶对象")
        check_page(page, 1280, "bulk move answer", errors)
        assert _children_at(server, school) == 0 and _children_at(server, station) == at_station + children
    finally:
        office.close()

    admin = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["pc"])
    page = admin.new_page()
    try:
        sign_in(page, server, "admin", "/dashboard")
        admin_closes(page, server, school, SCHOOL, station)
    finally:
        admin.close()
