"""The phone app read by a volunteer of 72 with reading glasses: where a heading belongs, and what the
home screen says about records that wait while the phone has no signal."""
from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import ServerProcess
from .phone import Phone

pytestmark = pytest.mark.e2e

# For each field of the form: its heading (a label, or a group's legend), and the space between that
# heading and whatever stands above it.
HEADING_GAPS = """() => [...document.querySelector('main form').children].flatMap((el) => {
  const head = el.matches('label') ? el : el.matches('fieldset') && el.querySelector(':scope > legend');
  const above = el.previousElementSibling;
  if (!head || !above) return [];
  return [{ head: head.textContent.trim(), gap: head.getBoundingClientRect().top - above.getBoundingClientRect().bottom }];
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
