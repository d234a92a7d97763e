"""When each volunteer was a pairing's: read from the audit of the pairing's mentor changes.

Staff hand a child to another volunteer by changing the pairing's volunteer; the audit log keeps
each change. A visit a former volunteer made while the child was hers is still hers (a phone
without signal may send it days later): a staff 代录 may name her as its author, and only for a
day inside one of her spans (``rules``; ``server/refusal_filing.py``; the 代录 form offers her with
them). A child handed 王 → 李 → 王 → 张 gives 王 two spans: a visit in the first is hers, one in
李's weeks is not.

A span runs from the day she got the child (the first one from the pairing's start) to the day she
handed it on, both days included: on the day of a handover either volunteer may have seen the child.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from .audit import CHANGING_STATUSES
from .timeutil import SHANGHAI, day_in_words, parse_utc


@dataclass(frozen=True)
class Span:
    """Days ``mentor_id`` was the pairing's volunteer; ``first`` is None when the pairing has no start."""

    mentor_id: str
    first: datetime.date | None
    last: datetime.date

    def holds(self, day: Any) -> bool:
        """``day`` (ISO text, as stored) is one of the span's days."""
        first, last = self.first, self.last.isoformat()
        return isinstance(day, str) and first is not None and first.isoformat() <= day <= last

    def in_words(self, to: str = "至") -> str:
        """2026年3月1日至9月30日 (the year said again only when it changes)."""
        if self.first is None:
            return f"{to}{day_in_words(self.last)}"
        last = day_in_words(self.last)
        if self.last.year == self.first.year:
            last = last.removeprefix(f"{self.last.year}年")
        return f"{day_in_words(self.first)}{to}{last}"


def former_spans(db: sqlite_utils.Database, pairing: dict[str, Any]) -> list[Span]:
    """Each span of ``pairing`` (a stored row: ``id``, ``num``, ``start_date``) under a volunteer the
    station then gave the child to another, oldest first; none for a pairing never handed on."""
    if pairing.get("num") is None:
        return []
    # Found by the record's number, as record_history finds it (the audit log has no id index), and
    # in the order the changes were applied (id), as two on one second must not swap.
    rows = db.execute(
        "SELECT at, json_extract(changes, '$.mentor_id[0]') FROM sync_audit"
        " WHERE num = ? AND entity = 'pairing' AND record_id = ? AND op = 'update'"
        f" AND status IN ({', '.join('?' * len(CHANGING_STATUSES))})"
        " AND json_extract(changes, '$.mentor_id') IS NOT NULL ORDER BY id",
        [pairing["num"], pairing["id"], *CHANGING_STATUSES]).fetchall()
    start = pairing.get("start_date")
    first = datetime.date.fromisoformat(start) if isinstance(start, str) else None
    spans, handed = [], None  # handed: the day of the handover before this one
    for at, mentor_id in rows:
        left = parse_utc(at).astimezone(SHANGHAI).date()
        # A span never starts before the pairing did (its start may have been moved since).
        begun = max(first, handed) if first and handed else first or handed
        if isinstance(mentor_id, str) and (begun is None or begun <= left):
            spans.append(Span(mentor_id, begun, left))
        handed = left
    return spans


def spans_of(db: sqlite_utils.Database, pairing: dict[str, Any], mentor_id: Any) -> list[Span]:
    """The spans of ``mentor_id`` as a former volunteer of ``pairing``; empty when she never handed it on."""
    if not isinstance(mentor_id, str):
        return []
    return [s for s in former_spans(db, pairing) if s.mentor_id == mentor_id]


def spans_in_words(spans: list[Span]) -> str:
    return "、".join(s.in_words() for s in spans)
