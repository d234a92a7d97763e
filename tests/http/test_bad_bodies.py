"""Bodies and queries a careless or hostile client sends get a 4xx envelope, never a 500 (issue 8, items 2, 16).

Each case here answered 500 and logged a traceback: JSON nested 2,048 deep on /api/enrol (no
login needed), an integer literal of 4,301 digits in a push (Python's int conversion limit),
``limit=²`` on pull (``str.isdigit`` takes superscript, Arabic-Indic and full-width digits).
"""
from __future__ import annotations

import json
import logging

import pytest
from starlette.testclient import TestClient

from .conftest import County, activity
from .test_errors import assert_envelope

JSON = {"content-type": "application/json"}


@pytest.fixture
def no_tracebacks(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="banxing")
    return caplog


def assert_nothing_logged_as_error(caplog: pytest.LogCaptureFixture) -> None:
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


def nested(depth: int, inner: str = "1") -> bytes:
    return ("[" * depth + inner + "]" * depth).encode()


def test_enrol_json_nested_2048_deep_is_a_400_envelope(client: TestClient,
                                                        no_tracebacks: pytest.LogCaptureFixture) -> None:
    body = nested(2048, "")  # 4,096 bytes: just inside the enrol body limit
    assert_envelope(client.post("/api/enrol", content=body, headers=JSON), 400, "json_too_deep")
    assert_nothing_logged_as_error(no_tracebacks)


@pytest.mark.parametrize("depth", [40, 900, 5000])
def test_push_with_a_value_nested_too_deep_is_refused_whole_and_the_phone_can_go_on(
    county: County, no_tracebacks: pytest.LogCaptureFixture, depth: int
) -> None:
    headers = {**county.auth("mentor"), **JSON}
    mutation = json.dumps(activity(county.pairing, 1)).encode()
    body = b'{"mutations": [' + mutation[:-1] + b', "extra": ' + nested(depth) + b"}]}"
    assert_envelope(county.client.post("/api/sync/push", content=body, headers=headers), 400, "json_too_deep")
    ok = county.client.post("/api/sync/push", json={"mutations": [activity(county.pairing, 1)]}, headers=headers)
    assert ok.status_code == 200 and ok.json()["results"][0]["status"] == "applied"
    assert_nothing_logged_as_error(no_tracebacks)


def test_push_with_an_integer_of_4301_digits_is_a_400_envelope(county: County,
                                                               no_tracebacks: pytest.LogCaptureFixture) -> None:
    headers = {**county.auth("mentor"), **JSON}
    mutation = activity(county.pairing, 1)
    text = json.dumps({"mutations": [mutation]}).replace('"base_version": null', '"base_version": ' + "9" * 4301)
    body = assert_envelope(county.client.post("/api/sync/push", content=text.encode(), headers=headers), 400,
                           "json_invalid")
    assert "数字" in body["error"]
    assert_nothing_logged_as_error(no_tracebacks)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_push_with_a_non_json_number_constant_is_a_400_envelope(county: County, literal: str) -> None:
    headers = {**county.auth("mentor"), **JSON}
    body = ('{"mutations": [{"mutation_id": 1, "entity": "activity", "record_id": "x", "op": "upsert",'
            f' "base_version": {literal}, "fields": {{}}}}]}}').encode()
    assert_envelope(county.client.post("/api/sync/push", content=body, headers=headers), 400, "json_invalid")


@pytest.mark.parametrize("limit", ["²", "٣", "３", "1²", "৫", "1" * 40, " 5", "5 ", "+5", "0x10"])
def test_pull_limit_that_is_not_ascii_digits_is_a_400_envelope(county: County, limit: str,
                                                              no_tracebacks: pytest.LogCaptureFixture) -> None:
    response = county.client.get("/api/sync/pull", params={"limit": limit}, headers=county.auth("mentor"))
    body = assert_envelope(response, 400, "limit_invalid")
    assert len(body["error"]) < 200
    assert_nothing_logged_as_error(no_tracebacks)


def test_pull_limit_with_leading_zeros_is_read_as_a_number(county: County) -> None:
    response = county.client.get("/api/sync/pull?limit=007", headers=county.auth("mentor"))
    assert response.status_code == 200


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/jsonp", "json"])
def test_push_and_enrol_without_a_json_content_type_are_415(county: County, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    enrol = county.client.post("/api/enrol", content=b'{"code": "12345678"}', headers=headers)
    assert_envelope(enrol, 415, "content_type_unsupported")
    auth = county.auth("mentor")
    body = json.dumps({"mutations": [activity(county.pairing, 1)]}).encode()
    assert_envelope(county.client.post("/api/sync/push", content=body, headers={**auth, **headers}), 415,
                    "content_type_unsupported")


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8",
                                          "Application/JSON;charset=UTF-8"])
def test_push_accepts_json_with_or_without_a_utf8_charset(county: County, content_type: str) -> None:
    body = json.dumps({"mutations": [activity(county.pairing, 1)]}).encode()
    response = county.client.post("/api/sync/push", content=body,
                                  headers={**county.auth("mentor"), "content-type": content_type})
    assert response.status_code == 200, response.text


def test_push_with_a_json_content_type_in_another_charset_is_415(county: County) -> None:
    body = json.dumps({"mutations": []}).encode()
    response = county.client.post("/api/sync/push", content=body,
                                  headers={**county.auth("mentor"), "content-type": "application/json; charset=gbk"})
    assert_envelope(response, 415, "content_type_unsupported")
