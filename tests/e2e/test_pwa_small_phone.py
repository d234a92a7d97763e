"""The phone app as a volunteer of 72 meets it on her own phone: a small one (320×568) with Android's
largest system font, which Chrome applies as a page zoom (150 % or 200 %: the page is laid out in 213
or 160 CSS pixels), a thumb that taps 保存 before anything is written, and Back pressed after 保存."""
from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import ServerProcess
from .phone import Phone, own_pending_visit, query

pytestmark = pytest.mark.e2e

SMALL = (320, 568)

# How far the page reaches past the window's right edge (0: no sideways scrolling), and the tabs
# that stand out of it.
PAST_THE_EDGE = """() => ({ over: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  tabs: [...document.querySelectorAll('nav.tabs a')].filter((a) => a.getBoundingClientRect().right
    > document.documentElement.clientWidth + 0.5).map((a) => a.textContent) })"""


# Every date box of the page, through the browser's own inner parts (its user-agent shadow tree, which only
# the DevTools protocol reaches): the box that shows the date and clips it, and where its year, month and day are.
def date_parts(page: Any) -> list[dict[str, Any]]:
    cdp = page.context.new_cdp_session(page)
    root = cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]

    def box(node: dict[str, Any]) -> list[float]:
        quad = cdp.send("DOM.getBoxModel", {"nodeId": node["nodeId"]})["model"]["border"]
        return [quad[0], quad[1], quad[4], quad[5]]  # left, top, right, bottom

    def walk(node: dict[str, Any], found: dict[str, Any] | None, out: list[dict[str, Any]]) -> None:
        attrs = dict(zip(node.get("attributes", [])[::2], node.get("attributes", [])[1::2], strict=True))
        pseudo = attrs.get("pseudo", "")
        if node.get("localName") == "input" and attrs.get("type") == "date":
            found = {"name": attrs.get("name"), "fields": {}}
            out.append(found)
        elif found is not None and pseudo == "-webkit-datetime-edit":
            found["shown"] = box(node)
        elif found is not None and pseudo.endswith("-field"):
            found["fields"][pseudo.split("-")[-2]] = box(node)
        for key in ("children", "shadowRoots"):
            for child in node.get(key, []):
                walk(child, found, out)

    dates: list[dict[str, Any]] = []
    walk(root, None, dates)
    cdp.detach()
    return dates


def visits_of(server: ServerProcess, login: str) -> int:
    return int(query(server, "SELECT count(*) FROM activities a JOIN users u ON u.id = a.author_id"
                     " WHERE u.login = ?", login)[0][0])


@pytest.mark.parametrize(("zoom", "size"), [(2.0, "标准"), (1.5, "特大")])
def test_pwa_the_tabs_stay_on_a_small_phone_at_the_largest_system_font(
    module_server: ServerProcess, phones: Any, zoom: float, size: str
) -> None:
    """At 200 % on a 320 px phone 设置 stood 10 px past the screen's edge (the page scrolled sideways),
    and at 150 % with the app's own 特大 half of it: 首页 待同步 设置 on one line need more than the
    width. The tabs take a second line instead, every one whole and on screen."""
    width, height = SMALL
    phone: Phone = phones.new(module_server, viewport={"width": round(width / zoom), "height": round(height / zoom)},
                              device_scale_factor=zoom)
    phone.enrol("gu.laobing")
    page = phone.page
    if size != "标准":
        page.get_by_role("link", name="设置").click()
        page.locator("label.chip", has_text=size).click()
    for route in ("#/", "#/waiting", "#/settings", "#/log"):
        page.goto(module_server.url + "/app/" + route)
        expect(page.locator("nav.tabs")).to_be_visible()
        assert page.evaluate(PAST_THE_EDGE) == {"over": 0, "tabs": []}, route
        boxes = page.evaluate("""() => [...document.querySelectorAll('nav.tabs a')].map((a) => {
          const b = a.getBoundingClientRect(); return [a.textContent, b.width, b.height]; })""")
        assert [name.strip() for name, _, _ in boxes] == ["首页", "待同步", "设置"], boxes
        assert all(w >= 44 and h >= 44 for _, w, h in boxes), (route, boxes)


