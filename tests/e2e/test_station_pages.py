"""The station pages in Debian Chromium at phone width (390 px) and PC width (1280 px), against a
real ``banxing serve`` over the demo county: each page loads without a CSP or script error, never
scrolls sideways, keeps body text at 18 px or more and main buttons at 60 px or more; the
enrolment code page shows the QR as an inline SVG; an Excel roster is previewed with its mistakes in words;
at phone width, stopping a volunteer ends their pairings too; a child's file deleted from the
station's phone still opens, marked 档案已删除, for the station and the county alike.

Set ``BANXING_SCREENSHOTS=docs/screenshots`` to refresh docs/screenshots/station-*.png (phone: the
first screen, as a person sees it; PC: the whole page; station-mentor-stop.png: a volunteer's stop form;
county-mentee-deleted-*.png: the county's view of the deleted child's file).
"""
from __future__ import annotations

import datetime
import io
import json
import pathlib
import re

import openpyxl
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from sync import new_id
from sync.timeutil import local_today

from .conftest import ServerProcess, enrol
from .phone import Station, query
from .screen import SIZES, check_page, shots_dir, sign_in, watch_errors

pytestmark = pytest.mark.e2e

STAFF_LOGIN = "zhan-bencha"  # the demo's 栟茶镇校外教育辅导站 (two open risk flags)


