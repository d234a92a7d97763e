"""What an error page says beyond the sentence of the error: a headline in words, the hint under
what was typed, and the ways on, each fitting the person who met it.

A bare "404" or "409" means nothing to a volunteer of seventy or to station staff: the headline
says what happened, and the number stays small, for whoever they call. The hint and the buttons
depend on who is signed in (``request.state.role``, set when the page's visit was read): station
staff ARE the station, so "hand it to the station" is for volunteers only, and a staff member's
home is their 工作台, not the public front page.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.routing import Match

from .pages.nav import current_page, home_for, nav_for

# By machine code first (several share a status), then by status.
HEADLINE_BY_CODE = {
    "csrf_failed": "表单已失效",
    "form_of_another": "登录的账号已经换了",
    "saved_before": "这张表单已经保存过了",
    "not_found": "找不到这条记录",
    "param_invalid": "查询条件有误",
    "http_404": "找不到这个页面",
    "http_405": "这个地址不能直接打开",
    "login_locked": "密码输错次数太多",
    "disk_full": "服务器磁盘已满",
    "read_too_slow": "查询时间太长",
    "range_invalid": "下载请求有误",
    "range_not_satisfiable": "下载请求有误",
}
HEADLINE_BY_STATUS = {
    400: "提交的内容无法读取",
    401: "登录已过期",
    403: "没有权限",
    404: "找不到这个页面",
    405: "这个地址不能直接打开",
    409: "这条记录已被别人改过",
    413: "提交的内容太大",
    415: "提交的内容无法读取",
    429: "尝试次数太多，请稍后再试",
    500: "服务器出了点问题",
    503: "服务器暂时无法使用",
}

# The words of a page for Starlette's own refusals (the /api/ wording is the wire contract's).
PAGE_MESSAGES = {
    404: "没有这个地址。可能是地址输错了，或这个页面已经不在了。",
    405: "这个地址只用来提交表单，不能直接打开（比如浏览器重新打开了以前的标签页）。什么都没有改动。",
    413: "提交的内容太大，服务器没有收下，什么都没有改动。请删去一些内容或分几次提交。",
}

# A 405 of anything but opening a page: a form or script sent a method this address does not take.
SENT_WRONG = ("无法这样提交", "这个地址不接受这样提交的内容，什么都没有改动。请回到页面重新操作。")

OFFICE_ROLES = ("staff", "reviewer", "admin")
# Refusals of a posted form that a fresh copy of the form mends (a stale token, the account changed
# in another tab, a body that could not be read): nothing was written, so the way on is the form.
REOPEN_FORM = {"csrf_failed", "form_of_another", "http_400", "http_413", "body_too_large"}


def page_message(status: int, method: str) -> str | None:
    """A page's words for one of Starlette's own refusals, or None to keep the /api/ words."""
    if status == 405 and method not in ("GET", "HEAD"):
        return SENT_WRONG[1]
    return PAGE_MESSAGES.get(status)


def headline(status: int, code: str, method: str = "GET") -> str:
    if status == 405 and method not in ("GET", "HEAD"):
        return SENT_WRONG[0]
    return HEADLINE_BY_CODE.get(code) or HEADLINE_BY_STATUS.get(status) or "出错了"


def typed_hint(role: str | None) -> str:
    """What to do with the words that were not saved: only a volunteer has a station to hand them to."""
    if role in OFFICE_ROLES:
        return "可以复制下来，找到记录后重新填写。"
    if role is None:
        return "可以复制下来，登录后找到记录重新填写。"
    return "可以复制下来，找到记录后重新填写，或交给辅导站。"


def _get_page(request: Request, path: str) -> bool:
    probe = {"type": "http", "path": path, "method": "GET", "root_path": ""}
    return any(route.matches(probe)[0] == Match.FULL for route in request.app.router.routes)


def _came_from(request: Request) -> str | None:
    """The page of this site the person came from (``Referer``), when it is another page."""
    referer = request.headers.get("referer")
    if not referer:
        return None
    parts = urlsplit(referer)
    if (parts.scheme, parts.netloc) != (request.url.scheme, request.url.netloc) or not parts.path.startswith("/"):
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if parts.path in (request.url.path, "/login") or parts.path.startswith("//") or "\\" in path:
        return None  # the page that failed, or an address a browser could read as another site's
    if not _get_page(request, parts.path):
        return None
    return path


def _form_page(request: Request) -> str | None:
    """The page that shows the form posted here: forms post to their own page's address, actions of
    a page (``/account/password``) to an address below it."""
    here = request.url.path
    if _get_page(request, here):
        return here + (f"?{request.url.query}" if request.url.query else "")
    parent = here.rsplit("/", 1)[0]
    return parent if parent and _get_page(request, parent) else None


def ways_on(request: Request, status: int, code: str, role: str | None,
            link: tuple[str, str] | None) -> list[tuple[str, str]]:
    """The buttons, best first: the error's own way on, else back where the person was (the form
    a restored tab posts from, the page they came from, the list of this kind of record), then home."""
    here = request.url.path
    ways: list[tuple[str, str]] = []
    if link is not None:
        ways.append(link)
    elif status == 405 and request.method == "GET":
        parent = here.rsplit("/", 1)[0]
        if parent and _get_page(request, parent):
            ways.append((parent, "回到刚才的页面"))
    elif request.method == "POST" and code in REOPEN_FORM and (form := _form_page(request)) is not None:
        ways.append((form, "重新打开这张表单"))
    if not ways and (came := _came_from(request)) is not None:
        ways.append((came, "返回上一页"))
    if not ways and role is not None:
        family = current_page(nav_for(request, role))
        if family is not None and not (status in (403, 405) and family["path"] == here):
            ways.append((str(family["path"]), f"返回{family['label']}"))
    if role in OFFICE_ROLES:
        home = home_for(request, role)
    else:  # a volunteer's phone that opened a wrong address of the app goes back to the app
        home = "/app/" if here.startswith("/app/") else "/"
    if not any(path == home for path, _ in ways):
        ways.append((home, "回到首页"))
    return ways


def page_context(request: Request, status: int, message: str, code: str,
                 link: tuple[str, str] | None, typed: list[str]) -> dict[str, Any]:
    role = getattr(request.state, "role", None)
    context: dict[str, Any] = {
        "status": status, "message": message, "typed": typed, "headline": headline(status, code, request.method),
        "hint": typed_hint(role), "ways": ways_on(request, status, code, role, link)}
    # Signed in, the page keeps the name, 退出登录 (a shared station computer) and the menu: every
    # page of the person's work is one tap away, as on any other page.
    visitor = getattr(request.state, "visitor", None)
    session = getattr(visitor, "session", None)
    if visitor is not None and session is not None and role in OFFICE_ROLES:
        context.update(actor=session.actor, csrf_token=visitor.csrf_token, nav=nav_for(request, role))
    return context
