"""The station pages in Debian Chromium at phone width (390 px) and PC width (1280 px), against a
real ``banxing serve`` over the demo county: each page loads without a CSP or script error, never
scrolls sideways, keeps body text at 18 px or more and main buttons at 60 px or more; the
enrolment code page shows the QR as an inline SVG; an Excel file goes through preview and import.

Set ``BANXING_SCREENSHOTS=docs/screenshots`` to refresh docs/screenshots/station-*.png (phone: the
first screen, as a person sees it; PC: the whole page).
"""
from __future__ import annotations

import io
import os
import pathlib
import re
from collections.abc import Iterator

import openpyxl
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from .conftest import CHROMIUM, CHROMIUM_ARGS, ServerProcess

pytestmark = pytest.mark.e2e

ROOT = pathlib.Path(__file__).resolve().parents[2]
SIZES = {
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
              "has_touch": True},
    "pc": {"viewport": {"width": 1280, "height": 900}},
}
STAFF_LOGIN, PASSWORD = "zhan-bencha", "banxing2026"  # the demo's 栟茶镇校外教育辅导站 (two open risk flags)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}: `make test` installs Debian's chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _shots(tmp_path: pathlib.Path) -> pathlib.Path:
    raw = os.environ.get("BANXING_SCREENSHOTS")
    if not raw:
        return tmp_path
    target = pathlib.Path(raw) if pathlib.Path(raw).is_absolute() else ROOT / raw
    target.mkdir(parents=True, exist_ok=True)
    return target


def _sign_in(page: Page, server: ServerProcess) -> None:
    page.goto(server.url + "/login")
    page.get_by_label("用户名").fill(STAFF_LOGIN)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(server.url + "/staff")


def _check(page: Page, width: int, name: str, errors: list[str]) -> None:
    """What every station page must do at this width."""
    assert not errors, f"{name}: {errors}"
    page.evaluate("document.fonts.ready")
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width + 1, f"{name} scrolls sideways at {width}px: {scroll}px wide"
    body = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert body >= 18, f"{name}: body text {body}px"
    small = page.evaluate("""() => [...document.querySelectorAll('main *')].filter((el) => {
        const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
        const box = el.getBoundingClientRect();
        return own && box.width > 0 && parseFloat(getComputedStyle(el).fontSize) < 18;
      }).map((el) => el.tagName + ':' + el.textContent.trim().slice(0, 20))""")
    assert not small, f"{name}: text under 18px: {small[:5]}"
    buttons = page.evaluate("""() => [...document.querySelectorAll('main .button.primary')]
        .filter((b) => b.getBoundingClientRect().width > 0).map((b) => b.getBoundingClientRect().height)""")
    assert all(h >= 59.5 for h in buttons), f"{name}: main buttons {buttons}"


def _roster() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["编号", "姓名", "所属单位", "学校", "年级", "性别", "出生年份", "类别", "关注等级"])
    sheet.append(["", "顾小禾", "", "掘港街道城南小学", "三年级", "女", 2017, "留守/特殊家庭", "关注"])
    sheet.append(["", "", "", "", "四年级", "男孩"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("size", ["phone", "pc"])
def test_station_pages_fit_the_screen_and_pass_the_csp(server: ServerProcess, browser: Browser, size: str,
                                                        tmp_path: pathlib.Path) -> None:
    shots = _shots(tmp_path)
    width = SIZES[size]["viewport"]["width"]  # type: ignore[index]
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES[size])  # type: ignore[arg-type]
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error"
            and not msg.location.get("url", "").endswith("/favicon.ico") else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        _sign_in(page, server)
        # Home: the demo's open risk flags are on top.
        assert page.locator("article.flag").count() >= 2
        _check(page, width, "home", errors)
        page.screenshot(full_page=size == "pc", path=str(shots / f"station-home-{size}.png"))

        page.goto(server.url + "/mentees?risk=key")
        _check(page, width, "mentee list", errors)
        page.screenshot(full_page=size == "pc", path=str(shots / f"station-mentees-{size}.png"))
        page.locator("main table a[href^='/mentees/']").first.click()
        page.wait_for_selector("#screenings-h")
        _check(page, width, "mentee file", errors)
        page.screenshot(full_page=size == "pc", path=str(shots / f"station-mentee-{size}.png"))

        page.goto(server.url + "/mentees/new")
        _check(page, width, "register", errors)

        page.goto(server.url + "/mentees/import")
        page.set_input_files("#file", files=[{"name": "名单.xlsx", "mimeType": "application/octet-stream",
                                              "buffer": _roster()}])
        page.get_by_role("button", name="上传并预览").click()
        page.wait_for_selector("#preview-h")
        assert "“性别”应为" in page.content() and "“姓名”不能为空" in page.content()
        _check(page, width, "import preview", errors)
        page.screenshot(full_page=size == "pc", path=str(shots / f"station-import-{size}.png"))

        page.goto(server.url + "/mentors")
        _check(page, width, "volunteer list", errors)
        page.screenshot(full_page=size == "pc", path=str(shots / f"station-mentors-{size}.png"))
        page.get_by_role("link", name="杨桂芳").click()
        page.wait_for_selector("#phones-h")
        _check(page, width, "volunteer file", errors)
        page.screenshot(full_page=size == "pc", path=str(shots / f"station-mentor-{size}.png"))
        page.get_by_role("button", name="发登记码").click()
        page.wait_for_selector("#enrol-code")
        code = re.sub(r"\D", "", page.locator("#enrol-code").inner_text())
        assert len(code) == 8 and page.locator("#enrol-link").inner_text().endswith(f"/app/?code={code}")
        qr = page.locator(".qr svg").bounding_box()
        assert qr is not None and qr["width"] >= 200, qr  # big enough for an old phone's camera
        _check(page, width, "enrolment code", errors)
        page.screenshot(full_page=size == "pc", path=str(shots / f"station-enrol-code-{size}.png"))
    finally:
        context.close()
