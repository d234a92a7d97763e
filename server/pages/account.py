"""``/account``: one's own account — contact phone and password (everyone who signs in on the web)."""
from __future__ import annotations

import asyncio
from typing import Any

import sqlite_utils
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync import NotAllowed
from sync.users import get_user, save_user

from .. import sessions
from ..auth import hash_password, verify_password
from ..queries.units import unit_name
from ..throttle import wait_minutes
from .common import OFFICE, Visit, form_values, require, require_form, restore_draft

MIN_PASSWORD = 8


async def _render(page: Visit, values: dict[str, Any] | None = None, *, error: str | None = None,
                  status: int = 200) -> Response:
    user_id = page.actor.user_id
    user, unit = await page.state.store.read(lambda db: _user_and_unit(db, user_id))
    shown = {"phone": user["phone"] or "", **(values or {})}
    return page.render("account.html", {"user": user, "unit_name": unit, "values": shown, "error": error},
                       status=status)


def _user_and_unit(db: sqlite_utils.Database, user_id: str) -> tuple[dict[str, Any], str]:
    user = get_user(db, user_id=user_id)
    assert user is not None
    return user, unit_name(db, user["unit_id"])


async def account(request: Request) -> Response:
    page = await require(request, OFFICE)
    return await _render(page, await restore_draft(page))


async def account_save(request: Request) -> Response:
    page, form = await require_form(request, OFFICE)
    values = form_values(form)
    if "phone" not in values:  # a post that is not this form (a field left out is sent empty): never a cleared number
        return await _render(page, error="表单不完整，什么都没有改动；请刷新页面后重新填写。", status=400)
    phone = str(values.get("phone") or "").strip() or None
    actor = page.actor
    try:
        await page.state.store.write(lambda db: save_user(db, actor, {"phone": phone}, user_id=actor.user_id))
    except NotAllowed as exc:
        return await _render(page, values, error=exc.reason, status=400)
    return page.redirect(request.url.path, flash="联系电话已保存。")


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
    actor = page.actor
    assert page.session is not None
    login, settings = page.session.login, page.state.settings
    limits = {"max_failures": settings.login_max_failures, "lockout_minutes": settings.login_lockout_minutes}
    # A session left open on an unattended PC must not let anyone guess the password here without
    # limit: wrong 原密码 entries count toward the sign-in lockout of the account.
    locked = await page.state.store.read(lambda db: sessions.check_lockout(db, login))
    if locked:
        return await _locked(page, locked)
    if error is None:
        user = await page.state.store.read(lambda db: get_user(db, user_id=actor.user_id))
        # argon2 (verify and hash) runs off the writer thread.
        if user is None or not await asyncio.to_thread(verify_password, user["password_hash"], old):
            locked = await page.state.store.write(lambda db: sessions.password_checked(db, login, False, **limits))
            if locked:
                return await _locked(page, locked)
            error = "原密码不对。"
    if error is not None:
        return await _render(page, error=error, status=400)
    new_hash = await asyncio.to_thread(hash_password, new)
    keep = page.session.id

    def change(db: Any) -> int:
        wait = sessions.password_checked(db, login, True, **limits)
        if wait:  # locked by guesses sent alongside this one
            return wait
        save_user(db, actor, {"password_hash": new_hash}, user_id=actor.user_id)
        # A new password is how a person gets rid of a session left open on a shared PC or a
        # stolen cookie: every other session of the account ends with the old password.
        sessions.end_user_sessions(db, actor.user_id, keep=keep)
        return 0

    locked = await page.state.store.write(change)
    if locked:
        return await _locked(page, locked)
    return page.redirect("/account", flash="密码已修改，下次登录请用新密码。")


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
