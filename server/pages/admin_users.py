"""``/admin/users``: accounts and roles — create any role, edit, reset a password, deactivate.

Every change goes through ``sync.users`` (``create_user`` / ``save_user``; ``sync.stopping.deactivate_user``),
audited in ``sync_audit`` like a mutation. Passwords are hashed with argon2 on a worker thread,
never on the writer thread. A reset password ends the account's open web sessions; a deactivated
account's sessions and phones stop at their next request (sign-in and the device token both
check ``active``). Stopping a volunteer may end their pairings in the same write, as on the
volunteer page (``stopping.py``). An admin cannot deactivate, or take the admin role from, their own account.
A volunteer (no password) given another role gets a generated password shown once; an account made a
volunteer loses its password and its web sessions.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync import NotAllowed, parse_id
from sync.account_edits import EditedMeanwhile, edited_fields
from sync.account_values import fold_login
from sync.labels import MENTOR_KINDS, ROLE_LABELS
from sync.users import create_user, get_user, made_already, save_user

from .. import lockout, sessions
from ..auth import hash_password, new_password, verify_password
from ..queries.admin import account_role, list_users
from ..queries.units import unit_options
from ..unit_closing import refuse_closed_account
from .account_shown import posted_shown, with_shown
from .form_posts import form_values, require_form, restore_draft
from .mentor_kind import NOT_A_VOLUNTEER, ONLY_VOLUNTEERS, posted_kind
from .path_records import not_found, path_id
from .shown import log_shown
from .stopping import (
    TICK,
    answer_stop,
    end_running_pairings,
    ended_words,
    restored_words,
    stop_account,
    stop_form,
    stopped_words,
)
from .visits import ADMIN, Visit, require
from .writes import account_saved_before, form_record_id

MIN_PASSWORD = 8
EDITABLE = ("login", "name", "role", "unit_id", "phone", "about")
ACCOUNT_FORM = (*EDITABLE, "mentor_kind", "smartphone")


async def admin_users(request: Request) -> Response:
    visit = await require(request, ADMIN)
    q = request.query_params
    role = q.get("role") if q.get("role") in ROLE_LABELS else None
    state = q.get("state") if q.get("state") in ("active", "inactive") else None
    unit = q.get("unit") or None
    text = (q.get("q") or "").strip()[:50] or None
    scope = await visit.scope()
    rows, units = await visit.state.store.read(lambda db: (
        list_users(db, role=role, unit_id=unit, active=None if state is None else state == "active", text=text),
        unit_options(db, scope)))
    return visit.render("admin_users.html", {
        "rows": rows, "units": units, "roles": ROLE_LABELS,
        "filters": {"role": role or "", "state": state or "", "unit": unit or "", "q": text or ""},
    })


async def _render_form(visit: Visit, values: dict[str, Any], *, user: dict[str, Any] | None = None,
                       error: str | None = None, draft: dict[str, Any] | None = None, status: int = 200) -> Response:
    scope = await visit.scope()
    units = await visit.state.store.read(lambda db: unit_options(db, scope))
    stop = None
    # An account stopped before its unit was deleted: its unit is in no option, so say which it was.
    gone = None if user is None else await visit.state.store.read(lambda db: db.execute(
        "SELECT name FROM units WHERE id = ? AND deleted = 1", [user["unit_id"]]).fetchone())
    if user is not None and user["role"] == "mentor":
        # Stopped, a volunteer may still have pairings running: the page ends them as the volunteer page does.
        user_id = user["id"]
        stop = await visit.state.store.read(lambda db: stop_form(db, scope, user_id))
        await log_shown(visit, "view_mentor_pairings", user_id, {"pairing": len(stop["to_end"])})  # by child's code
    return visit.render("admin_user.html", {
        "user": user, "values": values, "error": error, "units": units, "roles": ROLE_LABELS,
        "kinds": MENTOR_KINDS, "only_volunteers": ONLY_VOLUNTEERS,
        "record_id": None if user is not None else form_record_id(values),
        "own": user is not None and user["id"] == visit.actor.user_id, "stop": stop, "draft": draft or {},
        "gone_unit": gone[0] if gone else None,
    }, status=status)


def _account_fields(values: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {k: (str(values.get(k) or "").strip() or None) for k in EDITABLE}
    fields["login"] = fold_login(fields["login"] or "")
    fields["name"] = fields["name"] or ""
    fields["smartphone"] = values.get("smartphone") not in (None, "", "0")
    return {**fields, **posted_kind(values)}


def _kind_for_role(fields: dict[str, Any], shown: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """``fields`` with a kind only a volunteer's account gets; None when a kind was picked for another
    role (``shown``: what an edit form showed, so a volunteer made staff keeps the kind it showed)."""
    if fields["role"] == "mentor" or fields.get("mentor_kind") is None:
        return fields
    if shown is None or edited_fields({"mentor_kind": fields["mentor_kind"]}, shown):
        return None
    return {k: v for k, v in fields.items() if k != "mentor_kind"}


# A volunteer never signs in on the web (the sign-in sends them to the phone app): the phone is
# enrolled with a one-time code and unlocked with a PIN, so a password would only be printed and kept.
NO_PASSWORD = "五老志愿者不在网页登录，没有网页密码："
NO_VOLUNTEER_PASSWORD = NO_PASSWORD + "请把密码栏留空，建好后在志愿者页面给这位志愿者发登记码，在手机上登记。"
NO_VOLUNTEER_RESET = NO_PASSWORD + "手机用登记码登记，忘记手机密码用恢复码（都在志愿者页面）。"


def _password_problem(password: str, role: str | None = None) -> str | None:
    if password and role == "mentor":
        return NO_VOLUNTEER_PASSWORD
    if password and not MIN_PASSWORD <= len(password) <= 200:
        return f"密码至少 {MIN_PASSWORD} 位；留空则由系统生成一个。"
    return None


async def admin_user_new(request: Request) -> Response:
    visit = await require(request, ADMIN)
    return await _render_form(visit, await restore_draft(visit) or {"role": "staff", "smartphone": "1"})


async def admin_user_create(request: Request) -> Response:
    visit, form = await require_form(request, ADMIN)
    values = form_values(form)
    fields = _account_fields(values)
    typed = str(values.get("password") or "")
    problem = _password_problem(typed, fields["role"])
    if problem:
        return await _render_form(visit, values, error=problem, status=400)
    kept = _kind_for_role(fields)
    if kept is None:
        return await _render_form(visit, values, error=NOT_A_VOLUNTEER, status=400)
    fields = kept
    volunteer = fields["role"] == "mentor"
    password = None if volunteer else typed or new_password()
    password_hash = None if password is None else await asyncio.to_thread(hash_password, password)
    actor = visit.actor
    # Under the id the form carries: sent twice (a double click), the account is made once, and the
    # second answer says so rather than "用户名已被使用" over the page that showed the new password.
    record_id = parse_id(values.get("record_id"))

    def create(db: Any) -> str | None:
        if record_id is not None and made_already(db, actor, record_id):
            return None
        refuse_closed_account(db, fields)
        return create_user(
            db, login=fields["login"], name=fields["name"], role=fields["role"] or "", unit_id=fields["unit_id"] or "",
            password_hash=password_hash, phone=fields["phone"], about=fields["about"],
            smartphone=fields["smartphone"], actor=actor, user_id=record_id, mentor_kind=fields.get("mentor_kind"))

    try:
        user_id = await visit.state.store.write(create)
    except NotAllowed as exc:
        return await _render_form(visit, values, error=exc.reason, status=400)
    if user_id is None:  # the same form again: with other values (back, a change, 保存) said so
        assert record_id is not None
        made = record_id
        stored = await visit.state.store.read(lambda db: db.execute(
            "SELECT password_hash FROM users WHERE id = ?", [made]).fetchone())
        other_password = bool(typed) and not await asyncio.to_thread(verify_password, stored and stored[0], typed)
        also = [("密码", "（另填的密码）")] if other_password else []
        refused = await visit.state.store.read(lambda db: account_saved_before(
            request, db, made, fields, ("admin_user", "user_id"), also=also))
        if refused is not None:
            raise refused
        return visit.redirect(f"/admin/users/{record_id}", flash=(
            f"账号 {fields['login']} 已建立（这张表提交了两次，只建了一个账号）。"
            + ("" if typed or fields["role"] == "mentor" else "如果没有记下系统生成的密码，请在下方重置密码。")))
    if volunteer:
        return visit.redirect(f"/admin/users/{user_id}", flash=f"账号 {fields['login']} 已建立。{NO_PASSWORD}"
                              "请在志愿者页面给这位志愿者发登记码，在手机上登记。")
    if typed or password is None:  # (None: a volunteer, answered above)
        return visit.redirect(f"/admin/users/{user_id}", flash=f"账号 {fields['login']} 已建立，本人第一次登录时"
                              "要先设置自己的密码。")
    return _show_password(visit, fields["login"], fields["name"], password, user_id, created=True)


REPAIR = "可在志愿者页面为他们另找志愿者。"
AGAIN = "请在志愿者页面的“结对”里点“另找志愿者”，再选这位志愿者。"


async def _deactivate(visit: Visit, user: dict[str, Any], values: dict[str, Any]) -> Response:
    """Stop the account; a volunteer's pairings may end in the same write, as on the volunteer page."""
    if not user["active"]:  # the same form sent twice, or from a second tab
        return visit.redirect(f"/admin/users/{user['id']}", flash=f"账号 {user['login']} 已经停用。")
    stop = stop_account(visit, user["id"], values, then=lambda db: sessions.end_user_sessions(db, user["id"]))
    return await answer_stop(visit, f"/admin/users/{user['id']}", stop, lambda stopped: stopped_words(
        stopped, ticked=bool(values.get(TICK)), repair=REPAIR, enters=False,
        words=f"账号 {user['login']} 已停用：网页登录和已登记的手机都不能再使用。"), _refused_stop(visit, user, values))


