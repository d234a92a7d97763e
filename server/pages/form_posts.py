"""A POSTed form: checked against CSRF and the person it was shown to, kept as a draft when the
session or the token went stale (nothing is written, nothing typed is lost), and read as values.
"""
from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any, NoReturn

import sqlite_utils
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.routing import Match

from sync.controls import without_controls

from .. import csrf, sessions
from ..drafts import keep_draft, read_draft
from ..error_handlers import typed_words
from ..errors import CsrfFailed, Forbidden, FormKept, FormOfAnother, LoginRequired, PasswordToChoose
from .visits import CHOOSE_PASSWORD, Visit, here, refused_words, visit

MAX_FORM_FIELDS = 2000


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
            return here(request)
    return path.rsplit("/", 1)[0] or "/"


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


async def restore_draft(visit: Visit) -> dict[str, Any] | None:
    """What the person had typed on this form (``?draft=<id>``): before their session expired, or
    before a picker's 查找 (pages/pickers.found)."""
    draft_id = visit.request.query_params.get("draft")
    if not draft_id or visit.session is None:
        return None
    user_id, path = visit.session.actor.user_id, visit.request.url.path
    return await visit.state.store.read(lambda db: read_draft(db, draft_id, user_id, path))
