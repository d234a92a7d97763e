"""The JSON API under /api/: enrolment, sync and the protocol document."""
from __future__ import annotations

from starlette.routing import BaseRoute, Route

from ..openapi import openapi
from . import devices as devices_api
from . import sync as sync_api

routes: list[BaseRoute] = [
    Route("/enrol", devices_api.enrol, methods=["POST"], name="api_enrol"),
    Route("/sync/push", sync_api.push, methods=["POST"], name="api_push"),
    Route("/sync/pull", sync_api.pull, methods=["GET"], name="api_pull"),
    Route("/openapi.json", openapi, name="api_openapi"),
]
