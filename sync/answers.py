"""The answers a push gets: each mutation's ``Outcome``, the push's ``PushResult``, and the answers
stored in the audit log, so that a resent mutation is answered as it was the first time."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from .db import select_in
from .echo import echo, reason_text


@dataclass
class Outcome:
    """The answer to one mutation, as the phone receives it."""

    mutation_id: int | None
    entity: str
    record_id: str
    status: str  # applied | merged | conflict | rejected
    version: int | None
    reason: str | None = None
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    # The field a rejection is about, for a web form to mark (``Refusal.field``). Not on the wire:
    # ``answer`` is the shape docs/sync-protocol.md gives, and the phone names fields by its own words.
    refused_field: str | None = None

    @classmethod
    def rejected(cls, mutation_id: int | None, entity: object, record_id: object, reason: str,
                 version: int | None = None, *, field_name: str | None = None) -> Outcome:
        """A rejection: what it repeats of the client's text is bounded and valid UTF-8 (sync.echo)."""
        return cls(mutation_id, echo(entity), echo(record_id), "rejected", version, reason_text(reason),
                   refused_field=field_name)

    def answer(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "mutation_id": self.mutation_id,
            "status": self.status,
            "version": self.version,
            "reason": self.reason,
            "entity": self.entity,
            "record_id": self.record_id,
        }
        if self.conflicts:
            out["conflicts"] = self.conflicts
            out["fields"] = {c["field"]: c["kept"] for c in self.conflicts}
        return out


@dataclass
class PushResult:
    last_mutation_id: int
    results: list[dict[str, Any]]



def stored_answers(
    db: sqlite_utils.Database, device_id: str, ids: list[int]
) -> dict[int, tuple[int | None, dict[str, Any]]]:
    """(digest, answer) of each already-applied mutation of the device, by mutation id."""
    _, rows = select_in(
        db,
        "SELECT mutation_id, status, version, reason, entity, record_id, answer, digest FROM sync_audit"
        " WHERE device_id = ? AND mutation_id {in}",
        ids, [device_id],
    )
    return {
        mid: (digest, json.loads(answer) if answer
              else Outcome(mid, entity, record_id, status, version, reason).answer())
        for mid, status, version, reason, entity, record_id, answer, digest in rows
    }
