"""User accounts: created, changed and deactivated through one audited path.

Accounts are not synced records (a phone never pulls them), but every change to one is
written to ``sync_audit`` (entity ``user``) in the caller's transaction, like any mutation:
who changed which account, when, field by field. The password hash is the server's
business; the audit notes that it changed, never its value.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import sqlite_utils

from .apply import apply_mutations
from .audit import append_audit
from .errors import NotAllowed
from .ids import new_id
from .labels import MENTOR_KINDS, ROLE_LABELS, ROLES
from .mutations import one_line, upsert
from .phones import phone_form
from .records import reset_scope
from .scope import Actor, load_scope
from .timeutil import day_in_words, utc_now

LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
# A telephone as people write one: digits with an area code, dashes, spaces, brackets, a country
# code's plus, and an extension after 转 ("0513-8888 6666 转 123"); full-width forms folded first.
PHONE_RE = re.compile(r"^[0-9+()\- /转]*$")
# A local number without its area code has 7 or 8 digits, a mobile 11: fewer (12345, the citizens'
# hotline; 110) reach no person, and a volunteer found again by phone at the next import is found by it.
PHONE_MIN_DIGITS = 7
EDITABLE = ("login", "name", "role", "unit_id", "phone", "about", "mentor_kind", "smartphone", "active",
            "password_hash", "must_change_password")
# Staff manage the volunteers of their own units; everything else is the admin's.
STAFF_MANAGES = ("mentor",)
# How a refusal names a field (the password is never shown on a form, so never compared).
# A volunteer's phone enrols with a 登记码 and unlocks with a PIN; there is no web sign-in to hold a password for.
NO_VOLUNTEER_PASSWORD = ("五老志愿者的账号不设密码：手机用辅导站给的登记码登记，用 PIN 码解锁；"
                         "忘记 PIN 码请辅导站给一个恢复码。这次什么都没有改。")
LABELS = {"login": "用户名", "name": "姓名", "role": "角色", "unit_id": "所属单位", "phone": "手机号",
          "about": "身份/简介", "mentor_kind": "志愿者类别", "smartphone": "使用智能手机", "active": "账号启用"}


class EditedMeanwhile(NotAllowed):
    """Someone else changed a field this person changed too, after their form showed it."""

    def __init__(self, reason: str, fields: tuple[str, ...]) -> None:
        super().__init__(reason)
        self.fields = fields


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


def not_as_created(db: sqlite_utils.Database, user_id: str, fields: dict[str, Any]) -> list[str]:
    """The names of ``fields`` (a new-account form posted again, ``made_already``) whose values are
    not those the account was created with: answered "已建立", that post's changes would be dropped
    in silence. Compared with its create (the audit row), not the account as it is now: a change
    made since on its page is not this form's. The password is never kept there, so never compared."""
    found = db.execute("SELECT changes FROM sync_audit WHERE entity = 'user' AND record_id = ? AND op = 'create'"
                       " ORDER BY id LIMIT 1", [user_id]).fetchone()
    created = {k: after for k, (_before, after) in json.loads(found[0] or "{}").items()} if found else {}
    return [k for k, v in fields.items() if k in LABELS and not _same(v, created.get(k))]


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
        _refuse_edited_meanwhile(db, current, fields, shown)
    merged = {**(current or {"active": True, "smartphone": True}), **fields}
    given_password = bool(fields.get("password_hash"))
    if current is not None and current["role"] != "mentor" and merged["role"] == "mentor":
        # A volunteer never signs in on the web (phones enrol with a code): a password kept from the
        # old role would be one more way into minors' records that nobody uses or remembers.
        fields = {**fields, "password_hash": None, "must_change_password": False}
        merged.update(password_hash=None, must_change_password=False)
    _check(db, actor, current, merged, fields)
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


def edited_fields(fields: dict[str, Any], shown: dict[str, Any]) -> dict[str, Any]:
    """The ``fields`` whose value differs from what the form ``shown`` (all of those it did not show)."""
    return {k: v for k, v in fields.items() if k not in shown or not _same(shown[k], v)}


def _same(a: Any, b: Any) -> bool:
    # A form cannot tell an empty text box from NULL.
    return (None if a == "" else a) == (None if b == "" else b)


def _refuse_edited_meanwhile(db: sqlite_utils.Database, current: dict[str, Any], fields: dict[str, Any],
                             shown: dict[str, Any]) -> None:
    clashes = tuple(k for k, v in fields.items()
                    if k in shown and not _same(shown[k], current.get(k)) and not _same(current.get(k), v))
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


@dataclass(frozen=True)
class EndPairings:
    """End a volunteer's pairings along with their account: the ones a page showed (pairing id →
    the version it showed), on ``end_date``."""

    seen: Mapping[str, int]
    end_date: str


