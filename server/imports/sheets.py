"""An upload's list as rows of text: which kind of file it is, and the sheet that holds the list.

The list is read the way a person reads a school's own sheet: its column names may sit below a
title, on a later sheet, with blank rows and merged cells between. A file that is no .xlsx nor a
text list (an .xls, a .numbers, a Word document, a password) is answered with what to do, in words.
"""
from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Sequence
from typing import Any

from openpyxl import load_workbook

from .columns import Column, SheetInvalid
from .header import HEADER_ROWS
from .rows import MAX_CELLS, TOO_MANY_CELLS, CellBudget, Read, read_sheet, read_text
from .textfile import text_of


def read_rows(data: bytes, columns: Sequence[Column]) -> Read:
    """The data rows of the first sheet that has the column names (in its first ``HEADER_ROWS``
    rows, below any title rows) as ``(excel row number, {column key: text})``, and notices (columns
    that were not recognised and are ignored). Blank rows are skipped; a cell merged down over
    several rows (a school's name beside all its children) counts in each of them. Hidden sheets,
    rows and columns are not read, as a person reading the sheet does not see them; the notices say so."""
    if data[:4] == b"\xd0\xcf\x11\xe0":
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise SheetInvalid("这个文件设置了打开密码，系统打不开。请在 Excel 或 WPS 里取消密码"
                               "（文件→信息→保护工作簿，或“文件加密”）后保存，再上传。")
        raise SheetInvalid("这是旧版 Excel 文件（.xls）或 WPS 表格文件（.et）。请在 Excel 或 WPS 里“另存为”"
                           "Excel 工作簿（.xlsx）后再上传。")
    if not data:
        raise SheetInvalid("上传的文件是空的（0 字节）。请重新选择填好的 Excel 文件（.xlsx）。")
    if data[:4] != b"PK\x03\x04":
        text = text_of(data)
        try:
            read = read_text(text, columns) if text is not None else None
        except csv.Error:  # a cell past the csv module's limit: nothing a roster holds
            raise SheetInvalid("这个文本文件（.csv）里有一格的内容太长，系统读不了。请用 Excel 或 WPS 打开它检查，"
                               "再“另存为”Excel 工作簿（.xlsx）后上传。") from None
        if read is None:
            raise SheetInvalid("这个文件不是 Excel 表格（.xlsx）。请用 Excel 或 WPS 打开它，“另存为”Excel 工作簿"
                               "（.xlsx）后再上传；或下载模板，填好后上传。")
        return read
    wrong = _other_zip(data) or _unpacks_too_far(data)
    if wrong:
        raise SheetInvalid(wrong)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - whatever a damaged upload breaks in openpyxl, the answer is the same
        raise SheetInvalid(UNREADABLE) from None
    try:
        if not book.worksheets:
            raise SheetInvalid("表格里没有工作表。")
        read_only: list[Any] = list(book.worksheets)  # ReadOnlyWorksheet, which the stubs do not name
        parts = [sheet._worksheet_path for sheet in read_only]
        if len(set(parts)) < len(parts):
            # No spreadsheet program writes two sheets over one part; read once per name, one part
            # counted above would be parsed a hundred times over.
            raise SheetInvalid(UNREADABLE)
        budget = CellBudget()
        empty: Read | None = None
        hidden: list[str] = []
        for sheet in book.worksheets:
            if sheet.sheet_state != "visible":
                # Last term's list, hidden rather than deleted: never read as this term's children.
                hidden.append(sheet.title)
                continue
            found = read_sheet(sheet, columns, budget)
            if found is not None and found[0]:
                return found
            # The template's sheet left empty and the list pasted into a sheet of its own: read on.
            empty = empty or found
        if empty is not None:
            return empty
        blank = not budget.text_seen
        for title in hidden:
            if read_sheet(book[title], columns, budget):
                raise SheetInvalid(f"名单在隐藏的工作表“{title}”里，系统不读隐藏的工作表。如果要导入它，请在 Excel 或 "
                                   "WPS 里右键工作表标签，选“取消隐藏”，核对后保存再上传。")
        if blank:
            raise SheetInvalid("这个表格是空的，里面什么也没有写。请检查是不是选错了文件；"
                               "或下载模板，填好名单后再上传。")
        required = "、".join(c.header for c in columns if c.required)
        raise SheetInvalid(f"没有找到列名行：表格的前 {HEADER_ROWS} 行里没有一行含必填的列"
                           f"（缺少必填的列：{required}）。请使用模板，或把列名改成模板里的写法。")
    except SheetInvalid:
        raise
    except Exception:  # noqa: BLE001 - a broken string table, style sheet or sheet XML: unreadable either way
        raise SheetInvalid("无法读取这个文件的内容，它可能已损坏。请用模板重新填写后上传。") from None
    finally:
        book.close()