@pytest.mark.parametrize(("zoom", "size"), [(2.0, "标准"), (1.5, "特大")])
def test_pwa_the_visit_date_shows_its_day_on_a_small_phone_at_the_largest_system_font(
    module_server: ServerProcess, phones: Any, zoom: float, size: str
) -> None:
    """The 日期 box read 2026/12 at 200 % (and 2026/1 at 150 % with 特大): the day stood past the box's edge,
    so a volunteer could not check the date of the visit (which matters when the phone's clock is wrong).
    Year, month and day now wrap inside the box: every one of them is drawn inside it, in both date boxes."""
    width, height = SMALL
    phone: Phone = phones.new(module_server, viewport={"width": round(width / zoom), "height": round(height / zoom)},
                              device_scale_factor=zoom)
    phone.enrol("zhou.laoshi")
    page = phone.page
    if size != "标准":
        page.get_by_role("link", name="设置").click()
        page.locator("label.chip", has_text=size).click()
    page.goto(module_server.url + "/app/#/log")
    page.get_by_label("日期", exact=True).fill("2026-12-26")
    page.get_by_role("button", name="两周后").click()  # the follow-up's box holds a date too
    dates = date_parts(page)
    assert [d["name"] for d in dates] == ["date", "follow_up_due"], dates
    for date in dates:
        assert set(date["fields"]) == {"year", "month", "day"}, date
        left, top, right, bottom = date["shown"]
        for part, (l, t, r, b) in date["fields"].items():
            inside = l >= left - 0.5 and r <= right + 0.5 and t >= top - 0.5 and b <= bottom + 0.5
            assert inside, (date["name"], part, date)


def test_pwa_back_after_saving_a_visit_says_the_child_has_one_today(module_server: ServerProcess,
                                                                    phones: Any) -> None:
    """After 保存 a visit, Back opened a fresh blank form: she might take her words for lost and write the same
    visit again. The form for a child with a visit dated today says so at its top; another child's does not.
    It asks her not to write *the same* visit again, never not to write: a second visit that day, the one
    where she saw the child's cuts (发现自伤自残风险), is still to be written (it read 不要重复记 once)."""
    phone: Phone = phones.new(module_server)
    phone.enrol("sun.laoshi")
    page = phone.page
    children = page.locator("main ul.rows").last.locator("a.row")  # 我的帮扶对象
    first, other = (children.nth(i).get_attribute("href") for i in (0, 1))
    page.goto(module_server.url + "/app/" + str(first))
    page.get_by_role("link", name="记一次帮扶").click()
    expect(page.get_by_label("过程记录")).to_be_visible()
    expect(page.get_by_text("今天已记过")).to_be_hidden()
    page.get_by_label("过程记录").fill("一起读了课文，聊了学校的事。")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    assert page.url.endswith(str(first)), page.url
    page.go_back()
    expect(page.get_by_label("过程记录")).to_have_value("")
    expect(page.get_by_text("今天已记过一次，同一次别重复记。")).to_be_visible()
    # Another child chosen on the same form: nothing written for them today.
    page.get_by_label("帮扶对象").select_option(str(other).rsplit("/", 1)[-1])
    expect(page.get_by_text("今天已记过")).to_be_hidden()


def test_pwa_a_visit_saved_with_nothing_written_is_not_saved_and_says_what_to_write(
    module_server: ServerProcess, phones: Any
) -> None:
    """记一次帮扶 then 保存 at once (a thumb, or a volunteer who thinks 保存 starts the visit) saved a visit
    with nothing in it: the child and today were chosen for her, so it went to the station as a visit
    made, and counted as one. It is stopped with a word on what to write, and nothing is sent."""
    phone: Phone = phones.new(module_server)
    phone.enrol("huang.laoshi")
    page = phone.page
    before = visits_of(module_server, "huang.laoshi")
    page.get_by_role("link", name="记一次帮扶").click()
    phone.choose_a_child()
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("请先写几句过程记录。")
    expect(page.get_by_label("过程记录")).to_be_visible()
    assert page.evaluate("import('/app/js/repo.js').then((r) => r.pending().length)") == 0
    # A flag alone is a signal the station must get, words or none.
    page.locator("label.chip", has_text="发现自伤自残风险").click()
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_label("过程记录")).to_have_count(0)
    page.get_by_role("link", name="首页").click()
    phone.wait_synced()
    assert visits_of(module_server, "huang.laoshi") == before + 1


