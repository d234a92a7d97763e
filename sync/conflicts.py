"""Conflict records: listing them for staff and resolving them through the write path.

A conflict holds the value that lost (arrived second). Resolving it keeps the server's
value, applies the other one, or applies a combined value the staff member wrote from
both — the last two as a fresh mutation by the resolving staff member, so the resolution
is versioned, audited and reaches every phone like any edit. Nothing is discarded: the
conflict row keeps both values after it is closed, and the audit keeps every step.
"""
from __future__ import annotations

import functools
import json
from typing import Any

import sqlite_utils

from .answers import Outcome
from .apply import apply_mutations
from .db import all_or_nothing, placeholders, select_in
from .entities import ENTITIES
from .errors import NotAllowed
from .mutations import delete, upsert
from .rules import RECTIFICATION
from .scope import Actor, Keys, Scope, load_scope
from .timeutil import utc_now

CHOICES = ("kept", "other", "combined")
DECIDERS = ("staff", "admin")
# SQL on sync_conflicts ``c``: the conflicts someone is still to decide leave out those about a
# deleted child's records, whose file is read-only, and about the visits of a deleted pairing, deleted
# with it (the write path takes neither value into either); they stay in the archive. The child's
# own delete-or-keep conflict stays: it is the way back.
OF_LIVE_CHILD = ("((c.entity = 'mentee' AND c.field = '_deleted'"
                 " OR NOT EXISTS (SELECT 1 FROM mentees m WHERE m.id = c.mentee_id AND m.deleted = 1))"
                 " AND NOT (c.entity = 'activity' AND EXISTS (SELECT 1 FROM activities a JOIN pairings p"
                 " ON p.id = a.pairing_id WHERE a.id = c.record_id AND p.deleted = 1)))")


def about_own_inspection(scope: Scope, row: dict[str, Any], inspecting_unit: str | None) -> bool:
    """A conflict on an inspection that is not ``scope``'s actor's to see on the conflict pages or
    decide: nobody decides about what checks them (issue 8, item 8). The unit that made the
    inspection (``inspecting_unit``, kept on the record) or a level above it decides; the inspected
    unit's staff decide only a clash in their own rectification report, the fields they write;
    a level in between (a town under the county's inspection) decides nothing. Unknown
    inspecting unit: only the admin, whose scope is everything."""
    if row["entity"] != "inspection":
        return False
    actor = scope.actor
    if actor.role == "staff" and row["unit_id"] == actor.unit_id and row["field"] in RECTIFICATION:
        return False
    return not scope.allows_unit(inspecting_unit)


