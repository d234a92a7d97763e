"""The ``tel:`` target of a telephone as people store it: "(0513) 8765-4321", "0513-87654321 转 8",
"母亲 139 0513 7777；父亲 138…". A dialler given the brackets, dashes, spaces or words does not
dial (or dials the words' digits too), so the link holds only the first number's digits and a
leading +; the text shown stays as typed."""
from __future__ import annotations

import re

from markupsafe import Markup, escape

from .widths import fold_full_width

# The first run of digits with the separators people type inside one number; an extension
# (转 8, 分机 8) or a second person's number begins after a word and is left out: the switchboard
# is dialled and the extension read from the text beside the link.
_NUMBER = re.compile(r"\+?[0-9(（][0-9 \-–—()（）.]*[0-9]")
MOBILE_DIGITS = 11  # a mobile's length, and a landline's with its area code (0513 + 8 digits is 12)


def tel_target(text: object) -> str:
    """The digits (and a leading +) of the first number in ``text``; "" when it holds none."""
    found = _NUMBER.search(text if isinstance(text, str) else "")
    if found is None:
        return ""
    # Spaces part the groups of one number (139 0513 7777) and two numbers alike (13900001111
    # 13800002222): a number of 11 digits or more (a mobile; a landline with its area code) is whole.
    digits = ""
    for group in found.group().split():
        if len(digits) >= MOBILE_DIGITS:
            break
        digits += re.sub(r"[^0-9]", "", group)
    return ("+" if found.group().startswith("+") else "") + digits if len(digits) >= 3 else ""


def tel_link(text: object, css: str = "") -> Markup:
    """``text`` as typed, linked to dial its first number (``tel_target``); plain when it has none."""
    shown = escape(text if isinstance(text, str) else "")
    target = tel_target(text)
    if not target:
        return shown
    css_attr = Markup(' class="{}"').format(css) if css else Markup("")
    return Markup('<a{} href="tel:{}">{}</a>').format(css_attr, target, shown)


# No telephone has more than 12 digits (a landline's 0513 and 8 more): a longer run with nothing between
# is one pasted twice (13812345678138123456780), which no one can dial. Said on the station's forms only:
# the phone's sync keeps what a volunteer typed, as a visit must never be lost over a number.
_RUN = re.compile(r"[0-9]{13,}")
PASTED_TWICE = ("电话号码太长，是不是粘贴了两次？一个手机号是 11 位数字。请检查后再保存；"
                "两个号码之间请隔开，例如：13812345678（母） 13987654321（父）。")


def pasted_twice(text: object) -> str | None:
    """Why ``text`` holds no telephone one can dial (``PASTED_TWICE``), or None."""
    return PASTED_TWICE if isinstance(text, str) and _RUN.search(fold_full_width(text)) else None
