"""The refusal every write rule raises, and the checks they share: a reference names a live record the
writer may see, and records are judged as this batch holds them."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..labels import this
from ..records import keys_of

if TYPE_CHECKING:
    from ..apply import _Writer


class Refusal(Exception):
    """A mutation is rejected; ``reason`` tells the person what to do. ``field`` names the one field
    the refusal is about, when it is about one, so that a web form marks that field (its words need
    not quote the field's label: "日期写的是以后的日子"); it stays off the wire (``Outcome.answer``)."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


IMMUTABLE = {
    "activity": ("pairing_id",),
    "pairing": ("mentee_id",),
    "screening": ("mentee_id",),
    "referral": ("mentee_id",),
    "peer_helper": ("unit_id",),  # a class belongs to its school: one typed under another is deleted and typed again
    "donation": ("mentee_id",),
    "review": ("target_entity", "target_id", "decision", "comment", "target_version"),
}


def immutable_after_create(entity_name: str) -> tuple[str, ...]:
    return IMMUTABLE.get(entity_name, ())


def not_found(what: str, *, hint: str = "") -> str:
    """The one sentence for "no such record" and "not yours": a rejection must not tell a caller
    whether a record outside their scope exists (issue 8, item 6), nor repeat the id it sent, which
    names nothing a person can act on."""
    # No 它 (it): the sentence is said of a volunteer or a 转交人 too.
    return f"找不到{what}：可能不存在、已被删除、尚未同步，或不在您的管理范围内{hint}。"


def person_not_found(w: _Writer, label: str) -> str:
    """``not_found`` of a person a record names (a pairing's volunteer, who handed a donation over),
    with the web form's hint for staff, as ``live`` says it of a record."""
    return not_found(this(label), hint=_refresh_hint(w))


def _refresh_hint(w: _Writer) -> str:
    """What staff on a web form can do about a choice not found; a phone has nothing to refresh."""
    return "" if w.actor.role == "mentor" else "；请刷新页面后重新选择"


# An upsert of a record the writer cannot find names the one mistake a phone can fix itself.
NEW_RECORD_HINT = "；新建记录时 base_version 应为 null"


def refuse_if(reason: str | None, field: str | None = None) -> None:
    if reason is not None:
        raise Refusal(reason, field)




def gone(w: _Writer, entity_name: str, row: dict[str, Any], label: str) -> str:
    """A referenced record the writer may see but that was deleted (while the form stood open, or
    on a phone offline), named as the writer knows it and with what to do: its id tells no one which
    child it was."""
    if entity_name == "mentee":
        return (f"帮扶对象 {row['code']} 的档案已被删除，不能再为其登记。如果选错了孩子，请重新选择；"
                "删除不能撤销：如果档案是误删的，请辅导站为孩子重新建档后再登记。")
    if entity_name == "pairing":
        child = w.get("mentee", row["mentee_id"])
        code = f"（帮扶对象 {child['code']}）" if child else ""
        return f"这个结对{code}已被删除，不能再记录。请在孩子的档案里选择现在的结对。"
    if entity_name == "unit":
        return f"{label}“{row['name']}”已被删除，请选择别的单位。"
    return f"{label}已被删除，请重新选择。"




def live(w: _Writer, entity_name: str, record_id: Any, label: str, field: str | None = None) -> dict[str, Any]:
    """The referenced record (by the writer's ``field``), if it exists, is not deleted and the writer
    may see it. One deleted that the writer may see is named (``gone``); one missing or not the
    writer's gets the one sentence that tells the two apart for no one, without the id the writer sent."""
    row = w.get(entity_name, record_id) if isinstance(record_id, str) else None
    if row is not None:
        visible = (w.scope.allows_unit(row["id"]) if entity_name == "unit"
                   else w.scope.allows(keys_of(entity_name, row)))
        if visible and not row["deleted"]:
            return row
        if visible:
            raise Refusal(gone(w, entity_name, row, label), field)
    raise Refusal(not_found(label, hint=_refresh_hint(w)), field)




def found(w: _Writer, entity_name: str, keep: Callable[[dict[str, Any]], bool], sql: str, params: list[Any],
           *, at_most: int | None = None) -> list[dict[str, Any]]:
    """Records of ``entity_name`` as they stand with this batch's own changes: those of the batch
    that ``keep`` takes, and those ``sql`` (an indexed probe selecting ``id`` first) finds stored,
    less the ones the batch changed (judged as they are now, not as stored). ``at_most``: only that
    many are wanted; the probe reads as many rows as the batch changed, and that many more."""
    changed = w.dirty[entity_name]
    if at_most is not None:
        sql, params = f"{sql} LIMIT ?", [*params, len(changed) + at_most]
    return [r for r in changed.values() if keep(r)] + [r for r in w.db.query(sql, params) if r["id"] not in changed]
