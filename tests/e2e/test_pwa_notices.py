"""What the phone says after the fact: a notice or a sync card that was true when shown and is
still true later, once a sync has sent, answered or left something to answer."""
from __future__ import annotations

from typing import Any

import pytest

from .conftest import ServerProcess
from .phone import Phone

pytestmark = pytest.mark.e2e


def test_pwa_child_picker_shows_the_whole_code_at_the_largest_text(
    module_server: ServerProcess, phones: Any
) -> None:
    """At 特大 a child's name and code are wider than the picker: the picker cut them on one line
    (王雨欣 BX-20…); they now wrap onto a second line inside it."""
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
