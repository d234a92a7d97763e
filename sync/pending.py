"""What one batch of mutations has read and what it will write.

``Pending`` loads every record a batch touches in a few ``IN`` queries, keeps the rows the
writer (``sync.apply``) decided to write, and writes them with one ``executemany`` per table
(``_flush``), together with their feed, scope-log, conflict and audit rows.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlite_utils

from . import counts, latest
from .entities import ENTITIES
from .jsontext import dumps
from .mutations import Mutation
from .records import (
    MENTOR_CHILD_ENTITIES,
    WRITE_SQL,
    child_feed_rows,
    head_seq,
    keys_of,
    load_rows,
    load_users,
    owners,
    pairing_feed_rows,
    reset_scope,
)
from .scope import Actor, load_scope
from .timeutil import utc_now

# Entities are written parents first so foreign keys hold inside the transaction.
WRITE_ORDER = (
    "unit", "mentee", "pairing", "activity", "screening", "referral", "event", "enrolment", "stats_return", "review",
    "inspection", "peer_helper", "donation",
)


class Pending:
    """The records a batch has loaded and the rows it will write; ``sync.apply._Writer`` decides them."""

    def __init__(self, db: sqlite_utils.Database, actor: Actor) -> None:
        self.db = db
        self.actor = actor
        self.now = utc_now()
        self.scope = load_scope(db, actor)
        # Who a change is attributed to for merging: the phone, or the person on the web.
        self.writer = actor.device_id or actor.user_id
        # Whose earlier changes are never concurrent with this one: a phone's own (it edits again
        # from its copy when an answer was lost). A person on the web has no copy: a form shows a
        # version, and whatever was written after it — from their own other tab too, or a station
        # sharing one login — is concurrent, so a clash is a conflict, not a silent overwrite.
        self.copy_holder = actor.device_id
        self.rows: dict[str, dict[str, dict[str, Any] | None]] = {name: {} for name in ENTITIES}
        self.users: dict[str, dict[str, Any] | None] = {}
        self.live_children: set[str] = set()  # mentees found not deleted (rules.visits._child_not_deleted)
        self.dirty: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in ENTITIES}
        self.created: dict[str, set[str]] = {name: set() for name in ENTITIES}  # ids new in this batch
        self.audit: list[tuple[Any, ...]] = []
        self.conflicts: list[tuple[Any, ...]] = []
        self.gone: list[str] = []  # records deleted in this batch: their open conflicts close with them
        self.sealed: list[tuple[str, str]] = []  # (entity, id): a child or pairing deleted in this batch
        self.moved: list[tuple[str, str]] = []  # (record_id, unit_id) of records that changed unit
        self.resets: list[str] = []  # reasons every staff device must pull its copy again
        # Scope-log rows (user_id, unit_id, mentee_id, pairing_id, num): who lost sight of a child's
        # records, or (num) of a unit's own record that moved to another unit.
        self.revokes: list[tuple[str | None, str | None, str | None, str | None, int | None]] = []
        self.grants: list[tuple[str, str]] = []  # (mentee_id, pairing_id) whose history a mentor now sees
        self.taken: dict[str, str] = {}  # record_id -> entity, for ids a create must not reuse
        # Each activity the batch writes as it was stored before it (None: created here), for what
        # the write path keeps from the activities (sync/counts.py, sync/latest.py).
        self.stored_activities: dict[str, dict[str, Any] | None] = {}
        self._identities: set[str] | None = None

    # --- lookups used by the rules --------------------------------------------------

    def get(self, entity_name: str, record_id: str) -> dict[str, Any] | None:
        cache = self.rows[entity_name]
        if record_id not in cache:
            cache[record_id] = load_rows(self.db, ENTITIES[entity_name], [record_id]).get(record_id)
        return cache[record_id]

    def identities(self) -> set[str]:
        """Every writer id of the actor: the user id and the ids of all their devices."""
        if self._identities is None:
            devices = self.db.execute("SELECT id FROM sync_devices WHERE user_id = ?", [self.actor.user_id])
            self._identities = {self.actor.user_id, *(r[0] for r in devices.fetchall())}
        return self._identities

    def get_user(self, user_id: str) -> dict[str, Any] | None:
        if user_id not in self.users:
            self.users[user_id] = load_users(self.db, [user_id]).get(user_id)
        return self.users[user_id]

    def _prefetch(self, mutations: list[Mutation]) -> None:
        wanted: dict[str, set[str]] = {name: set() for name in ENTITIES}
        users: set[str] = set()
        for m in mutations:
            wanted[m.entity.name].add(m.record_id)
            for name, ref in m.entity.refs:
                value = m.fields.get(name)
                if isinstance(value, str):
                    (users if ref == "user" else wanted[ref]).add(value)
        for name, ids in wanted.items():
            missing = [i for i in ids if i not in self.rows[name]]
            if missing:
                found = load_rows(self.db, ENTITIES[name], missing)
                for i in missing:
                    self.rows[name][i] = found.get(i)
        # Ids that are new to their own table must not belong to a record of another entity.
        new_ids: dict[str, list[str]] = {}
        for m in mutations:
            if self.rows[m.entity.name].get(m.record_id) is None:
                new_ids.setdefault(m.entity.name, []).append(m.record_id)
        self.taken.update(owners(self.db, new_ids))
        missing_users = [u for u in users if u not in self.users]
        if missing_users:
            found_users = load_users(self.db, missing_users)
            for u in missing_users:
                self.users[u] = found_users.get(u)

    # --- writing ----------------------------------------------------------------------

    def _flush(self) -> None:
        from .codec import to_storage

        db = self.db
        seq = head_seq(db)
        feed_new: list[tuple[Any, ...]] = []
        feed_moved: list[tuple[Any, ...]] = []
        for name in WRITE_ORDER:
            records = self.dirty[name]
            if not records:
                continue
            entity = ENTITIES[name]
            sql = WRITE_SQL[name]
            inserts: list[Sequence[Any]] = []
            updates: list[Sequence[Any]] = []
            for record_id, record in records.items():
                seq += 1
                new = record_id in self.created[name]
                if new:  # numbered by the sequence number it is created at (sync/schema/m012_m031.py m015)
                    record["num"] = seq
                stored = to_storage(entity, record)
                stored["deleted"] = int(record["deleted"])
                versions = record["field_versions"]
                stored["field_versions"] = dumps(versions) if versions else "{}"
                stored["field_writers"] = dumps(record["field_writers"])
                if new:
                    inserts.append(sql.insert_values(stored))
                else:
                    updates.append(sql.update_values(stored))
                keys = keys_of(name, record)
                row = (seq, name, record_id, record["version"], int(record["deleted"]),
                       keys.unit_id, keys.mentee_id, keys.pairing_id, record["num"])
                (feed_new if new else feed_moved).append(row)
            db.conn.executemany(sql.insert, inserts)
            db.conn.executemany(sql.update, updates)
        if self.dirty["activity"]:
            counts.write(db, self.stored_activities, self.dirty["activity"])
            latest.write(db, self.stored_activities, self.dirty["activity"])
        feed_columns = "seq, entity, record_id, version, deleted, unit_id, mentee_id, pairing_id, num"
        # A changed record's feed row moves to the head: one row per record, at its latest seq.
        db.conn.executemany("DELETE FROM sync_feed WHERE num = ?", [(row[-1],) for row in feed_moved])
        db.conn.executemany(f"INSERT INTO sync_feed ({feed_columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            feed_new + feed_moved)
        seq = self._refeed(seq)
        if self.revokes:
            seq += 1
            db.conn.executemany(
                "INSERT INTO sync_scope_log (seq, user_id, unit_id, mentee_id, pairing_id, num)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(seq, *r) for r in self.revokes],
            )
        if self.conflicts:
            db.conn.executemany(
                "INSERT INTO sync_conflicts (id, entity, record_id, field, kept_value, other_value, base_version,"
                " kept_version, user_id, device_id, mutation_id, unit_id, mentee_id, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                self.conflicts,
            )
        if self.moved:
            db.conn.executemany("UPDATE sync_conflicts SET unit_id = ? WHERE record_id = ?",
                                [(unit_id, record_id) for record_id, unit_id in self.moved])
        if self.resets:
            seq += 1  # the unit's own feed row was numbered above: a cursor at it is before the reset
            reset_scope(db, None, "；".join(dict.fromkeys(self.resets)), self.now, seq)
        if self.gone:
            # A deleted record's open conflicts are about values nobody can take any more: they close
            # (both values stay on the conflict row, the record's history keeps every version).
            db.conn.executemany(
                "UPDATE sync_conflicts SET status = 'resolved', resolved_by = ?, resolved_at = ?,"
                " resolution = 'deleted' WHERE record_id = ? AND status = 'open'",
                [(self.actor.user_id, self.now, record_id) for record_id in self.gone],
            )
        for entity_name, record_id in self.sealed:
            # The records of a deleted child's file, or a deleted pairing's visits, are read and never
            # written again (rules.sealed): a conflict parked on one offers a choice nobody can take.
            db.execute(
                "UPDATE sync_conflicts SET status = 'resolved', resolved_by = ?, resolved_at = ?,"
                " resolution = 'file_deleted' WHERE status = 'open' AND "
                + ("mentee_id = ?" if entity_name == "mentee"
                   else "entity = 'activity' AND record_id IN (SELECT id FROM activities WHERE pairing_id = ?)"),
                [self.actor.user_id, self.now, record_id],
            )
        if self.audit:
            db.conn.executemany(
                "INSERT INTO sync_audit (at, user_id, device_id, mutation_id, entity, record_id, op, status,"
                " version, reason, changes, answer, digest, num) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(*row, self._num(row[4], row[5])) for row in self.audit],
            )

    def _num(self, entity_name: str, record_id: str) -> int | None:
        """The number of the record an audit row is about (None when no such record exists)."""
        record = self.rows.get(entity_name, {}).get(record_id)
        return None if record is None else record.get("num")

    def _refeed(self, seq: int) -> int:
        """Move a newly granted mentee's history to the head of the feed.

        A mentor who gains a pairing must receive records older than their cursor;
        giving those rows fresh sequence numbers makes the next pull carry them.
        """
        if not self.grants:
            return seq
        nums: list[int] = []
        for mentee_id, pairing_id in self.grants:
            rows = child_feed_rows(self.db, mentee_id, "seq, num", MENTOR_CHILD_ENTITIES)
            rows += pairing_feed_rows(self.db, mentee_id, [pairing_id])
            nums.extend(num for _, num in sorted(rows))
        moves = []
        for num in dict.fromkeys(nums):
            seq += 1
            moves.append((seq, num))
        self.db.conn.executemany("UPDATE sync_feed SET seq = ? WHERE num = ?", moves)
        return seq
