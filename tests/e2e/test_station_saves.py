"""Two people saving at once, in Debian Chromium at phone width against a real ``banxing serve``:
the second save of the same words reads as a warning (⚠, not ✔) and keeps both texts; enrolment
figures typed over ones the person never saw come back to be checked instead of overwriting them.
Both pages pass the screen checks (no sideways scroll, 18 px text, 44 px taps, no CSP error).

``BANXING_SCREENSHOTS=docs/screenshots`` refreshes station-save-conflict-phone.png and
station-enrolment-seen-phone.png.
"""
from __future__ import annotations

import pathlib

import pytest
from playwright.sync_api import Browser

from .conftest import ServerProcess
from .phone import query
from .screen import SIZES, check_page, shots_dir, sign_in, watch_errors

pytestmark = pytest.mark.e2e

STATION, TOWN = "zhan-juegang", "staff-juegang"  # 掘港街道校外教育辅导站 and the town above it


def test_a_second_save_of_the_same_words_is_a_warning_and_keeps_both(server: ServerProcess, browser: Browser,
                                                                     tmp_path: pathlib.Path) -> None:
    shots, width = shots_dir(tmp_path), SIZES["phone"]["viewport"]["width"]
    (activity,), = query(server, "SELECT a.id FROM activities a JOIN units u ON u.id = a.unit_id"
                                 " WHERE u.name = '掘港街道校外教育辅导站' AND a.deleted = 0"
                                 " AND a.review_status != 'approved' ORDER BY a.date DESC LIMIT 1")
    pages = []
    for login in (STATION, TOWN):
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["phone"])
        page = context.new_page()
        sign_in(page, server, login, "/staff")
        page.goto(f"{server.url}/activities/{activity}/edit")  # both open the form before either saves
        pages.append(page)
    first, second = pages
    errors = watch_errors(second)
    first.get_by_label("过程记录").fill("站里更正：家访一小时，孩子愿意交流。")
    first.get_by_role("button", name="保存").click()
    assert "✔" in first.locator(".flash").inner_text()
    second.get_by_label("过程记录").fill("镇里补充：孩子说想参加兴趣小组。")
    second.get_by_role("button", name="保存").click()
    flash = second.locator(".flash.warn")
    assert "⚠" in flash.inner_text() and "冲突" in flash.inner_text()
    check_page(second, width, "save ending in a conflict", errors)
    second.screenshot(path=str(shots / "station-save-conflict-phone.png"))
    (kept,), = query(server, "SELECT record FROM activities WHERE id = ?", activity)
    parked = query(server, "SELECT other_value FROM sync_conflicts WHERE record_id = ? AND status = 'open'", activity)
    assert kept == "站里更正：家访一小时，孩子愿意交流。" and parked == [('"镇里补充：孩子说想参加兴趣小组。"',)]
    for page in pages:
        page.context.close()


def test_enrolment_figures_typed_over_unseen_ones_come_back_to_be_checked(server: ServerProcess, browser: Browser,
                                                                         tmp_path: pathlib.Path) -> None:
    shots, width = shots_dir(tmp_path), SIZES["phone"]["viewport"]["width"]
    (unit_id, year, students), = query(server, "SELECT e.unit_id, e.year, e.students FROM enrolments e"
                                               " JOIN units u ON u.id = e.unit_id"
                                               " WHERE u.name = '掘港街道校外教育辅导站' AND e.deleted = 0 LIMIT 1")
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["phone"])
    page = context.new_page()
    errors = watch_errors(page)
    sign_in(page, server, STATION, "/staff")
    # Opened for next year (the plain page opens on the station's own figures, shown, for this year).
    page.goto(server.url + f"/enrolments?unit={unit_id}&year={year + 1}")
    page.get_by_label("单位").select_option(unit_id)
    page.get_by_label("年度").fill(str(year))
    page.get_by_label("学生人数").fill("1")
    page.get_by_label("家长人数").fill("1")
    page.get_by_role("button", name="保存").click()
    assert "已经填过人数" in page.locator("main .error").inner_text()
    errors[:] = [e for e in errors if "status of 409" not in e]  # Chromium logs the page's own 409 status
    check_page(page, width, "enrolment figures to check", errors)
    page.screenshot(path=str(shots / "station-enrolment-seen-phone.png"))
    assert query(server, "SELECT students FROM enrolments WHERE unit_id = ? AND year = ?", unit_id, year) == [
        (students,)]
    # Saved again as shown (the person checked), it is an edit of what they saw.
    page.get_by_role("button", name="保存").click()
    assert "已保存" in page.locator(".flash").inner_text()
    assert query(server, "SELECT students FROM enrolments WHERE unit_id = ? AND year = ?", unit_id, year) == [(1,)]
    context.close()


def test_a_form_whose_token_went_stale_comes_back_filled_in_with_nothing_saved(server: ServerProcess,
                                                                               browser: Browser) -> None:
    """Chromium marks a form of this site as such (``Sec-Fetch-Site: same-origin``): a child's file
    typed while the browser lost its CSRF cookie comes back in the form, not as a bare 403."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["phone"])
    page = context.new_page()
    sign_in(page, server, STATION, "/staff")
    page.goto(server.url + "/mentees/new")
    page.get_by_label("姓名").fill("浏览器里的孩子")
    page.get_by_label("备注").fill("奶奶说孩子最近晚上睡不好，写了半个小时。")
    kept = [c for c in context.cookies() if c["name"] != "bx_csrf"]
    context.clear_cookies()
    context.add_cookies(kept)
    page.get_by_role("button", name="登记").click()
    page.wait_for_url("**/mentees/new?draft=*")
    assert "⚠" in page.locator(".flash.warn").inner_text()
    assert page.get_by_label("备注").input_value() == "奶奶说孩子最近晚上睡不好，写了半个小时。"
    assert query(server, "SELECT count(*) FROM mentees WHERE name = '浏览器里的孩子'") == [(0,)]
    page.get_by_role("button", name="登记").click()  # sent again with the fresh token: registered once
    page.wait_for_url("**/mentees/*-*")
    assert query(server, "SELECT count(*) FROM mentees WHERE name = '浏览器里的孩子'") == [(1,)]
    context.close()
