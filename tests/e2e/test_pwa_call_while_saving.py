"""A call coming in as the volunteer taps 保存: Android may kill the browser's tab while the phone app is
in the background, and what the save wrote must then be all or nothing, or the record doubles."""
from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import ServerProcess
from .phone import Phone, visits_with

pytestmark = pytest.mark.e2e

# The tab killed just after the save's transaction, before anything else is written: stood in for by
# refusing, once window.__dying is set, every later write of the drafts store on its own (the tab that
# reloads afterwards no longer has the flag).
KILLED_AFTER_THE_SAVE = """
const transaction = IDBDatabase.prototype.transaction;
IDBDatabase.prototype.transaction = function (names, mode, ...rest) {
  if (window.__dying && mode === 'readwrite' && String(names) === 'drafts') {
    throw new DOMException('the tab was killed', 'AbortError');
  }
  return transaction.call(this, names, mode, ...rest);
};"""


def test_pwa_a_tab_killed_right_after_a_save_keeps_no_draft_to_save_a_second_time(
    module_server: ServerProcess, phones: Any
) -> None:
    """The visit went into the outbox in one transaction and its draft was deleted in another: a tab killed
    between the two came back with 有一条没写完的帮扶记录 holding the same words, and 继续填写 → 保存 sent the
    visit twice. The draft goes in the save's own transaction."""
    phone: Phone = phones.new(module_server)
    phone.enrol("bao.laoshi")
    page = phone.page
    page.add_init_script(KILLED_AFTER_THE_SAVE)
    page.reload()
    phone.unlock()
    words = "电话打进来的时候刚点了保存。"
    phone.start_visit(words)
    expect(page.get_by_label("过程记录")).to_have_value(words)
    page.wait_for_timeout(300)  # the draft of the words is on disk, as after any typing
    page.evaluate("window.__dying = true")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存。")).to_be_visible()

    page.reload()  # the app opened again after the call
    phone.unlock()
    page.get_by_role("link", name="首页").click()
    phone.wait_synced()
    expect(page.get_by_text("有一条没写完的帮扶记录")).to_have_count(0)
    page.get_by_role("link", name="记一次帮扶").click()
    expect(page.get_by_label("过程记录")).to_have_value("")
    assert visits_with(module_server, words) == 1
