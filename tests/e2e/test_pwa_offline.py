"""The phone app offline, end to end: Debian Chromium at 390×844 against a real ``banxing
serve`` over a real SQLite file. Enrol, set a PIN, lose the network (emulated, and a stopped
server), reopen from the service worker, log visits, find them encrypted and still there,
and see each reach the server exactly once — and the volunteer's second phone.
"""
from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import ServerProcess, cli
from .phone import PIN, Phone, query

pytestmark = pytest.mark.e2e


def records_with(server: ServerProcess, text: str) -> int:
    return int(query(server, "SELECT count(*) FROM activities WHERE record = ? AND deleted = 0", text)[0][0])


def test_pwa_enrols_with_a_typed_code_works_offline_and_delivers_each_visit_once(
    module_server: ServerProcess, phones: Any
) -> None:
    phone: Phone = phones.new(module_server)
    phone.enrol("wang.laoshi")  # the code typed as read aloud: "1234 5678"
    page = phone.page
    expect(page.get_by_role("heading", name="我的帮扶对象（3）")).to_be_visible()
    assert page.evaluate("navigator.serviceWorker.controller.scriptURL").endswith("/app/sw.js")
    cached = page.evaluate("""async () => {
      const names = (await caches.keys()).filter((n) => n.startsWith('banxing-static-'));
      const keys = await (await caches.open(names[0])).keys();
      return {names, paths: keys.map((r) => new URL(r.url).pathname)};
    }""")
    assert len(cached["names"]) == 1
    assert {"/app/", "/app/js/main.js", "/app/js/repo.js", "/app/css/app.css", "/app/manifest.webmanifest",
            "/app/icons/icon-192.png"} <= set(cached["paths"])

    # Offline: the reload comes from the service worker and asks for the PIN.
    phone.context.set_offline(True)
    response = page.reload()
    assert response is not None and response.from_service_worker
    expect(page.get_by_role("button", name="解锁")).to_be_visible()
    phone.unlock()
    first, second = "离线记录一：孩子说数学考了八十分，很开心。", "离线记录二：外婆说孩子晚上睡得不太好。"
    phone.log_activity(first, follow_up="下周打电话问问睡眠")
    phone.log_activity(second)
    page.get_by_role("link", name="首页").click()
    expect(page.locator(".sync .line")).to_contain_text("未同步 2 条")
    expect(page.locator(".sync")).to_contain_text("没有网络")
    assert records_with(module_server, first) == 0, "nothing reached the server while offline"

    # Close the app and open it again, still offline: everything is there, and encrypted.
    phone.reopen()
    expect(page := phone.page).to_have_url(module_server.url + "/app/")
    phone.unlock()
    expect(page.locator(".sync .line")).to_contain_text("未同步 2 条")
    page.get_by_role("link", name="待同步").click()
    expect(page.locator(".rows")).to_contain_text("新增帮扶记录")
    stored = phone.idb()
    assert stored["counts"]["outbox"] == 2 and stored["counts"]["records"] > 30
    mentee_names = [row[0] for row in query(
        module_server, "SELECT m.name FROM mentees m JOIN pairings p ON p.mentee_id = m.id JOIN users u"
        " ON u.id = p.mentor_id WHERE u.login = 'wang.laoshi' AND p.status = 'active'")]
    for secret in [first, second, "下周打电话问问睡眠", "王建国", *mentee_names, "bxd1."]:
        assert secret not in stored["text"], f"{secret!r} is stored in the clear"

    # Back online: the `online` event syncs; each visit arrives exactly once.
    phone.context.set_offline(False)
    page.get_by_role("link", name="首页").click()
    phone.wait_synced()
    assert (records_with(module_server, first), records_with(module_server, second)) == (1, 1)
    assert phone.idb()["counts"]["outbox"] == 0
    phone.page.get_by_role("button", name="立即同步").click()
    phone.wait_synced()
    assert records_with(module_server, first) == 1, "a second sync sent nothing again"

    # The volunteer's second phone receives both.
    other: Phone = phones.new(module_server)
    other.enrol("wang.laoshi", pin="1357")
    # Straight to the child's page: a tap on the home's first row naming the child raced the home's
    # redraw after the first sync, and the child may stand first in 已退回 or 已逾期 (another screen).
    mentee = query(module_server, "SELECT a.mentee_id FROM activities a WHERE a.record = ?", first)[0][0]
    other.page.goto(f"{module_server.url}/app/#/mentee/{mentee}")
    expect(other.page.locator(".rows")).to_contain_text("离线记录一")
    expect(other.page.locator(".rows")).to_contain_text("离线记录二")
    assert phone.dialogs == [] and other.dialogs == []


def test_pwa_enrol_link_fills_the_code_and_one_tap_enrols(module_server: ServerProcess, phones: Any) -> None:
    phone: Phone = phones.new(module_server)
    code = json.loads(cli(module_server.db, "enrol-code", "--user", "chen.ganbu", "--json"))["code"]
    # Count the app's requests to keep its storage (a fresh headless profile answers false).
    phone.context.add_init_script("""(() => { const ask = navigator.storage.persist.bind(navigator.storage);
      window.persistAsked = 0; navigator.storage.persist = () => { window.persistAsked += 1; return ask(); }; })()""")
    phone.open(f"/app/?code={code}")
    expect(phone.page.get_by_label("登记码")).to_have_value(code)
    expect(phone.page.get_by_text("登记码已经填好")).to_be_visible()
    phone.page.get_by_role("button", name="登记", exact=True).click()
    expect(phone.page.get_by_label("设置密码", exact=True)).to_be_visible()
    assert "code=" not in phone.page.url, "the used code is taken out of the address"
    phone.set_pin()
    phone.wait_synced()
    expect(phone.page.get_by_role("heading", name="我的帮扶对象（2）")).to_be_visible()
    assert query(module_server, "SELECT count(*) FROM recovery_keys r JOIN sync_devices d ON d.id = r.device_id"
                 " JOIN users u ON u.id = d.user_id WHERE u.login = 'chen.ganbu'")[0][0] == 1, "recovery key uploaded"
    assert phone.page.evaluate("window.persistAsked") == 1, "the app asks to keep its storage after enrolment"
    phone.page.get_by_role("link", name="设置").click()
    expect(phone.page.get_by_text("浏览器没有答应长期保存记录")).to_be_visible()