# An .xlsx is a zip, and openpyxl unpacks its shared strings and styles whole, and each row's cells
# whole, before any limit of ours sees a row: an 84 KB upload of two million one-letter strings took
# 27 s and 240 MB, a 10 KB row of two million empty cells 27 s and 670 MB, and 2 MB of either is
# gigabytes. A roster the import can read (2000 rows, 40 columns) unpacks to a few MB, and XML packs
# to a tenth or a twentieth; a part packed a hundred times smaller is repetition, not names.
MAX_UNPACKED = 16 * 1024 * 1024
MAX_PACKING = 100
UNREADABLE = "无法读取这个文件，它可能已损坏或不是 Excel 表格（.xlsx）。请用模板重新填写后上传。"
UNPACKS_TOO_FAR = ("这个文件解压后的内容太多，不像是一份名单，系统不读。请把名单复制到导入模板里"
                   "（粘贴时选“只粘贴数值”），保存后再上传。")


# Under those caps a workbook can still hold more than any list, and openpyxl takes each element at
# its own pace: a million small cells in a 735 KB file took 7.5 s to read, half a million shared
# strings in 1.4 MB 5.5 s, a hundred thousand cell formats in 193 KB 2.4 s (docs/performance.md).
# The elements are counted as the parts are inflated, before openpyxl opens any: past what a county
# ever uploads (2000 rows of 40 columns is 80,000 cells; Excel itself keeps at most 64,000 formats)
# the file is refused in words, in the time it takes to inflate it.
MAX_STRINGS = 100_000
MAX_FORMATS = 100_000
MAX_SHEETS = 500
MAX_ELEMENTS = 1_000_000
MAX_WORK = 300_000
_COUNTED = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(c|si|xf|font|fill|border|numFmt|dxf|sheet)[\s/>]")
_KIND = {b"c": "cells", b"si": "strings", b"sheet": "sheets"}  # the rest are formats
TOO_MANY = {
    "cells": TOO_MANY_CELLS,
    "strings": f"这个表格里的不同文字太多（超过 {MAX_STRINGS // 10000} 万条），不像是一份名单，系统不读。"
               "请只把名单复制到导入模板里（粘贴时选“只粘贴数值”），保存后再上传。",
    "formats": "这个表格里的单元格格式太多，不像是一份名单，系统不读。请把名单复制到导入模板里"
               "（粘贴时选“只粘贴数值”），保存后再上传。",
    "sheets": f"这个文件里的工作表太多（超过 {MAX_SHEETS} 张）。请把名单复制到导入模板里，保存后再上传。",
    "elements": UNPACKS_TOO_FAR,
    "unusual": UNREADABLE,
}
# "unusual": what no spreadsheet program writes and would slip past the counting: a DTD (its entities
# expand to cells nobody counted) or a declared encoding other than UTF-8/16 (EBCDIC has no b"<").
_CAPS = {"cells": MAX_CELLS, "strings": MAX_STRINGS, "formats": MAX_FORMATS, "sheets": MAX_SHEETS,
         "elements": MAX_ELEMENTS, "unusual": 0}
_DECLARED = re.compile(rb"\s*<\?xml[^>]*encoding\s*=\s*[\"']([^\"']*)")