def _roster() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["编号", "姓名", "所属单位", "学校", "年级", "性别", "出生年份", "类别", "关注等级"])
    sheet.append(["", "顾小禾", "", "掘港街道城南小学", "三年级", "女", 2017, "留守/特殊家庭", "关注"])
    sheet.append(["", "", "", "", "四年级", "不详"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _phone_export(server: ServerProcess, size: str) -> bytes:
    """What 杨桂芳's stopped phone exported: a visit, a guardian's new number, a half-written form."""
    (pairing, mentee, volunteer), = query(
        server, "SELECT p.id, p.mentee_id, u.id FROM pairings p JOIN users u ON u.id = p.mentor_id"
        " WHERE u.login = 'yang.mofan' AND p.status = 'active' LIMIT 1")
    exported = local_today() - datetime.timedelta(days=1)  # any day: a fixed one falls before the pairing began
    visit = {"state": "unsent", "entity": "activity", "record_id": new_id(), "op": "upsert", "base_version": None,
             "fields": {"pairing_id": pairing, "kind": "home_visit", "date": str(exported - datetime.timedelta(days=2)),
                        "record": f"手机停用前写的家访（{size}）：孩子期中考试进步了，奶奶很高兴。"}}
    guardian = {"state": "rejected", "entity": "mentee", "record_id": mentee, "op": "upsert",
                "fields": {"guardian_contact": "13900001111"}, "reason": "当时网络中断"}
    draft = {"state": "draft", "form": "activity:new", "values": {"record": "还没写完：下次带孩子去图书馆"}}
    return json.dumps({"app": "banxing", "exported_at": f"{exported}T08:15:00.000Z",
                       "user": {"id": volunteer, "name": "杨桂芳"}, "items": [visit, guardian, draft]},
                      ensure_ascii=False).encode()


@pytest.mark.parametrize("size", ["phone", "pc"])
def test_station_pages_fit_the_screen_and_pass_the_csp(server: ServerProcess, browser: Browser, size: str,
                                                        tmp_path: pathlib.Path) -> None:
    shots = shots_dir(tmp_path)
    width = SIZES[size]["viewport"]["width"]
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES[size])
    page = context.new_page()
    errors = watch_errors(page)
    try:
        sign_in(page, server, STAFF_LOGIN, "/staff")
        # Home: the demo's open risk flags are on top.
        assert page.locator("article.flag").count() >= 2
        check_page(page, width, "home", errors)
        page.screenshot(full_page=size == "pc", path=str(shots / f"station-home-{size}.png"))
        page.goto(server.url + "/quiet")  # the home's 久未帮扶 tile opens it: names, no interval form
        check_page(page, width, "quiet pairings", errors)
        assert page.locator("input[name=days]").count() == 0

        page.goto(server.url + "/mentees?risk=key")
        check_page(page, width, "mentee list", errors)
        page.screenshot(full_page=size == "pc", path=str(shots / f"station-mentees-{size}.png"))
        page.locator("main table a[href^='/mentees/']").first.click()
        page.wait_for_selector("#screenings-h")
        check_page(page, width, "mentee file", errors)
        page.screenshot(full_page=size == "pc", path=str(shots / f"station-mentee-{size}.png"))

        page.goto(server.url + "/mentees/new")
        check_page(page, width, "register", errors)

        page.goto(server.url + "/mentees/import")
        page.set_input_files("#file", files=[{"name": "名单.xlsx", "mimeType": "application/octet-stream",
                                              "buffer": _roster()}])
        page.get_by_role("button", name="上传并预览").click()
        page.wait_for_selector("#preview-h")
        assert "“性别”应为" in page.content() and "“姓名”不能为空" in page.content()
        check_page(page, width, "import preview", errors)
        page.screenshot(full_page=size == "pc", path=str(shots / f"station-import-{size}.png"))

        page.goto(server.url + "/staff")
        page.get_by_role("link", name="录入导出的文件").click()
        page.set_input_files("#file", files=[{"name": "伴行未同步记录.json", "mimeType": "application/json",
                                              "buffer": _phone_export(server, size)}])
        page.get_by_role("button", name="上传并预览").click()
        page.wait_for_selector("#result-h")
        assert "预览（还没有录入）" in page.content()
        check_page(page, width, "phone export preview", errors)
        page.screenshot(full_page=size == "pc", path=str(shots / f"station-phone-preview-{size}.png"))
        page.get_by_role("button", name="确认导入").click()
        page.wait_for_selector("#result-h")
        assert "录入结果" in page.content()
        assert page.locator("table.data tbody tr").count() == 2 and "还没写完" in page.content()
        check_page(page, width, "phone export entered", errors)
        page.screenshot(full_page=size == "pc", path=str(shots / f"station-phone-import-{size}.png"))

        page.goto(server.url + "/mentors")
        check_page(page, width, "volunteer list", errors)
        page.screenshot(full_page=size == "pc", path=str(shots / f"station-mentors-{size}.png"))
        page.get_by_role("link", name="杨桂芳").click()
        page.wait_for_selector("#phones-h")
        check_page(page, width, "volunteer file", errors)
        page.screenshot(full_page=size == "pc", path=str(shots / f"station-mentor-{size}.png"))
        page.get_by_role("button", name="发登记码").click()
        page.wait_for_selector("#enrol-code")
        code = re.sub(r"\D", "", page.locator("#enrol-code").inner_text())
        assert len(code) == 8 and page.locator("#enrol-link").inner_text().endswith(f"/app/?code={code}")
        qr = page.locator(".qr svg").bounding_box()
        assert qr is not None and qr["width"] >= 200, qr  # big enough for an old phone's camera
        check_page(page, width, "enrolment code", errors)
        page.screenshot(full_page=size == "pc", path=str(shots / f"station-enrol-code-{size}.png"))
        if size == "phone":
            _stop_volunteer(page, server, width, errors, shots)
    finally:
        context.close()


def _stop_volunteer(page: Page, server: ServerProcess, width: int, errors: list[str], shots: pathlib.Path) -> None:
    """杨桂芳 stops serving: the stop form lists her children with 同时结束 ticked, and one tap ends them too."""
    (active,), = query(server, "SELECT count(*) FROM pairings p JOIN users u ON u.id = p.mentor_id"
                               " WHERE u.login = 'yang.mofan' AND p.status = 'active' AND p.deleted = 0")
    assert active >= 1
    page.goto(server.url + "/mentors")
    page.get_by_role("link", name="杨桂芳").click()
    form = page.locator("section[aria-labelledby='account-h']")
    box = page.get_by_label(f"同时结束这 {active} 个结对")
    assert box.is_checked() and form.locator(".stop-pairings li").count() == active
    form.scroll_into_view_if_needed()
    check_page(page, width, "volunteer stop form", errors)
    form.screenshot(path=str(shots / "station-mentor-stop.png"))
    page.get_by_role("button", name="停用账号").click()
    page.wait_for_selector(".flash")
    assert f"已同时结束 {active} 个结对" in page.locator(".flash").inner_text()
    assert "未结对" in page.locator(".flash").inner_text()
    assert page.get_by_role("link", name="另找志愿者").count() == active
    check_page(page, width, "volunteer stopped", errors)
    (left,), = query(server, "SELECT count(*) FROM pairings p JOIN users u ON u.id = p.mentor_id"
                             " WHERE u.login = 'yang.mofan' AND p.status = 'active' AND p.deleted = 0")
    assert left == 0


def _delete_a_child_from_the_station_phone(server: ServerProcess) -> str:
    """A child of the station with pairings, all ended, and no self-harm flag left unhandled (the
    write path keeps such a child), deleted through /api/sync/push from the station's enrolled phone
    (the one way a child's file is deleted); the child's id."""
    (child, version), = query(
        server, "SELECT m.id, m.version FROM mentees m JOIN users u ON u.unit_id = m.unit_id WHERE u.login = ?"
        " AND m.deleted = 0 AND EXISTS (SELECT 1 FROM pairings p WHERE p.mentee_id = m.id AND p.deleted = 0)"
        " AND NOT EXISTS (SELECT 1 FROM pairings p WHERE p.mentee_id = m.id AND p.status = 'active'"
        " AND p.deleted = 0) AND NOT EXISTS (SELECT 1 FROM activities a WHERE a.mentee_id = m.id"
        " AND a.risk_flag = 1 AND coalesce(trim(a.risk_action), '') = '' AND a.deleted = 0)"
        " ORDER BY m.code LIMIT 1", STAFF_LOGIN)
    token = enrol(server, STAFF_LOGIN, "辅导站电脑")["token"]
    status, body = server.request("POST", "/api/sync/push", {"mutations": [{
        "mutation_id": 1, "entity": "mentee", "record_id": child, "op": "delete", "base_version": version,
        "fields": {}}]}, token)
    assert status == 200 and body["results"][0]["status"] == "applied", body
    return str(child)


@pytest.mark.parametrize("size", ["phone", "pc"])
def test_a_deleted_childs_file_fits_the_screen_for_the_station_and_the_county(
        server: ServerProcess, browser: Browser, size: str, tmp_path: pathlib.Path) -> None:
    shots = shots_dir(tmp_path)
    width = SIZES[size]["viewport"]["width"]
    child = _delete_a_child_from_the_station_phone(server)
    for login, landing, name in ((STAFF_LOGIN, "/staff", "station"), ("county", "/dashboard", "county")):
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES[size])
        page = context.new_page()
        errors = watch_errors(page)
        try:
            sign_in(page, server, login, landing)
            response = page.goto(f"{server.url}/mentees/{child}")
            assert response is not None and response.status == 200, name
            assert "档案已删除" in page.locator("main").inner_text()
            check_page(page, width, f"{name}'s deleted child's file", errors)
            page.screenshot(full_page=size == "pc", path=str(shots / f"{name}-mentee-deleted-{size}.png"))
        finally:
            context.close()


