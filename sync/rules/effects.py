"""Scope effects of a write: grants, revocations and records moved along when a change moves a record
into or out of a mentor's or a unit's view."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..entities import ENTITIES
from ..records import keys_of

if TYPE_CHECKING:
    from ..apply import _Writer


def scope_effects(w: _Writer, entity_name: str, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    """Record grants and revocations caused by a pairing or mentee change, or by any record moving unit."""
    if entity_name == "pairing":
        def holder(row: dict[str, Any] | None) -> str | None:
            if row is None or row["deleted"] or row["status"] != "active":
                return None
            return str(row["mentor_id"])

        old, new = holder(before), holder(after)
        if old == new:
            return
        if old is not None:
            w.revokes.append((old, None, after["mentee_id"], after["id"], None))
        if new is not None:
            w.grants.append((after["mentee_id"], after["id"]))
    elif entity_name == "mentee" and before is not None and before["unit_id"] != after["unit_id"]:
        w.revokes.append((None, before["unit_id"], after["id"], None, None))
        _cascade_unit(w, after["id"], after["unit_id"])
    elif entity_name == "unit" and before is not None and before["parent_id"] != after["parent_id"]:
        w.resets.append("单位调整：" + str(after.get("name") or after["id"]))  # a subtree changed towns
    if before is not None and "unit_id" in after and before.get("unit_id") != after["unit_id"]:
        # The conflicts parked on a record are scoped by its unit: they move with it.
        w.moved.append((after["id"], after["unit_id"]))
        # A child's records leave the old unit's devices through the child's row above; a unit's own
        # record (an event, an inspection …) is named by its number. One created earlier in this
        # batch has none yet, and no device ever held it at the old unit.
        if keys_of(entity_name, after).mentee_id is None and before.get("num") is not None:
            w.revokes.append((None, before["unit_id"], None, None, before["num"]))
        if entity_name == "stats_return":
            _cascade_reviews(w, after["id"], after["unit_id"])


def _cascade_reviews(w: _Writer, target_id: str, unit_id: str) -> None:
    """A statistics return moved to another unit takes its reviews along, as a child's file does
    (``_cascade_unit``): the old unit keeps no verdict on a return that is no longer its own."""
    ids = [r[0] for r in w.db.execute("SELECT id FROM reviews WHERE target_id = ?", [target_id]).fetchall()]
    ids += [rid for rid, rec in w.dirty["review"].items() if rec.get("target_id") == target_id]
    for record_id in dict.fromkeys(ids):
        w.change("review", record_id, {"unit_id": unit_id})


# Activities carry no index by mentee (sync migration m017): they are reached through the
# child's pairings, whose mentee never changes (IMMUTABLE) and is the activity's.
_OF_MENTEE = {"activity": "SELECT id FROM activities WHERE pairing_id IN (SELECT id FROM pairings WHERE mentee_id = ?)"}


def _cascade_unit(w: _Writer, mentee_id: str, unit_id: str) -> None:
    """A mentee moved school: their pairings, activities, screenings, referrals, donations and the
    reviews of those records move with them, so the new school's staff see the whole archive."""
    for entity_name in ("pairing", "activity", "screening", "referral", "donation", "review"):
        table = ENTITIES[entity_name].table
        sql = _OF_MENTEE.get(entity_name, f"SELECT id FROM {table} WHERE mentee_id = ?")
        ids = [r[0] for r in w.db.execute(sql, [mentee_id]).fetchall()]
        # Records written earlier in the same batch are not in the table yet.
        ids += [rid for rid, rec in w.dirty[entity_name].items() if rec.get("mentee_id") == mentee_id]
        for record_id in dict.fromkeys(ids):
            w.change(entity_name, record_id, {"unit_id": unit_id})
