"""The phone app read by a volunteer of 72 with reading glasses: where a heading belongs, and what the
home screen says about records that wait while the phone has no signal."""
from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import ServerProcess, cli
from .phone import Phone

pytestmark = pytest.mark.e2e

# For each field of the form: its heading (a label, or a group's legend), and the space between that
# heading and whatever stands above it.
HEADING_GAPS = """() => [...document.querySelector('main form').children].flatMap((el) => {
  const head = el.matches('label') ? el : el.matches('fieldset') && el.querySelector(':scope > legend');
  const above = el.previousElementSibling;
  if (!head || !above) return [];
  const gap = head.getBoundingClientRect().top - above.getBoundingClientRect().bottom;
  return [{ head: head.textContent.trim(), gap }];
})"""


def test_pwa_group_headings_stand_as_far_from_the_field_above_as_labels_do(
    module_server: ServerProcess, phones: Any
) -> None:
    """孩子的情绪 sat flush on the bottom of the 过程记录 box (a legend's margin is not drawn), so it read as
    that box's last line; every other heading has a line's gap above it, and the groups must too."""
    phone: Phone = phones.new(module_server)
    phone.enrol("zhou.laoshi")
    phone.start_visit("看看每个标题离上面的框有多远。")
    gaps = {g["head"]: g["gap"] for g in phone.page.evaluate(HEADING_GAPS)}
    labels = [gaps[name] for name in ("日期", "事前准备", "过程记录", "事后跟踪")]
    assert min(labels) >= 15, gaps
    for group in ("帮扶方式", "孩子的情绪", "观察到的情况", "六结合"):
        assert gaps[group] >= min(labels) - 1, (group, gaps)
    expect(phone.page.get_by_text("孩子的情绪")).to_be_visible()


def test_pwa_a_visit_saved_without_a_child_says_where_the_child_is_chosen(
    module_server: ServerProcess, phones: Any
) -> None:
    """The refusal shows beside 保存, four screens below the picker (more at 特大): 请先选择帮扶对象 alone
    left her looking for it. It says where, and the picker is indeed the form's first field."""
    phone: Phone = phones.new(module_server)
    phone.enrol("liu.laobing")  # three children: the form asks which
    page = phone.page
    page.get_by_role("link", name="记一次帮扶").click()
    page.get_by_label("过程记录").fill("上门聊了半小时。")
    expect(page.get_by_label("帮扶对象")).to_have_value("")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("请先选择帮扶对象（在最上面）。")
    first = page.evaluate("document.querySelector('main form').querySelector('select, input, textarea').name")
    assert first == "mentee"


def test_pwa_a_phone_whose_first_sync_failed_does_not_say_all_synced(
    module_server: ServerProcess, phones: Any
) -> None:
    """Signal lost between 登记 and the first sync: the card said ✓ 已全部同步 in green over 还没有同步过 and
    an empty list of children. It says it has not synced yet, in the colour of something still to come."""
    phone: Phone = phones.new(module_server)
    page = phone.page
    code = json.loads(cli(module_server.db, "enrol-code", "--user", "ma.ganbu", "--json"))["code"]
    phone.open(f"/app/?code={code}")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.get_by_label("设置密码", exact=True)).to_be_visible()
    phone.context.set_offline(True)
    phone.set_pin()
    card = page.locator(".sync")
    expect(card).to_contain_text("没有网络")
    expect(card.locator(".line")).to_have_text("还没有同步过")
    expect(card).not_to_contain_text("已全部同步")
    assert "done" not in (card.get_attribute("class") or "")
    phone.context.set_offline(False)
    page.get_by_role("button", name="立即同步").click()
    expect(card.locator(".line")).to_have_text("✓ 已全部同步", timeout=20_000)
    expect(card.locator(".last")).to_contain_text("上次同步")


# The browser's own storage failing to open, as a phone whose storage is full or damaged answers
# (Chrome on Android: "Internal error opening backing store"): the browser is stood in for, not the app.
BROKEN_STORAGE = """indexedDB.open = function () {
  const request = {};
  setTimeout(() => {
    request.error = new DOMException('Internal error opening backing store for indexedDB.open.', 'UnknownError');
    request.onerror?.({ target: request });
  }, 10);
  return request;
};"""


def test_pwa_a_phone_that_cannot_open_its_storage_says_what_to_do_in_chinese(
    module_server: ServerProcess, phones: Any
) -> None:
    """It said 伴行打开失败：Internal error opening backing store… from the screen's very edge: English, and no
    next step. It says to restart the phone and, failing that, to tell the station (the browser's words
    follow, for the station), set in from the edge like every screen."""
    phone: Phone = phones.new(module_server, viewport={"width": 360, "height": 640})
    phone.context.add_init_script(BROKEN_STORAGE)
    page = phone.new_page()
    page.goto(module_server.url + "/app/")
    app = page.locator("#app")
    expect(app).to_contain_text("backing store")
    said = app.inner_text()
    assert said.startswith("伴行打不开，请重启手机；还不行，请告诉辅导站："), said
    left = page.evaluate("""() => { const range = document.createRange();
      range.selectNodeContents(document.getElementById('app')); return range.getClientRects()[0].left; }""")
    assert left >= 15, left
