"""Every form left half-written when the app was closed is named on the home screen, with a tap that
reopens it with her words: not only a new visit (有一条没写完的帮扶记录) but a 摸排 and an edit of a visit
too. A 70-year-old who closed the app mid-form is told where her words went."""
from __future__ import annotations

import pathlib
from typing import Any

import pytest
from playwright.sync_api import expect

from sync.timeutil import local_today

from .conftest import ServerProcess
from .phone import Phone, Station, query, until

pytestmark = pytest.mark.e2e

LOGIN = "sun.laoshi"


def test_pwa_home_names_an_unfinished_screening_and_an_unfinished_edit_and_reopens_each(
        module_server: ServerProcess, phones: Any) -> None:
    (activity_id,), *_ = query(
        module_server, "SELECT a.id FROM activities a JOIN pairings p ON p.id = a.pairing_id"
        " JOIN users u ON u.id = p.mentor_id WHERE u.login = ? AND a.author_id = u.id"
        " AND a.review_status != 'approved' AND p.status = 'active' ORDER BY a.id", LOGIN)
    phone: Phone = phones.new(module_server)
    phone.enrol(LOGIN)
    page = phone.page
    page.locator("main a.row[href^='#/mentee/']").first.click()
    page.get_by_role("link", name="摸排", exact=True).click()
    page.get_by_label("备注").fill("摸排写了一半：孩子说晚上睡不好。")
    page.goto(f"{module_server.url}/app/#/activity/{activity_id}/edit")
    page.get_by_label("过程记录").fill("改了一半的过程记录。")
    page.evaluate("import('/app/js/drafts.js').then((m) => m.flush())")

    phone.reopen()
    phone.unlock()
    home = page = phone.page
    screening = home.locator("main .notice", has_text="有一条没写完的摸排")
    edit = home.locator("main .notice", has_text="有一条没写完的修改")
    expect(screening).to_have_count(1)
    expect(edit).to_have_count(1)
    expect(home.locator("main .notice", has_text="有一条没写完的帮扶记录")).to_have_count(0)  # none was begun

    screening.get_by_role("link", name="继续填写").click()
    expect(page.get_by_text("已恢复上次没写完的内容")).to_be_visible()
    expect(page.get_by_label("备注")).to_have_value("摸排写了一半：孩子说晚上睡不好。")
    page.get_by_role("link", name="首页").click()
    edit.get_by_role("link", name="继续填写").click()
    expect(page.get_by_role("heading", name="修改帮扶记录")).to_be_visible()
    expect(page.get_by_label("过程记录")).to_have_value("改了一半的过程记录。")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    page.get_by_role("link", name="首页").click()
    expect(screening).to_have_count(1)
    expect(edit).to_have_count(0)  # saved: nothing unfinished to say
    assert phone.dialogs == []


@pytest.mark.parametrize("login, gone", [("bao.laoshi", "pairing ended"), ("chen.ganbu", "visit deleted")])
def test_pwa_an_unfinished_edit_of_a_visit_gone_from_the_phone_offers_no_dead_link_and_its_words_go_in_the_export(
        module_server: ServerProcess, phones: Any, tmp_path: pathlib.Path, login: str, gone: str) -> None:
    """She began changing a visit and left it; then the station deleted the visit, or ended the child's
    pairing and the phone dropped the child's records at its next sync. No form can open that visit now,
    so home offers no 继续填写 (it would bounce back to home). Her words are not lost: logging out waits
    for them (还有 1 条…没有写完), and 导出未同步记录 on 待同步, as the app tells her for a new visit whose
    child is gone, carries them for the station."""
    server, words = module_server, "改到一半：孩子说想转学去县城读书。"
    (activity, activity_version, pairing, version, staff), *_ = query(
        server, "SELECT a.id, a.version, p.id, p.version, s.login FROM activities a"
        " JOIN pairings p ON p.id = a.pairing_id"
        " JOIN users u ON u.id = p.mentor_id JOIN users s ON s.unit_id = p.unit_id AND s.role = 'staff'"
        " WHERE u.login = ? AND a.author_id = u.id AND a.review_status = 'pending' AND p.status = 'active'"
        " ORDER BY a.id, s.login", login)
    phone: Phone = phones.new(server)
    phone.enrol(login)
    page = phone.page
    page.goto(f"{server.url}/app/#/activity/{activity}/edit")
    page.get_by_label("过程记录").fill(words)
    page.evaluate("import('/app/js/drafts.js').then((m) => m.flush())")
    page.get_by_role("link", name="首页").click()
    expect(page.locator("main .notice", has_text="有一条没写完的修改")).to_have_count(1)  # the visit is still here

    station = Station(server, staff)
    if gone == "pairing ended":
        station.push("pairing", pairing, {"status": "closed", "end_date": local_today().isoformat(),
                                          "outcome": "stable"}, version)
    else:
        station.push("activity", activity, {}, activity_version, op="delete")
    page.get_by_role("button", name="立即同步").click()
    until(page, "(id) => import('/app/js/repo.js').then((r) => !r.get(id))", activity)
    phone.reopen()
    phone.unlock()
    page = phone.page
    expect(page.get_by_role("heading", name="我的帮扶对象")).to_be_visible()  # home, drawn after the drafts
    expect(page.locator("main .notice", has_text="没写完")).to_have_count(0)
    expect(page.get_by_role("link", name="继续填写")).to_have_count(0)

    page.get_by_role("link", name="设置").click()
    expect(page.get_by_text("还有 1 条没有同步或没有写完")).to_be_visible()  # the wipe would lose them
    expect(page.get_by_role("button", name="退出登记")).to_have_count(0)
    page.get_by_role("link", name="待同步").click()
    exported = phone.export_unsent(tmp_path / "unsent.json")
    (draft,) = [item for item in exported["items"] if item["state"] == "draft"]
    assert draft["form"] == f"activity:{activity}"
    assert draft["values"]["record"] == words
    page.get_by_role("link", name="设置").click()
    expect(page.get_by_role("button", name="退出登记")).to_be_visible()  # exported: nothing left to lose
    assert phone.dialogs == []
