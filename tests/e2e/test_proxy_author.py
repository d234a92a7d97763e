"""代录 at phone size of a child handed to another volunteer, in Debian Chromium against a real
server: the station changes the pairing's volunteer on its edit form, then enters a visit the former
one made; picking the pairing on the 代录 page asks 做这次帮扶的老师 before anything is saved, the
question fits the phone's screen, and the visit is saved as hers."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser

from .conftest import ServerProcess
from .phone import query
from .screen import SIZES, check_page, sign_in, watch_errors

pytestmark = pytest.mark.e2e

STATION = "zhan-juegang"
RECORD = "王老师交接前最后一次家访：孩子的作业本都写完了。"


def test_a_station_enters_the_former_volunteers_visit_at_phone_size(server: ServerProcess, browser: Browser) -> None:
    unit = query(server, "SELECT unit_id FROM users WHERE login = ?", STATION)[0][0]
    pairing, former, name = query(
        server, "SELECT p.id, p.mentor_id, u.name FROM pairings p JOIN users u ON u.id = p.mentor_id"
        " WHERE p.unit_id = ? AND p.status = 'active' AND p.deleted = 0 ORDER BY p.start_date LIMIT 1", unit)[0]
    (successor, new_name), *_ = query(
        server, "SELECT id, name FROM users WHERE role = 'mentor' AND active = 1 AND unit_id = ? AND id != ?"
        " ORDER BY name", unit, former)
    width = SIZES["phone"]["viewport"]["width"]
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["phone"])
    page = context.new_page()
    errors = watch_errors(page)
    try:
        sign_in(page, server, STATION, "/staff")
        page.goto(server.url + f"/pairings/{pairing}/edit")
        page.locator("#f-mentor_id").select_option(successor)
        page.get_by_role("button", name="保存").click()
        page.wait_for_url(server.url + f"/pairings/{pairing}")

        page.goto(server.url + "/activities/new")
        page.locator("#f-pairing_id").select_option(pairing)
        page.get_by_label("过程记录").fill(RECORD)
        page.get_by_role("button", name="保存").click()
        question = page.locator("#e-author_id")
        question.wait_for()
        assert f"由{name}结对，现在由{new_name}结对" in question.inner_text()
        assert page.get_by_label(f"{new_name}（现在结对）").is_checked()
        assert page.get_by_label("过程记录").input_value() == RECORD, "what was typed stays"
        errors[:] = [e for e in errors if "status of 400" not in e]  # the question is the form sent back
        check_page(page, width, "代录 asking 做这次帮扶的老师", errors)
        assert query(server, "SELECT count(*) FROM activities WHERE record = ?", RECORD)[0][0] == 0

        page.get_by_label(re.compile(rf"{name}（\d{{4}}年")).check()
        page.get_by_role("button", name="保存").click()
        page.wait_for_url(re.compile(r"/activities/[0-9a-f-]{36}$"))
        assert f"这次帮扶是{name}做的（当时由{name}结对）" in page.inner_text("main")
        check_page(page, width, "the former volunteer's visit", errors)
    finally:
        context.close()
    assert query(server, "SELECT author_id FROM activities WHERE record = ?", RECORD) == [(former,)]
