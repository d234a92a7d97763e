"""A record's history and a conflict's two sides write a changed day as every page does: in words."""
from __future__ import annotations

from server.pages.history import conflict_value, describe


def test_a_history_line_writes_a_changed_day_in_words() -> None:
    lines = describe("pairing", [{"at": "2026-12-06T03:39:00Z", "user_name": "沈国平", "op": "update", "version": 2,
                                  "changes": {"start_date": ["2026-12-07", "2026-12-01"]}}])
    assert lines[0]["changes"] == [("开始日期", "2026年12月7日", "2026年12月1日")]


def test_a_conflicts_sides_write_a_day_in_words() -> None:
    assert conflict_value("activity", "date", "2026-11-20") == "2026年11月20日"
