"""``/account``: one's own account — contact phone and password (everyone who signs in on the web)."""
from __future__ import annotations

import asyncio
from typing import Any

import sqlite_utils
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync import NotAllowed
from sync.account_edits import EditedMeanwhile
from sync.users import get_user, save_user

from .. import sessions
from ..auth import hash_password, verify_password
from ..queries.admin import account_role
from ..queries.units import unit_name
from ..throttle import wait_minutes
from .form_posts import form_values, require_form, restore_draft
from .visits import OFFICE, Visit, require

MIN_PASSWORD = 8


async def _render(page: Visit, values: dict[str, Any] | None = None, *, error: str | None = None,
                  status: int = 200) -> Response:
    user_id = page.actor.user_id
    user, unit, role = await page.state.store.read(lambda db: _user_and_unit(db, user_id))
    # ``shown_phone``: the number the form showed, so a change made meanwhile (the admin's, on the
    # account's page) is neither undone by this form sent unchanged nor replaced unseen.
    now = user["phone"] or ""
    shown = {"phone": now, "shown_phone": now, **(values or {})}
    return page.render("account.html", {"user": user, "unit_name": unit, "role": role, "values": shown,
                                        "error": error}, status=status)


def _user_and_unit(db: sqlite_utils.Database, user_id: str) -> tuple[dict[str, Any], str, str]:
    user = get_user(db, user_id=user_id)
    assert user is not None
    return user, unit_name(db, user["unit_id"]), account_role(db, user_id)


async def account(request: Request) -> Response:
    page = await require(request, OFFICE)
    return await _render(page, await restore_draft(page))


async def account_save(request: Request) -> Response:
    page, form = await require_form(request, OFFICE)
    values = form_values(form)
    if "phone" not in values:  # a post that is not this form (a field left out is sent empty): never a cleared number
        return await _render(page, error="表单不完整，什么都没有改动；请刷新页面后重新填写。", status=400)
    phone = str(values.get("phone") or "").strip() or None
    # A form without the copy (a page opened before it was added) is saved unchecked, as it was then.
    shown = {"phone": str(values["shown_phone"]).strip()} if "shown_phone" in values else None
    actor = page.actor

    def save(db: sqlite_utils.Database) -> bool:
        """Whether the number changed (a form sent as it was shown writes nothing)."""
        before = _phone_now(db, actor.user_id)
        save_user(db, actor, {"phone": phone}, user_id=actor.user_id, shown=shown)
        return _phone_now(db, actor.user_id) != before

    try:
        changed = await page.state.store.write(save)
    except EditedMeanwhile as exc:
        # The typed number stays in the box, now against the number there is: sent again, it is saved.
        typed = {k: v for k, v in values.items() if k != "shown_phone"}
        return await _render(page, typed, error=exc.reason, status=409)
    except NotAllowed as exc:
        return await _render(page, values, error=exc.reason, status=400)
    return page.redirect(request.url.path, flash="联系电话已保存。" if changed else "联系电话没有改动。")


def _phone_now(db: sqlite_utils.Database, user_id: str) -> str | None:
    found = db.execute("SELECT phone FROM users WHERE id = ?", [user_id]).fetchone()
    return None if found is None else found[0]


async def password_save(request: Request) -> Response:
    page, form = await require_form(request, OFFICE)
    old, new, again = (str(form.get(k) or "") for k in ("old_password", "new_password", "new_password_again"))
    error = None
    if len(new) < MIN_PASSWORD or len(new) > 200:
        error = f"新密码至少 {MIN_PASSWORD} 位。"
    elif new != again:
        error = "两次输入的新密码不一致。"
    elif new == old:
        # Kept, the old password stays the account's: one an admin read out, or one that leaked.
        error = "新密码不能和原密码一样，请换一个。"
    # A session left open on an unattended PC must not let anyone guess the password here without
    # limit: wrong 原密码 entries count toward the sign-in lockout of the account.
    locked = await locked_for(page)
    if locked:
        return await _locked(page, locked)
    if error is None:
        wrong = await wrong_current(page, old)
        if wrong:
            return await _locked(page, wrong)
        if wrong is not None:
            error = "原密码不对。"
    if error is not None:
        return await _render(page, error=error, status=400)
    locked = await set_own_password(page, new)
    if locked:
        return await _locked(page, locked)
    return page.redirect("/account", flash="密码已修改，下次登录请用新密码。")


# Shared with the first-password page (first_password.py): the password one proves, and the one one sets.

def _limits(page: Visit) -> dict[str, int]:
    settings = page.state.settings
    return {"max_failures": settings.login_max_failures, "lockout_minutes": settings.login_lockout_minutes}


def _login(page: Visit) -> str:
    assert page.session is not None
    return page.session.login


async def locked_for(page: Visit) -> int:
    """The seconds the signed-in account is locked by wrong passwords (0: not locked)."""
    login = _login(page)
    return await page.state.store.read(lambda db: sessions.check_lockout(db, login))


async def wrong_current(page: Visit, typed: str) -> int | None:
    """None when ``typed`` is the account's password now. Otherwise it counts toward the sign-in
    lockout like a wrong sign-in: the seconds the account is now locked (0: not yet)."""
    user_id, login = page.actor.user_id, _login(page)
    user = await page.state.store.read(lambda db: get_user(db, user_id=user_id))
    # argon2 runs off the writer thread and the event loop.
    if user is not None and await asyncio.to_thread(verify_password, user["password_hash"], typed):
        return None
    limits = _limits(page)
    return await page.state.store.write(lambda db: sessions.password_checked(db, login, False, **limits))


async def set_own_password(page: Visit, new: str) -> int:
    """The account sets its own password (a must-change flag clears, sync/users.py) and every other
    session of it ends: how a person gets rid of a session left open on a shared PC, a stolen cookie,
    or one opened with a password someone else knows. Returns the seconds the account is locked by
    guesses sent alongside the proof (nothing set then), else 0."""
    actor, login, limits = page.actor, _login(page), _limits(page)
    assert page.session is not None
    keep = page.session.id
    new_hash = await asyncio.to_thread(hash_password, new)

    def change(db: sqlite_utils.Database) -> int:
        wait = sessions.password_checked(db, login, True, **limits)
        if wait:
            return wait
        save_user(db, actor, {"password_hash": new_hash}, user_id=actor.user_id)
        sessions.end_user_sessions(db, actor.user_id, keep=keep)
        return 0

    return await page.state.store.write(change)


async def _locked(page: Visit, seconds: int) -> Response:
    error = (f"原密码输错的次数太多，这个账号已锁定，密码没有修改。请 {wait_minutes(seconds)} 分钟后再试；"
             "忘记密码请联系管理员。")
    response = await _render(page, error=error, status=429)
    response.headers["retry-after"] = str(seconds)
    return response


routes: list[BaseRoute] = [
    Route("/account", account, methods=["GET"], name="account"),
    Route("/account", account_save, methods=["POST"], name="account_save"),
    Route("/account/password", password_save, methods=["POST"], name="password_save"),
]
