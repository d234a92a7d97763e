"""Per-entity rules of the write path: server-set fields, references, scope effects.

``derive`` fills the fields only the server sets (the unit a pairing belongs to, the
author of an activity …) and checks that every reference points at a live record the
writer may see. ``scope_effects`` notices when a change moves records into or out of a
mentor's or a unit's view, so pulls can send the history or a ``drop``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .db import select_in
from .entities import ENTITIES

if TYPE_CHECKING:
    from .apply import _Writer


class Refusal(Exception):
    """A mutation is rejected; ``reason`` tells the person what to do."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


IMMUTABLE = {
    "activity": ("pairing_id",),
    "pairing": ("mentee_id",),
    "screening": ("mentee_id",),
    "referral": ("mentee_id",),
    "review": ("target_entity", "target_id", "decision", "comment"),
}


def immutable_after_create(entity_name: str) -> tuple[str, ...]:
    return IMMUTABLE.get(entity_name, ())


def _live(w: _Writer, entity_name: str, record_id: Any, label: str) -> dict[str, Any]:
    row = w.get(entity_name, record_id) if isinstance(record_id, str) else None
    if row is None or row["deleted"]:
        raise Refusal(f"找不到{label}（{record_id}），可能已被删除或尚未同步。")
    return row


def _unit_in_scope(w: _Writer, unit_id: Any, label: str) -> None:
    unit = _live(w, "unit", unit_id, label)
    if not w.scope.allows_unit(unit["id"]):
        raise Refusal(f"{label}不在你的管理范围内。")


def derive(w: _Writer, entity_name: str, before: dict[str, Any] | None, record: dict[str, Any]) -> None:
    """Fill server-set fields of ``record`` and check its references; raise ``Refusal``."""
    role, me = w.actor.role, w.actor.user_id
    if entity_name == "unit":
        if record.get("parent_id") is not None:
            if record["parent_id"] == record["id"]:
                raise Refusal("单位不能以自己为上级。")
            _live(w, "unit", record["parent_id"], "上级单位")
    elif entity_name == "mentee":
        if before is None or record["unit_id"] != before["unit_id"]:
            _unit_in_scope(w, record["unit_id"], "所属学校/辅导站")
    elif entity_name == "pairing":
        mentee = _live(w, "mentee", record["mentee_id"], "帮扶对象")
        record["unit_id"] = mentee["unit_id"]
        if before is None or record["mentor_id"] != before["mentor_id"]:
            mentor = w.get_user(record["mentor_id"])
            if mentor is None or mentor["role"] != "mentor" or not mentor["active"]:
                raise Refusal("结对的志愿者必须是在册的五老志愿者账号。")
            if role != "admin" and not w.scope.allows_unit(mentor["unit_id"]):
                raise Refusal("这位志愿者不在你的管理范围内。")
        if before is None:
            record["review_status"] = "pending"
    elif entity_name == "activity":
        pairing = _live(w, "pairing", record["pairing_id"], "结对")
        if before is None and pairing["status"] != "active":
            raise Refusal("这个结对已结束，不能再新增帮扶活动。")
        record["mentee_id"] = pairing["mentee_id"]
        record["unit_id"] = pairing["unit_id"]
        if before is None:
            record["review_status"] = "pending"
            if role == "mentor":
                record["author_id"], record["entered_by"] = me, None
            else:  # 代录: entered by staff on behalf of the pairing's mentor
                record["author_id"], record["entered_by"] = pairing["mentor_id"], me
    elif entity_name == "screening":
        mentee = _live(w, "mentee", record["mentee_id"], "帮扶对象")
        record["unit_id"] = mentee["unit_id"]
        if before is None:
            record["author_id"] = me
    elif entity_name == "referral":
        mentee = _live(w, "mentee", record["mentee_id"], "帮扶对象")
        record["unit_id"] = mentee["unit_id"]
        if before is None:
            record["author_id"] = me
        _check_referral(record)
    elif entity_name in ("event", "enrolment", "stats_return"):
        if before is None or record["unit_id"] != before["unit_id"]:
            _unit_in_scope(w, record["unit_id"], "单位")
        if entity_name == "stats_return" and record["period_from"] > record["period_to"]:
            raise Refusal("统计表的起始日期不能晚于截止日期。")
    elif entity_name == "review":
        _derive_review(w, record)


