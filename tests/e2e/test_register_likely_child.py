"""The 登记帮扶对象 form holding back a child one character off one already registered, in Debian
Chromium against a real ``banxing serve``: the question, the child to open and the tick answering it
sit in one box; the tick's words are a tap target of their own; ticked, the child is registered.
Both widths pass the screen checks (no sideways scroll, 18 px text, 44 px taps, no CSP error).

``BANXING_SCREENSHOTS=docs/screenshots`` refreshes mentee-likely-child-phone.png and -pc.png.
"""
from __future__ import annotations

import pathlib

import pytest
from playwright.sync_api import Browser, Page

from .conftest import ServerProcess
from .phone import query
from .screen import SIZES, check_page, shots_dir, sign_in, watch_errors

pytestmark = pytest.mark.e2e

STATION = "zhan-bencha"  # the demo's 栟茶镇校外教育辅导站, where 张若曦 (2015, a girl) is registered


def _held(page: Page, server: ServerProcess) -> None:
    page.goto(f"{server.url}/mentees/new")
    page.get_by_label("姓名").fill("张若希")
    page.get_by_label("出生年份").fill("2015")
    page.get_by_role("button", name="登记").click()
    page.locator(".likely-child").wait_for()


def test_the_tick_answering_a_likely_child_sits_in_its_warning_and_registers_the_child(
        server: ServerProcess, browser: Browser, tmp_path: pathlib.Path) -> None:
    shots = shots_dir(tmp_path)
    for size, tag in (("pc", "pc"), ("phone", "phone")):
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES[size])
        page = context.new_page()
        errors = watch_errors(page)
        sign_in(page, server, STATION, "/staff")
        _held(page, server)
        box = page.locator(".likely-child")
        assert "请打开下面“张若曦”的档案" in box.inner_text() and "他的" not in box.inner_text()
        tick, label = box.get_by_role("checkbox", name="确实是另一个孩子，仍然登记"), box.locator("label.check")
        outer, own = box.bounding_box(), label.bounding_box()
        assert outer and own and outer["y"] < own["y"] and own["y"] + own["height"] <= outer["y"] + outer["height"]
        assert own["height"] >= 44 and own["width"] >= 0.8 * outer["width"], own
        errors[:] = [e for e in errors if "status of 409" not in e]  # Chromium logs the page's own 409 status
        check_page(page, SIZES[size]["viewport"]["width"], f"likely child at {size} width", errors)
        page.screenshot(path=str(shots / f"mentee-likely-child-{tag}.png"))
        if size == "phone":
            label.get_by_text("仍然登记").click()  # the words, not the small square
            assert tick.is_checked()
            page.get_by_role("button", name="登记").click()
            page.wait_for_url(f"{server.url}/mentees/*")
            assert "已登记" in page.locator(".flash").inner_text()
        context.close()
    assert query(server, "SELECT count(*) FROM mentees WHERE name = '张若希' AND deleted = 0") == [(1,)]
