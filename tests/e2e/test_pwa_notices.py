"""What the phone says after the fact: a notice or a sync card that was true when shown and is
still true later, once a sync has sent, answered or left something to answer."""
from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import ServerProcess
from .phone import Phone, own_pending_visit, visits_with

pytestmark = pytest.mark.e2e


def test_pwa_a_visit_saved_offline_is_said_synced_once_the_signal_sends_it(
    module_server: ServerProcess, phones: Any
) -> None:
    """The notice 已保存。有网络时会自动同步。 stayed on the child's page after the signal came back
    and the visit reached the station: it promised a sync that had already happened."""
    phone: Phone = phones.new(module_server)
    phone.enrol("zhou.laoshi")
    notice = phone.page.locator("main > p.notice")
    phone.context.set_offline(True)
    text = "没有信号时记下的家访，有信号后发出。"
    phone.log_activity(text)
    expect(notice).to_have_text("已保存。有网络时会自动同步。")

    phone.context.set_offline(False)  # the `online` event syncs
    expect(notice).to_have_text("已保存。已同步到辅导站。", timeout=20_000)
    assert visits_with(module_server, text) == 1
    expect(phone.page.get_by_role("link", name="待同步", exact=True)).to_be_visible()


def test_pwa_sync_card_with_an_open_conflict_asks_for_an_answer_not_all_done(
    module_server: ServerProcess, phones: Any
) -> None:
    """A change the station's own edit beat is sent but not done with: the card said ✓ 已全部同步
    above the conflict. On 待同步 itself the card no longer sends her to 待同步: it points below."""
    activity, version = own_pending_visit(module_server, "wang.laoshi")
    phone: Phone = phones.new(module_server)
    phone.enrol("wang.laoshi")
    page = phone.page
    phone.save_after_station_edit(activity, version, "志愿者在手机上补写的过程记录。")
    expect(page.get_by_role("link", name="待同步 ⚠1")).to_be_visible()

    page.get_by_role("link", name="首页").click()
    card = page.locator(".sync")
    expect(card.locator(".line")).to_have_text("⚠ 有 1 条修改和别人的修改冲突，请到“待同步”里看一下。")
    expect(card).to_have_class("sync problem")
    expect(card).not_to_contain_text("已全部同步")

    page.get_by_role("link", name="待同步 ⚠1").click()
    expect(card.locator(".line")).to_have_text("⚠ 有 1 条修改和别人的修改冲突，见下面。")
    expect(page.locator("main")).not_to_contain_text("请到“待同步”里看一下")
    expect(page.locator(".row", has_text="和别人的修改冲突")).to_be_visible()

    page.locator(".row", has_text="和别人的修改冲突").get_by_role("button", name="知道了").click()
    expect(card.locator(".line")).to_have_text("✓ 已全部同步")
    expect(card).to_have_class("sync done")


def test_pwa_a_refused_change_on_the_waiting_list_is_pointed_at_below(
    module_server: ServerProcess, phones: Any
) -> None:
    """On 待同步 the card said 请到“待同步”里看一下 of a refused visit listed just under it."""
    phone: Phone = phones.new(module_server)
    phone.enrol("huang.laoshi")
    page = phone.page
    phone.save_refused_visit("日期输成了明年的一次谈心。")
    expect(page.locator("main > p.notice")).to_have_text("⚠ 已保存，但没有被接收，请到“待同步”里看一下。")
    page.get_by_role("link", name="待同步 ↑1").click()
    expect(page.locator(".sync")).to_contain_text("有 1 条修改没有被接收，见下面。")
    expect(page.locator("main")).not_to_contain_text("请到“待同步”里看一下")


def test_pwa_child_picker_shows_the_whole_code_at_the_largest_text(
    module_server: ServerProcess, phones: Any
) -> None:
    """At 特大 a child's name and code are wider than the picker: the picker cut them on one line
    (沈思琪 BX-20…); they now wrap onto a second line inside it, the code whole (沈思琪 / BX-2026-0012,
    never 沈思琪 BX- / 2026-0012)."""
    phone: Phone = phones.new(module_server)
    phone.enrol("wang.laoshi")
    page = phone.page
    page.goto(module_server.url + "/app/#/settings")
    page.locator("label.chip", has_text="特大").click()
    page.goto(module_server.url + "/app/#/log")
    picker = page.get_by_label("帮扶对象")
    picker.select_option(index=1)
    fit = picker.evaluate("""(s) => {
      const css = getComputedStyle(s);
      const ctx = document.createElement('canvas').getContext('2d');
      ctx.font = `${css.fontWeight} ${css.fontSize} ${css.fontFamily}`;
      const px = (name) => parseFloat(css[name]);
      return {text: s.selectedOptions[0].text, width: ctx.measureText(s.selectedOptions[0].text).width,
              room: s.clientWidth - px('paddingLeft') - px('paddingRight'),
              height: s.clientHeight - px('paddingTop') - px('paddingBottom'), line: px('lineHeight')};
    }""")
    assert "BX-" in fit["text"]
    assert fit["width"] > fit["room"], f"the code fits on one line anyway: {fit}"
    lines = -(-fit["width"] // fit["room"])
    assert fit["height"] >= lines * fit["line"] - 1, f"the picker cuts {fit['text']!r}: {fit}"
    # Where the wrapped label breaks: a copy of its text in a box as wide as the picker's text.
    broken = picker.evaluate("""(s) => {
      const css = getComputedStyle(s);
      const box = document.createElement('div');
      Object.assign(box.style, {font: css.font, width: (s.clientWidth - parseFloat(css.paddingLeft)
        - parseFloat(css.paddingRight)) + 'px', whiteSpace: 'normal', position: 'absolute'});
      box.textContent = s.selectedOptions[0].text;
      document.body.append(box);
      const text = box.firstChild, lines = [];
      for (let i = 0; i < text.length; i++) {
        const r = document.createRange(); r.setStart(text, i); r.setEnd(text, i + 1);
        const top = Math.round(r.getClientRects()[0]?.top ?? -1);
        if (top < 0) continue;
        if (!lines.length || lines[lines.length - 1].top !== top) lines.push({top, text: ''});
        lines[lines.length - 1].text += text.data[i];
      }
      box.remove();
      return lines.map((l) => l.text.replace(/\u2060/g, '').trim());
    }""")
    assert len(broken) == 2 and broken[1].startswith("BX-"), f"the code is cut: {broken}"
