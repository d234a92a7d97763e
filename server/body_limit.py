"""A bound on the whole body of every page request; /api/ bounds its own (``api.common.read_json``).

Starlette's form parser bounds one field (1 MB) and the number of fields (2,000), never their sum:
an anonymous ``POST /login`` of 400 fields of 1 MB each was held in memory whole (400 MB) before
the form was refused, and a file part is spooled to disk unbounded, so an upload sent chunked
(no ``Content-Length`` for the import pages to refuse early) was written out whole first.

The bound is checked as the body streams in, inside the handler that reads it (so the refusal is
the usual 413 page, not a 500 from a middleware): a declared length past it is refused before a
byte is read; a chunked body as soon as it passes it. It sits above every page's own limit (an
Excel import's 4 MB preview, a phone export's 5 MB file), so those pages still say theirs in their
own words.
"""
from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .error_handlers import is_api
from .errors import BodyTooLarge

PAGE_BODY_MAX = 8 * 1024 * 1024

TOO_LARGE = "提交的内容太大（超过 {mb} MB），服务器没有收下，什么都没有改动。请删去一些内容或分几次提交。"


def _declared(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None  # the HTTP parser refused anything else
    return None


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = PAGE_BODY_MAX) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_api(scope["path"]):
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        refusal = TOO_LARGE.format(mb=limit // (1024 * 1024))
        received = 0
        declared = _declared(scope)

        async def bounded() -> Message:
            nonlocal received
            if declared is not None and declared > limit:
                raise BodyTooLarge(refusal)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(refusal)
            return message

        await self.app(scope, bounded, send)
