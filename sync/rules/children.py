"""The rules of a child's file: where the child is registered, the code that names her, closing it
only once her pairings end, and the screenings and referrals in it."""
from __future__ import annotations

import json
import re
import unicodedata
from typing import TYPE_CHECKING, Any

from ..birthyears import birth_year_refused
from ..grades import grade_form
from ..labels import ROW_KINDS
from ..timeutil import day_in_words
from .dates import ahead, done_already, happened_already
from .refusal import Refusal, found, live, refuse_if

if TYPE_CHECKING:
    from ..apply import _Writer


def derive_mentee(w: _Writer, before: dict[str, Any] | None, record: dict[str, Any]) -> None:
    """A child's file: registered at a school or station in scope, under a code of her own (no ID card number),
    closed only once her pairings end."""
    if before is None or record["unit_id"] != before["unit_id"]:
        unit = live(w, "unit", record["unit_id"], "所属学校/辅导站", "unit_id")
        refuse_if(None if unit["kind"] in ROW_KINDS else CHILD_AT_A_ROW, "unit_id")
    if before is None or record["code"] != before["code"]:
        record["code"] = mentee_code(record["code"])
        if before is None or record["code"] != mentee_code(before["code"]):
            refuse_if(ID_CARD_CODE if looks_like_id_card(record["code"]) else None, "code")
            refuse_if(_code_in_use(w, record), "code")
    if record.get("grade") and (before is None or record["grade"] != before["grade"]):
        # 初一 and 七年级 are one grade: stored in one form, so a count by grade puts them in one row.
        record["grade"] = grade_form(record["grade"])
    if record.get("birth_year") is not None and (before is None or record["birth_year"] != before.get("birth_year")):
        # Only a year being written: one stored under an older rule (or that the calendar has since
        # passed by) leaves the rest of the file editable.
        refuse_if(birth_year_refused(record["birth_year"]), "birth_year")
    if before is not None and record["status"] == "closed" and before["status"] != "closed":
        refuse_if(still_paired(w, record), "status")


def of_the_child(w: _Writer, before: dict[str, Any] | None, record: dict[str, Any]) -> None:
    """A record about a child (a screening, a referral, a donation): of a live child in scope, its unit
    the child's, its author whoever creates it."""
    mentee = live(w, "mentee", record["mentee_id"], "帮扶对象", "mentee_id")
    record["unit_id"] = mentee["unit_id"]
    if before is None:
        record["author_id"] = w.actor.user_id


def derive_screening(w: _Writer, before: dict[str, Any] | None, record: dict[str, Any]) -> None:
    """A screening (摸排) of a live child in scope, done already; its unit is the child's."""
    done_already(w, before, record)
    of_the_child(w, before, record)


def derive_referral(w: _Writer, before: dict[str, Any] | None, record: dict[str, Any]) -> None:
    """A referral of a live child in scope, its dates come and in order; its unit is the child's."""
    of_the_child(w, before, record)
    happened_already(w, "referral", before, record)
    for name, label in (("received_on", "接收日期"), ("concluded_on", "结束日期")):
        # Tracked as it happens, as its 转介日期 is: a day to come is a slip (2062 for 2026).
        d = ahead(w, before, record, name)
        if d is not None:
            raise Refusal(f"{label}（{day_in_words(d)}）不能晚于今天："
                          "请在转介机构接收或结束以后再登记。", name)
    _check_referral(record)


# A child registered at a town or the county would count on the dashboard and in the brief but in
# no row of the statistics form the county reports upward (labels.ROW_KINDS).
CHILD_AT_A_ROW = ("“所属学校/辅导站”应是孩子上学的学校或所在的辅导站：统计表按学校和辅导站计数，"
                  "登记在镇（街道）或县的孩子哪一行都不计。")


def mentee_code(code: Any) -> str:
    """A child's code in its one written form: NFKC (a full-width Ｂ or －, as a Chinese input method
    types them, is B or -) without any whitespace (SQLite's ``trim`` strips only ASCII spaces, and a
    full-width space U+3000 or a tab pasted from a sheet is invisible on every page). Two codes that
    differ only so would be two children no one can tell apart. The write path stores codes in this
    form, so the index ``idx_mentees_code`` on ``trim(code)`` (sync/schema/m012_m031.py m030) finds them."""
    return "".join(unicodedata.normalize("NFKC", str(code)).split())


