"""结束帮扶 in Debian Chromium against a real ``banxing serve``: in July the station's clerk, on a phone,
ends care for a 九年级 leaver from her file in one form, saying why (毕业离校) — her pairing ends with it
and the file, which then says when and why she left, is kept for the county — after reading that her
unhandled self-harm flag stays on the desk. Set ``BANXING_SCREENSHOTS=docs/screenshots`` to refresh
docs/screenshots/leave-care-phone.png."""
from __future__ import annotations

import pathlib

import pytest
from playwright.sync_api import Browser, expect

from .conftest import ServerProcess
from .phone import query
from .screen import SIZES, check_page, shots_dir, sign_in, watch_errors

pytestmark = pytest.mark.e2e

CODE = "BX-2026-0027"  # the demo's 九年级 girl at 栟茶镇校外教育辅导站, paired, with an open risk flag


def test_the_station_ends_care_for_a_leaver_on_a_phone_and_her_pairing_ends_with_it(
        server: ServerProcess, browser: Browser, tmp_path: pathlib.Path) -> None:
    mentee = str(query(server, "SELECT id FROM mentees WHERE code = ?", CODE)[0][0])
    running = int(query(server, "SELECT count(*) FROM pairings WHERE mentee_id = ? AND status = 'active'"
                        " AND deleted = 0", mentee)[0][0])
    assert running >= 1
    phone = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["phone"])
    page = phone.new_page()
    errors = watch_errors(page)
    try:
        sign_in(page, server, "zhan-bencha", "/staff")
        page.goto(server.url + f"/mentees/{mentee}")
        page.get_by_role("link", name="结束帮扶").click()
        expect(page.locator("main")).to_contain_text(f"下面 {running} 个结对会同时结束")
        expect(page.locator("main")).to_contain_text("结束帮扶不等于处理了")
        page.get_by_label("毕业离校").check()
        page.get_by_label("稳定").check()
        check_page(page, 390, "leave care (phone)", errors)
        page.screenshot(path=str(shots_dir(tmp_path) / "leave-care-phone.png"), full_page=True)
        page.get_by_role("button", name="结束帮扶").click()
        expect(page.locator("main")).to_contain_text(f"已结束对 {CODE} 的帮扶")
        expect(page.locator("main")).to_contain_text("结束帮扶：毕业离校，记录人")
        check_page(page, 390, "child's file after leaving care", errors)
    finally:
        phone.close()
    assert query(server, "SELECT status FROM mentees WHERE id = ?", mentee)[0][0] == "closed"
    assert int(query(server, "SELECT count(*) FROM pairings WHERE mentee_id = ? AND status = 'active'"
                     " AND deleted = 0", mentee)[0][0]) == 0
