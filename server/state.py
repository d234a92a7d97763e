"""What every handler may use, typed: settings, the Store, the signers and the templates.

``create_app`` builds the templates and keeps the settings on ``app.state`` at once, so
even an error during startup renders the friendly page; the lifespan opens the Store and
loads the signing keys, then publishes one frozen ``AppState``.
"""
from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.templating import Jinja2Templates

from .auth import Signers
from .config import Settings
from .paths import Paths
from .store import Store


@dataclass(frozen=True)
class AppState:
    settings: Settings
    store: Store
    signers: Signers
    templates: Jinja2Templates
    paths: Paths


def app_state(request: Request) -> AppState:
    """The running app's state; only valid once the lifespan has started."""
    state = getattr(request.app.state, "banxing", None)
    if not isinstance(state, AppState):
        raise RuntimeError("the Banxing lifespan has not started")
    return state


def templates_of(request: Request) -> Jinja2Templates:
    """The templates, available before the lifespan too (startup errors render a page)."""
    templates = request.app.state.templates
    assert isinstance(templates, Jinja2Templates)
    return templates