# Each line of a card heading's own words, per card: the date and kind of a visit must read on one
# line, the badges (待审核, ⚠ 发现自伤自残风险) going to the next when the phone is too narrow for all.
HEADING_LINES = """() => [...document.querySelectorAll('main article.card h3 > a')].map((a) => {
  const words = [...a.childNodes].find((n) => n.nodeType === 3 && n.textContent.trim());
  const range = document.createRange(); range.selectNodeContents(words);
  return [words.textContent.trim(), new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size];
})"""


def test_a_flagged_visits_heading_in_the_review_queue_reads_on_one_line_at_phone_width(
        server: ServerProcess, browser: Browser) -> None:
    """At 390 px the two badges of a flagged visit squeezed its date into a column two characters
    wide (2026 / 年12 / 月3日 / ・上 / 门家 / 访): the heading's link is a flex row that did not wrap."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["phone"])
    page = context.new_page()
    errors = watch_errors(page)
    try:
        sign_in(page, server, STAFF_LOGIN, "/staff")
        page.goto(server.url + "/review")
        check_page(page, 390, "review", errors)
        assert page.locator("main article.card.risk").count() >= 1, "the demo's flagged visits wait for review"
        headings = page.evaluate(HEADING_LINES)
        assert headings and all(lines == 1 for _, lines in headings), headings
    finally:
        context.close()


def _refused_in_view(page: Page, card: Locator, button: str | re.Pattern[str], words: str) -> str:
    """Tap ``button`` on ``card`` with its form left empty; the card's refusal says ``words`` and
    stands within the phone's first screen (844 px) of the page that answers. The card's id."""
    card_id = card.get_attribute("id")
    card.get_by_role("button", name=button).click()
    page.wait_for_load_state()
    refusal = page.locator(f"article[id='{card_id}'] .field-error")
    assert words in refusal.inner_text()
    box = refusal.bounding_box()
    assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= 844, box
    return str(card_id)


def test_a_return_without_its_reason_opens_at_the_card_that_needs_it_at_phone_width(
        server: ServerProcess, browser: Browser) -> None:
    """退回 tapped with no reason on a card below the first screen came back at the top of the queue:
    the phone showed the heading and the first card, nothing wrong, and the reason asked for sat
    screens below. The page now opens at that card, the sentence in view, and says so on top."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["phone"])
    page = context.new_page()
    errors = watch_errors(page)
    try:
        sign_in(page, server, STAFF_LOGIN, "/staff")
        page.goto(server.url + "/review")
        card_id = _refused_in_view(page, page.locator("main article.card").nth(3),
                                   # 退回给志愿者, or 退回给代录人 on a visit the station typed in
                                   re.compile("^退回给"), "退回时请写明原因")
        assert errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
        page.evaluate("window.scrollTo(0, 0)")
        page.get_by_role("link", name="这条记录的审核意见旁写了原因").click()
        assert page.evaluate("location.hash") == f"#{card_id}"
    finally:
        context.close()


