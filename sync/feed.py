"""The change feed: what a caller has not seen yet, in pages, after an opaque cursor.

The feed holds one row per record at its latest version (``sync_feed``), ordered by a
global sequence number. A cursor is that number, wrapped so callers treat it as opaque.
Records that left the caller's scope since the cursor (a pairing ended, a mentee moved
school, an event or an inspection moved to another unit) come back as ``drop`` entries;
records that entered it were moved to the head of the feed by the write path, so they
arrive as ordinary changes.
"""
from __future__ import annotations

import base64
import binascii
import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from .db import placeholders
from .errors import CursorInvalid, HistoryLost
from .jsontext import dumps
from .records import DOCUMENT_SQL, MENTOR_CHILD_ENTITIES, child_feed_rows, head_seq, history, pairing_feed_rows
from .scope import Actor, Scope, load_scope

CURSOR_PREFIX = "c1."


@dataclass
class Page:
    changes: list[tuple[str, str, int, bool, bytes]]  # entity, record_id, version, deleted, fields (UTF-8 JSON)
    cursor: str
    more: bool
    drop: list[tuple[str, str]] = field(default_factory=list)
    history: str = "0"  # records.history: changes when the database is restored from a copy

    def to_bytes(self, extra: dict[str, str] | None = None) -> bytes:
        """The wire document as UTF-8; record fields arrive from SQLite as UTF-8 JSON bytes
        and are spliced in without being decoded (a page is megabytes of Chinese text).

        Entity names and record ids are validated identifiers (no quoting needed).
        ``extra`` adds string members in front (a renewed device token).
        """
        parts = [
            b'{"entity":"%s","record_id":"%s","version":%d,"deleted":%s,"fields":%s}'
            % (e.encode(), r.encode(), v, b"true" if d else b"false", f)
            for e, r, v, d, f in self.changes
        ]
        drops = [{"entity": e, "record_id": r} for e, r in self.drop]
        head = "".join(f"{dumps(k)}:{dumps(v)}," for k, v in (extra or {}).items())
        return b'{%s"changes":[%s],"cursor":%s,"more":%s,"drop":%s,"history":%s}' % (
            head.encode(), b",".join(parts), dumps(self.cursor).encode(),
            b"true" if self.more else b"false", dumps(drops).encode(), dumps(self.history).encode(),
        )

    def to_json(self) -> str:
        return self.to_bytes().decode()


def encode_cursor(seq: int) -> str:
    raw = json.dumps({"s": seq}, separators=(",", ":")).encode()
    return CURSOR_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The sequence number inside a cursor; ``CursorInvalid`` for anything else."""
    problem = CursorInvalid("同步游标无法识别，请不带 cursor 从头同步。")
    if not isinstance(cursor, str) or not cursor.startswith(CURSOR_PREFIX) or len(cursor) > 200:
        raise problem
    body = cursor[len(CURSOR_PREFIX):]
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise problem from None
    seq = data.get("s") if isinstance(data, dict) else None
    if type(seq) is not int or seq < 0:
        raise problem
    return seq


# A page stops once its records' fields pass this many bytes, as a push does at max_batch_bytes'
# default: 500 visits with every text field full are 90 MB of JSON, which a phone on a village
# signal may never receive whole, and which would ask for the same page again (docs/sync-protocol.md §13).
PAGE_BYTES = 4 * 1024 * 1024

# A volunteer's pull from this far behind the head (a new phone, or one offline for weeks) finds
# their rows through their children and pairings, a few hundred, instead of walking every row the
# county wrote since the cursor: the feed's index by mentee holds only rows of no pairing (m021).
MENTOR_WALK_ROWS = 20_000
# The same rows as the walk, in the same order: the volunteer's candidates (each child's rows of no
# pairing, each pairing's own row and its activities, by their unique numbers), filtered by the
# same scope condition. CROSS JOIN keeps SQLite from walking the feed to probe the candidates.
MENTOR_ROWS_SQL = (
    "WITH mine(num) AS ("
    " SELECT num FROM sync_feed WHERE mentee_id IN (SELECT value FROM json_each(?1)) AND pairing_id IS NULL"
    " UNION ALL SELECT num FROM pairings WHERE id IN (SELECT value FROM json_each(?2))"
    " UNION ALL SELECT num FROM activities WHERE pairing_id IN (SELECT value FROM json_each(?2)))"
    " SELECT f.seq, f.entity, f.record_id, f.version, f.deleted, {document}"
    " FROM mine CROSS JOIN sync_feed f ON f.num = mine.num"
    " WHERE f.seq > ?3 AND ({where}) ORDER BY f.seq LIMIT ?"
)


def pull_changes(db: sqlite_utils.Database, actor: Actor, cursor: str | None, limit: int = 500) -> Page:
    """Changes in ``actor``'s scope after ``cursor`` (None: from the start), ``limit`` at most."""
    since = decode_cursor(cursor) if cursor is not None else 0
    head = head_seq(db)
    if since > head:
        raise HistoryLost("同步游标来自别的服务器或数据库，请不带 cursor 从头同步。")
    if since and _reset_since(db, actor, since):
        raise CursorInvalid("您的管理范围有调整（单位或账号变动），请不带 cursor 从头同步。")
    scope = load_scope(db, actor)
    where, params = scope.feed_filter()
    if scope.is_mentor and scope.mentee_ids and head - since > MENTOR_WALK_ROWS:
        found = db.execute(MENTOR_ROWS_SQL.format(document=DOCUMENT_SQL, where=where), [
            dumps(sorted(scope.mentee_ids)), dumps(sorted(scope.pairing_ids)), since, *params, limit + 1,
        ])
    else:
        found = db.execute(
            f"SELECT f.seq, f.entity, f.record_id, f.version, f.deleted, {DOCUMENT_SQL} FROM sync_feed f"
            f" WHERE f.seq > ? AND ({where}) ORDER BY f.seq LIMIT ?",
            [since, *params, limit + 1],
        )
    rows, more = _page_rows(found, limit)
    upto = rows[-1][0] if more else head
    changes = [(r[1], r[2], r[3], bool(r[4]), r[5]) for r in rows]
    return Page(changes, encode_cursor(upto), more, _drops(db, scope, since, upto), history(db))


