"""The one write path: decide mutations from a phone, a web form or an import.

``apply_mutations`` is the engine for server-side writers (staff pages, imports, the demo
loader) that have no device outbox; a device's push (``sync.push.apply_batch``) runs the same
``_Writer``. It decides each mutation in Python against the records ``Pending`` loaded, then
``Pending`` writes them all (sync/pending.py).
"""
from __future__ import annotations

from typing import Any

import sqlite_utils

from .answers import Outcome
from .batches import read_mutations
from .db import all_or_nothing
from .echo import field_names
from .entities import DEFAULTS, ENTITIES, Entity
from .ids import new_id
from .jsontext import dumps_text
from .kept import kept_cause, never_hers, told_volunteer
from .labels import this
from .merge import CREATOR, changed_by_others, merge_fields
from .mutations import Mutation, Rejection
from .pending import Pending
from .records import keys_of
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
from .scope import Actor

# A mentor edits only the activities and screenings written by them or for them (代录).
OWN_RECORDS = ("activity", "screening")


def _who_decides(actor: Actor) -> str:
    """Who settles a conflict, told to the writer: a volunteer's phone waits for her station; on the
    web, staff settle it on the 冲突 page (a county's inspection or a unit is no station's to decide)."""
    return "等辅导站处理" if actor.role == "mentor" else "由工作人员在“冲突”页面决定保留哪一个"



BY_OTHERS = "已被别人先改过，保留了先到的内容"
BY_YOU = "在这张表单打开后已由您自己改过并保存（在另一个标签页，或这张表单先前的一次提交），保留了先保存的内容"


def _labels(entity: Entity, names: list[str]) -> str:
    return "、".join(f"“{entity.by_name[n].label}”" for n in names)


def apply_mutations(db: sqlite_utils.Database, actor: Actor, mutations: list[dict[str, Any]]) -> list[Outcome]:
    """Apply mutations from a server-side writer (web form, import, demo) atomically."""
    with all_or_nothing(db):
        return _Writer(db, actor).apply(mutations)


def _check_base(m: Mutation, current: dict[str, Any]) -> None:
    if m.base_version is not None and m.base_version > current["version"]:
        raise Refusal(f"base_version {m.base_version} 比服务器上的版本 {current['version']} 还新，"
                      "手机上的记录可能已损坏；请先同步（拉取）再修改。")


class _Writer(Pending):
    """Decides a list of mutations against the current state, then writes it all (``Pending``)."""

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
                    visible = current is not None and self.scope.allows(keys_of(m.entity.name, current))
                    # A record the writer cannot see has no version in the answer, as a record that
                    # does not exist has none: else the answer would tell that it exists, and let a
                    # volunteer whose pairing ended watch the child's file change (§11).
                    version = current["version"] if visible and current else None
                    outcome = Outcome.rejected(m.mutation_id, m.entity.name, m.record_id, refusal.reason, version,
                                               field_name=refusal.field)
                    # Valid values refused on a record the writer may see (an edit of a deleted or
                    # approved record) are kept, so staff can restore them; each is bounded by its
                    # field's limit. Nothing more is kept of a change to a record the writer cannot see.
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
                and self.actor.device_id is not None and m.entity.name in OWN_RECORDS
                and not never_hers(self.db, self.get, self.actor, m.entity.name, m.fields))

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
            outcome.reason = self._clash_words(entity, current, list(result.conflicts))
            changes["conflicts"] = {k: {"kept": kv[0], "yours": kv[1]} for k, kv in result.conflicts.items()}
        self._audit(outcome, "update", changes)
        return outcome

    def _clash_words(self, entity: Entity, current: dict[str, Any], names: list[str]) -> str:
        """What the writer is told of fields kept as they were: changed since by someone else, or, on
        the web, by this same person (the form sent again, or the same form in a second tab; a phone
        never clashes with itself). Either way their text is a conflict record, not lost; but nobody
        must read "已被别人先改过" about their own words."""
        writers = current["field_writers"]
        own = [n for n in names if self.actor.device_id is None
               and writers.get(n, writers.get(CREATOR)) == self.writer]
        parts = []
        if others := [n for n in names if n not in own]:
            parts.append(f"{_labels(entity, others)}{BY_OTHERS}")
        if own:
            parts.append(f"{_labels(entity, own)}{BY_YOU}")
        return f"{'；'.join(parts)}；您的内容已存为冲突记录，{_who_decides(self.actor)}。"

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
