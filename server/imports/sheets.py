"""Excel files in and out: an upload's list as rows of text, and template workbooks.

The list is read the way a person reads a school's own sheet: its column names may sit below a
title, on a later sheet, with blank rows and merged cells between (``read_rows``). Cells are read as
text the way a person sees them (a phone number typed as a number is ``13912345678``, not
``1.39e10``; a date is ``2026-09-01``), so every later check works on one type and a row can travel
in the preview form as JSON; a cell that holds no trustworthy value (an Excel error, a number that
lost its digits, a formula without its result) is refused in words, never imported as text.
"""
from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import column_index_from_string
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.xml.functions import iterparse

from ..exports import put_cell
from .textfile import text_of, text_rows

MAX_ROWS = 2000
MAX_COLUMNS = 40
# The last row a list may reach, and the rows of the file walked (blank ones included): a 433 KB file
# can declare a child on row three million, or hold a million rows with only a border in them.
MAX_LINES = 10 * MAX_ROWS
# Characters in all the cells read: 2000 rows of long plans are well under it, while a cell of 30,000
# characters copied down a column (one shared string in a small file) would become gigabytes of
# preview and signed payload.
MAX_TEXT = 1_000_000
HEADER_ROWS = 10  # title rows, a date line, blank rows: where a school's own sheet puts its column names
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SheetInvalid(Exception):
    """The upload is not a readable .xlsx (or has no header row); ``reason`` says what to do."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    help: str = ""
    choices: tuple[str, ...] = ()
    width: int = 14
    aliases: tuple[str, ...] = ()  # what a school's own sheet calls the column (学生姓名 for 姓名)
    fallbacks: tuple[str, ...] = ()  # read as the column only when the sheet has none by its name (班级 for 年级)
    ambiguous: tuple[str, ...] = ()  # may mean this column or something else: refused in words


def cell_text(value: object) -> str:
    """A cell as the text a person sees in it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        # Excel keeps 15 significant digits, and so shows them: 13800138000.0 is 13800138000, while
        # an ID-card or student number typed as a number is 3.20623201003051E+17, its tail already
        # gone (``cell_problems`` refuses it rather than store a number that is not the child's).
        return format(value, ".15G")
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


_SCIENTIFIC = re.compile(r"[+-]?\d+(\.\d+)?E[+-]?\d+", re.IGNORECASE)


def cell_problems(cells: dict[str, str], labels: dict[str, str], errors: list[str]) -> set[str]:
    """The columns of a row whose cell holds no usable value, each said in ``errors``: an Excel error
    (#N/A, #REF! …, a formula that failed) or a number shown in scientific notation, whose digits past
    the 15th Excel has already dropped. Such a cell is never imported as text."""
    bad: set[str] = set()
    for key, text in cells.items():
        label = labels.get(key, key)
        if text.upper() in ERROR_CODES:
            errors.append(f"“{label}”这一格是 Excel 的错误值 {text}（公式没有算出结果），请改正这一格后重新上传。")
        elif _SCIENTIFIC.fullmatch(unicodedata.normalize("NFKC", text)):
            errors.append(f"“{label}”这一格是科学计数法的数字（{text}），Excel 只保留了前 15 位，后面的数字已经丢了。"
                          "请把这一列设置成“文本”格式，重新输入完整的号码后再上传。")
        else:
            continue
        bad.add(key)
    return bad


def _header_key(text: str) -> str:
    """``姓名（必填）`` and ``姓名`` are the same column."""
    return re.sub(r"[（(].*?[）)]|\s|\*", "", text)


