"""Errors the sync engine raises for a whole request; each carries a sentence for a person.

``sync/`` knows nothing of HTTP: the server maps each class to a status code.
Per-mutation problems are not exceptions but ``rejected`` outcomes.
"""
from __future__ import annotations

from typing import ClassVar


class SyncError(Exception):
    """Base class: ``reason`` is shown to the person who sent the request."""

    code = "sync_error"
    # Members the error envelope carries besides ok, error, status and code.
    extra: ClassVar[dict[str, object]] = {}

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BatchInvalid(SyncError):
    """The batch as a whole cannot be read (not a list, ids missing or out of order)."""

    code = "batch_invalid"


class BatchTooLarge(SyncError):
    """Too many mutations or too many bytes in one push; the phone should split it."""

    code = "batch_too_large"


class CursorInvalid(SyncError):
    """A pull cursor that this server did not issue."""

    code = "cursor_invalid"


class HistoryLost(CursorInvalid):
    """A cursor past everything this database handed out: it was put back from an older copy
    without ``banxing restore``. The phone pulls from the start and sends again what it holds
    that the server lost (``restored`` in the envelope; pwa/js/sync.js)."""

    extra: ClassVar[dict[str, object]] = {"restored": True}


class DeviceRevoked(SyncError):
    """The device was revoked (a lost phone); it must stop syncing and wipe its data."""

    code = "device_revoked"


class NotAllowed(SyncError):
    """The caller's role may not use this operation at all."""

    code = "not_allowed"
