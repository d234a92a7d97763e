"""Every screen of the phone app, walked at 390×844 at 标准 and 特大, checked against the
MIIT 适老化 rules we hold ourselves to: all visible text ≥ 18 px (≥ 30 px at 特大), line
height ≥ 1.5, text contrast ≥ 7:1, main buttons and list rows ≥ 60×60, nothing tappable
under 44×44, no sideways scrolling, no pop-ups, and Chinese glyphs that really render.

Set ``BANXING_SCREENSHOTS=docs/screenshots`` to refresh the README's phone screenshots.
"""
from __future__ import annotations

import json
import pathlib
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .conftest import ServerProcess, cli
from .phone import Phone, Station, query, until
from .screen import GLYPH_CHECK, documented_shots

pytestmark = pytest.mark.e2e

MIN_TEXT = {"std": 18.0, "xl": 30.0}
MIN_CONTRAST = 7.0

# Returns the rule breaks on the current screen: text size, line height and contrast of every
# element holding visible text, the size of form controls and of everything tappable.
ELDER_CHECK = """(minText) => {
  const problems = [];
  const parse = (c) => {
    const m = c && c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return { r, g, b, a };
  };
  const blend = (top, under) => ({ r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a),
                                   b: top.b * top.a + under.b * (1 - top.a), a: 1 });
  const lum = ({ r, g, b }) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const backdrop = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    return layers.reverse().reduce((under, top) => blend(top, under), { r: 255, g: 255, b: 255, a: 1 });
  };
  const shown = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0
    && getComputedStyle(el).visibility !== 'hidden'; };
  const name = (el) => (el.tagName.toLowerCase() + ' ' + (el.innerText || el.value || el.getAttribute('aria-label')
    || '').trim().slice(0, 24));
  let minContrast = 99;
  for (const el of document.body.querySelectorAll('*')) {
    if (!shown(el)) continue;
    const style = getComputedStyle(el);
    const size = parseFloat(style.fontSize);
    const own = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    const control = ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName) && style.opacity !== '0';
    if (own || control) {
      if (size < minText) problems.push(`text ${size}px < ${minText}px: ${name(el)}`);
      const lh = parseFloat(style.lineHeight);
      if (!(lh / size >= 1.49)) problems.push(`line height ${style.lineHeight} at ${size}px: ${name(el)}`);
    }
    if (own) {
      const bg = backdrop(el);
      const fg = blend(parse(style.color), bg);
      const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
      const ratio = (hi + 0.05) / (lo + 0.05);
      minContrast = Math.min(minContrast, ratio);
      if (ratio < %(contrast)s) problems.push(`contrast ${ratio.toFixed(2)}: ${name(el)}`);
    }
  }
  const tappable = 'a[href], button, input:not([type=hidden]), select, textarea, label.chip, summary';
  for (const el of document.querySelectorAll(tappable)) {
    if (!shown(el)) continue;
    const r = el.getBoundingClientRect();
    const box = `${Math.round(r.width)}x${Math.round(r.height)}: ${name(el)}`;
    if (r.width < 44 || r.height < 44) problems.push(`tap target ${box}`);
    const main = el.matches('button, a.button, a.row, .tabs a');
    if (main && (r.width < 60 || r.height < 60)) problems.push(`main button ${box}`);
  }
  if (document.documentElement.scrollWidth > window.innerWidth) problems.push('the page scrolls sideways');
  return { problems, minContrast };
}""".replace("%(contrast)s", str(MIN_CONTRAST))

class Walk:
    """Checks each screen and keeps the worst contrast seen; screenshots at 标准 when asked."""

    def __init__(self, shots: pathlib.Path | None) -> None:
        self.shots = shots
        self.failures: list[str] = []
        self.contrast = 99.0
        self.seen: list[str] = []

    def check(self, page: Page, screen: str, level: str) -> None:
        page.evaluate("document.fonts.ready")
        chars = "".join(sorted(set(page.evaluate("document.body.innerText")) - set(" \n\t")))
        family = page.evaluate("getComputedStyle(document.body).fontFamily")
        tofu = page.evaluate(GLYPH_CHECK, [chars, family])
        if tofu:
            self.failures.append(f"[{screen} @ {level}] no glyph for {tofu}")
        result = page.evaluate(ELDER_CHECK, MIN_TEXT[level])
        self.contrast = min(self.contrast, result["minContrast"])
        self.failures += [f"[{screen} @ {level}] {p}" for p in result["problems"]]
        self.seen.append(f"{screen}@{level}")
        if self.shots is not None and (level == "std" or screen == "home"):
            suffix = "" if level == "std" else "-xl"
            page.screenshot(path=str(self.shots / f"pwa-{screen}{suffix}.png"))


