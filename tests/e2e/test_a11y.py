"""The main tasks read by someone of 70 with enlarged text, and by whoever helps them with a keyboard or a
screen reader: signing in, the child list, a visit form, the review queue and the county dashboard, on a
PC at 100% and at 200% zoom, and on a 390×844 phone whose browser font is set large; and the phone app's
main screens. Each page passes the checks of tests/e2e/a11y.py (lang, heading order, names, contrast,
a visible focus) and those of test_reach.py (no sideways scroll, nothing cut off, 44 px targets)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from .a11y import (
    ZOOM_200,
    announced,
    audit,
    bigger_default_font,
    focus_walk,
    skips_to_content,
    smaller_than_chosen,
    tab_to,
)
from .conftest import ServerProcess
from .phone import PHONE, Phone
from .screen import PASSWORD, SIZES, sign_in
from .test_reach import REACH

pytestmark = pytest.mark.e2e

# Who does the task, and the pages of it.
TASKS = {
    "staff-bencha": ["/staff", "/mentees", "/activities/new", "/review"],
    "county": ["/dashboard", "/review"],
}
WINDOWS = {
    "pc": SIZES["pc"],
    "pc @ 200%": ZOOM_200,
    "phone, large font": {**PHONE},
}


def sign_in_by_keyboard(page: Page, server: ServerProcess, login: str) -> None:
    """Sign in with the keyboard alone: Tab to the user name, type, Tab, type, Enter."""
    page.goto(server.url + "/login")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "username":
            break
    page.keyboard.type(login)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")


@pytest.mark.parametrize("window", list(WINDOWS), ids=list(WINDOWS))
def test_the_main_tasks_read_with_enlarged_text_and_a_keyboard(module_server: ServerProcess, browser: Browser,
                                                               window: str) -> None:
    county = module_server
    failures: list[str] = []
    for login, paths in TASKS.items():
        context = browser.new_context(**WINDOWS[window])
        try:
            page = context.new_page()
            if window.startswith("phone"):
                bigger_default_font(page)
            page.goto(county.url + "/login")
            failures += audit(page, f"{window} /login") + [f"[{window} /login] {p}" for p in page.evaluate(REACH)]
            failures += focus_walk(page, f"{window} /login")
            sign_in_by_keyboard(page, county, login)
            assert page.url.rstrip("/") != county.url + "/login", "signing in by keyboard failed"
            for path in paths:
                page.goto(county.url + path)
                failures += skips_to_content(page, f"{window} {path}")  # first: from the top of a fresh page
                failures += audit(page, f"{window} {path}")
                failures += [f"[{window} {path}] {p}" for p in page.evaluate(REACH)]
                failures += focus_walk(page, f"{window} {path}")
                if window.startswith("phone"):
                    failures += smaller_than_chosen(page, f"{window} {path}")
        finally:
            context.close()
    assert not failures, "\n".join(failures)


def test_a_refused_save_is_announced_and_read_with_its_field(module_server: ServerProcess, browser: Browser) -> None:
    """A visit entered for a volunteer (代录) saved with nothing chosen: the refusal is in an alert, said as
    the page opens, and each refused field is marked invalid with the refusal as its description, so a
    screen reader on the field says why when the person gets there to correct it."""
    county = module_server
    context = browser.new_context(**SIZES["pc"])
    try:
        page = context.new_page()
        sign_in(page, county, "staff-bencha", "/staff")
        page.goto(county.url + "/activities/new")
        page.locator("#f-pairing_id").select_option(index=1)
        page.get_by_label("时长（分钟）").fill("一个钟头")  # words where minutes go: refused by the server
        page.get_by_label("过程记录").fill("代录的一次谈心")
        page.get_by_role("button", name="保存", exact=True).click()
        refusals = page.locator(".field-error")
        expect(refusals.first).to_be_visible()
        said = announced(page)
        for text in refusals.all_inner_texts():
            assert any(text.strip() in s for s in said), (text, said)
        field = page.locator("[aria-invalid=true]").first
        expect(field).to_have_accessible_description(re.compile(re.escape(refusals.first.inner_text().strip(" ⚠"))))
        assert not audit(page, "/activities/new refused")
        expect(page.get_by_label("过程记录")).to_have_value("代录的一次谈心")
    finally:
        context.close()


def test_the_phone_apps_main_screens_pass_the_same_checks(module_server: ServerProcess, browser: Browser) -> None:
    """The volunteer's screens at 标准 and 特大: enrolling, home, writing a visit, 待同步 and settings pass the
    audit and the Tab walk; a visit saved with no child chosen is refused in an alert."""
    county = module_server
    phone = Phone(browser.new_context(**PHONE), county)
    failures: list[str] = []
    try:
        page = phone.page
        phone.open()
        expect(page.get_by_label("登记码")).to_be_visible()  # the screen is drawn once the tab is the app's
        failures += audit(page, "enrol") + focus_walk(page, "enrol")
        phone.enrol("sun.laoshi")
        for size in ("std", "xl"):
            for route in ("#/", "#/log", "#/waiting", "#/settings"):
                page.goto(county.url + "/app/" + route)
                expect(page.locator("h1").first).to_be_visible()
                page.evaluate(f"document.documentElement.dataset.size = '{size}'")
                failures += audit(page, f"{route} @ {size}") + focus_walk(page, f"{route} @ {size}", 25)
        page.goto(county.url + "/app/#/log")
        page.get_by_role("button", name="保存", exact=True).click()
        expect(page.get_by_role("alert")).to_contain_text("请先选择帮扶对象")
    finally:
        phone.context.close()
    assert not failures, "\n".join(failures)


def test_a_visit_is_returned_with_the_keyboard_alone(module_server: ServerProcess, browser: Browser) -> None:
    """The review queue without a mouse: 退回给志愿者 with no comment is refused in an alert that the comment
    box itself names, the keyboard goes back to that box, and the return with its reason is saved."""
    county = module_server
    context = browser.new_context(**SIZES["pc"])
    try:
        page = context.new_page()
        sign_in_by_keyboard(page, county, "staff-bencha")
        page.goto(county.url + "/review")
        assert tab_to(page, "button", "退回给志愿者")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert any("退回时请写明原因" in said for said in announced(page)), announced(page)
        assert not audit(page, "/review refused"), audit(page, "/review refused")
        assert tab_to(page, "textarea[aria-invalid=true]")
        expect(page.locator("textarea:focus")).to_have_accessible_description(re.compile("退回时请写明原因"))
        page.keyboard.type("过程记录只有一句话，请补充谈话的内容。")
        assert tab_to(page, "button", "退回给志愿者")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_contain_text("已退回这条")
    finally:
        context.close()
