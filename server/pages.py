"""Server-rendered pages. For now the front page; staff and county pages come next."""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from starlette.requests import Request
from starlette.responses import Response


def _version() -> str:
    try:
        return version("banxing")
    except PackageNotFoundError:
        return "dev"


async def index(request: Request) -> Response:
    return request.app.state.templates.TemplateResponse(request, "index.html", {"version": _version()})
