"""The sync protocol as OpenAPI 3.1, served at ``/api/openapi.json``."""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sync.echo import ECHO_MAX, REASON_MAX
from sync.entities import ENTITIES
from sync.labels import ACTIVITY_KINDS
from sync.mutations import MAX_MUTATION_ID, MAX_SAFE_INTEGER

from .config import Settings

UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

ERROR = {"$ref": "#/components/schemas/Error"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR}}}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def spec(settings: Settings | None = None) -> dict[str, Any]:
    """The document; numeric bounds are the server's own (``settings`` for the pull limit)."""
    settings = settings or Settings()
    bearer: list[dict[str, list[str]]] = [{"device": []}]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Banxing sync API",
            "version": "1",
            "description": (
                "Offline-first sync for mentors' phones. See docs/sync-protocol.md for the merge rule. "
                "Numbers are read by value: 1.0 is the integer 1. A push whose envelope is readable is "
                "answered 200 with one result per mutation; a mutation that is not valid (unknown entity, "
                "record_id not a lower-case UUID, a bad field) is answered `rejected`, not refused."
            ),
        },
        "paths": {
            "/api/enrol": {"post": {
                "operationId": "enrol",
                "summary": "Redeem a one-time enrolment code for a device token",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["code"],
                    "properties": {"code": {"type": "string", "pattern": "^[0-9 -]{8,12}$"},
                                   "device_name": {"type": "string", "maxLength": 100}}}}}},
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/Enrolled"}),
                    "400": _error("Malformed body, or a wrong, used or expired code"),
                    "413": _error("Body too large"),
                    "415": _error("Content-Type is not application/json"),
                    "429": _error("Too many wrong codes from this address; see Retry-After"),
                },
            }},
            "/api/sync/push": {"post": {
                "operationId": "push",
                "summary": "Apply a batch of mutations in one transaction (idempotent per device and mutation_id)",
                "security": bearer,
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["mutations"],
                    "properties": {"mutations": {
                        "type": "array", "items": {"$ref": "#/components/schemas/Mutation"}}}}}}},
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/PushResult"}),
                    "400": _error("Malformed JSON or batch envelope"),
                    "401": _error("Missing, forged, expired or revoked device token"),
                    "413": _error("Too many mutations or bytes; split the batch"),
                    "415": _error("Content-Type is not application/json"),
                },
            }},
            "/api/sync/pull": {"get": {
                "operationId": "pull",
                "summary": "Changes in the caller's scope after a cursor, in pages",
                "security": bearer,
                "parameters": [
                    {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"}},
                    {"name": "limit", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 1, "maximum": settings.max_pull_limit,
                                "default": min(500, settings.max_pull_limit)}},
                ],
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/PullPage"}),
                    "400": _error("Garbage cursor or bad limit"),
                    "401": _error("Missing, forged, expired or revoked device token"),
                },
            }},
            "/api/device": {"get": {
                "operationId": "device",
                "summary": "This phone's owner, their unit's telephone, whether its recovery key is stored, "
                           "and a fresh recovery token",
                "security": bearer,
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/Device"}),
                    "401": _error("Missing, forged, expired or revoked device token"),
                },
            }},
            "/api/device/recovery-key": {"put": {
                "operationId": "putRecoveryKey",
                "summary": "Store or replace this phone's recovery key (32 random bytes, unpadded base64url)",
                "security": bearer,
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["recovery_key"], "additionalProperties": False,
                    "properties": {"recovery_key": {"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$"}}}}}},
                "responses": {
                    "200": _json({"type": "object", "properties": {
                        "ok": {"const": True}, "stored_at": {"type": "string"}}}),
                    "400": _error("Malformed body or key"),
                    "401": _error("Missing, forged, expired or revoked device token"),
                },
            }},
            "/api/recovery": {"post": {
                "operationId": "recover",
                "summary": "Release this phone's recovery key for a one-time code from the station "
                           "(authenticated with the phone's recovery token)",
                "security": bearer,
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["code"],
                    "properties": {"code": {"type": "string", "pattern": "^[0-9 -]{8,12}$"}}}}}},
                "responses": {
                    "200": _json({"type": "object", "required": ["recovery_key"], "properties": {
                        "recovery_key": {"type": "string"}}}),
                    "400": _error("Malformed body, or a wrong, used or expired code"),
                    "401": _error("Missing, forged or expired recovery token, or a revoked phone"),
                    "409": _error("The phone never uploaded a recovery key"),
                    "429": _error("Too many wrong codes for this phone; see Retry-After"),
                },
            }},
            "/api/openapi.json": {"get": {
                "operationId": "openapi", "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1 document"}},
            }},
        },
        "components": {
            "securitySchemes": {"device": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["ok", "error", "status"], "properties": {
                    "ok": {"const": False}, "error": {"type": "string"}, "status": {"type": "integer"},
                    "code": {"type": "string"},
                    "restored": {"type": "boolean", "description": "On cursor_invalid: the server lost changes "
                                 "after this cursor (restored from an older copy); send again what it lacks"}}},
                "Enrolled": {"type": "object", "required": ["device_id", "token", "recovery_token", "user"],
                             "properties": {
                    "device_id": {"type": "string", "format": "uuid"}, "token": {"type": "string"},
                    "recovery_token": {"type": "string", "description": "Opens only POST /api/recovery"},
                    "user": {"type": "object", "properties": {
                        "id": {"type": "string"}, "name": {"type": "string"},
                        "role": {"enum": ["mentor", "staff"]}, "unit_id": {"type": "string"}}}}},
                "Device": {"type": "object", "required": ["device_id", "user", "unit", "recovery_key_stored",
                                                          "recovery_token"], "properties": {
                    "device_id": {"type": "string"},
                    "user": {"type": "object", "properties": {
                        "id": {"type": "string"}, "name": {"type": "string"},
                        "role": {"enum": ["mentor", "staff"]}, "unit_id": {"type": "string"}}},
                    "unit": {"type": ["object", "null"], "properties": {
                        "id": {"type": "string"}, "name": {"type": "string"},
                        "phone": {"type": ["string", "null"]}}},
                    "recovery_key_stored": {"type": "boolean"},
                    "recovery_token": {"type": "string"},
                    "token": {"type": "string", "description": "A renewed device token; store it"}}},
                "Mutation": {"type": "object", "additionalProperties": False,
                             "required": ["mutation_id", "entity", "record_id", "op"], "properties": {
                    "mutation_id": {"type": "integer", "minimum": 1, "maximum": MAX_MUTATION_ID},
                    "entity": {"enum": list(ENTITIES)},
                    "record_id": {"type": "string", "pattern": UUID_PATTERN},
                    "op": {"enum": ["upsert", "delete"]},
                    "base_version": {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_SAFE_INTEGER},
                    "fields": {"type": ["object", "null"], "description": "Changed fields only (upsert)"}}},
                "Result": {"type": "object", "required": ["mutation_id", "status", "version", "reason"],
                           "properties": {
                    "mutation_id": {"type": "integer", "minimum": 1, "maximum": MAX_MUTATION_ID},
                    "entity": {"type": "string", "maxLength": ECHO_MAX},
                    "record_id": {"type": "string", "maxLength": ECHO_MAX},
                    "status": {"enum": ["applied", "merged", "conflict", "rejected"]},
                    "version": {"type": ["integer", "null"], "minimum": 1},
                    "reason": {"type": ["string", "null"], "maxLength": REASON_MAX},
                    "conflicts": {"type": "array", "items": {"type": "object", "properties": {
                        "field": {"type": "string"}, "kept": {}, "yours": {}, "conflict_id": {"type": "string"}}}},
                    "fields": {"type": "object", "description": "The kept value of each conflicting field"}}},
                "PushResult": {"type": "object", "required": ["last_mutation_id", "results"], "properties": {
                    "token": {"type": "string", "description": "A renewed device token; store it"},
                    "last_mutation_id": {"type": "integer", "minimum": 0, "maximum": MAX_MUTATION_ID},
                    "results": {"type": "array", "items": {"$ref": "#/components/schemas/Result"}}}},
                "PullPage": {"type": "object", "required": ["changes", "cursor", "more", "drop"], "properties": {
                    "token": {"type": "string", "description": "A renewed device token; store it"},
                    "changes": {"type": "array", "items": {"type": "object", "properties": {
                        "entity": {"type": "string"}, "record_id": {"type": "string"},
                        "version": {"type": "integer"}, "deleted": {"type": "boolean"},
                        "fields": {"type": "object"}}}},
                    "cursor": {"type": "string"}, "more": {"type": "boolean"},
                    "drop": {"type": "array", "items": {"type": "object", "properties": {
                        "entity": {"type": "string"}, "record_id": {"type": "string"}}}},
                    "history": {"type": "string", "description": "Changes only when the server is restored "
                                "from a copy: then send again what this phone holds that the server lacks"}}},
                "ActivityKind": {"enum": list(ACTIVITY_KINDS)},
            },
        },
    }


async def openapi(request: Request) -> Response:
    settings = request.app.state.settings  # set by create_app, before the lifespan
    assert isinstance(settings, Settings)
    return JSONResponse(spec(settings))
