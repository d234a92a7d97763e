"""Links to pages other families own, by route name.

A page links to the archive (``/pairings/{pairing_id}``), the review queue or the referrals
of another page family. A name missing from the URL map is a mistake in our code, not a state
to render around: ``url_path_for`` raises, and the page tests that render every page catch it.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.requests import Request

from sync import parse_id


def route_path(request: Request, name: str, **params: Any) -> str:
    """The path of the route ``name`` with ``params``."""
    return str(request.app.url_path_for(name, **params))


def route_paths(request: Request, *names: str) -> dict[str, str]:
    """``{name: path}`` for parameterless routes."""
    return {name: route_path(request, name) for name in names}


def pairing_link(request: Request, pairing_id: str | None) -> str | None:
    """The pairing archive page (``/pairings/{pairing_id}``) of a record that has a pairing."""
    return route_path(request, "pairing_detail", pairing_id=pairing_id) if pairing_id else None


def came_from(request: Request, listed: Iterable[tuple[str, str]]) -> str | None:
    """Where a new-record form's 取消 leads when a record's page opened it for that record: the
    child's file (``?mentee_id=``: 为这个孩子结对, 登记转介) or the pairing's archive (``?pairing_id=``:
    代录一次帮扶), when the form's picker ``listed`` it (in the visitor's scope: an id from elsewhere is
    written nowhere on the page). None for a form opened from the menu, or shown again by a post (its
    address has no query): 取消 then leads to the list."""
    shown = {value for value, _ in listed}
    mentee, pairing = (parse_id(request.query_params.get(k)) for k in ("mentee_id", "pairing_id"))
    if pairing and pairing in shown:
        return route_path(request, "pairing_detail", pairing_id=pairing)
    return route_path(request, "mentee_detail", mentee_id=mentee) if mentee and mentee in shown else None