async def _end_pairings(visit: Visit, user: dict[str, Any], values: dict[str, Any]) -> Response:
    """A volunteer stopped with their pairings left running: end them now, from the list this page showed."""
    return await answer_stop(visit, f"/admin/users/{user['id']}", end_running_pairings(visit, user["id"], values),
                             lambda stopped: ended_words(stopped, repair=REPAIR), _refused_stop(visit, user, values))


def _refused_stop(visit: Visit, user: dict[str, Any], values: dict[str, Any]
                  ) -> Callable[[str, int], Awaitable[Response]]:
    async def page(error: str, status: int) -> Response:
        now = await visit.state.store.read(lambda db: get_user(db, user_id=user["id"])) or user
        return await _render_form(visit, with_shown(now, ACCOUNT_FORM), user=now, error=error, draft=values,
                                  status=status)
    return page


def _show_password(visit: Visit, login: str, name: str, password: str, user_id: str, *, created: bool,
                   role: str | None = None) -> Response:
    """The generated password, shown once on this page (never in a cookie or the log); ``role``: the
    label of the role a volunteer's account was just given."""
    return visit.render("admin_password.html", {"login": login, "name": name, "password": password,
                                                "user_id": user_id, "created": created, "role": role})


async def _load(visit: Visit, request: Request) -> dict[str, Any]:
    user_id = path_id(request.path_params["user_id"], "账号")
    user = await visit.state.store.read(lambda db: get_user(db, user_id=user_id))
    if user is None or user["role"] not in ROLE_LABELS:
        raise not_found("账号")
    return user


