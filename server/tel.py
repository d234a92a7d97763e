"""The ``tel:`` target of a telephone as people store it: "(0513) 8765-4321", "0513-87654321 转 8",
"母亲 139 0513 7777；父亲 138…". A dialler given the brackets, dashes, spaces or words does not
dial (or dials the words' digits too), so the link holds only the first number's digits and a
leading +; the text shown stays as typed."""
from __future__ import annotations

import re

from markupsafe import Markup, escape

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
