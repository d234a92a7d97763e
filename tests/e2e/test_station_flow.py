"""A station's day in Debian Chromium against a real ``banxing serve`` over the demo county: sign in,
register a child, issue a volunteer's enrolment QR, pair the two, approve and return activities —
and the volunteer's phone (enrolled with that very code through the real API) receives the child,
the pairing and the return with its comment.

Also: every archive, 代录, event, review, conflict and referral page at phone and PC width (no
sideways scroll, text of 18 px or more, main buttons of 60 px, no CSP error), and the archive's print
view printed to PDF by Chromium: A4 pages, each numbered "第 i 页，共 N 页", who printed it and when.

``BANXING_SCREENSHOTS=docs/screenshots`` refreshes docs/screenshots/{pairings,activities,events,
review,conflicts,referrals}-*.png (phone: the first screen, as a person sees it; PC: the whole page).
"""
from __future__ import annotations

import datetime
import io
import json
import pathlib
import re
import unicodedata
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from .conftest import ServerProcess
from .phone import query
from .screen import SIZES, check_page, shots_dir, sign_in, watch_errors

pytestmark = pytest.mark.e2e

STATION = "zhan-juegang"  # 掘港街道校外教育辅导站: volunteers 王建国 and 陈德明, the demo's two sync conflicts
VOLUNTEER = "王建国"


def pull(server: ServerProcess, token: str, cursor: str | None) -> tuple[dict[tuple[str, str], Any], list[Any], str]:
    """Everything the phone receives after ``cursor`` through GET /api/sync/pull, page by page."""
    changes: dict[tuple[str, str], Any] = {}
    drops: list[Any] = []
    while True:
        status, body = server.request("GET", "/api/sync/pull?limit=500" + (f"&cursor={cursor}" if cursor else ""),
                                      token=token)
        assert status == 200, body
        token = body.get("token", token)
        changes.update({(c["entity"], c["record_id"]): c["fields"] for c in body["changes"]})
        drops.extend(body["drop"])
        cursor = body["cursor"]
        if not body["more"]:
            return changes, drops, cursor


def plain(text: str) -> str:
    """Text as extracted from the PDF, compared in one form: the embedded CJK font maps some characters
    to compatibility or radical code points (⾏ for 行, ⻚ for 页), NFKC folds full-width punctuation,
    and a run of spaces is one (Chromium in Chinese sets the page counter's digits with wider gaps)."""
    return re.sub(r"[ \t]+", " ", unicodedata.normalize("NFKC", text).replace("⻚", "页"))


def decide(page: Page, card_id: str, button: str, comment: str = "") -> None:
    card = page.locator(f"article[id='{card_id}']")
    if comment:
        card.get_by_label("审核意见（退回时必填）").fill(comment)
    card.get_by_role("button", name=button).click()
    page.wait_for_selector("p.flash")


