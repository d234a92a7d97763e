"""Pairings of the same child made by someone else while a 结对 form was open.

Two staff pair the same waiting child at once: a child may have several volunteers, so both saves
stand, but the second must not pass for the only one. The new form carries when it was first shown
(``shown_at``, kept through a refusal, a 查找 and a draft); the save then names every running
pairing of the child created since, its volunteer and who paired them, with a link to the child's
file to end one if it was a mistake. Nothing is refused.
"""
from __future__ import annotations

import re
from typing import Any

from sync.timeutil import utc_now

from ..queries.names import user_names

SHOWN_AT = "shown_at"
# As ``utc_now`` writes it, and so as ``created_at`` is stored: compared as text.
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def shown_at(values: dict[str, Any]) -> str:
    """When the form was first shown: the one it carries, or now for a form shown afresh."""
    carried = _carried(values)
    return carried if carried is not None else utc_now()


def _carried(values: dict[str, Any]) -> str | None:
    value = values.get(SHOWN_AT)
    return value if isinstance(value, str) and _MOMENT.fullmatch(value) else None


def made_meanwhile(db: Any, posted: dict[str, Any], mentee_id: str, pairing_id: str) -> str | None:
    """The warning after 已结对 when the child's other running pairings include some created since
    the form was shown (None: none, or a form without a readable ``shown_at``): in plain words, who
    was paired with the child meanwhile, by whom, and how many volunteers the child has now."""
    since = _carried(posted)
    if since is None:
        return None
    rows = db.execute(
        "SELECT mentor_id, created_by, id != ? AND created_at >= ? FROM pairings"
        " WHERE mentee_id = ? AND status = 'active' AND deleted = 0 ORDER BY created_at",
        [pairing_id, since, mentee_id]).fetchall()
    made = [r for r in rows if r[2]]
    if not made:
        return None
    names = user_names(db, {r[0] for r in made} | {r[1] for r in made})
    pairs = "；".join(f"{names.get(r[1], '') or '另一位工作人员'}给这个孩子结对了志愿者{names.get(r[0], '')}"
                     for r in made)
    return (f"注意：在您填写这张结对表的时候，{pairs}。这个孩子现在有 {len({r[0] for r in rows})} 位志愿者在帮扶。"
            "一个孩子可以有几位志愿者；如果是重复结对，请打开孩子的档案，结束其中一个结对。")
