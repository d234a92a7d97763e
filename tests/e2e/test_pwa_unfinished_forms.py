"""Every form left half-written when the app was closed is named on the home screen, with a tap that
reopens it with her words: not only a new visit (有一条没写完的帮扶记录) but a 摸排 and an edit of a visit
too. A 70-year-old who closed the app mid-form is told where her words went."""
from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import ServerProcess
from .phone import Phone, query

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
