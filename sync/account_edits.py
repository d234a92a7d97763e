"""An account form's post against what the form showed: accounts carry no version, so a field
someone else changed meanwhile is found by comparing with the form (``edited_fields``,
``refuse_edited_meanwhile``), and a new-account form posted again with the account's create
(``not_as_created``)."""
from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from .errors import NotAllowed
from .labels import MENTOR_KINDS, ROLE_LABELS

# How a refusal names a field (the password is never shown on a form, so never compared).
LABELS = {"login": "用户名", "name": "姓名", "role": "角色", "unit_id": "所属单位", "phone": "手机号",
          "about": "身份/简介", "mentor_kind": "志愿者类别", "smartphone": "使用智能手机", "active": "账号启用"}


class EditedMeanwhile(NotAllowed):
    """Someone else changed a field this person changed too, after their form showed it."""

    def __init__(self, reason: str, fields: tuple[str, ...]) -> None:
        super().__init__(reason)
        self.fields = fields


def not_as_created(db: sqlite_utils.Database, user_id: str, fields: dict[str, Any]) -> list[str]:
    """The names of ``fields`` (a new-account form posted again, ``made_already``) whose values are
    not those the account was created with: answered "已建立", that post's changes would be dropped
    in silence. Compared with its create (the audit row), not the account as it is now: a change
    made since on its page is not this form's. The password is never kept there, so never compared."""
    found = db.execute("SELECT changes FROM sync_audit WHERE entity = 'user' AND record_id = ? AND op = 'create'"
                       " ORDER BY id LIMIT 1", [user_id]).fetchone()
    created = {k: after for k, (_before, after) in json.loads(found[0] or "{}").items()} if found else {}
    return [k for k, v in fields.items() if k in LABELS and not same_on_form(v, created.get(k))]


def edited_fields(fields: dict[str, Any], shown: dict[str, Any]) -> dict[str, Any]:
    """The ``fields`` whose value differs from what the form ``shown`` (all of those it did not show)."""
    return {k: v for k, v in fields.items() if k not in shown or not same_on_form(shown[k], v)}


def same_on_form(a: Any, b: Any) -> bool:
    # A form cannot tell an empty text box from NULL.
    return (None if a == "" else a) == (None if b == "" else b)


def refuse_edited_meanwhile(db: sqlite_utils.Database, current: dict[str, Any], fields: dict[str, Any],
                             shown: dict[str, Any]) -> None:
    clashes = tuple(k for k, v in fields.items() if k in shown
                    and not same_on_form(shown[k], current.get(k)) and not same_on_form(current.get(k), v))
    if not clashes:
        return
    said = "，".join(f"“{LABELS.get(k, k)}”已被别人改过（现在是 {_spoken(db, k, current.get(k))}）" for k in clashes)
    raise EditedMeanwhile(f"{said}，请看过现在的内容再改。", clashes)


def _spoken(db: sqlite_utils.Database, name: str, value: Any) -> str:
    """A stored value as the person would read it on the form."""
    if value is None or value == "":
        return "空"
    if isinstance(value, bool):
        return "是" if value else "否"
    if name == "role":
        return ROLE_LABELS.get(value, str(value))
    if name == "mentor_kind":
        return MENTOR_KINDS.get(value, str(value))
    if name == "unit_id":
        unit = db.execute("SELECT name FROM units WHERE id = ?", [value]).fetchone()
        return str(unit[0]) if unit else str(value)
    return str(value)
