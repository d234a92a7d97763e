"""Numbers on the wire are what a phone's JavaScript holds exactly, read by value (issue 8, item 3).

A phone's ``mutation_id`` is a JavaScript number: above 2^53-1 it is no longer exact, so a
server that accepted 2^63-1 left that phone unable to send a larger id ever again. And JSON
(and the OpenAPI schema) calls ``1.0`` an integer, so the server reads it as 1.
"""
from __future__ import annotations

import json
import pathlib
import re

import pytest
from starlette.testclient import TestClient

from server import create_app
from server.config import PHONE_PULL_LIMIT, SettingInvalid, Settings
from server.openapi import spec
from sync.mutations import MAX_MUTATION_ID

from .conftest import County, activity
from .test_errors import assert_envelope

JSON = {"content-type": "application/json"}
JS_SAFE = 2**53 - 1


def push_text(county: County, headers: dict[str, str], text: str) -> object:
    return county.client.post("/api/sync/push", content=text.encode(), headers={**headers, **JSON})


def test_the_largest_mutation_id_is_the_largest_integer_javascript_holds_exactly() -> None:
    assert MAX_MUTATION_ID == JS_SAFE


@pytest.mark.parametrize("mutation_id", [2**63 - 1, 2**53])
def test_push_with_a_mutation_id_javascript_cannot_hold_is_refused_whole_and_the_phone_goes_on(
    county: County, mutation_id: int
) -> None:
    headers = county.auth("mentor")
    too_big = county.client.post("/api/sync/push", json={"mutations": [activity(county.pairing, mutation_id)]},
                                 headers=headers)
    body = assert_envelope(too_big, 400, "batch_invalid")
    assert str(JS_SAFE) in body["error"]
    ok = county.client.post("/api/sync/push", json={"mutations": [activity(county.pairing, 1)]}, headers=headers)
    assert ok.json()["last_mutation_id"] == 1


def test_push_with_the_largest_safe_mutation_id_is_applied(county: County) -> None:
    headers = county.auth("mentor")
    ok = county.client.post("/api/sync/push", json={"mutations": [activity(county.pairing, JS_SAFE)]},
                            headers=headers)
    assert ok.status_code == 200 and ok.json()["results"][0]["status"] == "applied"


def test_base_version_javascript_cannot_hold_is_rejected_with_a_reason(county: County) -> None:
    headers = county.auth("mentor")
    mutation = {**activity(county.pairing, 1), "base_version": 2**53}
    (answer,) = county.client.post("/api/sync/push", json={"mutations": [mutation]}, headers=headers).json()["results"]
    assert answer["status"] == "rejected" and "base_version 应为 null 或" in answer["reason"]
    assert str(JS_SAFE) in answer["reason"]


def test_integral_json_numbers_are_integers(county: County) -> None:
    """1.0 is the integer 1 (as in JSON Schema), in the envelope and in fields alike."""
    headers = county.auth("mentor")
    mutation = activity(county.pairing, 1, duration_min=45)
    text = json.dumps({"mutations": [mutation]}).replace('"mutation_id": 1', '"mutation_id": 1.0')
    text = text.replace('"duration_min": 45', '"duration_min": 4.5e1')
    answer = push_text(county, headers, text)
    assert answer.status_code == 200, answer.text  # type: ignore[attr-defined]
    assert answer.json()["results"][0]["status"] == "applied"  # type: ignore[attr-defined]
    stored = county.client.app.state.banxing.store.read_now(lambda db: db.execute(
        "SELECT duration_min, typeof(duration_min) FROM activities WHERE id = ?", [mutation["record_id"]]).fetchone())
    assert tuple(stored) == (45, "integer")


def test_a_fractional_mutation_id_is_refused_whole(county: County) -> None:
    text = json.dumps({"mutations": [activity(county.pairing, 1)]}).replace('"mutation_id": 1', '"mutation_id": 1.5')
    assert_envelope(push_text(county, county.auth("mentor"), text), 400, "batch_invalid")  # type: ignore[arg-type]


def test_openapi_bounds_ids_and_versions_as_the_server_does() -> None:
    schemas = spec()["components"]["schemas"]
    mutation = schemas["Mutation"]["properties"]
    assert mutation["mutation_id"] == {"type": "integer", "minimum": 1, "maximum": JS_SAFE}
    assert mutation["base_version"]["maximum"] == JS_SAFE and mutation["base_version"]["minimum"] == 0
    assert mutation["record_id"]["pattern"] == "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    assert schemas["PushResult"]["properties"]["last_mutation_id"]["maximum"] == JS_SAFE


def test_openapi_pull_limit_is_the_configured_maximum(tmp_path: pathlib.Path) -> None:
    settings = Settings(db_path=tmp_path / "t.db", secret_keys=("k",), max_pull_limit=50)
    with TestClient(create_app(settings)) as client:
        document = client.get("/api/openapi.json").json()
    (limit,) = [p for p in document["paths"]["/api/sync/pull"]["get"]["parameters"] if p["name"] == "limit"]
    assert limit["schema"]["maximum"] == 50


def test_a_pull_maximum_below_the_phones_page_size_is_refused_at_start() -> None:
    """BANXING_MAX_PULL_LIMIT=200 started a server that answered every phone's pull of 500 with 400 limit_invalid:
    no phone got a record again, and each showed 'limit 应为 1 到 200 之间的整数' to its volunteer."""
    script = (pathlib.Path(__file__).resolve().parents[2] / "pwa" / "js" / "sync.js").read_text(encoding="utf-8")
    assert re.search(rf"\bPULL_LIMIT = {PHONE_PULL_LIMIT}\b", script), "the phone's page size is PHONE_PULL_LIMIT"
    with pytest.raises(SettingInvalid, match="BANXING_MAX_PULL_LIMIT=200"):
        Settings.from_env({"BANXING_MAX_PULL_LIMIT": "200"})
    assert Settings.from_env({"BANXING_MAX_PULL_LIMIT": "500"}).max_pull_limit == 500


def test_an_integer_past_64_bits_is_read_exactly_not_as_a_float(county: County) -> None:
    # The fast JSON reader turns such an integer into a float; the body is then read again by
    # the standard library, so the reason quotes the number that was sent.
    mutation = {**activity(county.pairing, 1), "base_version": 2**70}
    (answer,) = county.client.post("/api/sync/push", json={"mutations": [mutation]},
                                   headers=county.auth("mentor")).json()["results"]
    assert answer["status"] == "rejected" and str(2**70) in answer["reason"]