def read_rows(data: bytes, columns: Sequence[Column]) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
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
            read = _read_text(text, columns) if text is not None else None
        except csv.Error:  # a cell past the csv module's limit: nothing a roster holds
            raise SheetInvalid("这个文本文件（.csv）里有一格的内容太长，系统读不了。请用 Excel 或 WPS 打开它检查，"
                               "再“另存为”Excel 工作簿（.xlsx）后上传。") from None
        if read is None:
            raise SheetInvalid("这个文件不是 Excel 表格（.xlsx）。请用 Excel 或 WPS 打开它，“另存为”Excel 工作簿"
                               "（.xlsx）后再上传；或下载模板，填好后上传。")
        return read
    wrong = _other_zip(data)
    if wrong:
        raise SheetInvalid(wrong)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - whatever a damaged upload breaks in openpyxl, the answer is the same
        raise SheetInvalid("无法读取这个文件，它可能已损坏或不是 Excel 表格（.xlsx）。"
                           "请用模板重新填写后上传。") from None
    try:
        if not book.worksheets:
            raise SheetInvalid("表格里没有工作表。")
        empty: tuple[list[tuple[int, dict[str, str]]], list[str]] | None = None
        hidden: list[str] = []
        for sheet in book.worksheets:
            if sheet.sheet_state != "visible":
                # Last term's list, hidden rather than deleted: never read as this term's children.
                hidden.append(sheet.title)
                continue
            found = _read_sheet(sheet, columns)
            if found is not None and found[0]:
                return found
            # The template's sheet left empty and the list pasted into a sheet of its own: read on.
            empty = empty or found
        if empty is not None:
            return empty
        for title in hidden:
            if _read_sheet(book[title], columns):
                raise SheetInvalid(f"名单在隐藏的工作表“{title}”里，系统不读隐藏的工作表。如果要导入它，请在 Excel 或 "
                                   "WPS 里右键工作表标签，选“取消隐藏”，核对后保存再上传。")
        required = "、".join(c.header for c in columns if c.required)
        raise SheetInvalid(f"没有找到列名行：表格的前 {HEADER_ROWS} 行里没有一行含必填的列"
                           f"（缺少必填的列：{required}）。请使用模板，或把列名改成模板里的写法。")
    except SheetInvalid:
        raise
    except Exception:  # noqa: BLE001 - a broken string table, style sheet or sheet XML: unreadable either way
        raise SheetInvalid("无法读取这个文件的内容，它可能已损坏。请用模板重新填写后上传。") from None
    finally:
        book.close()


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


_UNNUMBERED = ("序号",)  # a row counter, in nearly every school's sheet: not data, and not worth a notice
Header = tuple[list[str | None], list[str]]  # each cell's column key, and notices of columns ignored


def _header(values: Sequence[object], columns: Sequence[Column], line: int) -> Header | None:
    """The column key of each cell and the notices, when ``values`` is a row of column names: every
    required one, and below row 1 also another one or nothing else (the 填写说明 sheet's
    姓名 | 必填 | … row is not one). A school's own names for a column (``Column.aliases``) are read
    as it; two columns that would fill one field, or a name that may mean two things, are refused in
    words (``SheetInvalid``) rather than one of them quietly winning."""
    by_header = {_header_key(name): c.key for c in columns for name in (c.header, *c.aliases)}
    fallback = {_header_key(name): c.key for c in columns for name in c.fallbacks}
    ambiguous = {_header_key(name): c for c in columns for name in c.ambiguous}
    keys: list[str | None] = []
    unknown: list[str] = []
    for cell in values:
        text = _header_key(cell_text(cell))
        keys.append(by_header.get(text))
        if text and text not in by_header and text not in fallback and text not in _UNNUMBERED:
            unknown.append(_IGNORED.get(text, "不认识的列“{}”，已忽略。").format(cell_text(cell)))
    known = [k for k in keys if k is not None]
    if any(c.required and c.key not in known for c in columns) or (line > 1 and len(set(known)) < 2 and unknown):
        return None
    labels = {c.key: c.header for c in columns}
    for index, cell in enumerate(values):
        text = _header_key(cell_text(cell))
        if text in ambiguous:
            column = ambiguous[text]
            raise SheetInvalid(f"第 {line} 行的列名“{cell_text(cell)}”说不清是什么：{column.help}"
                               f"如果这一列是系统里的{column.header}，请把列名改成“{column.header}”；"
                               "如果是学校自己的编号，请改成“学号”（导入时会忽略这一列）。")
        if text in fallback:
            key = fallback[text]
            if key in known:
                unknown.append(f"已有“{labels[key]}”列，“{cell_text(cell)}”列已忽略。")
            else:
                keys[index] = key
                known.append(key)
    names: dict[str, list[str]] = {}
    for cell, found in zip(values, keys, strict=False):
        if found is not None:
            names.setdefault(found, []).append(cell_text(cell))
    for found, cells in names.items():
        if len(cells) > 1:
            # 学生 | 姓名 … 家长 | 姓名: the second 姓名 is a guardian, and would overwrite the child's name.
            raise SheetInvalid(f"第 {line} 行有 {len(cells)} 列都是“{labels[found]}”（{'、'.join(cells)}），"
                               "系统分不清该用哪一列。请只留下一列，或把其他列改成别的列名（如“家长姓名”）后再上传。")
    return keys, unknown


