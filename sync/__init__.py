"""The sync engine: the one write path and the change feed. No HTTP in here."""
from __future__ import annotations

from .answers import Outcome, PushResult
from .apply import apply_mutations
from .conflicts import list_conflicts, resolve_conflict
from .db import connect, transaction
from .errors import BatchInvalid, BatchTooLarge, CursorInvalid, DeviceRevoked, HistoryLost, NotAllowed, SyncError
from .feed import Page, pull_changes
from .ids import new_id, parse_id
from .push import apply_batch
from .schema import migrations
from .scope import Actor, Scope, load_scope

__all__ = [
    "Actor", "BatchInvalid", "BatchTooLarge", "CursorInvalid", "DeviceRevoked", "HistoryLost", "NotAllowed",
    "Outcome", "Page", "PushResult", "Scope", "SyncError", "apply_batch", "apply_mutations", "connect",
    "list_conflicts", "load_scope", "migrations", "new_id", "parse_id", "pull_changes", "resolve_conflict",
    "transaction",
]
