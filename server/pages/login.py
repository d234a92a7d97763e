"""``/login`` and ``/logout``: password sign-in with per-account lockout; back to the page (and the
typed form) the person was on."""
from __future__ import annotations

import asyncio
import functools
import secrets
import sqlite3

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync.account_values import fold_login

from .. import csrf, sessions
from ..auth import hash_password, verify_password
from ..clients import client_ip
from ..drafts import read_draft
from ..error_handlers import http_error, is_api
from ..errors import CsrfFailed, FormKept, LoginRequired, StorageUnavailable, storage_failure
from ..throttle import wait_minutes
from .form_posts import MAX_FORM_FIELDS
from .nav import home_for
from .visits import Visit, login_url, safe_next, visit

# Said to everyone a sign-in refuses, never only to a volunteer's login: a volunteer account has no
# password (phones enrol with a code), and the answer must not tell who has an account, or which role.
VOLUNTEERS = "五老志愿者不用在这里登录：请在手机上打开“伴行”，用辅导站给您的登记码登记。"
MESSAGES = {
    "wrong": "用户名或密码不对，请再试一次。" + VOLUNTEERS,
    "inactive": "这个账号已停用，请联系县关工委管理员。",
}


@functools.cache
def _dummy_hash() -> str:
    """Verified when the login does not exist, so a wrong login and a wrong password take as long."""
    return hash_password(secrets.token_urlsafe(16))


def _draft_field(value: object) -> str:
    """The draft id a login form carries back (a random id; only its owner can read the draft)."""
    return value if isinstance(value, str) and 0 < len(value) <= 64 and value.isascii() else ""


def _form(page: Visit, *, next_path: str, username: str = "", error: str | None = None,
          draft: str = "", typed: list[str] | None = None, status: int = 200) -> Response:
    response = page.render("login.html", {
        "next": safe_next(next_path), "username": username, "error": error,
        "draft": draft, "typed": typed or [],
    }, status=status)
    if typed:  # a person's words about a child: not kept in a shared computer's history
        response.headers["cache-control"] = "no-store"
    return response


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
    # Folded as sync.users stores logins: typed in an IME's full-width mode or with a capital, it is the same login.
    username = fold_login(str(form.get("username") or ""))[:100]
    password = str(form.get("password") or "")[:200]
    next_path = safe_next(str(form.get("next") or "/"))
    draft = _draft_field(form.get("draft"))
    state, settings = page.state, page.state.settings
    if not username or not password:
        return _form(page, next_path=next_path, username=username, draft=draft, error="请填写用户名和密码。",
                     status=400)
    locked = await state.store.read(lambda db: sessions.check_lockout(db, username))
    if locked:
        return _locked(page, next_path, username, draft, locked)
    user = await state.store.read(lambda db: sessions.find_login(db, username))
    # argon2 runs here, off the writer thread and off the event loop.
    # An account without a password (a volunteer's: sync.users refuses them one) is checked against
    # the dummy too, so it is refused as a wrong password, in the same time: answered at once, or in
    # other words, it would tell a guesser which logins are volunteers.
    stored = user["password_hash"] if user and user["password_hash"] else _dummy_hash()
    ok = await asyncio.to_thread(verify_password, stored, password)
    if ok and user is not None and not user["active"]:
        return _form(page, next_path=next_path, username=username, error=MESSAGES["inactive"], status=403)
    client = client_ip(request)
    result = await state.store.write(lambda db: sessions.finish_sign_in(
        db, username, user["id"] if user else None, ok, ip=client,
        max_failures=settings.login_max_failures, lockout_minutes=settings.login_lockout_minutes))
    if result.session_id is None:
        if result.locked_seconds:
            return _locked(page, next_path, username, draft, result.locked_seconds)
        return _form(page, next_path=next_path, username=username, draft=draft, error=MESSAGES["wrong"], status=400)
    page.set_cookies[sessions.COOKIE] = sessions.sign(state.signers, result.session_id)
    target = next_path if next_path != "/" else home_for(request, user["role"] if user else "")
    # The form kept at expiry comes back only to the account that typed it (server/drafts.py).
    user_id = user["id"] if user else ""
    mine = bool(draft) and await state.store.read(lambda db: read_draft(db, draft, user_id)) is not None
    if mine:
        target += ("&" if "?" in target else "?") + f"draft={draft}"
    return page.redirect(target, flash="已恢复登录前填写的内容，请检查后提交。" if mine else None)


def _locked(page: Visit, next_path: str, username: str, draft: str, seconds: int) -> Response:
    error = (f"密码输错次数太多，这个账号已锁定，请 {wait_minutes(seconds)} 分钟后再试；忘记密码请联系管理员。"
             + VOLUNTEERS)
    response = _form(page, next_path=next_path, username=username, draft=draft, error=error, status=429)
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
    if exc.draft is not None or exc.typed is not None:
        return _form(page, next_path=exc.next_path, draft=exc.draft or "", typed=exc.typed, error=exc.message,
                     status=401)
    return page.redirect(login_url(exc.next_path))


async def form_kept(request: Request, exc: Exception) -> Response:
    """A form of this site with a stale CSRF token: back to it, filled in with what was typed."""
    assert isinstance(exc, FormKept)
    page = await visit(request)
    target = safe_next(exc.next_path)
    target += ("&" if "?" in target else "?") + f"draft={exc.draft}"
    words = "这张表单打开太久已失效，刚才的内容未保存；您填写的内容已放回表单，请检查后再提交。"  # "未保存": a ⚠
    return page.redirect(target, flash=words)


async def http_refused(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (no such address, a POST-only address opened) come before any page
    read its visitor: read it here, so the page's hint and way home fit the person signed in."""
    if not is_api(request.url.path) and not hasattr(request.state, "role"):
        try:
            await visit(request)
        except (StorageUnavailable, OSError, sqlite3.Error) as failed:
            if storage_failure(failed) is None:
                raise
            request.state.role = None  # the refusal is still answered, as to a stranger
    return await http_error(request, exc)


routes: list[BaseRoute] = [
    Route("/login", login_page, methods=["GET"], name="login"),
    Route("/login", login_submit, methods=["POST"], name="login_submit"),
    Route("/logout", logout, methods=["POST"], name="logout"),
]
