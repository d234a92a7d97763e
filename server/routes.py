"""The URL map, top to bottom: each area's routes composed into one table. Every route is named."""
from __future__ import annotations

import pathlib

from starlette.routing import BaseRoute, Mount, Route

from . import api
from .config import Settings
from .pages import (
    account,
    activities,
    admin_system,
    admin_units,
    admin_users,
    archives,
    brief,
    bulk_move,
    conflicts,
    coverage,
    dashboard,
    deadlines,
    donations,
    events,
    first_password,
    grade_promotion,
    home,
    imports,
    inspections,
    leaving,
    login,
    mentee_forms,
    mentees,
    mentors,
    pairings,
    peers,
    phone_import,
    quiet,
    referrals,
    returns,
    review,
    risk_flags,
    station,
    stats,
    summary,
)
from .paths import Paths, resolve
from .pwa import PwaFiles
from .slashes import api_router
from .static_files import StaticPages


def build_routes(settings: Settings, paths: Paths) -> list[BaseRoute]:
    return [
        # First: phones sync many times an hour, and each request would otherwise be matched
        # against every page's pattern before reaching /api (no page path begins with /api).
        Mount("/api", app=api_router(api.routes)),
        *home.routes,
        home.icon_route(paths),
        *login.routes,
        *account.routes,
        *first_password.routes,
        *station.routes,
        *imports.routes,  # /mentees/import before /mentees/{mentee_id}
        *mentee_forms.routes,  # /mentees/new before /mentees/{mentee_id}
        *leaving.routes,  # /mentees/{mentee_id}/leave: 结束帮扶, the pairings and the file in one write
        *mentees.routes,
        *bulk_move.routes,  # /units/{unit_id}/move-children: 撤点并校, every child of a unit at once
        *grade_promotion.routes,  # /units/{unit_id}/promote-grades: 升年级, each September
        *mentors.routes,
        *dashboard.routes,
        *risk_flags.routes,
        *pairings.routes,  # before archives: /pairings/new is not a pairing id
        *archives.routes,
        *phone_import.routes,  # /activities/phone-import before /activities/{activity_id}
        *activities.routes,
        *events.routes,
        *review.routes,
        *conflicts.routes,
        *referrals.routes,
        *donations.routes,
        *stats.routes,
        *deadlines.routes,  # /returns/deadlines before /returns/{return_id}
        *returns.routes,
        *coverage.routes,
        *quiet.routes,
        *inspections.routes,
        *peers.routes,  # /peers/units/{unit_id} before /peers/{peer_id}
        *brief.routes,
        *summary.routes,
        *admin_units.routes,
        *admin_users.routes,
        *admin_system.routes,
        Mount("/static", StaticPages(directory=paths.static), name="static"),
        # The phone app; BANXING_PWA_DIR serves another copy (a newer app without reinstalling).
        Mount("/app", app=PwaFiles(pathlib.Path(settings.pwa_dir) if settings.pwa_dir else paths.pwa), name="pwa"),
    ]


def url_map() -> list[tuple[str, frozenset[str]]]:
    """Every route of the URL map as (full path, methods), walking into mounts; a mount with no routes
    of its own (static files, the phone app) is one entry without methods. What the tests and the
    bench that check every page walk, so a page added to the map is covered the day it is added."""
    out: list[tuple[str, frozenset[str]]] = []

    def walk(routes: list[BaseRoute], prefix: str) -> None:
        for route in routes:
            if isinstance(route, Route):
                out.append((prefix + route.path, frozenset(route.methods or ())))
            elif isinstance(route, Mount) and route.routes:
                walk(list(route.routes), prefix + route.path)
            elif isinstance(route, Mount):
                out.append((prefix + route.path, frozenset()))

    walk(build_routes(Settings(), resolve()), "")
    return out
