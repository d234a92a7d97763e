"""Money as the pages show and take it: 元 with at most two decimals, stored in whole 分 (fen).

Whole 分 add exactly in SQL (a county's hundreds of 50.50 元 gifts come out to the fen its report
states); a float would not. Used by the 爱心捐助 pages and the ``yuan`` template filter.

Every page and print shows a sum in one form, ``yuan``: whole 元 with thousands separators, 分 only
when there are any, and the unit with it ("1,401 元", "700.50 元"). A table's "1,401" above "700.50"
under a heading's （元） read as two kinds of figure.
"""
from __future__ import annotations

import re

from .widths import fold_full_width

# ASCII digits only (full-width ones folded first; ``\d`` would also take ٣). Commas only as a
# receipt groups thousands: "5,50" is 5.50 元 typed with a decimal comma, not 550 元.
_YUAN = re.compile(r"([0-9]{1,9}|[0-9]{1,3}(?:,[0-9]{3}){1,2})(?:\.([0-9]{1,2}))?")


def yuan_figure(fen: int | None) -> str:
    """``fen`` as the figure of 元 the way a receipt writes it: 500 → "5", 5050 → "50.50",
    123456700 → "1,234,567"; for a form's box (without the separators) and prose that sets its own unit."""
    if fen is None:
        return ""
    whole, cents = divmod(fen, 100)
    return f"{whole:,}" if cents == 0 else f"{whole:,}.{cents:02d}"


def yuan(fen: int | None) -> str:
    """``fen`` as a sum of money is shown everywhere: 140100 → "1,401 元", 70050 → "700.50 元"."""
    return "" if fen is None else f"{yuan_figure(fen)} 元"


def fen_of(raw: object) -> int | None:
    """元 as typed (500, 50.5, 50.50, a full-width ５００, 1,000, 500元) → whole 分; empty → None.
    Raises ``ValueError`` for anything else: a negative sum, three decimals, words, a comma not
    between groups of thousands, a circled or superscript digit (①500 is no 1,500 元)."""
    text = fold_full_width(str(raw or "")).strip().removesuffix("元").strip()
    if not text:
        return None
    match = _YUAN.fullmatch(text)
    if match is None:
        raise ValueError(text)
    return int(match[1].replace(",", "")) * 100 + int((match[2] or "0").ljust(2, "0"))
