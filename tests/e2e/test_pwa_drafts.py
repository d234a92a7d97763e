"""A half-filled form is never lost: not by closing the app, not by auto-lock, not by an
update of the app arriving while it is open. Text typed through an IME composition or
voice input goes in untouched."""
from __future__ import annotations

import pathlib
import shutil
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from .conftest import ServerProcess, demo_server
from .phone import FILL_UP, Phone, query
from .screen import documented_shots

pytestmark = pytest.mark.e2e


def compose(phone: Phone, label: str, steps: list[str], final: str) -> None:
    """Type Chinese the way a pinyin keyboard does: a composition, then the committed text."""
    phone.page.get_by_label(label).click()
    cdp = phone.context.new_cdp_session(phone.page)
    for text in steps:
        cdp.send("Input.imeSetComposition", {"text": text, "selectionStart": len(text), "selectionEnd": len(text)})
    cdp.send("Input.insertText", {"text": final})
    cdp.detach()


def half_fill(phone: Phone) -> None:
    page = phone.page
    page.locator("a", has_text="记一次帮扶").first.click()
    phone.choose_a_child()
    page.locator("label.chip", has_text="面对面谈心").click()
    compose(phone, "过程记录", ["he", "hai", "和孩"], "和孩子聊了很久")
    page.get_by_label("事前准备").fill("带了一本字帖")
    page.locator("label.chip", has_text="开心").click()
    expect(page.get_by_label("过程记录")).to_have_value("和孩子聊了很久")


def expect_restored(page: Page) -> None:
    expect(page.get_by_text("已恢复上次没写完的内容")).to_be_visible()
    expect(page.get_by_label("过程记录")).to_have_value("和孩子聊了很久")
    expect(page.get_by_label("事前准备")).to_have_value("带了一本字帖")
    expect(page.get_by_role("radio", name="面对面谈心")).to_be_checked()
    expect(page.get_by_role("checkbox", name="开心")).to_be_checked()


def test_pwa_half_filled_form_survives_closing_the_app(module_server: ServerProcess, phones: Any) -> None:
    phone: Phone = phones.new(module_server)
    phone.enrol("liu.laobing")
    half_fill(phone)
    phone.page.evaluate("import('/app/js/drafts.js').then((m) => m.flush())")  # every keystroke's draft written
    assert "和孩子聊了很久" not in phone.idb()["text"], "drafts are encrypted too"
    phone.reopen()
    phone.unlock()
    draft = phone.page.locator(".notice", has_text="有一条没写完的帮扶记录")
    draft.get_by_role("link", name="继续填写").click()
    expect_restored(phone.page)
    phone.page.get_by_role("button", name="保存", exact=True).click()
    expect(phone.page.get_by_text("已保存。")).to_be_visible()
    phone.page.get_by_role("link", name="首页").click()
    expect(phone.page.get_by_text("有一条没写完的帮扶记录")).to_have_count(0)


def test_pwa_a_form_back_to_blank_keeps_no_draft(module_server: ServerProcess, phones: Any) -> None:
    """Ticking the risk box keeps a draft; unticking it, on a form otherwise untouched, drops it."""
    phone: Phone = phones.new(module_server)
    phone.enrol("wang.laoshi")
    page = phone.page
    flush = "import('/app/js/drafts.js').then((m) => m.flush())"
    page.locator("a", has_text="记一次帮扶").first.click()
    risk = page.get_by_role("checkbox", name="发现自伤自残风险")
    risk.check()
    page.evaluate(flush)
    assert phone.idb()["counts"]["drafts"] == 1
    risk.uncheck()
    page.evaluate(flush)
    assert phone.idb()["counts"]["drafts"] == 0
    page.get_by_role("link", name="首页").click()
    expect(page.get_by_role("heading", name="我的帮扶对象", exact=False)).to_be_visible()
    expect(page.get_by_text("有一条没写完的帮扶记录")).to_have_count(0)


def test_pwa_auto_lock_after_idle_keeps_the_form(module_server: ServerProcess, phones: Any) -> None:
    phone: Phone = phones.new(module_server)
    phone.enrol("zhang.laoshi")
    phone.with_clock()
    half_fill(phone)
    phone.context.clock.fast_forward("04:00")
    expect(phone.page.get_by_label("过程记录")).to_be_visible()  # four minutes: still open
    phone.context.clock.fast_forward("01:10")
    expect(phone.page.get_by_role("button", name="解锁")).to_be_visible()
    expect(phone.page.get_by_label("过程记录")).to_have_count(0)  # nothing readable behind the lock
    phone.unlock()
    expect_restored(phone.page)


