"""``create_app(settings)``: routes, middleware, error handlers and a lifespan that
opens the Store. Nothing happens at import time."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from .auth import Signers, load_keys
from .body_limit import BodyLimit
from .config import Settings
from .error_handlers import EXCEPTION_HANDLERS
from .errors import FormKept, LoginRequired, PasswordToChoose
from .pages.first_password import password_to_choose
from .pages.login import form_kept, http_refused, login_required
from .paths import resolve
from .replication import HeldWal
from .routes import build_routes
from .security import SecurityHeaders
from .slashes import page_slashes
from .state import AppState
from .store import Store
from .templating import build_templates


class Banxing(Starlette):
    """Starlette with layers outside its error handling, so they apply to every answer.

    Starlette runs user middleware inside ``ServerErrorMiddleware``: a 500 page would go out
    without the CSP. Here the security headers wrap the whole stack, and outside them the
    forwarded headers are believed only from ``trusted_proxies`` (uvicorn's own middleware,
    run here instead of by ``banxing serve``, whose default trusts 127.0.0.1).
    """

    def __init__(self, settings: Settings, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.trusted_proxies = list(settings.trusted_proxies)

    def build_middleware_stack(self) -> ASGIApp:
        # The body bound wraps the app's receive; it refuses inside the handler reading the body.
        app: ASGIApp = SecurityHeaders(BodyLimit(super().build_middleware_stack()))
        if self.trusted_proxies:
            app = ProxyHeadersMiddleware(app, trusted_hosts=self.trusted_proxies)  # type: ignore[arg-type,assignment]
        return app


def create_app(settings: Settings) -> Starlette:
    paths = resolve()
    templates = build_templates(paths)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = Store(settings.db_path, readers=settings.readers, report_readers=settings.report_readers,
                      fault_delay_in_write=settings.fault_delay_in_write, checkpoints=not settings.replica)
        if settings.replica:
            store.wal_holder = HeldWal()  # Litestream lets go of a deleted WAL for it to be copied back
        store.migrate()
        app.state.banxing = AppState(
            settings=settings, store=store, signers=Signers(load_keys(settings.secret_keys, settings.db_path)),
            templates=templates, paths=paths,
        )
        try:
            yield
        finally:
            store.close()

    app = Banxing(
        settings,
        routes=build_routes(settings, paths),
        exception_handlers={**EXCEPTION_HANDLERS, LoginRequired: login_required, FormKept: form_kept,
                            PasswordToChoose: password_to_choose, HTTPException: http_refused},
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False
    app.router.default = page_slashes(app.router)
    # Available before the lifespan runs, so even a startup error renders an envelope.
    app.state.settings = settings
    app.state.templates = templates
    return app
