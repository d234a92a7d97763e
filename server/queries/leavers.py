"""How many children left care in a year, and why (本年结束帮扶): the line a county reports upward at
the year's end (``/summary``, its print and draft) and the dashboard's card.

A child counts in the year she left care and only while her file is still closed: a reopened file
counts nowhere, a deleted child nowhere either. She left on the day her leaving that stands says
(``leaving.standing_leaving``: 结束帮扶 with a reason); a file closed with no such leaving (the edit
form's 状态, or closed that way again after a reopening) is 未记原因 and left on the local day its
状态 last changed, read from the audit as its history is. She counts in her own unit, as the
children's list finds her.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import sqlite_utils

from sync import Scope
from sync.timeutil import utc_midnight

from .filters import live
from .leaving import CHANGING, LEAVING_REASONS, UNRECORDED, standing_leaving
from .units import unit_tree

# Every way a child is counted, in the order the line names them: the reasons, then 未记原因.
REASONS = (*LEAVING_REASONS, UNRECORDED)
LEAVING_WORDS = {**LEAVING_REASONS, UNRECORDED: "未记原因"}


def _status_changed(alias: str) -> str:
    """SQL: the UTC stamp of the last write that changed the file's 状态 (its creation when none did:
    a file entered closed)."""
    return (f"COALESCE((SELECT max(a.at) FROM sync_audit a WHERE a.num = {alias}.num AND a.record_id = {alias}.id"
            f" AND a.status IN {CHANGING} AND json_extract(a.changes, '$.status') IS NOT NULL),"
            f" {alias}.created_at)")


def left_during(year: int, alias: str = "m") -> str:
    """SQL: the child ``alias`` left care during ``year`` (Beijing days) and her file is still closed:
    by her leaving that stands, or with none (未记原因) by when her 状态 became closed. The days are
    written into the SQL, as ``filters.running`` writes them: nothing in an ISO day or stamp to escape."""
    first, last = f"{year}-01-01", f"{year}-12-31"
    since, until = utc_midnight(datetime.date(year, 1, 1)), utc_midnight(datetime.date(year + 1, 1, 1))
    left_on = f"(SELECT l.left_on FROM care_leavings l WHERE l.id = {standing_leaving(alias)})"
    # One derived row per child, so her leaving and her 状态's stamp are each read once.
    return (f"({alias}.status = 'closed' AND (SELECT CASE WHEN s.left_on IS NOT NULL"
            f" THEN s.left_on BETWEEN '{first}' AND '{last}' ELSE s.changed >= '{since}' AND s.changed < '{until}'"
            f" END FROM (SELECT {left_on} AS left_on, {_status_changed(alias)} AS changed) s))")


@dataclass(frozen=True)
class Leavers:
    """How many children left care in a year, by ``REASONS`` key (``UNRECORDED``: 未记原因)."""

    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.reasons.values())


def leavers(db: sqlite_utils.Database, scope: Scope, unit_id: str, year: int) -> Leavers | None:
    """The live children of ``unit_id``'s subtree in ``scope`` who left care during ``year`` and have
    not come back into help, by why; None when the unit is not a live unit in ``scope``."""
    ids = [u["id"] for u in unit_tree(db, scope, root=unit_id)]
    if not ids:
        return None
    named = {f"u{i}": unit for i, unit in enumerate(ids)}
    rows = db.execute(
        f"SELECT COALESCE((SELECT l.reason FROM care_leavings l WHERE l.id = {standing_leaving('m')}),"
        f" '{UNRECORDED}'), count(*) FROM mentees m"
        f" WHERE m.unit_id IN ({', '.join(':' + k for k in named)}) AND {live('mentee', 'm')}"
        f" AND {left_during(year, 'm')} GROUP BY 1", named).fetchall()
    counts = dict.fromkeys(REASONS, 0)
    for reason, n in rows:
        # A reason the form no longer offers still counts, with the unrecorded: never dropped.
        counts[reason if reason in counts else UNRECORDED] += n
    return Leavers(counts)