@dataclass(frozen=True)
class Stopped:
    """What stopping an account did to the volunteer's pairings."""

    ended: tuple[str, ...] = ()  # the pairings ended with the account
    running: int = 0  # active pairings left running (their children still wait for this volunteer)
    out_of_reach: int = 0  # of those, the pairings of children outside the actor's scope
    phones: int = 0  # a volunteer's phones still enrolled: what they had not sent waits on them, to be exported


class PairingsChanged(NotAllowed):
    """The volunteer's active pairings are no longer the ones the page showed (or not at those versions)."""


def deactivate_user(db: sqlite_utils.Database, actor: Actor, user_id: str, *,
                    end: EndPairings | None = None) -> Stopped:
    """Stop an account: its web sessions and phones stop working at their next request.

    With ``end``, the volunteer's active pairings in ``actor``'s scope end in the same transaction,
    each as a pairing mutation (closed on ``end.end_date``, outcome ``mentor_left``), so phones, the
    archive and the audit log see each end like any other. They must be exactly the pairings
    ``end.seen`` names, at those versions: otherwise ``PairingsChanged`` and, raised inside the
    caller's transaction, nothing is written. Pairings of children outside the actor's scope are
    never touched; ``Stopped.out_of_reach`` counts them.
    """
    save_user(db, actor, {"active": False}, user_id=user_id)
    stopped = end_pairings(db, actor, user_id, end)
    # A volunteer's phones: what they hold unsent is entered by the station from the exported file.
    phones = db.execute("SELECT count(*) FROM sync_devices d JOIN users u ON u.id = d.user_id"
                        " WHERE d.user_id = ? AND d.revoked_at IS NULL AND u.role = 'mentor'", [user_id]).fetchone()[0]
    return replace(stopped, phones=int(phones))


def end_pairings(db: sqlite_utils.Database, actor: Actor, user_id: str, end: EndPairings | None) -> Stopped:
    """End the volunteer's active pairings in ``actor``'s scope as ``deactivate_user`` does (with
    ``end``; without, only count them). Also on its own, for a volunteer stopped with their pairings
    left running: the station ends them later from the same list. Only for a stopped account: checked
    here, in the write, so an account restored meanwhile keeps its pairings."""
    still = db.execute("SELECT active FROM users WHERE id = ?", [user_id]).fetchone()
    if end is not None and still is not None and still[0]:
        raise NotAllowed("这位志愿者的账号还在使用；要结束结对，请在结对档案里逐个结束，或停用账号时一起结束。")
    reach = load_scope(db, actor)
    active = [r for r in db.query(
        "SELECT p.id, p.version, p.unit_id, p.start_date, m.code FROM pairings p JOIN mentees m ON m.id = p.mentee_id"
        " WHERE p.mentor_id = ? AND p.status = 'active' AND p.deleted = 0 AND m.deleted = 0"
        " AND p.unit_id IN (SELECT id FROM units WHERE deleted = 0) ORDER BY m.code", [user_id])]
    mine = [r for r in active if reach.allows_unit(r["unit_id"])]
    out_of_reach = len(active) - len(mine)
    if end is None:
        return Stopped(running=len(active), out_of_reach=out_of_reach)
    _refuse_pairings_changed(mine, end.seen)
    close_for_stopped(db, actor, mine, end.end_date)
    return Stopped(tuple(r["id"] for r in mine), running=out_of_reach, out_of_reach=out_of_reach)


def close_for_stopped(db: sqlite_utils.Database, actor: Actor, pairings: list[dict[str, Any]], end_date: str) -> None:
    """End ``pairings`` (each with ``id``, ``version``, ``start_date`` and the child's ``code``) on
    ``end_date`` because their volunteer stopped (outcome ``mentor_left``, 志愿者停止服务): one pairing
    mutation each against the version given. ``NotAllowed`` when any cannot end, raised so that the
    caller's transaction writes none of it."""
    for r in pairings:
        if end_date < r["start_date"]:
            began = day_in_words(r["start_date"])
            raise NotAllowed(f"结束日期不能早于 {r['code']} 的结对开始日期（{began}）。")
    fields = {"status": "closed", "end_date": end_date, "outcome": "mentor_left"}
    outcomes = apply_mutations(db, actor, [upsert("pairing", fields, r["id"], base_version=r["version"])
                                           for r in pairings])
    refused = next((o for o in outcomes if o.status != "applied"), None)
    if refused is not None:
        # Raised, so the caller's transaction drops the account change (or the new pairing) and every end with it.
        raise NotAllowed(refused.reason or "结对没能结束，什么都没有改。")


