"""A child's 年级 in one written form, whoever typed it.

Schools write one grade many ways: 初一, 七年级, 7年级, 初中一年级, 初1; 高一, 十年级, 高中一年级;
小学一年级, 1年级, 小一. Stored as typed, a count by grade puts one class of children in four rows.
The form kept is the one the county's notices and the demo county use: 一年级 … 九年级 through the
nine years of compulsory school (第4讲宣讲已覆盖七至九年级), and 高一, 高二, 高三 above them. A class
after the grade (初一（3）班, or 七(3)班 with the grade's number alone) keeps its class, behind the
grade's one form (七年级(3)班). Text that names no grade (学前班, 毕业) is kept as typed: it is not ours to guess.
"""
from __future__ import annotations

import re
import unicodedata

_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
             "十一": 11, "十二": 12}
_WORDS = {number: word for word, number in _NUMERALS.items()}
_NUMBER = r"(十[一二]?|[一二三四五六七八九]|1[012]|[1-9])"
# The stage (小学/初中/高中 or 小/初/高), the number within it, and 年级 or 年 after it (or nothing, as
# in 初一); or a year counted from the first (七年级, 10年级).
# A class after the grade: (3), （3）班, 3班.
CLASS = re.compile(r"[(（]?\d{1,2}[)）]?班?|\d{1,2}班|[(（]\d{1,2}[)）]")
# A class in brackets straight after a bare number, as rosters write one: 七(1)班 is 七年级(1)班.
_CLASS_IN_BRACKETS = re.compile(r"\(\d{1,2}\)班?")
# The school years in order, each in its one form.
GRADES = [f"{_WORDS[n]}年级" for n in range(1, 10)] + ["高一", "高二", "高三"]
_GRADE = re.compile(rf"(?P<stage>小学|初中|高中|小|初|高)?(?P<number>{_NUMBER})(?P<word>年级|年)?(?P<rest>.*)")


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _NUMERALS[text]


def grade_form(text: str | None) -> str | None:
    """``text`` as the one form of its grade (初一 → 七年级, 十年级 → 高一); unchanged when it names no grade."""
    if text is None:
        return None
    plain = "".join(unicodedata.normalize("NFKC", text).split())
    found = _GRADE.fullmatch(plain)
    if not found:
        return text
    stage, number, word, rest = found["stage"], _number(found["number"]), found["word"], found["rest"]
    # A bare 3 or 三 names no grade; 七(1)班, as schools write a class, does: the number is the grade.
    bracketed = not stage and not word and _CLASS_IN_BRACKETS.fullmatch(rest) is not None
    if not stage and not word and not bracketed:
        return text
    if stage in ("初中", "初"):
        number += 6
    elif stage in ("高中", "高"):
        number += 9
    elif not word and not bracketed:
        return text  # 小三 is a grade, but 小 alone before a number is not always one
    if stage in ("小学", "小") and number > 6 or stage in ("初中", "初") and number > 9 or number > 12:
        return text  # 小学七年级, 初四: a school's own numbering, kept as typed
    if rest and not CLASS.fullmatch(rest):
        return text  # 一年级组长 or other words after it: not a grade and class
    shown = f"高{_WORDS[number - 9]}" if number > 9 else f"{_WORDS[number]}年级"
    return shown + rest


def grade_parts(text: str) -> tuple[int, str] | None:
    """(the school year counted from 一年级 as 0, the class after it) of ``text`` in its one form
    (七年级（3）班 → (6, "（3）班")); None for text naming no grade (学前班, 一年级组长)."""
    shown = grade_form(text) or ""
    for i, name in enumerate(GRADES):
        rest = shown[len(name):]
        if shown.startswith(name) and (not rest or CLASS.fullmatch(rest)):
            return i, rest
    return None
