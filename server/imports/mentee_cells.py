"""A children's roster row's cells read as the wire values the write path takes (a 性别 of 1 or 女生,
a birth date for a year, 初一 for 七年级), each problem said in words; the yes/no columns read as
categories (``flag_categories``) and what the preview says it understood of them (``flag_notices``)."""
from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from sync.entities import ENTITIES
from sync.grades import grade_form
from sync.labels import CATEGORIES, GENDERS, RISK_LEVELS
from sync.mutations import check_value
from sync.names import plain_name
from sync.rules import birth_year_refused, birth_years, looks_like_id_card, mentee_code

from .cells import cell_problems, footer_problem
from .mentee_columns import FLAGS, LABELS

_YES = frozenset(("是", "√", "✓", "✔", "1", "Y", "YES", "有", "TRUE"))
_NO = frozenset(("否", "×", "✗", "✘", "X", "0", "N", "NO", "无", "没有", "不是", "FALSE"))
MENTEE = ENTITIES["mentee"]
# 男生, 女孩 …: how a school's list says a child's sex, none of them in doubt; 1 and 2 are the codes of
# GB/T 2261.1 that student-record systems export, M and F those of English-language software.
_GENDER_WORDS = {**dict.fromkeys(("男生", "男孩", "男童", "男性", "1", "M", "MALE"), "male"),
                 **dict.fromkeys(("女生", "女孩", "女童", "女性", "2", "F", "FEMALE"), "female")}
# The standard's other codes say the sex is not known: nothing to store, and not a blank to guess from.
_GENDER_UNKNOWN = {"0": "未知的性别", "9": "未说明的性别"}
_REVERSE = {"gender": {v: k for k, v in GENDERS.items()}, "risk_level": {v: k for k, v in RISK_LEVELS.items()},
            "categories": {v: k for k, v in CATEGORIES.items()}}


def _choice(name: str, text: str, errors: list[str]) -> str | None:
    table = _REVERSE[name]
    if text in table:
        return table[text]
    if name == "gender":
        folded = unicodedata.normalize("NFKC", text).strip().upper()
        if folded in _GENDER_WORDS:
            return _GENDER_WORDS[folded]
        if folded in _GENDER_UNKNOWN:
            errors.append(f"“性别”填的是 {folded}，按国标代码是“{_GENDER_UNKNOWN[folded]}”，系统只记男或女。"
                          "请改填 男 或 女（1 男、2 女）；不清楚的请留空。")
            return None
    if text in table.values():
        return text
    codes = "也可填国标代码 1（男）或 2（女）。" if name == "gender" else ""
    errors.append(f"“{LABELS[name]}”应为 {'、'.join(table)} 之一，这一行填的是“{text}”。{codes}")
    return None


def _categories(text: str, errors: list[str]) -> list[str]:
    out: list[str] = []
    for part in (p for p in re.split(r"[、，,；;\s]+", text) if p):
        value = _choice("categories", part, errors)
        if value is not None and value not in out:
            out.append(value)
    return out


# A year, or a whole birth date as schools write one (2014-05-01 from a date cell, 2014.5.1,
# 2014/5/1, 2014年5月1日, 2014年5月): the year is what is kept.
_BIRTH = re.compile(r"(\d{4})(?:年(?:(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})日?)?)?"
                    r"|[-./](?P<month>\d{1,2})(?:[-./](?P<day>\d{1,2}))?)?")