def test_pwa_refuses_mismatched_pins_and_a_wrong_code_in_words(module_server: ServerProcess, phones: Any) -> None:
    phone: Phone = phones.new(module_server)
    phone.open()
    phone.page.get_by_label("登记码").fill("1234")
    phone.page.get_by_role("button", name="登记", exact=True).click()
    expect(phone.page.get_by_role("alert")).to_contain_text("8 位数字")
    phone.page.get_by_label("登记码").fill("0000 0000")
    phone.page.get_by_role("button", name="登记", exact=True).click()
    expect(phone.page.get_by_role("alert")).to_contain_text("登记码不对")
    code = json.loads(cli(module_server.db, "enrol-code", "--user", "zhang.laoshi", "--json"))["code"]
    phone.page.get_by_label("登记码").fill(code)
    phone.page.get_by_role("button", name="登记", exact=True).click()
    phone.page.get_by_label("设置密码", exact=True).fill("1234")
    phone.page.get_by_label("再次输入密码", exact=True).fill("1235")
    phone.page.get_by_role("button", name="确定", exact=True).click()
    expect(phone.page.get_by_role("alert")).to_contain_text("不一样")
    phone.page.get_by_label("设置密码", exact=True).fill("12")
    phone.page.get_by_label("再次输入密码", exact=True).fill("12")
    phone.page.get_by_role("button", name="确定", exact=True).click()
    expect(phone.page.get_by_role("alert")).to_contain_text("4 到 6 位")
    phone.set_pin(PIN)
    phone.wait_synced()


def test_pwa_says_in_words_that_an_old_code_was_replaced_by_a_newer_one(
    module_server: ServerProcess, phones: Any
) -> None:
    """A volunteer typing the code on an old slip, after the station printed a new one, reads on the
    enrol screen that it was replaced and to ask for the newest (the server's words), not a bare
    wrong-code or error number; the newest code then enrols."""
    phone: Phone = phones.new(module_server)
    old, new = (json.loads(cli(module_server.db, "enrol-code", "--user", "huang.laoshi", "--json"))["code"]
                for _ in range(2))
    phone.open()
    phone.page.get_by_label("登记码").fill(old)
    phone.page.get_by_role("button", name="登记", exact=True).click()
    expect(phone.page.get_by_role("alert")).to_contain_text("这个登记码已经换成了新的，不能再用。请向辅导站要最新的登记码。")
    phone.page.get_by_label("登记码").fill(new)
    phone.page.get_by_role("button", name="登记", exact=True).click()
    expect(phone.page.get_by_label("设置密码", exact=True)).to_be_visible()


def test_pwa_keeps_visits_while_the_server_is_down_and_sends_them_when_it_is_back(
    server: ServerProcess, phones: Any
) -> None:
    phone: Phone = phones.new(server)
    phone.enrol("sun.laoshi")
    server.stop()
    text = "服务器停机时记的：孩子主动说起了学校的书法比赛。"
    phone.log_activity(text)
    phone.page.get_by_role("link", name="首页").click()
    expect(phone.page.locator(".sync .line")).to_contain_text("未同步 1 条")
    phone.page.get_by_role("button", name="立即同步").click()
    # The phone has a network; it is the server that does not answer, and the phone says so.
    expect(phone.page.locator(".sync")).to_contain_text("暂时连不上辅导站的服务器")
    expect(phone.page.locator(".sync")).not_to_contain_text("没有网络")
    phone.page.reload()  # the shell still opens: it comes from the service worker
    phone.unlock()
    expect(phone.page.locator(".sync .line")).to_contain_text("未同步 1 条")
    server.start(same_port=True)
    phone.page.get_by_role("button", name="立即同步").click()
    phone.wait_synced()
    assert records_with(server, text) == 1


def test_pwa_a_self_harm_flag_waiting_offline_is_named_in_the_waiting_list(
    module_server: ServerProcess, phones: Any
) -> None:
    """待同步 listed a flagged visit logged without signal as any other (新增帮扶记录, the child, the day):
    a volunteer checking that her self-harm report will reach the station could not see it there.
    The entry now carries the same ⚠ 发现自伤自残风险 as on the child's page; an unflagged one does not."""
    phone: Phone = phones.new(module_server)
    phone.enrol("zhou.laoshi")
    page = phone.page
    phone.context.set_offline(True)
    phone.start_visit("孩子说不想活了，手臂上有划痕。")
    page.get_by_role("checkbox", name="发现自伤自残风险").check()
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    phone.log_activity("没有信号时记下的一次普通家访。")
    page.get_by_role("link", name="待同步 ↑2").click()
    entries = page.locator(".row")  # in the order they were saved, and so will be sent
    expect(entries).to_have_count(2)
    expect(entries.first.locator(".tag")).to_have_text("⚠ 发现自伤自残风险")
    expect(entries.nth(1).locator(".tag")).to_have_count(0)