def pairings_changed(now: list[dict[str, Any]], seen: Mapping[str, int], name: str
                     ) -> tuple[list[str], list[str], int]:
    """How the pairings ``now`` differ from the ``seen`` id → version a form listed: the ``name`` of
    each edited since and of each not listed, and how many listed are gone (ended, deleted, moved)."""
    edited = [r[name] for r in now if r["id"] in seen and seen[r["id"]] != r["version"]]
    new = [r[name] for r in now if r["id"] not in seen]
    gone = len(seen.keys() - {r["id"] for r in now})
    return edited, new, gone


def _refuse_pairings_changed(now: list[dict[str, Any]], seen: Mapping[str, int]) -> None:
    # Stricter than the field merge of an edit: the person decided on the list they saw, so a
    # pairing changed, started or ended since is theirs to look at again, not ours to merge.
    edited, new, gone = pairings_changed(now, seen, "code")
    if not (edited or new or gone):
        return
    what = [*(f"{code} 的结对已被别人修改" for code in edited), *(f"新增了 {code} 的结对" for code in new)]
    if gone:
        what.append(f"{gone} 个结对已经结束、删除或转出了您的管理范围")
    raise PairingsChanged(f"您打开这个页面以后，这位志愿者的结对有了变动（{'；'.join(what)}），"
                          "所以这次什么都没有改。请看过下面现在的结对，再决定。")


# What anyone may change on their own account.
SELF_SERVICE = frozenset({"phone", "password_hash"})


def _check(db: sqlite_utils.Database, actor: Actor, current: dict[str, Any] | None, user: dict[str, Any],
           fields: dict[str, Any]) -> None:
    own = current is not None and current["id"] == actor.user_id and set(fields) <= SELF_SERVICE
    if own:
        _check_values(db, current, user)
        return
    if actor.role not in ("admin", "staff"):
        raise NotAllowed("只有管理员和辅导站工作人员可以管理账号。")
    scope = load_scope(db, actor)
    if actor.role == "staff":
        for role in {user["role"], (current or user)["role"]}:
            if role not in STAFF_MANAGES:
                raise NotAllowed("辅导站只能管理五老志愿者的账号；其他账号请联系县关工委管理员。")
        if current is not None and not scope.allows_unit(current["unit_id"]):
            raise NotAllowed("找不到这个账号，或它不在您的管理范围内。")
    _check_values(db, current, user)
    if actor.role != "admin" and not scope.allows_unit(user["unit_id"]):
        raise NotAllowed("所属单位不在您的管理范围内。")
    if current is not None and current["role"] == "mentor" and user["role"] != "mentor":
        _check_volunteer_role(db, current["id"])
    elif current is not None and current["role"] == "mentor" and user["unit_id"] != current["unit_id"]:
        _check_volunteer_move(db, current["id"], user["unit_id"])
    if current is not None and current["role"] == "admin" and current["active"] and (
            user["role"] != "admin" or not user.get("active", True)):
        # Writes are one at a time, so two admins demoting each other at once cannot both pass this.
        others = db.execute("SELECT count(*) FROM users WHERE role = 'admin' AND active = 1 AND id != ?",
                            [current["id"]]).fetchone()[0]
        if not others:
            raise NotAllowed("这是最后一个在用的管理员账号，不能改成其他角色或停用；请先给另一个人开通管理员账号。")


def _check_volunteer_move(db: sqlite_utils.Database, mentor_id: str, unit_id: str) -> None:
    """A volunteer moves town only without children being visited in the old one: the new town's
    staff would enrol the phone that reads those children's files, and the children's own staff
    could no longer stop it. Within a town (station to school) a move is free."""
    town = _town_of(db, unit_id)
    away = [code for code, unit in db.execute(
        "SELECT m.code, m.unit_id FROM pairings p JOIN mentees m ON m.id = p.mentee_id"
        " WHERE p.mentor_id = ? AND p.status = 'active' AND p.deleted = 0 ORDER BY m.code", [mentor_id]).fetchall()
        if _town_of(db, unit) != town]
    if away:
        raise NotAllowed(f"这位志愿者还有 {len(away)} 个进行中的结对（{'、'.join(away[:3])}）在别的镇/街道，"
                         "请先结束这些结对或改由别的志愿者帮扶，再调整所属单位。")


def _check_volunteer_role(db: sqlite_utils.Database, mentor_id: str) -> None:
    """A volunteer becomes staff, reviewer or admin only with no pairing running: a pairing's
    volunteer must be a volunteer (the write path refuses any other), and the children would be left
    with a "volunteer" no volunteer list shows, whose pairings nobody is offered to end or hand on."""
    running = [str(r[0]) for r in db.execute(
        "SELECT m.code FROM pairings p JOIN mentees m ON m.id = p.mentee_id"
        " WHERE p.mentor_id = ? AND p.status = 'active' AND p.deleted = 0 AND m.deleted = 0 ORDER BY m.code",
        [mentor_id]).fetchall()]
    if running:
        raise NotAllowed(f"这位志愿者还有 {len(running)} 个进行中的结对（{'、'.join(running[:3])}），"
                         "请先结束这些结对或改由别的志愿者帮扶，再改为其他角色。")


