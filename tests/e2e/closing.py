"""撤点并校 as the browser tests do it: a unit found by name, and the admin moving an emptied school's
accounts to another unit and closing it (已撤并) on the web, as the admin's pages let her."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from sync.timeutil import local_today

from .conftest import ServerProcess
from .phone import query


def unit_id(server: ServerProcess, name: str) -> str:
    return str(query(server, "SELECT id FROM units WHERE name = ?", name)[0][0])


def admin_closes(page: Page, server: ServerProcess, unit: str, name: str, accounts_to: str) -> None:
    """On ``page`` signed in as the admin: each account in use at ``unit`` moved to ``accounts_to``,
    then ``unit`` (called ``name``) closed from today."""
    for (user,) in query(server, "SELECT id FROM users WHERE unit_id = ? AND active = 1", unit):
        page.goto(server.url + f"/admin/users/{user}")
        page.locator("select[name=unit_id]").select_option(accounts_to)
        page.locator("button[name=action][value=save]").click()
        expect(page.get_by_text("账号已保存")).to_be_visible()
    page.goto(server.url + f"/admin/units/{unit}")
    page.get_by_label("撤并日期").fill(local_today().isoformat())
    page.get_by_role("button", name="撤并这个单位").click()
    expect(page.get_by_text(f"“{name}”已撤并")).to_be_visible()
