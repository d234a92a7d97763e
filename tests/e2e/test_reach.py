"""Can a 70-year-old with a small phone (360×640) and big text use every screen? The phone app at
标准 and at its largest text, 特大, the web pages signed in as staff-bencha, as the county reviewer
and as the admin (单位, 账号, 访问日志, 备份), and a pairing archive's print view (read on screen
before it is printed: its 打印 and 返回档案 are tapped like any button), each checked for: no
sideways scrolling; everything tappable at least 44×44 CSS px; every form field with an accessible
name; no text cut off by a fixed height, nor hidden in a text box shorter than its text; no
paragraph ending in one character alone on its last line. (Tables that scroll inside their own
box, overflow auto, are allowed.)

Inline links inside a sentence are exempt from the 44 px rule (as WCAG 2.5.8 exempts them): their
height is the line's, and making one taller would tear the sentence apart. A link whose text is a
record's code alone (BX-2026-0014) is never words of a sentence: it is a target. A link counts as inline
when it is displayed inline and shares its parent with words of its own; a link that stands alone
(a row, a menu entry, a "查看" in a table cell, links side by side with only " · " or " / " between them,
the line atop a page that leads back) is a target and is measured.

One server, one browser, one context per person; screens are reached by address, so the walk is quick.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from .a11y import audit
from .conftest import ServerProcess
from .phone import PHONE, Phone, query
from .screen import PASSWORD, sign_in

pytestmark = pytest.mark.e2e

SMALL = {**PHONE, "viewport": {"width": 360, "height": 640}}
STAFF = "staff-bencha"
WECHAT = "Mozilla/5.0 (Linux; Android 12) MicroMessenger/8.0.40"  # opened inside WeChat: 在浏览器打开
ID = r"/%s/[0-9a-f]{8}-[0-9a-f-]{27}"  # a record's page: its id is a UUID

# Every problem on the current page, as readable strings.
REACH = """() => {
  const problems = [];
  const shown = (el) => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden'; };
  const name = (el) => el.tagName.toLowerCase() + ' ' + (el.innerText || el.value || el.getAttribute('aria-label')
    || el.getAttribute('name') || '').trim().replace(/\\s+/g, ' ').slice(0, 30);
  // A record's code alone (BX-2026-0014) is a control that opens the record, never words of a sentence.
  const code = (a) => /^[A-Z]{2,}-\\d{4}-\\d+$/.test(a.textContent.trim());
  // The line atop a page that leads back (p.meta: 结对档案 / BX-…, 返回这条记录 · …) is navigation, not prose.
  const inlineInSentence = (a) => !code(a) && !a.parentElement.matches('p.meta')
    && getComputedStyle(a).display === 'inline'
    && [...a.parentElement.childNodes]
      .some((n) => n !== a && n.nodeType === Node.TEXT_NODE && /[\\p{L}\\p{N}]/u.test(n.textContent));

  const scroll = document.scrollingElement.scrollWidth;
  if (scroll > window.innerWidth) problems.push(`scrolls sideways: ${scroll}px > ${window.innerWidth}px`);

  // The thing a finger hits: a check box or radio button is hit through its label.
  const targets = new Set();
  for (const el of document.querySelectorAll(
      'a[href], button, [role=button], summary, input:not([type=hidden]), select, textarea')) {
    if (el.tagName === 'A' && inlineInSentence(el)) continue;
    const box = el.matches('input[type=checkbox], input[type=radio]') ? (el.closest('label') || el) : el;
    targets.add(box);
  }
  for (const el of targets) {
    if (!shown(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 43.5 || r.height < 43.5)
      problems.push(`tap target ${Math.round(r.width)}x${Math.round(r.height)}: ${name(el)}`);
  }

  const fields = 'input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea';
  const named = (id) => document.getElementById(id)?.textContent.trim();
  for (const el of document.querySelectorAll(fields)) {
    const labelled = [...(el.labels || [])].some((l) => l.textContent.trim())
      || (el.getAttribute('aria-label') || '').trim()
      || (el.getAttribute('aria-labelledby') || '').split(/\\s+/).some(named);
    if (!labelled) problems.push(`no accessible name: ${el.outerHTML.slice(0, 80)}`);
  }

  // Cut off: a box that hides what overflows it and has more to show than room (visually hidden
  // helpers of 1px, and the form fields themselves, which scroll their own text, are not text boxes).
  for (const el of document.body.querySelectorAll('*')) {
    if (!shown(el) || ['INPUT', 'SELECT', 'TEXTAREA', 'IMG', 'SVG', 'CANVAS'].includes(el.tagName)) continue;
    const s = getComputedStyle(el);
    const hides = (v) => v === 'hidden' || v === 'clip';
    if (!el.innerText || !el.innerText.trim() || el.clientWidth <= 1 || el.clientHeight <= 1) continue;
    if (hides(s.overflowY) && el.scrollHeight > el.clientHeight + 1)
      problems.push(`text cut off (${el.scrollHeight}px in ${el.clientHeight}px): ${name(el)}`);
    if (hides(s.overflowX) && el.scrollWidth > el.clientWidth + 1)
      problems.push(`text cut off sideways (${el.scrollWidth}px in ${el.clientWidth}px): ${name(el)}`);
  }
  // A paragraph whose last line holds one character (and its full stop): 到。 alone under a full line
  // reads as a stray mark to an old eye. Each character is placed by its own range.
  for (const el of document.querySelectorAll('main p:not(.actions)')) {
    if (!shown(el) || !el.innerText.trim()) continue;
    const placed = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let i = 0; i < node.length; i++) {
        if (!node.data[i].trim()) continue;
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const r = range.getBoundingClientRect();
        if (r.width > 0) placed.push({ top: r.top, char: node.data[i] });
      }
    }
    if (!placed.length) continue;
    const em = parseFloat(getComputedStyle(el).fontSize);
    const top = Math.max(...placed.map((c) => c.top));
    if (top - placed[0].top < em) continue;  // one line only
    const last = placed.filter((c) => c.top > top - em / 2 && !/\\p{P}/u.test(c.char));
    if (last.length === 1) problems.push(`one character alone on the last line (${last[0].char}): ${name(el)}`);
  }
  // A written record shown in a box shorter than the record: the rest is hidden in a scroll box
  // inside the scrolling page, which an old finger scrolls past instead of through.
  for (const el of document.querySelectorAll('textarea')) {
    if (shown(el) && el.scrollHeight > el.clientHeight + 1)
      problems.push(`text hidden in a short box (${el.scrollHeight}px in ${el.clientHeight}px): ${name(el)}`);
  }
  return problems;
}"""


class Walk:
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.seen: list[str] = []

    def check(self, page: Page, screen: str) -> None:
        page.evaluate("document.fonts.ready")
        self.failures += [f"[{screen}] {p}" for p in page.evaluate(REACH)]
        self.failures += audit(page, screen)  # lang, headings, names in words, contrast, refusals tied
        self.seen.append(screen)


def links(page: Page, pattern: str) -> list[str]:
    """The paths of the page's links that match ``pattern`` (a record's page), in page order."""
    hrefs: list[str] = page.evaluate("[...document.querySelectorAll('main a[href]')].map((a) => a.pathname)")
    return [h for h in hrefs if re.fullmatch(pattern, h)]


def test_a_small_phone_with_big_text_reaches_every_pwa_screen(module_server: ServerProcess, browser: Browser) -> None:
    county = module_server
    walk = Walk()
    fresh = Phone(browser.new_context(**SMALL), county)
    wechat = Phone(browser.new_context(**SMALL, user_agent=WECHAT), county)
    phone = Phone(browser.new_context(**SMALL), county)
    try:
        fresh.open()
        expect(fresh.page.get_by_label("登记码")).to_be_visible()
        wechat.open()
        expect(wechat.page.get_by_text("右上角 ···")).to_be_visible()
        phone.enrol("wang.laoshi")
        page = phone.page
        (mentee,), (activity,) = (
            query(county, "SELECT a.mentee_id FROM activities a JOIN users u ON u.id = a.author_id"
                  " WHERE u.login = 'wang.laoshi' ORDER BY a.date DESC LIMIT 1")[0],
            query(county, "SELECT a.id FROM activities a JOIN users u ON u.id = a.author_id"
                  " WHERE u.login = 'wang.laoshi' AND a.entered_by IS NULL ORDER BY a.date DESC LIMIT 1")[0],
        )
        # Something waiting to be sent, so 待同步 has a row.
        phone.context.set_offline(True)
        phone.log_activity("等有信号再发的一条记录")
        screens = [
            ("home", "#/", lambda: expect(page.get_by_text("辅导站退回的记录")).to_be_visible()),
            ("log", "#/log", lambda: page.get_by_role("checkbox", name="发现自伤自残风险").check()),
            ("mentee", f"#/mentee/{mentee}", lambda: expect(page.get_by_text("一人一策")).to_be_visible()),
            ("activity", f"#/activity/{activity}", lambda: expect(page.locator("dl")).to_be_visible()),
            ("edit", f"#/activity/{activity}/edit", lambda: expect(page.get_by_label("过程记录")).to_be_visible()),
            ("screening", f"#/screening/{mentee}",
             lambda: expect(page.get_by_role("radio", name="重点")).to_be_visible()),
            ("guardian", f"#/guardian/{mentee}", lambda: expect(page.get_by_label("监护人联系方式")).to_be_visible()),
            ("waiting", "#/waiting", lambda: expect(page.get_by_role("heading", name="待同步")).to_be_visible()),
            ("settings", "#/settings", lambda: expect(page.get_by_role("radio", name="特大")).to_be_visible()),
        ]
        for level, label in (("标准", "标准"), ("特大", "特大")):
            page.goto(county.url + "/app/#/settings")
            page.locator("label.chip", has_text=label).click()
            for who, screen in ((fresh, "enrol"), (wechat, "wechat")):
                who.page.evaluate(f"document.documentElement.dataset.size = '{'xl' if label == '特大' else 'std'}'")
                walk.check(who.page, f"{screen} @ {level}")
            for screen, route, ready in screens:
                page.goto(county.url + "/app/" + route)
                ready()
                walk.check(page, f"{screen} @ {level}")
            page.goto(county.url + "/app/#/settings")
            page.get_by_role("button", name="立即锁定").click()
            expect(page.get_by_label("密码", exact=True)).to_be_visible()
            walk.check(page, f"unlock @ {level}")
            page.get_by_role("button", name="忘记密码").click()
            expect(page.get_by_label("恢复码")).to_be_visible()
            walk.check(page, f"forgot-pin @ {level}")
            page.get_by_role("button", name="返回").click()
            phone.unlock()
        assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") == 30
    finally:
        for who in (fresh, wechat, phone):
            who.context.close()
    assert len(walk.seen) == 2 * 13, walk.seen
    assert not walk.failures, "\n".join(walk.failures)


# Who signs in, where they land, and the forms their menu does not list. The county reviewer's
# dashboard and the records it opens are walked too: the same pages, reached another way.
PEOPLE = [
    (STAFF, "/staff", ["/mentees/new", "/mentors/new", "/pairings/new", "/activities/new", "/events/new",
                       "/referrals/new", "/account", "/mentees/import", "/activities/phone-import"]),
    ("county", "/dashboard", ["/account", "/summary/print"]),
    # The admin: 单位, 账号, 访问日志, 备份 from the menu; a new account's form is not listed there.
    ("admin", "/dashboard", ["/admin/users/new"]),
]
# A list page, and the kind of record page its first link opens.
DETAILS = {"/mentees": ID % "mentees", "/mentors": ID % "mentors", "/pairings": ID % "pairings",
           "/review": ID % "activities", "/events": ID % "events", "/referrals": ID % "referrals",
           "/returns": ID % "returns", "/conflicts": ID % "conflicts", "/inspections": ID % "inspections",
           "/admin/units": ID % "admin/units", "/admin/users": ID % "admin/users"}


@pytest.mark.parametrize(("login", "landing", "forms"), PEOPLE, ids=[p[0] for p in PEOPLE])
def test_a_small_phone_reaches_every_station_page(module_server: ServerProcess, browser: Browser, login: str,
                                                  landing: str, forms: list[str]) -> None:
    county = module_server
    walk = Walk()
    context = browser.new_context(**SMALL)
    try:
        page = context.new_page()
        page.goto(county.url + "/login")
        walk.check(page, "/login")
        page.get_by_label("用户名").fill(login)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(county.url + landing)
        walk.check(page, landing)
        # The risk notes handled lately, each opened by its child's code, fold away on the staff home.
        if page.locator("details.handled").count():
            page.locator("details.handled summary").click()
            walk.check(page, f"{landing} 已处理的风险提示")
        # The phone's 菜单 opened: its entries are targets too.
        page.locator("summary", has_text="菜单").click()
        walk.check(page, f"{landing} 菜单")
        nav: list[str] = page.evaluate("[...document.querySelectorAll('.nav-menu a')].map((a) => a.pathname)")
        details = dict(DETAILS)
        todo = [p for p in nav if p != landing] + forms
        done: set[str] = {landing, "/login"}
        while todo:
            path = todo.pop(0)
            if path in done:
                continue
            done.add(path)
            response = page.goto(county.url + path)
            assert response is not None and response.ok, f"{path}: {response and response.status}"
            walk.check(page, path)
            pattern = details.pop(path, None)
            found = links(page, pattern) if pattern else []
            if found:
                todo.insert(0, found[0])
                # The record's own forms: its edit page, and a pairing's 结束结对 (a staff member's only).
                if login == STAFF and path in ("/mentees", "/mentors", "/pairings", "/review"):
                    todo.insert(1, found[0] + "/edit")
                if login == STAFF and path == "/pairings":
                    todo.insert(2, found[0] + "/end")
                # A pairing's archive as printed for the inspectors: read on a phone's screen too.
                if path == "/pairings":
                    todo.insert(1, found[0] + "/print")
        admin = [ID % "admin/units", ID % "admin/users", "/admin/users/new", "/admin/access-log", "/admin/backup"]
        reached = admin if login == "admin" else [ID % "pairings", ID % "pairings" + "/print", ID % "activities"]
        for pattern in reached:
            assert any(re.fullmatch(pattern, p) for p in done), (pattern, done)
    finally:
        context.close()
    assert not walk.failures, "\n".join(walk.failures)


# On paper, at the width of an A4 page's printable area in CSS px (96 per inch): the archive and the
# year summary print portrait (210 mm less 34 mm of margins), the statistics pages landscape.
A4 = 665
A4_LANDSCAPE = 1032
PRINTED = """() => {
  const problems = [];
  const width = window.innerWidth;
  const scroll = document.scrollingElement.scrollWidth;
  if (scroll > width) problems.push(`wider than the page: ${scroll}px > ${width}px`);
  const name = (el) => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + ' '
    + (el.innerText || '').trim().replace(/\\s+/g, ' ').slice(0, 30);
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || s.visibility === 'hidden') continue;
    if (r.left < -0.5 || r.right > width + 0.5)
      problems.push(`off the page (${Math.round(r.left)}..${Math.round(r.right)}px): ${name(el)}`);
    // Paper does not scroll: a box that hides or scrolls what overflows it cuts it off.
    if (s.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1)
      problems.push(`cut off sideways on paper (${el.scrollWidth}px in ${el.clientWidth}px): ${name(el)}`);
    if (s.overflowY !== 'visible' && el.tagName !== 'HTML' && el.scrollHeight > el.clientHeight + 1)
      problems.push(`cut off on paper (${el.scrollHeight}px in ${el.clientHeight}px): ${name(el)}`);
  }
  for (const table of document.querySelectorAll('main table')) {
    if (getComputedStyle(table).display === 'none') continue;
    const head = table.tHead;
    if (head && getComputedStyle(head).display !== 'table-header-group')
      problems.push(`a table's header is not repeated on the next page: ${name(table)}`);
    for (const tr of table.querySelectorAll('tbody tr')) {
      if (!getComputedStyle(tr).breakInside.startsWith('avoid')) {
        problems.push(`a table row can be cut in half between pages: ${name(table)}`);
        break;
      }
    }
  }
  return problems;
}"""


def test_print_views_fit_a_small_phone_and_a4_paper(module_server: ServerProcess, browser: Browser) -> None:
    """The county's print views (a pairing's archive, the year summary, the brief, a statistics
    return, the statistics form, lecture coverage and the dashboard) read on a 360 px phone before
    printing, and printed on A4: nothing wider than the page or cut off, and a table that runs onto
    the next page repeats its header and cuts no row in half."""
    county = module_server
    walk = Walk()
    context = browser.new_context(**SMALL)
    try:
        page = context.new_page()
        sign_in(page, county, "county", "/dashboard")
        page.goto(county.url + "/pairings")
        archive = links(page, ID % "pairings")[0] + "/print"
        page.goto(county.url + "/returns")
        ret = links(page, ID % "returns")[0]
        views = [(archive, A4), ("/summary/print", A4), ("/brief", A4), ("/dashboard", A4),
                 (ret, A4_LANDSCAPE), ("/stats", A4_LANDSCAPE), ("/coverage?half=2", A4_LANDSCAPE),
                 ("/coverage?half=1", A4_LANDSCAPE)]  # 上半年: three lectures, nine columns
        for path, _ in views:
            page.goto(county.url + path)
            walk.check(page, f"{path} @ 360")
        page.emulate_media(media="print")
        for path, width in views:
            page.set_viewport_size({"width": width, "height": 1123})
            page.goto(county.url + path)
            page.evaluate("document.fonts.ready")
            walk.failures += [f"[{path} on A4] {p}" for p in page.evaluate(PRINTED)]
    finally:
        context.close()
    assert not walk.failures, "\n".join(walk.failures)
