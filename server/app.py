"""``create_app(settings)``: routes, middleware, error handlers and a lifespan that
opens the Store. Nothing happens at import time."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware

from .auth import Signers, load_keys
from .config import Settings
from .errors import EXCEPTION_HANDLERS
from .routes import routes
from .security import SecurityHeaders
from .store import Store
from .templating import build_templates


def create_app(settings: Settings) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = Store(settings.db_path, readers=settings.readers, fault_delay_in_write=settings.fault_delay_in_write)
        store.migrate()
        app.state.store = store
        app.state.signers = Signers(load_keys(settings.secret_keys, settings.db_path))
        try:
            yield
        finally:
            store.close()

    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        lifespan=lifespan,
    )
    # Available before the lifespan runs, so even a startup error renders an envelope.
    app.state.settings = settings
    app.state.templates = build_templates()
    return app
