"""Enrolling on poor signal, against a real server: the answer to 登记 is lost, or the request is sent
many times at once, and the phone still ends up with one device (docs/sync-protocol.md §3)."""
from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from playwright.sync_api import Route, expect

from .conftest import ServerProcess, cli
from .phone import Phone, query

pytestmark = pytest.mark.e2e

LOGIN = "wang.laoshi"


def devices_of(server: ServerProcess, login: str) -> list[str]:
    return [r[0] for r in query(server, "SELECT d.id FROM sync_devices d JOIN users u ON u.id = d.user_id"
                                " WHERE u.login = ? ORDER BY d.created_at", login)]


def test_enrol_requests_sent_at_once_all_get_the_one_device(server: ServerProcess) -> None:
    code = json.loads(cli(server.db, "enrol-code", "--user", LOGIN, "--json"))["code"]
    before = devices_of(server, LOGIN)
    start, answers = threading.Barrier(6), []

    def phone() -> None:
        start.wait()
        answers.append(server.request("POST", "/api/enrol", {"code": code, "device_name": "伴行手机"}))

    threads = [threading.Thread(target=phone) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert [status for status, _ in answers] == [200] * 6, answers
    (device_id,) = {body["device_id"] for _, body in answers}
    assert devices_of(server, LOGIN) == [*before, device_id]
    for _, body in answers:
        assert server.request("GET", "/api/sync/pull?limit=1", token=body["token"])[0] == 200
    assert query(server, "SELECT failures FROM throttle") == []


def test_a_phone_whose_enrol_answer_was_lost_enrols_with_the_same_code(server: ServerProcess, phones: Any) -> None:
    phone: Phone = phones.new(server)
    code = json.loads(cli(server.db, "enrol-code", "--user", LOGIN, "--json"))["code"]
    before = devices_of(server, LOGIN)
    redeemed: list[int] = []

    def lose_the_answer(route: Route) -> None:
        redeemed.append(route.fetch().status)  # the server redeems the code…
        route.abort("connectionreset")  # …and the answer never reaches the phone

    phone.page.route("**/api/enrol", lose_the_answer)
    phone.open()
    phone.page.get_by_label("登记码").fill(f"{code[:4]} {code[4:]}")
    enrol = phone.page.get_by_role("button", name="登记", exact=True)
    enrol.click()
    expect(phone.page.get_by_role("alert")).not_to_be_empty()
    assert redeemed == [200]
    assert len(devices_of(server, LOGIN)) == len(before) + 1
    phone.page.unroute("**/api/enrol")

    enrol.click()  # she taps 登记 again
    phone.set_pin()
    phone.wait_synced()
    after = devices_of(server, LOGIN)
    assert after[:-1] == before and len(after) == len(before) + 1
    assert after[-1] in phone.idb()["text"]  # the device the phone keeps is the one the code made
    assert query(server, "SELECT last_seen_at > created_at FROM sync_devices WHERE id = ?", after[-1]) == [(1,)]