def test_a_childs_code_and_name_in_a_risk_flags_heading_read_apart_at_phone_width(
        server: ServerProcess, browser: Browser) -> None:
    """A link standing on its own is laid out as a wrapping flex row, and the space between a child's
    code and name began the name's anonymous flex item, where it collapses: the station home's risk
    flag read BX-2026-0036张博文, and a visit's way back 结对档案：BX-2026-0001李佳琪← 刘志刚."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["phone"])
    page = context.new_page()
    try:
        sign_in(page, server, STAFF_LOGIN, "/staff")
        link = page.locator("main article.flag h3 a").first
        gap = link.evaluate("""(a) => {
            const code = a.querySelector('.code').getBoundingClientRect();
            const range = document.createRange();
            range.selectNodeContents(a.lastChild);
            const name = range.getBoundingClientRect();
            return Math.abs(name.top - code.top) < 4 ? name.left - code.right : null; }""")
        # One line at 390 px, so the two pieces stand side by side: a space of a 20 px font is 4 px or more.
        assert gap is not None and gap >= 4, (link.inner_text(), gap)
    finally:
        context.close()


def test_a_risk_flag_saved_without_what_was_done_opens_at_its_card_at_phone_width(
        server: ServerProcess, browser: Browser) -> None:
    """保存处理记录 tapped with nothing written came back at the top of the station home: the phone
    showed the heading and the first flag's facts, nothing wrong, while the sentence asking what was
    done sat a screen or more below. The page now opens at that flag's form, the sentence in view."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["phone"])
    page = context.new_page()
    try:
        sign_in(page, server, STAFF_LOGIN, "/staff")
        _refused_in_view(page, page.locator("main article.flag").nth(1), "保存处理记录", "请写下做了什么")
    finally:
        context.close()


def test_the_volunteers_number_on_a_risk_flag_is_a_44_px_tap_at_phone_width(
        server: ServerProcess, browser: Browser) -> None:
    """The number to call the volunteer about a child at risk, the most urgent tap of the station
    home, was a line of text 27 px high, where the same number in the follow-up lists is 44 px."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["phone"])
    page = context.new_page()
    try:
        sign_in(page, server, STAFF_LOGIN, "/staff")
        heights = page.locator("main article.flag a[href^='tel:']").evaluate_all(
            "(links) => links.map((a) => a.getBoundingClientRect().height)")
        assert heights and all(h >= 43.5 for h in heights), heights
    finally:
        context.close()


def test_a_childs_name_in_the_station_homes_lists_is_never_cut_across_two_lines_at_pc_width(
        server: ServerProcess, browser: Browser) -> None:
    """The station home's tables give the child's column the width of its code, and the name after it
    broke between any two characters: 未结束的转介 read BX-2026-0010 曹嘉 / 乐. The name now stays whole,
    on the code's line or the next, as the archive keeps it."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["pc"])
    page = context.new_page()
    try:
        sign_in(page, server, STAFF_LOGIN, "/staff")
        lines = page.locator("main table a[href^='/mentees/']").evaluate_all("""(links) => links.map((a) => {
            let name = a.lastChild;
            while (name.lastChild) name = name.lastChild;
            const range = document.createRange();
            range.setStart(name, name.textContent.length - name.textContent.trimStart().length);
            range.setEnd(name, name.textContent.length);
            const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
            return [a.textContent.trim(), tops.size]; })""")
        assert lines and all(n == 1 for _, n in lines), lines
    finally:
        context.close()


