"""A list saved as text (.csv, or Excel's "Unicode 文本" .txt): its rows, in whichever encoding it came.

Chinese Excel and WPS save a .csv in GBK (GB18030 is its superset), newer ones in UTF-8 with a
BOM, and "Unicode 文本" in UTF-16 with tabs. Read with the wrong one, every name is garbled, so the
bytes are tried strictly in turn and a file that is none of them is not text.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator


def text_of(data: bytes) -> str | None:
    """The upload as text, or None when it is not a text file."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")  # a GBK file is seldom valid UTF-8; the reverse is often true
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # A text in UTF-16 without its BOM reads as one NUL beside every letter, comma and line break:
        # not this text. A stray NUL or two from another program is only an invisible character, which
        # ``cells.cell_text`` drops like any other, not a reason to call a list no list.
        return None if text.count("\x00") * 10 > len(text) else text
    return None


def text_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each record's number (its row in Excel) and cells, separated by tabs or commas, whichever the
    file's first lines use more (a title line above the header may have neither)."""
    start = text[:4096]
    delimiter = "\t" if start.count("\t") > start.count(",") else ","
    for number, cells in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
        yield number, [_shown(cell) for cell in cells]


# ="13905130011": how a student-record system writes a number into a .csv so that Excel keeps it as text
# (its leading zeros, all 18 digits of an ID number). Excel shows 13905130011, and so is it read.
_KEPT_AS_TEXT = re.compile(r'\s*="(.*)"\s*', re.DOTALL)


def _shown(cell: str) -> str:
    kept = _KEPT_AS_TEXT.fullmatch(cell)
    return kept[1].replace('""', '"') if kept else cell