def inspecting_units(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> dict[str, str | None]:
    """The inspecting unit of each inspection the conflicts ``rows`` are about, by record id: one
    read, whatever the number of conflicts. The unit stored on the inspection, not its author's
    unit today: the right to decide stays with the unit that inspected when the author moves."""
    ids = sorted({r["record_id"] for r in rows if r["entity"] == "inspection"})
    _, found = select_in(db, "SELECT id, inspecting_unit_id FROM inspections WHERE id {in}", ids)
    return {record_id: unit_id for record_id, unit_id in found}


@functools.cache  # the entity tables are fixed: worked out once a role
def not_written_by(role: str) -> tuple[str, ...]:
    """The entities a role that decides conflicts (staff, admin) writes nothing of (the admin: a
    child's file and her 摸排): a conflict on one is not theirs to see on the conflict pages or decide,
    since taking a value writes it. The county reviewer decides none and reads them all (archives)."""
    if role not in DECIDERS:
        return ()
    return tuple(name for name, e in ENTITIES.items()
                 if role not in e.creators and role not in e.deleters and not e.writable.get(role))


def theirs_to_decide(db: sqlite_utils.Database, scope: Scope, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` (conflicts already in ``scope``) without those ``about_own_inspection`` or
    ``not_written_by`` leaves out."""
    unwritten = not_written_by(scope.actor.role)
    rows = [r for r in rows if r["entity"] not in unwritten]
    inspectors = inspecting_units(db, rows)
    return [r for r in rows if not about_own_inspection(scope, r, inspectors.get(r["record_id"]))]


def list_conflicts(db: sqlite_utils.Database, scope: Scope, *, status: str = "open") -> list[dict[str, Any]]:
    """Conflicts in ``scope`` with the given status, oldest first, values decoded."""
    if scope.is_mentor:
        raise NotAllowed("冲突记录由辅导站处理。")
    sql = f"SELECT c.* FROM sync_conflicts c WHERE c.status = ? AND {OF_LIVE_CHILD}"
    params: list[Any] = [status]
    if scope.unit_ids is not None:
        units = sorted(scope.unit_ids)
        sql += f" AND c.unit_id IN ({placeholders(units)})"
        params += units
    cursor = db.execute(sql + " ORDER BY c.created_at, c.id", params)
    names = [d[0] for d in cursor.description]
    rows = theirs_to_decide(db, scope, [dict(zip(names, values, strict=True)) for values in cursor.fetchall()])
    for row in rows:
        row["kept_value"] = json.loads(row["kept_value"]) if row["kept_value"] is not None else None
        row["other_value"] = json.loads(row["other_value"]) if row["other_value"] is not None else None
    return rows


def resolve_conflict(db: sqlite_utils.Database, actor: Actor, conflict_id: str, choice: str, *,
                     value: Any = None, seen_version: int | None = None) -> Outcome | None:
    """Close a conflict, keeping the server's value (``kept``), applying the other (``other``) or
    applying ``value``, written by the staff member from both (``combined``).

    ``seen_version`` is the record version the person saw beside the two values: if the record
    changed since (say, the phone sent newer words), writing over it is refused, so that newer
    change is not silently undone; the person looks again and decides.

    Returns the outcome of the applying mutation (None for ``kept``). Raises
    ``NotAllowed`` with a reason when the actor may not resolve it, it is not open, or the
    mutation is rejected (nothing changes then, and the conflict stays open).
    """
    if choice not in CHOICES:
        raise NotAllowed(f"处理方式应为 {' 或 '.join(CHOICES)}。")
    if actor.role not in DECIDERS:
        raise NotAllowed("只有辅导站工作人员可以处理冲突。")
    with all_or_nothing(db):
        cursor = db.execute("SELECT * FROM sync_conflicts WHERE id = ?", [conflict_id])
        values = cursor.fetchone()
        row = None if values is None else dict(zip([d[0] for d in cursor.description], values, strict=True))
        scope = load_scope(db, actor)
        # One answer for "no such conflict", "outside your units" and "not yours to decide".
        if row is None or not scope.allows(Keys(row["unit_id"], row["mentee_id"])) \
                or not theirs_to_decide(db, scope, [row]):
            raise NotAllowed("找不到这条冲突记录，或它不在您的管理范围内。")
        if row["status"] != "open":
            raise NotAllowed("这条冲突已经处理过了。")
        outcome = None
        if choice == "combined" and row["field"] == "_deleted":
            raise NotAllowed("删除与修改的冲突只能二选一：保留记录，或删除它。")
        if choice != "kept":
            wanted = json.loads(row["other_value"]) if choice == "other" else value
            outcome = _apply(db, actor, row, wanted, seen_version)
            if outcome.status not in ("applied", "merged"):
                what = "另一方的内容" if choice == "other" else "合并后的内容"
                raise NotAllowed(f"没能采用{what}：{outcome.reason}")
        db.execute(
            "UPDATE sync_conflicts SET status = 'resolved', resolved_by = ?, resolved_at = ?, resolution = ?"
            " WHERE id = ?",
            [actor.user_id, utc_now(), choice, conflict_id],
        )
        return outcome


def _apply(db: sqlite_utils.Database, actor: Actor, row: dict[str, Any], value: Any,
           seen_version: int | None) -> Outcome:
    """Write ``value`` into the conflicted field (or delete, for a delete conflict) as ``actor``."""
    table = ENTITIES[row["entity"]].table
    version = db.execute(f"SELECT version FROM {table} WHERE id = ?", [row["record_id"]]).fetchone()[0]
    if seen_version is not None and seen_version != version:
        raise NotAllowed("这条记录在您打开这页之后又被改过，上面已换成现在的内容；请再看一下，然后重新选择。")
    if row["field"] == "_deleted":
        mutation = delete(row["entity"], row["record_id"], base_version=version)
    else:
        mutation = upsert(row["entity"], {row["field"]: value}, row["record_id"], base_version=version)
    (outcome,) = apply_mutations(db, actor, [mutation])
    return outcome