# 20150305 or 201503 (出生年月), as a school's student-record system exports a birth date.
_BIRTH_DIGITS = re.compile(r"(\d{4})(?P<month>0[1-9]|1[0-2])(?P<day>0[1-9]|[12]\d|3[01])?")
_AGE = re.compile(r"(\d{1,2})(周?岁)?")
# 2015/3/5 0:00, as Excel writes a date cell into a .csv (or a date cell that carries a time).
_TIME_OF_DAY = re.compile(r"\s+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
# 42064: a date cell pasted as text (or a system's export) keeps Excel's day number, not the date.
_SERIAL = re.compile(r"\d{5}(\.0+)?")
_EXCEL_EPOCH = datetime.date(1899, 12, 30)


def _no_such_day(found: re.Match[str]) -> bool:
    """Whether a birth date names a month or day the calendar does not have; a year alone, or a
    year and a month, is a date as far as it goes."""
    parts = found.groupdict()
    month, day = parts.get("month") or parts.get("m"), parts.get("day") or parts.get("d")
    if month is None:
        return False
    try:
        datetime.date(max(int(found[1]), 1), int(month), int(day or 1))  # year 0: refused as a year, later
    except ValueError:
        return True
    return False


def _birth_year(text: str, errors: list[str]) -> int | None:
    """The year a cell gives, whatever it is: whether it may be a pupil's is sync's rule, asked of a
    year the row would write (``plan_mentees``), so a stored year a roster repeats is no error."""
    plain = "".join(_TIME_OF_DAY.sub("", unicodedata.normalize("NFKC", text).strip()).split())
    if _SERIAL.fullmatch(plain):
        plain = (_EXCEL_EPOCH + datetime.timedelta(days=int(float(plain)))).isoformat()
    found = _BIRTH.fullmatch(plain) or _BIRTH_DIGITS.fullmatch(plain)
    if found and _no_such_day(found):
        # 2016-13-45 or 2015-02-30: a slip of the keyboard, and its year is no surer than its month.
        errors.append(f"“出生年份”这一格填的“{text}”不是日历上有的日子（月份是 1 到 12，日不能超过那个月的天数）。"
                      f"请按户口本改正，或只填出生年份（如 {found[1]}）。")
        return None
    if found:
        return int(found[1])
    first, this_year = birth_years()
    age = _AGE.fullmatch(plain)
    if age and 1 <= int(age[1]) <= this_year - first:
        # An age turns into a birth year only give or take one, and is wrong again next year.
        errors.append(f"“出生年份”这一格填的是年龄（{text}），请改填出生年份（如 {this_year - int(age[1])} 或"
                      f" {this_year - int(age[1]) - 1}，以户口本上的为准）。")
        return None
    errors.append(str(birth_year_refused(text)))
    return None


PARSERS: dict[str, Callable[[str, list[str]], Any]] = {
    "gender": lambda t, e: _choice("gender", t, e),
    "risk_level": lambda t, e: _choice("risk_level", t, e),
    "categories": _categories,
    "birth_year": _birth_year,
}
FIELDS = ("code", "name", "school", "grade", "gender", "birth_year", "categories", "risk_level", "plan",
          "guardian_name", "guardian_contact", "notes")


def row_values(cells: dict[str, str], errors: list[str]) -> dict[str, Any]:
    """The wire values of the non-empty cells; each problem appended to ``errors`` in words."""
    values: dict[str, Any] = {}
    bad = cell_problems(cells, LABELS, errors)
    for name in FIELDS:
        text = cells.get(name, "")
        if not text or name in bad:
            continue
        if name == "name":
            text = plain_name(text)
            footer = footer_problem(text)
            if footer:  # no child is registered under the name 合计 35 人
                errors.append(footer)
                bad.add(name)
                continue
        elif name == "code" and looks_like_id_card(text):
            # Said at the preview, in the import's words (the write rule refuses it for every writer).
            errors.append("“编号”这一格像是身份证号（或含身份证号的全国学籍号）。系统不保存身份证号，编号也不能用身份证号：新登记的孩子请把编号留空"
                          "（导入时自动编号），已登记的填系统里的编号。")
            continue
        elif name == "code":  # ＢＸ－2026－0001 or a pasted tab is the code BX-2026-0001, as every writer stores it
            text = mentee_code(text)
            if not text:  # a cell of spaces only: no code, one is given
                continue
        elif name == "grade":  # 初一 is 七年级, as the write path stores it: no change to offer for it
            text = grade_form(text) or text
        elif name == "guardian_contact":  # １３８－００１３… typed in a Chinese input method: digits a phone can dial
            text = unicodedata.normalize("NFKC", text)
        value = PARSERS[name](text, errors) if name in PARSERS else text
        if value is None:
            continue
        problem = check_value(MENTEE.by_name[name], value)
        if problem:
            errors.append(problem.replace(f"字段“{MENTEE.by_name[name].label}”({name})", f"“{LABELS[name]}”"))
            continue
        values[name] = value
    if not values.get("name") and "name" not in bad:
        errors.append("“姓名”不能为空。")
    return values


def _flag_word(cells: dict[str, str], key: str) -> str:
    """A yes/no cell as ``_YES`` and ``_NO`` list its words: full-width folded, no spaces, upper case."""
    return "".join(unicodedata.normalize("NFKC", cells.get(key, "")).split()).upper()


def flag_categories(cells: dict[str, str], errors: list[str]) -> list[str]:
    """The categories a row's yes/no columns give (是 in 是否留守儿童: 留守/特殊家庭). A 否 or an empty
    cell takes none away: 否 in 是否留守儿童 says nothing of a child's 单亲 or 类别."""
    out: list[str] = []
    for key, header, _, category in FLAGS:
        text = _flag_word(cells, key)
        if text in _YES:
            out += [category] if category not in out else []
        elif text and text not in _NO:
            errors.append(f"“{header}”应填 是 或 否（√、×、1、0、Y、N 也可以），这一行填的是“{cells[key]}”。")
    return out


def flag_notices(rows: list[tuple[int, dict[str, str]]]) -> list[str]:
    """What the preview says it understood of each yes/no column the file filled in."""
    said = []
    for key, header, _, category in FLAGS:
        yes = sum(1 for _, cells in rows if _flag_word(cells, key) in _YES)
        if any(cells.get(key) for _, cells in rows):
            said.append(f"“{header}”一列读作类别“{CATEGORIES[category]}”：填“是”（或 √、1、Y）的 {yes} 个孩子"
                        "加上这个类别；填“否”或空着的，类别不变。")
    return said

