"""A volunteer's account stopped by mistake and restored: her phone, which showed 这个账号已停用 meanwhile,
comes back by itself (as the signal returns, or at the next unlock) with her children and the visit
she saved before the stop, sent once. A real server, the admin's own pages and Chromium."""
from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import ServerProcess
from .phone import Phone, query, visits_with
from .screen import PASSWORD, documented_shots

pytestmark = pytest.mark.e2e

VOLUNTEER = "wang.laoshi"
CHILD_ROW = "main a.row[href^='#/mentee/']"


def admin_page(browser: Browser, server: ServerProcess) -> Page:
    """The admin signed in on a computer, at the volunteer's account page."""
    page = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
    page.goto(server.url + "/login")
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    (user_id,), = query(server, "SELECT id FROM users WHERE login = ?", VOLUNTEER)
    page.goto(server.url + f"/admin/users/{user_id}")
    return page


def stop(admin: Page) -> None:
    """停用账号, her pairings left running (the stop was a mistake: her children stay hers)."""
    admin.get_by_label("同时结束", exact=False).uncheck()
    admin.get_by_role("button", name=f"停用账号 {VOLUNTEER}").click()
    expect(admin.locator(".flash")).to_contain_text("已停用")


def restore(admin: Page) -> str:
    admin.get_by_role("button", name="恢复使用").click()
    expect(admin.locator(".flash")).to_contain_text("已恢复")
    return admin.locator(".flash").inner_text()


def expect_stopped(phone: Phone, children: list[str]) -> None:
    page = phone.page
    expect(page.get_by_role("heading", name="这个账号已停用")).to_be_visible(timeout=20_000)
    expect(page.locator(CHILD_ROW)).to_have_count(0)
    for child in children:
        expect(page.locator("body")).not_to_contain_text(child)


def test_pwa_stopped_account_restored_brings_the_phone_back_with_its_children_and_sends_the_kept_visit_once(
    server: ServerProcess, phones: Any, browser: Browser
) -> None:
    phone: Phone = phones.new(server)
    phone.enrol(VOLUNTEER)
    page = phone.page
    phone.context.set_offline(True)
    text = "停用前离线写的记录：孩子这周按时上学了。"
    phone.log_activity(text)
    page.goto(server.url + "/app/#/")
    expect(page.locator(CHILD_ROW).first).to_be_visible()  # drawn from IndexedDB after the page: a busy CI read none
    children = page.locator(CHILD_ROW).all_inner_texts()  # her children and their follow-ups, as home shows
    assert children, "the volunteer has children on her phone"

    admin = admin_page(browser, server)
    stop(admin)
    phone.context.set_offline(False)  # the sync that comes with the signal is refused: user_inactive
    expect_stopped(phone, children)
    assert phone.idb()["counts"]["outbox"] == 1 and visits_with(server, text) == 0
    # Before "export, then clear": a stop may be undone, so she asks the station first.
    expect(page.locator("main")).to_contain_text("请先联系辅导站：账号恢复后，手机联网、解锁就会自己恢复")
    # Then nothing to do meanwhile, the visit kept: export and wipe only if the station says the account stays stopped
    # (not 请清除这台手机上的数据, which told her to undo the very thing the restore brings back).
    expect(page.locator("main")).to_contain_text("账号恢复前，什么都不用做：没有同步或没有写完的 1 条都留在手机上。"
                                                 "只有辅导站说账号不会恢复时，才点“导出未同步记录”，把文件交给辅导站，再清除")
    expect(page.locator("main")).not_to_contain_text("请清除")
    expect(page.get_by_role("button", name="导出未同步记录")).to_be_visible()
    expect(page.get_by_role("button", name="清除本机数据")).to_be_visible()
    if (shots := documented_shots()) is not None:
        page.screenshot(path=str(shots / "pwa-account-stopped.png"))

    # Still stopped: the signal coming back changes nothing.
    phone.context.set_offline(True)
    phone.context.set_offline(False)
    page.wait_for_timeout(1500)
    expect_stopped(phone, children)
    assert phone.idb()["counts"]["records"] == 0

    words = restore(admin)
    assert "会自己恢复" in words and "一直显示" not in words, words

    # Restored while the phone was away from a signal: it comes back as the signal does.
    phone.context.set_offline(True)
    phone.context.set_offline(False)
    expect(page.locator(CHILD_ROW)).to_have_count(len(children), timeout=20_000)
    phone.wait_synced()
    assert sorted(page.locator(CHILD_ROW).all_inner_texts()) == sorted(children)
    assert visits_with(server, text) == 1
    assert phone.idb()["counts"]["outbox"] == 0

    # Stopped and restored again while the app was closed: it comes back at the next unlock.
    stop(admin)
    page.get_by_role("button", name="立即同步").click()
    expect_stopped(phone, children)
    restore(admin)
    page.reload()
    phone.unlock()
    expect(page.locator(CHILD_ROW)).to_have_count(len(children), timeout=20_000)
    phone.wait_synced()
    assert visits_with(server, text) == 1, "the visit kept through the stop is on the server once"
    assert phone.idb()["counts"]["outbox"] == 0
    admin.context.close()
