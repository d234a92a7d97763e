"""The page list of the web pages: a row of links on a wide screen; on a phone one 菜单 button,
so a staff account's fifteen pages do not push every page's content below the first screen."""
from __future__ import annotations

import pathlib
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import ServerProcess
from .screen import SIZES, shots_dir, sign_in, watch_errors

pytestmark = pytest.mark.e2e


def test_on_a_phone_the_pages_sit_behind_one_menu_button(module_server: ServerProcess, browser: Any,
                                                         tmp_path: pathlib.Path) -> None:
    context = browser.new_context(**SIZES["phone"], locale="zh-CN")
    page = context.new_page()
    errors = watch_errors(page)
    sign_in(page, module_server, "zhan-chahe", "/staff")
    menu = page.get_by_text("☰ 菜单")
    expect(menu).to_contain_text("工作台")  # the page you are on
    expect(page.get_by_role("link", name="审核", exact=True)).to_be_hidden()
    nav_height = page.locator("nav.site-nav").bounding_box()["height"]
    assert nav_height < 100, f"the closed menu takes {nav_height}px"

    menu.click()
    links = page.locator("nav.site-nav details a")
    assert links.count() >= 15
    box = links.first.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 150, box
    page.screenshot(path=str(shots_dir(tmp_path) / "site-menu-phone.png"))
    page.get_by_role("link", name="审核", exact=True).click()
    page.wait_for_url(module_server.url + "/review")
    expect(page.get_by_text("☰ 菜单")).to_contain_text("审核")
    assert not errors, errors
    context.close()


def test_on_a_wide_screen_every_page_is_one_tap_away(module_server: ServerProcess, browser: Any) -> None:
    context = browser.new_context(**SIZES["pc"], locale="zh-CN")
    page = context.new_page()
    sign_in(page, module_server, "county", "/dashboard")
    expect(page.get_by_text("☰ 菜单")).to_be_hidden()
    for label in ("总览", "结对档案", "久未帮扶", "审核", "统计表", "报送", "宣讲覆盖"):
        expect(page.get_by_role("link", name=label, exact=True)).to_be_visible()
    page.get_by_role("link", name="统计表", exact=True).click()
    expect(page.locator("nav.site-nav a[aria-current=page]").first).to_have_text("统计表")
    context.close()
