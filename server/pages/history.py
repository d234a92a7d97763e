"""A record's change history in words: which field changed from what to what, by whom, when.

``sync.audit.record_history`` gives wire values; a person reads labels (好转, not ``improved``),
names (王老师, not an account id) and 是/否. Values that only the server keeps (field and writer
versions) never appear.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlite_utils

from sync.entities import ENTITIES
from sync.timeutil import day_in_words

from ..queries.histories import history, ref_names

# Scope keys the server copies from a parent (an activity's unit and child): they repeat what the
# record's own page already says, so its history leaves them out.
HIDDEN = ("unit_id", "mentee_id")
OPS = {"create": "新建", "update": "修改", "delete": "删除", "derived": "审核带来的变化"}
# The other change the server derives (sync/rules/effects.py): a child moved to another station or
# school takes each of their records along. Its line names the move and shows the unit — the one
# thing it changed —, or it read as a review with nothing changed, and on an inspection as the mover
# having altered an approved, locked visit.
MOVED = "孩子转单位带来的变化"


def show_value(entity: str, name: str, value: Any, names: Mapping[str, str] | None = None) -> str:
    """One field value as a person reads it."""
    spec = ENTITIES[entity].by_name.get(name)
    if value is None or value == [] or value == "":
        return "（空）"
    if spec is None:
        return str(value)
    if spec.kind == "bool":
        return "是" if value else "否"
    if spec.kind == "date" and isinstance(value, str):
        try:  # a history line is read beside the page's own days, which are all in words
            return day_in_words(value)
        except ValueError:  # an old row written before its day was checked: shown as stored
            return value
    if spec.choices is not None:
        if isinstance(value, list):
            return "、".join(spec.choices.get(str(v), str(v)) for v in value)
        return spec.choices.get(str(value), str(value))
    if isinstance(value, list):
        return "、".join(map(str, value))
    if spec.kind == "ref" and names is not None and str(value) in names:
        return names[str(value)]
    return str(value)


def describe(entity: str, rows: list[dict[str, Any]], names: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """History rows (``sync.audit.record_history`` + ``user_name``) as lines for a template.

    Each line: ``at``, ``who``, ``op`` (in words), ``version`` and ``changes`` — a list of
    ``(label, before, after)`` in the entity's field order.
    """
    spec = ENTITIES[entity]
    out = []
    for row in rows:
        changes = row["changes"]
        moved = row["op"] == "derived" and "unit_id" in changes
        items = []
        for field in spec.fields:
            if field.name not in changes or (field.name in HIDDEN and not field.writers
                                             and not (moved and field.name == "unit_id")):
                continue
            before, after = (show_value(entity, field.name, v, names) for v in changes[field.name])
            if before != after:
                items.append((field.label, before, after))
        if "deleted" in changes:
            items.append(("已删除", "否", "是"))
        op = MOVED if moved else OPS.get(row["op"], row["op"])
        out.append({"at": row["at"], "who": row.get("user_name") or "系统", "op": op,
                    "version": row["version"], "changes": items, "phone": bool(row.get("device_id"))})
    return out


# How a conflict was closed (sync/conflicts.py; "deleted": the record's deletion closed it).
RESOLUTIONS = {"kept": "保留先到的内容", "other": "改用后到的内容", "combined": "合并两者，写成新的内容",
               "deleted": "记录已被删除，冲突随之关闭",
               "file_deleted": "孩子的档案或这个结对已被删除，记录只能查看，冲突随之关闭"}


def conflict_value(entity: str, field: str, value: Any) -> str:
    """One side of a conflict as a person reads it (``_deleted``: the clash of a delete with an edit)."""
    if field == "_deleted":
        return "删除" if value else "保留（不删除）"
    if emptied_list(entity, field, value):
        # A side with no box ticked said "none of these" on purpose: （空） read as "not filled in".
        return "无（已全部取消）"
    return show_value(entity, field, value)


def emptied_list(entity: str, field: str, *values: Any) -> bool:
    """Whether one of ``values`` of a list field (ticks, tags) is the empty list: "none of these"."""
    spec = ENTITIES[entity].by_name.get(field)
    return spec is not None and spec.kind in ("enums", "strs") and any(v == [] for v in values)


def conflict_lines(entity: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Conflicts (``queries.archive_records.conflicts_of``) in words: ``label``, ``kept``, ``other``, who sent
    the second value and when (``sender``, ``at``, ``phone``), and how it was closed (``resolution``,
    ``resolver``, ``resolved_at``; ``open`` while nobody has decided)."""
    spec = ENTITIES[entity]
    out = []
    for row in rows:
        field = spec.by_name.get(row["field"])
        out.append({
            "label": "删除" if row["field"] == "_deleted" else field.label if field else row["field"],
            "kept": conflict_value(entity, row["field"], row["kept_value"]),
            "other": conflict_value(entity, row["field"], row["other_value"]),
            "sender": row.get("sender_name") or "系统", "at": row["created_at"], "phone": bool(row["device_id"]),
            "open": row["status"] == "open",
            "resolution": RESOLUTIONS.get(row["resolution"] or "", row["resolution"] or ""),
            "resolver": row.get("resolver_name") or "系统", "resolved_at": row["resolved_at"],
        })
    return out


def edited_fields(entity: str, lines: list[dict[str, Any]]) -> list[str]:
    """The labels of the fields a person changed after the record was created, in the order first
    changed: what a folded history hides. What only the server writes (a review's status, the
    record's unit) follows from those changes and is left out."""
    derived = {f.label for f in ENTITIES[entity].fields if not f.writers}
    edits = (h for h in lines if h["op"] == OPS["update"])
    return list(dict.fromkeys(label for h in edits for label, _, _ in h["changes"] if label not in derived))


def changed_after_approval(lines: list[dict[str, Any]], reviews: list[dict[str, Any]]) -> list[str]:
    """The labels of the fields changed (or 已删除) after the record's last approval, in the order
    first changed: an approval badge then reads for the record as it was approved, not as it is.
    Empty when never approved or untouched since. ``lines`` from ``describe``, ``reviews`` the
    record's own (``queries.archive_records.reviews_of``)."""
    approvals = [r["created_at"] for r in reviews if r["decision"] == "approve"]
    if not approvals:
        return []
    last = max(approvals)
    later = (h for h in lines if h["at"] > last and h["op"] in (OPS["update"], OPS["delete"]))
    return list(dict.fromkeys(label for h in later for label, _, _ in h["changes"]))


def history_lines(db: sqlite_utils.Database, entity: str, record_id: str) -> list[dict[str, Any]]:
    """The record's history in words (run inside a ``store.read``)."""
    rows = history(db, entity, record_id)
    return describe(entity, rows, ref_names(db, entity, rows))


def deletion(lines: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The history line of the record's (last) deletion: who deleted it and when, or None."""
    deletions = [h for h in lines if h["op"] == OPS["delete"]]
    return deletions[-1] if deletions else None


def deletion_line(db: sqlite_utils.Database, entity: str, record_id: str) -> dict[str, Any] | None:
    """Who deleted the record and when (``deletion`` of its history), or None."""
    return deletion(history_lines(db, entity, record_id))
