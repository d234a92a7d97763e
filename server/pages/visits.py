"""Who is visiting a page and whether they may: the ``Visit`` (app state, the signed-in person,
the cookies to set), the roles of each page family and where a refused visitor is sent.

A handler starts with ``visit = await require(request, STAFF)`` (a GET) or
``visit, form = await require_form(request, STAFF)`` (a POST, ``form_posts.py``) and ends with
``visit.render(...)`` or ``visit.redirect(...)``. Those return values carry the cookies a
response must set (a renewed session, a new CSRF secret, a flash message), so nothing
travels through a side channel.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from itsdangerous import BadSignature
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from sync import Actor, Scope, load_scope

from .. import csrf, sessions
from ..errors import Forbidden, LoginRequired, PasswordToChoose
from ..queries.names import NAMES_FOR
from ..state import AppState, app_state
from .nav import nav_for

STAFF = ("staff", "admin")
REVIEWERS = ("reviewer", "admin")
OFFICE = ("staff", "reviewer", "admin")  # everyone who works on the web
ADMIN = ("admin",)
# Who writes a child's file (registers, edits, screens, imports children, enters a phone's exported
# records): the people who work with the child, the only ones who read the name, guardian and notes
# those forms and files hold (``queries.names.NAMES_FOR``).
CHILD_FILE = NAMES_FOR
FLASH_COOKIE = "bx_flash"


@dataclass
class Visit:
    """One page request: the app state, the signed-in person (if any) and the cookies to set."""

    request: Request
    state: AppState
    session: sessions.WebSession | None
    csrf_secret: str
    set_cookies: dict[str, str | None] = field(default_factory=dict)  # name -> value (None: delete)
    flash: str | None = None
    flash_link: tuple[str, str] | None = None  # (a path of this site, its words) after the flash
    _scope: Scope | None = field(default=None, repr=False)

    @property
    def actor(self) -> Actor:
        if self.session is None:
            raise LoginRequired("请先登录。", next_path=self.request.url.path)
        return self.session.actor

    @property
    def csrf_token(self) -> str:
        return csrf.token_for(self.state.signers, self.csrf_secret,
                              self.session.actor.user_id if self.session else "")

    async def scope(self) -> Scope:
        """The visitor's scope, read once per request: a handler and the helpers it calls ask for it
        several times, and only the admin changes units (whose scope is everything anyway)."""
        if self._scope is None:
            actor = self.actor
            self._scope = await self.state.store.read(lambda db: load_scope(db, actor))
        return self._scope

    def render(self, template: str, context: Mapping[str, Any] | None = None, *, status: int = 200) -> Response:
        """Render ``template``. A signed-in visitor's page is never cached (``Cache-Control: no-store``):
        year summaries, inspection findings and return remarks are free text that can name a child, and
        a station's shared computer must not show them again from its history after sign-out."""
        ctx = {
            "visit": self, "actor": self.session.actor if self.session else None,
            "login": self.session.login if self.session else None, "csrf_token": self.csrf_token,
            "nav": nav_for(self.request, self.session.actor.role if self.session else None),
            "flash": self.flash, "flash_link": self.flash_link, **(context or {}),
        }
        response = self.state.templates.TemplateResponse(self.request, template, ctx, status_code=status)
        if self.session is not None:
            response.headers["cache-control"] = "no-store"
        self._cookies(response)
        return response

    def redirect(self, url: str, *, flash: str | None = None, link: tuple[str, str] | None = None) -> Response:
        """303 See Other to a path of this site, optionally carrying a one-time message (and a link
        after it: the message is plain text)."""
        response = RedirectResponse(url, status_code=303)
        if flash:
            data: dict[str, Any] = {"flash": flash, **({"link": list(link)} if link else {})}
            self.set_cookies[FLASH_COOKIE] = str(self.state.signers.serializer("session").dumps(data))
        self._cookies(response)
        return response

    def _cookies(self, response: Response) -> None:
        secure = self.request.url.scheme == "https"
        for name, value in self.set_cookies.items():
            if value is None:
                response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="lax")
            else:
                max_age = (self.state.settings.session_hours * 3600 + sessions.OWNER_GRACE_SECONDS
                           if name == sessions.COOKIE else None)
                response.set_cookie(name, value, max_age=max_age, path="/", secure=secure, httponly=True,
                                    samesite="lax")


async def visit(request: Request) -> Visit:
    """Who is visiting (maybe nobody), without requiring anything."""
    state = app_state(request)
    found = sessions.read_cookie(state.signers, request.cookies.get(sessions.COOKIE),
                                 max_age_seconds=state.settings.session_hours * 3600)
    session = None
    if found is not None:
        session_id, renew = found
        loaded = await state.store.read(lambda db: sessions.load_session(db, session_id))
        if loaded is not None:
            session = sessions.WebSession(session_id, loaded[0], loaded[1], renew, loaded[2])
    # Who met an error, for its page (server/error_page.py): the hint and the way home fit the role.
    request.state.role = session.actor.role if session is not None else None
    secret = request.cookies.get(csrf.COOKIE) or ""
    out = Visit(request, state, session, secret)
    if not secret or len(secret) > 100:
        out.csrf_secret = csrf.new_secret()
        out.set_cookies[csrf.COOKIE] = out.csrf_secret
    if session is not None and session.renew:
        out.set_cookies[sessions.COOKIE] = sessions.sign(state.signers, session.id)
    request.state.visitor = out  # an error page shows the signed-in header and menu too
    flash_cookie = request.cookies.get(FLASH_COOKIE)
    if flash_cookie:
        out.set_cookies[FLASH_COOKIE] = None
        try:
            data = state.signers.serializer("session").loads(flash_cookie, max_age=600)
            out.flash = str(data["flash"]) if isinstance(data, dict) and "flash" in data else None
            link = data.get("link") if isinstance(data, dict) else None
            if out.flash and isinstance(link, list) and len(link) == 2 and str(link[0]).startswith("/"):
                out.flash_link = (str(link[0]), str(link[1]))
        except BadSignature:
            out.flash = None
    return out


def here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def refused_words(roles: Collection[str]) -> str:
    """Why a signed-in person may not use a page, in terms of who may: "not your account" alone
    leaves a county reviewer or station staff member guessing whom to ask."""
    if set(roles) <= set(ADMIN):
        return "这个页面只有县关工委的系统管理员可以使用；需要改账号、单位或备份时，请联系系统管理员。"
    if "staff" in roles and "reviewer" not in roles:
        return ("这个页面给辅导站、学校和镇（街道）关工委的工作人员登记和管理记录用；"
                "县关工委的账号请从“总览”“结对档案”“审核”“统计表”查看各单位的情况。")
    return "您的账号不能使用这个页面。"


CHOOSE_PASSWORD = "请先设置自己的密码。"


async def require(request: Request, roles: Collection[str], *, password_to_choose: bool = False) -> Visit:
    """A signed-in visit by one of ``roles``; otherwise redirect to /login (or 403). An account whose
    password someone else set is sent to choose its own first (only that page passes
    ``password_to_choose``)."""
    out = await visit(request)
    if out.session is None:
        raise LoginRequired("请先登录。", next_path=here(request))
    if out.session.must_change_password and not password_to_choose:
        raise PasswordToChoose(CHOOSE_PASSWORD, next_path=here(request))
    if out.session.actor.role not in roles:
        raise Forbidden(refused_words(roles))
    return out


def safe_next(path: str | None) -> str:
    """Only a path on this site: never an absolute URL or ``//other.site``."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(safe_next(next_path), safe="/")
