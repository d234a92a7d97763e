"""The phone app at 特大 (30 px text, nine Chinese characters to a line at 390 px): where its
labels, headings and notes wrap. No character left alone on a line (发现自伤自残风 / 险), no count
alone (辅导站退回的记录 / （1）), no child's code or telephone number broken at a hyphen
(BX-2026- / 0014), no date cut in two (12月4 / 日), no visit's kind (面对面谈 / 心), and still no sideways scrolling.

Set ``BANXING_SCREENSHOTS=docs/screenshots`` to refresh pwa-mentee-xl.png and pwa-form-xl-text.png.
"""
from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .conftest import ServerProcess
from .phone import Phone, query
from .screen import check_page, documented_shots, watch_errors

pytestmark = pytest.mark.e2e

# The lines each element's text is drawn on, as strings: a character starts a new line when its
# middle lies below the bottom of the line so far.
LINES = """(selector) => {
  const linesOf = (el) => {
    const lines = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let i = 0; i < node.length; i++) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const box = [...range.getClientRects()].find((r) => r.width > 0);
        if (!box) continue;
        const line = lines[lines.length - 1];
        if (line && (box.top + box.bottom) / 2 < line.bottom) {
          line.text += node.data[i];
          line.bottom = Math.max(line.bottom, box.bottom);
        } else {
          lines.push({ text: node.data[i], bottom: box.bottom });
        }
      }
    }
    return lines.map((l) => l.text.trim()).filter(Boolean);
  };
  return [...document.querySelectorAll(selector)].filter((el) => el.getBoundingClientRect().width > 0)
    .map((el) => ({ name: el.tagName.toLowerCase() + ' ' + el.textContent.trim().slice(0, 24), lines: linesOf(el) }));
}"""
WRAPPING = "header h1, nav a, main h2, main p, main dt, main dd, main label, main legend, main button, main a"
LONE_CHARACTER = re.compile(r"^[\W_]*[\u4e00-\u9fff][\W_]*$")  # 险, 上。
LONE_COUNT = re.compile(r"^（\d+）$")
# 上次同步 12月4 / 日 23:33: a date cut inside reads as two things.
CUT_DATE = re.compile(r"\d月\n\d|\d\n[月日]")
# A visit's kind (pwa/js/strings.js KINDS) cut in two: 12月6日 面对面谈 / 心 待审核 reads 面对面谈 and 心待审核.
KINDS = ("上门家访", "面对面谈心", "电话或线上", "集体活动")


def typed_at(lines: list[str], i: int, typed: frozenset[str]) -> bool:
    """Whether the break after ``lines[i]`` falls inside words a volunteer typed: their own 12月20日
    wraps as the browser wraps any sentence (the home screen's follow-up quotes it after the app's date)."""
    joined, at = "".join(lines), len("".join(lines[:i + 1]))
    return any(0 <= joined.find(words) < at < joined.find(words) + len(words) for words in typed)


def awkward_breaks(page: Page, screen: str, typed: frozenset[str] = frozenset(), where: str = WRAPPING) -> list[str]:
    found = []
    for element in page.evaluate(LINES, where):
        lines = element["lines"]
        shown = " / ".join(lines)
        for i, line in enumerate(lines):
            # A line alone is made by the break before it; the checks below, by the break after it.
            if i > 0 and not typed_at(lines, i - 1, typed) and (LONE_CHARACTER.match(line) or LONE_COUNT.match(line)):
                found.append(f"[{screen}] {line!r} alone on a line: {shown}")
            if typed_at(lines, i, typed):
                continue
            if i < len(lines) - 1 and line.endswith("-"):
                found.append(f"[{screen}] broken at a hyphen: {shown}")
            if i < len(lines) - 1 and CUT_DATE.search(line[-2:] + "\n" + lines[i + 1][:1]):
                found.append(f"[{screen}] a date cut in two: {shown}")
            if i < len(lines) - 1 and any(line.endswith(kind[:j]) and lines[i + 1].startswith(kind[j:])
                                          for kind in KINDS for j in range(1, len(kind))):
                found.append(f"[{screen}] a visit's kind cut in two: {shown}")
    return found


