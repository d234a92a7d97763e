"""``/account/new-password``: an account whose password someone else set (an admin's new account or
reset, ``banxing init`` or ``banxing reset-password``) chooses its own before any other page opens.

That password was read off a screen or printed, for people who can read minors' records, so it
must not stay the account's. ``require``/``require_form`` send every other page here
(``PasswordToChoose``). It asks for the password the person was given as well as the new one,
twice: a session left open on this page (an admin who signed in for a new colleague, a shared
station PC) must not let whoever sits down next make the account theirs, and wrong entries count
toward the sign-in lockout like the account page's 原密码.
"""
from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..errors import PasswordToChoose
from ..throttle import wait_minutes
from .account import MIN_PASSWORD, locked_for, set_own_password, wrong_current
from .form_posts import require_form
from .nav import home_for
from .visits import OFFICE, Visit, require, safe_next, visit


def _onward(page: Visit, next_path: str) -> str:
    path = safe_next(next_path)
    if path == "/" or path.startswith("/account/new-password"):
        return home_for(page.request, page.actor.role)
    return path


def _render(page: Visit, next_path: str, *, error: str | None = None, status: int = 200) -> Response:
    # No menu: every other page waits until the person has a password of their own.
    return page.render("choose_password.html", {"next": safe_next(next_path), "error": error,
                                                "min_password": MIN_PASSWORD, "nav": None}, status=status)


async def choose_password(request: Request) -> Response:
    page = await require(request, OFFICE, password_to_choose=True)
    next_path = request.query_params.get("next") or "/"
    assert page.session is not None
    if not page.session.must_change_password:  # chosen already (another tab, the back button)
        return page.redirect(_onward(page, next_path))
    return _render(page, next_path)


async def choose_password_save(request: Request) -> Response:
    page, form = await require_form(request, OFFICE, password_to_choose=True)
    next_path = str(form.get("next") or "/")
    assert page.session is not None
    if not page.session.must_change_password:  # the same form sent twice: the first one set it
        return page.redirect(_onward(page, next_path), flash="密码已经设置好了，以后请用自己设置的密码登录。")
    given, new, again = (str(form.get(k) or "") for k in ("given_password", "new_password", "new_password_again"))
    locked = await locked_for(page)
    if locked:
        return _locked(page, next_path, locked)
    error = None
    if len(new) < MIN_PASSWORD or len(new) > 200:
        error = f"新密码至少要 {MIN_PASSWORD} 位，请重新输入。"
    elif new != again:
        error = "两次输入的新密码不一样，请重新输入两次。"
    else:
        wrong = await wrong_current(page, given)
        if wrong:
            return _locked(page, next_path, wrong)
        if wrong is not None:
            error = "管理员给您的密码不对，请再看一下管理员给您的那张纸（或消息），重新输入。"
        elif new == given:
            # Only now, after the given password was proven: said earlier, this would confirm a guess of it.
            error = "新密码不能和管理员给您的密码一样，请换一个只有您自己知道的密码。"
    if error is not None:
        return _render(page, next_path, error=error, status=400)
    # Set by the account itself, the flag clears; any other session opened with the password someone
    # else knows ends here.
    locked = await set_own_password(page, new)
    if locked:
        return _locked(page, next_path, locked)
    return page.redirect(_onward(page, next_path), flash="密码已设置好。以后请用这个新密码登录。")


def _locked(page: Visit, next_path: str, seconds: int) -> Response:
    error = (f"管理员给您的密码输错的次数太多，这个账号已锁定，密码没有设置。请 {wait_minutes(seconds)} 分钟后再试；"
             "忘记了管理员给您的密码，请联系管理员重新设置。")
    response = _render(page, next_path, error=error, status=429)
    response.headers["retry-after"] = str(seconds)
    return response


async def password_to_choose(request: Request, exc: Exception) -> Response:
    """Any other page of an account that must choose its password: to this page, and back afterwards."""
    assert isinstance(exc, PasswordToChoose)
    page = await visit(request)
    target = safe_next(exc.next_path)
    query = "" if target == "/" else "?next=" + quote(target, safe="/")
    return page.redirect("/account/new-password" + query)


routes: list[BaseRoute] = [
    Route("/account/new-password", choose_password, methods=["GET"], name="choose_password"),
    Route("/account/new-password", choose_password_save, methods=["POST"], name="choose_password_save"),
]
