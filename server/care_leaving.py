"""The write of 结束帮扶: a child's running pairings end, her file closes and why she left is kept, in one.

Apart from its page (``server/pages/leaving.py``, which reads and checks the form) so that whatever
else closes a child for a reason writes exactly what the page writes: the demo county's leavers
(``server/demo/loader.py``) are closed through it, and so read 毕业离校 or 转学到外县 on the year
summary's 本年结束帮扶 line as a real county's would, not 未记原因.
"""
from __future__ import annotations

from typing import Any

import sqlite_utils

from sync import Actor
from sync.mutations import upsert
from sync.stopping import PairingsChanged, pairings_changed

from .forms import apply_all
from .queries.leaving import record_leaving, running_of_child


class LeftAlready(Exception):
    """The child's file was closed by the time the write ran (a second clerk, the town and the station
    at once): nothing more is written."""


def _changed_words(now: list[dict[str, Any]], seen: dict[str, int]) -> str | None:
    edited, new, gone = pairings_changed(now, seen, "mentor_name")
    if not (edited or new or gone):
        return None
    what = [*(f"与 {name} 的结对已被别人修改" for name in edited),
            *(f"与 {name} 的结对还在进行，页面上没有列出" for name in new)]
    if gone:
        what.append(f"{gone} 个结对已经结束、删除或转走")
    return (f"您打开这个页面以后，这个孩子的结对有了变动（{'；'.join(what)}），所以这次什么都没有保存。"
            "请看过下面现在的结对，再决定。")


def leave_care(db: sqlite_utils.Database, actor: Actor, mentee_id: str, base: int, seen: dict[str, int],
               end_date: str, outcome: str | None, reason: str, note: str | None) -> int:
    """End the child's running pairings — exactly those ``seen``, at those versions — on ``end_date``
    with ``outcome``, close her file and keep why she left (``reason``, ``note``), in this one write;
    how many pairings ended. A change since the page was shown raises ``PairingsChanged``, a refusal
    of the write path ``MutationsRefused``: the caller's transaction then rolls back whole. A file
    closed already raises ``LeftAlready``, read here in the write: for a child with no running
    pairing, two clerks at once would otherwise both close it and keep her leaving twice."""
    if db.execute("SELECT status FROM mentees WHERE id = ?", [mentee_id]).fetchone()[0] == "closed":
        raise LeftAlready
    now = running_of_child(db, mentee_id)
    words = _changed_words(now, seen)
    if words:
        raise PairingsChanged(words)
    mutations = [upsert("pairing", {"status": "closed", "end_date": end_date, "outcome": outcome}, p["id"],
                        base_version=p["version"]) for p in now]
    mutations.append(upsert("mentee", {"status": "closed"}, mentee_id, base_version=base))
    apply_all(db, actor, mutations)
    record_leaving(db, actor, mentee_id, end_date, reason, note)
    return len(now)
