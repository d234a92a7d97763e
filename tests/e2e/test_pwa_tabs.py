"""The app open in two tabs of one phone: one tab is the app at a time, and a tab that must stop
writes its words first and shows no child's data."""
from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .conftest import ServerProcess
from .phone import Phone

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


def test_pwa_a_newer_version_in_another_tab_gets_the_database_and_this_one_asks_for_a_reload(
    module_server: ServerProcess, phones: Any
) -> None:
    phone: Phone = phones.new(module_server)
    phone.enrol("chen.ganbu")
    page = phone.page
    page.locator("a", has_text="记一次帮扶").first.click()
    phone.choose_a_child()
    page.get_by_label("过程记录").fill("新版本来之前写的话")
    other = phone.new_page()
    other.goto(module_server.url + "/app/manifest.webmanifest")
    assert other.evaluate(NEWER) == 1, "the older tab wrote its draft, then let the newer one in"
    expect(page.get_by_role("heading", name="伴行已经更新")).to_be_visible()
    big_button(page, "重新打开")
    expect(page.get_by_label("过程记录")).to_have_count(0)
    assert "新版本来之前写的话" not in page.content()
