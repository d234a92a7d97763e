"""The app open in two tabs of one phone: one tab is the app at a time, and a tab that must stop
writes its words first and shows no child's data."""
from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from .conftest import ServerProcess, cli
from .phone import FILL_UP, Phone, own_pending_visit, query, visits_with
from .screen import check_page

pytestmark = pytest.mark.e2e

# Another tab opens the app's database at the next schema version, as a newer app would.
NEWER = """() => Promise.race([
  new Promise((resolve, reject) => {
    const request = indexedDB.open('banxing', 2);
    request.onsuccess = () => { const db = request.result;
      const count = db.transaction('drafts').objectStore('drafts').count();
      count.onsuccess = () => { db.close(); resolve(count.result); }; };
    request.onerror = () => reject(request.error);
  }),
  new Promise((resolve, reject) => setTimeout(() => reject(new Error('blocked by the older tab')), 10000)),
])"""


def big_button(page: Page, name: str) -> None:
    button = page.get_by_role("button", name=name)
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box is not None and box["height"] >= 60, box
    check_page(page, 390, name, [])


def test_pwa_a_newer_version_in_another_tab_gets_the_database_and_this_one_asks_for_a_reload(
    module_server: ServerProcess, phones: Any
) -> None:
    phone: Phone = phones.new(module_server)
    phone.enrol("chen.ganbu")
    page = phone.page
    phone.start_visit("新版本来之前写的话")
    other = phone.new_page()
    other.goto(module_server.url + "/app/manifest.webmanifest")
    assert other.evaluate(NEWER) == 1, "the older tab wrote its draft, then let the newer one in"
    expect(page.get_by_role("heading", name="伴行已经更新")).to_be_visible()
    big_button(page, "重新打开")
    expect(page.get_by_label("过程记录")).to_have_count(0)
    assert "新版本来之前写的话" not in page.content()


def use_here(page: Page) -> None:
    expect(page.get_by_role("heading", name="伴行已经在另一个页面打开")).to_be_visible()
    big_button(page, "在这里使用")
    page.get_by_role("button", name="在这里使用").click()


def take_back(phone: Phone, page: Page) -> None:
    """在这里使用 in `page`, then the PIN there: the other tab of the phone stops."""
    use_here(page)
    phone.page = page
    phone.unlock()


def new_tab(phone: Phone) -> Page:
    """The app opened in another tab of the same phone (it waits: the first tab has the app)."""
    page = phone.new_page()
    page.goto(phone.server.url + "/app/")
    return page


def test_pwa_a_second_tab_waits_to_be_chosen_and_the_first_stops_with_its_words_kept(
    module_server: ServerProcess, phones: Any
) -> None:
    """Two tabs used to share one new visit's draft, each typing over the other's. Now the second
    tab says the app is open elsewhere; chosen (在这里使用), it takes over, and the first writes its
    draft, hides the form and says the same, so the words go on in whichever tab she uses."""
    phone: Phone = phones.new(module_server)
    phone.enrol("zhou.laoshi")
    first = phone.page
    phone.start_visit("第一个页面写了一半的话")

    second = new_tab(phone)
    expect(second.get_by_role("heading", name="伴行已经在另一个页面打开")).to_be_visible()
    expect(second.get_by_label("密码", exact=True)).to_have_count(0)
    expect(first.get_by_label("过程记录")).to_have_value("第一个页面写了一半的话")  # the first goes on
    use_here(second)
    expect(first.get_by_role("heading", name="伴行已经在另一个页面打开")).to_be_visible()
    expect(first.get_by_label("过程记录")).to_have_count(0)
    assert "第一个页面写了一半的话" not in first.content()

    phone.page = second
    phone.unlock()
    second.locator(".notice", has_text="有一条没写完的帮扶记录").get_by_role("link", name="继续填写").click()
    expect(second.get_by_label("过程记录")).to_have_value("第一个页面写了一半的话")
    second.get_by_label("事后跟踪").fill("第二个页面接着写")

    use_here(first)  # back to the first: the PIN, then its form with both tabs' words
    expect(second.get_by_role("heading", name="伴行已经在另一个页面打开")).to_be_visible()
    expect(second.get_by_label("事后跟踪")).to_have_count(0)
    phone.page = first
    phone.unlock()
    expect(first.get_by_label("过程记录")).to_have_value("第一个页面写了一半的话")
    expect(first.get_by_label("事后跟踪")).to_have_value("第二个页面接着写")
    first.get_by_role("button", name="保存", exact=True).click()
    expect(first.get_by_text("已保存。")).to_be_visible()
    first.get_by_role("link", name="首页").click()
    phone.wait_synced()
    assert query(module_server, "SELECT count(*) FROM activities WHERE record = '第一个页面写了一半的话'"
                 " AND follow_up = '第二个页面接着写'")[0][0] == 1
    assert phone.dialogs == []


