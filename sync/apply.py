"""The one write path: apply mutations from a phone, a web form or an import.

``apply_batch`` is a device push: one transaction, idempotent by (device, mutation_id),
answers stored in the audit log so a resent batch gets the same answers and writes
nothing. ``apply_mutations`` is the same engine for server-side writers (staff pages,
imports, the demo loader) that have no device outbox.

The write path loads every record a batch touches in a few ``IN`` queries, decides
each mutation in Python, then writes with one ``executemany`` per table.
"""
from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from . import counts, latest
from .db import select_in, transaction
from .echo import echo, encodable, field_names, reason_text, sanitise
from .entities import DEFAULTS, ENTITIES, Entity, this
from .errors import DeviceRevoked
from .ids import new_id
from .jsontext import dumps, dumps_text
from .kept import kept_cause, told_volunteer
from .merge import CREATOR, changed_by_others, merge_fields
from .mutations import Batch, Mutation, Rejection, prepare_batch, read_mutations, same_as_sent
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
from .rules import (
    NEW_RECORD_HINT,
    NOT_YOUR_INSPECTION,
    Refusal,
    derive,
    edits_inspection,
    immutable_after_create,
    not_found,
    open_risk_flag,
    refuse_delete,
    scope_effects,
    sealed,
)
from .scope import Actor, load_scope
from .timeutil import utc_now

# A mentor edits only the activities and screenings written by them or for them (代录).
OWN_RECORDS = ("activity", "screening")

# Entities are written parents first so foreign keys hold inside the transaction.
WRITE_ORDER = (
    "unit", "mentee", "pairing", "activity", "screening", "referral", "event", "enrolment", "stats_return", "review",
    "inspection", "peer_helper", "donation",
)


def _who_decides(actor: Actor) -> str:
    """Who settles a conflict, told to the writer: a volunteer's phone waits for her station; on the
    web, staff settle it on the 冲突 page (a county's inspection or a unit is no station's to decide)."""
    return "等辅导站处理" if actor.role == "mentor" else "由工作人员在“冲突”页面决定保留哪一个"


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


@contextlib.contextmanager
def _atomic(db: sqlite_utils.Database) -> Iterator[None]:
    # On its own (CLI, tests) a batch is a transaction of its own. Inside a caller's transaction
    # (the Store's group) it adds no savepoint: the caller undoes a batch that raises by rolling
    # back, and a savepoint would make SQLite copy every page a statement changes to a statement
    # journal on disk (docs/performance.md). Either way the batch is all or nothing.
    if db.conn.in_transaction:
        yield
    else:
        with transaction(db):
            yield


def apply_batch(
    db: sqlite_utils.Database, actor: Actor, body: object, *, max_count: int = 1000
) -> PushResult:
    """Apply one push from ``actor.device_id``; see the module docstring.

    ``body`` is the request's JSON, or a ``Batch`` already prepared from it (``prepare_batch``).
    """
    assert actor.device_id is not None, "apply_batch is for device pushes"
    batch = body if isinstance(body, Batch) else prepare_batch(body, max_count=max_count)
    raw = batch.raws
    with _atomic(db):
        device = db.execute(
            "SELECT user_id, last_mutation_id, revoked_at, revoked_reason FROM sync_devices WHERE id = ?",
            [actor.device_id],
        ).fetchone()
        if device is None or device[0] != actor.user_id:
            raise DeviceRevoked("这台设备未登记，请向辅导站重新获取登记码。")
        if device[2] is not None:
            raise DeviceRevoked(f"这台设备已被停用：{device[3] or '请联系辅导站'}。")
        last = int(device[1])
        old_ids = [m["mutation_id"] for m in raw if m["mutation_id"] <= last]
        stored = _stored_answers(db, actor.device_id, old_ids)
        new = [i for i, m in enumerate(raw) if m["mutation_id"] > last]
        fresh = [raw[i] for i in new]
        writer = _Writer(db, actor)
        outcomes = {o.mutation_id: o.answer() for o in writer.apply(
            fresh, [batch.digests[i] for i in new], [batch.parsed[i] for i in new])}
        results = []
        for m in raw:
            mid = m["mutation_id"]
            if mid in outcomes:
                results.append(outcomes[mid])
            elif mid in stored and same_as_sent(stored[mid][0], m):
                results.append(stored[mid][1])
            elif mid in stored:
                # Same number, different content: answering with the old answer would
                # drop this change silently, so say so and keep the server untouched.
                results.append(Outcome.rejected(
                    mid, m.get("entity"), m.get("record_id"),
                    f"修改编号 {mid} 已用于另一条内容不同的修改（那一条已保存）；"
                    "这条修改没有保存，请以新的编号重新提交。",
                ).answer())
            else:
                results.append(Outcome.rejected(
                    mid, m.get("entity"), m.get("record_id"),
                    f"这台设备的修改编号 {mid} 早已用过（已处理到 {last}）；请以新的编号重新提交。",
                ).answer())
        if not encodable(results):
            # Never reached by the answers built above; a guard so that no future answer can
            # fail on the wire after this transaction commits (a phone would resend it for ever).
            results = sanitise(results)
        new_last = max([last, *(m["mutation_id"] for m in fresh)])
        db.execute(
            "UPDATE sync_devices SET last_mutation_id = ?, last_seen_at = ? WHERE id = ?",
            [new_last, utc_now(), actor.device_id],
        )
    return PushResult(new_last, results)


