"""Words typed into a web form are not lost by a stray tap, in Debian Chromium against a real ``banxing serve``.

A station's 代录 of a visit is long; a tap on the menu, on 退出登录 or on Back before 保存 threw it away
unasked. A form the person typed into now makes leaving ask first (the browser's own prompt,
static/unsaved.js); sending that very form (保存, the pickers' 查找), an untouched form and a list's
filter never ask.
"""
from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import Browser, Dialog, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .conftest import ServerProcess
from .phone import query, visits_with
from .screen import SIZES, sign_in

pytestmark = pytest.mark.e2e

STATION = "staff-bencha"  # 栟茶镇: 刘志刚 has no smartphone, so the station enters his visits (代录)
RECORD = "下午到孩子家里，奶奶说孩子最近晚上睡不好，谈了学习和心里的事。"
PICKER = "五老志愿者 — 帮扶对象"
CAP_PAST = 101  # server.queries.pickers.CAP and one: the child picker searches


class Prompts:
    """Every dialog the page raised, answered as ``accept`` says (a person staying is a dismiss)."""

    def __init__(self, page: Page) -> None:
        self.seen: list[str] = []
        self.accept = False
        page.on("dialog", self._answer)

    def _answer(self, dialog: Dialog) -> None:
        self.seen.append(dialog.type)
        if self.accept:
            dialog.accept()
        else:
            dialog.dismiss()


@pytest.fixture
def station(server: ServerProcess, browser: Browser) -> Iterator[tuple[Page, Prompts]]:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["pc"])
    page = context.new_page()
    sign_in(page, server, STATION, "/staff")
    yield page, Prompts(page)
    context.close()


def _typed_visit(page: Page, server: ServerProcess) -> None:
    page.goto(server.url + "/activities/new")
    page.get_by_label(PICKER).select_option(index=1)
    page.get_by_label("过程记录").fill(RECORD)


def _menu(page: Page, label: str = "工作台") -> Any:
    return page.locator("nav.site-nav .nav-wide").get_by_role("link", name=label, exact=True)


def test_a_typed_visit_asks_before_a_menu_link_and_staying_keeps_the_words(
        server: ServerProcess, station: tuple[Page, Prompts]) -> None:
    page, prompts = station
    _typed_visit(page, server)
    _menu(page).click()
    page.wait_for_timeout(300)
    assert prompts.seen == ["beforeunload"]
    assert page.url == server.url + "/activities/new"
    assert page.get_by_label("过程记录").input_value() == RECORD

    prompts.accept = True  # the person means to leave: the page goes
    _menu(page).click()
    page.wait_for_url(server.url + "/staff")
    assert prompts.seen == ["beforeunload", "beforeunload"]


def test_a_typed_visit_asks_before_signing_out_and_staying_keeps_the_words(
        server: ServerProcess, station: tuple[Page, Prompts]) -> None:
    page, prompts = station
    _typed_visit(page, server)
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_timeout(300)
    assert prompts.seen == ["beforeunload"]
    assert page.url == server.url + "/activities/new"
    assert page.get_by_label("过程记录").input_value() == RECORD
    page.get_by_role("button", name="保存").click()  # still signed in: the visit saves
    page.wait_for_url(server.url + "/activities/*")
    assert visits_with(server, RECORD) == 1


def test_a_typed_visit_asks_before_back_and_reload(server: ServerProcess, station: tuple[Page, Prompts]) -> None:
    page, prompts = station
    _typed_visit(page, server)
    with pytest.raises(PlaywrightTimeout):  # the person stayed: Back never happens
        page.go_back(timeout=1500)
    assert prompts.seen == ["beforeunload"]
    with pytest.raises(PlaywrightTimeout):
        page.reload(timeout=1500)
    assert prompts.seen == ["beforeunload", "beforeunload"]
    assert page.get_by_label("过程记录").input_value() == RECORD


def test_an_untouched_form_leaves_without_asking(server: ServerProcess, station: tuple[Page, Prompts]) -> None:
    page, prompts = station
    page.goto(server.url + "/activities/new")
    _menu(page).click()
    page.wait_for_url(server.url + "/staff")
    page.goto(server.url + "/activities/new")
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(server.url + "/login*")
    assert prompts.seen == []