# Columns a school's sheet often has that are not ours: said why they are left out.
_IGNORED = {
    **dict.fromkeys(("学号", "学籍号", "全国学籍号", "学籍辅号", "学生学号"),
                    "“{}”是学校自己的编号，不是系统里的编号，这一列没有导入（按姓名认出同一个孩子）。"),
    **dict.fromkeys(("身份证号", "身份证号码", "身份证", "学生身份证号"), "“{}”没有导入：系统不保存身份证号。"),
    "年龄": "“{}”没有导入：请改填“出生年份”（如 2015）。",
}


# A row's number in Excel, its first MAX_COLUMNS values, whether it is hidden, its struck-through columns
Line = tuple[int, tuple[object, ...], bool, frozenset[int]]


def _lines(sheet: Any, hidden_columns: set[int]) -> Iterator[Line]:
    """The rows the sheet's XML holds, by their Excel numbers, each with whether it is hidden (by hand
    or by a filter) and which of its cells are struck through; ``hidden_columns`` is filled with the
    hidden columns' numbers before the first row. Rows the file leaves out are blank and never walked:
    a file can declare three million of them in a few bytes. (openpyxl's own iter_rows fills each gap
    with a blank row, stops at the sheet's <dimension>, which some programs write wrong, and says
    nothing of what is hidden.)"""
    with sheet._get_source() as source:
        parser = WorkSheetParser(source, sheet._shared_strings, data_only=True, epoch=sheet.parent.epoch,
                                 date_formats=sheet.parent._date_formats,
                                 timedelta_formats=sheet.parent._timedelta_formats)
        struck = _struck_styles(sheet.parent)
        first = True
        for number, cells in parser.parse():
            if first:  # <cols> comes before <sheetData>
                first = False
                for attrs in parser.column_dimensions.values():
                    if _true(attrs.get("hidden")) and attrs.get("min", "").isdigit():
                        low, high = int(attrs["min"]), int(attrs.get("max") or attrs["min"])
                        hidden_columns.update(range(low, min(high, MAX_COLUMNS) + 1))
            values: list[object] = [None] * MAX_COLUMNS
            for cell in cells:
                if 1 <= cell["column"] <= MAX_COLUMNS:
                    values[cell["column"] - 1] = cell["value"]
            hidden = _true(parser.row_dimensions.get(str(number), {}).get("hidden"))
            yield number, tuple(values), hidden, frozenset(c["column"] for c in cells if c["style_id"] in struck)


def _struck_styles(book: Any) -> set[int]:
    """The cell styles whose font is struck through (删除线)."""
    fonts = book._fonts
    return {index for index, style in enumerate(book._cell_styles)
            if 0 <= style.fontId < len(fonts) and fonts[style.fontId].strike}


def _true(flag: object) -> bool:
    return flag in ("1", "true")


