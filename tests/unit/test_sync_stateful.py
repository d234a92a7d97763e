"""Several phones and a staff writer, driven at random through pushes, lost answers, resends,
stale offline edits and pulls (docs/design.md §4). After everyone syncs, every phone holds exactly
the server's records, and the audit log and conflict records account for every value sent.

The phone model:
- an outbox of mutations with increasing ``mutation_id``; a push sends a prefix of it (a
  phone splits big batches) and a mutation leaves the outbox only when its answer arrives;
  an answer may be lost, in which case the same mutations are sent again later;
- edits made before a push are folded into the record's unsent mutation; once sent, a
  mutation never changes;
- ``base_version`` is the version of the phone's copy of the record (from a pull, or from an
  ``applied`` answer that continues exactly that copy);
- local records are the last pulled copy with the unacknowledged mutations laid over it, so
  a pull never overwrites a field changed locally and not yet acknowledged.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from sync import Actor, apply_batch, apply_mutations, connect, migrations, new_id, pull_changes
from sync.entities import ENTITIES
from sync.records import load_rows
from tests.factories import make_activity, make_device, make_mentee, make_pairing, make_unit, make_user

Key = tuple[str, str]
TEXTS = st.sampled_from(["甲", "乙", "丙", "丁", "按时服药", "情绪稳定"])
INDEX = st.integers(0, 10_000)


@dataclass
class Pending:
    mutation_id: int
    entity: str
    record_id: str
    op: str
    base_version: int | None
    fields: dict[str, Any]
    sent: bool = False

    def wire(self) -> dict[str, Any]:
        return {"mutation_id": self.mutation_id, "entity": self.entity, "record_id": self.record_id,
                "op": self.op, "base_version": self.base_version,
                "fields": dict(self.fields) if self.op == "upsert" else None}


@dataclass
class Copy:
    version: int
    deleted: bool
    fields: dict[str, Any]


@dataclass
class Phone:
    device: Actor
    next_id: int = 1
    outbox: list[Pending] = field(default_factory=list)
    copies: dict[Key, Copy] = field(default_factory=dict)
    cursor: str | None = None
    dropped: set[Key] = field(default_factory=set)  # records a pull told us to remove

    def view(self) -> dict[Key, Copy]:
        """What the mentor sees: pulled copies with every unacknowledged change laid over them."""
        out = {k: Copy(c.version, c.deleted, dict(c.fields)) for k, c in self.copies.items()}
        for m in self.outbox:
            key = (m.entity, m.record_id)
            copy = out.setdefault(key, Copy(0, False, {}))
            if m.op == "delete":
                copy.deleted = True
            else:
                copy.fields.update(m.fields)
        return out

    def live(self, entity: str) -> list[str]:
        return sorted(rid for (e, rid), c in self.view().items() if e == entity and not c.deleted)

    def change(self, entity: str, record_id: str, op: str, fields: dict[str, Any]) -> None:
        if op == "upsert":
            for m in self.outbox:
                if not m.sent and m.op == "upsert" and (m.entity, m.record_id) == (entity, record_id):
                    m.fields.update(fields)
                    return
        copy = self.copies.get((entity, record_id))
        self.outbox.append(Pending(self.next_id, entity, record_id, op, copy.version if copy else None, fields))
        self.next_id += 1


class SyncMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.db = db = connect(":memory:")
        migrations.apply(db)
        county = make_unit(db)
        self.staff = make_user(db, "staff", county, name="站员")
        mentor_a = make_user(db, "mentor", county, name="王老师")
        mentor_b = make_user(db, "mentor", county, name="李老师")
        self.mentors = {mentor_a.user_id: mentor_a, mentor_b.user_id: mentor_b}
        school = make_unit(db, "县直学校", "school", county)
        self.mentees = [make_mentee(db, self.staff, school) for _ in range(3)]
        self.pairings = [
            make_pairing(db, self.staff, mentor_a, self.mentees[0]),
            make_pairing(db, self.staff, mentor_a, self.mentees[1]),
            make_pairing(db, self.staff, mentor_b, self.mentees[2]),
        ]
        for pairing in self.pairings:
            make_activity(db, self.staff, pairing)
        self.phones = [Phone(make_device(db, mentor_a, "手机")), Phone(make_device(db, mentor_a, "平板")),
                       Phone(make_device(db, mentor_b, "手机"))]
        self.sent: dict[tuple[str, int], dict[str, Any]] = {}     # (device, mutation_id) -> mutation as sent
        self.answers: dict[tuple[str, int], dict[str, Any]] = {}  # (device, mutation_id) -> first answer
        self.staff_outcomes: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.staff_creates: dict[str, dict[str, Any]] = {}
        for phone in self.phones:
            self.pull_to_head(phone)

    # --- helpers ----------------------------------------------------------------------------

    def server(self, entity: str, record_id: str) -> dict[str, Any] | None:
        return load_rows(self.db, ENTITIES[entity], [record_id]).get(record_id)

    def all_ids(self, entity: str) -> list[str]:
        return [r[0] for r in self.db.execute(f"SELECT id FROM {ENTITIES[entity].table} ORDER BY id").fetchall()]

    def staff_write(self, mutation: dict[str, Any]) -> None:
        (outcome,) = apply_mutations(self.db, self.staff, [mutation])
        event(f"staff {outcome.status}")
        self.staff_outcomes.append((mutation, outcome.answer()))
        if outcome.status == "applied" and outcome.version == 1 and mutation["base_version"] is None:
            self.staff_creates[mutation["record_id"]] = mutation

    def push(self, phone: Phone, count: int, lose_answer: bool) -> None:
        batch = phone.outbox[:count]
        if not batch:
            return
        for m in batch:
            m.sent = True
            wire = m.wire()
            key = (phone.device.device_id, m.mutation_id)
            assert self.sent.setdefault(key, wire) == wire, "a sent mutation changed"
        result = apply_batch(self.db, phone.device, {"mutations": [m.wire() for m in batch]})
        assert [a["mutation_id"] for a in result.results] == [m.mutation_id for m in batch]
        for m, answer in zip(batch, result.results, strict=True):
            key = (phone.device.device_id, m.mutation_id)
            first = self.answers.setdefault(key, answer)
            assert answer == first, "a resent mutation got a different answer"
            event(f"answer {answer['status']}" + (" (resent)" if first is not answer else ""))
        if lose_answer:
            event("answer lost")
            return
        for m, answer in zip(batch, result.results, strict=True):
            phone.outbox.remove(m)
            record_key = (m.entity, m.record_id)
            copy = phone.copies.get(record_key)
            exact = answer["status"] == "applied" and (
                (copy is None and m.base_version is None) or (copy is not None and copy.version == m.base_version))
            if exact and not (copy is None and record_key in phone.dropped):
                # The server now holds exactly our copy plus this change (unless the record
                # already left our scope: an answer must not bring a dropped record back).
                if copy is None:
                    copy = phone.copies[record_key] = Copy(answer["version"], False, {})
                copy.version = answer["version"]
                copy.deleted = copy.deleted or m.op == "delete"
                copy.fields.update(m.fields)

    def pull_page(self, phone: Phone, limit: int) -> bool:
        page = pull_changes(self.db, phone.device, phone.cursor, limit)
        keys = [(e, r) for e, r, *_ in page.changes]
        assert len(keys) == len(set(keys)), "a record twice in one page"
        assert not set(keys) & set(page.drop)
        for entity, record_id, version, deleted, data in page.changes:
            old = phone.copies.get((entity, record_id))
            assert old is None or version >= old.version, "a pull went back to an older version"
            phone.copies[(entity, record_id)] = Copy(version, deleted, json.loads(data))
            phone.dropped.discard((entity, record_id))
        if page.drop:
            event("pull with drops")
        for key in page.drop:
            phone.copies.pop(key, None)
            phone.dropped.add(key)
        phone.cursor = page.cursor
        return page.more

    def pull_to_head(self, phone: Phone, limit: int = 50) -> None:
        while self.pull_page(phone, limit):
            pass

    # --- the phones -------------------------------------------------------------------------

    @rule(p=st.integers(0, 2), i=INDEX, kind=st.sampled_from(["home_visit", "talk", "remote"]), text=TEXTS)
    def phone_creates_activity(self, p: int, i: int, kind: str, text: str) -> None:
        phone = self.phones[p]
        view = phone.view()
        pairings = [rid for rid in phone.live("pairing") if view[("pairing", rid)].fields.get("status") == "active"]
        if pairings:
            phone.change("activity", new_id(), "upsert", {"pairing_id": pairings[i % len(pairings)], "kind": kind,
                                                          "date": "2026-11-20", "record": text})

    @rule(p=st.integers(0, 2), i=INDEX, name=st.sampled_from(["record", "place", "follow_up", "risk_flag"]),
          text=TEXTS)
    def phone_edits_activity(self, p: int, i: int, name: str, text: str) -> None:
        phone = self.phones[p]
        ids = phone.live("activity")
        if ids:
            value: Any = text in ("甲", "丙") if name == "risk_flag" else text
            phone.change("activity", ids[i % len(ids)], "upsert", {name: value})

    @rule(p=st.integers(0, 2), i=INDEX, name=st.sampled_from(["notes", "guardian_contact"]), text=TEXTS)
    def phone_edits_mentee(self, p: int, i: int, name: str, text: str) -> None:
        phone = self.phones[p]
        ids = phone.live("mentee")
        if ids:
            phone.change("mentee", ids[i % len(ids)], "upsert", {name: text})

    @rule(p=st.integers(0, 2), i=INDEX)
    def phone_deletes_activity(self, p: int, i: int) -> None:
        phone = self.phones[p]
        ids = phone.live("activity")
        if ids:
            phone.change("activity", ids[i % len(ids)], "delete", {})

    @rule(p=st.integers(0, 2), i=INDEX, text=TEXTS)
    def phone_creates_screening(self, p: int, i: int, text: str) -> None:
        phone = self.phones[p]
        ids = phone.live("mentee")
        if ids:
            phone.change("screening", new_id(), "upsert", {"mentee_id": ids[i % len(ids)], "date": "2026-11-21",
                                                           "needs": text})

    @rule(p=st.integers(0, 2), count=st.integers(1, 6), lose_answer=st.booleans())
    def phone_pushes(self, p: int, count: int, lose_answer: bool) -> None:
        self.push(self.phones[p], count, lose_answer)

    @rule(p=st.integers(0, 2), limit=st.integers(1, 5))
    def phone_pulls_a_page(self, p: int, limit: int) -> None:
        self.pull_page(self.phones[p], limit)

    # --- the staff writer (online, server-side) ---------------------------------------------

    @rule(i=INDEX, name=st.sampled_from(["record", "place", "follow_up"]), text=TEXTS, staleness=st.integers(0, 2))
    def staff_edits_activity(self, i: int, name: str, text: str, staleness: int) -> None:
        ids = self.all_ids("activity")
        record = self.server("activity", ids[i % len(ids)])
        assert record is not None
        self.staff_write({"entity": "activity", "record_id": record["id"], "op": "upsert",
                          "base_version": max(1, record["version"] - staleness), "fields": {name: text}})

    @rule(i=INDEX, text=TEXTS)
    def staff_edits_mentee(self, i: int, text: str) -> None:
        record = self.server("mentee", self.mentees[i % 3])
        assert record is not None
        self.staff_write({"entity": "mentee", "record_id": record["id"], "op": "upsert",
                          "base_version": record["version"], "fields": {"notes": text}})

    @rule(i=INDEX, decision=st.sampled_from(["approve", "return"]))
    def staff_reviews_activity(self, i: int, decision: str) -> None:
        ids = self.all_ids("activity")
        self.staff_write({"entity": "review", "record_id": new_id(), "op": "upsert", "base_version": None,
                          "fields": {"target_entity": "activity", "target_id": ids[i % len(ids)],
                                     "decision": decision}})

    @rule(i=INDEX)
    def staff_enters_activity(self, i: int) -> None:
        pairing = self.pairings[i % 3]
        self.staff_write({"entity": "activity", "record_id": new_id(), "op": "upsert", "base_version": None,
                          "fields": {"pairing_id": pairing, "kind": "talk", "date": "2026-11-22", "record": "代录"}})

    @rule()
    def staff_reassigns_pairing(self) -> None:
        record = self.server("pairing", self.pairings[1])
        assert record is not None
        other = next(m for m in self.mentors if m != record["mentor_id"])
        self.staff_write({"entity": "pairing", "record_id": record["id"], "op": "upsert",
                          "base_version": record["version"], "fields": {"mentor_id": other}})

    @rule(i=INDEX)
    def staff_closes_or_reopens_pairing(self, i: int) -> None:
        record = self.server("pairing", self.pairings[(0, 2)[i % 2]])
        assert record is not None
        status = "closed" if record["status"] == "active" else "active"
        self.staff_write({"entity": "pairing", "record_id": record["id"], "op": "upsert",
                          "base_version": record["version"], "fields": {"status": status}})

    @rule()
    def everyone_syncs(self) -> None:
        self.sync_everyone_and_check()

    # --- invariants -------------------------------------------------------------------------

    @invariant()
    def every_record_has_exactly_one_feed_row(self) -> None:
        total = sum(self.db.execute(f"SELECT count(*) FROM {e.table}").fetchone()[0] for e in ENTITIES.values())
        feed = self.db.execute("SELECT count(*), count(DISTINCT record_id) FROM sync_feed").fetchone()
        assert feed == (total, total)

    @invariant()
    def every_device_position_is_its_highest_sent_mutation(self) -> None:
        for phone in self.phones:
            sent = [mid for (device, mid) in self.sent if device == phone.device.device_id]
            last = self.db.execute("SELECT last_mutation_id FROM sync_devices WHERE id = ?",
                                   [phone.device.device_id]).fetchone()[0]
            assert last == max(sent, default=0)

    def teardown(self) -> None:
        try:
            self.sync_everyone_and_check()
        finally:
            self.db.close()

    def sync_everyone_and_check(self) -> None:
        for phone in self.phones:
            while phone.outbox:
                self.push(phone, 5, lose_answer=False)
        for phone in self.phones:
            self.pull_to_head(phone, limit=7)
        for phone in self.phones:
            self.check_phone_equals_server(phone)
        self.check_audit_accounts_for_every_mutation()
        self.check_conflicts_hold_the_losing_values()
        self.check_audit_replays_to_the_current_records()

    def scope_of(self, mentor_id: str) -> set[Key]:
        db, out = self.db, set()
        for pid, mentee in db.execute("SELECT id, mentee_id FROM pairings WHERE mentor_id = ? AND status = 'active'"
                                      " AND deleted = 0", [mentor_id]).fetchall():
            out |= {("pairing", pid), ("mentee", mentee)}
            out |= {("activity", r[0]) for r in db.execute("SELECT id FROM activities WHERE pairing_id = ?", [pid])}
            out |= {("screening", r[0]) for r in db.execute("SELECT id FROM screenings WHERE mentee_id = ?",
                                                             [mentee])}
        return out

    def check_phone_equals_server(self, phone: Phone) -> None:
        assert phone.outbox == []
        view = phone.view()
        assert set(view) == self.scope_of(phone.device.user_id)
        for (entity, rid), copy in view.items():
            record = self.server(entity, rid)
            assert record is not None
            assert (copy.version, copy.deleted) == (record["version"], bool(record["deleted"])), (entity, rid)
            assert copy.fields == {name: record[name] for name in ENTITIES[entity].columns}, (entity, rid)

    def check_audit_accounts_for_every_mutation(self) -> None:
        rows = self.db.execute("SELECT device_id, mutation_id, count(*) FROM sync_audit"
                               " WHERE mutation_id IS NOT NULL GROUP BY device_id, mutation_id").fetchall()
        assert {(d, m): n for d, m, n in rows} == {key: 1 for key in self.sent}, "a mutation applied twice or never"

    def check_conflicts_hold_the_losing_values(self) -> None:
        answered = [(key, self.sent[key], a) for key, a in self.answers.items() if a["status"] == "conflict"]
        answered += [((None, None), m, a) for m, a in self.staff_outcomes if a["status"] == "conflict"]
        rows = {r[0]: r for r in self.db.execute(
            "SELECT id, entity, record_id, field, kept_value, other_value, device_id, mutation_id FROM sync_conflicts")}
        expected_ids = set()
        for (device, mid), mutation, answer in answered:
            assert answer["conflicts"], answer
            for c in answer["conflicts"]:
                expected_ids.add(c["conflict_id"])
                _, entity, rid, name, kept, other, row_device, row_mid = rows[c["conflict_id"]]
                assert (entity, rid, name, row_device, row_mid) == (mutation["entity"], mutation["record_id"],
                                                                     c["field"], device, mid)
                assert json.loads(kept) == c["kept"]
                yours = True if name == "_deleted" else mutation["fields"][name]
                assert json.loads(other) == c["yours"] == yours
        assert set(rows) == expected_ids, "a conflict record without a conflict answer"

    def check_audit_replays_to_the_current_records(self) -> None:
        """Every value accepted is in the audit log, and replaying the log gives today's records.

        Each sent field is applied (the audit row holds it), unchanged (the server already held
        it), or a conflict (checked against ``sync_conflicts`` above); none is dropped.
        """
        state: dict[str, dict[str, Any]] = {}
        changed_at: dict[str, dict[str, int]] = {}  # record -> field -> version that last changed it
        changed_by: dict[str, dict[str, str]] = {}  # record -> field -> writer ("*": the creator)
        version_of: dict[str, int] = {}
        entity_of: dict[str, str] = {}
        for device, user, mid, rid, entity, op, status, version, changes_text in self.db.execute(
            "SELECT device_id, user_id, mutation_id, record_id, entity, op, status, version, changes FROM sync_audit"
            " WHERE entity != 'user' ORDER BY id"  # account changes are audited too, but are not records
        ).fetchall():
            changes = json.loads(changes_text) if changes_text else {}
            fields = state.setdefault(rid, {})
            versions = changed_at.setdefault(rid, {})
            writers = changed_by.setdefault(rid, {})
            me = device or user  # a phone, or a person writing from the web

            def by_others_since(name: str, base: int | None, versions: dict[str, int] = versions,
                                writers: dict[str, str] = writers, me: str = me) -> bool:
                """Changed after ``base`` by someone else: the merge rule's condition for a conflict."""
                since = -1 if base is None else base
                return versions.get(name, 1) > since and writers.get(name, writers.get("*")) != me
            sent = self.sent.get((device, mid)) if mid is not None else None
            if sent is not None:
                assert status == self.answers[(device, mid)]["status"]
            if status == "rejected":
                continue
            entity_of[rid] = entity
            applied = {k: v for k, v in changes.items() if k != "conflicts"}
            if op == "create":
                # A create's audit row holds no values: the history starts from what was sent,
                # and every later "before" (or today's record) must agree with it.
                created = sent if sent is not None else self.staff_creates.get(rid)
                fields.update(created["fields"] if created else {})
                version_of[rid] = 1
                writers["*"] = me
                continue
            if sent is not None:
                base = sent["base_version"]
                lost = set(changes.get("conflicts", {}))
                for name, value in (sent["fields"] or {}).items():
                    if name in lost:
                        continue
                    if name in changes:
                        assert changes[name][1] == value, ("accepted value not in the audit log", entity, rid, name)
                    elif name in fields:
                        assert fields[name] == value, ("value dropped silently", entity, rid, name)
                if op == "update":
                    # The value that arrived first is kept; fields the server derives from the
                    # change (a corrected returned activity back to pending) are not merged.
                    for name in (n for n in applied if n in (sent["fields"] or {})):
                        assert not by_others_since(name, base), (
                            "overwrote another writer's change made after the base", entity, rid, name)
                    for name in lost:
                        assert by_others_since(name, base), ("spurious conflict", entity, rid, name)
                if op == "delete" and applied:
                    since = -1 if base is None else base
                    assert not (since < 1 and writers.get("*") != me) and not any(
                        by_others_since(name, base) for name in versions
                    ), ("deleted a record another writer changed after this writer saw it", rid)
            if entity == "activity" and op in ("update", "delete") and applied:
                assert fields.get("review_status") != "approved", ("an approved activity changed", rid)
            for name, (before, after) in applied.items():
                if name in fields:
                    assert fields[name] == before, (entity, rid, name, "audit before != history")
                fields[name] = after
                versions[name] = version
                writers[name] = me
            if applied:
                version_of[rid] = version
        for rid, fields in state.items():
            if rid not in entity_of:
                continue
            record = self.server(entity_of[rid], rid)
            assert record is not None
            for name, value in fields.items():
                current = bool(record["deleted"]) if name == "deleted" else record[name]
                assert current == value, (entity_of[rid], rid, name)


SyncMachine.TestCase.settings = settings(max_examples=30, stateful_step_count=30, deadline=None)
TestSyncStateful = SyncMachine.TestCase


def test_model_phone_folds_unsent_edits_and_keeps_sent_ones(db: sqlite_utils.Database) -> None:
    """The model itself: a sent mutation is frozen, later edits go to a new mutation."""
    county = make_unit(db)
    phone = Phone(make_device(db, make_user(db, "mentor", county)))
    rid = new_id()
    phone.change("activity", rid, "upsert", {"record": "甲"})
    phone.change("activity", rid, "upsert", {"place": "家"})
    assert [(m.mutation_id, m.fields) for m in phone.outbox] == [(1, {"record": "甲", "place": "家"})]
    phone.outbox[0].sent = True
    phone.change("activity", rid, "upsert", {"record": "乙"})
    assert [(m.mutation_id, m.fields) for m in phone.outbox] == [(1, {"record": "甲", "place": "家"}),
                                                                  (2, {"record": "乙"})]
    phone.copies[("activity", rid)] = Copy(3, False, {"record": "服务器", "place": "学校", "kind": "talk"})
    assert phone.view()[("activity", rid)].fields == {"record": "乙", "place": "家", "kind": "talk"}
