"""One error envelope: ``{"ok": false, "error", "status", "code"}`` on /api/, a page elsewhere.

Handlers raise ``AppError`` subclasses (or let ``sync`` errors through); nothing else
builds an error response. Unexpected exceptions become a 500 envelope without a
traceback; they are logged.
"""
from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from sync import BatchInvalid, BatchTooLarge, CursorInvalid, DeviceRevoked, NotAllowed, SyncError

log = logging.getLogger("banxing")


class AppError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, code: str | None = None, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.headers = headers or {}


class BadRequest(AppError):
    status, code = 400, "bad_request"


class Unauthorized(AppError):
    status, code = 401, "unauthorized"


class TooLarge(AppError):
    status, code = 413, "batch_too_large"


class TooManyRequests(AppError):
    status, code = 429, "too_many_requests"


SYNC_STATUS: dict[type[SyncError], int] = {
    BatchInvalid: 400, CursorInvalid: 400, BatchTooLarge: 413, DeviceRevoked: 401, NotAllowed: 403,
}

HTTP_MESSAGES = {
    404: "没有这个地址。",
    405: "这个地址不支持这种请求方法。",
    413: "请求太大。",
}


def envelope(request: Request, status: int, message: str, code: str, headers: dict[str, str] | None = None) -> Response:
    if request.url.path.startswith("/api/"):
        body: dict[str, Any] = {"ok": False, "error": message, "status": status, "code": code}
        return JSONResponse(body, status_code=status, headers=headers)
    templates = request.app.state.templates
    return templates.TemplateResponse(
        request, "error.html", {"status": status, "message": message}, status_code=status, headers=headers
    )


async def app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    return envelope(request, exc.status, exc.message, exc.code, exc.headers)


async def sync_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SyncError)
    status = next((s for cls, s in SYNC_STATUS.items() if isinstance(exc, cls)), 400)
    return envelope(request, status, exc.reason, exc.code)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
    return envelope(request, exc.status_code, message, f"http_{exc.status_code}", dict(exc.headers or {}))


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
    Exception: server_error,
}
