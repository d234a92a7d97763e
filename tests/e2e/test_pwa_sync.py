"""What the server says reaches the volunteer: a same-field edit from two phones, a pairing
ended by the station, a record the station returned, a batch too large, a revoked phone.
Station staff act through the same sync API from their own enrolled device."""
from __future__ import annotations

import datetime
import json
import pathlib
import re
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from sync.timeutil import SHANGHAI, local_today

from .conftest import ServerProcess, cli, demo_server
from .phone import PIN, Phone, Station, query, until
from .screen import SIZES, check_page, shots_dir, sign_in, watch_errors

pytestmark = pytest.mark.e2e


def own_pending_activity(server: ServerProcess, login: str) -> tuple[str, int, str]:
    """(id, version, mentee code) of an activity the mentor wrote that is still open for editing."""
    row = query(server, "SELECT a.id, a.version, m.code FROM activities a JOIN users u ON u.id = a.author_id"
                " JOIN mentees m ON m.id = a.mentee_id JOIN pairings p ON p.id = a.pairing_id"
                " WHERE u.login = ? AND a.review_status = 'pending' AND a.entered_by IS NULL AND a.deleted = 0"
                " AND p.status = 'active' ORDER BY a.date DESC LIMIT 1", login)
    assert row, f"the demo has no open activity by {login}"
    return str(row[0][0]), int(row[0][1]), str(row[0][2])


def test_pwa_same_field_edited_on_two_phones_shows_the_kept_value_beside_mine(
    module_server: ServerProcess, phones: Any, tmp_path: pathlib.Path
) -> None:
    activity, _, _ = own_pending_activity(module_server, "bao.laoshi")
    first: Phone = phones.new(module_server)
    second: Phone = phones.new(module_server)
    first.enrol("bao.laoshi")
    second.enrol("bao.laoshi")
    # What each phone says once the sync its save starts has answered. Not 已保存。 alone: on the phone
    # that saves second, 已保存。有网络时会自动同步。 stands some 50 ms before the answer turns it into the
    # conflict's warning (sync.deliver, dom.reflash), and a poll of the page can miss it.
    for phone, text, said in ((second, "第二台手机先改的过程记录。", "已保存。已同步到辅导站。"),
                              (first, "第一台手机后改的过程记录。", "⚠ 已保存，但和别人的修改冲突")):
        phone.page.goto(module_server.url + f"/app/#/activity/{activity}/edit")
        phone.page.get_by_label("过程记录").fill(text)
        phone.page.get_by_role("button", name="保存", exact=True).click()
        expect(phone.page.get_by_text(said)).to_be_visible()
        phone.page.get_by_role("link", name="待同步").click()
        phone.wait_synced()
    kept = query(module_server, "SELECT record FROM activities WHERE id = ?", activity)[0][0]
    assert kept == "第二台手机先改的过程记录。"
    # Synced, but not done with: the home screen, the tab and the record itself say so.
    first.page.get_by_role("link", name="首页").click()
    expect(first.page.locator(".sync")).to_contain_text("有 1 条修改和别人的修改冲突")
    expect(first.page.get_by_role("link", name="待同步 ⚠1")).to_be_visible()
    first.page.goto(module_server.url + f"/app/#/activity/{activity}")
    expect(first.page.locator(".notice.warn")).to_contain_text("您写的内容在“待同步”里")
    check_page(first.page, 390, "a record with a conflict", [])
    first.page.screenshot(path=str(shots_dir(tmp_path) / "pwa-conflict-record.png"))
    first.page.get_by_role("link", name="看看我写的内容").click()
    conflict = first.page.locator(".row", has_text="和别人的修改冲突")
    expect(conflict).to_contain_text("过程记录")
    expect(conflict).to_contain_text("保留的内容：第二台手机先改的过程记录。")
    expect(conflict).to_contain_text("您写的内容：第一台手机后改的过程记录。")
    first.page.goto(module_server.url + f"/app/#/activity/{activity}")
    expect(first.page.locator("dl.fields")).to_contain_text("第二台手机先改的过程记录。")
    first.page.get_by_role("link", name="待同步").click()
    conflict.get_by_role("button", name="知道了").click()
    expect(first.page.get_by_text("和别人的修改冲突")).to_have_count(0)
    expect(first.page.get_by_role("link", name="待同步", exact=True)).to_be_visible()