def _town_of(db: sqlite_utils.Database, unit_id: str) -> str | None:
    """The town (镇/街道) a unit is in (itself, if a town), or the county for a unit above any town."""
    found = db.execute(
        "WITH RECURSIVE up(id, parent_id, kind, depth) AS ("
        " SELECT id, parent_id, kind, 0 FROM units WHERE id = ?"
        " UNION ALL SELECT u.id, u.parent_id, u.kind, up.depth + 1 FROM units u JOIN up ON u.id = up.parent_id)"
        " SELECT id FROM up WHERE kind IN ('town', 'county') ORDER BY depth LIMIT 1", [unit_id]).fetchone()
    return None if found is None else str(found[0])


def _check_values(db: sqlite_utils.Database, current: dict[str, Any] | None, user: dict[str, Any]) -> None:
    if not isinstance(user.get("login"), str) or not LOGIN_RE.match(user["login"]):
        raise NotAllowed("用户名应为 2–40 位小写字母、数字、点、横线或下划线，以字母或数字开头。")
    if not isinstance(user.get("name"), str) or not 1 <= len(user["name"].strip()) <= 50:
        raise NotAllowed("请填写姓名（1–50 字）。")
    if user.get("role") not in ROLES:
        raise NotAllowed(f"角色应为 {'、'.join(ROLES)} 之一。")
    phone = user.get("phone")
    if phone is not None and not isinstance(phone, str):
        raise NotAllowed("联系电话应为文字。")
    # Checked when written: a number stored before the rule was stricter does not block a stop or a rename.
    problem = telephone_problem(phone) if phone and (current is None or current.get("phone") != phone) else None
    if problem:
        raise NotAllowed(problem)
    about = user.get("about")
    if about is not None and (not isinstance(about, str) or len(about) > 200):
        raise NotAllowed("身份/简介太长（最多 200 字）。")
    kind = user.get("mentor_kind")
    if kind is not None and (not isinstance(kind, str) or kind not in MENTOR_KINDS):
        raise NotAllowed(f"志愿者类别应为 {'、'.join(MENTOR_KINDS.values())} 之一（不知道可以不填）。")
    if isinstance(user.get("name"), str) and not one_line(user["name"]):
        raise NotAllowed("姓名只能写一行，不能换行。")
    unit = db.execute("SELECT deleted, name FROM units WHERE id = ?", [user.get("unit_id")]).fetchone()
    if unit is None:
        raise NotAllowed("所属单位不存在。")
    if unit[0]:  # e.g. restoring an account stopped before its school was deleted
        raise NotAllowed(f"所属单位“{unit[1]}”已删除，请在“所属单位”里换一个现有的单位。")
    clash = db.execute("SELECT id FROM users WHERE login = ?", [user["login"]]).fetchone()
    if clash is not None and (current is None or clash[0] != current["id"]):
        raise NotAllowed(f"用户名 {user['login']} 已被使用，请换一个。")


def fold_login(text: str) -> str:
    """A login as it is stored and looked up: the full-width letters, digits and dashes a Chinese IME
    types in its full-width mode folded (NFKC, ``ｚｈａｎ－ｃｈａｈｅ``), the spaces around it (an
    ideographic one included) dropped, and lower case, as a phone keyboard's capital first letter."""
    return unicodedata.normalize("NFKC", text).strip().lower()


def is_telephone(text: str) -> bool:
    """Whether ``text`` reads as a telephone number (``PHONE_RE``, at least ``PHONE_MIN_DIGITS`` digits)."""
    folded = unicodedata.normalize("NFKC", text)
    # An extension after 转 reaches no one without the number before it: 123转4567 is no telephone.
    number = folded.split("转", 1)[0]
    return bool(PHONE_RE.match(folded)) and sum(c.isdigit() for c in number) >= PHONE_MIN_DIGITS


def telephone_problem(text: str, label: str = "联系电话") -> str | None:
    """Why ``text`` is no account's telephone, in words saying what one looks like, or None when it is
    one (or empty). The one rule of the account forms and the volunteers' import; ``label`` is the
    field's name where it is said (an import's column is 手机号)."""
    if not text.strip():
        return None
    if len(text) > 30:
        return f"{label}太长（最多 30 字）。"
    if not one_line(text):
        return f"{label}只能写一行，不能换行。"
    if not is_telephone(text):
        return (f"{label}请写手机号（11 位）或固定电话（至少 7 位数字），可以带区号、横线、空格，分机号写在“转”后面，"
                "例如 139 0513 7777、0513-8888 6666 转 123。")
    return None


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
