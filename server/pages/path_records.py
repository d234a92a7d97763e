"""The record a path names: 404 alike for a malformed id, a missing record and another's record,
so scope leaks nothing."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlite_utils

from sync import Scope, parse_id
from sync.labels import this

from ..errors import NotFound
from .visits import Visit


def not_found(what: str = "记录") -> NotFound:
    """One answer for "no such record" and "not yours": scope leaks nothing."""
    return NotFound(f"找不到{this(what)}，或它不在您的管理范围内。")


def path_id(raw: str, what: str) -> str:
    """``raw``, an id from the URL path; a malformed one is ``not_found(what)``, like a missing record."""
    record_id = parse_id(raw)
    if record_id is None:
        raise not_found(what)
    return record_id


async def visible_record(visit: Visit, raw_id: str, what: str,
                         read: Callable[[sqlite_utils.Database, Scope, str], dict[str, Any] | None]) -> dict[str, Any]:
    """The record ``read`` finds for ``raw_id`` (a path's id) in the visitor's scope; ``not_found(what)``
    alike for a malformed id, a missing record and one out of scope."""
    record_id = path_id(raw_id, what)
    scope = await visit.scope()
    record = await visit.state.store.read(lambda db: read(db, scope, record_id))
    if record is None:
        raise not_found(what)
    return record