def test_pwa_pairing_ended_by_the_station_disappears_from_the_phone(
    module_server: ServerProcess, phones: Any
) -> None:
    phone: Phone = phones.new(module_server)
    phone.enrol("gu.laobing")
    expect(phone.page.get_by_role("heading", name="我的帮扶对象（3）")).to_be_visible()
    pairing, version, code, mentee = query(
        module_server, "SELECT p.id, p.version, m.code, m.id FROM pairings p JOIN users u ON u.id = p.mentor_id"
        " JOIN mentees m ON m.id = p.mentee_id WHERE u.login = 'gu.laobing' AND p.status = 'active'"
        " ORDER BY m.code LIMIT 1")[0]
    expect(phone.page.locator("main")).to_contain_text(code)
    Station(module_server, "zhan-chahe").push(
        "pairing", pairing, {"status": "closed", "end_date": local_today().isoformat(), "outcome": "stable"}, version)
    phone.page.get_by_role("button", name="立即同步").click()
    expect(phone.page.get_by_role("heading", name="我的帮扶对象（2）")).to_be_visible()
    expect(phone.page.locator("main")).not_to_contain_text(code)
    phone.page.goto(module_server.url + f"/app/#/mentee/{mentee}")
    expect(phone.page.get_by_role("heading", name="我的帮扶对象（2）")).to_be_visible()  # back home: it is gone


def test_pwa_returned_record_opens_with_the_comment_and_goes_back_fixed(
    module_server: ServerProcess, phones: Any
) -> None:
    activity, _, code = own_pending_activity(module_server, "zhou.laoshi")
    phone: Phone = phones.new(module_server)
    phone.enrol("zhou.laoshi")
    comment = "请补充孩子最近的学习情况，再交一次。"
    station = Station(module_server, "xiao-bencha")
    station.push("review", _new_id(phone), {"target_entity": "activity", "target_id": activity,
                                           "decision": "return", "comment": comment}, None)
    phone.page.get_by_role("button", name="立即同步").click()
    returned = phone.page.locator("a.row", has_text=comment)
    expect(returned).to_contain_text("已退回")
    expect(returned).to_contain_text(code)
    returned.click()
    expect(phone.page.locator(".comment")).to_contain_text(comment)
    phone.page.get_by_role("link", name="修改这条记录").click()
    expect(phone.page.locator(".comment")).to_contain_text(comment)  # the comment on top of the form too
    fixed = "补充：孩子这个月数学进步明显，每天按时完成作业。"
    phone.page.get_by_label("过程记录").fill(fixed)
    phone.page.get_by_role("button", name="保存", exact=True).click()
    expect(phone.page.get_by_text("已保存。")).to_be_visible()
    phone.page.get_by_role("link", name="首页").click()
    phone.wait_synced()
    # The corrected record is back in the station's review queue, and the phone says so.
    assert query(module_server, "SELECT record, review_status FROM activities WHERE id = ?",
                 activity)[0] == (fixed, "pending")
    expect(phone.page.locator("a.row", has_text=comment)).to_have_count(0)
    phone.page.goto(module_server.url + f"/app/#/activity/{activity}")
    expect(phone.page.locator("main")).to_contain_text("待审核")


def _new_id(phone: Phone) -> str:
    return str(phone.page.evaluate("import('/app/js/ids.js').then((m) => m.uuid7())"))


@pytest.fixture
def small_batches(tmp_path: pathlib.Path, demo_db: tuple[pathlib.Path, list[dict[str, str]]]
                  ) -> Iterator[ServerProcess]:
    """A server that takes at most two mutations per push."""
    with demo_server(tmp_path, demo_db, {"BANXING_MAX_BATCH_COUNT": "2"}) as proc:
        yield proc


