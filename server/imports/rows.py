"""The rows of one sheet (or of a text file) below its column names, as a person reading it sees them.

Hidden rows and columns and names struck through are left out and said; a value merged down a
column counts in each row it covers; the file's size is bounded before it can become gigabytes of
preview; a formula without its stored result is refused in words.
"""
from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from typing import Any

from openpyxl.utils import column_index_from_string
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.xml.functions import iterparse

from .cells import cell_text, footer_problem
from .columns import MAX_ROWS, Column, SheetInvalid
from .header import HEADER_ROWS, Header, find_header, find_two_level_header, header_key
from .textfile import text_rows

MAX_COLUMNS = 40
# The last row a list may reach, and the rows of the file walked (blank ones included): a 433 KB file
# can declare a child on row three million, or hold a million rows with only a border in them.
MAX_LINES = 10 * MAX_ROWS
# Characters in all the cells read: 2000 rows of long plans are well under it, while a cell of 30,000
# characters copied down a column (one shared string in a small file) would become gigabytes of
# preview and signed payload.
MAX_TEXT = 1_000_000
# Cells parsed in one upload, blank and past MAX_COLUMNS included, over every sheet read: 2000 rows of
# 40 columns is 80,000. sheets.py counts them in the file before it is opened, too.
MAX_CELLS = 200_000
TOO_MANY_CELLS = (f"这个表格里的格子太多（超过 {MAX_CELLS // 10000} 万个，带边框、底色的空格子也算），不像是一份名单，"
                  "系统不读。请删去名单下面和右边多余的行和列，或把名单复制到导入模板里（粘贴时选“只粘贴数值”），"
                  "保存后再上传。")


class CellBudget:
    """The cells one upload may still have parsed, over all the sheets it reads."""

    def __init__(self) -> None:
        self.left = MAX_CELLS
        self.text_seen = False  # any cell with something in it, on any sheet read: a blank file is said so

    def spend(self, cells: int) -> None:
        self.left -= cells
        if self.left < 0:
            raise SheetInvalid(TOO_MANY_CELLS)


# A row's number in Excel, its first MAX_COLUMNS values, whether it is hidden, its struck-through columns
Line = tuple[int, tuple[object, ...], bool, frozenset[int]]


def _lines(sheet: Any, hidden_columns: set[int], budget: CellBudget) -> Iterator[Line]:
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
            budget.spend(len(cells))
            values: list[object] = [None] * MAX_COLUMNS
            for cell in cells:
                if 1 <= cell["column"] <= MAX_COLUMNS:
                    values[cell["column"] - 1] = cell["value"]
            if not budget.text_seen:
                budget.text_seen = any(cell_text(v) for v in values if v is not None)
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


def read_sheet(sheet: Any, columns: Sequence[Column], budget: CellBudget | None = None) -> Read | None:
    hidden_columns: set[int] = set()
    budget = budget or CellBudget()
    lines = _lines(sheet, hidden_columns, budget)
    found = _read_lines(lines, hidden_columns, columns)
    if found is None:
        # Nothing like column names up top: walk on only until some text is seen, so that a sheet left
        # blank is told apart from one whose names are elsewhere (the budget still bounds the walk).
        for _ in lines:
            if budget.text_seen:
                break
        return None
    out, notices, keys, header_line = found
    _second_look(sheet, keys, header_line, out, {c.key: c.header for c in columns})
    return out, notices


def read_text(text: str, columns: Sequence[Column]) -> Read | None:
    lines = ((number, tuple(cells[:MAX_COLUMNS]), False, frozenset[int]()) for number, cells in text_rows(text))
    found = _read_lines(lines, set(), columns)
    return None if found is None else (found[0], found[1])


def _read_lines(rows: Iterator[Line], hidden_columns: set[int], columns: Sequence[Column]
                ) -> tuple[list[tuple[int, dict[str, str]]], list[str], list[str | None], int] | None:
    """The rows below the header row, the notices, each column's key and the header's row number."""
    found = _header(rows, columns)
    if found is None:
        return None
    (keys, notices), header_line, rows = found
    _unhide(keys, hidden_columns, columns, notices)
    headers = {c.key: {header_key(name) for name in (c.header, *c.aliases, *c.fallbacks)} for c in columns}
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
        if all(header_key(v) in headers[k] for k, v in cells.items() if v):
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


def _header(rows: Iterator[Line], columns: Sequence[Column]) -> tuple[Header, int, Iterator[Line]] | None:
    """The header, the number of its (last) row and the rows below it: one row of column names, or
    two when a school merged a group's name over its columns (which one-row reading would refuse for
    its two 姓名, or take the lower row of for a child named 姓名)."""
    previous: Line | None = None
    for line in rows:
        number, values = line[0], line[1]
        if number > HEADER_ROWS:
            return None
        if previous is not None and previous[0] == number - 1:
            two = find_two_level_header(previous[1], values, columns, number)
            if two is not None:
                return two, number, rows
        one = find_header(values, columns, number)
        if one is not None:
            following = next(rows, None)
            if following is None:
                return one, number, rows
            if following[0] == number + 1:
                two = find_two_level_header(values, following[1], columns, following[0])
                if two is not None:
                    return two, following[0], rows
            return one, number, itertools.chain([following], rows)
        previous = line
    return None


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

