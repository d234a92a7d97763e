"""The browser's Back button after a save, in Debian Chromium against a real ``banxing serve``.

A signed-in page is ``no-store``, so Back fetches the new-record form afresh, with a fresh record id,
while Chromium puts back everything typed into it: 保存 again made a second record of the same
visit or child. The form keeps the id its history entry was shown with (static/form-id.js), so the
second 保存 names the record already made; a form opened anew is a new record.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser, Page

from .conftest import ServerProcess
from .phone import query, visits_with
from .screen import SIZES, sign_in

pytestmark = pytest.mark.e2e

STATION = "staff-bencha"  # 栟茶镇: 刘志刚 has no smartphone, so the station enters his visits (代录)
RECORD = "返回后又点了保存：谈了学习和家里的情况。"


@contextmanager
def signed_in(browser: Browser, server: ServerProcess, login: str, *, size: str = "phone") -> Iterator[Page]:
    """A page of a fresh browser signed in as ``login``, on their home (the staff desk), at ``size``."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES[size])
    try:
        page = context.new_page()
        sign_in(page, server, login, "/staff")
        yield page
    finally:
        context.close()


def test_back_to_the_proxy_visit_form_and_save_again_makes_no_second_visit(server: ServerProcess,
                                                                          browser: Browser) -> None:
    with signed_in(browser, server, STATION) as page:
        page.goto(server.url + "/activities/new")
        page.get_by_label("五老志愿者 — 帮扶对象").select_option(index=1)
        page.get_by_label("过程记录").fill(RECORD)
        page.get_by_role("button", name="保存").click()
        page.wait_for_url(server.url + "/activities/*")
        page.go_back()
        assert page.get_by_label("过程记录").input_value() == RECORD  # Chromium put the words back
        page.get_by_role("button", name="保存").click()
        page.wait_for_url(server.url + "/activities/*")
        assert visits_with(server, RECORD) == 1
        page.goto(server.url + "/activities/new")  # opened anew: another visit, not the one above
        page.get_by_label("五老志愿者 — 帮扶对象").select_option(index=1)
        page.get_by_label("过程记录").fill(RECORD)
        page.get_by_role("button", name="保存").click()
        # The same child, the same day: asked whether it is the visit above (test_likely_visit.py), and
        # saved as another once the clerk says so.
        page.get_by_label("确实是另一次帮扶，仍然保存").check()
        page.get_by_role("button", name="保存").click()
        page.wait_for_url(server.url + "/activities/*")
        assert visits_with(server, RECORD) == 2


def test_back_to_the_new_child_form_and_save_again_registers_the_child_once(server: ServerProcess,
                                                                            browser: Browser) -> None:
    with signed_in(browser, server, STATION, size="pc") as page:
        page.goto(server.url + "/mentees/new")
        page.get_by_label("所属学校/辅导站").select_option(index=1)
        page.get_by_label("姓名").fill("王返回")
        page.get_by_role("button", name="登记", exact=True).click()
        page.wait_for_url(server.url + "/mentees/*")
        page.go_back()
        assert page.get_by_label("姓名").input_value() == "王返回"
        page.get_by_role("button", name="登记", exact=True).click()
        page.wait_for_url(server.url + "/mentees/*")
        assert query(server, "SELECT count(*) FROM mentees WHERE name = '王返回'") == [(1,)]


def test_back_to_the_pairing_form_and_save_again_pairs_the_child_once(server: ServerProcess,
                                                                      browser: Browser) -> None:
    # The pairing form also carries when it was shown (shown_at), fresh on every showing: the form's
    # id must be kept all the same, or 保存 after Back made a second pairing of the same child.
    with signed_in(browser, server, "zhan-juegang") as page:
        page.goto(server.url + "/pairings/new")
        page.get_by_label("五老志愿者").select_option(index=1)
        child = page.get_by_label("帮扶对象").select_option(index=1)[0]
        before = query(server, "SELECT count(*) FROM pairings WHERE mentee_id = ?", child)[0][0]
        page.get_by_label("帮扶方式").select_option(label="扶心扶志")
        page.get_by_role("button", name="保存").click()
        page.wait_for_url(server.url + "/pairings/*")
        made = page.url
        page.go_back()
        assert page.get_by_label("帮扶对象").input_value() == child  # Chromium put the choices back
        page.get_by_role("button", name="保存").click()
        page.wait_for_url(made)  # answered as the first post: the pairing made then
        page.go_back()
        page.get_by_label("帮扶方式").select_option(label="助学扶志")  # a field changed: not a second pairing
        page.get_by_role("button", name="保存").click()
        page.wait_for_load_state()
        assert "第一次提交时已经保存过了" in page.locator("main").inner_text()
        assert query(server, "SELECT count(*) FROM pairings WHERE mentee_id = ?", child) == [(before + 1,)]


def test_back_to_a_childs_file_and_save_the_screening_again_records_it_once(server: ServerProcess,
                                                                            browser: Browser) -> None:
    # A screening that raises the child's risk level changes the child's version, which the form
    # carries (mentee_version): the form shown by Back is the same form all the same.
    with signed_in(browser, server, "zhan-juegang") as page:
        ((child,),) = query(server, "SELECT id FROM mentees WHERE code = 'BX-2026-0012'")
        before = query(server, "SELECT count(*) FROM screenings WHERE mentee_id = ?", child)[0][0]
        page.goto(f"{server.url}/mentees/{child}")
        page.get_by_label("摸排后的关注等级").select_option(label="重点")
        page.get_by_role("button", name="保存摸排").click()
        page.wait_for_url(f"{server.url}/mentees/{child}#screenings")
        page.go_back()
        assert page.get_by_label("摸排后的关注等级").input_value() == "key"  # Chromium put the choice back
        page.get_by_role("button", name="保存摸排").click()
        page.wait_for_url(f"{server.url}/mentees/{child}#screenings")
        assert query(server, "SELECT count(*) FROM screenings WHERE mentee_id = ?", child) == [(before + 1,)]


def test_back_to_the_review_queue_and_return_the_visit_again_returns_it_once(server: ServerProcess,
                                                                            browser: Browser) -> None:
    # 退回 leaves the visit in the queue at its next version (target_version): Back's queue shows
    # the same decision's form, not a new one.
    with signed_in(browser, server, "zhan-juegang") as page:
        page.goto(server.url + "/review")
        form = page.locator("form:has(button[value=approve])").first
        visit = form.locator("input[name=target_id]").get_attribute("value")
        before = query(server, "SELECT count(*) FROM reviews WHERE target_id = ?", visit)[0][0]
        form.get_by_label("审核意见（退回时必填）").fill("请补写事后跟踪。")
        form.locator("button[value=return]").click()
        page.wait_for_url(f"{server.url}/review#{visit}")
        page.go_back()
        form = page.locator(f"form:has(input[name=target_id][value='{visit}'])")
        assert form.get_by_label("审核意见（退回时必填）").input_value() == "请补写事后跟踪。"
        form.locator("button[value=return]").click()
        page.wait_for_url(f"{server.url}/review#{visit}")
        assert query(server, "SELECT count(*) FROM reviews WHERE target_id = ?", visit) == [(before + 1,)]