def test_pwa_splits_a_batch_the_server_finds_too_large(small_batches: ServerProcess, phones: Any) -> None:
    phone: Phone = phones.new(small_batches)
    phone.enrol("ma.ganbu")
    statuses: list[int] = []
    phone.page.on("response", lambda r: statuses.append(r.status) if r.url.endswith("/api/sync/push") else None)
    phone.context.set_offline(True)
    texts = [f"分批测试第{i}条：和孩子一起读了课文。" for i in range(1, 6)]
    for text in texts:
        phone.log_activity(text)
    phone.context.set_offline(False)
    phone.page.get_by_role("link", name="首页").click()
    phone.wait_synced()
    counts = [query(small_batches, "SELECT count(*) FROM activities WHERE record = ?", t)[0][0] for t in texts]
    assert counts == [1, 1, 1, 1, 1]
    assert 413 in statuses and statuses[-1] == 200, statuses
    order = [r[0] for r in query(small_batches, "SELECT record FROM activities WHERE record LIKE '分批测试%'"
                                 " ORDER BY created_at, rowid")]
    assert order == texts, "sent in the order they were written"


def test_pwa_stopped_account_drops_the_childrens_files_and_keeps_its_unsent_visit_for_export(
    module_server: ServerProcess, phones: Any
) -> None:
    # The county stopped the volunteer's account (they left the programme) while the phone held an
    # unsent visit: the children's files are no longer theirs to read, the visit is still theirs.
    phone: Phone = phones.new(module_server)
    phone.enrol("xu.yisheng")
    phone.context.set_offline(True)
    text = "停用前写的记录：孩子这周按时上学了。"
    phone.log_activity(text)
    page = phone.page
    page.goto(module_server.url + "/app/#/log")
    page.get_by_label("过程记录").fill("还没写完的一句：")  # a half-written visit: a draft
    until(page, "() => import('/app/js/drafts.js').then((d) => d.allDrafts()).then((x) => x.length === 1)")
    page.goto(module_server.url + "/app/#/")
    db = sqlite3.connect(module_server.db)
    with db:
        db.execute("UPDATE users SET active = 0 WHERE login = 'xu.yisheng'")
    db.close()
    phone.context.set_offline(False)
    expect(page.get_by_role("heading", name="这个账号已停用")).to_be_visible(timeout=20_000)
    expect(page.locator("main")).to_contain_text("请先联系辅导站：账号恢复后，手机联网、解锁就会自己恢复")
    expect(page.locator("main")).to_contain_text("没有同步或没有写完的 2 条都留在手机上")  # the visit, the draft
    stored = phone.idb()
    assert stored["counts"]["records"] == 0 and stored["counts"]["outbox"] == 1, "server copies go at once"
    expect(page.get_by_role("button", name="导出未同步记录")).to_be_visible()
    page.reload()  # the phone stays stopped: a reload does not bring the children back
    page.get_by_label("密码", exact=True).fill(PIN)
    page.get_by_role("button", name="解锁", exact=True).click()
    expect(page.get_by_role("heading", name="这个账号已停用")).to_be_visible()
    assert phone.idb()["counts"]["records"] == 0


