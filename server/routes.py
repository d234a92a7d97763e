"""The URL map, top to bottom: each area's routes composed into one table. Every route is named."""
from __future__ import annotations

import pathlib

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from . import api
from .config import Settings
from .pages import home
from .paths import Paths
from .pwa import PwaFiles


def build_routes(settings: Settings, paths: Paths) -> list[BaseRoute]:
    return [
        *home.routes,
        Mount("/api", routes=api.routes),
        Mount("/static", StaticFiles(directory=paths.static), name="static"),
        # The phone app; BANXING_PWA_DIR serves another copy (a newer app without reinstalling).
        Mount("/app", app=PwaFiles(pathlib.Path(settings.pwa_dir) if settings.pwa_dir else paths.pwa), name="pwa"),
    ]