def _unpacks_too_far(data: bytes) -> str | None:
    """Words refusing a workbook that would unpack to far more than a list, or hold far more cells,
    strings, formats or sheets than one, before it is unpacked; None when it may be read. Each part
    is inflated here, a megabyte at a time and never far past the limit, not taken at its word: a
    part can state a few bytes (with their checksum) while zipfile, asked for all of it as openpyxl
    asks for the styles, inflates everything it holds before cutting it to that size."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, zipfile.LargeZipFile):
        return None  # openpyxl will fail on it too, and say it is damaged
    budget = MAX_UNPACKED
    counts: Counter[str] = Counter()
    for member in members:
        size = _inflated_size(data, member, budget, counts)
        if size is None:
            return UNREADABLE
        if size > budget or (size > 1024 * 1024 and size > MAX_PACKING * member.compress_size):
            return UNPACKS_TOO_FAR
        budget -= size
        # (whatever a part is called: a sheet's rels may point anywhere in the zip)
        if over := next((kind for kind, cap in _CAPS.items() if counts[kind] > cap), None):
            return TOO_MANY[over]
    # Each cap alone still lets a file near all three cost their sum; weighted by what each takes
    # openpyxl (a format three times a cell), a full roster of 2000 × 40 distinct texts is 250,000.
    if counts["cells"] + 2 * counts["strings"] + 3 * counts["formats"] > MAX_WORK:
        return UNPACKS_TOO_FAR
    return None


def _inflated_size(data: bytes, member: zipfile.ZipInfo, limit: int, counts: Counter[str]) -> int | None:
    """The bytes ``member`` inflates to, counted no further than a megabyte past ``limit``, its
    elements added to ``counts`` by kind; None when they cannot be found or inflated (damaged, or
    packed in a way no spreadsheet program uses)."""
    start = member.header_offset
    if data[start:start + 4] != b"PK\x03\x04":
        return None
    name_length, extra_length = struct.unpack("<HH", data[start + 26:start + 30])
    begin = start + 30 + name_length + extra_length
    packed = data[begin:begin + member.compress_size]  # what zipfile would feed its inflater
    if member.compress_type == zipfile.ZIP_STORED:
        _count(packed, counts, first=True)
        return len(packed)
    if member.compress_type != zipfile.ZIP_DEFLATED:
        return None
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    size = 0
    tail = b""
    try:
        while packed and size <= limit:
            piece = inflater.decompress(packed, 1024 * 1024)
            size += len(piece)
            tail = _count(tail + piece, counts, first=size == len(piece))
            packed = inflater.unconsumed_tail
        if size <= limit:
            piece = inflater.flush()
            size += len(piece)
            _count(tail + piece, counts, first=size == len(piece))
    except zlib.error:
        return None
    return size


def _count(text: bytes, counts: Counter[str], *, first: bool = False) -> bytes:
    """Add the elements of ``text`` to ``counts``; return the tag it may end inside of, to be counted
    with the next piece (the pieces are cut wherever a megabyte ends)."""
    text = text.replace(b"\x00", b"")  # UTF-16 read as if it were ASCII: its tags then count alike
    if first and (declared := _DECLARED.match(text.lstrip(b"\xef\xbb\xbf\xff\xfe"))):
        counts["unusual"] += declared[1].lower().replace(b"-", b"") not in (b"utf8", b"utf16")
    counts["unusual"] += text.count(b"<!DOCTYPE") + text.count(b"<!ENTITY")
    cut = text.rfind(b"<")
    whole, tail = (text, b"") if cut == -1 else (text[:cut], text[cut:cut + 256])
    for name in _COUNTED.findall(whole):
        counts[_KIND.get(name, "formats")] += 1
    counts["elements"] += whole.count(b"<") - whole.count(b"</") - whole.count(b"<?") - whole.count(b"<!")
    return tail


_ZIPPED = (  # files that are zip archives like an .xlsx, but no workbook openpyxl reads
    ("Index/Document.iwa", "这是苹果 Numbers 表格（.numbers）。请在 Numbers 里选“文件→导出为→Excel”，"
                           "导出 .xlsx 文件后再上传。"),
    ("xl/workbook.bin", "这是 Excel 二进制工作簿（.xlsb）。请在 Excel 里“另存为”Excel 工作簿（.xlsx）后再上传。"),
    ("content.xml", "这是 OpenDocument 表格（.ods）。请在 WPS 或 LibreOffice 里“另存为”Excel 工作簿（.xlsx）"
                    "后再上传。"),
    ("word/document.xml", "这是 Word 文档，不是 Excel 表格。请把名单填进 Excel 模板（.xlsx）后再上传。"),
)


def _other_zip(data: bytes) -> str | None:
    """What to do with a zip archive that is not an .xlsx, in words; None when it may be one."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            with archive.open("xl/workbook.xml") if "xl/workbook.xml" in names else io.BytesIO() as workbook:
                start = workbook.read(4096)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, zipfile.LargeZipFile):
        return None  # openpyxl will fail on it too, and say it is damaged
    if b"purl.oclc.org/ooxml/spreadsheetml" in start:
        # Excel's "Strict Open XML 电子表格" save type: openpyxl finds no sheet in it at all.
        return ("这个文件保存成了“Strict Open XML 电子表格”格式，系统读不了。请在 Excel 里“另存为”，"
                "保存类型选“Excel 工作簿（*.xlsx）”，再上传。")
    if "xl/workbook.xml" in names:
        return None
    return next((words for member, words in _ZIPPED if member in names), None)
