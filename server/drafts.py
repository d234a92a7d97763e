"""Form drafts: what a person had typed when their session ran out, kept across the sign-in,
or when they pressed a picker's 查找 (pages/pickers.found), kept across the redirect.

The typed fields are stored under a new id and the person is sent back to the form with
``?draft=<id>``; the form reads them back for that person only, on that form only. A draft is
kept one day.
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils

from sync import new_id
from sync.timeutil import utc_now

# A draft is kept one day: older ones are neither read nor kept (utc_now's shape, so they compare as text).
DAY_AGO = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 day')"


def keep_draft(db: sqlite_utils.Database, user_id: str, path: str, fields: dict[str, Any]) -> str:
    """Store ``fields`` typed on ``path`` for ``user_id``; return the draft's id. Drops day-old drafts."""
    draft_id = new_id()
    db.execute(f"DELETE FROM form_drafts WHERE created_at < {DAY_AGO}")
    db.execute("INSERT INTO form_drafts (id, user_id, path, fields, created_at) VALUES (?, ?, ?, ?, ?)",
               [draft_id, user_id, path, json.dumps(fields, ensure_ascii=False), utc_now()])
    return draft_id


def read_draft(db: sqlite_utils.Database, draft_id: str, user_id: str, path: str | None = None
               ) -> dict[str, Any] | None:
    """The fields of draft ``draft_id`` if it is ``user_id``'s (and, given ``path``, typed on the
    form at that path, whatever query it had), else None."""
    # Day-old drafts are dropped only when the next one is kept: until then they are still here, and
    # a draft's address (a list searched for a child's name) stays in a shared computer's history.
    row = db.execute(f"SELECT fields, path FROM form_drafts WHERE id = ? AND user_id = ? AND created_at >= {DAY_AGO}",
                     [draft_id, user_id]).fetchone()
    # A draft read into another form would fill fields of one record into another (a child's id, a
    # visit's words into a referral).
    if row is None or (path is not None and urlsplit(row[1]).path != path):
        return None
    fields: dict[str, Any] = json.loads(row[0])
    return fields
