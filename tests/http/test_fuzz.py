"""Generated requests over the whole API: no 5xx, and every answer as ``/api/openapi.json`` says
(issue 8, item 19).

Schemathesis reads the served OpenAPI document and generates requests for each operation,
valid ones (positive) and ones that break the schema (negative); each answer must not be a
server error, must carry a status code the document lists for that operation, a content type
it lists, and a body that validates against the schema of that status. Push and pull carry a
real device token of a mentor or of station staff, so generated batches reach the sync engine.

``make test`` runs ``FUZZ_EXAMPLES`` (default 30) examples per operation, mode and role, a few
hundred in all; ``make fuzz`` runs 1,100 of each (more than 10,000 in all).
"""
from __future__ import annotations

import os
import pathlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.python import asgi

from server import create_app
from server.auth import Signers
from server.config import Settings
from server.store import Store
from sync import new_id

from .conftest import build_county

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
KEYS = ("fuzz-key",)
OPERATIONS = [("/api/enrol", "POST", None), ("/api/recovery", "POST", "recovery")] + [
    (path, method, role)
    for path, method in (("/api/sync/push", "POST"), ("/api/sync/pull", "GET"), ("/api/device", "GET"),
                         ("/api/device/recovery-key", "PUT"))
    for role in ("mentor", "staff")
]


@dataclass
class Fuzzed:
    schema: Any
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    path: pathlib.Path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    store = Store(path)
    try:
        store.migrate()
        ids = store.write_now(build_county)
        tokens = {}
        for role in ("mentor", "staff"):
            device, user = new_id(), ids[role].user_id
            store.write_now(lambda db, device=device, user=user: db.execute(
                "INSERT INTO sync_devices (id, user_id, name, created_at) VALUES (?, ?, '模糊测试', ?)",
                [device, user, "2026-11-01T00:00:00.000Z"]))
            tokens[role] = Signers(KEYS).device_token(device, user)
            if role == "mentor":
                tokens["recovery"] = Signers(KEYS).recovery_token(device, user)
    finally:
        store.close()
    # Enrolment guesses are counted per address; a high bound keeps generated codes reaching the check.
    app = create_app(Settings(db_path=path, secret_keys=KEYS, enrol_max_failures=10**9))
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    try:
        yield Fuzzed(schema, tokens)
    finally:
        asgi.shutdown_lifespans()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
@pytest.mark.parametrize(("path", "method", "role"), OPERATIONS, ids=[f"{m} {p} {r or ''}" for p, m, r in OPERATIONS])
def test_generated_requests_get_no_5xx_and_answers_the_schema_describes(
    fuzzed: Fuzzed, path: str, method: str, role: str | None, mode: GenerationMode
) -> None:
    operation = fuzzed.schema[path][method]
    headers = {"Authorization": "Bearer " + fuzzed.tokens[role]} if role else {}
    ran = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
    def call(case: Any) -> None:
        ran.append(case.call_and_validate(headers=headers, checks=CHECKS).status_code)

    call()
    assert len(ran) >= EXAMPLES * 0.9, f"only {len(ran)} of {EXAMPLES} examples ran"
    assert all(status < 500 for status in ran)
