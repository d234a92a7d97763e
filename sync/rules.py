"""Per-entity rules of the write path: server-set fields, references, scope effects.

``derive`` fills the fields only the server sets (the unit a pairing belongs to, the
author of an activity …) and checks that every reference points at a live record the
writer may see. ``scope_effects`` notices when a change moves records into or out of a
mentor's or a unit's view, so pulls can send the history or a ``drop``.
"""
from __future__ import annotations

import datetime
import json
import re
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import returns
from .entities import ACTIVITY_KINDS, CHECK_ITEMS, ENTITIES, ROW_KINDS, this
from .grades import grade_form
from .handover import spans_in_words, spans_of
from .records import keys_of
from .scope import Scope, unit_subtree
from .timeutil import day_in_words, local_today

if TYPE_CHECKING:
    from .apply import _Writer


class Refusal(Exception):
    """A mutation is rejected; ``reason`` tells the person what to do. ``field`` names the one field
    the refusal is about, when it is about one, so that a web form marks that field (its words need
    not quote the field's label: "日期写的是以后的日子"); it stays off the wire (``Outcome.answer``)."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


IMMUTABLE = {
    "activity": ("pairing_id",),
    "pairing": ("mentee_id",),
    "screening": ("mentee_id",),
    "referral": ("mentee_id",),
    "review": ("target_entity", "target_id", "decision", "comment", "target_version"),
}


def immutable_after_create(entity_name: str) -> tuple[str, ...]:
    return IMMUTABLE.get(entity_name, ())


def not_found(what: str, record_id: str | None = None, *, hint: str = "") -> str:
    """The one sentence for "no such record" and "not yours": a rejection must not tell a caller
    whether a record outside their scope exists (issue 8, item 6)."""
    ident = f"（{record_id}）" if record_id else ""
    return f"找不到{what}{ident}：它可能不存在、已被删除、尚未同步，或不在您的管理范围内{hint}。"


# An upsert of a record the writer cannot find names the one mistake a phone can fix itself.
NEW_RECORD_HINT = "；新建记录时 base_version 应为 null"


def _refuse_if(reason: str | None, field: str | None = None) -> None:
    if reason is not None:
        raise Refusal(reason, field)


def _gone(w: _Writer, entity_name: str, row: dict[str, Any], label: str) -> str:
    """A referenced record the writer may see but that was deleted (while the form stood open, or
    on a phone offline), named as the writer knows it and with what to do: its id tells no one which
    child it was."""
    if entity_name == "mentee":
        return (f"帮扶对象 {row['code']} 的档案已被删除，不能再为其登记。如果选错了孩子，请重新选择；"
                "删除不能撤销：如果档案是误删的，请辅导站为孩子重新建档后再登记。")
    if entity_name == "pairing":
        child = w.get("mentee", row["mentee_id"])
        code = f"（帮扶对象 {child['code']}）" if child else ""
        return f"这个结对{code}已被删除，不能再记录。请在孩子的档案里选择现在的结对。"
    if entity_name == "unit":
        return f"{label}“{row['name']}”已被删除，请选择别的单位。"
    return f"{label}已被删除，请重新选择。"


def _child_not_deleted(w: _Writer, mentee_id: Any, field: str) -> None:
    """Deleting a child leaves its ended pairings and their visits undeleted (they are its kept
    archive), so a live pairing or visit alone would let staff add to, change or review a file that
    is read-only and counted nowhere."""
    if not isinstance(mentee_id, str):
        return
    # Asked of every visit: the child as this batch holds it (a delete earlier in the batch
    # included), else the one flag once a batch, not the whole child loaded and decoded.
    child = w.rows["mentee"].get(mentee_id)
    if child is None:
        if mentee_id in w.live_children:
            return
        found = w.db.execute("SELECT deleted FROM mentees WHERE id = ?", [mentee_id]).fetchone()
        if found is None or not found[0]:
            w.live_children.add(mentee_id)
            return
        child = w.get("mentee", mentee_id)
    if child is not None and child["deleted"]:
        raise Refusal(_gone(w, "mentee", child, "帮扶对象"), field)


def _live(w: _Writer, entity_name: str, record_id: Any, label: str, field: str | None = None) -> dict[str, Any]:
    """The referenced record (by the writer's ``field``), if it exists, is not deleted and the writer
    may see it. One deleted that the writer may see is named (``_gone``); one missing or not the
    writer's gets the one sentence that tells the two apart for no one, without the id the writer sent."""
    row = w.get(entity_name, record_id) if isinstance(record_id, str) else None
    if row is not None:
        visible = (w.scope.allows_unit(row["id"]) if entity_name == "unit"
                   else w.scope.allows(keys_of(entity_name, row)))
        if visible and not row["deleted"]:
            return row
        if visible:
            raise Refusal(_gone(w, entity_name, row, label), field)
    raise Refusal(not_found(label, hint="" if w.actor.role == "mentor" else "；请刷新页面后重新选择"), field)


FUTURE_SLACK = datetime.timedelta(days=31)
# On the web the day is the server's, so a day's slack is enough (a record typed just after midnight
# on a computer whose clock runs a little ahead); 2027 typed for 2026 is refused.
STAFF_SLACK = datetime.timedelta(days=1)


def _ahead(w: _Writer, before: dict[str, Any] | None, record: dict[str, Any], name: str) -> datetime.date | None:
    """The day ``record[name]`` says, when this change sets it and it lies after the server's today
    (with the slack of the writer's role); None otherwise. Only a day set or changed is checked, so a
    record stored before a rule can still be corrected in its other fields."""
    day = record.get(name)
    if not isinstance(day, str) or (before is not None and before.get(name) == day):
        return None
    slack = FUTURE_SLACK if w.actor.role == "mentor" else STAFF_SLACK
    return datetime.date.fromisoformat(day) if day > (local_today() + slack).isoformat() else None


def _done_already(w: _Writer, before: dict[str, Any] | None, record: dict[str, Any]) -> None:
    """A visit or screening records what was done, and every form offers no later day than today.
    A volunteer's visit dated a month or more ahead comes from a phone whose clock ran ahead (typed
    offline, before any sync could tell it); staff's, from a slip of the year. Taken, it would count in
    next year's statistics, be missing from this year's, and stand as the pairing's latest visit
    (hiding an overdue follow-up). A month's slack on a phone leaves a typo of a day to the review."""
    d = _ahead(w, before, record, "date")
    if d is not None:
        advice = "如果手机上的日期不对，请先到手机的“设置”里改好日期和时间。" if w.actor.role == "mentor" else ""
        raise Refusal(f"日期写的是以后的日子（{day_in_words(d)}），请改成实际做的那一天。{advice}", "date")


def _earlier(a: Any, b: Any) -> bool:
    return isinstance(a, str) and isinstance(b, str) and a < b


def visit_date_slips(day: Any, due: Any, start: Any) -> list[str]:
    """What cannot be true of a visit's dates, in words for the station's pages: a 下次跟踪日期 before
    the visit itself (the follow-up is overdue the moment it is saved), a visit before its pairing
    began (``start``). A volunteer's phone stops both before saving, but an older phone, or a station
    writing before this rule, may have stored them; the pages name them so the record is returned to
    be corrected instead of standing only as overdue."""
    return [words for words, slip in (("下次跟踪日期早于帮扶日期", _earlier(due, day)),
                                      ("帮扶日期早于结对开始日期", _earlier(day, start))) if slip]


def _dated_in_order(w: _Writer, before: dict[str, Any] | None, record: dict[str, Any],
                    pairing: dict[str, Any]) -> None:
    """Staff writing a visit on the web are refused the dates ``visit_date_slips`` names, as the
    inspection's 整改期限 is: they see the form and correct at once. A volunteer's visit is taken as
    written (the phone checks first; a refused record would wait on an old person's phone for a
    correction), and the station's pages mark it. Only dates this change sets or moves are checked,
    so a record stored before the rule can still be corrected in its other fields."""
    if w.actor.role == "mentor":
        return
    day, due = record.get("date"), record.get("follow_up_due")
    moved = before is None or before.get("date") != day
    if (moved or (before or {}).get("follow_up_due") != due) and _earlier(due, day):
        raise Refusal(f"“下次跟踪日期”（{due}）不能早于这次帮扶活动的日期（{day}）。", "follow_up_due")
    start = pairing.get("start_date")
    if moved and _earlier(day, start):
        raise Refusal(f"帮扶活动的日期（{day}）不能早于结对的开始日期（{start}）。", "date")


# What has happened already, by the date that says when (field, label, advice for a day after today).
HAPPENED = {
    "event": ("date", "活动日期", "请在活动办完后登记。"),
    "referral": ("referred_on", "转介日期", "请在转介以后登记。"),
    # Its findings and score say it took place; the year-end summary counts it in its date's year.
    "inspection": ("date", "督查日期", "请在督查以后登记。"),
}


def _happened_already(w: _Writer, entity_name: str, before: dict[str, Any] | None, record: dict[str, Any]) -> None:
    """A group event (集体活动), a referral or an inspection is entered once it has happened, and the
    statistics and the year-end summary count it in the period of its date: one dated after today
    would count in a period still to come. The same rule as a visit's (``_done_already``)."""
    name, label, advice = HAPPENED[entity_name]
    d = _ahead(w, before, record, name)
    if d is not None:
        raise Refusal(f"{label}（{day_in_words(d)}）不能晚于今天：{advice}", name)


def _handled_when(w: _Writer, before: dict[str, Any] | None, record: dict[str, Any]) -> None:
    """A risk flag's handling (处理日期) is written once it is done, so on a day that has come (only the
    station home page said so), and not before the visit that raised the flag: 2025 picked for 2026
    filed what was done about a child at risk a year before anyone knew."""
    day = record.get("risk_action_on")
    if not isinstance(day, str) or (before is not None and before.get("risk_action_on") == day):
        return
    d = _ahead(w, before, record, "risk_action_on")
    if d is not None:
        raise Refusal(f"“处理日期”（{day_in_words(d)}）不能晚于今天，请填写实际处理的那一天。",
                      "risk_action_on")
    seen = record.get("date")
    if isinstance(seen, str) and day < seen:
        raise Refusal(f"“处理日期”（{day}）不能早于发现风险的那次帮扶活动的日期（{seen}）。", "risk_action_on")


def _pairing_dates(w: _Writer, before: dict[str, Any] | None, record: dict[str, Any]) -> None:
    """A pairing ends on or after the day it began, and on a day that has come. Only the "结束结对"
    page said so; a start date moved past the end on the edit page, or an end date sent from
    elsewhere, was taken: the archive then ran backwards, and a pairing closed 好转 on a day still
    to come counted (成功干预) in a period that has not begun."""
    start, end = record.get("start_date"), record.get("end_date")
    moved = before is None or before.get("start_date") != start or before.get("end_date") != end
    if moved and isinstance(start, str) and isinstance(end, str) and end < start:
        # The date this change moved is the one to correct (the end, when both are new).
        wrong = "start_date" if before is not None and before.get("start_date") != start else "end_date"
        raise Refusal(f"结对的“开始日期”（{start}）不能晚于“结束日期”（{end}）。", wrong)
    d = _ahead(w, before, record, "end_date")
    if d is not None:
        raise Refusal(f"“结束日期”（{day_in_words(d)}）不能晚于今天：结对结束时再登记。", "end_date")
    closing = before is None or before.get("status") != record.get("status") or before.get("end_date") != end
    if closing and record.get("status") == "closed" and not end:
        # Every figure dates an ended pairing by its end date: one closed without it counted neither
        # as running nor among the pairings ended in any period (brief, summary, statistics form).
        raise Refusal("结束结对要填“结束日期”。", "end_date")
    if before is not None:
        _visits_inside(w, before, record)


def _visits_inside(w: _Writer, before: dict[str, Any], record: dict[str, Any]) -> None:
    """A pairing's start moved later, or its end earlier, past visits already recorded in it: they
    would stand before the pairing began (a new one is refused that, ``_dated_in_order``) or after
    it ended, the archive running outside its own dates. Only the visits this change puts outside
    are named (one stored outside before, by an older phone, does not block another correction)."""
    start, end = record.get("start_date"), record.get("end_date")
    was_start, was_end = before.get("start_date"), before.get("end_date")
    early = isinstance(start, str) and start != was_start
    late = isinstance(end, str) and end != was_end

    def outside(day: Any) -> str | None:
        if early and _earlier(day, start) and not _earlier(day, was_start):
            return "开始日期"
        if late and _earlier(end, day) and not _earlier(was_end, day):
            return "结束日期"
        return None

    if not (early or late):
        return
    visits = _found(w, "activity", lambda r: r["pairing_id"] == record["id"] and not r["deleted"],
                    "SELECT id, date, deleted, pairing_id, kind, author_id, review_status FROM activities"
                    " WHERE pairing_id = ? AND deleted = 0", [record["id"]])
    days = sorted({str(v["date"]) for v in visits if outside(v["date"]) == "开始日期"})
    if days:
        shown = "、".join(days[:5]) + (f"等 {len(days)} 天" if len(days) > 5 else "")
        raise Refusal(f"这个结对在 {shown} 有帮扶活动记录，“开始日期”（{start}）不能晚于这些日期；"
                      "请把开始日期定在这些活动之前，或先更正这些活动的日期。", "start_date")
    after = sorted((v for v in visits if outside(v["date"]) == "结束日期"),
                   key=lambda v: (str(v["date"]), str(v["id"])))
    if after:
        _refuse_end_before(w, str(end), after)


def _refuse_end_before(w: _Writer, end: str, visits: list[dict[str, Any]]) -> None:
    """Ending a pairing before visits recorded in it: each is named (day, volunteer, kind), so the
    station can find it in the archive. A visit dated after today cannot have happened yet (a slip of
    the day or year, or a phone whose clock ran ahead): the pairing still may not end before it,
    since the archive would run past its own end and the visit count in a month after the end;
    correcting the visit's date is the one right step, and the sentence says how."""
    authors = sorted({str(v["author_id"]) for v in visits[:3] if v.get("author_id")})
    names = dict(w.db.execute(f"SELECT id, name FROM users WHERE id IN ({', '.join('?' * len(authors))})",
                              authors).fetchall()) if authors else {}

    def named(v: dict[str, Any]) -> str:
        d = datetime.date.fromisoformat(str(v["date"]))
        who, kind = names.get(v.get("author_id"), ""), ACTIVITY_KINDS.get(v["kind"], "帮扶活动")
        return f"{day_in_words(d)}{who}的{kind}"

    shown = "、".join(named(v) for v in visits[:3]) + (f"等 {len(visits)} 条" if len(visits) > 3 else "")
    words = f"这个结对有{'这条' if len(visits) == 1 else '这些'}帮扶活动记在结束日期（{end}）以后：{shown}。"
    today = local_today().isoformat()
    if any(str(v["date"]) > today for v in visits):
        locked = "（已审核通过的请先退回）" if any(v.get("review_status") == "approved" for v in visits) else ""
        raise Refusal(words + "日期在今天以后的，还没有发生，是日期写错了：请在结对档案里打开这条活动，"
                      f"点“修改”把日期改成实际做的那一天{locked}，没有做过的就删除，然后再结束结对。", "end_date")
    raise Refusal(words + "请把结束日期定在这些活动之后，或先更正这些活动的日期。", "end_date")


def _before_the_end(role: str, pairing: dict[str, Any], record: dict[str, Any]) -> None:
    """A new visit in an ended pairing: staff may still enter one made before the end. A volunteer's
    phone can hold a visit (a self-harm flag, say) typed offline just before the pairing ended; the
    phone cannot send it any more, and the station enters it from the phone's export file. A visit
    after the end belongs to a new pairing."""
    end = pairing.get("end_date")
    day = record.get("date")
    if role == "mentor" or not end:
        raise Refusal("这个结对已结束，不能再新增帮扶活动。", "pairing_id")
    if not isinstance(day, str) or day > end:
        d = datetime.date.fromisoformat(end)
        raise Refusal(f"这个结对已于{day_in_words(d)}结束，只能补录结束以前的帮扶活动；"
                      "结束以后的帮扶请新建结对。", "date")


def _entered_for(w: _Writer, pairing: dict[str, Any], record: dict[str, Any]) -> Any:
    """The author of a staff 代录: the pairing's volunteer, or the one named, when she was the
    pairing's volunteer until the station handed the child on and made this visit before that."""
    named = record.get("author_id")
    if named is None or named == pairing["mentor_id"]:
        return pairing["mentor_id"]
    _before_handover(w, pairing, record, strict=True)
    return named


def _before_handover(w: _Writer, pairing: dict[str, Any], record: dict[str, Any], *, strict: bool) -> None:
    """A visit under a former volunteer of the pairing is dated inside one of her spans in it: from
    the day she got the child (the first, the pairing's start) to the day the station gave it to
    another volunteer (sync/handover.py). Named by one who never handed this child on, it is refused
    when ``strict`` (a new 代录); an edit of a visit stored before the audit kept handovers is let be."""
    author = record.get("author_id")
    spans = spans_of(w.db, pairing, author)
    if not spans:
        if strict:
            raise Refusal("记录人只能是这个结对现在的志愿者，或此前在这个结对里、后来把孩子交给别人的志愿者。"
                          "请核对是哪位志愿者做的这次帮扶。", "author_id")
        return
    day = record.get("date")
    if any(s.holds(day) for s in spans):
        return
    found = w.db.execute("SELECT name FROM users WHERE id = ?", [author]).fetchone()
    who = str(found[0]) if found and found[0] else "这位志愿者"
    shown = datetime.date.fromisoformat(day) if isinstance(day, str) else None
    said = day_in_words(shown) if shown else "没有日期"
    raise Refusal(f"{who}于{day_in_words(spans[-1].last)}把孩子交给了别的志愿者，只能记{who}结对期间"
                  f"（{spans_in_words(spans)}）做的帮扶；这次帮扶的日期（{said}）不在其中，"
                  "请核对日期或记录人。", "date")


# A child registered at a town or the county would count on the dashboard and in the brief but in
# no row of the statistics form the county reports upward (entities.ROW_KINDS).
CHILD_AT_A_ROW = ("“所属学校/辅导站”应是孩子上学的学校或所在的辅导站：统计表按学校和辅导站计数，"
                  "登记在镇（街道）或县的孩子哪一行都不计。")


def _found(w: _Writer, entity_name: str, keep: Callable[[dict[str, Any]], bool], sql: str, params: list[Any],
           *, at_most: int | None = None) -> list[dict[str, Any]]:
    """Records of ``entity_name`` as they stand with this batch's own changes: those of the batch
    that ``keep`` takes, and those ``sql`` (an indexed probe selecting ``id`` first) finds stored,
    less the ones the batch changed (judged as they are now, not as stored). ``at_most``: only that
    many are wanted; the probe reads as many rows as the batch changed, and that many more."""
    changed = w.dirty[entity_name]
    if at_most is not None:
        sql, params = f"{sql} LIMIT ?", [*params, len(changed) + at_most]
    return [r for r in changed.values() if keep(r)] + [r for r in w.db.query(sql, params) if r["id"] not in changed]


def _paired_already(w: _Writer, pairing: dict[str, Any]) -> str | None:
    """Why ``pairing`` may not be an active pairing: the same volunteer already has one with that
    child and the same approach (帮扶方式). That is the same pairing twice: the child twice on the
    volunteer's phone, visits split between two archives. One volunteer helping one child in two
    ways (扶心扶志 and 关爱扶志) stays two pairings."""
    def same(other: dict[str, Any]) -> bool:
        return (other["id"] != pairing["id"] and not other["deleted"] and other["status"] == "active"
                and other["mentee_id"] == pairing["mentee_id"] and other["mentor_id"] == pairing["mentor_id"]
                and other.get("approach") == pairing.get("approach"))

    twice = _found(w, "pairing", same, "SELECT id FROM pairings WHERE mentee_id = ? AND mentor_id = ? AND approach IS ?"
                   " AND status = 'active' AND deleted = 0 AND id != ?",
                   [pairing["mentee_id"], pairing["mentor_id"], pairing.get("approach"), pairing["id"]], at_most=1)
    return ("这位志愿者已经以同样的帮扶方式和这个孩子结对（进行中），不能重复结对；"
            "要修改目标或开始日期，请在原来的结对里修改。") if twice else None


def _holds_children(w: _Writer, unit: dict[str, Any]) -> str | None:
    """Why a station or school may not become a town or county: it holds live children, whose records
    would then leave every statistics form."""
    held = len(_found(w, "mentee", lambda r: r["unit_id"] == unit["id"] and not r["deleted"],
                      "SELECT id FROM mentees WHERE unit_id = ? AND deleted = 0", [unit["id"]]))
    return (f"“{unit['name']}”下还有 {held} 名帮扶对象，改成镇（街道）或县后他们就不再计入统计表；"
            "请先把他们移到别的学校或辅导站，再改类型。") if held else None


def mentee_code(code: Any) -> str:
    """A child's code in its one written form: NFKC (a full-width Ｂ or －, as a Chinese input method
    types them, is B or -) without any whitespace (SQLite's ``trim`` strips only ASCII spaces, and a
    full-width space U+3000 or a tab pasted from a sheet is invisible on every page). Two codes that
    differ only so would be two children no one can tell apart. The write path stores codes in this
    form, so the index ``idx_mentees_code`` on ``trim(code)`` (sync/schema.py m030) finds them."""
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
    held = _found(w, "mentee",
                  lambda r: r["id"] != mentee["id"] and not r["deleted"] and mentee_code(r["code"]) == code,
                  "SELECT id FROM mentees WHERE trim(code) = ? AND deleted = 0 AND id != ?",  # idx_mentees_code
                  [code, mentee["id"]], at_most=1)
    return (f"编号“{code}”已被另一个孩子使用：一个编号只能属于一个孩子，请换一个编号"
            "（新登记的孩子由系统自动生成编号）。") if held else None


def _counted_already(w: _Writer, enrolment: dict[str, Any]) -> str | None:
    """Why ``enrolment`` may not hold its unit and year: another live record already holds the figures
    of that unit and year (this batch's own changes included). One unit has one pair of numbers a
    year; a second (the 保存 button pressed twice at once, two colleagues filling it in) is a
    duplicate row in the list that nobody can tell from the first."""
    twice = _found(w, "enrolment",
                   lambda r: r["id"] != enrolment["id"] and not r["deleted"] and r["unit_id"] == enrolment["unit_id"]
                   and r["year"] == enrolment["year"],
                   "SELECT id FROM enrolments WHERE unit_id = ? AND year = ? AND deleted = 0 AND id != ?",
                   [enrolment["unit_id"], enrolment["year"], enrolment["id"]], at_most=1)
    return (f"这个单位 {enrolment['year']} 年的在校人数已经填过了，一个单位一年只保存一组人数；"
            "请打开已填写的那一组修改。") if twice else None


def _still_paired(w: _Writer, mentee: dict[str, Any], *, deleting: bool = False) -> str | None:
    """Why a child's file may not be closed (状态 结束) or deleted: the child still has active
    pairings. Left running, they keep a closed child on the volunteer's phone and in every 进行中
    count, with nobody offered to end them; a deleted child's pairing stays on the phone as a pairing
    with no child. The pairing's page is where they end."""
    running = _found(w, "pairing", lambda p: p["mentee_id"] == mentee["id"] and p["status"] == "active"
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


# What a unit may still hold that counts in a statistics total or an archive, probed by the unit's
# index on each table (sync/schema.py). A child's pairings, visits, screenings and referrals count
# only while the child is live, and carry the child's unit (``_cascade_unit``): a live child at the
# unit holds them all. The pairings are probed too (through idx_pairings_unit, never the activities
# table, which has no index by unit), for a pairing whose unit ever differed from its child's.
_UNIT_HOLDINGS: tuple[tuple[str, str, str], ...] = (
    ("unit", "下级单位", "SELECT id FROM units WHERE parent_id = ? AND deleted = 0"),
    ("mentee", "帮扶对象", "SELECT id FROM mentees WHERE unit_id = ? AND deleted = 0"),
    ("pairing", "结对和帮扶记录",
     "SELECT p.id FROM pairings p JOIN mentees m ON m.id = p.mentee_id"
     " WHERE p.unit_id = ? AND p.deleted = 0 AND m.deleted = 0"),
    ("event", "集体活动（宣讲等）", "SELECT id FROM events WHERE unit_id = ? AND deleted = 0"),
    ("enrolment", "在校学生和家长人数", "SELECT id FROM enrolments WHERE unit_id = ? AND deleted = 0"),
    ("stats_return", "统计表", "SELECT id FROM stats_returns WHERE unit_id = ? AND deleted = 0"),
    ("inspection", "督查记录", "SELECT id FROM inspections WHERE unit_id = ? AND deleted = 0"),
)
_APPROVED_RETURN = "SELECT id FROM stats_returns WHERE unit_id = ? AND deleted = 0 AND status = 'approved'"


def _holds_records(w: _Writer, unit: dict[str, Any]) -> str | None:
    """Why a unit may not be deleted: it still holds live units, active accounts or records that
    count somewhere (this batch's own changes included). A deleted unit's records count nowhere
    (server/queries/filters.py ``live``): past totals would change and an approved statistics return
    would leave /returns. Each kind is one EXISTS-like probe on an index by unit."""
    def holds(entity_name: str, sql: str, keep: Callable[[dict[str, Any]], bool] = lambda r: True) -> bool:
        column = "parent_id" if entity_name == "unit" else "unit_id"
        return bool(_found(w, entity_name, lambda r: r.get(column) == unit["id"] and not r["deleted"] and keep(r),
                           sql, [unit["id"]], at_most=1))

    held = [label for entity_name, label, sql in _UNIT_HOLDINGS if holds(entity_name, sql)]
    # Accounts are no synced records: none is among this batch's changes (idx_users_unit).
    if w.db.execute("SELECT 1 FROM users WHERE unit_id = ? AND active = 1 LIMIT 1", [unit["id"]]).fetchone():
        held.append("在用账号")
    if not held:
        return None
    approved = "统计表" in held and holds("stats_return", _APPROVED_RETURN, lambda r: r.get("status") == "approved")
    note = "其中有已审核通过的统计表，删除后它会从报送列表中消失，" if approved else ""
    return (f"“{unit['name']}”还有{'、'.join(held)}，不能删除：删除后这些记录哪里都不再计数，"
            f"{note}已经报出的统计数字也会变。请先把它们移到别的单位（录错的记录可以删除，账号可以停用），"
            "再删除这个单位。")


# The records of a child's file, reached through its ``mentee_id`` (the child's row has its own rule:
# a deleted record is never edited, sync/apply.py ``_update``).
CHILD_RECORDS = ("pairing", "activity", "screening", "referral", "review")


def sealed(w: _Writer, entity_name: str, record: dict[str, Any], act: str = "修改或删除") -> str | None:
    """Why ``record`` may not be changed, deleted or reviewed (``act``): it belongs to a deleted
    child's file, or is a visit of a deleted pairing. The station and the county still read those,
    marked 档案已删除, as evidence of what was done for the child; a web form offers no button there,
    but a phone, a form posted from an older page, an export or a conflict's 采用 would otherwise
    write into them (new records there are refused by ``_live`` already). The caller has checked
    that the writer may see ``record``, so naming the child tells no one of another unit's records."""
    if entity_name not in CHILD_RECORDS:
        return None
    mentee_id = keys_of(entity_name, record).mentee_id
    child = w.get("mentee", mentee_id) if isinstance(mentee_id, str) else None
    if child is not None and child["deleted"]:
        return f"帮扶对象 {child['code']} 的档案已被删除，档案里的记录只能查看，不能再{act}。"
    pairing = w.get("pairing", record["pairing_id"]) if entity_name == "activity" else None
    if pairing is not None and pairing["deleted"]:
        code = f"（帮扶对象 {child['code']}）" if child is not None else ""
        return f"这个结对{code}已被删除，结对里的帮扶活动只能查看，不能再{act}。"
    return None


def _flags_unhandled(w: _Writer, entity_name: str, record: dict[str, Any]) -> str | None:
    """Why a child or a pairing may not be deleted: a visit of it carries a 发现自伤自残风险 flag the
    station has not handled. A deleted child's or pairing's visits count nowhere, so the flag would
    leave the station home and the county's dashboard unhandled, and nobody could handle it after
    (the file is read-only, ``sealed``). Handling it first keeps what was done in the record."""
    column = "mentee_id" if entity_name == "mentee" else "pairing_id"
    # The child's visits through her pairings: activities have no index by child (idx_pairings_mentee,
    # then idx_activities_pairing_date).
    owner = ("pairing_id IN (SELECT id FROM pairings WHERE mentee_id = ?)" if entity_name == "mentee"
             else "pairing_id = ?")

    flagged = _found(w, "activity", lambda a: a[column] == record["id"] and flag_open(a),
                     "SELECT id, date, deleted, pairing_id, mentee_id, risk_flag, risk_action FROM activities"
                     f" WHERE {owner} AND risk_flag = 1 AND coalesce(trim(risk_action), '') = '' AND deleted = 0",
                     [record["id"]])
    # A deleted pairing's visits are out of every list already: their flags are not this delete's doing.
    shown = [a for a in flagged if not (pairing := w.get("pairing", a["pairing_id"])) or not pairing["deleted"]]
    if not shown:
        return None
    days = sorted({str(a["date"]) for a in shown})
    what = "这个孩子" if entity_name == "mentee" else "这个结对"
    when = "、".join(day_in_words(datetime.date.fromisoformat(d)) for d in days[:3]) + ("等" if len(days) > 3 else "")
    these = "这条" if len(shown) == 1 else "这些"
    return (f"{what}有标了“发现自伤自残风险”的帮扶记录（{when}），辅导站还没有写处理记录，不能删除："
            f"删除后{these}风险提示就从辅导站首页和县里的风险提示里消失了。"
            "请先在辅导站首页“需要立即处理的风险提示”里写下处理记录，处理风险提示后再删除。")


def refuse_delete(w: _Writer, entity_name: str, record: dict[str, Any]) -> None:
    """Raise ``Refusal`` when deleting ``record`` would lose what it still holds."""
    if entity_name == "unit":
        _refuse_if(_holds_records(w, record))
    elif entity_name == "mentee":
        _refuse_if(_flags_unhandled(w, entity_name, record))
        _refuse_if(_still_paired(w, record, deleting=True))
    elif entity_name == "pairing":
        _refuse_if(_flags_unhandled(w, entity_name, record))


def derive(w: _Writer, entity_name: str, before: dict[str, Any] | None, record: dict[str, Any]) -> None:
    """Fill server-set fields of ``record`` and check its references; raise ``Refusal``."""
    role, me = w.actor.role, w.actor.user_id
    if entity_name == "unit":
        if record.get("parent_id") is not None and (before is None or record["parent_id"] != before["parent_id"]):
            if record["parent_id"] == record["id"]:
                raise Refusal("单位不能以自己为上级。", "parent_id")
            _live(w, "unit", record["parent_id"], "上级单位", "parent_id")
            if before is not None:
                _no_cycle(w, record["id"], record["parent_id"])
        if before is not None and before["kind"] in ROW_KINDS and record["kind"] not in ROW_KINDS:
            _refuse_if(_holds_children(w, record), "kind")
    elif entity_name == "mentee":
        if before is None or record["unit_id"] != before["unit_id"]:
            unit = _live(w, "unit", record["unit_id"], "所属学校/辅导站", "unit_id")
            _refuse_if(None if unit["kind"] in ROW_KINDS else CHILD_AT_A_ROW, "unit_id")
        if before is None or record["code"] != before["code"]:
            record["code"] = mentee_code(record["code"])
            if not record["code"]:
                raise Refusal("“编号”不能为空。", "code")
            if before is None or record["code"] != mentee_code(before["code"]):
                _refuse_if(ID_CARD_CODE if looks_like_id_card(record["code"]) else None, "code")
                _refuse_if(_code_in_use(w, record), "code")
        if record.get("grade") and (before is None or record["grade"] != before["grade"]):
            # 初一 and 七年级 are one grade: stored in one form, so a count by grade puts them in one row.
            record["grade"] = grade_form(record["grade"])
        if before is not None and record["status"] == "closed" and before["status"] != "closed":
            _refuse_if(_still_paired(w, record), "status")
    elif entity_name == "pairing":
        mentee = _live(w, "mentee", record["mentee_id"], "帮扶对象", "mentee_id")
        record["unit_id"] = mentee["unit_id"]
        _pairing_dates(w, before, record)
        if before is not None and before["status"] == "closed" and record["mentor_id"] != before["mentor_id"]:
            # The archive of an ended pairing names who visited the child; that never changes after.
            raise Refusal("这个结对已结束，不能再更换志愿者；如需继续帮扶，请新建结对。", "mentor_id")
        if before is None or record["mentor_id"] != before["mentor_id"]:
            mentor = w.get_user(record["mentor_id"])
            if mentor is None or (role != "admin" and not w.scope.allows_unit(mentor["unit_id"])):
                raise Refusal(not_found(this("五老志愿者"), record["mentor_id"]), "mentor_id")
            if mentor["role"] != "mentor" or not mentor["active"]:
                raise Refusal("结对的志愿者必须是在册的五老志愿者账号。", "mentor_id")
        if record["status"] == "active" and (before is None or before["status"] != "active"
                                             or record["mentor_id"] != before["mentor_id"]
                                             or record.get("approach") != before.get("approach")):
            _refuse_if(_paired_already(w, record), "mentor_id")
        if record["status"] == "active" and mentee["status"] == "closed" and (
                before is None or before["status"] != "active" or record["mentee_id"] != before["mentee_id"]):
            # The other side of closing a child only once her pairings end (_still_paired): a running
            # pairing would put a closed child back on a volunteer's phone, under no 在帮 count.
            raise Refusal("这个孩子的档案已经结束（状态“结束”），不能和他结对；"
                          "如需继续帮扶，请先把孩子档案的“状态”改回“在帮”。", "mentee_id")
        if before is None:
            record["review_status"] = "pending"
    elif entity_name == "activity":
        _done_already(w, before, record)
        pairing = _live(w, "pairing", record["pairing_id"], "结对", "pairing_id")
        _child_not_deleted(w, pairing["mentee_id"], "pairing_id")
        if before is None and pairing["status"] != "active":
            _before_the_end(role, pairing, record)
        _dated_in_order(w, before, record, pairing)
        record["mentee_id"] = pairing["mentee_id"]
        record["unit_id"] = pairing["unit_id"]
        if before is None:
            record["review_status"] = "pending"
            if role == "mentor":
                record["author_id"], record["entered_by"] = me, None
            else:  # 代录: entered by staff on behalf of the pairing's mentor (or a former one, _entered_for)
                record["author_id"], record["entered_by"] = _entered_for(w, pairing, record), me
        elif record.get("author_id") != before.get("author_id"):
            raise Refusal("记录人不能更改：帮扶是谁做的，录入以后就不变。如果记错了人，请删除这条记录后重新代录。",
                          "author_id")
        elif record.get("date") != before.get("date") and record.get("author_id") != pairing["mentor_id"]:
            _before_handover(w, pairing, record, strict=False)
        _handled_when(w, before, record)
        if (before or {}).get("risk_action") != record.get("risk_action"):
            record["risk_action_by"] = me if record.get("risk_action") else None
        if before is not None and not record.get("risk_flag") and not str(record.get("risk_action") or "").strip():
            _refuse_if(open_risk_flag(before, role), "risk_flag")
        if before is not None and before.get("review_status") == "returned" and any(
                record.get(name) != before.get(name) for name in RESUBMITTING_FIELDS):
            # A returned record that its author corrects goes back into the station's review queue.
            record["review_status"] = "pending"
    elif entity_name == "screening":
        _done_already(w, before, record)
        mentee = _live(w, "mentee", record["mentee_id"], "帮扶对象", "mentee_id")
        record["unit_id"] = mentee["unit_id"]
        if before is None:
            record["author_id"] = me
    elif entity_name == "referral":
        mentee = _live(w, "mentee", record["mentee_id"], "帮扶对象", "mentee_id")
        record["unit_id"] = mentee["unit_id"]
        if before is None:
            record["author_id"] = me
        _happened_already(w, entity_name, before, record)
        for name, label in (("received_on", "接收日期"), ("concluded_on", "结束日期")):
            # Tracked as it happens, as its 转介日期 is: a day to come is a slip (2062 for 2026).
            d = _ahead(w, before, record, name)
            if d is not None:
                raise Refusal(f"{label}（{day_in_words(d)}）不能晚于今天："
                              "请在转介机构接收或结束以后再登记。", name)
        _check_referral(record)
    elif entity_name in ("event", "enrolment", "stats_return"):
        if before is None or record["unit_id"] != before["unit_id"]:
            _live(w, "unit", record["unit_id"], "单位", "unit_id")
        if entity_name == "enrolment" and (
                before is None or (record["unit_id"], record["year"]) != (before["unit_id"], before["year"])):
            _refuse_if(_counted_already(w, record), "year")
        if entity_name == "event":
            _happened_already(w, entity_name, before, record)
        if entity_name == "stats_return":
            if record["period_from"] > record["period_to"]:
                raise Refusal("统计表的起始日期不能晚于截止日期。", "period_from")
            _refuse_if(returns.check_status(before, record), "status")
    elif entity_name == "review":
        _derive_review(w, record)
    elif entity_name == "inspection":
        _derive_inspection(w, before, record)
        _happened_already(w, entity_name, before, record)
        due, day = record.get("rectify_due"), record.get("date")
        moved = before is None or before.get("rectify_due") != due or before.get("date") != day
        if moved and isinstance(due, str) and isinstance(day, str) and due < day:
            # Due before the visit that found the fault: "整改逾期" from the moment it is saved.
            raise Refusal(f"“整改期限”（{due}）不能早于督查日期（{day}）。", "rectify_due")


def flag_open(activity: dict[str, Any]) -> bool:
    """A live visit's 发现自伤自残风险 flag with no handling written: what the station home and the
    county's risk list show (the same test as their SQL: ``coalesce(trim(risk_action), '') = ''``)."""
    return (bool(activity.get("risk_flag")) and not str(activity.get("risk_action") or "").strip()
            and not activity.get("deleted"))


def open_risk_flag(activity: dict[str, Any], role: str) -> str | None:
    """Why nobody may withdraw (untick or delete) this activity's self-harm flag: the station has
    not yet recorded what it did about it. A flag is a safeguarding signal, and it leaves the
    station's list only when a person there has seen and handled it; a flag ticked by mistake is
    handled too, its handling record saying so. Staff were once let delete or untick it unhandled,
    and the flag left every list with no word of why."""
    if not flag_open(activity):
        return None
    if role == "mentor":
        return ("这条记录标了“发现自伤自残风险”，辅导站还没有处理，不能由志愿者取消或删除。"
                "如果是误标，请打电话告诉辅导站，由辅导站处理。")
    return ("这条记录标了“发现自伤自残风险”，还没有写处理记录，不能取消或删除：删除后风险提示就从辅导站首页和县里的"
            "风险提示里消失了。请先在辅导站首页“需要立即处理的风险提示”里写下处理记录（误标的也写明是误标），再取消或删除。")


# The fields of the record itself (what a volunteer writes): changing any of them resubmits a
# returned activity; the station's risk handling does not.
RESUBMITTING_FIELDS = tuple(f.name for f in ENTITIES["activity"].fields if "mentor" in f.writers)

# What the staff of an inspected station or school may write on its inspection: how they fixed it.
RECTIFICATION = ("fixed", "rectify_notes")


def edits_inspection(scope: Scope, inspection: dict[str, Any]) -> bool:
    """Whether ``scope``'s actor may change the whole of ``inspection`` (not only its rectification).

    The county (reviewer, admin) edits any inspection in its scope. A staff member edits the ones
    whose inspecting unit is their own unit or lies below it: the unit that inspected, not the person who
    typed it in, so a colleague of the town carries on while the recorder is away, and someone who
    moved to another unit takes no rights along (their new unit's scope decides, as for any record).
    The inspected unit's own staff never edit it (they report the rectification). An inspection whose
    inspecting unit is unknown is the county's to edit. A reviewer edits by the same rule of the
    inspecting unit: the county's reaches every unit, and one the admin moved to a town edits that
    town's inspections, not the county's (the conflict pages decide so too: sync/conflicts.py).
    """
    actor = scope.actor
    inspecting = inspection.get("inspecting_unit_id")
    if actor.role == "admin":
        return True
    if actor.role == "reviewer":
        return inspecting is None or scope.allows_unit(inspecting)
    return actor.role == "staff" and inspection["unit_id"] != actor.unit_id and scope.allows_unit(inspecting)


NOT_YOUR_INSPECTION = ("这次督查不是您所在的单位记录的，只有督查单位或它的上级可以修改；"
                       "如需更正请联系督查单位或县关工委。")


def _derive_inspection(w: _Writer, before: dict[str, Any] | None, record: dict[str, Any]) -> None:
    """An inspection is of a station or school in the writer's scope, by someone above it.

    Who edits what is ``edits_inspection``; the inspected unit's own staff only report the
    rectification. A checklist item is passed or failed, not both; only a failed item can be
    fixed. A missing score is the share of checked items passed. The inspecting unit is the
    writer's unit on create and never changes, and the inspected unit stays below it.
    """
    role, me = w.actor.role, w.actor.user_id
    if before is None or record["unit_id"] != before["unit_id"]:
        unit = _live(w, "unit", record["unit_id"], "被督查单位", "unit_id")  # in the writer's scope, or not found
        if unit["kind"] not in ("station", "school"):
            raise Refusal("督查的对象应是一个辅导站或学校。", "unit_id")
        inspecting = before and before.get("inspecting_unit_id")
        if inspecting and record["unit_id"] not in unit_subtree(w.db, inspecting):
            # Else the record says a town inspected a station it never went to, and the town could
            # no longer see its own inspection nor the station's town edit it.
            name = (w.get("unit", inspecting) or {}).get("name") or "督查单位"
            raise Refusal(f"这次督查是{name}做的，被督查单位只能改成{name}下面的辅导站或学校；"
                          "如果单位记错了，请删除这条记录，由实际督查的单位重新记录。", "unit_id")
    own_unit = w.actor.unit_id in (record["unit_id"], before and before["unit_id"])
    if role == "staff" and own_unit:
        if before is None:
            raise Refusal("单位不能督查自己；请由镇（街道）关工委或县关工委督查。", "unit_id")
        changed = [name for name in ENTITIES["inspection"].columns
                   if record.get(name) != before.get(name) and name not in RECTIFICATION]
        if changed:
            label = ENTITIES["inspection"].by_name[changed[0]].label
            raise Refusal(f"被督查单位只能填写整改情况，不能修改“{label}”。", changed[0])
    elif before is not None and not edits_inspection(w.scope, before):
        raise Refusal(NOT_YOUR_INSPECTION)
    passed, failed, fixed = set(record["passed"]), set(record["failed"]), set(record["fixed"])
    both = passed & failed
    if both:
        label = CHECK_ITEMS[sorted(both)[0]]
        raise Refusal(f"“{label}”不能既达标又未达标，请只选一项。", "failed")
    if not fixed <= failed:
        label = CHECK_ITEMS[sorted(fixed - failed)[0]]
        raise Refusal(f"“{label}”不在未达标项目中，不能记为已整改。", "fixed")
    if record.get("score") is None or (
            before is not None and record.get("score") == before.get("score")
            and before.get("score") == checklist_score(before["passed"], before["failed"])):
        # Empty, or the share the checklist gave before: it follows a corrected checklist. A score
        # kept at the old share made the history and the year-end summary average a score the
        # checklist no longer gives; a score the inspector typed (any other value) stays theirs.
        record["score"] = checklist_score(passed, failed)
    if before is None:
        record["author_id"] = me
        record["inspecting_unit_id"] = w.actor.unit_id


def checklist_score(passed: Any, failed: Any) -> int | None:
    """An inspection's score left empty: the share of checked items passed (None: none checked)."""
    passed, failed = set(passed or ()), set(failed or ())
    return round(100 * len(passed) / (len(passed) + len(failed))) if passed or failed else None


def filled_on_create(entity_name: str, fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` of a new record with the empty ones ``derive`` fills filled as it would fill them:
    what the create stores, so that a new form posted again can be compared with its first post (an
    emptied field is a change, but an empty score the checklist fills is the same post again)."""
    if entity_name == "inspection" and fields.get("score") is None:
        return {**fields, "score": checklist_score(set(fields.get("passed") or []), set(fields.get("failed") or []))}
    return fields


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
            raise Refusal(f"{second}（{b}）不能早于{first}（{a}）。", name)


def _no_cycle(w: _Writer, unit_id: str, parent_id: str) -> None:
    """A unit moved under one of its own descendants would cut its subtree off the tree."""
    seen: set[str] = set()
    current: str | None = parent_id
    while current is not None and current not in seen:
        if current == unit_id:
            raise Refusal("不能把单位移到它自己的下级单位之下。", "parent_id")
        seen.add(current)
        row = w.get("unit", current)
        current = row.get("parent_id") if row is not None else None


def _derive_review(w: _Writer, record: dict[str, Any]) -> None:
    target_name = record["target_entity"]
    target_entity = ENTITIES[target_name]
    label = target_entity.label
    target = _live(w, target_name, record["target_id"], f"要审核的{label}", "target_id")
    _refuse_if(sealed(w, target_name, target, "审核"), "target_id")
    record["unit_id"] = target.get("unit_id")
    record["mentee_id"] = target.get("mentee_id")
    record["reviewer_id"] = w.actor.user_id
    # A verdict is on what the reviewer read: a target changed since (the volunteer corrected it,
    # someone added a line) is judged again, not approved or returned unseen. The review keeps the
    # version it judged, for the archive.
    seen = record.get("target_version")
    if seen is not None and seen != target["version"]:
        raise Refusal(f"{this(label)}在您打开审核页之后又被改过，请看过现在的内容再审核。")
    record["target_version"] = target["version"]
    approved = record["decision"] == "approve"
    if target_name == "stats_return" and target["unit_id"] == w.actor.unit_id:
        raise Refusal("本单位的统计表由上一级单位审核（镇/街道的由县里，辅导站和学校的由所在镇/街道或县里），"
                      "不能由本单位自己通过或退回。")
    if approved and _wrote(w, target_name, target):
        raise Refusal(f"不能审核通过自己记录、代录、填写或改过的{label}；请由其他工作人员或上级审核。")
    if not approved and target.get(target_entity.approval_field) == "approved":
        approver_unit = _approving_unit(w, target["id"])
        if approver_unit is not None and not w.scope.allows_unit(approver_unit):
            raise Refusal(f"{this(label)}由上级单位审核通过，只有该级或更上级可以退回。")
    if target_name == "stats_return":
        _refuse_if(returns.check_reviewable(target, approved))
        w.change(target_name, target["id"], returns.review_values(w.db, target, approved))
    else:
        values: dict[str, Any] = {"review_status": "approved" if approved else "returned"}
        if target_name == "activity":
            values["review_comment"] = record.get("comment")
        w.change(target_name, target["id"], values)


def _wrote(w: _Writer, entity_name: str, target: dict[str, Any]) -> bool:
    return wrote(entity_name, target, w.identities())


def wrote(entity_name: str, target: dict[str, Any], identities: set[str]) -> bool:
    """True when one of ``identities`` (a person's user id and device ids) wrote, entered (代录) or
    created the target, or changed one of its fields a person writes (server-set fields such as the
    review state do not count): such a person may not approve it. The review queue asks it too, so it
    offers no 通过 that this refuses."""
    by_name = ENTITIES[entity_name].by_name
    people = {target.get("author_id"), target.get("entered_by"), target.get("created_by")}
    writers = {who for name, who in target["field_writers"].items()
               if name == "*" or (name in by_name and by_name[name].writers)}
    return bool((people | writers) & identities)


def _approving_unit(w: _Writer, target_id: str) -> str | None:
    """The unit of whoever last approved the target (this batch first), or None if unknown."""
    reviewer_id = next((r["reviewer_id"] for r in reversed(w.dirty["review"].values())
                        if r["target_id"] == target_id and r["decision"] == "approve"), None)
    if reviewer_id is None:
        found = w.db.execute(
            "SELECT reviewer_id FROM reviews WHERE target_id = ? AND decision = 'approve' ORDER BY rowid DESC LIMIT 1",
            [target_id],
        ).fetchone()
        reviewer_id = found[0] if found else None
    reviewer = w.get_user(reviewer_id) if reviewer_id else None
    return None if reviewer is None else str(reviewer["unit_id"])


def scope_effects(w: _Writer, entity_name: str, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    """Record grants and revocations caused by a pairing or mentee change, or by any record moving unit."""
    if entity_name == "pairing":
        def holder(row: dict[str, Any] | None) -> str | None:
            if row is None or row["deleted"] or row["status"] != "active":
                return None
            return str(row["mentor_id"])

        old, new = holder(before), holder(after)
        if old == new:
            return
        if old is not None:
            w.revokes.append((old, None, after["mentee_id"], after["id"], None))
        if new is not None:
            w.grants.append((after["mentee_id"], after["id"]))
    elif entity_name == "mentee" and before is not None and before["unit_id"] != after["unit_id"]:
        w.revokes.append((None, before["unit_id"], after["id"], None, None))
        _cascade_unit(w, after["id"], after["unit_id"])
    elif entity_name == "unit" and before is not None and before["parent_id"] != after["parent_id"]:
        w.resets.append("单位调整：" + str(after.get("name") or after["id"]))  # a subtree changed towns
    if before is not None and "unit_id" in after and before.get("unit_id") != after["unit_id"]:
        # The conflicts parked on a record are scoped by its unit: they move with it.
        w.moved.append((after["id"], after["unit_id"]))
        # A child's records leave the old unit's devices through the child's row above; a unit's own
        # record (an event, an inspection …) is named by its number. One created earlier in this
        # batch has none yet, and no device ever held it at the old unit.
        if keys_of(entity_name, after).mentee_id is None and before.get("num") is not None:
            w.revokes.append((None, before["unit_id"], None, None, before["num"]))
        if entity_name == "stats_return":
            _cascade_reviews(w, after["id"], after["unit_id"])


def _cascade_reviews(w: _Writer, target_id: str, unit_id: str) -> None:
    """A statistics return moved to another unit takes its reviews along, as a child's file does
    (``_cascade_unit``): the old unit keeps no verdict on a return that is no longer its own."""
    ids = [r[0] for r in w.db.execute("SELECT id FROM reviews WHERE target_id = ?", [target_id]).fetchall()]
    ids += [rid for rid, rec in w.dirty["review"].items() if rec.get("target_id") == target_id]
    for record_id in dict.fromkeys(ids):
        w.change("review", record_id, {"unit_id": unit_id})


# Activities carry no index by mentee (sync migration m017): they are reached through the
# child's pairings, whose mentee never changes (IMMUTABLE) and is the activity's.
_OF_MENTEE = {"activity": "SELECT id FROM activities WHERE pairing_id IN (SELECT id FROM pairings WHERE mentee_id = ?)"}


def _cascade_unit(w: _Writer, mentee_id: str, unit_id: str) -> None:
    """A mentee moved school: their pairings, activities, screenings, referrals and the reviews of
    those records move with them, so the new school's staff see the whole archive."""
    for entity_name in ("pairing", "activity", "screening", "referral", "review"):
        table = ENTITIES[entity_name].table
        sql = _OF_MENTEE.get(entity_name, f"SELECT id FROM {table} WHERE mentee_id = ?")
        ids = [r[0] for r in w.db.execute(sql, [mentee_id]).fetchall()]
        # Records written earlier in the same batch are not in the table yet.
        ids += [rid for rid, rec in w.dirty[entity_name].items() if rec.get("mentee_id") == mentee_id]
        for record_id in dict.fromkeys(ids):
            w.change(entity_name, record_id, {"unit_id": unit_id})
