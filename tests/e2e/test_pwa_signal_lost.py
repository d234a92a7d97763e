"""The phone loses its signal with the app open: the sync card says 没有网络 as it happens, not
only after a sync was tried (the timer's next one is minutes away, and nobody taps 立即同步 to
find out). An old volunteer who logs a visit then must read that it waits on the phone."""
from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import ServerProcess
from .phone import Phone, visits_with

pytestmark = pytest.mark.e2e


def test_pwa_sync_card_says_no_network_as_the_signal_goes_and_syncs_when_it_comes_back(
    server: ServerProcess, phones: Any
) -> None:
    phone: Phone = phones.new(server)
    phone.enrol("wang.laoshi")
    page = phone.page
    card = page.locator(".sync")
    expect(card).not_to_contain_text("没有网络")

    phone.context.set_offline(True)
    # No tap, no reload: the window's `offline` event alone.
    expect(card).to_contain_text("没有网络", timeout=3_000)

    record = "信号断了以后记的：孩子今天在家写作业。"
    phone.log_activity(record)
    page.get_by_role("link", name="首页").click()
    expect(card.locator(".line")).to_contain_text("未同步 1 条")
    expect(card).to_contain_text("没有网络")
    assert visits_with(server, record) == 0

    phone.context.set_offline(False)
    phone.wait_synced()
    expect(card).not_to_contain_text("没有网络")
    assert visits_with(server, record) == 1