def test_a_station_registers_pairs_issues_a_qr_and_reviews_and_the_phone_follows(
    server: ServerProcess, browser: Browser
) -> None:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["pc"])
    page = context.new_page()
    errors = watch_errors(page)
    try:
        sign_in(page, server, STATION, "/staff")

        # 1. Register a child.
        page.goto(server.url + "/mentees/new")
        page.get_by_label("姓名", exact=True).fill("林小满")
        page.get_by_label("年级").fill("四年级")
        page.get_by_text("留守/特殊家庭").click()
        page.get_by_role("button", name="登记").click()
        page.wait_for_url(re.compile(r"/mentees/[0-9a-f-]{36}$"))
        mentee_id = page.url.rsplit("/", 1)[1]
        assert "已登记，编号" in page.content()

        # 2. Issue the volunteer's enrolment code; the phone enrols with it through the real API.
        page.goto(server.url + "/mentors")
        page.get_by_role("link", name=VOLUNTEER).click()
        page.get_by_role("button", name="发登记码").click()
        page.wait_for_selector("#enrol-code")
        code = re.sub(r"\D", "", page.locator("#enrol-code").inner_text())
        qr = page.locator(".qr svg").bounding_box()
        assert len(code) == 8 and qr is not None and qr["width"] >= 200
        status, enrolled = server.request("POST", "/api/enrol", {"code": code, "device_name": "王老师的手机"})
        assert status == 200, enrolled
        token = enrolled["token"]
        held, _, cursor = pull(server, token, None)
        assert ("mentee", mentee_id) not in held

        # 3. Pair the child with the volunteer from the child's page.
        page.goto(server.url + f"/mentees/{mentee_id}")
        page.get_by_role("link", name="＋ 为这个孩子结对").click()
        volunteer = page.locator("#f-mentor_id option", has_text=VOLUNTEER).get_attribute("value")
        assert volunteer
        page.locator("#f-mentor_id").select_option(volunteer)
        assert page.locator("#f-mentee_id").input_value() == mentee_id
        assert page.locator("#f-approach").input_value() == "guanai", "留守 suggests 关爱扶志"
        page.get_by_label("帮扶目标").fill("每两周上门一次，陪她写作业。")
        page.get_by_role("button", name="保存").click()
        page.wait_for_url(re.compile(r"/pairings/[0-9a-f-]{36}$"))
        pairing_id = page.url.rsplit("/", 1)[1]
        assert "已结对" in page.content() and "每两周上门一次" in page.content()
        changes, _, cursor = pull(server, token, cursor)
        assert changes[("mentee", mentee_id)]["name"] == "林小满"
        assert changes[("pairing", pairing_id)]["mentee_id"] == mentee_id

        # 4. Approve one of the volunteer's visits and return another with a comment.
        page.goto(server.url + "/review")
        cards = page.locator("article.card", has_text=f"← {VOLUNTEER}").filter(has_not_text="不能由您审核通过")
        ids = [cards.nth(i).get_attribute("id") for i in range(2)]
        assert all(ids) and ids[0] != ids[1]
        decide(page, str(ids[0]), "通过")
        assert "已通过这条帮扶活动，记录已锁定" in page.content()
        decide(page, str(ids[1]), "退回给志愿者", "请补上下次跟踪的日期。")
        assert "已退回这条帮扶活动" in page.content()
        changes, _, _ = pull(server, token, cursor)
        assert changes[("activity", str(ids[0]))]["review_status"] == "approved"
        returned = changes[("activity", str(ids[1]))]
        assert (returned["review_status"], returned["review_comment"]) == ("returned", "请补上下次跟踪的日期。")
        assert not errors, errors
    finally:
        context.close()


PAGES = (  # (screenshot name, who, path template)
    ("pairings-list", "station", "/pairings"),
    ("pairings-detail", "station", "/pairings/{pairing}"),
    ("pairings-print", "station", "/pairings/{pairing}/print"),
    ("mentee-print", "station", "/mentees/{mentee}/print"),
    ("pairings-new", "station", "/pairings/new"),
    ("pairings-end", "station", "/pairings/{pairing}/end"),
    ("activities-new", "station", "/activities/new"),
    ("activities-detail", "station", "/activities/{activity}"),
    ("events-list", "station", "/events"),
    ("events-new", "station", "/events/new"),
    ("events-enrolments", "station", "/enrolments"),
    ("review-queue", "station", "/review"),
    ("conflicts-list", "station", "/conflicts"),
    ("conflicts-detail", "station", "/conflicts/{conflict}"),
    ("referrals-list", "referrer", "/referrals"),
    ("referrals-detail", "referrer", "/referrals/{referral}"),
    ("referrals-new", "referrer", "/referrals/new"),
)


LONG = {"pairings-detail", "pairings-print", "mentee-print", "review-queue"}