def test_pwa_auto_lock_still_comes_after_the_phones_clock_is_put_back(
    module_server: ServerProcess, phones: Any
) -> None:
    """The clock warning asks her to put a phone's 2041 right: she leaves the app open for the phone's settings, turns
    the clock back and puts the phone down. The idle lock counted the minutes since her last touch on the new clock:
    a negative number, so a phone full of children's records stayed open until she touched it again."""
    import datetime

    phone: Phone = phones.new(module_server)
    phone.enrol("zhou.laoshi")
    phone.with_clock()
    half_fill(phone)
    now = phone.page.evaluate("Date.now()")
    phone.context.clock.set_system_time(datetime.datetime.fromtimestamp(now / 1000 - 365 * 86400, datetime.UTC))
    phone.context.clock.fast_forward("05:10")
    expect(phone.page.get_by_role("button", name="解锁")).to_be_visible()
    expect(phone.page.get_by_label("过程记录")).to_have_count(0)
    phone.unlock()
    expect_restored(phone.page)


def test_pwa_auto_lock_on_a_full_phone_keeps_the_words_the_phone_refused(
    module_server: ServerProcess, phones: Any
) -> None:
    """The phone filled up while she wrote: the draft of her last words was refused, and then she
    put the phone down. The lock hides the form all the same; after her PIN the same form is back
    with every word, the phone still full, and it saves once there is space."""
    phone: Phone = phones.new(module_server)
    phone.enrol("ma.ganbu")
    page = phone.page
    phone.with_clock()
    page.evaluate(FILL_UP)
    half_fill(phone)
    page.evaluate("import('/app/js/drafts.js').then((m) => m.flush())")  # what she wrote so far is on disk
    page.evaluate("window.__full = true")
    page.get_by_label("事后跟踪").fill("下周带字帖再去")
    expect(page.get_by_text("这一页写的内容没能存进手机")).to_be_visible()

    phone.context.clock.fast_forward("05:10")
    expect(page.get_by_role("button", name="解锁")).to_be_visible()
    expect(page.get_by_label("过程记录")).to_have_count(0)
    assert "下周带字帖再去" not in page.content() and "和孩子聊了很久" not in page.content()

    phone.unlock()  # the phone is still full
    expect_restored(page)
    expect(page.get_by_label("事后跟踪")).to_have_value("下周带字帖再去")
    expect(page.get_by_text("这一页写的内容没能存进手机")).to_be_visible()

    page.evaluate("window.__full = false")  # she deleted some videos
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    counts = phone.idb()["counts"]
    # Saved once, the draft gone; the save's own sync may already have emptied the outbox.
    assert counts["drafts"] == 0 and counts["outbox"] <= 1, counts
    page.get_by_role("link", name="首页").click()
    page.get_by_role("button", name="立即同步").click()
    phone.wait_synced()
    assert query(module_server, "SELECT count(*) FROM activities WHERE follow_up = '下周带字帖再去'"
                 " AND record = '和孩子聊了很久'")[0][0] == 1


@pytest.fixture
def updatable(tmp_path: pathlib.Path, demo_db: tuple[pathlib.Path, list[dict[str, str]]]
              ) -> Iterator[tuple[ServerProcess, pathlib.Path]]:
    """A server serving a copy of the app (BANXING_PWA_DIR) that the test can 'deploy' over."""
    app = tmp_path / "pwa"
    shutil.copytree(pathlib.Path(__file__).resolve().parents[2] / "pwa", app)
    with demo_server(tmp_path, demo_db, {"BANXING_PWA_DIR": str(app)}) as proc:
        yield proc, app


def served(server: ServerProcess, path: str, text: str) -> None:
    """Until the server serves the changed file (it looks for changed files once a second)."""
    deadline = time.monotonic() + 10
    while True:
        with urllib.request.urlopen(server.url + path, timeout=5) as response:
            if text in response.read().decode():
                return
        assert time.monotonic() < deadline, f"{path} still served without {text!r}"
        time.sleep(0.1)


CACHES = "caches.keys().then((names) => names.filter((n) => n.startsWith('banxing-static-')))"
WAITING = "navigator.serviceWorker.getRegistration().then((r) => Boolean(r && r.waiting))"
UPDATE = "() => document.documentElement.dataset.update"
NEW_VERSION = ("[...document.styleSheets].some((s) => [...s.cssRules].some((r) =>"
               " r.selectorText === '.new-version::after'))")


