"""``create_app(settings)``: routes, middleware, error handlers and a lifespan that
opens the Store. Nothing happens at import time."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware

from .auth import Signers, load_keys
from .config import Settings
from .errors import EXCEPTION_HANDLERS, LoginRequired
from .pages.login import login_required
from .paths import resolve
from .routes import build_routes
from .security import SecurityHeaders
from .state import AppState
from .store import Store
from .templating import build_templates


def create_app(settings: Settings) -> Starlette:
    paths = resolve()
    templates = build_templates(paths)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = Store(settings.db_path, readers=settings.readers, report_readers=settings.report_readers,
                      fault_delay_in_write=settings.fault_delay_in_write)
        store.migrate()
        app.state.banxing = AppState(
            settings=settings, store=store, signers=Signers(load_keys(settings.secret_keys, settings.db_path)),
            templates=templates, paths=paths,
        )
        try:
            yield
        finally:
            store.close()

    app = Starlette(
        routes=build_routes(settings, paths),
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={**EXCEPTION_HANDLERS, LoginRequired: login_required},
        lifespan=lifespan,
    )
    # Available before the lifespan runs, so even a startup error renders an envelope.
    app.state.settings = settings
    app.state.templates = templates
    return app