# A resident ID card's number, 18 digits (the last may be X) or the old 15.
_ID_CARD = re.compile(r"\d{6}(19|20)\d{2}(0[1-9]|1[0-2])\d{5}[\dXx]|\d{15}")
ID_CARD_CODE = "编号不能用身份证号：县里的页面、档案和导出都用编号代替孩子的姓名显示。请换一个编号。"


# The same inside a longer code: a 全国学籍号 is G followed by the child's ID number, and a school's
# list often carries it in the 编号 column.
_ID_CARD_INSIDE = re.compile(r"(?<!\d)\d{6}(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dXx](?!\d)")


def looks_like_id_card(code: Any) -> bool:
    """Whether a child's code is, or holds, an ID card's number (which every reviewer would then read)."""
    text = unicodedata.normalize("NFKC", mentee_code(code))
    return bool(_ID_CARD.fullmatch(text) or _ID_CARD_INSIDE.search(text))


def _code_in_use(w: _Writer, mentee: dict[str, Any]) -> str | None:
    """Why ``mentee`` may not have its code: another live child has it (this batch's own changes
    included). The code names one child county-wide: the county's pages, archives, exports and the
    access log show only the code, so two children under one code are two files no one can tell
    apart. Deleted children keep their codes and are not counted here; the sentence names only the
    code, which the writer typed, never the other child or their unit (``not_found``)."""
    code = mentee_code(mentee["code"])
    held = found(w, "mentee",
                  lambda r: r["id"] != mentee["id"] and not r["deleted"] and mentee_code(r["code"]) == code,
                  "SELECT id FROM mentees WHERE trim(code) = ? AND deleted = 0 AND id != ?",  # idx_mentees_code
                  [code, mentee["id"]], at_most=1)
    return (f"编号“{code}”已被另一个孩子使用：一个编号只能属于一个孩子，请换一个编号"
            "（新登记的孩子由系统自动生成编号）。") if held else None


def still_paired(w: _Writer, mentee: dict[str, Any], *, deleting: bool = False) -> str | None:
    """Why a child's file may not be closed (状态 结束) or deleted: the child still has active
    pairings. Left running, they keep a closed child on the volunteer's phone and in every 进行中
    count, with nobody offered to end them; a deleted child's pairing stays on the phone as a pairing
    with no child. The pairing's page is where they end."""
    running = found(w, "pairing", lambda p: p["mentee_id"] == mentee["id"] and p["status"] == "active"
                     and not p["deleted"], "SELECT id, mentor_id FROM pairings WHERE mentee_id = ?"
                     " AND status = 'active' AND deleted = 0", [mentee["id"]])  # idx_pairings_mentee
    if not running:
        return None
    mentors = list(dict.fromkeys(p["mentor_id"] for p in running))[:3]
    names = [str(r[0]) for r in w.db.execute(
        "SELECT u.name FROM json_each(?) j JOIN users u ON u.id = j.value ORDER BY j.key", [json.dumps(mentors)])]
    who = f"（志愿者：{'、'.join(names)}）" if names else ""
    act, then = ("删除这个孩子", "删除孩子的档案") if deleting else ("把“状态”改为“结束”", "结束孩子的档案")
    return (f"这个孩子还有 {len(running)} 个进行中的结对{who}，不能{act}。"
            f"请先打开结对档案点“结束结对”，把这些结对结束，再{then}。")


def _check_referral(record: dict[str, Any]) -> None:
    """A referral's status follows its dates: received needs the day it was received, concluded the
    day it ended, and the dates run in order (referred ≤ received ≤ concluded)."""
    status = record["status"]
    if status == "received" and record.get("received_on") is None:
        raise Refusal("状态为“已接收”时请填写接收日期。", "received_on")
    if status == "concluded" and record.get("concluded_on") is None:
        raise Refusal("状态为“已结束”时请填写结束日期。", "concluded_on")
    dates = [(name, label, record.get(name)) for name, label in (
        ("referred_on", "转介日期"), ("received_on", "接收日期"), ("concluded_on", "结束日期"))]
    present = [(name, label, day) for name, label, day in dates if day is not None]
    for (_, first, a), (name, second, b) in zip(present, present[1:], strict=False):
        if a > b:
            raise Refusal(f"{second}（{day_in_words(b)}）不能早于{first}（{day_in_words(a)}）。", name)