def test_pwa_without_web_locks_every_tab_opens_the_app_as_before(module_server: ServerProcess, phones: Any) -> None:
    phone: Phone = phones.new(module_server)
    phone.context.add_init_script("delete Navigator.prototype.locks")
    phone.enrol("bao.laoshi")
    second = new_tab(phone)
    phone.page = second
    phone.unlock()
    expect(phone.page.get_by_text("伴行已经在另一个页面打开")).to_have_count(0)


def test_pwa_a_tab_left_at_the_enrol_screen_cannot_enrol_over_another_tabs_enrolment(
    module_server: ServerProcess, phones: Any
) -> None:
    phone: Phone = phones.new(module_server)
    left = phone.page
    phone.open()
    expect(left.get_by_label("登记码")).to_be_visible()
    phone.page = phone.new_page()
    phone.open()
    use_here(phone.page)
    expect(left.get_by_role("heading", name="伴行已经在另一个页面打开")).to_be_visible()
    expect(left.get_by_label("登记码")).to_have_count(0)
    phone.enrol("yang.mofan")
    use_here(left)  # back in the tab left at the enrol screen: the phone is enrolled now
    phone.page = left
    phone.unlock()
    assert len(json.loads(cli(module_server.db, "devices", "--user", "yang.mofan", "--json"))["devices"]) == 1


def test_pwa_an_enrolment_answered_after_another_tab_took_the_app_asks_for_no_pin_there(
    module_server: ServerProcess, phones: Any
) -> None:
    """The careless way to two enrolments: the enrol link tapped, the answer slow over 2G, the link
    tapped again in a new tab (在这里使用) and a new code typed there. The first tab's answer came
    back after it had stopped and drew 设置密码 over 伴行已经在另一个页面打开, and a PIN set there
    wrote its enrolment over the other tab's (whose visits were sealed with the key it replaced)."""
    phone: Phone = phones.new(module_server)
    first = phone.page
    held: list[Route] = []
    first.route("**/api/enrol", lambda route: held.append(route))
    code = json.loads(cli(module_server.db, "enrol-code", "--user", "huang.laoshi", "--json"))["code"]
    phone.open()
    first.get_by_label("登记码").fill(code)
    first.get_by_role("button", name="登记", exact=True).click()
    expect(first.get_by_role("button", name="正在登记…")).to_be_visible()
    first.wait_for_timeout(200)  # the route handler runs on this thread's next wait
    assert held, "the enrolment request never left"

    phone.page = phone.new_page()
    phone.open()
    use_here(phone.page)
    expect(first.get_by_role("heading", name="伴行已经在另一个页面打开")).to_be_visible()
    phone.enrol("huang.laoshi")
    phone.log_activity("第二个页面登记后记的帮扶")

    held[0].continue_()  # the first tab's slow answer arrives
    first.wait_for_timeout(1500)
    expect(first.get_by_label("设置密码", exact=True)).to_have_count(0)
    expect(first.get_by_role("heading", name="伴行已经在另一个页面打开")).to_be_visible()
    # The phone keeps the enrolment of the tab that has the app: its PIN opens its visits.
    second = phone.page
    second.get_by_role("link", name="设置").click()
    second.get_by_role("button", name="立即锁定").click()
    phone.unlock()
    second.get_by_role("link", name="首页").click()
    phone.wait_synced()
    assert visits_with(module_server, "第二个页面登记后记的帮扶") == 1
    assert phone.dialogs == []


def test_pwa_a_push_answered_after_another_tab_took_the_app_is_held_once(
    module_server: ServerProcess, phones: Any
) -> None:
    """A visit saved in one tab, its push slow to be answered, the app taken in another tab: the
    server holds the visit once, and the tab that has the app sends nothing again and shows it synced."""
    phone: Phone = phones.new(module_server)
    phone.enrol("sun.laoshi")
    first = phone.page
    held: list[Route] = []
    first.route("**/api/sync/push", lambda route: held.append(route))
    phone.start_visit("推送途中换了页面")
    first.get_by_role("button", name="保存", exact=True).click()
    for _ in range(50):
        if held:
            break
        first.wait_for_timeout(100)
    assert held, "the push never left"

    second = new_tab(phone)
    take_back(phone, second)
    held[0].continue_()  # too late: stopping ended the request (the test below has it reach the server)
    second.get_by_role("button", name="立即同步").click()
    phone.wait_synced()
    assert phone.idb()["counts"]["outbox"] == 0
    assert visits_with(module_server, "推送途中换了页面") == 1
    assert len(held) == 1, "the stopped tab pushed again"
    expect(second.get_by_text("没有被接收")).to_have_count(0)
    assert phone.dialogs == []