def until(page: Page, expression: str, timeout: float = 15.0) -> None:
    """Polls ``expression`` from outside the page, across the reloads a new version makes.
    ``wait_for_function`` re-makes its predicate in a reloaded document with an eval, which the
    app's CSP (script-src 'self') refuses (EvalError): the test then failed, not the app."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if page.evaluate(expression):
                return
        except PlaywrightError:  # the document went away under the call (a reload)
            pass
        assert time.monotonic() < deadline, f"not true within {timeout} s: {expression}"
        time.sleep(0.25)


def let_the_old_version_go(page: Page) -> None:
    """Once the page has told the new version to take over (skipWaiting), what a phone's browser does within
    its idle timeout (30 s): stop the old version's worker, so that the new one activates. Chromium activates
    at once only an old worker stopped or running at that moment; one that a request was starting just then
    is left to its idle timeout, which never comes while DevTools is attached, as Playwright is to every
    worker: the new version stayed waiting for minutes, the test waited on the browser, not on the app."""
    until(page, "document.documentElement.dataset.update === 'taking-over'")  # the page's own decision
    cdp = page.context.new_cdp_session(page)
    versions: dict[str, str] = {}
    cdp.on("ServiceWorker.workerVersionUpdated",
           lambda event: versions.update({v["versionId"]: v["status"] for v in event["versions"]}))
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 5
    while not versions:
        assert time.monotonic() < deadline, "the browser reported no service worker"
        page.wait_for_timeout(50)
    if "installed" in versions.values():  # still waiting: the old one is in the way
        (old,) = [version for version, status in versions.items() if status == "activated"]
        cdp.send("ServiceWorker.stopWorker", {"versionId": old})
    cdp.send("ServiceWorker.disable")
    cdp.detach()
    until(page, f"{WAITING}.then((w) => !w)")


def test_pwa_update_waits_while_a_form_is_open_and_takes_over_after(
    updatable: tuple[ServerProcess, pathlib.Path], phones: Any
) -> None:
    server, app = updatable
    phone: Phone = phones.new(server)
    phone.enrol("gu.laobing")
    page = phone.page
    (old_cache,) = page.evaluate(CACHES)
    half_fill(phone)

    css = app / "css" / "app.css"
    # A rule, not a comment: comments are not sent (server/pwa_compact.py), so they make no new version.
    css.write_text(css.read_text(encoding="utf-8") + "\n.new-version::after { content: \"新版本\"; }\n",
                   encoding="utf-8")
    served(server, "/app/css/app.css", "新版本")
    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    until(page, WAITING)
    # The page's answer to the new version (updates.js), not a wait for something not to happen.
    page.wait_for_function(UPDATE, timeout=15_000)
    assert page.evaluate(UPDATE) == "held", "the page let the new version take over under an open form"
    assert page.evaluate(WAITING), "the new version took over under an open form"
    assert old_cache in page.evaluate(CACHES), "the old version's files are still there for the open page"
    expect(page.get_by_label("过程记录")).to_have_value("和孩子聊了很久")

    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    let_the_old_version_go(page)
    until(page, f"{CACHES}.then((n) => n.length === 1 && n[0] !== '{old_cache}')")
    page.get_by_role("link", name="首页").click()
    phone.wait_synced()
    assert query(server, "SELECT count(*) FROM activities WHERE record = '和孩子聊了很久'")[0][0] == 1

    # The running page keeps its code; locking opens the new version at the PIN screen.
    page.get_by_role("link", name="设置").click()
    page.get_by_role("button", name="立即锁定").click()
    until(page, NEW_VERSION)  # the PIN screen is the new version's (a reload, now or at its controllerchange)
    phone.unlock()
    assert page.evaluate(NEW_VERSION)
    expect(page.get_by_role("heading", name="设置")).to_be_visible()


def test_pwa_an_update_deployed_while_visits_wait_unsent_and_a_form_is_half_written_keeps_them_all(
    updatable: tuple[ServerProcess, pathlib.Path], phones: Any
) -> None:
    """The update test above syncs its visit at once. A volunteer in a dead zone holds visits the server
    has not had, and a form half written, when a new version is deployed: the new version must open
    over the same outbox and draft, and send each visit once."""
    server, app = updatable
    phone: Phone = phones.new(server)
    phone.enrol("gu.laobing")
    page = phone.page
    page.route("**/api/sync/push", lambda route: route.abort())  # no signal for the sync, the app still loads
    phone.log_activity("更新前没发出去的第一次家访。")
    phone.log_activity("更新前没发出去的第二次谈心。", follow_up="下周再去")
    half_fill(phone)
    assert phone.idb()["counts"]["outbox"] == 2

    css = app / "css" / "app.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n.new-version::after { content: \"新版本\"; }\n",
                   encoding="utf-8")
    served(server, "/app/css/app.css", "新版本")
    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    until(page, WAITING)
    page.wait_for_function(UPDATE, timeout=15_000)
    assert page.evaluate(UPDATE) == "held"

    # Off the form, the new version takes over; locking opens it at the PIN screen.
    page.get_by_role("link", name="首页").click()
    let_the_old_version_go(page)
    page.get_by_role("link", name="设置").click()
    page.get_by_role("button", name="立即锁定").click()
    until(page, NEW_VERSION)  # the PIN screen is the new version's (a reload, now or at its controllerchange)
    phone.unlock()
    assert page.evaluate(NEW_VERSION)
    page.get_by_role("link", name="待同步").click()
    expect(page.locator(".row", has_text="新增帮扶记录")).to_have_count(2)
    assert phone.idb()["counts"]["outbox"] == 2
    page.get_by_role("link", name="首页").click()
    page.locator("a", has_text="记一次帮扶").first.click()
    expect_restored(page)

    page.unroute("**/api/sync/push")
    page.get_by_role("link", name="首页").click()
    page.get_by_role("button", name="立即同步").click()
    phone.wait_synced()
    for text in ("更新前没发出去的第一次家访。", "更新前没发出去的第二次谈心。"):
        assert query(server, "SELECT count(*) FROM activities WHERE record = ?", text)[0][0] == 1


def test_pwa_a_visit_begun_for_one_child_and_opened_from_another_childs_page_names_its_child(
    module_server: ServerProcess, phones: Any
) -> None:
    """A volunteer begins a visit for one child, goes back, opens another child's page and taps 记一次帮扶
    there. The phone keeps one unfinished new visit, so the form opens with the first child chosen and her
    words; it said only 已恢复上次没写完的内容, and what she came to write about the second child went on
    under the first child's name. The form now says whose words these are, above the picker."""
    phone: Phone = phones.new(module_server)
    phone.enrol("sun.laoshi")
    page = phone.page
    (first, first_code), (second, second_code) = query(
        module_server, "SELECT m.id, m.code FROM mentees m JOIN pairings p ON p.mentee_id = m.id JOIN users u"
        " ON u.id = p.mentor_id WHERE u.login = 'sun.laoshi' AND p.status = 'active' ORDER BY m.code LIMIT 2")

    def log_from_page_of(mentee: str, code: str) -> None:
        page.goto(module_server.url + f"/app/#/mentee/{mentee}")
        expect(page.locator("h1")).to_contain_text(code)
        page.locator("main a", has_text="记一次帮扶").click()
        expect(page.locator("h1")).to_have_text("记一次帮扶")

    log_from_page_of(first, first_code)
    page.get_by_label("过程记录").fill("第一个孩子的家访，还没写完。")
    page.evaluate("import('/app/js/drafts.js').then((m) => m.flush())")
    log_from_page_of(second, second_code)
    expect(page.get_by_label("过程记录")).to_have_value("第一个孩子的家访，还没写完。")
    expect(page.get_by_label("帮扶对象")).to_have_value(first)
    expect(page.locator("main .comment")).to_contain_text("有一条没写完的帮扶记录：")
    expect(page.locator("main .comment")).to_contain_text(first_code)
    if (shots := documented_shots()) is not None:
        page.screenshot(path=str(shots / "pwa-draft-other-child.png"))
    # Opened from the first child's own page, the words are where she left them: no warning.
    log_from_page_of(first, first_code)
    expect(page.get_by_label("过程记录")).to_have_value("第一个孩子的家访，还没写完。")
    expect(page.locator("main .comment")).to_have_count(0)


