"""Text without the control characters nobody can see or type, whoever wrote it.

A NUL or an escape (C0 controls other than tab, line feed and carriage return) reaches a record
from a crafted push, a phone's buggy keyboard or a paste from another program. Nobody can see it
on a page or a phone, so nobody could find it to fix it, and some readers of the record refuse it
(openpyxl's Excel export, an XML or PDF writer). The web forms drop them as they are read
(server/pages/common.py ``form_values``); the engine drops them from every text field of every
mutation as it is read (``sync.mutations.read_mutation``), so the stored record is clean whoever
wrote it. Tab and line breaks are kept: a visit's record is written in paragraphs.
"""
from __future__ import annotations

import re
from typing import Any

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")

# How a JSON text (orjson's, and ``json.dumps``'s) writes those characters: as \b, \f or \u00XX
# (tab, line feed and carriage return as \t, \n, \r; every other character as itself). So the
# bytes a push's digest is made of tell, at a fraction of the cost of a look at every string, which
# mutations need cleaning.
_ESCAPE_OF_CONTROL = frozenset(b"bfu")


def escaped_controls(sent: bytes) -> bool:
    """Whether the JSON text ``sent`` holds an escape that may stand for a control character to
    drop (any ``u`` escape reads as yes; the cleaning then finds none where there was none)."""
    # One memchr per backslash, each escape read whole (\\ is one): a search for the three
    # escapes as substrings took five times as long as the digest itself.
    at = sent.find(b"\\")
    while at != -1:
        if sent[at + 1] in _ESCAPE_OF_CONTROL:
            return True
        at = sent.find(b"\\", at + 2)
    return False


def without_controls(text: str) -> str:
    """``text`` without its C0 control characters, tab, line feed and carriage return kept."""
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text


def clean_fields(fields: dict[str, Any], texts: frozenset[str], lists: frozenset[str]) -> dict[str, Any]:
    """``fields`` with the control characters dropped from the strings of its ``texts`` fields and
    from the items of its ``lists`` fields (an item that was nothing else is left out: a mood
    nobody can see is no mood). Values of another type are left for validation to refuse.
    The same dict when there was nothing to drop, else a new one: the mutation as sent is kept
    as it came, for its digest."""
    out: dict[str, Any] | None = None
    for name, value in fields.items():
        if name in texts and type(value) is str:
            clean: Any = without_controls(value)
        elif name in lists and type(value) is list and all(type(v) is str for v in value):
            clean = [c for c in (without_controls(v) for v in value) if c]
            if clean == value:
                continue
        else:
            continue
        if clean is not value:
            out = out if out is not None else dict(fields)
            out[name] = clean
    return fields if out is None else out
