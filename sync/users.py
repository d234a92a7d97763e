"""User accounts: created, changed and deactivated through one audited path.

Accounts are not synced records (a phone never pulls them), but every change to one is
written to ``sync_audit`` (entity ``user``) in the caller's transaction, like any mutation:
who changed which account, when, field by field. The password hash is the server's
business; the audit notes that it changed, never its value.

``save_user`` is that path. What an account may hold is ``account_values.py``, who may change which
``account_rights.py``, an edit form's post against what it showed ``account_edits.py``; stopping an
account, and the volunteer's pairings with it, is ``stopping.py``.
"""
from __future__ import annotations

from typing import Any

import sqlite_utils

from .account_edits import edited_fields, refuse_edited_meanwhile
from .account_rights import check_change
from .account_values import fold_login
from .audit import append_audit
from .errors import NotAllowed
from .ids import new_id
from .phones import phone_form
from .records import reset_scope
from .scope import Actor
from .timeutil import utc_now

EDITABLE = ("login", "name", "role", "unit_id", "phone", "about", "mentor_kind", "smartphone", "active",
            "password_hash", "must_change_password")
# A volunteer's phone enrols with a 登记码 and unlocks with a PIN; there is no web sign-in to hold a password for.
NO_VOLUNTEER_PASSWORD = ("五老志愿者的账号不设密码：手机用辅导站给的登记码登记，用 PIN 码解锁；"
                         "忘记 PIN 码请辅导站给一个恢复码。这次什么都没有改。")


def create_user(
    db: sqlite_utils.Database, *, login: str, name: str, role: str, unit_id: str,
    password_hash: str | None = None, phone: str | None = None, user_id: str | None = None,
    about: str | None = None, smartphone: bool = True, actor: Actor | None = None,
    must_change_password: bool | None = None, mentor_kind: str | None = None,
) -> str:
    """Create an account and return its id (``actor`` defaults to the system).

    A password given here was chosen by someone else, so the account must change it at its first
    web sign-in, unless ``must_change_password=False`` says otherwise (the demo county's printed logins).
    """
    from .system import SYSTEM

    fields: dict[str, Any] = {
        "login": login, "name": name, "role": role, "unit_id": unit_id, "password_hash": password_hash,
        "phone": phone, "about": about, "smartphone": smartphone,
    }
    if mentor_kind is not None:
        fields["mentor_kind"] = mentor_kind
    if must_change_password is not None:
        fields["must_change_password"] = must_change_password
    return save_user(db, actor or SYSTEM, fields, user_id=user_id, create=True)


def made_already(db: sqlite_utils.Database, actor: Actor, user_id: str) -> bool:
    """Whether the id a new-account form carries names an account ``actor`` made already: the same
    form posted again (a double click, the back button, a second tab), answered as the first post
    was. ``NotAllowed`` when someone else made it: their form never meant that account."""
    if get_user(db, user_id=user_id) is None:
        return False
    if db.execute("SELECT 1 FROM sync_audit WHERE entity = 'user' AND record_id = ? AND op = 'create'"
                  " AND user_id = ?", [user_id, actor.user_id]).fetchone() is None:
        raise NotAllowed("这张表单已经用过了，什么都没有改动。请刷新页面后重新填写。")
    return True