def _unhide(keys: list[str | None], hidden: set[int], columns: Sequence[Column], notices: list[str]) -> None:
    """A hidden column is not read, as a person reading the sheet does not see it (a school hides the
    columns it no longer keeps); a hidden column the import needs is refused in words."""
    labels = {c.key: c.header for c in columns}
    for index, key in enumerate(keys, start=1):
        if key is None or index not in hidden:
            continue
        if any(c.required and c.key == key for c in columns):
            raise SheetInvalid(f"必填的“{labels[key]}”列在表格里是隐藏的。请在 Excel 或 WPS 里选中它两边的列，"
                               "右键“取消隐藏”，核对后保存再上传。")
        notices.append(f"“{labels[key]}”列在表格里是隐藏的，没有导入。要导入这一列，请取消隐藏后重新上传。")
        keys[index - 1] = None


Read = tuple[list[tuple[int, dict[str, str]]], list[str]]  # the rows, and the notices


def _read_sheet(sheet: Any, columns: Sequence[Column]) -> Read | None:
    hidden_columns: set[int] = set()
    found = _read_lines(_lines(sheet, hidden_columns), hidden_columns, columns)
    if found is None:
        return None
    out, notices, keys, header_line = found
    _second_look(sheet, keys, header_line, out, {c.key: c.header for c in columns})
    return out, notices


def _read_text(text: str, columns: Sequence[Column]) -> Read | None:
    lines = ((number, tuple(cells[:MAX_COLUMNS]), False, frozenset[int]()) for number, cells in text_rows(text))
    found = _read_lines(lines, set(), columns)
    return None if found is None else (found[0], found[1])


def _read_lines(rows: Iterator[Line], hidden_columns: set[int], columns: Sequence[Column]
                ) -> tuple[list[tuple[int, dict[str, str]]], list[str], list[str | None], int] | None:
    """The rows below the header row, the notices, each column's key and the header's row number."""
    header: Header | None = None
    header_line = 0
    for header_line, values, _, _ in rows:
        if header_line > HEADER_ROWS:
            break
        header = _header(values, columns, header_line)
        if header is not None:
            break
    if header is None:
        return None
    keys, notices = header
    _unhide(keys, hidden_columns, columns, notices)
    headers = {c.key: {_header_key(name) for name in (c.header, *c.aliases, *c.fallbacks)} for c in columns}
    out: list[tuple[int, dict[str, str]]] = []
    hidden_rows: list[int] = []
    struck_rows: list[int] = []
    names = frozenset(index for index, key in enumerate(keys, start=1)
                      if any(c.required and c.key == key for c in columns))
    text = walked = 0
    for line, values, hidden, struck in rows:
        walked += 1
        cells = {key: cell_text(v) for key, v in zip(keys, values, strict=False) if key is not None}
        if any(cells.values()) and hidden:
            # A school hides the rows of children who left, or filters its list down to one class: a
            # person reading the sheet does not see them, so they are not imported, and the preview says so.
            hidden_rows.append(line)
            continue
        if any(cells.values()) and struck & names:
            # The other way a school marks a child who left: the name struck through (删除线).
            struck_rows.append(line)
            continue
        if not any(cells.values()):
            # Borders or a colour painted far down below the list are rows in the file with nothing in
            # them: each costs a moment to walk, so there is a limit, and it is said as what it is.
            if walked > MAX_LINES:
                raise SheetInvalid(f"名单下面还有上万行看起来是空的行（第 {line} 行还在继续），"
                                   "它们带有边框、底色等格式。请在 Excel 或 WPS 里选中名单下面的这些行，"
                                   "右键“删除”，保存后再上传。")
            continue
        if line > MAX_LINES or walked > MAX_LINES:
            raise SheetInvalid(f"表格的行太多（连空行在内超过 {MAX_LINES} 行）。请删去多余的空行，"
                               f"或分成几个文件导入，每个不超过 {MAX_ROWS} 行。")
        if all(footer_problem(v) for v in cells.values() if v):
            # 合计 35 人, or 填表人：张老师 under the list: not a person, and said, so no one wonders where it went.
            said = "、".join(v for v in cells.values() if v)
            notices.append(f"第 {line} 行是表格末尾的合计或签名（{said}），已跳过。")
            continue
        if all(_header_key(v) in headers[k] for k, v in cells.items() if v):
            # Two class lists pasted one below the other, each with its column names: not a child named 姓名.
            notices.append(f"第 {line} 行是又一行列名，已跳过。")
            continue
        text += sum(len(v) for v in cells.values())
        if text > MAX_TEXT:
            raise SheetInvalid(f"表格里的文字太多（到第 {line} 行已超过 {MAX_TEXT // 10000} 万字）。请检查是否有"
                               "很长的内容被复制到了整列，或分成几个文件导入。")
        if len(out) >= MAX_ROWS:
            raise SheetInvalid(f"表格超过 {MAX_ROWS} 行，请分成几个文件导入。")
        out.append((line, {c.key: cells.get(c.key, "") for c in columns}))
    if hidden_rows:
        notices.append(f"第 {_listed(hidden_rows)} 行在表格里是隐藏的（或被筛选隐藏），没有导入。要导入这些行，"
                       "请在 Excel 或 WPS 里取消隐藏（或清除筛选）后重新上传。")
    if struck_rows:
        notices.append(f"第 {_listed(struck_rows)} 行的姓名划了删除线（通常表示已经离开），没有导入。要导入这些行，"
                       "请去掉删除线后重新上传。")
    return out, notices, keys, header_line


