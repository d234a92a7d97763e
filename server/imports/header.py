"""Finding the row of column names in a school's own sheet and the column each of its cells names."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from sync.names import visible

from .cells import cell_text
from .columns import Column, SheetInvalid

HEADER_ROWS = 10  # title rows, a date line, blank rows: where a school's own sheet puts its column names


def header_key(text: str) -> str:
    """``姓名（必填）`` and ``姓名`` are the same column, and so are ``身份／简介`` typed in an input
    method's full-width mode and a ``手机号`` carrying a zero-width space or a BOM from a web page or a
    text file: a column name is folded as a name in a cell is (``sync.names.plain_name``), or its column
    would be ignored as unknown and every row lose that field."""
    return re.sub(r"[(].*?[)]|\s|\*", "", visible(unicodedata.normalize("NFKC", text)))


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


# Someone on a school's list other than the child (or volunteer) it is about: a 姓名 or 性别 under one
# of them in a two-row header is theirs, never the child's.
_OTHERS = frozenset(("监护人", "家长", "父亲", "母亲", "爸爸", "妈妈", "爷爷", "奶奶", "外公", "外婆", "班主任",
                     "老师", "联系人", "填表人", "紧急联系人"))
_GUARDIAN = ("监护人", "家长")  # one person under either word: 家长 / 联系电话 is 监护人联系电话
_GROUP_TAIL = re.compile(r"(的)?(基本)?(信息|情况|资料)$")  # 学生基本信息 over 姓名 is 学生 over 姓名


def find_two_level_header(upper: Sequence[object], lower: Sequence[object], columns: Sequence[Column],
                          line: int) -> Header | None:
    """The column key of each cell and the notices, when ``upper`` over ``lower`` (row ``line``) is a
    header of two rows as schools merge one: 监护人 over 姓名 | 电话, 家庭情况 over several columns, with
    序号 or 姓名 merged down both rows. Read as a person reads it: the lower cell names the column, the
    group above gives it context (监护人 over 姓名 is the guardian's name, not a second child's name), a
    cell merged down both rows names its column, and a group of someone else's (班主任 over 电话) is not
    ours. None when ``lower`` is not a row of column names under ``upper`` (a first data row)."""
    words = {header_key(name) for c in columns for name in (c.header, *c.aliases, *c.fallbacks, *c.ambiguous)}
    size = max(len(upper), len(lower))
    tops = [header_key(cell_text(upper[i] if i < len(upper) else None)) for i in range(size)]
    bottoms = [header_key(cell_text(lower[i] if i < len(lower) else None)) for i in range(size)]
    if sum(1 for top in tops if top) < 2:
        return None  # a title or a date line above a one-row header
    names: list[str] = []
    ignored: list[str] = []
    named = 0
    group = ""
    for top, bottom in zip(tops, bottoms, strict=True):
        if top:  # a merged group's text sits in its first cell; the cells to its right are blank
            group = top if bottom else ""
        elif not bottom:
            group = ""
        if not bottom:
            names.append(top)  # merged down both rows (序号, 姓名), or nothing at all
            continue
        context = _GROUP_TAIL.sub("", group) if group else ""
        prefixes = _GUARDIAN if context in _GUARDIAN else (context,)
        combined = next((prefix + bottom for prefix in prefixes if context and prefix + bottom in words), None)
        if combined is not None:
            names.append(combined)
            named += 1
        elif context in _OTHERS:
            names.append("")
            ignored.append(f"“{group} / {bottom}”是{context}的信息，不是孩子或志愿者本人的，没有导入。")
            named += 1
        else:
            names.append(bottom)
            named += bottom in words or bottom in _IGNORED or bottom in _UNNUMBERED
    filled = sum(1 for bottom in bottoms if bottom)
    if not named or 2 * named < filled:
        return None  # the row below a header is data: 王小明 | 男 | 四年级 names no columns
    found = find_header(names, columns, line)
    return None if found is None else (found[0], found[1] + ignored)


# Columns a school's sheet often has that are not ours: said why they are left out.
_IGNORED = {
    **dict.fromkeys(("学号", "学籍号", "全国学籍号", "学籍辅号", "学生学号"),
                    "“{}”是学校自己的编号，不是系统里的编号，这一列没有导入（按姓名认出同一个孩子）。"),
    **dict.fromkeys(("身份证号", "身份证号码", "身份证", "学生身份证号"), "“{}”没有导入：系统不保存身份证号。"),
    "年龄": "“{}”没有导入：请改填“出生年份”（如 2015）。",
}

