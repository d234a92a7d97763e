"""The rules of a pairing: its dates and the visits inside them, one pairing per volunteer, child and
approach, a volunteer who is one."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..labels import ACTIVITY_KINDS
from ..timeutil import day_in_words
from .dates import ahead, earlier, today
from .refusal import Refusal, found, live, person_not_found, refuse_if

if TYPE_CHECKING:
    from ..apply import _Writer


def derive_pairing(w: _Writer, before: dict[str, Any] | None, record: dict[str, Any]) -> None:
    """A pairing of a live child in scope with an active volunteer the writer may see: dates in order,
    once per volunteer, child and approach, never with a closed child; its unit is the child's."""
    role = w.actor.role
    mentee = live(w, "mentee", record["mentee_id"], "帮扶对象", "mentee_id")
    record["unit_id"] = mentee["unit_id"]
    _pairing_dates(w, before, record)
    if before is not None and before["status"] == "closed" and record["mentor_id"] != before["mentor_id"]:
        # The archive of an ended pairing names who visited the child; that never changes after.
        raise Refusal("这个结对已结束，不能再更换志愿者；如需继续帮扶，请新建结对。", "mentor_id")
    if before is None or record["mentor_id"] != before["mentor_id"]:
        mentor = w.get_user(record["mentor_id"])
        if mentor is None or (role != "admin" and not w.scope.allows_unit(mentor["unit_id"])):
            raise Refusal(person_not_found(w, "五老志愿者"), "mentor_id")
        if mentor["role"] != "mentor" or not mentor["active"]:
            raise Refusal("结对的志愿者必须是在册的五老志愿者账号。", "mentor_id")
    if record["status"] == "active" and (before is None or before["status"] != "active"
                                         or record["mentor_id"] != before["mentor_id"]
                                         or record.get("approach") != before.get("approach")):
        refuse_if(_paired_already(w, record), "mentor_id")
    if record["status"] == "active" and mentee["status"] == "closed" and (
            before is None or before["status"] != "active" or record["mentee_id"] != before["mentee_id"]):
        # The other side of closing a child only once her pairings end (still_paired): a running
        # pairing would put a closed child back on a volunteer's phone, under no 在帮 count.
        raise Refusal("这个孩子的档案已经结束（状态“结束”），不能为这个孩子结对；"
                      "如需继续帮扶，请先把孩子档案的“状态”改回“在帮”。", "mentee_id")
    if before is None:
        record["review_status"] = "pending"


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
        raise Refusal(f"结对的“开始日期”（{day_in_words(start)}）不能晚于“结束日期”（{day_in_words(end)}）。", wrong)
    d = ahead(w, before, record, "end_date")
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
    would stand before the pairing began (a new one is refused that, ``visits._dated_in_order``) or after
    it ended, the archive running outside its own dates. Only the visits this change puts outside
    are named (one stored outside before, by an older phone, does not block another correction)."""
    start, end = record.get("start_date"), record.get("end_date")
    was_start, was_end = before.get("start_date"), before.get("end_date")
    early = isinstance(start, str) and start != was_start
    late = isinstance(end, str) and end != was_end

    def outside(day: Any) -> str | None:
        if early and earlier(day, start) and not earlier(day, was_start):
            return "开始日期"
        if late and earlier(end, day) and not earlier(was_end, day):
            return "结束日期"
        return None

    if not (early or late):
        return
    visits = found(w, "activity", lambda r: r["pairing_id"] == record["id"] and not r["deleted"],
                    "SELECT id, date, deleted, pairing_id, kind, author_id, review_status FROM activities"
                    " WHERE pairing_id = ? AND deleted = 0", [record["id"]])
    days = sorted({str(v["date"]) for v in visits if outside(v["date"]) == "开始日期"})
    if days:
        shown = "、".join(map(day_in_words, days[:5])) + (f"等 {len(days)} 天" if len(days) > 5 else "")
        raise Refusal(f"这个结对在 {shown} 有帮扶活动记录，“开始日期”（{day_in_words(str(start))}）不能晚于这些日期；"
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
        who, kind = names.get(v.get("author_id"), ""), ACTIVITY_KINDS.get(v["kind"], "帮扶活动")
        return f"{day_in_words(str(v['date']))}{who}的{kind}"

    shown = "、".join(named(v) for v in visits[:3]) + (f"等 {len(visits)} 条" if len(visits) > 3 else "")
    these = "这条" if len(visits) == 1 else "这些"
    words = f"这个结对有{these}帮扶活动记在结束日期（{day_in_words(end)}）以后：{shown}。"
    now = today().isoformat()
    if any(str(v["date"]) > now for v in visits):
        locked = "（已审核通过的请先退回）" if any(v.get("review_status") == "approved" for v in visits) else ""
        raise Refusal(words + "日期在今天以后的，还没有发生，是日期写错了：请在结对档案里打开这条活动，"
                      f"点“修改”把日期改成实际做的那一天{locked}，没有做过的就删除，然后再结束结对。", "end_date")
    raise Refusal(words + "请把结束日期定在这些活动之后，或先更正这些活动的日期。", "end_date")


def _paired_already(w: _Writer, pairing: dict[str, Any]) -> str | None:
    """Why ``pairing`` may not be an active pairing: the same volunteer already has one with that
    child and the same approach (帮扶方式). That is the same pairing twice: the child twice on the
    volunteer's phone, visits split between two archives. One volunteer helping one child in two
    ways (扶心扶志 and 关爱扶志) stays two pairings."""
    def same(other: dict[str, Any]) -> bool:
        return (other["id"] != pairing["id"] and not other["deleted"] and other["status"] == "active"
                and other["mentee_id"] == pairing["mentee_id"] and other["mentor_id"] == pairing["mentor_id"]
                and other.get("approach") == pairing.get("approach"))

    twice = found(w, "pairing", same, "SELECT id FROM pairings WHERE mentee_id = ? AND mentor_id = ? AND approach IS ?"
                   " AND status = 'active' AND deleted = 0 AND id != ?",
                   [pairing["mentee_id"], pairing["mentor_id"], pairing.get("approach"), pairing["id"]], at_most=1)
    return ("这位志愿者已经以同样的帮扶方式和这个孩子结对（进行中），不能重复结对；"
            "要修改目标或开始日期，请在原来的结对里修改。") if twice else None