def test_pwa_a_stopped_tabs_unanswered_push_does_not_hold_the_other_tabs_sync(
    module_server: ServerProcess, phones: Any
) -> None:
    """A visit saved in one tab, its push never answered (a signal gone mid-request), the app taken
    in another tab. The stopped tab held the sync's Web Lock until its request timed out (60 s), and
    the tab she now uses showed 正在同步 all that while. Stopping ends the request: the visit stays
    in the outbox, the other tab sends it again at once (the same mutation_id), and the server, which
    had it already, answers as before and holds it once."""
    phone: Phone = phones.new(module_server)
    phone.enrol("liu.laobing")
    first = phone.page
    held: list[Route] = []

    def reach_the_server_unanswered(route: Route) -> None:
        route.fetch()  # the server takes the visit; its answer never comes back to this tab
        held.append(route)

    first.route("**/api/sync/push", reach_the_server_unanswered)
    phone.start_visit("推送没有回音时换了页面")
    first.get_by_role("button", name="保存", exact=True).click()
    for _ in range(50):
        if held:
            break
        first.wait_for_timeout(100)
    assert held, "the push never reached the server"
    assert visits_with(module_server, "推送没有回音时换了页面") == 1

    second = new_tab(phone)
    take_back(phone, second)
    second.get_by_role("button", name="立即同步").click()
    phone.wait_synced(timeout=10_000)
    assert phone.idb()["counts"]["outbox"] == 0
    assert visits_with(module_server, "推送没有回音时换了页面") == 1
    assert len(held) == 1, "the stopped tab pushed again"
    assert phone.dialogs == []




def test_pwa_an_edit_handed_back_and_forth_between_tabs_keeps_every_word_and_saves_once(
    module_server: ServerProcess, phones: Any
) -> None:
    """One edit of a visit, half written in one tab, then in the other, and back, four times over:
    each tab's form opens with the words of the tab before, and the save reaches the server once."""
    login = "xu.yisheng"
    activity_id, version = own_pending_visit(module_server, login)
    edit = f"{module_server.url}/app/#/activity/{activity_id}/edit"
    phone: Phone = phones.new(module_server)
    phone.enrol(login)
    first = phone.page
    first.goto(edit)
    first.get_by_label("事后跟踪").fill("第一个页面：下周再去")
    second = phone.new_page()
    second.goto(edit)
    take_back(phone, second)
    expect(second.get_by_label("事后跟踪")).to_have_value("第一个页面：下周再去")
    second.get_by_label("地点").fill("第二个页面：孩子家里")
    take_back(phone, first)
    expect(first.get_by_label("地点")).to_have_value("第二个页面：孩子家里")
    first.get_by_label("事后跟踪").fill("第一个页面：下周再去，带上字帖")
    take_back(phone, second)
    expect(second.get_by_label("事后跟踪")).to_have_value("第一个页面：下周再去，带上字帖")
    expect(second.get_by_label("地点")).to_have_value("第二个页面：孩子家里")
    second.get_by_label("过程记录").fill("第二个页面重写的过程")
    take_back(phone, first)
    for label, words in (("事后跟踪", "第一个页面：下周再去，带上字帖"), ("地点", "第二个页面：孩子家里"),
                         ("过程记录", "第二个页面重写的过程")):
        expect(first.get_by_label(label)).to_have_value(words)
    first.get_by_role("button", name="保存", exact=True).click()
    first.wait_for_function("() => document.body.textContent.includes('已同步到辅导站')", timeout=20_000)
    assert query(module_server, "SELECT follow_up, place, record, version FROM activities WHERE id = ?",
                 activity_id) == [("第一个页面：下周再去，带上字帖", "第二个页面：孩子家里", "第二个页面重写的过程",
                                   version + 1)]
    counts = phone.idb()["counts"]
    assert counts["drafts"] == 0 and counts["outbox"] == 0, counts
    take_back(phone, second)  # the tab given the app back finds no draft and sends nothing again
    expect(second.get_by_label("过程记录")).to_have_value("第二个页面重写的过程")
    expect(second.get_by_text("已恢复上次没写完的内容")).to_have_count(0)
    second.get_by_role("link", name="首页").click()
    phone.wait_synced()
    assert query(module_server, "SELECT version FROM activities WHERE id = ?", activity_id) == [(version + 1,)]
    assert phone.dialogs == []


