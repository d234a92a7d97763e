"""The rules of a group event's registers: a 补课 mark only on a first-half lecture held after the first
half, and a count of parents forwarded to only on a 收看微课 (Rudong notice 一.2(1) and 一.2(4))."""
from __future__ import annotations

from typing import Any

from ..labels import EVENT_KINDS, MAKE_UP_LECTURES
from .refusal import Refusal

FIRST_HALF_ENDS = "06-30"


def check_event(record: dict[str, Any]) -> None:
    """Refuse a 补课 mark the coverage page would misread, and a forward count that counts nowhere.

    Judged on the whole record as it will be stored, so an edit that changes the kind or the lecture
    number of a 补课 lecture is refused in the same words as a new one."""
    kind = record.get("kind")
    if record.get("make_up"):
        if kind != "lecture":
            raise Refusal(f"只有宣讲（第1–3讲）可以标为补课，{EVENT_KINDS.get(str(kind), '这类活动')}不是宣讲；"
                          "请取消“补课”，或把类型改为宣讲。", "make_up")
        if record.get("lecture_no") not in MAKE_UP_LECTURES:
            no = record.get("lecture_no")
            said = f"第{no}讲" if no is not None else "没有填讲次的宣讲"
            raise Refusal(f"补课是暑假补上上半年的第1–3讲，{said}不能标为补课；请填第1、2或3讲，或取消“补课”。",
                          "make_up")
        if str(record.get("date") or "")[5:] <= FIRST_HALF_ENDS:
            raise Refusal("上半年（1–6月）办的第1–3讲是正常宣讲，不是补课；补课是暑假起为没听到的学生补上的课。"
                          "请取消“补课”，或核对日期。", "make_up")
    if record.get("forwarded") is not None and kind != "micro_lesson":
        raise Refusal(f"“转发家长”只用于收看微课，{EVENT_KINDS.get(str(kind), '这类活动')}不计这个数；请把它清空，"
                      "或把类型改为收看微课。", "forwarded")
