"""Links to pages other families own, present only once their routes exist.

A page links to the archive (``/pairings/{pairing_id}``), the review queue or the referrals
of another page family; until that route is in the URL map the page shows plain text.
"""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import NoMatchFound


def route_path(request: Request, name: str, **params: Any) -> str | None:
    """The path of the route ``name`` with ``params``, or None when the URL map has no such route."""
    try:
        return str(request.app.url_path_for(name, **params))
    except NoMatchFound:
        return None


def route_paths(request: Request, *names: str) -> dict[str, str | None]:
    """``{name: path or None}`` for parameterless routes, for templates to link when they exist."""
    return {name: route_path(request, name) for name in names}


def pairing_link(request: Request, pairing_id: str | None) -> str | None:
    """The pairing archive page (``/pairings/{pairing_id}``), once that route exists."""
    return route_path(request, "pairing_detail", pairing_id=pairing_id) if pairing_id else None