@pytest.mark.parametrize("size", ["phone", "pc"])
def test_the_archive_review_and_referral_pages_fit_the_screen_and_pass_the_csp(
    server: ServerProcess, browser: Browser, size: str, tmp_path: pathlib.Path
) -> None:
    shots = shots_dir(tmp_path)
    width = SIZES[size]["viewport"]["width"]
    station = query(server, "SELECT unit_id FROM users WHERE login = ?", STATION)[0][0]
    ids = {
        # the station's pairing with the most reviewed visits and a risk flag, if any: a full archive
        "pairing": query(server, "SELECT p.id FROM pairings p WHERE p.unit_id = ? AND p.status = 'active'"
                                 " ORDER BY (SELECT count(*) FROM activities a WHERE a.pairing_id = p.id"
                                 " AND a.review_status != 'pending') DESC LIMIT 1", station)[0][0],
        "conflict": query(server, "SELECT id FROM sync_conflicts WHERE unit_id = ?", station)[0][0],
        "referral": query(server, "SELECT id FROM referrals ORDER BY status = 'received' DESC LIMIT 1")[0][0],
    }
    ids["mentee"] = query(server, "SELECT mentee_id FROM pairings WHERE id = ?", ids["pairing"])[0][0]
    ids["activity"] = query(server, "SELECT id FROM activities WHERE pairing_id = ? ORDER BY date DESC LIMIT 1",
                            ids["pairing"])[0][0]
    referrer = query(server, "SELECT u.login FROM users u JOIN referrals r ON r.unit_id = u.unit_id"
                             " WHERE r.id = ? AND u.role = 'staff'", ids["referral"])[0][0]
    for who, login in (("station", STATION), ("referrer", referrer)):
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES[size])
        page = context.new_page()
        errors = watch_errors(page)
        try:
            sign_in(page, server, login, "/staff")
            for name, whose, path in PAGES:
                if whose != who:
                    continue
                response = page.goto(server.url + path.format(**ids))
                assert response is not None and response.status == 200, (name, response and response.status)
                check_page(page, width, name, errors)
                # PC: the whole page, but the first screen of the pages that run to many screens
                page.screenshot(full_page=size == "pc" and name not in LONG, path=str(shots / f"{name}-{size}.png"))
        finally:
            context.close()


def test_the_print_view_prints_as_numbered_a4_pages_saying_who_printed_it(
    server: ServerProcess, browser: Browser, tmp_path: pathlib.Path
) -> None:
    longest = "SELECT pairing_id FROM activities GROUP BY pairing_id ORDER BY count(*) DESC LIMIT 1"
    pairing = query(server, longest)[0][0]
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    try:
        sign_in(page, server, "county", "/dashboard")
        page.goto(server.url + f"/pairings/{pairing}/print")
        pdf = page.pdf(prefer_css_page_size=True)
    finally:
        context.close()
    (tmp_path / "archive.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    count = len(reader.pages)
    assert count >= 2, "a long archive runs over several pages"
    texts = [plain(p.extract_text()) for p in reader.pages]
    for number, (sheet, text) in enumerate(zip(reader.pages, texts, strict=True), start=1):
        width, height = float(sheet.mediabox.width), float(sheet.mediabox.height)
        assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2, f"page {number} is not A4: {width}x{height}"
        assert plain(f"第 {number} 页，共 {count} 页") in text, f"page {number} has no page number: {text[:200]}"
        assert "结对帮扶档案" in text
    printed = plain("打印人：周文清（如东县关工委） · 打印时间：")
    assert re.search(re.escape(printed) + r"20\d\d年\d{1,2}月\d{1,2}日 \d\d:\d\d", texts[0]), texts[0][:300]
    assert "打印时间" in texts[-1] and "督查核对" in texts[-1]
    logged = query(server, "SELECT entities FROM access_log WHERE action = 'print_pairing' AND target = ?", pairing)
    assert len(logged) == 1 and json.loads(logged[0][0])["activity"] >= 1


def enter_visit(page: Page, server: ServerProcess, pairing: str, record: str, day: str | None = None) -> str:
    """A visit entered for the pairing's volunteer (代录) by the signed-in staff; its id."""
    page.goto(server.url + f"/activities/new?pairing_id={pairing}")
    if day:
        page.get_by_label(re.compile(r"^日期")).fill(day)
    page.get_by_label("过程记录").fill(record)
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/activities/[0-9a-f-]{36}$"))
    return page.url.rsplit("/", 1)[1]


def test_a_record_with_a_long_unbroken_run_wraps_on_a_phone_and_prints_whole(
    server: ServerProcess, browser: Browser
) -> None:
    """A pasted link or a long number in a visit's record: the archive wraps it at phone width instead of
    scrolling sideways, and the A4 print carries every character of it."""
    pairing = query(server, "SELECT p.id FROM pairings p JOIN users u ON u.id = p.mentor_id"
                            " WHERE u.login = 'liu.laobing' AND p.status = 'active'")[0][0]
    run = "".join(f"{i:04d}" for i in range(60))  # 240 digits, no place to break
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["phone"])
    page = context.new_page()
    errors = watch_errors(page)
    try:
        sign_in(page, server, "zhan-bencha", "/staff")
        enter_visit(page, server, pairing, f"孩子把老师发的链接念给我听：{run}")
        page.goto(server.url + f"/pairings/{pairing}")
        page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
        check_page(page, SIZES["phone"]["viewport"]["width"], "archive with a long run", errors)
        page.goto(server.url + f"/pairings/{pairing}/print")
        pdf = page.pdf(prefer_css_page_size=True)
    finally:
        context.close()
    text = "".join(plain(p.extract_text()) for p in PdfReader(io.BytesIO(pdf)).pages)
    assert run in re.sub(r"\s+", "", text), "the print cuts the record"