def test_a_sign_in_typed_into_never_asks(server: ServerProcess, browser: Browser) -> None:
    """A user name typed on the sign-in page is retyped in seconds: leaving it is not worth a prompt."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["pc"])
    page = context.new_page()
    prompts = Prompts(page)
    try:
        page.goto(server.url + "/login")
        page.get_by_label("用户名").fill(STATION)
        page.get_by_label("密码").fill("not-yet")
        page.locator("a.brand").click()
        page.wait_for_load_state()
        assert prompts.seen == []
    finally:
        context.close()


def test_saving_the_typed_form_never_asks(server: ServerProcess, station: tuple[Page, Prompts]) -> None:
    page, prompts = station
    _typed_visit(page, server)
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(server.url + "/activities/*")
    assert visits_with(server, RECORD) == 1
    _menu(page).click()  # the saved visit's page has nothing unsaved
    page.wait_for_url(server.url + "/staff")
    assert prompts.seen == []


def test_a_list_filter_never_asks(server: ServerProcess, station: tuple[Page, Prompts]) -> None:
    page, prompts = station
    page.goto(server.url + "/mentees")
    search = page.locator("form.filters input[name=q]")
    search.fill("王")
    search.press("Enter")
    page.wait_for_url(server.url + "/mentees?*")
    page.locator("form.filters input[name=q]").fill("李")  # half typed, then the menu
    _menu(page).click()
    page.wait_for_url(server.url + "/staff")
    assert prompts.seen == []


def _roster(children: int) -> bytes:
    """A school's roster with more children than one picker lists, so the forms show 查找."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "所属单位", "年级"])
    for n in range(children):
        sheet.append([f"查找{n:03d}", "栟茶镇初级中学", "七年级"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_finding_a_child_on_a_typed_referral_never_asks_and_the_words_shown_again_still_count(
        server: ServerProcess, station: tuple[Page, Prompts]) -> None:
    page, prompts = station
    page.goto(server.url + "/mentees/import")
    page.set_input_files("#file", files=[{"name": "名单.xlsx", "mimeType": "application/octet-stream",
                                          "buffer": _roster(CAP_PAST)}])
    page.get_by_role("button", name="上传并预览").click()
    page.get_by_role("button", name="确认导入").click()
    page.wait_for_url(server.url + "/mentees*")
    assert query(server, "SELECT count(*) FROM mentees WHERE name LIKE '查找%'") == [(CAP_PAST,)]

    page.goto(server.url + "/referrals/new")
    page.get_by_label("转介原因").fill(RECORD)
    page.get_by_label("查找孩子：姓名或编号").fill("查找042")
    page.get_by_role("button", name="查找").click()
    page.wait_for_load_state()
    assert page.get_by_label("转介原因").input_value() == RECORD  # shown again, not saved
    assert "查找042" in page.locator("#f-mentee_id").inner_text()  # the list narrowed
    assert prompts.seen == []
    _menu(page).click()  # the words came back from the server but are still not saved
    page.wait_for_timeout(300)
    assert prompts.seen == ["beforeunload"]
    assert page.get_by_label("转介原因").input_value() == RECORD


def test_a_refused_return_with_its_remarks_asks_before_leaving(
        server: ServerProcess, station: tuple[Page, Prompts]) -> None:
    """The return's form names its buttons ``action`` (保存草稿, 上报), so ``form.action`` is a button,
    not the form's address: read as one, the page shown again after a refusal threw in unsaved.js,
    and leaving a refused return with its 备注 typed never asked."""
    page, prompts = station
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + "/reports/stats")
    page.get_by_role("button", name="报送本表…").click()
    page.wait_for_url("**/returns/*")
    page.get_by_label("备注").fill(RECORD)
    page.get_by_label("填表人").fill("陈" * 201)  # past its 200: refused whole, nothing saved
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_load_state()
    assert "太长了" in page.locator("p.error").inner_text()
    assert page.get_by_label("备注").input_value() == RECORD  # shown again, not saved
    _menu(page).click()
    page.wait_for_timeout(300)
    assert errors == []
    assert prompts.seen == ["beforeunload"]
    assert page.get_by_label("备注").input_value() == RECORD