def test_pwa_revoked_phone_offers_the_export_then_wipes_itself_and_the_station_enters_the_file(
    module_server: ServerProcess, phones: Any, browser: Browser, tmp_path: pathlib.Path
) -> None:
    phone: Phone = phones.new(module_server)
    phone.enrol("huang.laoshi")
    phone.context.set_offline(True)
    text = "挂失前没来得及同步的记录：孩子想参加合唱团。"
    phone.log_activity(text)
    cli(module_server.db, "revoke", "--device", phone.device_id("huang.laoshi"), "--reason", "手机已挂失")
    phone.context.set_offline(False)
    page = phone.page
    expect(page.get_by_role("heading", name="这台手机已被停用")).to_be_visible(timeout=20_000)
    expect(page.locator("main")).to_contain_text("手机已挂失")
    stored = phone.idb()
    assert stored["counts"]["records"] == 0 and stored["counts"]["outbox"] == 1, "server copies go at once"
    with page.expect_download() as download:
        page.get_by_role("button", name="导出未同步记录").click()
    saved = tmp_path / "export.json"
    download.value.save_as(saved)
    exported = json.loads(saved.read_text(encoding="utf-8"))
    assert [item["fields"]["record"] for item in exported["items"] if item["state"] == "unsent"] == [text]
    # Named for the station by Beijing's clock: a UTC name read 01:30 on the 4th as 17:30 on the 3rd.
    at = datetime.datetime.fromisoformat(exported["exported_at"].replace("Z", "+00:00")).astimezone(SHANGHAI)
    assert download.value.suggested_filename == f"伴行-未同步记录-{at:%Y%m%d%H%M}.json"
    wipe = page.get_by_role("button", name="清除本机数据")
    wipe.click()
    page.get_by_role("button", name="再点一次，清除这台手机上的伴行数据").click()
    expect(page.get_by_label("登记码")).to_be_visible()
    assert page.evaluate("indexedDB.databases().then((dbs) => dbs.map((d) => d.name))") in ([], ["banxing"])
    after = phone.idb()
    assert text not in after["text"] and after.get("counts", {}).get("outbox", 0) == 0
    assert query(module_server, "SELECT count(*) FROM activities WHERE record = ?", text)[0][0] == 0

    # The volunteer hands the file to the school (岔河镇中心小学), which enters it: once.
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["pc"])
    station = context.new_page()
    errors = watch_errors(station)
    try:
        sign_in(station, module_server, "xiao-chahe", "/staff")
        station.get_by_role("link", name="录入导出的文件").click()
        # Previewed first: nothing is entered until 确认导入; the second upload finds it entered.
        station.get_by_label("导出的文件（.json）").set_input_files(saved)
        station.get_by_role("button", name="上传并预览").click()
        expect(station.locator("table.data")).to_contain_text("新记录")
        assert query(module_server, "SELECT count(*) FROM activities WHERE record = ?", text)[0][0] == 0
        station.get_by_role("button", name="确认导入").click()
        expect(station.locator("table.data")).to_contain_text("已录入。")
        assert query(module_server, "SELECT count(*) FROM activities WHERE record = ?", text)[0][0] == 1
        station.get_by_label("导出的文件（.json）").set_input_files(saved)
        station.get_by_role("button", name="上传并预览").click()
        expect(station.locator("table.data")).to_contain_text("已在系统中，不重复导入")
        assert query(module_server, "SELECT count(*) FROM activities WHERE record = ?", text)[0][0] == 1
        entered = query(module_server, "SELECT u.login, e.login FROM activities a JOIN users u ON u.id = a.author_id"
                        " JOIN users e ON e.id = a.entered_by WHERE a.record = ?", text)
        assert entered == [("huang.laoshi", "xiao-chahe")]
        assert errors == []
    finally:
        context.close()


def test_pwa_log_out_refuses_while_anything_is_unsent_unless_exported(
    module_server: ServerProcess, phones: Any, tmp_path: pathlib.Path
) -> None:
    phone: Phone = phones.new(module_server)
    phone.enrol("liu.laobing")
    phone.context.set_offline(True)
    phone.log_activity("退出前还没同步的记录")
    page = phone.page
    page.get_by_role("link", name="设置").click()
    expect(page.get_by_text("还有 1 条没有同步")).to_be_visible()
    expect(page.get_by_role("button", name="退出登记")).to_have_count(0)
    assert "退出前还没同步的记录" in json.dumps(phone.export_unsent(tmp_path / "unsent.json"), ensure_ascii=False)
    expect(page.get_by_text("已导出 1 条")).to_be_visible()
    page.get_by_role("button", name="退出登记").click()
    page.get_by_role("button", name="再点一次，清除这台手机上的伴行数据").click()
    expect(page.get_by_label("登记码")).to_be_visible()
    assert "退出前还没同步的记录" not in phone.idb()["text"]


