"""Days a record may not carry: a day to come for what has happened already, days out of order."""
from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from ..timeutil import day_in_words, local_today
from .refusal import Refusal

if TYPE_CHECKING:
    from ..apply import _Writer


FUTURE_SLACK = datetime.timedelta(days=31)
# On the web the day is the server's, so a day's slack is enough (a record typed just after midnight
# on a computer whose clock runs a little ahead); 2027 typed for 2026 is refused.
STAFF_SLACK = datetime.timedelta(days=1)


def today() -> datetime.date:
    """The server's today, as every rule reads it: one name, so a test that freezes the day
    (tests/stats_oracle.py) reaches each rule, the wording of a refusal included."""
    return local_today()


def ahead(w: _Writer, before: dict[str, Any] | None, record: dict[str, Any], name: str) -> datetime.date | None:
    """The day ``record[name]`` says, when this change sets it and it lies after the server's today
    (with the slack of the writer's role); None otherwise. Only a day set or changed is checked, so a
    record stored before a rule can still be corrected in its other fields."""
    day = record.get(name)
    if not isinstance(day, str) or (before is not None and before.get(name) == day):
        return None
    slack = FUTURE_SLACK if w.actor.role == "mentor" else STAFF_SLACK
    return datetime.date.fromisoformat(day) if day > (today() + slack).isoformat() else None


def done_already(w: _Writer, before: dict[str, Any] | None, record: dict[str, Any]) -> None:
    """A visit or screening records what was done, and every form offers no later day than today.
    A volunteer's visit dated a month or more ahead comes from a phone whose clock ran ahead (typed
    offline, before any sync could tell it); staff's, from a slip of the year. Taken, it would count in
    next year's statistics, be missing from this year's, and stand as the pairing's latest visit
    (hiding an overdue follow-up). A month's slack on a phone leaves a typo of a day to the review."""
    d = ahead(w, before, record, "date")
    if d is not None:
        advice = "如果手机上的日期不对，请先到手机的“设置”里改好日期和时间。" if w.actor.role == "mentor" else ""
        raise Refusal(f"日期写的是以后的日子（{day_in_words(d)}），请改成实际做的那一天。{advice}", "date")


def earlier(a: Any, b: Any) -> bool:
    return isinstance(a, str) and isinstance(b, str) and a < b


# What has happened already, by the date that says when (field, label, advice for a day after today).
HAPPENED = {
    "event": ("date", "活动日期", "请在活动办完后登记。"),
    "referral": ("referred_on", "转介日期", "请在转介以后登记。"),
    # Its findings and score say it took place; the year-end summary counts it in its date's year.
    "inspection": ("date", "督查日期", "请在督查以后登记。"),
    # Counted in its date's year by the totals and the year summary, as an event is.
    "donation": ("date", "捐助日期", "请在捐款捐物送到以后登记。"),
}


def happened_already(w: _Writer, entity_name: str, before: dict[str, Any] | None, record: dict[str, Any]) -> None:
    """A group event (集体活动), a referral or an inspection is entered once it has happened, and the
    statistics and the year-end summary count it in the period of its date: one dated after today
    would count in a period still to come. The same rule as a visit's (``done_already``)."""
    name, label, advice = HAPPENED[entity_name]
    d = ahead(w, before, record, name)
    if d is not None:
        raise Refusal(f"{label}（{day_in_words(d)}）不能晚于今天：{advice}", name)
