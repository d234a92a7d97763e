"""What a preview shows and an import writes: one ``RowPlan`` per spreadsheet row."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CREATE, SAME, UPDATE = "create", "same", "update"
ACTION_LABELS = {CREATE: "新增", SAME: "无变化", UPDATE: "有改动"}


@dataclass
class RowPlan:
    line: int  # the row number in Excel
    cells: dict[str, str]  # the row as read, by column key
    errors: list[str] = field(default_factory=list)
    action: str = ""
    record_id: str | None = None  # the existing record a row matches
    base_version: int | None = None
    fields: dict[str, Any] = field(default_factory=dict)  # create: all values given; update: the changed ones
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (label, now, in the file)
    seen: str = ""  # the matched record as the plan compared against (id and version or digest); "" if none

    @property
    def action_label(self) -> str:
        return "有错误" if self.errors else ACTION_LABELS.get(self.action, "")


@dataclass
class ImportPlan:
    rows: list[RowPlan]
    notices: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[RowPlan]:
        return [r for r in self.rows if r.errors]

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if not r.errors and r.action == action)

    def writes(self, *, update: bool) -> list[RowPlan]:
        """The rows an import writes: every new one, and the changed ones when ``update`` is ticked."""
        return [r for r in self.rows if not r.errors and (r.action == CREATE or (update and r.action == UPDATE))]


def check_unchanged(plan: ImportPlan, previewed: dict[int, str] | None, *, update: bool) -> None:
    """Refuse an import whose rows no longer meet the records the preview showed: a row that now
    matches a record someone changed (or created) since would write the file's values over theirs,
    and the person never saw that change in the preview. ``previewed``: line -> ``RowPlan.seen``.
    Only rows that would write are checked: the same preview confirmed twice (a double click, the
    browser's back button) finds its rows already there, writes nothing, and is no error."""
    if previewed is None:
        return
    for row in plan.writes(update=update):
        if previewed.get(row.line, "") != row.seen:
            raise ImportFailed(row.line, "这一行的记录在预览之后被别人改过（或刚被登记）；下面是现在的对比，"
                                         "请核对后再确认导入。")


class ImportFailed(Exception):
    """A row was refused by the write path at import time; the whole import is rolled back."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"第 {line} 行：{reason}")
        self.line = line
        self.reason = reason
