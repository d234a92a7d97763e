"""The field-level three-way merge: pure functions, no database.

``field_versions`` maps a field to the record version that last changed it and
``field_writers`` to who changed it (a device id, or a user id for web and server
writers; ``"*"`` holds the creator). A field absent from them has not changed since the
record was created (version 1, by the creator), which keeps creates cheap.

A field conflicts only when it was changed on the server after ``base_version`` *by
another writer* and the incoming value differs from the server's. A writer's own
earlier changes are never concurrent with its later ones: a phone whose answer was lost
and which edits the same field again offline must not conflict with itself. (Web and server
writers pass no ``writer``: they hold no copy, so every later change counts as another's.) For a
conflicting field the server's value (which arrived first) is kept and the other is
returned so it can be stored for staff. ``base_version = None`` on an existing record
means the writer has never seen it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CREATOR = "*"


@dataclass
class MergeResult:
    applied: dict[str, Any] = field(default_factory=dict)
    conflicts: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field -> (kept, theirs)


def merge_fields(
    current: dict[str, Any],
    field_versions: dict[str, int],
    base_version: int | None,
    incoming: dict[str, Any],
    *,
    field_writers: dict[str, str] | None = None,
    writer: str | None = None,
) -> MergeResult:
    """Merge ``incoming`` into ``current`` field by field against ``base_version``.

    Without ``field_writers``/``writer`` every earlier change counts as another writer's.
    """
    base = -1 if base_version is None else base_version
    writers = field_writers or {}
    creator = writers.get(CREATOR)
    result = MergeResult()
    for name, value in incoming.items():
        kept = current.get(name)
        if kept == value:
            continue
        if field_versions.get(name, 1) > base and (writer is None or writers.get(name, creator) != writer):
            result.conflicts[name] = (kept, value)
        else:
            result.applied[name] = value
    return result


def changed_by_others(
    version: int, field_versions: dict[str, int], field_writers: dict[str, str], base_version: int | None,
    writer: str | None,
) -> bool:
    """Did anyone but ``writer`` change the record after ``base_version``? (delete vs edit; with no
    ``writer``, anyone at all.)"""
    base = -1 if base_version is None else base_version
    if base >= version:
        return False
    creator = field_writers.get(CREATOR)
    if base < 1 and creator != writer:
        return True
    return any(v > base and field_writers.get(name, creator) != writer for name, v in field_versions.items())
