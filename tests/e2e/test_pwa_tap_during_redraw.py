"""A tap on the home while the screen redraws (each change a sync brings redraws it 150 ms later)
is not lost: the press and the release land on one link, not on one before the redraw and its copy
after it, which the browser takes as no click."""
from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import ServerProcess
from .phone import Phone

pytestmark = pytest.mark.e2e

# The home is drawn again every 40 ms, as when a long sync acknowledges change after change (more often
# than the app does, so that a press of 120 ms meets several). Only the home: a form that opened is
# never redrawn under the volunteer's fingers (main.js).
REDRAWING = """async () => {
  const dom = await import('./js/ui/dom.js');
  setInterval(() => (location.hash || '#/') === '#/' && dom.rerender(), 40);
}"""
# Where the link is, read in one go: a locator's element may be replaced before its box is read.
CENTRE = """() => {
  const box = [...document.querySelectorAll('a')].find((a) => a.textContent.includes('记一次帮扶'))
    .getBoundingClientRect();
  return [box.x + box.width / 2, box.y + box.height / 2];
}"""


def test_pwa_a_tap_held_while_the_home_redraws_still_opens_the_form(
    module_server: ServerProcess, phones: Any
) -> None:
    phone: Phone = phones.new(module_server)
    phone.enrol("wang.laoshi")
    page = phone.page
    page.evaluate(REDRAWING)
    lost = 0
    for _ in range(6):
        page.mouse.move(*page.evaluate(CENTRE))
        page.mouse.down()
        page.wait_for_timeout(120)  # a finger's press
        page.mouse.up()
        try:
            expect(page.get_by_label("过程记录")).to_be_visible(timeout=3000)
        except AssertionError:
            lost += 1
        page.goto(module_server.url + "/app/#/")
        expect(page.get_by_role("link", name="✎ 记一次帮扶")).to_be_visible()
    assert lost == 0, f"{lost} of 6 taps were lost to a redraw"