def test_an_archive_whose_history_changed_a_day_prints_within_a_phones_width(
    server: ServerProcess, browser: Browser
) -> None:
    """A visit's day corrected: the history's 改动 column writes 日期：2026年…日 → 2026年…日 in words,
    and on the print view at phone width those days may part, or the page ran 15 px past the screen."""
    pairing, start = query(server, "SELECT p.id, p.start_date FROM pairings p JOIN users u ON u.id = p.mentor_id"
                                   " WHERE u.login = 'liu.laobing' AND p.status = 'active'")[0]
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["phone"])
    page = context.new_page()
    errors = watch_errors(page)
    try:
        sign_in(page, server, "zhan-bencha", "/staff")
        activity = enter_visit(page, server, pairing, "补记：那天下午去了孩子家。", start)
        page.goto(server.url + f"/activities/{activity}/edit")
        page.get_by_label(re.compile(r"^日期")).fill((datetime.date.fromisoformat(start)
                                                   + datetime.timedelta(days=1)).isoformat())
        page.get_by_role("button", name="保存").click()
        page.wait_for_url(re.compile(r"/activities/[0-9a-f-]{36}$"))
        page.goto(server.url + f"/pairings/{pairing}/print")
        expect(page.locator("main")).to_contain_text("日期：")
        check_page(page, SIZES["phone"]["viewport"]["width"], "archive print with a changed day", errors)
    finally:
        context.close()


# Each child's code in the page's text, as a Range over its characters: one client rect per line it
# is set on, whatever the markup around it (so the check also holds on a page printing codes bare).
CODE_LINES = """() => {
  const lines = [];
  const walker = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const found of node.data.matchAll(/BX-\\d{4}-\\d{4}/g)) {
      const range = document.createRange();
      range.setStart(node, found.index);
      range.setEnd(node, found.index + found[0].length);
      const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      lines.push([found[0], tops.size]);
    }
  }
  return lines;
}"""


def test_a_childs_code_on_the_conflicts_list_stays_on_one_line_at_phone_width(
    server: ServerProcess, browser: Browser
) -> None:
    """At 390 px the list read 帮扶活动 · 2026年7月12日 · BX- / 2026-0014: a code cut in two is another code."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["phone"])
    page = context.new_page()
    try:
        sign_in(page, server, STATION, "/staff")
        page.goto(server.url + "/conflicts")
        lines = page.evaluate(CODE_LINES)
    finally:
        context.close()
    assert lines, "the demo's conflicts name their children by code"
    assert [code for code, count in lines if count != 1] == []