def _check_referral(record: dict[str, Any]) -> None:
    """A referral's status follows its dates: received needs the day it was received, concluded the
    day it ended, and the dates run in order (referred ≤ received ≤ concluded)."""
    status = record["status"]
    if status == "received" and record.get("received_on") is None:
        raise Refusal("状态为“已接收”时请填写接收日期。")
    if status == "concluded" and record.get("concluded_on") is None:
        raise Refusal("状态为“已结束”时请填写结束日期。")
    dates = [(label, record.get(name)) for name, label in (
        ("referred_on", "转介日期"), ("received_on", "接收日期"), ("concluded_on", "结束日期"))]
    present = [(label, day) for label, day in dates if day is not None]
    for (first, a), (second, b) in zip(present, present[1:], strict=False):
        if a > b:
            raise Refusal(f"{second}（{b}）不能早于{first}（{a}）。")


def _derive_review(w: _Writer, record: dict[str, Any]) -> None:
    target_name = record["target_entity"]
    target_entity = ENTITIES[target_name]
    target = _live(w, target_name, record["target_id"], f"要审核的{target_entity.label}")
    from .records import keys_of

    if not w.scope.allows(keys_of(target_name, target)):
        raise Refusal(f"要审核的{target_entity.label}不在你的管理范围内。")
    record["unit_id"] = target.get("unit_id")
    record["reviewer_id"] = w.actor.user_id
    approved = record["decision"] == "approve"
    if target_name == "stats_return":
        w.change(target_name, target["id"], {"status": "approved" if approved else "returned"})
    else:
        values: dict[str, Any] = {"review_status": "approved" if approved else "returned"}
        if target_name == "activity":
            values["review_comment"] = record.get("comment")
        w.change(target_name, target["id"], values)


def scope_effects(w: _Writer, entity_name: str, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    """Record grants and revocations caused by a pairing or mentee change."""
    if entity_name == "pairing":
        def holder(row: dict[str, Any] | None) -> str | None:
            if row is None or row["deleted"] or row["status"] != "active":
                return None
            return str(row["mentor_id"])

        old, new = holder(before), holder(after)
        if old == new:
            return
        if old is not None:
            w.revokes.append((old, None, after["mentee_id"], after["id"]))
        if new is not None:
            w.grants.append((after["mentee_id"], after["id"]))
    elif entity_name == "mentee" and before is not None and before["unit_id"] != after["unit_id"]:
        w.revokes.append((None, before["unit_id"], after["id"], None))
        _cascade_unit(w, after["id"], after["unit_id"])


def _cascade_unit(w: _Writer, mentee_id: str, unit_id: str) -> None:
    """A mentee moved school: their pairings, activities, screenings, referrals and the reviews of
    those records move with them, so the new school's staff see the whole archive."""
    moved: list[str] = []
    for entity_name in ("pairing", "activity", "screening", "referral"):
        table = ENTITIES[entity_name].table
        ids = [r[0] for r in w.db.execute(f"SELECT id FROM {table} WHERE mentee_id = ?", [mentee_id]).fetchall()]
        # Records written earlier in the same batch are not in the table yet.
        ids += [rid for rid, rec in w.dirty[entity_name].items() if rec.get("mentee_id") == mentee_id]
        for record_id in dict.fromkeys(ids):
            w.change(entity_name, record_id, {"unit_id": unit_id})
            moved.append(record_id)
    targets = set(moved)
    reviews = [r[0] for r in select_in(w.db, "SELECT id FROM reviews WHERE target_id {in}", moved)[1]]
    reviews += [rid for rid, rec in w.dirty["review"].items() if rec.get("target_id") in targets]
    for review_id in dict.fromkeys(reviews):
        w.change("review", review_id, {"unit_id": unit_id})
