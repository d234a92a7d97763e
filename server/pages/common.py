"""What every page handler shares: who is visiting, role checks, CSRF-checked forms, rendering,
the record a path names (404 alike for bad ids, missing records and others' records), list paging.

A handler starts with ``visit = await require(request, STAFF)`` (a GET) or
``visit, form = await require_form(request, STAFF)`` (a POST) and ends with
``visit.render(...)`` or ``visit.redirect(...)``. Those return values carry the cookies a
response must set (a renewed session, a new CSRF secret, a flash message), so nothing
travels through a side channel.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn
from urllib.parse import quote, urlencode

import sqlite_utils
from itsdangerous import BadSignature
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Match

from sync import Actor, Scope, load_scope, parse_id
from sync.controls import without_controls
from sync.labels import this

from .. import csrf, sessions
from ..drafts import keep_draft, read_draft
from ..error_handlers import typed_words
from ..errors import (
    CsrfFailed,
    Forbidden,
    FormKept,
    FormOfAnother,
    LoginRequired,
    NotFound,
    PasswordToChoose,
)
from ..forms import whole_number
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
MAX_FORM_FIELDS = 2000


@dataclass
class Visit:
    """One page request: the app state, the signed-in person (if any) and the cookies to set."""

    request: Request
    state: AppState
    session: sessions.WebSession | None
    csrf_secret: str
    set_cookies: dict[str, str | None] = field(default_factory=dict)  # name -> value (None: delete)
    flash: str | None = None
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
            "flash": self.flash, **(context or {}),
        }
        response = self.state.templates.TemplateResponse(self.request, template, ctx, status_code=status)
        if self.session is not None:
            response.headers["cache-control"] = "no-store"
        self._cookies(response)
        return response

    def redirect(self, url: str, *, flash: str | None = None) -> Response:
        """303 See Other to a path of this site, optionally carrying a one-time message."""
        response = RedirectResponse(url, status_code=303)
        if flash:
            self.set_cookies[FLASH_COOKIE] = str(self.state.signers.serializer("session").dumps({"flash": flash}))
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
        except BadSignature:
            out.flash = None
    return out


def _here(request: Request) -> str:
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
        raise LoginRequired("请先登录。", next_path=_here(request))
    if out.session.must_change_password and not password_to_choose:
        raise PasswordToChoose(CHOOSE_PASSWORD, next_path=_here(request))
    if out.session.actor.role not in roles:
        raise Forbidden(refused_words(roles))
    return out


async def require_form(request: Request, roles: Collection[str], *, max_files: int = 0,
                       max_part_size: int = 1024 * 1024, password_to_choose: bool = False
                       ) -> tuple[Visit, FormData]:
    """A POSTed form with a valid CSRF token, by a signed-in person of ``roles``.

    A form posted after the session expired is kept as a draft of the account whose session it
    was (``LoginRequired.draft``): after signing in again with that account, and no other, the
    person is back on the form with what they typed.
    """
    out = await visit(request)
    form = await request.form(max_files=max_files, max_fields=MAX_FORM_FIELDS, max_part_size=max_part_size)
    shown = csrf.read_token(out.state.signers, request.cookies.get(csrf.COOKIE), form.get(csrf.FIELD))
    if not shown.fresh and not _same_origin(request):
        raise CsrfFailed("表单已失效（页面打开太久或来自别的网站），什么都没有改动。请刷新页面后重新提交。")
    if out.session is not None and shown.user_id is not None and shown.user_id != out.session.actor.user_id:
        _refuse_another_persons_form(out, form)
    if not shown.fresh:  # our own page, open too long: nothing is changed, nothing typed is lost
        if out.session is None:
            await _keep_expired_form(out, form)
        await _keep_stale_form(out, form)
        raise CsrfFailed("表单已失效（页面打开太久或来自别的网站），什么都没有改动。请刷新页面后重新提交。")
    if out.session is None:
        await _keep_expired_form(out, form)
    if out.session.must_change_password and not password_to_choose:
        # Nothing is written under a password someone else knows.
        raise PasswordToChoose(CHOOSE_PASSWORD, next_path=_form_page(request))
    # An error page for this post (the record was deleted meanwhile, say, or a form this role may not
    # use) shows the person's own words back rather than dropping them (server/error_handlers.py ``typed_words``).
    request.state.posted = form
    if out.session.actor.role not in roles:
        raise Forbidden(refused_words(roles))
    return out, form


def _same_origin(request: Request) -> bool:
    """Whether the browser says this post came from a page of this site (``Sec-Fetch-Site``, else
    ``Origin``): another site can make a browser post, but not with these headers saying so."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    return request.headers.get("origin") == f"{request.url.scheme}://{request.url.netloc}"