def test_a_flag_a_phone_sent_after_its_pairing_ended_stands_first_on_the_home_and_files_in_one_tap(
        server: ServerProcess, browser: Browser, tmp_path: pathlib.Path) -> None:
    """杨桂芳's phone, offline, recorded a visit that found self-harm risk; it reached the server after
    the station ended the pairing, and was refused. At phone width the station home shows it first of
    its flags, with what to do; 归入原结对 takes it into the system, where it is an open flag like the
    others, waiting for its 处理记录."""
    record_id = _flag_sent_too_late(server, days_ago=2)
    shots = shots_dir(tmp_path)
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["phone"])
    page = context.new_page()
    errors = watch_errors(page)
    try:
        sign_in(page, server, STAFF_LOGIN, "/staff")
        first = page.locator("main article.flag").first
        expect(first).to_contain_text("还没有收进系统")
        expect(first).to_contain_text("孩子说最近不想活了")
        check_page(page, 390, "station home with a refused flag", errors)
        first.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "station-home-refused-flag-phone.png"))
        first.get_by_role("button", name="归入原结对").click()
        expect(page.locator("main")).to_contain_text("已归入原结对")
        assert query(server, "SELECT risk_flag FROM activities WHERE id = ?", record_id) == [(1,)]
        filed = page.locator(f"#flag-{record_id}")
        expect(filed).to_contain_text("孩子说最近不想活了")
        expect(filed.get_by_label("处理记录（做了什么、联系了谁、孩子现在怎样）")).to_be_visible()
        expect(page.locator("main")).not_to_contain_text("还没有收进系统")
    finally:
        context.close()


def _flag_sent_too_late(server: ServerProcess, *, days_ago: int | None = None) -> str:
    """杨桂芳's phone sends a visit that found self-harm risk, made ``days_ago`` days ago (else the day
    before the pairing began), after the station ended the pairing today: refused, its words kept.
    The visit's id."""
    (pairing, version, start), = query(
        server, "SELECT p.id, p.version, p.start_date FROM pairings p JOIN users u ON u.id = p.mentor_id"
        " WHERE u.login = 'yang.mofan' AND p.status = 'active' LIMIT 1")
    phone = enrol(server, "yang.mofan", "杨桂芳的手机")
    today = local_today()
    Station(server, STAFF_LOGIN).push("pairing", pairing, {"status": "closed", "end_date": today.isoformat(),
                                                            "outcome": "stable"}, version)
    record_id = new_id()
    fields = {"pairing_id": pairing, "kind": "home_visit",
              "date": (today - datetime.timedelta(days=days_ago) if days_ago is not None
                       else datetime.date.fromisoformat(start) - datetime.timedelta(days=1)).isoformat(),
              "record": "孩子说最近不想活了，手臂上有划痕，奶奶不知道。", "risk_flag": True}
    status, body = server.request("POST", "/api/sync/push", {"mutations": [
        {"mutation_id": 1, "entity": "activity", "record_id": record_id, "op": "upsert", "base_version": None,
         "fields": fields}]}, phone["token"])
    assert status == 200 and body["results"][0]["status"] == "rejected", body
    return record_id