def test_pwa_rejected_visit_is_fixed_and_requeued_and_screening_and_guardian_reach_the_station(
    module_server: ServerProcess, phones: Any
) -> None:
    phone: Phone = phones.new(module_server)
    phone.enrol("zhang.laoshi")
    page = phone.page
    text = "年份输错又改对的一次家访。"
    phone.save_refused_visit(text)
    page.get_by_role("link", name="待同步").click()
    rejected = page.locator(".row", has_text="没有被接收，需要修改")
    expect(rejected).to_contain_text("日期")  # the server's reason, in words
    expect(rejected).not_to_contain_text("(date)")
    expect(page.locator(".sync .line")).to_contain_text("未同步 1 条")
    rejected.get_by_role("link", name="打开修改").click()
    expect(page.locator(".comment")).to_contain_text("原因：")
    expect(page.get_by_label("过程记录")).to_have_value(text)
    yesterday = (local_today() - datetime.timedelta(days=1)).isoformat()  # any day: a fixed one falls before a pairing
    page.get_by_label("日期", exact=True).fill(yesterday)
    page.get_by_role("button", name="保存", exact=True).click()
    page.get_by_role("link", name="待同步").click()
    phone.wait_synced()
    assert query(module_server, "SELECT date FROM activities WHERE record = ?", text) == [(yesterday,)]
    expect(page.get_by_text("没有被接收")).to_have_count(0)

    mentee_id, code = query(module_server, "SELECT m.id, m.code FROM mentees m JOIN pairings p ON p.mentee_id = m.id"
                            " JOIN users u ON u.id = p.mentor_id WHERE u.login = 'zhang.laoshi'"
                            " AND p.status = 'active' ORDER BY m.code LIMIT 1")[0]
    page.goto(module_server.url + f"/app/#/mentee/{mentee_id}")
    page.get_by_role("link", name="修改监护人和备注").click()
    page.get_by_label("监护人联系方式").fill("139 0513 0000")
    page.get_by_role("button", name="保存", exact=True).click()
    page.get_by_role("link", name="摸排").click()
    page.locator("label.chip", has_text="是").first.click()  # 存在心理问题
    page.locator("label.chip", has_text="关注").click()
    page.get_by_label("需求").fill("需要学习辅导和心理疏导")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".rows")).to_contain_text("需要学习辅导和心理疏导")
    page.get_by_role("link", name="首页").click()
    phone.wait_synced()
    assert query(module_server, "SELECT guardian_contact FROM mentees WHERE id = ?", mentee_id) == [("139 0513 0000",)]
    assert query(module_server, "SELECT psych_problem, risk_level FROM screenings WHERE mentee_id = ?"
                 " AND needs = '需要学习辅导和心理疏导'", mentee_id) == [(1, "watch")], code


def test_pwa_two_tabs_of_one_phone_taking_turns_deliver_both_tabs_visits_once(
    module_server: ServerProcess, phones: Any
) -> None:
    """The installed app and a browser tab share one phone's storage, one at a time. A tab opened
    before the other saved, and given the app back after, must still send the other's visit, in
    order: sent alone, its own higher-numbered change would make the server refuse the lower one
    later as already used."""
    phone: Phone = phones.new(module_server)
    phone.enrol("sun.laoshi")
    first = phone.page
    second = phone.new_page()
    second.goto(module_server.url + "/app/")

    def use(page: Page) -> None:
        page.get_by_role("button", name="在这里使用").click()
        phone.page = page
        phone.unlock()

    use(second)  # unlocked before the first tab saves
    phone.context.set_offline(True)
    texts = ("第一个窗口离线写的记录：孩子今天主动问了作业。", "第二个窗口离线写的记录：奶奶说孩子最近按时睡觉。")
    for page, text in zip((first, second), texts, strict=True):
        use(page)
        phone.log_activity(text)
    first.close()  # only the tab that never saved the first visit is left to sync
    phone.page = second
    phone.context.set_offline(False)
    second.get_by_role("link", name="首页").click()
    second.get_by_role("button", name="立即同步").click()
    phone.wait_synced()
    for text in texts:
        assert query(module_server, "SELECT count(*) FROM activities WHERE record = ?", text)[0][0] == 1, text
    assert phone.idb()["counts"]["outbox"] == 0 and phone.idb()["counts"]["notices"] == 0
    phone.reopen()
    phone.unlock()
    phone.wait_synced()
    assert [query(module_server, "SELECT count(*) FROM activities WHERE record = ?", t)[0][0] for t in texts] == [1, 1]
    assert phone.dialogs == []


