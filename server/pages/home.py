"""The front page."""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..state import templates_of


def _version() -> str:
    try:
        return version("banxing")
    except PackageNotFoundError:
        return "dev"


async def index(request: Request) -> Response:
    return templates_of(request).TemplateResponse(request, "index.html", {"version": _version()})


routes: list[BaseRoute] = [Route("/", index, name="index")]