def test_pwa_a_telephone_number_she_wrote_does_not_push_the_page_sideways_at_the_largest_text(
    module_server: ServerProcess, phones: Any
) -> None:
    """A visit whose 过程记录 and 事后跟踪 hold a telephone number (孩子妈妈的电话 13812345678), read back at
    200 % with the app's own 特大: the eleven digits, one word to the browser, are wider than the child's page
    and the home's follow-up reminder, and both pages scrolled sideways. Her words now wrap inside the row."""
    width, height = (390, 844)
    phone: Phone = phones.new(module_server, viewport={"width": width // 2, "height": height // 2},
                              device_scale_factor=2)
    phone.enrol("ma.ganbu")
    page = phone.page
    page.get_by_role("link", name="设置").click()
    page.locator("label.chip", has_text="特大").click()
    page.get_by_role("link", name="首页").click()
    phone.start_visit("给孩子妈妈打了电话13812345678，约好周六再去。")
    page.get_by_label("事后跟踪").fill("周六前再打13812345678确认。")
    page.get_by_role("button", name="一周后").click()
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    expect(page.locator("main .row .meta", has_text="13812345678")).to_be_visible()  # the child's page
    assert page.evaluate(PAST_THE_EDGE) == {"over": 0, "tabs": []}, "the child's page"
    page.get_by_role("link", name="首页").click()
    expect(page.locator("main .row", has_text="周六前再打")).to_be_visible()  # 跟踪提醒
    assert page.evaluate(PAST_THE_EDGE) == {"over": 0, "tabs": []}, "home"


def test_pwa_a_telephone_number_stays_inside_its_call_button_at_the_largest_text(
    module_server: ServerProcess, phones: Any
) -> None:
    """At 200 % with 特大 拨打 13922697804 on a child's page drew its number across the button's border, from
    one edge of the screen to the other (and 拨打辅导站电话 0513-84652210 under the self-harm flag its last eight
    digits): the digits are one word, wider than the button. Numbers now show in groups of four from the end,
    as they are read (139 2269 7804, 0513 8465 2210), each group whole and inside the border; the call dials
    the same digits."""
    phone: Phone = phones.new(module_server, viewport={"width": 195, "height": 422}, device_scale_factor=2)
    phone.enrol("xu.yisheng")
    page = phone.page
    page.get_by_role("link", name="设置").click()
    page.locator("label.chip", has_text="特大").click()
    page.get_by_role("link", name="首页").click()
    children = page.locator("main ul.rows").last.locator("a.row")
    expect(children).to_have_count(2)
    screens = [str(children.nth(i).get_attribute("href")) for i in range(2)]
    for screen in [*screens, "#/log"]:
        page.goto(module_server.url + "/app/" + screen)
        if screen == "#/log":
            page.locator("label.chip", has_text="发现自伤自残风险").click()
        call = page.locator("main a[href^='tel:']")
        expect(call).to_be_visible()
        shown = call.evaluate("""(a) => { const range = document.createRange(); range.selectNodeContents(a);
          const box = a.getBoundingClientRect(), text = range.getBoundingClientRect();
          return { text: a.textContent, href: a.getAttribute('href'), over: a.scrollWidth - a.clientWidth,
                   left: text.left - box.left, right: box.right - text.right }; }""")
        assert shown["over"] <= 0 and shown["left"] >= 2 and shown["right"] >= 2, (screen, shown)
        assert page.evaluate(PAST_THE_EDGE) == {"over": 0, "tabs": []}, screen
        dialled = shown["href"].removeprefix("tel:")
        assert "".join(c for c in shown["text"] if c.isdigit()).endswith(dialled[-8:]), shown


# Each word of each child's entry in 帮扶对象 (the name, the code), measured in the picker's own font, against
# the room the picker leaves its text (its width less its padding: the arrow sits in the right padding).
PICKER_WORDS = """() => {
  const picker = document.querySelector('select[name=mentee]'), style = getComputedStyle(picker);
  const room = picker.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const probe = document.body.appendChild(document.createElement('span'));
  probe.style.font = style.font;
  const words = [...picker.options].filter((o) => o.value).flatMap((o) => o.text.split(' ')).map((word) => {
    probe.textContent = word; return [word.replace(/\\u2060/g, ''), probe.getBoundingClientRect().width]; });
  probe.remove();
  return { room, words }; }"""


@pytest.mark.parametrize("width", [320, 360])
def test_pwa_the_childs_code_shows_whole_in_the_picker_on_a_small_phone_at_the_largest_text(
    module_server: ServerProcess, phones: Any, width: int
) -> None:
    """On a 320 px phone at 特大 the 帮扶对象 picker showed 曹嘉乐 over BX-2026-001: the code's last digit was hidden
    under the arrow's room, and 0010 and 0014 are two children. Name and code each fit the picker's line whole."""
    phone: Phone = phones.new(module_server, viewport={"width": width, "height": 568})
    phone.enrol("bao.laoshi" if width == 320 else "liu.laobing")  # three children each: the picker asks
    page = phone.page
    page.get_by_role("link", name="设置").click()
    page.locator("label.chip", has_text="特大").click()
    page.goto(module_server.url + "/app/#/log")
    picker = page.get_by_label("帮扶对象")
    picker.select_option(index=1)
    shown = page.evaluate(PICKER_WORDS)
    assert len(shown["words"]) == 6, shown
    assert all(w <= shown["room"] for _, w in shown["words"]), shown
    assert page.evaluate(PAST_THE_EDGE) == {"over": 0, "tabs": []}


# Each tab's words and how far they are drawn from its own left and right edges, in CSS px.
TAB_MARGINS = """() => [...document.querySelectorAll('nav.tabs a')].map((a) => {
  const range = document.createRange(); range.selectNodeContents(a);
  const box = a.getBoundingClientRect(), text = range.getBoundingClientRect();
  return [a.textContent, text.left - box.left, box.right - text.right]; })"""


def test_pwa_the_tab_names_stand_apart_on_a_small_phone_at_the_largest_text(
    module_server: ServerProcess, phones: Any
) -> None:
    """On a 320 px phone at 特大 with a change waiting and a clash, the tab bar read 首页待同步 ↑1⚠1设置 from one edge
    of the screen to the other: the three tabs just fitted one row, their words 1 px from each other and from the
    screen's edges, one run of text to an old eye. Each tab keeps a margin round its words; 设置 takes a second row."""
    phone: Phone = phones.new(module_server, viewport={"width": 320, "height": 568})
    phone.enrol("wang.laoshi")
    page = phone.page
    page.get_by_role("link", name="设置").click()
    page.locator("label.chip", has_text="特大").click()
    phone.save_after_station_edit(*own_pending_visit(module_server, "wang.laoshi"), "王老师自己改的：孩子想学游泳。")
    expect(page.locator("nav.tabs a[href='#/waiting']")).to_have_text("待同步 ⚠1")
    phone.context.set_offline(True)
    phone.log_activity("离线记下的帮扶：外婆说孩子最近睡得好些了。")
    for route in ("#/", "#/waiting", "#/settings"):
        page.goto(module_server.url + "/app/" + route)
        expect(page.locator("nav.tabs a[href='#/waiting']")).to_have_text("待同步 ↑1⚠1")
        margins = page.evaluate(TAB_MARGINS)
        assert all(left >= 4 and right >= 4 for _, left, right in margins), (route, margins)
        assert page.evaluate(PAST_THE_EDGE) == {"over": 0, "tabs": []}, route
    assert phone.dialogs == []
