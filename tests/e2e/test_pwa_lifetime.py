"""The phone app over its life: records written by other hands and other versions of the app, and a
phone whose storage fills up. Nothing the volunteer wrote, or the station wrote, is dropped unseen."""
from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import ServerProcess
from .phone import Phone, query

pytestmark = pytest.mark.e2e

PHONE_DURATIONS = (15, 30, 45, 60, 90, 120)  # the phone form's 时长 list (strings.js DURATIONS)
PHONE_OBSERVATIONS = ("学习有进步", "作业完成好", "和家人关系好", "睡眠不好", "不愿上学", "沉迷手机")

def test_pwa_editing_a_visit_keeps_the_duration_and_observations_the_form_does_not_list(
    module_server: ServerProcess, phones: Any
) -> None:
    """The station's demo visits last 50 or 70 minutes and note 放学晚归: none is on the phone's lists.
    Editing the words of such a visit must not send its duration and notes as erased."""
    login = "sun.laoshi"
    rows = query(module_server, "SELECT a.id, a.duration_min, a.observations, a.moods FROM activities a"
                 " JOIN pairings p ON p.id = a.pairing_id JOIN users u ON u.id = p.mentor_id"
                 " WHERE u.login = ? AND a.author_id = u.id AND a.review_status != 'approved'", login)
    activity_id, duration, observations, moods = next(
        r for r in rows if r[1] not in PHONE_DURATIONS and set(json.loads(r[2])) - set(PHONE_OBSERVATIONS))
    phone: Phone = phones.new(module_server)
    phone.enrol(login)
    page = phone.page
    page.goto(f"{module_server.url}/app/#/activity/{activity_id}/edit")
    expect(page.get_by_label("时长")).to_have_value(str(duration))
    page.get_by_label("过程记录").fill("补记：孩子说起了学校运动会")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    page.wait_for_function("() => document.body.textContent.includes('已同步到辅导站')", timeout=20_000)
    assert query(module_server, "SELECT record, duration_min, observations, moods FROM activities WHERE id = ?",
                 activity_id) == [("补记：孩子说起了学校运动会", duration, observations, moods)]
