"""When a volunteer stopped being a pairing's: read from the audit of the pairing's mentor changes.

Staff hand a child to another volunteer by changing the pairing's volunteer; the audit log keeps
the change. A visit the former volunteer made before that day is still hers (a phone without
signal may send it days later): a staff 代录 may name her as its author, and only for that span
(``rules``; ``server/refusal_filing.py``).
"""
from __future__ import annotations

import datetime
from typing import Any

import sqlite_utils

from .audit import CHANGING_STATUSES
from .timeutil import SHANGHAI, parse_utc


def handed_over_on(db: sqlite_utils.Database, pairing: dict[str, Any], mentor_id: Any) -> datetime.date | None:
    """The last local day ``mentor_id`` was the volunteer of ``pairing`` (a stored row) before the
    station gave the child to another volunteer; None when she never was and handed it on."""
    if not isinstance(mentor_id, str) or pairing.get("num") is None:
        return None
    # Found by the record's number, as record_history finds it (the audit log has no id index).
    found = db.execute(
        "SELECT max(at) FROM sync_audit WHERE num = ? AND entity = 'pairing' AND record_id = ? AND op = 'update'"
        f" AND status IN ({', '.join('?' * len(CHANGING_STATUSES))})"
        " AND json_extract(changes, '$.mentor_id[0]') = ?",
        [pairing["num"], pairing["id"], *CHANGING_STATUSES, mentor_id]).fetchone()
    return parse_utc(found[0]).astimezone(SHANGHAI).date() if found and found[0] else None
