"""The front page, and the site's icon at ``/favicon.ico``."""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..paths import Paths
from .nav import home_for
from .visits import visit

# The phone app's own icon, so the pages add no file to the app's budget; a browser asks for
# /favicon.ico on every page whatever the page links, and a 404 each time is noise in the log.
ICON = "icons/icon-192.png"
# A week: an icon changes with a release at most, and staff PCs then ask once, not on every page.
ICON_CACHE = "public, max-age=604800"


def _version() -> str:
    try:
        return version("banxing")
    except PackageNotFoundError:
        return "dev"


async def index(request: Request) -> Response:
    """The front page. Someone signed in is offered the way to their own home, not 登录 (which only
    sent them there): a clerk who opens the site's address from a bookmark is already at work."""
    page = await visit(request)
    home = home_for(request, page.session.actor.role) if page.session is not None else None
    return page.render("index.html", {"version": _version(), "home": home})


def icon_route(paths: Paths) -> Route:
    """``/favicon.ico``: the icon's bytes, read once when the routes are built."""
    body = (paths.pwa / ICON).read_bytes()

    async def favicon(request: Request) -> Response:
        return Response(body, media_type="image/png", headers={"cache-control": ICON_CACHE})

    return Route("/favicon.ico", favicon, methods=["GET"], name="favicon")


routes: list[BaseRoute] = [Route("/", index, name="index")]
