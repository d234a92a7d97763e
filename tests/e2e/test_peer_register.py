"""The 骨干学生 register in a real browser on the demo county: a school's staff add a class and read which
classes lack a helper; the county reads the counts; both pages pass the accessibility and reach checks
(tests/e2e/a11y.py, test_reach.py) on a 390×844 phone with a large font and on a PC."""
from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from .a11y import audit, bigger_default_font
from .conftest import ServerProcess
from .phone import PHONE
from .screen import SIZES, sign_in
from .test_reach import REACH

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("window", ["phone", "pc"])
def test_a_school_adds_a_class_and_the_county_reads_counts_without_names(module_server: ServerProcess,
                                                                        browser: Browser, window: str) -> None:
    server = module_server
    failures: list[str] = []
    school = browser.new_context(**(PHONE if window == "phone" else SIZES["pc"]))
    try:
        page = school.new_page()
        if window == "phone":
            bigger_default_font(page)
        sign_in(page, server, "xiao-bencha", "/staff")
        page.goto(server.url + "/peers")  # the school's own staff land on their register
        expect(page.get_by_role("heading", level=1)).to_contain_text("栟茶镇初级中学")
        page.get_by_label("班级").fill(f"九（{3 if window == 'pc' else 4}）班")
        page.get_by_label("男生姓名").fill("顾晨阳")
        page.get_by_role("button", name="保存").click()
        expect(page.locator("p.flash")).to_contain_text("已登记")
        expect(page.locator("main")).to_contain_text("缺女生")
        failures += audit(page, f"{window} register") + [f"[{window} register] {p}" for p in page.evaluate(REACH)]
    finally:
        school.close()
    county = browser.new_context(**(PHONE if window == "phone" else SIZES["pc"]))
    try:
        page = county.new_page()
        sign_in(page, server, "county", "/dashboard")
        page.goto(server.url + "/peers")
        expect(page.locator("main")).to_contain_text("栟茶镇初级中学")
        expect(page.locator("main")).not_to_contain_text("顾晨阳")
        failures += audit(page, f"{window} /peers") + [f"[{window} /peers] {p}" for p in page.evaluate(REACH)]
    finally:
        county.close()
    assert not failures, "\n".join(failures)