def test_pwa_warns_when_the_phones_clock_disagrees_with_the_servers_and_stops_once_it_is_right(
    module_server: ServerProcess, phones: Any, tmp_path: pathlib.Path
) -> None:
    """A phone whose clock reset (a flat battery, no signal to set it by) would date every visit
    wrongly and say nothing: the server's clock, read at each sync, says so where dates are chosen."""
    import datetime

    phone: Phone = phones.new(module_server)
    phone.enrol("yang.mofan")
    page = phone.page
    today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
    server_day = f"{today.year}年{today.month}月{today.day}日"
    expect(page.locator(".sync")).not_to_contain_text("日期不对")
    phone.context.clock.set_fixed_time("2041-03-01T10:00:00+08:00")
    page.get_by_role("button", name="立即同步").click()
    warning = page.locator(".sync")
    expect(warning).to_contain_text(f"手机上的时间不对：上次同步时，北京时间是{server_day} ")
    expect(warning).to_contain_text("，手机上却是2041年3月1日 10:00。")
    page.locator("a", has_text="记一次帮扶").first.click()
    expect(page.locator(".notice.warn")).to_contain_text("请到手机的“设置”里改好日期、时间和时区")
    # The new visit is dated by the server's clock, the day it really is, not the phone's 2041.
    assert page.get_by_label("日期", exact=True).input_value() == today.isoformat()
    check_page(page, 390, "the visit form on a phone with a wrong clock", [])
    page.screenshot(path=str(shots_dir(tmp_path) / "pwa-clock-wrong.png"))
    # So is a screening (摸排), which counts in the statistics form by its date: it took the phone's 2041, and
    # its picker's upper limit, the phone's day, kept a phone reset to 2001 from picking the real one.
    ((mentee,),) = query(module_server, "SELECT p.mentee_id FROM pairings p JOIN users u ON u.id = p.mentor_id"
                         " WHERE u.login = 'yang.mofan' AND p.status = 'active' ORDER BY p.id LIMIT 1")
    page.goto(module_server.url + f"/app/#/screening/{mentee}")
    expect(page.locator("h1")).to_contain_text("摸排")
    expect(page.locator(".notice.warn")).to_contain_text("请到手机的“设置”里改好日期、时间和时区")
    screened = page.get_by_label("日期", exact=True)
    assert screened.input_value() == today.isoformat() and screened.get_attribute("max") is None
    page.get_by_role("link", name="首页").click()
    phone.context.clock.set_fixed_time(datetime.datetime.now(datetime.UTC))
    page.get_by_role("button", name="立即同步").click()
    phone.wait_synced()
    expect(page.locator(".sync")).not_to_contain_text("日期不对")
    assert phone.dialogs == []


def test_pwa_a_phone_clock_hours_out_on_the_same_day_is_told_by_its_time_and_zone_not_two_equal_dates(
    module_server: ServerProcess, phones: Any
) -> None:
    """A phone set to another time zone (UTC here) whose clock was then set by hand to Beijing's hours runs
    eight hours ahead: most of the day its date in Beijing is the real one. The warning said 上次同步时，今天是
    12月6日，手机上却是12月6日, which tells a volunteer nothing is wrong; it now gives both times and asks for
    the time zone too."""
    import datetime

    phone: Phone = phones.new(module_server, timezone_id="UTC")
    phone.enrol("yang.mofan")
    page = phone.page
    beijing = datetime.datetime.now(SHANGHAI)
    # Four minutes past the next hour in Beijing, set on a UTC phone: its wall clock then reads Beijing's.
    hand_set = (beijing + datetime.timedelta(hours=1)).replace(minute=4, second=0, microsecond=0)
    phone.context.clock.set_fixed_time(hand_set.replace(tzinfo=datetime.UTC))
    page.get_by_role("button", name="立即同步").click()
    warning = page.locator(".sync")
    expect(warning).to_contain_text("手机上却是")
    said = re.search(r"上次同步时，\w*?是(\d+年[^，]+)，手机上却是(\d+年[^。]+)。", warning.inner_text())
    assert said and said[1] != said[2], warning.inner_text()
    phone_at = hand_set + datetime.timedelta(hours=8)
    assert said[2] == f"{phone_at.year}年{phone_at.month}月{phone_at.day}日 {phone_at:%H}:04", said[0]
    assert said[0].startswith(f"上次同步时，北京时间是{beijing.year}年"), said[0]
    assert "改好日期、时间和时区" in warning.inner_text()
    # The visit form keeps taking Beijing's day from the server, not the phone's.
    page.locator("a", has_text="记一次帮扶").first.click()
    expect(page.locator(".notice.warn")).to_contain_text("手机上的时间不对")
    assert page.get_by_label("日期", exact=True).input_value() == datetime.datetime.now(SHANGHAI).date().isoformat()


