"""撤点并校 with a visit still on the volunteer's phone: while she is out of signal, the town moves every
child of 岔河镇中心小学 to the town's station and the admin moves the school's volunteers and staff there
and closes the school (已撤并). Back in signal, her phone sends the visit once, it lands with the child at
the station, and she keeps her child on the phone: nothing to export, nothing refused."""
from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from .closing import admin_closes, unit_id
from .conftest import ServerProcess
from .phone import Phone, Station, query
from .screen import sign_in

pytestmark = pytest.mark.e2e

VISIT = "学校撤并前在孩子家里记的，那天没有信号。"
SCHOOL, STATION = "岔河镇中心小学", "岔河镇校外教育辅导站"


def _close_the_school(server: ServerProcess, browser: Browser) -> None:
    """The town moves the children (its computer, through the sync API); the admin, on the web, moves
    the school's accounts to the station and closes the school."""
    school, station = unit_id(server, SCHOOL), unit_id(server, STATION)
    town = Station(server, "staff-chahe")
    for child, version in query(server, "SELECT id, version FROM mentees WHERE unit_id = ? AND deleted = 0", school):
        town.push("mentee", child, {"unit_id": station}, version)
    office = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = office.new_page()
    sign_in(page, server, "admin", "/dashboard")
    admin_closes(page, server, school, SCHOOL, station)
    office.close()


def test_pwa_a_visit_held_offline_while_the_school_closed_is_sent_once_and_lands_at_the_new_station(
    server: ServerProcess, phones: Any, browser: Browser
) -> None:
    phone: Phone = phones.new(server)
    phone.enrol("huang.laoshi")
    phone.context.set_offline(True)
    phone.log_activity(VISIT)
    _close_the_school(server, browser)
    phone.context.set_offline(False)
    phone.page.goto(server.url + "/app/#/waiting")
    phone.page.get_by_role("button", name="立即同步").click()
    phone.wait_synced()
    rows = query(server, "SELECT a.unit_id, m.unit_id FROM activities a JOIN mentees m ON m.id = a.mentee_id"
                 " WHERE a.record = ? AND a.deleted = 0", VISIT)
    station = unit_id(server, STATION)
    assert rows == [(station, station)]
    expect(phone.page.locator(".row.returned")).to_have_count(0)
    phone.page.goto(server.url + "/app/")
    expect(phone.page.locator("body")).not_to_contain_text("不能同步")
    assert not phone.dialogs
