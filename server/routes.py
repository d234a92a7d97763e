"""The URL map, top to bottom: each area's routes composed into one table. Every route is named."""
from __future__ import annotations

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from . import api
from .config import Settings
from .pages import (
    account,
    admin_system,
    admin_units,
    admin_users,
    brief,
    coverage,
    dashboard,
    home,
    inspections,
    login,
    mentees,
    returns,
    station,
    stats,
    summary,
)
from .paths import Paths
from .slashes import api_router


def build_routes(settings: Settings, paths: Paths) -> list[BaseRoute]:
    return [
        *home.routes,
        *login.routes,
        *account.routes,
        *station.routes,
        *mentees.routes,
        *dashboard.routes,
        *stats.routes,
        *returns.routes,
        *coverage.routes,
        *inspections.routes,
        *brief.routes,
        *summary.routes,
        *admin_units.routes,
        *admin_users.routes,
        *admin_system.routes,
        Mount("/api", app=api_router(api.routes)),
        Mount("/static", StaticFiles(directory=paths.static), name="static"),
    ]
