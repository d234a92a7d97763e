"""What the phone's home says in the moments a sync is under way: on unlocking with a visit unsent, and
right after enrolment, before the first pull has come (the children are being fetched; only a sync that
failed, or no signal, leaves them for later, with what to do). A request held with ``page.route`` widens each
moment; a MutationObserver keeps every state the page showed, however briefly."""
from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Route, expect

from sync.timeutil import local_today

from .conftest import ServerProcess, cli
from .phone import Phone, Station, query, until

pytestmark = pytest.mark.e2e

# Every (sync card line, 待同步 tab) pair the page showed, from the page's first moment.
WATCH = """(() => {
  window.__shown = [];
  new MutationObserver(() => {
    const line = document.querySelector('.sync .line')?.textContent;
    const tab = document.querySelector('nav.tabs a[href="#/waiting"]')?.textContent;
    if (line && tab) window.__shown.push([line, tab]);
  }).observe(document, { subtree: true, childList: true, characterData: true });
})()"""


FETCHING = "正在从辅导站取回您的帮扶对象，请稍等…"
COMING = "联网同步后会显示辅导站为您安排的孩子。"
RETRY = "有网络时请点上面的“立即同步”。"

# Whether the page ever said the children come only after going online, from its first moment.
SAID_COMING = """(() => {
  window.__saidComing = false;
  new MutationObserver(() => {
    if (document.querySelector('main')?.textContent.includes('联网同步后会显示')) window.__saidComing = true;
  }).observe(document, { subtree: true, childList: true, characterData: true });
})()"""


class Held:
    """Requests matching ``pattern`` wait until ``release`` (or ``fail``); those after it go on at once."""

    def __init__(self, phone: Phone, pattern: str) -> None:
        self.routes: list[Route] = []
        self.released = False
        self.page, self.pattern = phone.page, pattern
        phone.page.route(pattern, self._take)

    def _take(self, route: Route) -> None:
        if self.released:
            route.continue_()
        else:
            self.routes.append(route)

    def release(self) -> None:
        self.wait()  # the home says 正在取回 as the sync starts, before its first request goes out
        self.released = True
        for route in self.routes:
            route.continue_()

    def wait(self) -> None:
        """Until a request is held (the handler runs while Playwright waits)."""
        for _ in range(400):
            if self.routes:
                return
            self.page.wait_for_timeout(50)
        raise AssertionError("nothing was asked for")

    def fail(self, status: int | None = None) -> None:
        """The held requests fail, with no signal or with the server's ``status``; those after go on at once."""
        assert self.routes, "nothing was asked for"
        for route in self.routes:
            if status is None:
                route.abort("internetdisconnected")
            else:
                route.fulfill(status=status, json={"error": "down", "code": "down"})
        self.page.unroute(self.pattern, self._take)  # after: unrouting lets a request still held go on


def test_pwa_sync_card_never_says_all_synced_beside_a_waiting_count_on_unlock(
    server: ServerProcess, phones: Any
) -> None:
    phone: Phone = phones.new(server)
    phone.enrol("bao.laoshi")
    page = phone.page
    def no_signal(route: Route) -> None:
        route.abort()

    page.route("**/api/sync/push", no_signal)  # the visit waits
    phone.log_activity("解锁时还没发出去的帮扶记录。")
    held = Held(phone, "**/api/sync/push")
    page.unroute("**/api/sync/push", no_signal)
    phone.open("/app/#/")
    phone.context.add_init_script(WATCH)
    page.reload()
    phone.unlock()
    expect(page.locator(".sync .line")).to_have_text("↑ 未同步 1 条")
    until(page, "() => document.querySelector('.sync').textContent.includes('正在同步')")
    held.release()
    phone.wait_synced()
    page.wait_for_timeout(300)  # past the screen's redraw after the change
    shown = page.evaluate("window.__shown")
    assert ["↑ 未同步 1 条", "待同步 ↑1"] in shown
    assert any(line == "✓ 已全部同步" for line, _ in shown), shown
    wrong = [pair for pair in shown if "已全部同步" in pair[0] and "↑" in pair[1]]
    assert not wrong, wrong


def enrol_held(phone: Phone, login: str, pattern: str) -> Held:
    """Enrol with the requests matching ``pattern`` held: until released, the first sync cannot end."""
    held = Held(phone, pattern)
    code = json.loads(cli(phone.server.db, "enrol-code", "--user", login, "--json"))["code"]
    phone.open(f"/app/?code={code}")
    phone.page.get_by_role("button", name="登记", exact=True).click()
    phone.set_pin()
    expect(phone.page.locator(".sync .line")).to_have_text("还没有同步过")
    return held


