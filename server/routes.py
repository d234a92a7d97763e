"""The URL map, top to bottom. Every route is named."""
from __future__ import annotations

from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .api import devices, sync
from .openapi import openapi
from .pages import index
from .templating import STATIC

routes = [
    Route("/", index, name="index"),
    Route("/api/enrol", devices.enrol, methods=["POST"], name="api_enrol"),
    Route("/api/sync/push", sync.push, methods=["POST"], name="api_push"),
    Route("/api/sync/pull", sync.pull, methods=["GET"], name="api_pull"),
    Route("/api/openapi.json", openapi, name="api_openapi"),
    Mount("/static", StaticFiles(directory=STATIC), name="static"),
]
