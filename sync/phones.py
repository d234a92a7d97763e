"""A telephone in its one stored form, whoever wrote it: the phone app, a web form, an import.

A Chinese input method in its full-width mode types １３８１２３４５６７８, ０５１３－８８８８　６６６６;
stored so, the number is found by no search for 138 and a ``tel:`` link dials nothing (the phone
app's keeps only ASCII digits and +). ``phone_form`` folds (NFKC) each character that stands for a
digit, a plus, a dash or a space to its ASCII form, and trims the ends. The spaces and dashes people
group a number with are kept where they typed them: 0513-8888 6666 is read back over the phone as
it was written, and every dialer and the app's link skip them. Anything else is kept as typed, so a
contact field's words and their Chinese punctuation (王老师（班主任）) stay as written.
"""
from __future__ import annotations

import functools
import unicodedata

_PHONE_CHARS = frozenset("0123456789+- ")


@functools.lru_cache(maxsize=256)
def _fold(char: str) -> str:
    # One character for one: a circled ⑩ (NFKC "10") is a list's marker, not two digits, and a folded
    # text never grows past the length its checks were made on.
    folded = unicodedata.normalize("NFKC", char)
    return folded if len(folded) == 1 and folded in _PHONE_CHARS else char


def phone_form(text: str) -> str:
    """``text`` with its full-width digits, plus, dashes and spaces in ASCII, its ends trimmed."""
    if text.isascii():
        return text.strip()
    return "".join(_fold(c) for c in text).strip()