def _refuse_another_persons_form(out: Visit, form: FormData) -> NoReturn:
    """Raise ``FormOfAnother`` for a form shown to one person and posted while another is signed in
    (in another tab of this browser): saved, it would be written under the wrong name (author,
    代录人). Nothing is written nor kept as anyone's draft; the typed words are shown back on this
    page only, where that tab showed them anyway."""
    out.request.state.posted = form
    name = out.session.actor.name if out.session else ""
    raise FormOfAnother(f"这张表单是在另一个账号登录时打开的，现在这个浏览器登录的是{name}。为了不把内容记在"
                        f"别人名下，什么都没有保存。请用打开表单的账号重新登录后再提交，或以{name}的身份重新打开"
                        "这个页面填写。")


async def _keep_stale_form(out: Visit, form: FormData) -> None:
    """Raise ``FormKept``: a form of this site whose CSRF token went stale is kept as a draft of the
    signed-in person and shown again, filled in, with a fresh token (nothing was written). Returns
    only when there is nothing to keep."""
    here = _form_page(out.request)
    fields = {k: v for k, v in form_values(form).items() if not _SECRET.search(k)}
    if not fields or out.session is None:
        return
    user_id = out.session.actor.user_id
    draft_id = await out.state.store.write(lambda db: keep_draft(db, user_id, here, fields))
    raise FormKept("表单已失效，什么都没有改动。", next_path=here, draft=draft_id)


async def _keep_expired_form(out: Visit, form: FormData) -> NoReturn:
    """Raise ``LoginRequired`` for a form posted without a live session, keeping what was typed
    for the account that typed it. On a shared station PC the next person to sign in must not
    get it: it waits as that account's draft, and only a signed-in owner reads a draft. With no
    trace of whose it was (the cookie is gone), the words are shown back on this one page only."""
    request, state = out.request, out.state
    here = _form_page(request)
    session_id = sessions.cookie_session_id(state.signers, request.cookies.get(sessions.COOKIE),
                                            session_seconds=state.settings.session_hours * 3600)
    # A password is never written down, not even for its owner (the drafts table is in every backup).
    fields = {k: v for k, v in form_values(form).items() if not _SECRET.search(k)}
    if not fields:
        raise LoginRequired("登录已过期，请重新登录。", next_path=here)

    def keep(db: sqlite_utils.Database) -> str | None:  # one writer trip: find the owner, keep the draft
        owner = sessions.session_owner(db, session_id) if session_id else None
        return keep_draft(db, owner, here, fields) if owner else None

    draft_id = await state.store.write(keep) if session_id else None
    if draft_id is not None:
        raise LoginRequired("登录已过期，请重新登录。", next_path=here, draft=draft_id)  # the page says the rest
    request.state.posted = form
    raise LoginRequired("登录已过期，请重新登录。刚才填写的内容没能保留，下面是您写的文字，请先抄下或复制。",
                        next_path=here, typed=typed_words(request))


_SECRET = re.compile(r"password|secret|token", re.I)


def _form_page(request: Request) -> str:
    """Where a form posted here is shown, to come back to after signing in: forms post to the URL
    of the page that shows them, but an action of a page (``/account/password``,
    ``/returns/{id}/review``) posts below it and has no page of its own (a 405 to come back to)."""
    path = request.url.path
    for route in request.app.router.routes:
        if route.matches({"type": "http", "path": path, "method": "GET", "root_path": ""})[0] == Match.FULL:
            return _here(request)
    return path.rsplit("/", 1)[0] or "/"


