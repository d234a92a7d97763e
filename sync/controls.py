"""Text without the control characters nobody can see or type, whoever wrote it.

A NUL or an escape (C0 controls other than tab, line feed and carriage return), a DEL or a C1
control (U+0080–U+009F, what a Windows-1252 or Latin-1 text read as Unicode leaves behind) reaches
a record from a crafted push, a phone's buggy keyboard, a paste from another program or an imported
list (server/imports/cells.py ``cell_text``). Nobody can see it
on a page or a phone, so nobody could find it to fix it, and some readers of the record refuse it
(openpyxl's Excel export, an XML or PDF writer). The web forms drop them as they are read
(server/pages/form_posts.py ``form_values``), as do the imports; the engine drops them from every text field of every
mutation as it is read (``sync.mutations.read_mutation``), so the stored record is clean whoever
wrote it. Tab and line breaks are kept: a visit's record is written in paragraphs.
"""
from __future__ import annotations

import re
from typing import Any

CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # a character class's inside, for a regular expression
_CONTROL = re.compile(f"[{CONTROLS}]")

# How a JSON text (orjson's, and ``json.dumps``'s) writes the C0 ones: as \b, \f or \u00XX (tab,
# line feed and carriage return as \t, \n, \r). DEL and the C1 controls it writes as themselves, in
# UTF-8: the byte 7F, and C2 followed by 80 to 9F. So the bytes a push's digest is made of tell, at a
# fraction of the cost of a look at every string, which mutations need cleaning.
_ESCAPE_OF_CONTROL = frozenset(b"bfu")
_C1_SECOND_BYTE = range(0x80, 0xA0)


def escaped_controls(sent: bytes) -> bool:
    """Whether the JSON text ``sent`` holds an escape that may stand for a control character to
    drop (any ``u`` escape reads as yes; the cleaning then finds none where there was none), or a
    DEL or C1 control as itself."""
    # One memchr per backslash, each escape read whole (\\ is one): a search for the three
    # escapes as substrings took five times as long as the digest itself.
    at = sent.find(b"\\")
    while at != -1:
        if sent[at + 1] in _ESCAPE_OF_CONTROL:
            return True
        at = sent.find(b"\\", at + 2)
    if sent.find(b"\x7f") != -1:  # (``in`` took twice as long: it is no plain memchr)
        return True
    # C2 also leads the Latin-1 letters and signs a name may hold (the middle dot of 阿依古丽·买买提, °):
    # one memchr per C2, its second byte telling a C1 control from them.
    at = sent.find(b"\xc2")
    while at != -1:
        if at + 1 < len(sent) and sent[at + 1] in _C1_SECOND_BYTE:
            return True
        at = sent.find(b"\xc2", at + 2)
    return False


def without_controls(text: str) -> str:
    """``text`` without its control characters (C0, DEL and C1), tab, line feed and carriage return kept."""
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text


def clean_fields(fields: dict[str, Any], texts: frozenset[str], lists: frozenset[str]) -> dict[str, Any]:
    """``fields`` with the control characters dropped from the strings of its ``texts`` fields and
    from the items of its ``lists`` fields (an item that was nothing but controls is left out: a
    mood nobody can see is no mood). Values of another type are left for validation to refuse.
    The same dict when there was nothing to drop, else a new one: the mutation as sent is kept
    as it came, for its digest."""
    out: dict[str, Any] | None = None
    for name, value in fields.items():
        if name in texts and type(value) is str:
            clean: Any = without_controls(value)
        elif name in lists and type(value) is list and all(type(v) is str for v in value):
            # Only an item that held nothing but controls is left out: an empty item as sent is
            # the validator's to refuse, as it was before controls were dropped.
            clean = [c for c, v in ((without_controls(v), v) for v in value) if c or not v]
            if clean == value:
                continue
        else:
            continue
        if clean is not value:
            out = out if out is not None else dict(fields)
            out[name] = clean
    return fields if out is None else out