def test_a_flag_a_phone_sent_that_cannot_be_filed_is_closed_with_what_was_done_at_phone_and_pc_width(
        server: ServerProcess, browser: Browser, tmp_path: pathlib.Path) -> None:
    """The same late flag dated before the pairing began cannot be filed into it: its card says why and
    offers 不收进系统，记下处理情况 as its main button. Saved with what was done, it leaves the home and the
    county's list, and the phone-import page keeps it under 近 90 天不收进系统的记录."""
    _flag_sent_too_late(server)
    shots = shots_dir(tmp_path)
    for size in ("phone", "pc"):  # the phone looks before the PC closes it
        width = SIZES[size]["viewport"]["width"]
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES[size])
        page = context.new_page()
        errors = watch_errors(page)
        try:
            sign_in(page, server, "county", "/dashboard")
            page.goto(server.url + "/risk-flags")
            check_page(page, width, "county risk flags with a refused flag", errors)
            if size == "phone":
                expect(page.locator("main")).to_contain_text("手机送来、还没有收进系统的（1 条）")
                page.locator("main section").first.scroll_into_view_if_needed()
                page.screenshot(path=str(shots / "county-risk-flags-refused-phone.png"))
                context.clear_cookies()
                sign_in(page, server, STAFF_LOGIN, "/staff")
                card = page.locator("main article.flag").first
                expect(card).to_contain_text("不能直接归入原结对")
                check_page(page, width, "station home with a refused flag to close", errors)
                card.get_by_role("button", name="不收进系统，记下处理情况").scroll_into_view_if_needed()
                page.screenshot(path=str(shots / "station-home-refused-close-phone.png"))
                continue
            page.screenshot(full_page=True, path=str(shots / "county-risk-flags-refused-pc.png"))
            context.clear_cookies()
            sign_in(page, server, STAFF_LOGIN, "/staff")
            card = page.locator("main article.flag").first
            expect(card).to_contain_text("不能直接归入原结对")
            expect(card.get_by_role("button", name="归入原结对")).to_have_count(0)
            card.get_by_label("处理记录（做了什么、联系了谁、孩子现在怎样）").fill(
                "当天给孩子奶奶打了电话，孩子现在安全；已请学校心理老师跟进。")
            check_page(page, width, "station home with a refused flag to close", errors)
            page.screenshot(full_page=True, path=str(shots / "station-home-refused-close-pc.png"))
            card.get_by_role("button", name="不收进系统，记下处理情况").click()
            expect(page.locator("main")).to_contain_text("已记下处理情况")
            expect(page.locator("main")).not_to_contain_text("还没有收进系统")
            page.goto(server.url + "/activities/phone-import")
            closed = page.locator("#closed-h")
            expect(closed).to_contain_text("近 90 天不收进系统的记录（1 条）")
            check_page(page, width, "phone import with a closed refusal", errors)
            page.screenshot(full_page=True, path=str(shots / "station-phone-import-closed-pc.png"))
            # The pairing's archive keeps it, as an inspection reads it.
            (pairing,), = query(server, "SELECT pairing_id FROM refusal_closings")
            page.goto(server.url + f"/pairings/{pairing}#closings")
            expect(page.locator("#closings")).to_contain_text("手机送来、没有收进系统的帮扶记录（1 条，不计入次数）")
            expect(page.locator("main")).to_contain_text("当天给孩子奶奶打了电话")
            check_page(page, width, "archive with a closed refusal", errors)
            page.screenshot(path=str(shots / "pairings-refusal-closed-pc.png"))
        finally:
            context.close()
    # The phone's view of the same pages after the closing: the closed list, the home without the card.
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["phone"])
    page = context.new_page()
    try:
        sign_in(page, server, STAFF_LOGIN, "/staff")
        page.goto(server.url + "/activities/phone-import#closed-h")
        expect(page.locator("#closed-h")).to_be_visible()
        check_page(page, 390, "phone import with a closed refusal", watch_errors(page))
        page.locator("#closed-h").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "station-phone-import-closed-phone.png"))
    finally:
        context.close()


# Each closed <select> of a page's filters, against a copy of it holding only its chosen option at its
# own width (the words, the padding and the arrow): narrower than that copy, the words are cut off.
CUT_CHOICES = """() => [...document.querySelectorAll('main form.filters select')].map((select) => {
  const copy = select.cloneNode(false);
  copy.append(select.selectedOptions[0].cloneNode(true));
  copy.removeAttribute('id');
  copy.style.cssText = 'position: absolute; visibility: hidden; width: auto; min-width: 0; max-width: none';
  select.parentElement.append(copy);
  const needs = copy.getBoundingClientRect().width;
  copy.remove();
  const has = select.getBoundingClientRect().width;
  return [select.name, select.selectedOptions[0].text, Math.round(has), Math.round(needs)];
}).filter(([, , has, needs]) => has < needs)"""


@pytest.mark.parametrize("login", [STAFF_LOGIN, "county"])
def test_the_referral_lists_status_filter_shows_its_whole_choice_at_phone_width(
        server: ServerProcess, browser: Browser, login: str, tmp_path: pathlib.Path) -> None:
    """At 390 px 状态 shared its row with 转介去向 and read 未结束（已转介…, the statuses it means cut off."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES["phone"])
    page = context.new_page()
    errors = watch_errors(page)
    try:
        sign_in(page, server, login, "/staff" if login == STAFF_LOGIN else "/dashboard")
        page.goto(server.url + "/referrals")
        check_page(page, 390, f"{login} /referrals", errors)
        assert page.locator("#status").input_value() == "open"
        assert page.evaluate(CUT_CHOICES) == []
        page.screenshot(path=str(shots_dir(tmp_path) / f"referrals-filters-{login}-phone.png"))
    finally:
        context.close()
