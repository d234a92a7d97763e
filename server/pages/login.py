"""``/login`` and ``/logout``: password sign-in with per-account lockout; back to the page (and the
typed form) the person was on."""
from __future__ import annotations

import asyncio
import functools
import secrets
from typing import Any

from itsdangerous import BadSignature
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from .. import csrf, sessions
from ..auth import hash_password, verify_password
from ..clients import client_ip
from ..drafts import keep_draft
from ..errors import CsrfFailed, LoginRequired
from ..state import AppState
from ..throttle import wait_minutes
from .common import MAX_FORM_FIELDS, Visit, login_url, safe_next, visit
from .nav import home_for

MESSAGES = {
    "wrong": "用户名或密码不对，请再试一次。",
    "mentor": "五老志愿者请在手机上使用伴行：用辅导站给的登记码登记手机，不需要在这里登录。",
    "inactive": "这个账号已停用，请联系县关工委管理员。",
}


@functools.cache
def _dummy_hash() -> str:
    """Verified when the login does not exist, so a wrong login and a wrong password take as long."""
    return hash_password(secrets.token_urlsafe(16))


def _sign_stash(state: AppState, stash: dict[str, Any] | None) -> str:
    return str(state.signers.serializer("session").dumps(stash)) if stash else ""


def _read_stash(state: AppState, signed: object) -> dict[str, Any] | None:
    if not isinstance(signed, str) or not signed:
        return None
    try:
        data = state.signers.serializer("session").loads(signed, max_age=24 * 3600)
    except BadSignature:
        return None
    return data if isinstance(data, dict) else None


def _form(page: Visit, *, next_path: str, username: str = "", error: str | None = None,
          stash: dict[str, Any] | None = None, status: int = 200) -> Response:
    return page.render("login.html", {
        "next": safe_next(next_path), "username": username, "error": error,
        "stash": _sign_stash(page.state, stash), "kept": bool(stash),
    }, status=status)


async def login_page(request: Request) -> Response:
    page = await visit(request)
    next_path = safe_next(request.query_params.get("next"))
    if page.session is not None:
        return page.redirect(next_path if next_path != "/" else home_for(request, page.session.actor.role))
    return _form(page, next_path=next_path)


async def login_submit(request: Request) -> Response:
    page = await visit(request)
    form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    if not csrf.token_matches(page.state.signers, request.cookies.get(csrf.COOKIE), form.get(csrf.FIELD)):
        raise CsrfFailed("登录表单已失效，请刷新页面后重新登录。")
    username = str(form.get("username") or "").strip()[:100]
    password = str(form.get("password") or "")[:200]
    next_path = safe_next(str(form.get("next") or "/"))
    stash = _read_stash(page.state, form.get("stash"))
    state, settings = page.state, page.state.settings
    if not username or not password:
        return _form(page, next_path=next_path, username=username, stash=stash, error="请填写用户名和密码。",
                     status=400)
    locked = await state.store.read(lambda db: sessions.check_lockout(db, username))
    if locked:
        return _locked(page, next_path, username, stash, locked)
    user = await state.store.read(lambda db: sessions.find_login(db, username))
    # argon2 runs here, off the writer thread and off the event loop.
    ok = await asyncio.to_thread(verify_password, user["password_hash"] if user else _dummy_hash(), password)
    if ok and user is not None and user["role"] == "mentor":
        return _form(page, next_path=next_path, username=username, error=MESSAGES["mentor"], status=403)
    if ok and user is not None and not user["active"]:
        return _form(page, next_path=next_path, username=username, error=MESSAGES["inactive"], status=403)
    client = client_ip(request)
    result = await state.store.write(lambda db: sessions.finish_sign_in(
        db, username, user["id"] if user else None, ok, ip=client,
        max_failures=settings.login_max_failures, lockout_minutes=settings.login_lockout_minutes))
    if result.session_id is None:
        if result.locked_seconds:
            return _locked(page, next_path, username, stash, result.locked_seconds)
        return _form(page, next_path=next_path, username=username, stash=stash, error=MESSAGES["wrong"], status=400)
    page.set_cookies[sessions.COOKIE] = sessions.sign(state.signers, result.session_id)
    target = next_path if next_path != "/" else home_for(request, user["role"] if user else "")
    if stash and user is not None:
        draft_id = await state.store.write(lambda db: keep_draft(db, user["id"], target, stash))
        target += ("&" if "?" in target else "?") + f"draft={draft_id}"
    return page.redirect(target, flash="已恢复登录前填写的内容，请检查后提交。" if stash else None)


def _locked(page: Visit, next_path: str, username: str, stash: dict[str, Any] | None, seconds: int) -> Response:
    error = f"密码输错次数太多，这个账号已锁定，请 {wait_minutes(seconds)} 分钟后再试；忘记密码请联系管理员。"
    response = _form(page, next_path=next_path, username=username, stash=stash, error=error, status=429)
    response.headers["retry-after"] = str(seconds)
    return response


async def logout(request: Request) -> Response:
    page = await visit(request)
    form = await request.form(max_files=0, max_fields=10)
    if not csrf.token_matches(page.state.signers, request.cookies.get(csrf.COOKIE), form.get(csrf.FIELD)):
        raise CsrfFailed("退出表单已失效，请刷新页面后再试。")
    if page.session is not None:
        session_id = page.session.id
        await page.state.store.write(lambda db: sessions.end_session(db, session_id))
    page.set_cookies[sessions.COOKIE] = None
    page.session = None
    return page.redirect("/login", flash="已退出登录。")


async def login_required(request: Request, exc: Exception) -> Response:
    """Not signed in: a GET goes to /login and comes back; a posted form is kept across sign-in."""
    assert isinstance(exc, LoginRequired)
    page = await visit(request)
    page.session = None
    page.set_cookies.setdefault(sessions.COOKIE, None)
    if exc.stash is not None:
        return _form(page, next_path=exc.next_path, stash=exc.stash, error=exc.message, status=401)
    return page.redirect(login_url(exc.next_path))


routes: list[BaseRoute] = [
    Route("/login", login_page, methods=["GET"], name="login"),
    Route("/login", login_submit, methods=["POST"], name="login_submit"),
    Route("/logout", logout, methods=["POST"], name="logout"),
]