def safe_next(path: str | None) -> str:
    """Only a path on this site: never an absolute URL or ``//other.site``."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(safe_next(next_path), safe="/")


def form_values(form: FormData) -> dict[str, Any]:
    """A form as a dict, without invisible control characters; repeated names (checkbox groups)
    become lists."""
    out: dict[str, Any] = {}
    for key, raw in form.multi_items():
        if key == csrf.FIELD or isinstance(raw, UploadFile):
            continue
        # Characters nobody can see or type on purpose, the ones a push's text is cleaned of (tab and
        # line breaks stay): kept, they would ride into Excel exports, which refuse them.
        value = without_controls(raw)
        if key in out:
            out[key] = [*out[key], value] if isinstance(out[key], list) else [out[key], value]
        else:
            out[key] = value
    return out


def page_number(params: Mapping[str, str]) -> int:
    """The ``page`` query parameter of a list: 1 unless it is a whole number from 1 to 99999."""
    number = whole_number(params.get("page", ""), digits=5)
    return number if number else 1


def page_count(total: int, size: int) -> int:
    """How many pages of ``size`` rows ``total`` rows fill (at least one, for an empty list)."""
    return max(1, -(-total // size))


def page_links(filters: Mapping[str, str], number: int, pages: int) -> dict[str, str | None]:
    """The query strings of the pages before and after page ``number`` of ``pages`` (None past either
    end), keeping the filters that are set."""
    kept = {k: v for k, v in filters.items() if v}
    return {"prev": f"?{urlencode({**kept, 'page': number - 1})}" if number > 1 else None,
            "next": f"?{urlencode({**kept, 'page': number + 1})}" if number < pages else None}


def past_the_end(visit: Visit, number: int, pages: int) -> Response | None:
    """A redirect to the list's last page when page ``number`` is past its end (an old link, a list
    that shrank since, a number typed into the address), keeping the list's filters and any one-time
    message; None otherwise. Without it such a page says the list is empty under a total that says
    otherwise, with a 上一页 link to another empty page."""
    if number <= pages:
        return None
    request = visit.request
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
    if pages > 1:
        kept.append(("page", str(pages)))
    query = urlencode(kept)
    return visit.redirect(f"{request.url.path}?{query}" if query else request.url.path, flash=visit.flash)


def not_found(what: str = "记录") -> NotFound:
    """One answer for "no such record" and "not yours": scope leaks nothing."""
    return NotFound(f"找不到{this(what)}，或它不在您的管理范围内。")


def path_id(raw: str, what: str) -> str:
    """``raw``, an id from the URL path; a malformed one is ``not_found(what)``, like a missing record."""
    record_id = parse_id(raw)
    if record_id is None:
        raise not_found(what)
    return record_id


async def visible_record(visit: Visit, raw_id: str, what: str,
                         read: Callable[[sqlite_utils.Database, Scope, str], dict[str, Any] | None]) -> dict[str, Any]:
    """The record ``read`` finds for ``raw_id`` (a path's id) in the visitor's scope; ``not_found(what)``
    alike for a malformed id, a missing record and one out of scope."""
    record_id = path_id(raw_id, what)
    scope = await visit.scope()
    record = await visit.state.store.read(lambda db: read(db, scope, record_id))
    if record is None:
        raise not_found(what)
    return record


async def restore_draft(visit: Visit) -> dict[str, Any] | None:
    """What the person had typed on this form (``?draft=<id>``): before their session expired, or
    before a picker's 查找 (pages/pickers.found)."""
    draft_id = visit.request.query_params.get("draft")
    if not draft_id or visit.session is None:
        return None
    user_id, path = visit.session.actor.user_id, visit.request.url.path
    return await visit.state.store.read(lambda db: read_draft(db, draft_id, user_id, path))


# An account edit form's hidden copy of each field as it showed it (``shown_<field>``; never the
# password): accounts carry no version, so ``sync.users.save_user(shown=…)`` compares against it.
SHOWN = "shown_"


def with_shown(account: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The account as its edit form holds it (``names``), plus the hidden copy of what it shows."""
    shown = {k: account.get(k) or "" for k in names}
    if "smartphone" in names:
        shown["smartphone"] = "1" if account["smartphone"] else ""
    return {**account, **shown, **{SHOWN + k: v for k, v in shown.items()}}


def posted_shown(values: dict[str, Any], names: tuple[str, ...],
                 parse: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any] | None:
    """What a posted account form had shown, parsed as its fields are; None from a form without the copy."""
    if not any(k.startswith(SHOWN) for k in values):
        return None
    return parse({k: values.get(SHOWN + k) for k in names})