@pytest.fixture
def shots() -> pathlib.Path | None:
    return documented_shots()


def set_size(page: Page, server: ServerProcess, label: str) -> None:
    page.goto(server.url + "/app/#/settings")
    page.locator("label.chip", has_text=label).click()


def test_pwa_every_screen_is_elder_friendly_at_standard_and_largest_text(
    module_server: ServerProcess, phones: Any, shots: pathlib.Path | None
) -> None:
    server = module_server
    walk = Walk(shots)
    scale = {"device_scale_factor": 2} if shots else {}

    # The screens before the app opens.
    fresh: Phone = phones.new(server, **scale)
    fresh.open()
    expect(fresh.page.get_by_label("登记码")).to_be_visible()
    missing = fresh.page.evaluate(GLYPH_CHECK, ["登记码伴行帮扶过程记录", fresh.page.evaluate(
        "getComputedStyle(document.body).fontFamily")])
    assert missing == [], f"no glyph for {missing}: apt-get install fonts-noto-cjk"
    wechat: Phone = phones.new(server, user_agent="Mozilla/5.0 (Linux; Android 12) MicroMessenger/8.0.40", **scale)
    wechat.open()
    expect(wechat.page.get_by_text("右上角 ···")).to_be_visible()
    expect(wechat.page.get_by_role("img")).to_have_attribute("alt", "右上角 ··· → 在浏览器打开")

    phone: Phone = phones.new(server, **scale)
    code = json.loads(cli(server.db, "enrol-code", "--user", "wang.laoshi", "--json"))["code"]
    activity = prepare(server, phone, code)

    def gate_screens(level: str) -> None:
        for who, screen in ((fresh, "enrol"), (wechat, "wechat")):
            if level == "xl":
                who.page.evaluate("document.documentElement.dataset.size = 'xl'")
            walk.check(who.page, screen, level)
        page = phone.page
        page.goto(server.url + "/app/#/settings")
        page.get_by_role("button", name="立即锁定").click()
        page.get_by_label("密码", exact=True).fill("0000")
        page.get_by_role("button", name="解锁").click()
        expect(page.get_by_role("alert")).to_contain_text("密码不对")
        walk.check(page, "unlock", level)
        page.get_by_role("button", name="忘记密码").click()
        expect(page.get_by_label("恢复码")).to_be_visible()
        walk.check(page, "forgot-pin", level)
        page.get_by_role("button", name="返回").click()
        phone.unlock()

    app_screens: list[tuple[str, str, Callable[[Page], Any]]] = [
        ("home", "#/", lambda p: expect(p.get_by_text("辅导站退回的记录")).to_be_visible()),
        ("log", "#/log", lambda p: (p.get_by_role("checkbox", name="发现自伤自残风险").check(),
                                    expect(p.get_by_role("link", name="拨打辅导站电话")).to_be_visible())),
        ("mentee", f"#/mentee/{activity['mentee_id']}", lambda p: expect(p.get_by_text("一人一策")).to_be_visible()),
        ("returned", f"#/activity/{activity['id']}", lambda p: expect(p.locator(".comment")).to_be_visible()),
        ("edit", f"#/activity/{activity['id']}/edit", lambda p: expect(p.locator(".comment")).to_be_visible()),
        ("screening", f"#/screening/{activity['mentee_id']}",
         lambda p: expect(p.get_by_role("radio", name="重点")).to_be_visible()),
        ("guardian", f"#/guardian/{activity['mentee_id']}",
         lambda p: expect(p.get_by_label("监护人联系方式")).to_be_visible()),
        ("waiting", "#/waiting", lambda p: (
            expect(p.get_by_text("没有被接收，需要修改")).to_be_visible(),
            expect(p.locator(".row strong", has_text="和别人的修改冲突")).to_be_visible())),
        ("fix", "#/notice/", lambda p: expect(p.get_by_text("原因：")).to_be_visible()),
        ("settings", "#/settings", lambda p: expect(p.get_by_role("radio", name="特大")).to_be_visible()),
    ]

    for level, label in (("std", "标准"), ("xl", "特大")):
        set_size(phone.page, server, label)
        if level == "xl":
            assert phone.page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 30
        for screen, route, ready in app_screens:
            if screen == "fix":
                phone.page.goto(server.url + "/app/#/waiting")
                phone.page.get_by_role("link", name="打开修改").click()
            else:
                phone.page.goto(server.url + "/app/" + route)
            ready(phone.page)
            walk.check(phone.page, screen, level)
        gate_screens(level)

    stopped = stopped_phone(server, phones, scale)
    for level in ("std", "xl"):
        stopped.page.evaluate(f"document.documentElement.dataset.size = '{level}'")
        walk.check(stopped.page, "revoked", level)

    assert len(walk.seen) == 2 * 15, walk.seen
    assert not walk.failures, "\n".join(walk.failures)
    assert walk.contrast >= MIN_CONTRAST
    assert phone.dialogs == [] and fresh.dialogs == [] and wechat.dialogs == []


