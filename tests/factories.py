"""Test data that takes the one write path: every factory applies mutations via ``sync``."""
from __future__ import annotations

from typing import Any

import sqlite_utils

from sync import Actor, apply_mutations, new_id, transaction
from sync.system import SYSTEM
from sync.users import create_user


def mutate(db: sqlite_utils.Database, actor: Actor, entity: str, fields: dict[str, Any],
           record_id: str | None = None, base_version: int | None = None) -> str:
    """Apply one upsert as ``actor`` and fail loudly unless it was applied."""
    rid = record_id or new_id()
    (outcome,) = apply_mutations(db, actor, [
        {"entity": entity, "record_id": rid, "op": "upsert", "base_version": base_version, "fields": fields}
    ])
    assert outcome.status == "applied", outcome.answer()
    return rid


def make_unit(db: sqlite_utils.Database, name: str = "如东县", kind: str = "county", parent_id: str | None = None) -> str:
    return mutate(db, SYSTEM, "unit", {"name": name, "kind": kind, "parent_id": parent_id})


def make_user(db: sqlite_utils.Database, role: str, unit_id: str, login: str | None = None, name: str = "测试") -> Actor:
    with transaction(db):
        uid = create_user(db, login=login or f"{role}-{new_id()[-8:]}", name=name, role=role, unit_id=unit_id)
    return Actor(uid, role, unit_id, None, name)


def make_device(db: sqlite_utils.Database, actor: Actor, name: str = "手机") -> Actor:
    device_id = new_id()
    with transaction(db):
        db.execute(
            "INSERT INTO sync_devices (id, user_id, name, created_at) VALUES (?, ?, ?, '2026-11-01T00:00:00Z')",
            [device_id, actor.user_id, name],
        )
    return Actor(actor.user_id, actor.role, actor.unit_id, device_id, actor.name)


def make_mentee(db: sqlite_utils.Database, staff: Actor, unit_id: str, **overrides: Any) -> str:
    fields = {"unit_id": unit_id, "code": f"M-{new_id()[-6:]}", "name": "小明", "categories": ["psych"]}
    return mutate(db, staff, "mentee", {**fields, **overrides})


def make_pairing(db: sqlite_utils.Database, staff: Actor, mentor: Actor, mentee_id: str, **overrides: Any) -> str:
    fields = {"mentor_id": mentor.user_id, "mentee_id": mentee_id, "start_date": "2026-09-01", "approach": "fuxin"}
    return mutate(db, staff, "pairing", {**fields, **overrides})


def make_activity(db: sqlite_utils.Database, actor: Actor, pairing_id: str, **overrides: Any) -> str:
    fields = {"pairing_id": pairing_id, "kind": "home_visit", "date": "2026-11-20", "record": "家访记录"}
    return mutate(db, actor, "activity", {**fields, **overrides})


def upsert(entity: str, record_id: str, fields: dict[str, Any], mutation_id: int,
           base_version: int | None = None) -> dict[str, Any]:
    """A wire-format upsert mutation, as a phone would send it."""
    return {"mutation_id": mutation_id, "entity": entity, "record_id": record_id, "op": "upsert",
            "base_version": base_version, "fields": fields}