def save_user(db: sqlite_utils.Database, actor: Actor, fields: dict[str, Any], *, user_id: str | None = None,
              create: bool = False, shown: dict[str, Any] | None = None) -> str:
    """Create (``create=True``) or change an account as ``actor``; ``NotAllowed`` says what is wrong.

    ``shown`` is what the edit form showed: then only the fields the person changed from it are
    written, and ``EditedMeanwhile`` refuses the whole save when one of them was also changed by
    someone else since (the record engine's rule, sync/merge.py, for a table without versions).
    A field missing from ``shown`` counts as changed by the person, unchecked.
    """
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise NotAllowed(f"账号没有这些字段：{'、'.join(sorted(unknown))}。")
    if isinstance(fields.get("login"), str):
        fields = {**fields, "login": fold_login(fields["login"])}
    if isinstance(fields.get("phone"), str):
        fields = {**fields, "phone": phone_form(fields["phone"])}
    current = None if create else get_user(db, user_id=user_id)
    if not create and current is None:
        raise NotAllowed("找不到这个账号，或它不在您的管理范围内。")
    if current is not None and shown is not None:
        fields = edited_fields(fields, shown)
        refuse_edited_meanwhile(db, current, fields, shown)
    merged = {**(current or {"active": True, "smartphone": True}), **fields}
    given_password = bool(fields.get("password_hash"))
    if current is not None and current["role"] != "mentor" and merged["role"] == "mentor":
        # A volunteer never signs in on the web (phones enrol with a code): a password kept from the
        # old role would be one more way into minors' records that nobody uses or remembers.
        fields = {**fields, "password_hash": None, "must_change_password": False}
        merged.update(password_hash=None, must_change_password=False)
    check_change(db, actor, current, merged, fields)
    if merged["role"] == "mentor" and given_password:
        # Refused, not dropped: whoever set it (the CLI, an import, a script) would hand the volunteer a
        # password that opens nothing, and a web sign-in for a volunteer is one more way into minors'
        # records. Refused, the caller hears why and nothing is half-written.
        raise NotAllowed(NO_VOLUNTEER_PASSWORD)
    if "password_hash" in fields and "must_change_password" not in fields:
        # A password someone else set (an admin, the CLI) was read off a screen or printed: its
        # owner must replace it at the next sign-in. One the owner chose is theirs to keep.
        own = current is not None and current["id"] == actor.user_id
        fields = {**fields, "must_change_password": bool(fields["password_hash"]) and not own}
        merged["must_change_password"] = fields["must_change_password"]
    if create:
        uid = user_id or new_id()
        db.execute(
            "INSERT INTO users (id, login, name, role, unit_id, phone, password_hash, active, created_at, about,"
            " smartphone, must_change_password, mentor_kind) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)",
            [uid, merged["login"], merged["name"], merged["role"], merged["unit_id"], merged.get("phone"),
             merged.get("password_hash"), utc_now(), merged.get("about"), int(bool(merged.get("smartphone", True))),
             int(bool(merged.get("must_change_password"))), merged.get("mentor_kind")],
        )
        changes = {k: [None, "***" if k == "password_hash" else v] for k, v in fields.items() if v is not None}
        append_audit(db, actor, "user", uid, "create", changes)
        return uid
    assert current is not None and user_id is not None
    changed = {k: v for k, v in fields.items() if current.get(k) != v}
    if not changed:
        return user_id
    assignments = ", ".join(f"{k} = ?" for k in changed)
    values = [int(v) if isinstance(v, bool) else v for v in changed.values()]
    db.execute(f"UPDATE users SET {assignments} WHERE id = ?", [*values, user_id])
    if ({"unit_id", "role"} & set(changed)) and "mentor" not in (current["role"], merged["role"]):
        # A staff account's scope is its unit's subtree: its phones' copies are pulled again whole.
        reset_scope(db, user_id, "账号调整", utc_now())
    elif "role" in changed:
        reset_scope(db, user_id, "角色调整", utc_now())
    append_audit(db, actor, "user", user_id, "update", {
        k: ["***", "***"] if k == "password_hash" else [current.get(k), v] for k, v in changed.items()
    })
    return user_id


def get_user(
    db: sqlite_utils.Database, *, login: str | None = None, user_id: str | None = None
) -> dict[str, Any] | None:
    column, value = ("login", login) if login is not None else ("id", user_id)
    user = next(db.query(f"SELECT * FROM users WHERE {column} = ?", [value]), None)
    if user is not None:
        user["active"] = bool(user["active"])
        user["smartphone"] = bool(user["smartphone"])
        user["must_change_password"] = bool(user["must_change_password"])
    return user


def actor_for(user: dict[str, Any], device_id: str | None = None) -> Actor:
    return Actor(user["id"], user["role"], user["unit_id"], device_id, user["name"])
