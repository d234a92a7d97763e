"""Full-width characters, as a Chinese input method types them, folded to ASCII; nothing else.

NFKC folds far more than the full-width forms: a circled ① and a superscript ² become the digits
1 and 2, so "①500" (the first line of a receipt's numbered list, pasted in) was read as 1,500 元
and "2²" as 22. A number typed on a page is folded here instead, and whatever else it holds is
left as typed for the caller's check to refuse in words.
"""
from __future__ import annotations

# U+FF01–U+FF5E are ASCII's ! to ~ in full width; U+3000 is the ideographic space.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def fold_full_width(text: str) -> str:
    """``text`` with its full-width digits, letters and punctuation (８０，－．) in ASCII."""
    return text if text.isascii() else text.translate(_FULL_WIDTH)