def apply_mutations(db: sqlite_utils.Database, actor: Actor, mutations: list[dict[str, Any]]) -> list[Outcome]:
    """Apply mutations from a server-side writer (web form, import, demo) atomically."""
    with _atomic(db):
        return _Writer(db, actor).apply(mutations)


def _check_base(m: Mutation, current: dict[str, Any]) -> None:
    if m.base_version is not None and m.base_version > current["version"]:
        raise Refusal(f"base_version {m.base_version} 比服务器上的版本 {current['version']} 还新，"
                      "手机上的记录可能已损坏；请先同步（拉取）再修改。")


def _stored_answers(
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


class _Writer:
    """Decides a list of mutations against the current state, then writes it all."""

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

    # --- deciding ---------------------------------------------------------------------

    def apply(self, raws: list[dict[str, Any]], digests: list[int | None] | None = None,
              parsed: list[Mutation | Rejection] | None = None) -> list[Outcome]:
        """Decide and write ``raws``; ``digests`` and ``parsed``, when given, are theirs as
        ``prepare_batch`` made them (a push prepares them outside the writer thread)."""
        if digests is None or parsed is None:
            digests, parsed = read_mutations(raws)
        # Server-side writers send no mutation ids, so the digest travels with each raw
        # mutation by position; only device mutations keep theirs for resend checks.
        self.digests = {
            r["mutation_id"]: d for r, d in zip(raws, digests, strict=True) if r.get("mutation_id") is not None
        }
        self._prefetch([m for m in parsed if isinstance(m, Mutation)])
        outcomes = []
        for m in parsed:
            if isinstance(m, Rejection):
                # Junk (it failed validation): only the names of what was sent, bounded.
                outcome = Outcome.rejected(m.mutation_id, m.entity, m.record_id, m.reason, field_name=m.field)
                self._audit(outcome, "upsert", {"incoming_fields": field_names(m.fields)})
            else:
                try:
                    outcome = self._apply_one(m)
                except Refusal as refusal:
                    current = self.rows[m.entity.name].get(m.record_id)
                    version = current["version"] if current else None
                    outcome = Outcome.rejected(m.mutation_id, m.entity.name, m.record_id, refusal.reason, version,
                                               field_name=refusal.field)
                    # Valid values refused on a record the writer may see (an edit of a deleted or
                    # approved record) are kept, so staff can restore them; each is bounded by its
                    # field's limit. Nothing more is kept of a change to a record the writer cannot see.
                    visible = current is not None and self.scope.allows(keys_of(m.entity.name, current))
                    kept: dict[str, Any] = {"incoming_fields": field_names(m.fields)}
                    if self._visit_kept(m, current):
                        kept = {"incoming": m.fields, "cause": kept_cause(self.db, self.get, self.actor,
                                                                          m.entity.name, m.fields)}
                        if told := told_volunteer(self.db, self.get, self.actor, m.entity.name, m.fields):
                            outcome = Outcome.rejected(m.mutation_id, m.entity.name, m.record_id, told, version,
                                                       field_name=refusal.field)
                    elif visible:
                        kept = {"incoming": m.fields}
                    self._audit(outcome, m.op, kept)
            outcomes.append(outcome)
        self._flush()
        return outcomes

    def _visit_kept(self, m: Mutation, current: dict[str, Any] | None) -> bool:
        """A volunteer's new visit or screening, refused because the station changed the world while
        the phone was offline (the pairing ended or passed to another volunteer, the child was
        deleted): it is the record of a real visit to a child, so its words are kept for the station
        (server/queries/refused.py), not only on a phone that may be lost or wiped before it exports."""
        return (current is None and m.op == "upsert" and self.actor.role == "mentor"
                and self.actor.device_id is not None and m.entity.name in OWN_RECORDS)

    def _apply_one(self, m: Mutation) -> Outcome:
        entity, role = m.entity, self.actor.role
        current = self.get(entity.name, m.record_id)
        if not entity.writable.get(role, frozenset()).issuperset(m.fields):
            for name in m.fields:
                if role not in entity.by_name[name].writers:
                    who = "服务器" if not entity.by_name[name].writers else "其他角色"
                    raise Refusal(f"字段“{entity.by_name[name].label}”({name})由{who}维护，您不能修改。", name)
        if current is not None and not self.scope.allows(keys_of(entity.name, current)):
            raise Refusal(not_found(this(entity.label), hint=NEW_RECORD_HINT if m.op == "upsert" else ""))
        if (role == "mentor" and current is not None and entity.name in OWN_RECORDS
                and current.get("author_id") != self.actor.user_id):
            raise Refusal(f"{this(entity.label)}不是您记录的，不能修改；如需更正请联系辅导站。")
        if current is not None and not current["deleted"] and (why := sealed(self, entity.name, current)):
            raise Refusal(why)
        if (current is not None and entity.locks_when_approved and current.get(entity.approval_field) == "approved"
                and not (m.op == "upsert" and m.fields and set(m.fields) <= set(entity.open_after_approval))):
            raise Refusal(f"{this(entity.label)}已审核通过并锁定，不能再修改；如需更正请联系辅导站退回。")
        if m.op == "delete":
            return self._delete(m, current)
        if current is None:
            return self._create(m)
        return self._update(m, current)

    def _create(self, m: Mutation) -> Outcome:
        entity = m.entity
        if m.base_version is not None:
            # base_version should be null for a new record; the sentence is the one for a record
            # out of scope, so that an edit cannot tell whether a record it may not see exists.
            raise Refusal(not_found(this(entity.label), hint=NEW_RECORD_HINT))
        # One id, one record: a phone keeps its records by id, so a create reusing the id of
        # another entity's record would overwrite that record on every phone that pulls both.
        if self.taken.setdefault(m.record_id, entity.name) != entity.name:
            raise Refusal(f"record_id {m.record_id} 已被另一条记录使用；请为{this(entity.label)}换一个新的编号。")
        if self.actor.role not in entity.creators:
            raise Refusal(f"您的角色不能新建{entity.label}。")
        record: dict[str, Any] = dict.fromkeys(entity.columns)
        record.update(DEFAULTS.get(entity.name, {}))
        record.update(m.fields)
        record["id"] = m.record_id
        missing = [f for f in entity.required if record.get(f.name) is None]
        if missing:
            raise Refusal(f"新建{entity.label}缺少必填字段：{'、'.join(f.label for f in missing)}。", missing[0].name)
        derive(self, entity.name, None, record)
        if not self.scope.allows(keys_of(entity.name, record)):
            raise Refusal(f"您无权在这个范围内新建{entity.label}。")
        record.update(
            version=1, deleted=False, field_versions={}, field_writers={CREATOR: self.writer},
            created_at=self.now, created_by=self.actor.user_id,
        )
        self._store(entity, None, record)
        outcome = Outcome(m.mutation_id, entity.name, m.record_id, "applied", 1)
        # A create's values are not copied here: every later change stores its "before"
        # values, so sync.audit.record_history rebuilds version 1 exactly.
        self._audit(outcome, "create", None)
        return outcome

    def _update(self, m: Mutation, current: dict[str, Any]) -> Outcome:
        entity = m.entity
        if current["deleted"]:
            raise Refusal(f"{this(entity.label)}已被删除，这次修改没有保存，删除也不能撤销；"
                          "您改的内容已记入服务器的审计日志，如有疑问请联系辅导站。")
        for name in immutable_after_create(entity.name):
            if name in m.fields and m.fields[name] != current.get(name):
                raise Refusal(f"{entity.label}建立后不能更改“{entity.by_name[name].label}”。", name)
        _check_base(m, current)
        # Check the change as if every sent field applied, before merging: a value that would
        # leave the writer's scope (or break a rule) is rejected, not parked as a conflict that
        # staff could later "apply" (issue 8, item 5).
        probe = {**current, **m.fields}
        if probe != current:
            derive(self, entity.name, current, probe)
            if not self.scope.allows(keys_of(entity.name, probe)):
                raise Refusal(f"这次修改会把{entity.label}移出您的管理范围。")
        result = merge_fields(current, current["field_versions"], m.base_version, m.fields,
                              field_writers=current["field_writers"], writer=self.copy_holder)
        version = current["version"]
        changes: dict[str, Any] = {}
        if result.applied:
            record = {**current, **result.applied}
            derive(self, entity.name, current, record)
            if not self.scope.allows(keys_of(entity.name, record)):
                raise Refusal(f"这次修改会把{entity.label}移出您的管理范围。")
            version += 1
            changed = [k for k in entity.columns if record.get(k) != current.get(k)]
            record["version"] = version
            self._stamp(current, record, changed, version)
            self._store(entity, current, record)
            # Every column this change moved, the server-set ones included (a corrected returned
            # activity back to pending, who handled a risk flag): record_history rebuilds from these.
            changes = {k: [current.get(k), record.get(k)] for k in changed}
        # "merged": the writer's change was combined with someone else's it had not seen.
        stale = changed_by_others(current["version"], current["field_versions"], current["field_writers"],
                                  m.base_version, self.copy_holder)
        status = "conflict" if result.conflicts else ("merged" if stale and result.applied else "applied")
        outcome = Outcome(m.mutation_id, entity.name, m.record_id, status, version)
        for name, (kept, theirs) in result.conflicts.items():
            outcome.conflicts.append(self._conflict(m, current, name, kept, theirs, version))
        if result.conflicts:
            labels = "、".join(f"“{entity.by_name[n].label}”" for n in result.conflicts)
            outcome.reason = (
                f"{labels}已被别人先改过，保留了先到的内容；您的内容已存为冲突记录，{_who_decides(self.actor)}。"
            )
            changes["conflicts"] = {k: {"kept": kv[0], "yours": kv[1]} for k, kv in result.conflicts.items()}
        self._audit(outcome, "update", changes)
        return outcome

    def _delete(self, m: Mutation, current: dict[str, Any] | None) -> Outcome:
        entity = m.entity
        if current is None:
            raise Refusal(not_found(this(entity.label)))
        if self.actor.role not in entity.deleters:
            raise Refusal(f"您的角色不能删除{entity.label}。")
        if entity.name == "activity" and (why := open_risk_flag(current, self.actor.role)):
            raise Refusal(why)
        if entity.name == "inspection" and not edits_inspection(self.scope, current):
            raise Refusal(NOT_YOUR_INSPECTION)
        # A base above the server's is a damaged copy: reject it as an edit with it would be,
        # rather than skip the delete-vs-edit check and delete what staff just changed (item 4).
        _check_base(m, current)
        if current["deleted"]:
            outcome = Outcome(m.mutation_id, entity.name, m.record_id, "applied", current["version"])
            self._audit(outcome, "delete", {})
            return outcome
        refuse_delete(self, entity.name, current)
        if changed_by_others(current["version"], current["field_versions"], current["field_writers"],
                             m.base_version, self.copy_holder):
            # Someone else changed the record after this writer last saw it: keep it and
            # let staff decide, rather than deleting work the writer never saw.
            outcome = Outcome(
                m.mutation_id, entity.name, m.record_id, "conflict", current["version"],
                f"{this(entity.label)}在您删除前已被别人修改，暂未删除；已存为冲突记录，{_who_decides(self.actor)}。",
                [self._conflict(m, current, "_deleted", False, True, current["version"])],
            )
            self._audit(outcome, "delete", {"conflicts": {"_deleted": {"kept": False, "yours": True}}})
            return outcome
        version = current["version"] + 1
        record = {**current, "deleted": True, "version": version}
        self._store(entity, current, record)
        self.gone.append(m.record_id)
        if entity.name in ("mentee", "pairing"):
            self.sealed.append((entity.name, m.record_id))
        outcome = Outcome(m.mutation_id, entity.name, m.record_id, "applied", version)
        self._audit(outcome, "delete", {"deleted": [False, True]})
        return outcome

    def _conflict(self, m: Mutation, current: dict[str, Any], name: str, kept: Any, theirs: Any,
                  kept_version: int) -> dict[str, Any]:
        """Store the value that lost for staff; return its entry for the phone's answer."""
        other = dumps_text(theirs)
        # The same losing value from the same person on the web, still open (a form posted twice),
        # is one conflict for staff, not two. A phone's resend is answered from its mutation id, and
        # each conflict it parks names the mutation that lost.
        same = None if self.actor.device_id is not None else self.db.execute(
            "SELECT id FROM sync_conflicts WHERE record_id = ? AND field = ? AND status = 'open' AND user_id = ?"
            " AND device_id IS NULL AND other_value = ? AND kept_version = ? LIMIT 1",
            [m.record_id, name, self.actor.user_id, other, kept_version]).fetchone()
        if same is not None:
            return {"field": name, "kept": kept, "yours": theirs, "conflict_id": same[0]}
        conflict_id = new_id()
        keys = keys_of(m.entity.name, current)
        self.conflicts.append((
            conflict_id, m.entity.name, m.record_id, name, dumps_text(kept),
            other, m.base_version, kept_version, self.actor.user_id,
            self.actor.device_id, m.mutation_id, keys.unit_id, keys.mentee_id, self.now,
        ))
        return {"field": name, "kept": kept, "yours": theirs, "conflict_id": conflict_id}

    # --- server-made changes (a review locking an activity, a unit move cascading) ----

    def change(self, entity_name: str, record_id: str, values: dict[str, Any]) -> None:
        """Apply a change the server derives from another mutation; audited as ``derived``."""
        entity = ENTITIES[entity_name]
        current = self.get(entity_name, record_id)
        assert current is not None
        changed = {k: v for k, v in values.items() if current.get(k) != v}
        if not changed:
            return
        version = current["version"] + 1
        record = {**current, **changed, "version": version}
        self._stamp(current, record, changed, version)
        self._store(entity, current, record)
        self.audit.append((
            self.now, self.actor.user_id, self.actor.device_id, None, entity_name, record_id, "derived", "applied",
            version,
            None, dumps_text({k: [current.get(k), v] for k, v in changed.items()}), None, None,
        ))

    def _stamp(self, current: dict[str, Any], record: dict[str, Any], changed: Any, version: int) -> None:
        """Record which version and which writer last changed each field."""
        record["field_versions"] = {**current["field_versions"], **{k: version for k in changed}}
        record["field_writers"] = {**current["field_writers"], **{k: self.writer for k in changed}}

    def _store(self, entity: Entity, before: dict[str, Any] | None, record: dict[str, Any]) -> None:
        record["updated_at"] = self.now
        record["updated_by"] = self.actor.user_id
        if before is not None:
            record.setdefault("created_at", before["created_at"])
        else:
            self.created[entity.name].add(record["id"])
        if entity.name == "activity":
            self.stored_activities.setdefault(record["id"], before)
        self.rows[entity.name][record["id"]] = record
        self.dirty[entity.name][record["id"]] = record
        scope_effects(self, entity.name, before, record)

    def _audit(self, outcome: Outcome, op: str, changes: dict[str, Any] | None) -> None:
        # The answer is stored only when the audit columns cannot rebuild it (conflicts).
        answer = dumps_text(outcome.answer()) if outcome.conflicts else None
        self.audit.append((
            self.now, self.actor.user_id, self.actor.device_id, outcome.mutation_id, outcome.entity,
            outcome.record_id, op, outcome.status, outcome.version, outcome.reason,
            None if changes is None else dumps_text(changes), answer,
            self.digests.get(outcome.mutation_id) if outcome.mutation_id is not None else None,
        ))

    # --- writing ----------------------------------------------------------------------

    def _flush(self) -> None:
        from .mutations import to_storage

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
                if new:  # numbered by the sequence number it is created at (sync/schema.py m015)
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
