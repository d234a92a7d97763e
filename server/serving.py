"""``banxing serve``: uvicorn, bounded against stalled and oversized requests.

uvicorn bounds neither how long a client may take to send its headers nor how large they may
be on its fast parser: ``timeout_keep_alive`` runs only between two requests (not before the
first one, and not once a byte has arrived), and ``h11_max_incomplete_event_size`` exists only
for the pure-Python h11 parser, which parsed our 800 kB pushes a third slower (see
docs/performance.md). Other ASGI servers were weighed: Hypercorn bounds both but parses with
h11 too; Granian bounds both in Rust but runs the app on its own threads and workers, a larger
change to the Store's one-writer model than the two bounds are worth. So ``BoundedHttpTools``
adds the two missing bounds to uvicorn's httptools protocol (uvicorn is pinned; the e2e tests
in tests/e2e/test_served_limits.py probe both from outside):

- **header timeout**: from the moment a connection opens, or a response ends on a keep-alive
  connection, the next request's headers must be complete within ``header_timeout`` seconds,
  else the connection gets 408 and is closed (slowloris: stalled connections held every file
  descriptor);
- **header size**: while headers are incomplete, the bytes received are counted; past
  ``max_header_bytes`` the connection gets 431 and is closed, before httptools has buffered and
  parsed a 128 MB header on the event loop. A header block that arrives whole in one read (up to
  256 kB on loopback or a fast link) never leaves the headers incomplete after a chunk: its
  request line and headers are counted as the parser hands them over, and past the bound the
  parse is stopped, before the app sees the request, with the same 431.

``max_connections`` is uvicorn's ``limit_concurrency`` (503 past it), kept below the process's
open-file limit so the database and its WAL always have descriptors; the soft limit is raised
to the hard one first. A reverse proxy in front (docs/nginx.conf) is still the place to bound
connections per client address.
"""
from __future__ import annotations

import asyncio
import gc
import os
import resource
import sys
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from .config import Settings

# Descriptors kept back from max_connections: the database, its WAL and SHM on each of the
# writer, checkpoint and reader connections, the listening socket, logs, Litestream's pipe.
RESERVED_FDS = 48
TOO_LARGE = "请求的网址或请求头太长，请返回上一页重试。Request header fields too large."


class HeadersTooLarge(Exception):
    """Raised in a parser callback to stop the parse; httptools hands it back as a parser error."""


class BoundedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline and a size limit on each request's headers."""

    header_timeout: float = 15.0
    max_header_bytes: int = 64 * 1024

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None
        self._awaiting_headers = True
        self._header_bytes = 0
        self._parsed_header_bytes = 0
        self._headers_too_large = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def _await_headers(self) -> None:
        self._awaiting_headers = True
        self._header_bytes = 0
        self._cancel_header_timer()
        self._header_timer = self.loop.call_later(self.header_timeout, self._header_timeout)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timeout(self) -> None:
        self._header_timer = None
        if self._awaiting_headers and not self.transport.is_closing():
            self._refuse(408, "请求发送得太慢，连接已关闭，请重试。Request header timeout.")

    def send_400_response(self, msg: str) -> None:
        """A request the HTTP parser cannot read (uvicorn answers it in English, outside the app)."""
        if self._headers_too_large:  # our own stop (HeadersTooLarge), reported to uvicorn as a parser error
            self._refuse(431, TOO_LARGE)
            return
        self._refuse(400, f"请求格式不正确，请返回上一页重试。{msg}")

    def on_message_begin(self) -> None:
        self._parsed_header_bytes = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count_parsed(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_parsed(len(name) + len(value) + 4)  # with ": " and CRLF, as sent
        super().on_header(name, value)

    def _count_parsed(self, size: int) -> None:
        self._parsed_header_bytes += size
        if self._parsed_header_bytes > self.max_header_bytes:
            self._headers_too_large = True
            raise HeadersTooLarge

    def _refuse(self, status: int, message: str) -> None:
        # Before the app, so no page template: one plain line, in Chinese, with the English for engineers.
        body = message.encode("utf-8")
        self.transport.write(b"".join([
            STATUS_LINE[status], b"content-type: text/plain; charset=utf-8\r\n",
            b"content-length: ", str(len(body)).encode("ascii"), b"\r\n", b"connection: close\r\n\r\n", body,
        ]))
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        waiting = self._awaiting_headers
        super().data_received(data)
        if waiting and self._awaiting_headers and not self.transport.is_closing():
            # Everything in this chunk was header bytes (the headers are still incomplete).
            self._header_bytes += len(data)
            if self._header_bytes > self.max_header_bytes:
                self._refuse(431, TOO_LARGE)

    def on_headers_complete(self) -> None:
        self._awaiting_headers = False
        self._cancel_header_timer()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # Not while a pipelined request (headers already read) is being answered.
        if not self.transport.is_closing() and self.cycle.response_complete:
            self._await_headers()


def bounded_protocol(settings: Settings) -> type[BoundedHttpTools]:
    """The protocol class with this server's bounds (uvicorn instantiates it per connection)."""
    return type("BanxingHttp", (BoundedHttpTools,), {
        "header_timeout": settings.header_timeout, "max_header_bytes": settings.max_header_bytes,
    })


def connection_limit(settings: Settings) -> int:
    """Raise the soft open-file limit to the hard one; keep ``max_connections`` below it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = 65536 if hard == resource.RLIM_INFINITY else hard
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return max(1, min(settings.max_connections, soft - RESERVED_FDS))


def serve(settings: Settings, *, create: bool = False) -> None:
    """Run the app until interrupted; ``ServeRefused`` (nothing started) when server/preflight.py says no."""
    import uvicorn

    from .app import create_app
    from .diskspace import SpaceWatch
    from .preflight import check_address, check_database, hold_database
    from .replication import Replicator
    from .store import Store

    check_database(settings, create=create)
    check_address(settings.host, settings.port)
    lock = hold_database(settings.db_path)  # released by the kernel when this process ends
    replicator = None
    if settings.replica:
        store = Store(settings.db_path, checkpoints=False)  # Litestream wants a migrated WAL database
        try:
            store.migrate()
        finally:
            store.close()
        replicator = Replicator(settings)
        replicator.start()
    address = f"http://{settings.host}:{settings.port}/"
    print(f"伴行服务器在 {address} 上服务（数据库 {settings.db_path}）（Banxing server on {address}）", file=sys.stderr)
    if unreachable := settings.base_url_unreachable:  # the station's QR codes would point nowhere
        print(f"{unreachable}，再重新启动（enrol links and QR codes say {settings.base_url}: set BANXING_PUBLIC_URL）",
              file=sys.stderr)
    space = SpaceWatch(settings.db_path)
    space.start()
    app = create_app(settings)
    # Everything imported and built so far lives as long as the process. Frozen out of the
    # collector's sight, a full collection under load scans what requests allocate, not every
    # module and route again: in the soak it ran every two seconds and paused the server 20-30 ms;
    # frozen, 1-7 ms (docs/performance.md).
    gc.collect()
    gc.freeze()
    try:
        uvicorn.run(
            app, host=settings.host, port=settings.port, log_level="warning",
            http=bounded_protocol(settings),
            limit_concurrency=connection_limit(settings),
            # create_app believes X-Forwarded-For only from `trusted_proxies`; no software banner.
            proxy_headers=False, server_header=False,
        )
    finally:
        space.stop()
        if replicator is not None:
            replicator.stop()
        os.close(lock)