def test_pwa_a_tab_closed_as_the_other_takes_the_app_leaves_its_drafts_and_outbox_whole(
    module_server: ServerProcess, phones: Any
) -> None:
    """The first tab closed (swiped away) while it stops for the second: the visit it had not sent
    and the words it was writing are on the phone for the second, and reach the server once."""
    phone: Phone = phones.new(module_server)
    phone.enrol("gu.laobing")
    first = phone.page
    first.route("**/api/sync/push", lambda route: route.abort("internetdisconnected"))
    phone.log_activity("关掉的页面没发出去的帮扶")
    phone.start_visit("关掉的页面写了一半的话")
    second = new_tab(phone)
    use_here(second)
    first.close()
    phone.page = second
    phone.unlock()
    assert phone.idb()["counts"]["outbox"] in (0, 1)  # the second tab's first sync may have sent it
    second.locator(".notice", has_text="有一条没写完的帮扶记录").get_by_role("link", name="继续填写").click()
    expect(second.get_by_label("过程记录")).to_have_value("关掉的页面写了一半的话")
    second.get_by_role("link", name="首页").click()
    second.get_by_role("button", name="立即同步").click()
    phone.wait_synced()
    assert visits_with(module_server, "关掉的页面没发出去的帮扶") == 1
    assert phone.dialogs == []


def test_pwa_a_tab_that_locked_then_lost_the_app_gets_it_back_with_the_words(
    module_server: ServerProcess, phones: Any
) -> None:
    """Five idle minutes locked the first tab over a half-written visit; she opened the app in another
    tab and wrote on; back in the first (在这里使用, the PIN) the form has both tabs' words, locks again
    when left, and the visit is saved once."""
    phone: Phone = phones.new(module_server)
    phone.enrol("zhang.laoshi")
    first = phone.page
    phone.with_clock()
    phone.start_visit("锁屏前写的话")
    phone.context.clock.fast_forward("05:10")
    expect(first.get_by_role("button", name="解锁")).to_be_visible()

    second = new_tab(phone)
    take_back(phone, second)
    second.locator(".notice", has_text="有一条没写完的帮扶记录").get_by_role("link", name="继续填写").click()
    expect(second.get_by_label("过程记录")).to_have_value("锁屏前写的话")
    second.get_by_label("事后跟踪").fill("另一个页面接着写的")

    take_back(phone, first)
    expect(second.get_by_role("heading", name="伴行已经在另一个页面打开")).to_be_visible()
    expect(first.get_by_label("过程记录")).to_have_value("锁屏前写的话")
    expect(first.get_by_label("事后跟踪")).to_have_value("另一个页面接着写的")
    phone.context.clock.fast_forward("05:10")  # left again: the tab given the app back locks too
    expect(first.get_by_role("button", name="解锁")).to_be_visible()
    phone.unlock()
    expect(first.get_by_label("事后跟踪")).to_have_value("另一个页面接着写的")
    first.get_by_role("button", name="保存", exact=True).click()
    expect(first.get_by_text("已保存。")).to_be_visible()
    first.get_by_role("link", name="首页").click()
    phone.wait_synced()
    assert query(module_server, "SELECT count(*) FROM activities WHERE record = '锁屏前写的话'"
                 " AND follow_up = '另一个页面接着写的'")[0][0] == 1
    assert phone.idb()["counts"]["drafts"] == 0
    assert phone.dialogs == []


def test_pwa_a_tab_holding_words_the_full_phone_refused_says_so_when_another_takes_the_app(
    module_server: ServerProcess, phones: Any
) -> None:
    """The phone filled up as she wrote, then the app was opened in another tab. The words the phone
    refused live only in the first tab's memory (pwa/README.md, known limits), and its screen said
    only 伴行已经在另一个页面打开, whose words promise the half-written form was saved: closing it
    lost them unseen. It now says they are in this page only, and gives them back there."""
    phone: Phone = phones.new(module_server)
    phone.enrol("ma.ganbu")
    first = phone.page
    first.evaluate(FILL_UP)
    phone.start_visit("存进手机的话")
    first.evaluate("import('/app/js/drafts.js').then((m) => m.flush())")
    first.evaluate("window.__full = true")
    first.get_by_label("事后跟踪").fill("手机满了没存进去的话")
    expect(first.get_by_text("这一页写的内容没能存进手机")).to_be_visible()

    second = new_tab(phone)
    use_here(second)
    expect(first.get_by_role("heading", name="伴行已经在另一个页面打开")).to_be_visible()
    expect(first.get_by_text("没能存进手机的内容只在这一页里")).to_be_visible()
    assert "手机满了没存进去的话" not in first.content()
    expect(second.get_by_text("没能存进手机")).to_have_count(0)  # the other tab has none

    take_back(phone, first)
    expect(first.get_by_label("事后跟踪")).to_have_value("手机满了没存进去的话")
    expect(first.get_by_text("这一页写的内容没能存进手机")).to_be_visible()
    assert phone.dialogs == []
