"""Whether a visit holds the three parts the Rudong notice asks of every one (part 三): 每次活动先要有
充分的准备过程，要有记录，事后要有跟踪了解.

The write path takes a visit without them: a phone's record is never bounced for a missing text,
since a volunteer offline could not fix it and would lose the visit. So the pages that judge the
archive — the review queue, the archive and its print an inspector checks on site (检查项
结对帮扶档案完整) — say which part is missing, instead of leaving it to be found by reading.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sync.entities import ACTIVITY

PARTS = tuple((name, ACTIVITY.by_name[name].label) for name in ("preparation", "record", "follow_up"))


def missing_parts(activity: Mapping[str, Any]) -> list[str]:
    """The labels of the parts ``activity`` leaves empty (blank counts as empty), in the notice's order."""
    return [label for name, label in PARTS if not str(activity.get(name) or "").strip()]


def incomplete_visits(activities: Iterable[Mapping[str, Any]]) -> int:
    """How many of ``activities`` miss at least one part."""
    return sum(1 for a in activities if missing_parts(a))
