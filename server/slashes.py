"""Trailing slashes, answered without ever building an address from the caller's ``Host`` header.

Starlette's own ``redirect_slashes`` answers ``/api/sync/push/`` with a redirect to
``http://<Host>/api/sync/push``: a client that sends a forged Host gets an address of the
attacker's choosing back. So, instead:

- under ``/api/`` there is no redirect at all: a 404 envelope names the right path (a phone or
  script should call the right address, and a redirected POST would resend its body);
- a page path with a slash too many or too few gets a *relative* redirect (``Location: /x``),
  and never one that would read as ``//host`` (a protocol-relative address elsewhere).
"""
from __future__ import annotations

from collections.abc import Sequence

from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse
from starlette.routing import BaseRoute, Match, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from .error_handlers import is_api
from .errors import TrailingSlash


def _route_path(scope: Scope) -> str:
    """The path below the mount point (Starlette keeps the full path and sets ``root_path``)."""
    root, path = str(scope.get("root_path", "")), str(scope["path"])
    return path[len(root):] if root and path.startswith(root + "/") else path


def _toggled(path: str) -> str | None:
    """The same path with its trailing slash removed or added; None where no redirect is safe."""
    if path == "/" or path.startswith("//"):
        return None
    other = path.rstrip("/") if path.endswith("/") else path + "/"
    return other or None


def _matches(routes: Sequence[BaseRoute], scope: Scope, path: str) -> bool:
    probe = {**scope, "path": scope.get("root_path", "") + path}
    return any(route.matches(probe)[0] is Match.FULL for route in routes)


def api_router(routes: Sequence[BaseRoute]) -> Router:
    """The router for ``/api``: no slash redirects; a 404 envelope that says which path was meant."""

    async def not_found(scope: Scope, receive: Receive, send: Send) -> None:
        path = _route_path(scope)
        other = _toggled(path)
        if other is not None and path.endswith("/") and _matches(routes, scope, other):
            raise TrailingSlash(f"没有这个地址：末尾多了 /，请用 {scope.get('root_path', '')}{other}。")
        raise HTTPException(status_code=404)

    return Router(list(routes), redirect_slashes=False, default=not_found)


def page_slashes(router: Router) -> ASGIApp:
    """The top-level router's default: a relative redirect to the page that exists, else 404."""

    async def default(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = _route_path(scope)
            other = _toggled(path)
            # Never under /api, /api itself included (/api/ is the mount's): see the module docstring.
            if other is not None and not is_api(path) and _matches(router.routes, scope, other):
                query = scope.get("query_string", b"").decode("latin-1")
                await RedirectResponse(other + (f"?{query}" if query else ""))(scope, receive, send)
                return
        await router.not_found(scope, receive, send)

    return default