def test_pwa_a_double_tap_is_one_tap_on_the_screen_it_opens_and_on_a_question_it_asks(
    module_server: ServerProcess, phones: Any
) -> None:
    """Old fingers tap twice. The second tap of a double tap on 记一次帮扶 landed on the form it had just
    opened and ticked 集体活动, a kind the statistics do not count as a visit; on 清空重填 it answered the
    question 再点一次，清空这张表 before it could be read, and the half-written visit was gone."""
    phone: Phone = phones.new(module_server)
    phone.enrol("xu.yisheng")
    page = phone.page

    def double_tap(target: Any) -> None:
        target.scroll_into_view_if_needed()
        box = target.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.touchscreen.tap(x, y)
        page.wait_for_timeout(120)  # well within a double tap, long enough for the form to open
        page.touchscreen.tap(x, y)

    expect(page.get_by_role("heading", name="我的帮扶对象（2）")).to_be_visible()  # the home screen drawn for good
    page.wait_for_timeout(300)
    double_tap(page.locator("main a", has_text="记一次帮扶"))
    expect(page.locator("h1")).to_have_text("记一次帮扶")
    page.wait_for_timeout(300)
    expect(page.get_by_role("radio", name="上门家访")).to_be_checked()
    phone.choose_a_child()
    page.get_by_label("过程记录").fill("双击也不会丢的话。")
    double_tap(page.get_by_role("button", name="清空重填"))
    page.wait_for_timeout(300)
    expect(page.get_by_label("过程记录")).to_have_value("双击也不会丢的话。")
    expect(page.get_by_role("button", name="再点一次，清空这张表")).to_be_visible()