def prepare(server: ServerProcess, phone: Phone, code: str) -> dict[str, Any]:
    """A phone holding every kind of thing a screen shows: a returned record, a pending change,
    one the server rejected and one in conflict with the station's edit."""
    phone.open(f"/app/?code={code}")
    phone.page.get_by_role("button", name="登记", exact=True).click()
    phone.set_pin()
    phone.wait_synced()
    row = query(server, "SELECT a.id, a.mentee_id, a.version FROM activities a JOIN users u ON u.id = a.author_id"
                " WHERE u.login = 'wang.laoshi' AND a.review_status = 'pending' AND a.entered_by IS NULL"
                " ORDER BY a.date DESC LIMIT 2")
    (returned, mentee, _), (other, _, other_version) = row
    station = Station(server, "zhan-juegang")
    review_id = phone.page.evaluate("import('/app/js/ids.js').then((m) => m.uuid7())")
    station.push("review", review_id, {"target_entity": "activity", "target_id": returned, "decision": "return",
                                       "comment": "请写清楚这次家访时孩子父母是否在场。"}, None)
    phone.page.get_by_role("button", name="立即同步").click()
    phone.wait_synced()
    # A conflict: the station changes a follow-up the phone then changes too, from the same base.
    station.push("activity", other, {"follow_up": "辅导站改的跟踪安排"}, other_version)
    phone.page.goto(server.url + f"/app/#/activity/{other}/edit")
    phone.page.get_by_label("事后跟踪").fill("我改的跟踪安排：下周三再去")
    phone.page.get_by_role("button", name="保存", exact=True).click()
    expect(phone.page.get_by_text("已保存。")).to_be_visible()
    # A rejected change (a year typed wrong) and one waiting offline.
    phone.context.set_offline(True)
    phone.page.goto(server.url + "/app/#/log")
    phone.choose_a_child()
    phone.page.get_by_label("日期", exact=True).fill("2099-11-30")  # a year to come: the server refuses it
    phone.page.get_by_label("过程记录").fill("年份输错的一条记录")
    phone.page.get_by_role("button", name="保存", exact=True).click()
    expect(phone.page.get_by_text("已保存。")).to_be_visible()
    phone.context.set_offline(False)
    phone.page.goto(server.url + "/app/#/waiting")
    until(phone.page, "() => import('/app/js/repo.js').then((r) => r.pending().length === 0"
          " && r.noticeList().length === 2)")
    phone.context.set_offline(True)
    phone.log_activity("等有信号再发的一条记录")
    return {"id": returned, "mentee_id": mentee}


def stopped_phone(server: ServerProcess, phones: Any, scale: dict[str, Any]) -> Phone:
    phone: Phone = phones.new(server, **scale)
    phone.enrol("sun.laoshi")
    phone.context.set_offline(True)
    phone.log_activity("停用前没发出去的记录")
    cli(server.db, "revoke", "--device", phone.device_id("sun.laoshi"), "--reason", "手机已挂失")
    phone.context.set_offline(False)
    expect(phone.page.get_by_role("heading", name="这台手机已被停用")).to_be_visible(timeout=20_000)
    return phone
