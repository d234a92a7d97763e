"""The handlers that answer every error with one envelope: ``{"ok": false, "error", "status",
"code"}`` on /api/, the error page elsewhere.

Nothing else builds an error response. Unexpected exceptions become a 500 envelope without a
traceback; they are logged.
"""
from __future__ import annotations

import logging
import re
import sqlite3
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.templating import Jinja2Templates

from sync import BatchInvalid, BatchTooLarge, CursorInvalid, DeviceRevoked, NotAllowed, SyncError

from .error_page import page_context, page_message
from .errors import AppError, StorageUnavailable, storage_failure

log = logging.getLogger("banxing")


def is_api(path: str) -> bool:
    """JSON callers (phones, scripts) live under /api/; everything else is a person at a page."""
    return path == "/api" or path.startswith("/api/")

SYNC_STATUS: dict[type[SyncError], int] = {
    BatchInvalid: 400, CursorInvalid: 400, BatchTooLarge: 413, DeviceRevoked: 401, NotAllowed: 403,
}

HTTP_MESSAGES = {
    # Starlette raises this one only when it cannot read a posted form (too many fields or files,
    # a field over its size, a broken multipart body); its own words are English.
    400: "提交的表单无法读取（内容太长、项目太多或格式不对）。请返回上一页重新填写。",
    404: "没有这个地址。",
    405: "这个地址不支持这种请求方法。",
    413: "请求太大。",
}


# Words a person wrote (Chinese text), never what only identifies or unlocks something.
_WRITTEN = re.compile(r"[\u3400-\u9fff]")
_NOT_WORDS = re.compile(r"password|pin|token|csrf|code|secret", re.I)


def typed_words(request: Request) -> list[str]:
    """The free text of the form a failed post carried (``request.state.posted``, set only once its
    CSRF token and session checked out), to show back: typing is the volunteer's and staff's work."""
    form = getattr(request.state, "posted", None)
    if form is None:
        return []
    return [value for name, value in form.multi_items()
            if isinstance(value, str) and not _NOT_WORDS.search(name) and _WRITTEN.search(value)][:12]


def envelope(request: Request, status: int, message: str, code: str, headers: dict[str, str] | None = None,
             extra: dict[str, object] | None = None, *, link: tuple[str, str] | None = None,
             typed: list[str] | None = None) -> Response:
    if is_api(request.url.path):
        body: dict[str, Any] = {"ok": False, "error": message, "status": status, "code": code, **(extra or {})}
        return JSONResponse(body, status_code=status, headers=headers)
    templates: Jinja2Templates = request.app.state.templates  # set before the lifespan runs
    # An error page can quote what was asked for (a filter, a search); like a signed-in page, it
    # is not kept in a shared computer's browser history.
    # A save the disk refused (503) is the person's to send again too: what they wrote is shown back.
    if typed is None:
        typed = typed_words(request) if 400 <= status < 500 or status == 503 else []
    return templates.TemplateResponse(
        request, "error.html", page_context(request, status, message, code, link, typed),
        status_code=status,
        headers={"cache-control": "no-store", **(headers or {})},
    )


async def app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    if isinstance(exc, StorageUnavailable):
        # One line: a traceback per push would fill the log on the same full disk.
        log.error("%s（%s on %s %s: %s）", exc.log_chinese, exc.log_words, request.method, request.url.path,
                  exc.detail)
        if request.method in ("GET", "HEAD"):  # a look, not a save: "nothing was saved" would puzzle
            return envelope(request, exc.status, exc.reading, exc.code, exc.headers)
    return envelope(request, exc.status, exc.message, exc.code, exc.headers, link=exc.link, typed=exc.typed)


async def sync_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SyncError)
    status = next((s for cls, s in SYNC_STATUS.items() if isinstance(exc, cls)), 400)
    return envelope(request, status, exc.reason, exc.code, extra=exc.extra)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    page_words = None if is_api(request.url.path) else page_message(exc.status_code, request.method)
    message = page_words or HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
    return envelope(request, exc.status_code, message, f"http_{exc.status_code}", dict(exc.headers or {}))


async def client_gone(request: Request, exc: Exception) -> Response:
    """The client hung up while sending its body: nothing was read, nothing written, nobody to
    answer. Not an error of ours, so no traceback in the log."""
    log.info("client disconnected during %s %s", request.method, request.url.path)
    return Response(status_code=400)


async def os_or_sqlite_error(request: Request, exc: Exception) -> Response:
    """An ``OSError`` or SQLite error raised outside the Store (a backup, a temporary file): the
    disk's, answered as the Store answers it; anything else is a bug, for ``server_error``."""
    failure = storage_failure(exc)
    if failure is None:
        raise exc
    return await app_error(request, failure)


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    try:
        return envelope(request, 500, "服务器内部出错，请稍后再试；数据没有被部分写入。", "internal_error")
    except Exception:  # the template itself failed: still no traceback to the client
        return HTMLResponse("<h1>500</h1>", status_code=500)


EXCEPTION_HANDLERS = {
    AppError: app_error,
    SyncError: sync_error,
    HTTPException: http_error,
    ClientDisconnect: client_gone,
    # Here, not under Exception: Starlette logs a traceback for whatever reaches that handler.
    OSError: os_or_sqlite_error,
    sqlite3.Error: os_or_sqlite_error,
    Exception: server_error,
}