def _listed(lines: list[int]) -> str:
    more = f" 等 {len(lines)} 行" if len(lines) > 10 else ""
    return "、".join(str(n) for n in lines[:10]) + more


_MERGE_REF = re.compile(r"([A-Z]{1,3})(\d+):[A-Z]{1,3}(\d+)")
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)")


def _second_look(sheet: Any, keys: list[str | None], header_line: int, out: list[tuple[int, dict[str, str]]],
                 labels: dict[str, str]) -> None:
    """What read-only openpyxl leaves out, in one streamed pass over the sheet: a value merged down a
    column (a school's name beside its children) is copied into the rows below it, as a person reading
    the sheet sees it; a formula whose result the file never stored (sheets written by other software)
    is refused in words, since it reads as an empty cell and the row would import without it."""
    by_line = dict(out)
    formulas: list[str] = []
    with sheet._get_source() as source:
        for _, element in iterparse(source):
            tag = element.tag.rpartition("}")[2]
            if tag == "c":
                children = {child.tag.rpartition("}")[2]: child.text for child in element}
                cell = _CELL_REF.fullmatch(element.get("r", ""))
                # Excel stores a formula's "" as <v></v> in a t="str" cell; an empty or missing <v>
                # otherwise means no result was ever stored.
                stored = "v" in children and (bool(children["v"]) or element.get("t") == "str")
                if "f" in children and not stored and cell:
                    column, line = column_index_from_string(cell[1]), int(cell[2])
                    key = keys[column - 1] if column <= len(keys) else None
                    if key is not None and line > header_line:
                        formulas.append(f"第 {line} 行“{labels[key]}”")
            elif tag == "row":  # (no more than MAX_LINES of them: the first pass counted)
                element.clear()
            elif tag == "mergeCell":
                found = _MERGE_REF.fullmatch(element.get("ref", ""))
                if found:
                    column, top, bottom = column_index_from_string(found[1]), int(found[2]), int(found[3])
                    key = keys[column - 1] if column <= len(keys) else None
                    if key is not None and header_line < top < bottom and top in by_line:
                        for line in range(top + 1, min(bottom, top + MAX_LINES) + 1):
                            if line in by_line and not by_line[line][key]:
                                by_line[line][key] = by_line[top][key]
    if formulas:
        more = f"等 {len(formulas)} 格" if len(formulas) > 3 else ""
        raise SheetInvalid(f"{'、'.join(formulas[:3])}{more}是公式，但文件里没有保存计算结果"
                           "（别的软件导出的表格常这样），系统读到的是空格子。"
                           "请用 Excel 或 WPS 打开这个文件，保存一次后再上传；或把这些格子复制后“选择性粘贴→数值”。")


