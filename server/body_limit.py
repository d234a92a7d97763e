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

A page that answers before it has read the body (a sign-in redirect, an upload refused by its
declared size, a form that failed to parse) first reads the rest of it, within the bound, and drops
it: closed with the body still arriving, the connection was reset under nginx, which was still
sending that body, and nginx answered its own English 502 for Banxing's page.
"""
from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .error_handlers import is_api
from .errors import BodyTooLarge

PAGE_BODY_MAX = 8 * 1024 * 1024

TOO_LARGE = "提交的内容太大（超过 {mb} MB），服务器没有收下，什么都没有改动。请删去一些内容或分几次提交。"


def _declared(scope: Scope) -> tuple[int | None, bool]:
    """The body's declared length, and whether the request has a body the handler might leave unread."""
    length, chunked, expects = None, False, False
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            length = int(value) if value.isdigit() else None  # the HTTP parser refused anything else
        elif name == b"transfer-encoding":
            chunked = True
        elif name == b"expect":
            expects = True  # 100-continue: an unread body is never sent, so there is none to drain
    return length, not expects and (chunked or bool(length))


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = PAGE_BODY_MAX) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        bound = not is_api(scope["path"])  # /api/ bounds its own bodies, in its own envelope
        refusal = TOO_LARGE.format(mb=limit // (1024 * 1024))
        received = 0
        declared, has_body = _declared(scope)
        done = not has_body

        async def bounded() -> Message:
            nonlocal received, done
            if bound and declared is not None and declared > limit:
                raise BodyTooLarge(refusal)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                done = done or not message.get("more_body", False)
                if bound and received > limit:
                    raise BodyTooLarge(refusal)
            else:
                done = True
            return message

        async def drained_first(message: Message) -> None:
            # An answer before the body was read: read the rest first (within the bound), as above.
            nonlocal received, done
            if message["type"] == "http.response.start" and not done and (declared or 0) <= limit:
                while not done and received <= limit:
                    more = await receive()
                    received += len(more.get("body", b""))
                    done = more["type"] != "http.request" or not more.get("more_body", False)
            await send(message)

        await self.app(scope, bounded, drained_first)