def _page_rows(found: sqlite3.Cursor, limit: int) -> tuple[list[tuple[Any, ...]], bool]:
    """At most ``limit`` rows, and fewer once their fields pass ``PAGE_BYTES`` (always at least one,
    so a page moves on past a record larger than the bound); and whether any row was left over.
    Read row by row, so the rows past the bound are never built in memory."""
    rows: list[tuple[Any, ...]] = []
    size = 0
    try:
        for row in found:
            size += len(row[5] or b"")
            if len(rows) == limit or (rows and size > PAGE_BYTES):
                return rows, True
            rows.append(row)
        return rows, False
    finally:
        found.close()


def _reset_since(db: sqlite_utils.Database, actor: Actor, since: int) -> bool:
    """Whether a scope change no drop list expresses happened after ``since`` (sync/records.reset_scope)."""
    everyone = actor.role in ("staff", "reviewer")
    return db.execute(
        "SELECT 1 FROM sync_scope_resets WHERE seq > ? AND (user_id = ? OR (user_id IS NULL AND ?)) LIMIT 1",
        [since, actor.user_id, everyone],
    ).fetchone() is not None


# What left a set of units between two sequence numbers: a scope-log row names a child who left, or
# (num) a unit's own record that did, whose feed row (found by its unique number) says where it is now.
UNIT_DEPARTURES_SQL = (
    "SELECT l.mentee_id, f.entity, f.record_id, f.unit_id FROM sync_scope_log l LEFT JOIN sync_feed f ON f.num = l.num"
    " WHERE l.unit_id IN ({units}) AND l.seq > ? AND l.seq <= ?"
)


def _drops(db: sqlite_utils.Database, scope: Scope, since: int, upto: int) -> list[tuple[str, str]]:
    """Records that left the caller's scope between ``since`` and ``upto`` and are still out."""
    if scope.actor.role == "admin" or since == 0:  # a pull from the start holds nothing to drop
        return []
    window = [since, upto]
    drops: dict[tuple[str, str], None] = {}
    if scope.is_mentor:
        for mentee_id, pairing_id in db.execute(
            "SELECT mentee_id, pairing_id FROM sync_scope_log WHERE user_id = ? AND seq > ? AND seq <= ?",
            [scope.actor.user_id, *window],
        ).fetchall():
            if pairing_id not in scope.pairing_ids:  # the pairing and its activities
                drops.update(dict.fromkeys(
                    (e, r) for e, r in pairing_feed_rows(db, mentee_id, [pairing_id], "entity, record_id")))
            if mentee_id not in scope.mentee_ids:  # the mentee and their screenings (not staff's reviews)
                drops.update(dict.fromkeys(
                    (e, r) for e, r in child_feed_rows(db, mentee_id, "entity, record_id", MENTOR_CHILD_ENTITIES)))
    else:
        assert scope.unit_ids is not None
        units = sorted(scope.unit_ids)
        for mentee_id, entity, record_id, record_unit in db.execute(
            UNIT_DEPARTURES_SQL.format(units=placeholders(units)), [*units, *window],
        ).fetchall():
            if mentee_id is None:
                if entity is not None and record_unit not in scope.unit_ids:  # moved out of the subtree
                    drops[(entity, record_id)] = None
                continue
            now_at = db.execute("SELECT unit_id FROM mentees WHERE id = ?", [mentee_id]).fetchone()
            if now_at is None or now_at[0] not in scope.unit_ids:  # moved out of the subtree
                drops.update(dict.fromkeys((e, r) for e, r in child_feed_rows(db, mentee_id, "entity, record_id")))
                pairings = [p for (p,) in db.execute("SELECT id FROM pairings WHERE mentee_id = ?", [mentee_id])]
                drops.update(dict.fromkeys(
                    (e, r) for e, r in pairing_feed_rows(db, mentee_id, pairings, "entity, record_id")))
    return list(drops)

