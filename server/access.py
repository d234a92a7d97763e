"""The access log: who saw or exported which children's records, when, from where.

Append-only (triggers refuse UPDATE and DELETE): it is the county's answer to "who looked
at this child's file". Written inside the caller's write transaction, so a logged view
and the thing it logs commit together.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from sync import Actor
from sync.jsontext import dumps_text_sorted
from sync.timeutil import utc_now

from .queries.filters import chosen

# The entities whose records are a child's file: the child (mentee), their pairing with a mentor,
# the visits and talks (activity), the screenings (摸排), the reviews of those records, and the
# referrals (转介: where the child was sent, and why). Units, group events, enrolment figures and
# statistics returns name no child and are not logged. A donation (爱心捐助) says what a family in
# hardship was given: a child's record too.
CHILD_ENTITIES = frozenset({"mentee", "pairing", "activity", "screening", "review", "referral", "donation"})


def childrens_records(entities: Iterable[str]) -> dict[str, int]:
    """How many records of each child entity a page showed (``{}`` when none)."""
    shown: dict[str, int] = {}
    for entity in entities:
        if entity in CHILD_ENTITIES:
            shown[entity] = shown.get(entity, 0) + 1
    return shown


def log_access(
    db: sqlite_utils.Database, actor: Actor, action: str, target: str | None = None, *,
    entities: dict[str, int] | None = None, ip: str | None = None,
) -> None:
    """Append one row: ``action`` (e.g. ``pull``, ``view_pairing``, ``export_stats``) on ``target``.

    ``entities`` counts the records shown by entity (``{"mentee": 12, "activity": 80}``).
    """
    count = sum(entities.values()) if entities else None
    db.execute(
        "INSERT INTO access_log (at, user_id, device_id, action, target, ip, record_count, entities)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [utc_now(), actor.user_id, actor.device_id, action, target, ip, count,
         dumps_text_sorted(entities) if entities else None],
    )


# A child's views are logged on the record shown: the child, a pairing's archive, a visit, a
# screening, referral or donation. Asked about a child, the log answers for all of them.
_OF_CHILD = (
    "(a.target = ? OR a.target IN (SELECT id FROM pairings WHERE mentee_id = ?)"
    " OR a.target IN (SELECT v.id FROM activities v JOIN pairings p ON p.id = v.pairing_id WHERE p.mentee_id = ?)"
    " OR a.target IN (SELECT id FROM screenings WHERE mentee_id = ?)"
    " OR a.target IN (SELECT id FROM referrals WHERE mentee_id = ?)"
    " OR a.target IN (SELECT id FROM donations WHERE mentee_id = ?))"
)


def _access_filter(user_id: str | None, target: str | None, since: str | None, until: str | None
                   ) -> tuple[str, list[Any]]:
    where, params = chosen({"user_id": user_id, "since": since, "until": until},
                           {"user_id": "a.user_id = ?", "since": "a.at >= ?", "until": "a.at < ?"})
    if target is not None:
        where.append(_OF_CHILD)
        params.extend([target] * 6)
    return (" WHERE " + " AND ".join(where) if where else ""), params


def read_access_log(db: sqlite_utils.Database, *, limit: int = 200, offset: int = 0,
                    user_id: str | None = None, target: str | None = None,
                    since: str | None = None, until: str | None = None) -> list[dict[str, Any]]:
    """Newest first, with the person's name and login; ``since``/``until`` are UTC timestamps
    (``until`` exclusive)."""
    where, params = _access_filter(user_id, target, since, until)
    sql = (
        "SELECT a.id, a.at, a.user_id, u.name AS user_name, u.login, u.role, un.kind AS unit_kind, a.device_id,"
        " a.action, a.target, a.ip,"
        " a.record_count, a.entities FROM access_log a LEFT JOIN users u ON u.id = a.user_id"
        " LEFT JOIN units un ON un.id = u.unit_id"
        + where + " ORDER BY a.id DESC LIMIT ? OFFSET ?"
    )
    rows = list(db.query(sql, [*params, limit, offset]))
    for row in rows:
        row["entities"] = json.loads(row["entities"]) if row["entities"] else {}
    return rows


def count_access_log(db: sqlite_utils.Database, *, user_id: str | None = None, target: str | None = None,
                     since: str | None = None, until: str | None = None) -> int:
    """How many rows ``read_access_log`` would page through with the same filters."""
    where, params = _access_filter(user_id, target, since, until)
    return int(db.execute(f"SELECT count(*) FROM access_log a{where}", params).fetchone()[0])