def template(title: str, columns: Sequence[Column], notes: Sequence[tuple[str, str]]) -> bytes:
    """A workbook with the sheet ``title`` (bold Chinese headers, drop-downs for fixed choices)
    and a sheet 填写说明 explaining each column, followed by ``notes`` (heading, text)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    bold = Font(bold=True, size=12)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header + ("（必填）" if column.required else ""))
        cell.font, cell.fill = bold, fill
        sheet.column_dimensions[cell.column_letter].width = column.width
        if column.choices:
            check = DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True,
                                   showErrorMessage=True, error="请从下拉列表中选择。")
            check.add(f"{cell.column_letter}2:{cell.column_letter}{MAX_ROWS + 1}")
            sheet.add_data_validation(check)
    sheet.freeze_panes = "A2"
    help_sheet = book.create_sheet("填写说明")
    lines = [("列名", "是否必填", "怎么填"), *((c.header, "必填" if c.required else "", c.help) for c in columns),
             ("", "", ""), *((heading, "", text) for heading, text in notes)]
    for number, line in enumerate(lines, start=1):
        for place, text in enumerate(line, start=1):
            if text:  # the notes name the units, and a unit may be named "=…": a formula, were it not for put_cell
                put_cell(help_sheet, number, place, text)
    for cell in help_sheet[1]:
        cell.font, cell.fill = bold, fill
    help_sheet.column_dimensions["A"].width = 18
    help_sheet.column_dimensions["B"].width = 10
    help_sheet.column_dimensions["C"].width = 90
    for row in help_sheet.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_CJK = re.compile(r"[\u3400-\u9fff]")
_PHONE_NOISE = re.compile(r"[\s\-()（）]")


# What a school writes under its list, in the name column: 合计 35 人, 填表人：张老师, 审核：…, 说明：…
_FOOTER = re.compile(r"(合计|总计|小计|共计|总人数|人数|填表|制表|审核|负责人|联系人|说明|备注|注)[\s\d人名]*[：:].*|"
                     r"(合计|总计|小计|共计)\s*.*|共\s*\d+\s*[人名].*|.*\d+\s*人$")


def footer_problem(name: str) -> str | None:
    """Why a row is a line written under the list (a total, a signature) rather than a person, or None."""
    folded = unicodedata.normalize("NFKC", name).strip()
    if _FOOTER.fullmatch(folded) or ":" in folded:
        return (f"这一行的姓名是“{name}”，像是表格末尾的合计或签名行，不是一个人的名字。"
                "请删去这一行（或把它移到名单外）后再上传。")
    return None


def plain_name(text: str) -> str:
    """A person's name as it identifies them: full-width forms folded (NFKC), and no spaces inside a
    Chinese name ("王　雨欣" is 王雨欣), so one child or volunteer is not taken for two."""
    folded = unicodedata.normalize("NFKC", text).strip()
    return "".join(folded.split()) if _CJK.search(folded) else " ".join(folded.split())


def plain_phone(text: str) -> str:
    """A phone number as it identifies a volunteer: full-width digits folded, spaces and dashes
    dropped, and China's country code off a mobile number (+86 139…, 0086 139…)."""
    digits = _PHONE_NOISE.sub("", unicodedata.normalize("NFKC", text))
    for prefix in ("+86", "0086", "86"):
        rest = digits[len(prefix):]
        if digits.startswith(prefix) and len(rest) == 11 and rest.startswith("1") and rest.isdigit():
            return rest
    return digits