def test_pwa_home_says_the_children_are_being_fetched_while_the_first_sync_runs(
    server: ServerProcess, phones: Any
) -> None:
    """Online all along, she is never told to go online: from the first moment the home says the children
    are on their way, and their count comes with the end of the sync."""
    phone: Phone = phones.new(server)
    phone.context.add_init_script(SAID_COMING)
    held = enrol_held(phone, "bao.laoshi", "**/api/sync/pull*")
    main = phone.page.locator("main")
    expect(main).to_contain_text(FETCHING)
    expect(phone.page.get_by_role("heading", name="我的帮扶对象", exact=True)).to_be_visible()
    expect(main).not_to_contain_text("还没有帮扶对象")
    expect(main).not_to_contain_text("（0）")
    held.release()
    phone.wait_synced()
    expect(phone.page.get_by_role("heading", name="我的帮扶对象（3）")).to_be_visible()
    expect(main).not_to_contain_text(FETCHING)
    assert phone.page.evaluate("window.__saidComing") is False


def test_pwa_home_says_what_to_do_when_the_first_sync_lost_the_signal_then_fetches_again(
    server: ServerProcess, phones: Any
) -> None:
    """The signal goes during the first pull: the home says the children come after a sync, and how; the
    signal back, the sync that starts on its own says again that they are being fetched, until they are."""
    phone: Phone = phones.new(server)
    held = enrol_held(phone, "bao.laoshi", "**/api/sync/pull*")
    main = phone.page.locator("main")
    expect(main).to_contain_text(FETCHING)
    held.wait()
    phone.context.set_offline(True)
    held.fail()  # the pull in flight fails with the signal
    expect(main).to_contain_text(COMING + RETRY)
    expect(main).not_to_contain_text(FETCHING)
    expect(phone.page.locator(".sync")).to_contain_text("没有网络")
    again = Held(phone, "**/api/sync/pull*")
    phone.context.set_offline(False)  # the app syncs by itself as the signal comes back
    expect(main).to_contain_text(FETCHING)
    expect(main).not_to_contain_text(COMING)
    until(phone.page, "() => document.querySelector('.sync').textContent.includes('正在同步')")
    again.release()
    phone.wait_synced()
    expect(phone.page.get_by_role("heading", name="我的帮扶对象（3）")).to_be_visible()
    expect(main).not_to_contain_text(FETCHING)
    expect(main).not_to_contain_text(COMING)


def test_pwa_home_says_what_to_do_when_the_server_failed_the_first_sync(
    server: ServerProcess, phones: Any
) -> None:
    phone: Phone = phones.new(server)
    held = enrol_held(phone, "bao.laoshi", "**/api/sync/pull*")
    main = phone.page.locator("main")
    expect(main).to_contain_text(FETCHING)
    held.wait()
    held.fail(503)
    expect(main).to_contain_text(COMING + RETRY)
    expect(main).not_to_contain_text(FETCHING)
    again = Held(phone, "**/api/sync/pull*")
    phone.page.get_by_role("button", name="立即同步", exact=True).click()
    again.wait()
    expect(main).to_contain_text(FETCHING)
    expect(main).not_to_contain_text(COMING)
    again.release()
    phone.wait_synced()
    expect(phone.page.get_by_role("heading", name="我的帮扶对象（3）")).to_be_visible()
    expect(main).not_to_contain_text(COMING)


def test_pwa_home_says_there_are_no_children_once_a_sync_brought_none(
    server: ServerProcess, phones: Any
) -> None:
    """A volunteer with no child yet: her first sync changes no record, and still the home must stop
    saying they are coming when it ends (here after the account's answer, held past the screen's redraw)."""
    station = Station(server, "zhan-bencha")
    for pairing, version in query(server, "SELECT p.id, p.version FROM pairings p JOIN users u ON u.id = p.mentor_id"
                                  " WHERE u.login = 'yang.mofan' AND p.status = 'active'"):
        station.push("pairing", pairing,
                     {"status": "closed", "end_date": local_today().isoformat(), "outcome": "stable"}, version)
    phone: Phone = phones.new(server)
    held = enrol_held(phone, "yang.mofan", "**/api/device")
    main = phone.page.locator("main")
    expect(main).to_contain_text(FETCHING)
    until(phone.page, "() => document.querySelector('.sync').textContent.includes('正在同步')")
    phone.page.wait_for_timeout(500)  # the pull has been taken and the screen redrawn after it
    held.release()
    phone.wait_synced()
    expect(phone.page.get_by_role("heading", name="我的帮扶对象（0）")).to_be_visible()
    expect(main).to_contain_text("还没有帮扶对象。" + COMING)
    expect(main).not_to_contain_text(FETCHING)
