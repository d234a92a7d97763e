"""A cell's value as the text a person sees in it, and what makes that text no usable value.

Cells are read as text the way a person sees them (a phone number typed as a number is
``13912345678``, not ``1.39e10``; a date is ``2026-09-01``), so every later check works on one type
and a row can travel in the preview form as JSON; a cell that holds no trustworthy value (an Excel
error, a number that lost its digits) is refused in words, never imported as text. Names and phone
numbers are folded here the one way every import compares them.
"""
from __future__ import annotations

import datetime
import re
import unicodedata

from openpyxl.cell.cell import ERROR_CODES

from sync.controls import without_controls
from sync.names import visible

__all__ = ["cell_problems", "cell_text", "footer_problem", "plain_phone"]

# How Excel writes a control character into a cell's XML, which cannot hold it: _x0007_ (ST_Xstring),
# and so the CR of every line break pasted from a CR-LF text (_x000D_). openpyxl reads the escape as
# those seven letters, which no page would then let anyone find. A cell whose text itself reads like an
# escape has its underscore escaped (_x005F_x0007_ is the text _x0007_): read left to right, the
# _x005F_ is one underscore and what follows it stays the letters typed.
_EXCEL_CONTROL = re.compile("_x(005F|00[01][0-9A-F]|007F|00[89][0-9A-F])_", re.IGNORECASE)


def cell_text(value: object) -> str:
    """A cell as the text a person sees in it, without the control characters nobody sees (the ones
    a push's text is cleaned of, ``sync.controls``); tab and line breaks kept."""
    return without_controls(_shown(value)).strip()  # "\x07 王" is " 王" once cleaned


def _shown(value: object) -> str:
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
    text = str(value)
    if "_x" in text or "_X" in text:
        text = _EXCEL_CONTROL.sub(lambda m: chr(int(m[1], 16)), text)
    return text


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


def plain_phone(text: str) -> str:
    """A phone number as it identifies a volunteer: full-width digits folded, spaces and dashes
    dropped, and China's country code off a mobile number (+86 139…, 0086 139…)."""
    digits = _PHONE_NOISE.sub("", visible(unicodedata.normalize("NFKC", text)))
    for prefix in ("+86", "0086", "86"):
        rest = digits[len(prefix):]
        if digits.startswith(prefix) and len(rest) == 11 and rest.startswith("1") and rest.isdigit():
            return rest
    return digits

