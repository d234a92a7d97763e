"""Finding the row of column names in a school's own sheet and the column each of its cells names."""
from __future__ import annotations

import re
from collections.abc import Sequence

from .cells import cell_text
from .columns import Column, SheetInvalid

HEADER_ROWS = 10  # title rows, a date line, blank rows: where a school's own sheet puts its column names


def header_key(text: str) -> str:
    """``姓名（必填）`` and ``姓名`` are the same column."""
    return re.sub(r"[（(].*?[）)]|\s|\*", "", text)


_UNNUMBERED = ("序号",)  # a row counter, in nearly every school's sheet: not data, and not worth a notice
Header = tuple[list[str | None], list[str]]  # each cell's column key, and notices of columns ignored


def find_header(values: Sequence[object], columns: Sequence[Column], line: int) -> Header | None:
    """The column key of each cell and the notices, when ``values`` is a row of column names: every
    required one, and below row 1 also another one or nothing else (the 填写说明 sheet's
    姓名 | 必填 | … row is not one). A school's own names for a column (``Column.aliases``) are read
    as it; two columns that would fill one field, or a name that may mean two things, are refused in
    words (``SheetInvalid``) rather than one of them quietly winning."""
    by_header = {header_key(name): c.key for c in columns for name in (c.header, *c.aliases)}
    fallback = {header_key(name): c.key for c in columns for name in c.fallbacks}
    ambiguous = {header_key(name): c for c in columns for name in c.ambiguous}
    keys: list[str | None] = []
    unknown: list[str] = []
    for cell in values:
        text = header_key(cell_text(cell))
        keys.append(by_header.get(text))
        if text and text not in by_header and text not in fallback and text not in _UNNUMBERED:
            unknown.append(_IGNORED.get(text, "不认识的列“{}”，已忽略。").format(cell_text(cell)))
    known = [k for k in keys if k is not None]
    if any(c.required and c.key not in known for c in columns) or (line > 1 and len(set(known)) < 2 and unknown):
        return None
    labels = {c.key: c.header for c in columns}
    for index, cell in enumerate(values):
        text = header_key(cell_text(cell))
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

