"""The rules of a visit (帮扶活动): its dates, its author, its pairing and child still live, its
self-harm flag kept until handled."""
from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from ..entities import ENTITIES
from ..handover import spans_in_words, spans_of
from ..timeutil import day_in_words
from .dates import ahead, done_already, earlier
from .refusal import Refusal, gone, live, refuse_if

if TYPE_CHECKING:
    from ..apply import _Writer


def derive_activity(w: _Writer, before: dict[str, Any] | None, record: dict[str, Any]) -> None:
    """A visit in a live pairing of a live child: dated by what was done, its author fixed at entry, its
    self-harm flag kept until handled; a corrected returned visit waits for review again."""
    role, me = w.actor.role, w.actor.user_id
    done_already(w, before, record)
    pairing = live(w, "pairing", record["pairing_id"], "结对", "pairing_id")
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
        refuse_if(open_risk_flag(before, role), "risk_flag")
    if before is not None and before.get("review_status") == "returned" and any(
            record.get(name) != before.get(name) for name in RESUBMITTING_FIELDS):
        # A returned record that its author corrects goes back into the station's review queue.
        record["review_status"] = "pending"


def _child_not_deleted(w: _Writer, mentee_id: str, field: str) -> None:
    """Deleting a child leaves its ended pairings and their visits undeleted (they are its kept
    archive), so a live pairing or visit alone would let staff add to, change or review a file that
    is read-only and counted nowhere."""
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
        raise Refusal(gone(w, "mentee", child, "帮扶对象"), field)


def visit_date_slips(day: Any, due: Any, start: Any) -> list[str]:
    """What cannot be true of a visit's dates, in words for the station's pages: a 下次跟踪日期 before
    the visit itself (the follow-up is overdue the moment it is saved), a visit before its pairing
    began (``start``). A volunteer's phone stops both before saving, but an older phone, or a station
    writing before this rule, may have stored them; the pages name them so the record is returned to
    be corrected instead of standing only as overdue."""
    return [words for words, slip in (("下次跟踪日期早于帮扶日期", earlier(due, day)),
                                      ("帮扶日期早于结对开始日期", earlier(day, start))) if slip]


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
    if (moved or (before or {}).get("follow_up_due") != due) and earlier(due, day):
        raise Refusal(f"“下次跟踪日期”（{day_in_words(str(due))}）不能早于这次帮扶活动的日期"
                      f"（{day_in_words(str(day))}）。", "follow_up_due")
    start = pairing.get("start_date")
    if moved and earlier(day, start):
        raise Refusal(f"帮扶活动的日期（{day_in_words(str(day))}）不能早于结对的开始日期"
                      f"（{day_in_words(str(start))}）。", "date")


def _handled_when(w: _Writer, before: dict[str, Any] | None, record: dict[str, Any]) -> None:
    """A risk flag's handling (处理日期) is written once it is done, so on a day that has come (only the
    station home page said so), and not before the visit that raised the flag: 2025 picked for 2026
    filed what was done about a child at risk a year before anyone knew."""
    day = record.get("risk_action_on")
    if not isinstance(day, str) or (before is not None and before.get("risk_action_on") == day):
        return
    d = ahead(w, before, record, "risk_action_on")
    if d is not None:
        raise Refusal(f"“处理日期”（{day_in_words(d)}）不能晚于今天，请填写实际处理的那一天。",
                      "risk_action_on")
    seen = record.get("date")
    if isinstance(seen, str) and day < seen:
        raise Refusal(f"“处理日期”（{day_in_words(day)}）不能早于发现风险的那次帮扶活动的日期"
                      f"（{day_in_words(seen)}）。", "risk_action_on")


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