# 360 px: the cheap Android phones many volunteers carry, eight characters to a line.
@pytest.mark.parametrize("width", [390, 360])
def test_pwa_labels_and_headings_wrap_cleanly_at_the_largest_text(
        module_server: ServerProcess, phones: Any, width: int) -> None:
    server = module_server
    shots = documented_shots() if width == 390 else None
    phone: Phone = phones.new(server, viewport={"width": width, "height": 844},
                              **({"device_scale_factor": 2} if shots else {}))
    phone.enrol("wang.laoshi")
    page = phone.page
    page.goto(server.url + "/app/#/settings")
    page.locator("label.chip", has_text="特大").click()
    (mentee,) = query(server, "SELECT m.id FROM mentees m WHERE m.name = '王雨欣'")[0]  # BX-<year registered>-0014
    errors = watch_errors(page)

    screens = [
        ("home", "#/", lambda: expect(page.get_by_role("heading", name="辅导站退回的记录（1）")).to_be_visible()),
        ("mentee", f"#/mentee/{mentee}", lambda: expect(page.get_by_text("一人一策")).to_be_visible()),
        ("form", "#/log", lambda: page.get_by_role("checkbox", name="发现自伤自残风险").check()),
        ("waiting", "#/waiting", lambda: expect(page.get_by_role("heading", name="待同步")).to_be_visible()),
        ("settings", "#/settings", lambda: expect(page.get_by_role("radio", name="特大")).to_be_checked()),
    ]
    # What the demo's volunteers typed (a follow-up "12月20日前我再上门" falls due on the home screen).
    typed = frozenset(words for (words,) in query(
        server, "SELECT follow_up FROM activities WHERE follow_up != ''"
                " UNION SELECT record FROM activities WHERE record != ''"
                " UNION SELECT preparation FROM activities WHERE preparation != ''"))
    # A child's page shows a visit's first 40 characters and …, wrapped as her own words are (ui/mentee.js).
    typed |= {words[:40] + "…" for words in typed if len(words) > 40}
    found: list[str] = []
    for screen, route, ready in screens:
        page.goto(server.url + "/app/" + route)
        ready()
        assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") == 30
        check_page(page, width, f"{screen} at 特大", errors)
        found += awkward_breaks(page, screen, typed)
        if shots and screen == "mentee":
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(shots / "pwa-mentee-xl.png"))
        if shots and screen == "form":  # the date as a Chinese phone shows it, 2026/12/02
            page.evaluate("document.querySelector('input[type=date]').scrollIntoView({block: 'center'})")
            page.screenshot(path=str(shots / "pwa-form-xl-text.png"))
    assert not found, "\n".join(found)
    assert phone.dialogs == []


@pytest.mark.parametrize("width", [360, 320])
def test_pwa_a_waiting_change_reads_cleanly_at_the_largest_text(
        module_server: ServerProcess, phones: Any, width: int) -> None:
    """A visit saved with no signal, on 待同步 at 特大 on the smallest phones: its child's code, its day and kind, and
    when it was made (记录于 12月7日 23:10) each whole on their line."""
    phone: Phone = phones.at_largest_text(module_server, "zhou.laoshi" if width == 320 else "xu.yisheng", width=width)
    page = phone.page
    phone.context.set_offline(True)
    phone.log_activity("没信号时记的：孩子作业写完了。")
    page.get_by_role("link", name="待同步").click()
    expect(page.get_by_text("还没有发送过")).to_be_visible()
    found = awkward_breaks(page, "waiting", frozenset({"没信号时记的：孩子作业写完了。"}), "main .row .meta")
    assert not found, "\n".join(found)


PAST_THE_EDGE = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def lines_of(page: Page, selector: str) -> list[list[str]]:
    return [element["lines"] for element in page.evaluate(LINES, selector)]