async def admin_user(request: Request) -> Response:
    visit = await require(request, ADMIN)
    user = await _load(visit, request)
    draft = await restore_draft(visit) or {}
    return await _render_form(visit, {**with_shown(user, ACCOUNT_FORM), **draft}, user=user)


async def admin_user_save(request: Request) -> Response:
    visit, form = await require_form(request, ADMIN)
    user = await _load(visit, request)
    values = form_values(form)
    action = values.get("action") or "save"
    actor = visit.actor
    own = user["id"] == actor.user_id
    as_is = with_shown(user, ACCOUNT_FORM)
    if action == "end_pairings":
        return await _end_pairings(visit, user, values)
    if action in ("deactivate", "activate"):
        if own:
            return await _render_form(visit, as_is, user=user, error="不能停用自己正在使用的账号。", status=400)
        if action == "deactivate":
            return await _deactivate(visit, user, values)
        def restore(db: Any) -> None:
            refuse_closed_account(db, {"active": True}, user["id"])
            save_user(db, actor, {"active": True}, user_id=user["id"])

        try:
            await visit.state.store.write(restore)
        except NotAllowed as exc:  # its unit was deleted meanwhile: a sentence on the form, not a 403 page
            return await _render_form(visit, as_is, user=user, error=f"不能恢复使用：{exc.reason}保存后再恢复使用。",
                                      status=400)
        words = f"账号 {user['login']} 已恢复使用。"
        if user["role"] == "mentor":
            words = await restored_words(visit, user["id"], words, AGAIN)
        return visit.redirect(f"/admin/users/{user['id']}", flash=words)
    if action == "password":
        if user["role"] == "mentor":
            return await _render_form(visit, as_is, user=user, error=NO_VOLUNTEER_RESET, status=400)
        typed = str(values.get("new_password") or "")
        problem = _password_problem(typed)
        if problem:
            return await _render_form(visit, as_is, user=user, error=problem, status=400)
        password = typed or new_password()
        password_hash = await asyncio.to_thread(hash_password, password)

        def reset(db: Any) -> None:
            save_user(db, actor, {"password_hash": password_hash}, user_id=user["id"])
            lockout.clear(db, user["login"])
            # An admin's own reset keeps only the session that made it, like /account/password.
            sessions.end_user_sessions(db, user["id"], keep=visit.session.id if own and visit.session else None)

        await visit.state.store.write(reset)
        if typed:
            return visit.redirect(f"/admin/users/{user['id']}", flash="密码已重置，该账号需用新密码重新登录"
                                  + ("。" if own else "，登录后要先设置自己的密码。"))
        return _show_password(visit, user["login"], user["name"], password, user["id"], created=False)
    fields = _account_fields(values)
    if own and fields["role"] != "admin":
        return await _render_form(visit, values, user=user, error="不能取消自己账号的管理员角色。", status=400)
    # A form without the hidden copy (a page older than it) is taken as showing the account as it is now.
    shown = posted_shown(values, ACCOUNT_FORM, _account_fields) or user
    kept = _kind_for_role(fields, shown)
    if kept is None:
        return await _render_form(visit, values, user=user, error=NOT_A_VOLUNTEER, status=400)
    fields = kept
    changed = edited_fields(fields, shown)
    # A volunteer made staff, reviewer or admin has no password to sign in with: one is generated
    # and shown once, to be replaced at the first sign-in, as for a new account. Made a volunteer,
    # an account loses its password (sync/users.py) and its web sessions end with it.
    leaves_volunteers = user["role"] == "mentor" and fields["role"] not in (None, "mentor")
    joins_volunteers = user["role"] != "mentor" and fields["role"] == "mentor"
    given = new_password() if leaves_volunteers else None
    if given is not None:
        fields["password_hash"] = await asyncio.to_thread(hash_password, given)

    def save(db: Any) -> None:
        refuse_closed_account(db, fields, user["id"])
        save_user(db, actor, fields, user_id=user["id"], shown=shown)
        if joins_volunteers:
            sessions.end_user_sessions(db, user["id"])

    try:
        await visit.state.store.write(save)
    except EditedMeanwhile as exc:
        now = await _load(visit, request)
        # What the person changed and nobody else did stays as typed; the rest shows the account as it is now.
        kept = {k: values.get(k) for k in changed if k not in exc.fields}
        return await _render_form(visit, {**with_shown(now, ACCOUNT_FORM), **kept}, user=now, error=exc.reason,
                                  status=409)
    except NotAllowed as exc:
        return await _render_form(visit, values, user=user, error=exc.reason, status=400)
    made_as = user["id"]
    twice = shown.get("role") == "mentor" and user["role"] == fields["role"] != "mentor"
    # A volunteer made staff: said as the account's unit makes it (镇/街道、辅导站、学校工作人员).
    role = await visit.state.store.read(lambda db: account_role(db, made_as)) if given is not None or twice else ""
    if given is not None:
        return _show_password(visit, fields["login"], fields["name"], given, user["id"], created=False, role=role)
    if twice:
        # The form sent twice (a double click): the answer to the first, with the password, is gone.
        return visit.redirect(f"/admin/users/{user['id']}", flash=(
            f"账号已经改为{role}（这张表提交了两次）。系统生成的密码只显示一次；"
            "如果没有记下，请在下方重置密码。"))
    return visit.redirect(f"/admin/users/{user['id']}", flash="账号已保存。" if changed else "没有改动。")


routes: list[BaseRoute] = [
    Route("/admin/users", admin_users, methods=["GET"], name="admin_users"),
    Route("/admin/users/new", admin_user_new, methods=["GET"], name="admin_user_new"),
    Route("/admin/users/new", admin_user_create, methods=["POST"], name="admin_user_create"),
    Route("/admin/users/{user_id}", admin_user, methods=["GET"], name="admin_user"),
    Route("/admin/users/{user_id}", admin_user_save, methods=["POST"], name="admin_user_save"),
]
