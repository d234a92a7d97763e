"""The field-level three-way merge: a pure function, no database.

``field_versions`` maps a field to the record version that last changed it; a field
absent from it has not changed since the record was created (version 1), which keeps
creates cheap. A field conflicts only when it was changed on the server after
``base_version`` *and*
the incoming value differs from the server's; the server's value (which arrived
first) is kept and the other is returned so it can be stored for staff. Every other
field applies. ``base_version = None`` on an existing record means the writer has
never seen it, so every field the server already set counts as changed since.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class MergeResult:
    applied: dict[str, Any] = field(default_factory=dict)
    conflicts: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field -> (kept, theirs)


def merge_fields(
    current: dict[str, Any],
    field_versions: dict[str, int],
    base_version: int | None,
    incoming: dict[str, Any],
) -> MergeResult:
    """Merge ``incoming`` into ``current`` field by field against ``base_version``."""
    base = -1 if base_version is None else base_version
    result = MergeResult()
    for name, value in incoming.items():
        kept = current.get(name)
        if kept == value:
            continue
        if field_versions.get(name, 1) > base:
            result.conflicts[name] = (kept, value)
        else:
            result.applied[name] = value
    return result
