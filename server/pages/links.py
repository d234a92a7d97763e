"""Links to pages other families own, by route name.

A page links to the archive (``/pairings/{pairing_id}``), the review queue or the referrals
of another page family. A name missing from the URL map is a mistake in our code, not a state
to render around: ``url_path_for`` raises, and the page tests that render every page catch it.
"""
from __future__ import annotations

from typing import Any

from starlette.requests import Request


def route_path(request: Request, name: str, **params: Any) -> str:
    """The path of the route ``name`` with ``params``."""
    return str(request.app.url_path_for(name, **params))


def route_paths(request: Request, *names: str) -> dict[str, str]:
    """``{name: path}`` for parameterless routes."""
    return {name: route_path(request, name) for name in names}


def pairing_link(request: Request, pairing_id: str | None) -> str | None:
    """The pairing archive page (``/pairings/{pairing_id}``) of a record that has a pairing."""
    return route_path(request, "pairing_detail", pairing_id=pairing_id) if pairing_id else None
