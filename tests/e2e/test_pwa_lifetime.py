"""The phone app over its life: records written by other hands and other versions of the app, and a
phone whose storage fills up. Nothing the volunteer wrote, or the station wrote, is dropped unseen."""
from __future__ import annotations

import datetime
import json
import pathlib
from typing import Any

import pytest
from playwright.sync_api import expect

from sync.timeutil import local_today

from .conftest import ServerProcess
from .phone import FILL_UP, Phone, Station, own_pending_visit, query

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


def test_pwa_a_save_the_full_phone_refuses_says_so_and_keeps_the_words_for_the_next_tap(
    module_server: ServerProcess, phones: Any
) -> None:
    phone: Phone = phones.new(module_server)
    phone.enrol("ma.ganbu")
    page = phone.page
    phone.context.set_offline(True)
    page.evaluate(FILL_UP)
    phone.start_visit("孩子今天主动说了心里话")
    page.evaluate("window.__full = true")
    page.get_by_label("事后跟踪").fill("下周再去")
    expect(page.get_by_text("这一页写的内容没能存进手机")).to_be_visible()
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="这条记录还没有保存")).to_be_visible()
    expect(page.get_by_label("过程记录")).to_have_value("孩子今天主动说了心里话")
    assert phone.idb()["counts"]["outbox"] == 0

    page.evaluate("window.__full = false")  # the volunteer deleted some videos
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    counts = phone.idb()["counts"]
    assert (counts["outbox"], counts["drafts"]) == (1, 0), counts


def test_pwa_a_half_edited_visit_continued_after_the_station_corrected_it_keeps_the_correction(
    module_server: ServerProcess, phones: Any
) -> None:
    """The draft of an edit brings back the volunteer's words only; the fields the station changed
    meanwhile show (and stay) as the station left them, not as they were when the draft began."""
    login = "xu.yisheng"
    activity_id, version = own_pending_visit(module_server, login)
    phone: Phone = phones.new(module_server)
    phone.enrol(login)
    phone.page.goto(f"{module_server.url}/app/#/activity/{activity_id}/edit")
    phone.page.get_by_label("事后跟踪").fill("下周三再去一次，带上字帖")
    phone.page.evaluate("import('/app/js/drafts.js').then((m) => m.flush())")
    due = (local_today() + datetime.timedelta(days=14)).isoformat()  # after the visit's day, whatever day it is
    Station(module_server, "xiao-bencha").push(
        "activity", activity_id, {"place": "辅导站谈心室", "follow_up_due": due}, version)
    phone.reopen()
    phone.unlock()
    phone.wait_synced()
    page = phone.page
    page.goto(f"{module_server.url}/app/#/activity/{activity_id}/edit")
    expect(page.get_by_label("事后跟踪")).to_have_value("下周三再去一次，带上字帖")
    expect(page.get_by_label("地点")).to_have_value("辅导站谈心室")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_function("() => document.body.textContent.includes('已同步到辅导站')", timeout=20_000)
    assert query(module_server, "SELECT follow_up, place, follow_up_due FROM activities WHERE id = ?",
                 activity_id) == [("下周三再去一次，带上字帖", "辅导站谈心室", due)]


