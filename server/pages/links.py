"""Links to pages other families own, present only once their routes exist.

The county pages point at the archive (``/pairings/{pairing_id}``) and the mentee page that the
station pages provide; until those routes are in the URL map the lists show plain text.
"""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import NoMatchFound


def path_or_none(request: Request, name: str, **params: Any) -> str | None:
    try:
        return str(request.app.url_path_for(name, **params))
    except NoMatchFound:
        return None


def pairing_link(request: Request, pairing_id: str | None) -> str | None:
    return path_or_none(request, "pairing_detail", pairing_id=pairing_id) if pairing_id else None
