"""The PIN: wrong tries are slowed down and then say what to do; a forgotten PIN is
recovered with a one-time code from the station, and nothing on the phone is lost."""
from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import ServerProcess, cli
from .phone import PIN, Phone, query

pytestmark = pytest.mark.e2e


def test_pwa_wrong_pins_are_slowed_down_and_then_point_to_the_station(
    module_server: ServerProcess, phones: Any
) -> None:
    phone: Phone = phones.new(module_server)
    phone.enrol("yang.mofan")
    phone.context.clock.install()
    phone.page.reload()
    page = phone.page
    pin, unlock = page.get_by_label("密码", exact=True), page.get_by_role("button", name="解锁")

    def wrong(guess: str) -> None:
        pin.fill(guess)
        unlock.click()
        expect(pin).to_have_value("")  # the try was counted (the field empties after each answer)

    for _ in range(2):
        wrong("0000")
        expect(page.get_by_role("alert")).to_have_text("密码不对。")
        expect(unlock).to_be_enabled()
    wrong("0000")
    expect(page.get_by_role("alert")).to_contain_text("请等 5 秒再试")
    expect(unlock).to_be_disabled()
    for wait, then in ((6, 15), (16, 30), (31, 60)):
        phone.context.clock.fast_forward(wait * 1000)
        expect(unlock).to_be_enabled()
        wrong("9999")
        expect(page.get_by_role("alert")).to_contain_text(f"请等 {then} 秒再试")
    advice = page.locator(".notice.warn")
    expect(advice).to_contain_text("已经连续输错 6 次")
    expect(advice).to_contain_text("忘记密码")
    expect(advice).to_contain_text("辅导站")
    phone.page.reload()  # a reload does not reset the count or the wait
    expect(page.get_by_role("alert")).to_contain_text("请等")
    expect(page.locator(".notice.warn")).to_contain_text("6 次")
    phone.context.clock.fast_forward(61_000)
    phone.unlock(PIN)
    expect(page.get_by_role("heading", name="我的帮扶对象（2）")).to_be_visible()


def test_pwa_forgotten_pin_is_recovered_with_a_station_code_and_unsent_records_survive(
    module_server: ServerProcess, phones: Any
) -> None:
    phone: Phone = phones.new(module_server)
    phone.enrol("xu.yisheng")
    device = phone.device_id("xu.yisheng")
    phone.context.set_offline(True)
    text = "忘记密码之前记下、还没同步的一次谈心。"
    phone.log_activity(text)
    phone.page.reload()
    page = phone.page
    page.get_by_role("button", name="忘记密码").click()
    tail = device.replace("-", "")[-8:].upper()
    expect(page.locator("main")).to_contain_text(f"{tail[:4]}-{tail[4:]}")
    # One tap calls the station, locked as the phone is (the number came with the last sync).
    (station_phone,), = query(module_server, "SELECT n.phone FROM users u JOIN units n ON n.id = u.unit_id"
                              " WHERE u.login = 'xu.yisheng'")
    assert station_phone
    call = page.get_by_role("link", name=re.compile("^打电话给辅导站"))
    expect(call).to_have_text(f"打电话给辅导站 {station_phone[:-4]} {station_phone[-4:]}".replace("-", " "))
    expect(call).to_be_visible()
    expect(call).to_have_attribute("href", "tel:" + "".join(c for c in station_phone if c.isdigit() or c == "+"))
    code_field, recover = page.get_by_label("恢复码"), page.get_by_role("button", name="恢复", exact=True)
    code_field.fill("1234 5678")
    recover.click()
    expect(page.get_by_role("alert")).to_contain_text("联网")
    phone.context.set_offline(False)
    # Hold back syncing for a moment, to see the unsent visit on the phone after the recovery.
    phone.context.route("**/api/sync/**", lambda route: route.abort())
    recover.click()
    expect(page.get_by_role("alert")).to_contain_text("恢复码不对")
    code = json.loads(cli(module_server.db, "recovery-code", "--device", device, "--json"))["code"]
    before = query(module_server, "SELECT recovery_key FROM recovery_keys WHERE device_id = ?", device)[0][0]
    code_field.fill(code)
    recover.click()
    expect(page.get_by_role("heading", name="设置新的密码")).to_be_visible()
    phone.set_pin("8642")
    page.get_by_role("link", name="首页").click()
    expect(page.locator(".sync .line")).to_contain_text("未同步 1 条")
    phone.context.unroute("**/api/sync/**")
    page.get_by_role("button", name="立即同步").click()
    phone.wait_synced()
    assert query(module_server, "SELECT count(*) FROM activities WHERE record = ?", text)[0][0] == 1
    after = query(module_server, "SELECT recovery_key, released_by FROM recovery_keys WHERE device_id = ?", device)
    assert after[0][0] != before and after[0][1] is None, "the released recovery key was replaced at once"

    page.get_by_role("link", name="设置").click()
    page.get_by_role("button", name="立即锁定").click()
    page.get_by_label("密码", exact=True).fill(PIN)
    page.get_by_role("button", name="解锁").click()
    expect(page.get_by_role("alert")).to_contain_text("密码不对")
    phone.unlock("8642")
    expect(page.get_by_role("heading", name="设置")).to_be_visible()


# The device row as an app that has not synced since it learnt to keep the station's number.
FORGET_STATION_PHONE = """async () => {
  const db = await new Promise((ok, fail) => { const r = indexedDB.open('banxing'); r.onsuccess = () => ok(r.result);
                                              r.onerror = () => fail(r.error); });
  const store = db.transaction('meta', 'readwrite').objectStore('meta');
  const row = await new Promise((ok) => { const r = store.get('device'); r.onsuccess = () => ok(r.result); });
  delete row.stationPhone;
  await new Promise((ok) => { const r = store.put(row); r.onsuccess = ok; });
  db.close();
}"""


def test_pwa_forgotten_pin_screen_offers_no_call_without_a_known_number(
    module_server: ServerProcess, phones: Any
) -> None:
    phone: Phone = phones.new(module_server)
    phone.enrol("yang.mofan")
    phone.context.set_offline(True)  # no sync learns the number again
    phone.page.evaluate(FORGET_STATION_PHONE)
    phone.page.reload()
    page = phone.page
    page.get_by_role("button", name="忘记密码").click()
    expect(page.get_by_label("恢复码")).to_be_visible()
    expect(page.locator("a[href^='tel:']")).to_have_count(0)