def test_pwa_a_field_both_the_draft_and_the_station_changed_is_a_conflict_not_an_overwrite(
    module_server: ServerProcess, phones: Any
) -> None:
    """The volunteer began changing 事后跟踪 in a draft; the station changed the same field before she
    finished. Her save is sent against the version her draft began from, so the server keeps the
    station's words and parks hers as a conflict, which the phone shows: nobody's words vanish."""
    login = "gu.laobing"
    activity_id, version = own_pending_visit(module_server, login)
    phone: Phone = phones.new(module_server)
    phone.enrol(login)
    page = phone.page
    page.goto(f"{module_server.url}/app/#/activity/{activity_id}/edit")
    page.get_by_label("事后跟踪").fill("志愿者写的：下周带孩子去图书馆")
    page.evaluate("import('/app/js/drafts.js').then((m) => m.flush())")
    station = Station(module_server, "zhan-chahe")
    station.push("activity", activity_id, {"follow_up": "辅导站写的：先和班主任谈"}, version)
    page.goto(f"{module_server.url}/app/#/waiting")
    page.get_by_role("button", name="立即同步").click()
    phone.wait_synced()  # the station's change is on the phone now, under her draft
    page.goto(f"{module_server.url}/app/#/activity/{activity_id}/edit")
    expect(page.get_by_label("事后跟踪")).to_have_value("志愿者写的：下周带孩子去图书馆")
    page.get_by_role("button", name="保存", exact=True).click()
    page.get_by_role("link", name="待同步").click()
    conflict = page.locator(".row", has_text="和别人的修改冲突")
    expect(conflict).to_contain_text("保留的内容：辅导站写的：先和班主任谈", timeout=20_000)
    expect(conflict).to_contain_text("您写的内容：志愿者写的：下周带孩子去图书馆")
    assert query(module_server, "SELECT follow_up FROM activities WHERE id = ?", activity_id) == [
        ("辅导站写的：先和班主任谈",)]
    assert query(module_server, "SELECT field, other_value FROM sync_conflicts WHERE record_id = ? AND status = 'open'",
                 activity_id) == [("follow_up", '"志愿者写的：下周带孩子去图书馆"')]


def test_pwa_site_data_cleared_under_the_open_app_says_so_and_offers_the_unsent_visit_for_export(
    module_server: ServerProcess, phones: Any, tmp_path: pathlib.Path
) -> None:
    """A phone-cleaning app (or 清除浏览数据) deleted the site's data while the app stood open: the page
    went on showing the children and the unsent visit as if they were kept, and 记一次帮扶 did nothing.
    It now says the data is gone, and offers the visit its memory still holds for export."""
    phone: Phone = phones.new(module_server)
    phone.enrol("zhou.laoshi")
    page = phone.page
    phone.context.set_offline(True)
    text = "清除数据前没来得及同步的记录：孩子这周按时交了作业。"
    phone.log_activity(text)
    cdp = phone.context.new_cdp_session(page)
    cdp.send("Storage.clearDataForOrigin", {"origin": module_server.url, "storageTypes": "all"})
    expect(page.get_by_role("heading", name="这台手机需要重新登记")).to_be_visible()
    expect(page.locator("main")).to_contain_text("伴行的数据被清除了。")
    expect(page.locator("main")).to_contain_text("还有 1 条没有同步或没有写完")
    exported = phone.export_unsent(tmp_path / "export.json")
    expect(page.get_by_text("已导出 1 条。")).to_be_visible()
    assert [item["fields"]["record"] for item in exported["items"] if item["state"] == "unsent"] == [text]


def test_pwa_site_data_cleared_at_the_pin_screen_says_the_unsent_records_are_gone_not_that_there_were_none(
    module_server: ServerProcess, phones: Any
) -> None:
    """Cleared while the app stood locked: the page's memory held nothing, so it cannot count what was
    lost. It said 这台手机上没有未同步的记录 while an unsent visit had just been wiped with the rest, and
    the service worker's going was taken for an update: the page reloaded (offline, onto the browser's
    error page)."""
    phone: Phone = phones.new(module_server)
    phone.enrol("zhou.laoshi")
    page = phone.page
    phone.context.set_offline(True)
    phone.log_activity("锁屏时被清除的记录：孩子这周按时交了作业。")
    page.get_by_role("link", name="设置").click()
    page.get_by_role("button", name="立即锁定").click()
    expect(page.get_by_role("button", name="解锁", exact=True)).to_be_visible()
    cdp = phone.context.new_cdp_session(page)
    cdp.send("Storage.clearDataForOrigin", {"origin": module_server.url, "storageTypes": "all"})
    expect(page.get_by_role("heading", name="这台手机需要重新登记")).to_be_visible()
    main = page.locator("main")
    expect(main).to_contain_text("伴行的数据被清除了。")
    expect(main).to_contain_text("未同步的记录（如有）也已清除，找不回来。")
    expect(main).not_to_contain_text("没有未同步的记录")
    page.wait_for_timeout(1000)  # the worker the clearing took is no update: no reload (offline: an error page)
    expect(page.get_by_role("heading", name="这台手机需要重新登记")).to_be_visible()
