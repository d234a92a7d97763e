"""The JSON API under /api/: enrolment, sync, the phone's account and PIN recovery, and the protocol document."""
from __future__ import annotations

from starlette.routing import BaseRoute, Route

from ..openapi import openapi
from . import devices as devices_api
from . import recovery as recovery_api
from . import sync as sync_api

routes: list[BaseRoute] = [
    Route("/enrol", devices_api.enrol, methods=["POST"], name="api_enrol"),
    Route("/sync/push", sync_api.push, methods=["POST"], name="api_push"),
    Route("/sync/pull", sync_api.pull, methods=["GET"], name="api_pull"),
    Route("/device", recovery_api.device, methods=["GET"], name="api_device"),
    Route("/device/recovery-key", recovery_api.put_recovery_key, methods=["PUT"], name="api_recovery_key"),
    Route("/recovery", recovery_api.recover, methods=["POST"], name="api_recovery"),
    Route("/openapi.json", openapi, name="api_openapi"),
]