@pytest.mark.parametrize("width", [360, 320])
def test_pwa_the_self_harm_flag_reads_whole_at_the_largest_text_on_a_small_phone(
        module_server: ServerProcess, phones: Any, width: int) -> None:
    """⚠ 发现自伤自残风险, the most important words of the app, broke inside at 特大: 发现自伤自 / 残风险 in the child's
    list at 320 px. Wherever a visit's flag shows (the child's list, 待同步, the visit's own page) it is whole."""
    phone: Phone = phones.at_largest_text(module_server, "sun.laoshi" if width == 320 else "huang.laoshi", width=width)
    page = phone.page
    phone.context.set_offline(True)
    phone.start_visit("孩子说不想活了，手臂上有划痕。")
    page.locator("label.chip", has_text="发现自伤自残风险").click()
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    shown = {}
    for screen in ("child", "waiting", "visit"):
        if screen == "waiting":
            page.get_by_role("link", name="待同步").click()
        if screen == "visit":
            page.go_back()
            page.locator("main a.row", has_text="孩子说不想活了").click()
            expect(page.get_by_role("heading", name="帮扶记录")).to_be_visible()
        expect(page.locator("main .tag.risk-key, main dt", has_text="发现自伤自残风险").first).to_be_visible()
        # Measured in one step, and again while the app's redraw after the save has the screen empty.
        for _ in range(50):
            shown[screen] = [lines for lines in lines_of(page, "main .tag.risk-key, main dt")
                             if "发现自伤自残风险" in "".join(lines)]
            if shown[screen]:
                break
            page.wait_for_timeout(100)
    assert all(shown.values()), shown
    broken = {screen: lines for screen, lines in shown.items()
              if not all(any("发现自伤自残风险" in line for line in flag) for flag in lines)}
    assert not broken, broken
    assert page.evaluate(PAST_THE_EDGE) == 0


@pytest.mark.parametrize("width", [360, 320])
def test_pwa_the_call_to_the_station_keeps_its_words_whole_at_the_largest_text_on_a_small_phone(
        module_server: ServerProcess, phones: Any, width: int) -> None:
    """忘记密码 at 特大 on a 320 px phone: the one button that gets her help read 打电话给辅 / 导站 0513 / 8452 1340.
    Its words stay whole, the number's groups after them."""
    phone: Phone = phones.at_largest_text(module_server, "chen.ganbu" if width == 320 else "bao.laoshi", width=width)
    page = phone.page
    page.reload()
    page.get_by_role("button", name="忘记密码").click()
    call = page.get_by_role("link", name=re.compile("^打电话给辅导站"))
    expect(call).to_be_visible()
    (lines,) = lines_of(page, "main a[href^='tel:']")
    assert all(any(word in line for line in lines) for word in ("打电话", "辅导站")), lines
    assert page.evaluate(PAST_THE_EDGE) == 0


@pytest.mark.parametrize("width", [360, 320])
def test_pwa_a_failed_try_to_send_reads_cleanly_at_the_largest_text(
        module_server: ServerProcess, phones: Any, width: int) -> None:
    """A visit the phone tried to send with no signal, on 待同步 at 特大 on the smallest phones: when it last tried
    (上次尝试 12月7日 23:10) whole on its line, as 记录于 is, and why after it (没有网络)."""
    phone: Phone = phones.at_largest_text(module_server, "zhou.laoshi" if width == 320 else "xu.yisheng",
                                          width=width, height=640 if width == 360 else 568)
    page = phone.page
    phone.context.set_offline(True)
    phone.log_activity("没信号时记的：孩子说想学画画。")
    page.get_by_role("link", name="首页").click()
    page.get_by_role("button", name="立即同步").click()
    page.get_by_role("link", name="待同步").click()
    expect(page.locator("main .row .meta", has_text="上次尝试")).to_contain_text("没有网络")
    found = awkward_breaks(page, "waiting", frozenset({"没信号时记的：孩子说想学画画。"}), "main .row .meta")
    assert not found, "\n".join(found)
