"""升年级 in Debian Chromium against a real ``banxing serve``: the station's clerk, on her phone (390×844),
follows the children list's link, reads each grade's count and what it becomes, with the 毕业班 named
beside 结束帮扶, ticks and promotes; sent again, the page refuses in words. Set
``BANXING_SCREENSHOTS=docs/screenshots`` to refresh docs/screenshots/station-grade-promotion-phone.png."""
from __future__ import annotations

import datetime
import pathlib

import pytest
from playwright.sync_api import Browser, expect

from sync.timeutil import SHANGHAI, format_utc

from .closing import unit_id
from .conftest import ServerProcess
from .phone import query
from .screen import SIZES, check_page, shots_dir, sign_in, watch_errors

pytestmark = pytest.mark.e2e

STATION = "栟茶镇校外教育辅导站"


def _grades(server: ServerProcess, unit: str) -> dict[str, int]:
    """The unit's children in care registered before this school year began, by grade (the demo's child
    who left care keeps her grade; one registered since 1 September has this year's grade, not promoted)."""
    now = datetime.datetime.now(SHANGHAI)
    began = datetime.datetime(now.year if now.month >= 9 else now.year - 1, 9, 1, tzinfo=SHANGHAI)
    return {str(g): int(n) for g, n in query(
        server, "SELECT grade, count(*) FROM mentees WHERE unit_id = ? AND deleted = 0 AND status = 'active'"
        " AND created_at < ? GROUP BY grade", unit, format_utc(began))}


def test_the_station_promotes_its_children_a_grade_on_a_phone_once(
        server: ServerProcess, browser: Browser, tmp_path: pathlib.Path) -> None:
    station = unit_id(server, STATION)
    before = _grades(server, station)
    assert before.get("五年级") and before.get("九年级")
    phone = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["phone"])
    page = phone.new_page()
    errors = watch_errors(page)
    try:
        sign_in(page, server, "zhan-bencha", "/staff")
        if datetime.datetime.now(SHANGHAI).month in (7, 8):
            page.goto(server.url + f"/units/{station}/promote-grades")
            expect(page.locator("main")).to_contain_text("每年9月1日开学以后再升年级")
            return  # the children are in last year's grade until 1 September: no form to use
        page.goto(server.url + "/mentees")
        page.get_by_role("link", name="新学年开学：这里的帮扶对象升年级").click()
        expect(page.locator("form.form")).to_contain_text(f"五年级 {before['五年级']} 名 → 六年级")
        expect(page.locator("main")).to_contain_text("毕业班")
        check_page(page, 390, "grade promotion (phone)", errors)
        page.screenshot(path=str(shots_dir(tmp_path) / "station-grade-promotion-phone.png"), full_page=True)
        promoted = sum(n for g, n in before.items() if g != "九年级")
        again = phone.new_page()  # the same form kept open in another tab, sent after the first
        again.goto(page.url)
        page.get_by_label(f"确认：这 {promoted} 名帮扶对象各升一个年级").check()
        page.get_by_role("button", name="升年级").click()
        expect(page.locator("#result")).to_contain_text(f"已把 {promoted} 名帮扶对象各升一个年级")
        check_page(page, 390, "grade promotion answer (phone)", errors)
        after = _grades(server, station)
        assert after.get("六年级") == before["五年级"]
        assert after.get("九年级") == before["九年级"] + before.get("八年级", 0)
        expect(page.locator("main")).not_to_contain_text("确认：")  # done this school year: no form again
        again.get_by_label(f"确认：这 {promoted} 名帮扶对象各升一个年级").check()
        again.get_by_role("button", name="升年级").click()  # refused in words, nothing promoted twice
        expect(again.locator("#result")).to_contain_text(f"{STATION}本学年")
        expect(again.locator("#result")).to_contain_text("已经升过年级")
        assert _grades(server, station) == after
    finally:
        phone.close()
