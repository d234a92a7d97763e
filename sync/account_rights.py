"""Who may change which account: anyone their own phone and password, staff the volunteers of their
units, the admin everyone; a volunteer leaves a town or the volunteers' role only with no pairing
running, and the last admin in use stays one. ``check_change`` is ``sync/users.py``'s one check."""
from __future__ import annotations

from typing import Any

import sqlite_utils

from .account_values import check_values
from .errors import NotAllowed
from .scope import Actor, load_scope

# Staff manage the volunteers of their own units; everything else is the admin's.
STAFF_MANAGES = ("mentor",)
# What anyone may change on their own account.
SELF_SERVICE = frozenset({"phone", "password_hash"})


def check_change(db: sqlite_utils.Database, actor: Actor, current: dict[str, Any] | None, user: dict[str, Any],
                 fields: dict[str, Any]) -> None:
    own = current is not None and current["id"] == actor.user_id and set(fields) <= SELF_SERVICE
    if own:
        check_values(db, current, user)
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
    check_values(db, current, user)
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

