"""The child's 一生一档 in Debian Chromium against a real ``banxing serve`` over the demo county: the
county opens a child with two pairings and their archives, follows 打印完整档案, and the whole file
fits a phone's width and prints as numbered A4 pages with every pairing, who printed it and the check
code. Screenshots go to the test's own folder only."""
from __future__ import annotations

import io
import pathlib
import re

import pytest
from playwright.sync_api import Browser
from pypdf import PdfReader

from .conftest import ServerProcess
from .phone import query
from .screen import SIZES, check_page, sign_in, watch_errors
from .test_station_flow import plain

pytestmark = pytest.mark.e2e

TWICE_PAIRED = ("SELECT mentee_id FROM pairings WHERE deleted = 0 GROUP BY mentee_id HAVING count(*) > 1"
                " ORDER BY mentee_id LIMIT 1")


def test_the_county_prints_a_childs_whole_file_from_the_file_page_as_numbered_a4_pages(
        server: ServerProcess, browser: Browser, tmp_path: pathlib.Path) -> None:
    mentee = query(server, TWICE_PAIRED)[0][0]
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["phone"])
    page = context.new_page()
    errors = watch_errors(page)
    try:
        sign_in(page, server, "county", "/dashboard")
        # each archive too: the first pairing's carries a long ⚠ 审核通过后又改过 badge, which must wrap
        for (pairing,) in query(server, "SELECT id FROM pairings WHERE mentee_id = ? ORDER BY start_date", mentee):
            for path in (f"/pairings/{pairing}", f"/pairings/{pairing}/print"):
                page.goto(server.url + path)
                check_page(page, SIZES["phone"]["viewport"]["width"], path, errors)
        page.goto(f"{server.url}/mentees/{mentee}")
        page.get_by_role("link", name="打印完整档案").click()
        page.wait_for_url(f"**/mentees/{mentee}/print")
        check_page(page, SIZES["phone"]["viewport"]["width"], "mentee-print", errors)
        page.screenshot(path=str(tmp_path / "mentee-print-phone.png"))
        page.emulate_media(media="print")
        assert page.locator(".no-print").first.is_hidden()
        page.screenshot(full_page=True, path=str(tmp_path / "mentee-print-a4.png"))
        pdf = page.pdf(prefer_css_page_size=True)
    finally:
        context.close()
    (tmp_path / "mentee.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    count = len(reader.pages)
    texts = [plain(p.extract_text()) for p in reader.pages]
    for number, (sheet, text) in enumerate(zip(reader.pages, texts, strict=True), start=1):
        width, height = float(sheet.mediabox.width), float(sheet.mediabox.height)
        assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2, f"page {number} is not A4: {width}x{height}"
        assert plain(f"第 {number} 页，共 {count} 页") in text, f"page {number} has no page number: {text[:200]}"
    whole = "".join(texts)
    assert plain("一生一档") in texts[0] and plain("二、全部结对（") in whole and plain("（2）") in whole
    assert re.search(re.escape(plain("打印人：周文清（如东县关工委）")), texts[0])
    assert plain("核对码") in texts[0] and plain("督查核对") in texts[-1]
    logged = query(server, "SELECT count(*) FROM access_log WHERE action = 'print_mentee' AND target = ?", mentee)
    assert logged[0][0] == 1