def test_pwa_a_flag_the_station_has_not_handled_stays_ticked_and_other_corrections_still_go(
    module_server: ServerProcess, phones: Any
) -> None:
    """A self-harm flag leaves the station's list only through the station: once it has reached the
    server the box stays ticked, with the station's number for a flag ticked by mistake, and the
    rest of the record can still be corrected (nothing sits refused in 待同步)."""
    phone: Phone = phones.new(module_server)
    phone.enrol("chen.ganbu")
    page = phone.page
    phone.start_visit("孩子说晚上睡不着，有过伤害自己的念头。")
    page.get_by_role("checkbox", name="发现自伤自残风险").check()
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    page.get_by_role("link", name="首页").click()
    phone.wait_synced()
    (activity,), = query(module_server, "SELECT id FROM activities WHERE record LIKE '孩子说晚上睡不着%'")
    page.goto(module_server.url + f"/app/#/activity/{activity}")
    page.get_by_role("link", name="修改这条记录").click()
    box = page.get_by_role("checkbox", name="发现自伤自残风险")
    expect(box).to_be_checked()
    expect(box).to_be_disabled()
    expect(page.locator(".risk")).to_contain_text("不能在手机上取消")
    expect(page.locator(".risk a[href^='tel:']")).to_be_visible()
    page.get_by_label("过程记录").fill("孩子说晚上睡不着，有过伤害自己的念头；已告诉班主任。")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    page.get_by_role("link", name="首页").click()
    phone.wait_synced()
    assert query(module_server, "SELECT risk_flag, record FROM activities WHERE id = ?", activity) == [
        (1, "孩子说晚上睡不着，有过伤害自己的念头；已告诉班主任。")]
    expect(page.locator(".sync")).not_to_contain_text("没有被接收")


def test_pwa_a_visit_saved_online_says_it_reached_the_station(module_server: ServerProcess, phones: Any,
                                                             tmp_path: pathlib.Path) -> None:
    """The notice after a save says the visit synced once it has; offline it keeps saying it will."""
    phone: Phone = phones.new(module_server)
    phone.enrol("wang.laoshi")
    page = phone.page
    notice = page.locator("main > p.notice")
    text = "保存时有信号的一次谈心。"
    phone.log_activity(text)
    expect(notice).to_have_text("已保存。已同步到辅导站。")
    assert query(module_server, "SELECT count(*) FROM activities WHERE record = ?", text)[0][0] == 1
    expect(page.get_by_role("link", name="待同步", exact=True)).to_be_visible()  # no ↑1 beside it
    check_page(page, 390, "the notice after a save that synced", [])
    page.screenshot(path=str(shots_dir(tmp_path) / "pwa-saved-synced.png"))

    phone.context.set_offline(True)
    phone.log_activity("没有信号时记下的一次谈心。")
    expect(notice).to_have_text("已保存。有网络时会自动同步。")


