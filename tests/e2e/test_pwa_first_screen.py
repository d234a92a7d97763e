"""The phone app on a cheap 360×640 phone at its largest text (特大, 30 px): what must be seen on the first
screen without scrolling, and the tab bar kept to one row. A 72-year-old opens the app to record a visit:
offline with changes waiting, the sync card (↑ 未同步 N 条 and 没有网络…) once filled the whole first screen
and pushed 记一次帮扶 below it; with 待同步 ↑1 ⚠1 the tab 设置 went to a second row; on a visit in a clash,
看看我写的内容 touched the 待审核 below it.

Each screen checked is kept as a screenshot in the test's own folder (pytest's tmp_path), to look at.
"""
from __future__ import annotations

import pathlib
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .conftest import ServerProcess
from .phone import Phone, query, text_size
from .screen import check_page, watch_errors

pytestmark = pytest.mark.e2e

SMALL_PHONE = {"width": 360, "height": 640}

# Where an element is drawn once the page is scrolled to its top: top and bottom, in CSS px.
BOX = """(selector) => { window.scrollTo(0, 0); const el = document.querySelector(selector);
  const r = el.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, height: innerHeight}; }"""
# From the bottom of 看看我写的内容 to the top of the line holding the visit's 待审核, once both are drawn.
GAP = """() => {
  const link = [...document.querySelectorAll('main a')].find((a) => a.textContent.includes('看看我写的内容'));
  const line = document.querySelector('main p .tag.pending')?.closest('p');
  return link && line && {gap: line.getBoundingClientRect().top - link.getBoundingClientRect().bottom}; }"""
# Each tab's top: the same top for all is one row.
TAB_TOPS = "[...document.querySelectorAll('nav.tabs a')].map((a) => a.getBoundingClientRect().top)"


def xl_phone(phones: Any, server: ServerProcess, login: str) -> Phone:
    """``login``'s phone, enrolled, on the small screen at 特大."""
    phone: Phone = phones.at_largest_text(server, login, **SMALL_PHONE)
    return phone


def tabs_on_one_row(page: Page) -> None:
    tops = page.evaluate(TAB_TOPS)
    names = page.locator("nav.tabs a").all_inner_texts()
    assert len(tops) == 3 and len(set(tops)) == 1, f"the tabs wrap: {list(zip(names, tops, strict=True))}"


def first_screen_holds_the_main_action_and_the_sync_state(page: Page, say: str) -> None:
    """记一次帮扶 whole, and the card's ↑ 未同步 N 条 line, above the fold with the page at its top."""
    action = page.evaluate(BOX, "main a[href='#/log']")
    assert action["bottom"] <= action["height"], f"{say}: 记一次帮扶 below the first screen: {action}"
    line = page.evaluate(BOX, ".sync .line")
    assert line["bottom"] <= line["height"], f"{say}: the sync state below the first screen: {line}"


def test_pwa_home_shows_the_main_action_and_the_sync_state_on_the_first_screen_with_changes_waiting(
        module_server: ServerProcess, phones: Any, tmp_path: pathlib.Path) -> None:
    shots = tmp_path
    phone = xl_phone(phones, module_server, "bao.laoshi")
    page = phone.page
    errors = watch_errors(page)
    phone.context.set_offline(True)
    for n in range(1, 13):
        phone.log_activity(f"离线记下的第{n}次帮扶：孩子说这周作业都按时交了。")
        if n not in (1, 12):
            continue
        page.get_by_role("link", name="首页").click()
        expect(page.locator(".sync .line")).to_have_text(f"↑ 未同步 {n} 条")
        expect(page.locator(".sync")).to_contain_text("没有网络")
        assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") == 30
        first_screen_holds_the_main_action_and_the_sync_state(page, f"特大, {n} unsent")
        tabs_on_one_row(page)
        check_page(page, SMALL_PHONE["width"], f"home at 特大 with {n} unsent", errors)
        page.screenshot(path=str(shots / f"pwa-home-xl-360-{n}-unsent.png"))
    text_size(phone, "标准")
    page.get_by_role("link", name="首页").click()
    expect(page.locator(".sync .line")).to_have_text("↑ 未同步 12 条")
    first_screen_holds_the_main_action_and_the_sync_state(page, "标准, 12 unsent")
    tabs_on_one_row(page)
    page.screenshot(path=str(shots / "pwa-home-standard-360-12-unsent.png"))
    assert phone.dialogs == []


def clash(phone: Phone, nth: int) -> str:
    """Wang's ``nth`` visit waiting for review (each test its own) changed on the phone after the station
    changed it: a conflict (⚠1)."""
    activity, version = query(phone.server, "SELECT a.id, a.version FROM activities a JOIN pairings p"
                              " ON p.id = a.pairing_id JOIN users u ON u.id = p.mentor_id WHERE u.login = 'wang.laoshi'"
                              " AND a.author_id = u.id AND a.review_status = 'pending' ORDER BY a.date, a.id")[nth]
    phone.save_after_station_edit(activity, version, "王老师自己改的过程记录：孩子说想学游泳。")
    expect(phone.page.locator("nav.tabs a[href='#/waiting']")).to_have_text("待同步 ⚠1")
    return activity


def test_pwa_a_clashs_button_stands_clear_of_the_visits_status_at_xl(
        module_server: ServerProcess, phones: Any, tmp_path: pathlib.Path) -> None:
    phone = xl_phone(phones, module_server, "wang.laoshi")
    page = phone.page
    activity = clash(phone, 0)
    page.goto(module_server.url + f"/app/#/activity/{activity}")
    button = page.get_by_role("link", name="看看我写的内容")
    status = page.locator("main p", has=page.locator(".tag.pending"))
    expect(button).to_be_visible()
    expect(status).to_have_text("待审核")
    # Measured in one step, once both are drawn: the screen may be drawn again meanwhile (a sync's end),
    # and a box asked of the status line as it was replaced came back None on a loaded machine.
    gap = page.wait_for_function(GAP).json_value()["gap"]
    page.screenshot(path=str(tmp_path / "pwa-clash-xl-360.png"))
    assert gap >= 10, f"看看我写的内容 and 待审核 {gap:g} px apart"


def test_pwa_tabs_stay_on_one_row_at_xl_with_changes_waiting_and_a_clash(
        module_server: ServerProcess, phones: Any, tmp_path: pathlib.Path) -> None:
    shots = tmp_path
    phone = xl_phone(phones, module_server, "wang.laoshi")
    page = phone.page
    clash(phone, 1)
    phone.context.set_offline(True)
    phone.log_activity("离线记下的帮扶：外婆说孩子最近睡得好些了。")
    for n in (1, 12):
        page.get_by_role("link", name="首页").click()
        expect(page.locator("nav.tabs a[href='#/waiting']")).to_have_text(f"待同步 ↑{n}⚠1")
        for route in ("#/", "#/waiting", "#/settings"):
            page.goto(module_server.url + "/app/" + route)
            tabs_on_one_row(page)
        page.screenshot(path=str(shots / f"pwa-tabs-xl-360-{n}-unsent.png"))
        for more in range(11 if n == 1 else 0):
            phone.log_activity(f"离线记下的又一次帮扶（{more}）：孩子在学游泳。")
    assert phone.dialogs == []