def test_pwa_a_save_met_by_a_conflict_says_so_not_that_it_will_sync(server: ServerProcess, phones: Any) -> None:
    """Saved with signal, a change the server answers with a conflict: the notice on the child's page
    said 已保存。有网络时会自动同步。 while the record below it showed the station's words and hers
    sat in 待同步; it now says the change met another and where to look."""
    activity, version, _ = own_pending_activity(server, "wang.laoshi")
    phone: Phone = phones.new(server)
    phone.enrol("wang.laoshi")
    page = phone.page
    phone.save_after_station_edit(activity, version, "我在手机上补写的过程记录。")
    expect(page.locator("main > p.notice")).to_have_text("⚠ 已保存，但和别人的修改冲突，请到“待同步”里看一下。")
    expect(page.get_by_role("link", name="待同步 ⚠1")).to_be_visible()
    assert query(server, "SELECT record FROM activities WHERE id = ?", activity) == [("辅导站先改的过程记录。",)]


def test_pwa_a_refused_visit_is_not_said_to_go_by_itself(server: ServerProcess, phones: Any) -> None:
    """A visit the server refused waits in 待同步 for her correction: the list no longer opens with
    下面是还没有同步到辅导站的修改。有网络时会自动发送。 above it (it will not go again by itself), and
    the notice after the save, with signal, says it was not taken."""
    phone: Phone = phones.new(server)
    phone.enrol("zhang.laoshi")
    page = phone.page
    phone.save_refused_visit("日期输成了明年的一次家访。")
    expect(page.locator("main > p.notice")).to_have_text("⚠ 已保存，但没有被接收，请到“待同步”里看一下。")
    page.get_by_role("link", name="待同步 ↑1").click()  # a refused change is still unsent
    expect(page.locator(".row", has_text="没有被接收，需要修改")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("有网络时会自动发送")

    phone.context.set_offline(True)  # a visit still to go is headed by the sentence, below the refused one
    phone.log_activity("没有信号时记下的一次家访。")
    page.get_by_role("link", name="待同步").click()
    expect(page.locator(".row.returned + p, .rows:has(.returned) + p")).to_have_text(
        "下面是还没有同步到辅导站的修改。有网络时会自动发送。")


def test_pwa_a_staff_account_on_a_phone_is_told_where_its_work_is(module_server: ServerProcess, phones: Any) -> None:
    """The app is the volunteers': a staff account has no children of its own to visit, and gets a
    pointer to the station pages instead of an empty list and a visit form with no child to pick."""
    phone: Phone = phones.new(module_server)
    phone.enrol("staff-chahe")
    phone.wait_synced()
    main = phone.page.locator("main")
    expect(main).to_contain_text("这是工作人员的账号")
    expect(phone.page.locator("a", has_text="记一次帮扶")).to_have_count(0)
    check_page(phone.page, 390, "a staff account's home on a phone", [])


def test_pwa_the_waiting_list_says_a_change_was_tried_once_a_sync_fails_without_a_reload(
        server: ServerProcess, phones: Any) -> None:
    """A visit saved offline reads 还没有发送过 on 待同步. Sent with signal while the list was open, its
    answer lost on the way back, it went on reading 还没有发送过 until something else redrew the
    screen: the list now redraws when a sync ends and says when it was last tried."""
    phone: Phone = phones.new(server)
    phone.enrol("wang.laoshi")
    page = phone.page
    text = "答复在路上丢了的一次谈心。"
    phone.context.set_offline(True)
    phone.log_activity(text)
    page.get_by_role("link", name="待同步 ↑1").click()
    entry = page.locator("main .rows .row").filter(has_text="还没有发送过")
    expect(entry).to_have_count(1)
    page.wait_for_timeout(500)  # the redraw a save brings (main.js, 150 ms after it) has come and gone

    lost: list[int] = []

    def lose_the_answer(route: Any) -> None:
        lost.append(route.fetch().status)  # the server takes the visit; its answer never reaches the phone
        route.abort("connectionreset")

    page.route("**/api/sync/push", lose_the_answer)
    phone.context.set_offline(False)
    page.get_by_role("button", name="立即同步").click()
    expect(page.locator(".sync")).to_contain_text("暂时连不上辅导站的服务器")  # the sync has ended, failed
    expect(page.locator("main .rows .row").filter(has_text="上次尝试")).to_have_count(1)
    expect(entry).to_have_count(0)
    assert lost and lost[0] == 200, lost
    assert query(server, "SELECT count(*) FROM activities WHERE record = ?", text)[0][0] == 1
