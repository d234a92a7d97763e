"""Enrolment codes as people really type them, and the guards against guessing them.

A code typed with a Chinese IME arrives in full-width digits; it is the same code. Guess
counters follow the real client: a forwarded address counts only when it comes from the
configured proxy, IPv6 addresses count per /64 (one home or phone network), and the whole
server has a ceiling of failed enrolments per hour.
"""
from __future__ import annotations

import json
import pathlib
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from server import create_app
from server.config import Settings
from server.devices import issue_code

from .conftest import County, build_county
from .test_sync_api import assert_envelope


def fullwidth(code: str) -> str:
    return "".join(chr(ord(ch) - ord("0") + ord("０")) for ch in code)


def test_a_code_typed_in_fullwidth_digits_enrols(county: County) -> None:
    code = county.store_write(lambda db: issue_code(db, "mentor", hours=1))["code"]
    typed = f"{fullwidth(code[:4])}\u3000{fullwidth(code[4:])}"  # an ideographic space between the groups
    response = county.client.post("/api/enrol", json={"code": typed, "device_name": "红米"})
    assert response.status_code == 200, response.text


def test_a_fullwidth_code_is_not_counted_as_a_wrong_guess(county: County) -> None:
    for _ in range(5):
        code = county.store_write(lambda db: issue_code(db, "mentor", hours=1))["code"]
        assert county.client.post("/api/enrol", json={"code": fullwidth(code)}).status_code == 200
    left = county.store_write(lambda db: db.execute("SELECT count(*) FROM throttle").fetchone()[0])
    assert left == 0


@pytest.mark.parametrize("typed", ["١٢٣٤٥٦٧٨", "१२३४५६७८"])
def test_digits_of_other_scripts_are_not_a_code_and_not_a_guess(county: County, typed: str) -> None:
    """Python's isdigit() takes Arabic-Indic and Devanagari digits; a code is ASCII digits after NFKC."""
    assert_envelope(county.client.post("/api/enrol", json={"code": typed}), 400, "code_invalid")
    assert county.store_write(lambda db: db.execute("SELECT count(*) FROM throttle").fetchone()[0]) == 0


# --- whom a wrong guess is counted against ---------------------------------------------------


def peer(county: County, host: str) -> TestClient:
    """Requests from another client address into the same running app (its lifespan already started)."""
    return TestClient(county.client.app, client=(host, 40000))


def wrong_code(county: County) -> str:
    good = county.store_write(lambda db: issue_code(db, "mentor", hours=1))["code"]
    return "00000000" if good != "00000000" else "11111111"


def guess(client: TestClient, code: str, forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post("/api/enrol", json={"code": code}, headers=headers).status_code


@pytest.fixture
def proxied(tmp_path: pathlib.Path) -> Iterator[County]:
    """The county behind a reverse proxy at 10.0.0.5 (the one address whose X-Forwarded-For is believed)."""
    settings = Settings(db_path=tmp_path / "t.db", secret_keys=("k",), trusted_proxies=("10.0.0.5",))
    with TestClient(create_app(settings), client=("10.0.0.5", 40000)) as client:
        yield County(client=client, **client.app.state.banxing.store.write_now(build_county))


def test_forwarded_for_from_an_untrusted_peer_does_not_choose_the_counter(county: County) -> None:
    code = wrong_code(county)
    statuses = [guess(peer(county, "203.0.113.7"), code, f"198.51.100.{i}") for i in range(6)]
    assert statuses == [400] * 4 + [429] * 2


def test_forwarded_for_from_the_configured_proxy_names_the_client(proxied: County) -> None:
    code = wrong_code(proxied)
    assert [guess(proxied.client, code, "198.51.100.1") for _ in range(5)] == [400] * 4 + [429]
    assert guess(proxied.client, code, "198.51.100.2") == 400  # another phone behind the proxy
    # a client cannot pick its own counter by prepending addresses: the proxy appends the real one
    assert guess(proxied.client, code, "192.0.2.99, 198.51.100.1") == 429


def test_a_peer_that_is_not_the_proxy_is_counted_by_its_own_address(proxied: County) -> None:
    code = wrong_code(proxied)
    direct = peer(proxied, "203.0.113.7")
    assert [guess(direct, code, f"198.51.100.{i}") for i in range(5)] == [400] * 4 + [429]


def test_ipv6_addresses_in_one_64_share_one_counter(county: County) -> None:
    code = wrong_code(county)
    statuses = [guess(peer(county, f"2001:db8:1:2::{i:x}"), code) for i in range(1, 6)]
    assert statuses == [400] * 4 + [429]
    assert guess(peer(county, "2001:db8:1:2:ffff:ffff:ffff:ffff"), code) == 429
    assert guess(peer(county, "2001:db8:1:3::1"), code) == 400  # the next /64 is another network


def test_ipv4_mapped_ipv6_counts_as_the_ipv4_address(county: County) -> None:
    code = wrong_code(county)
    for _ in range(4):
        assert guess(peer(county, "198.51.100.9"), code) == 400
    assert guess(peer(county, "::ffff:198.51.100.9"), code) == 429


def test_failed_enrolments_have_a_ceiling_per_hour_for_the_whole_server(tmp_path: pathlib.Path) -> None:
    settings = Settings(db_path=tmp_path / "t.db", secret_keys=("k",), enrol_max_failures_per_hour=6)
    with TestClient(create_app(settings)) as client:
        county = County(client=client, **client.app.state.banxing.store.write_now(build_county))
        code = wrong_code(county)
        statuses = [guess(peer(county, f"198.51.100.{i}"), code) for i in range(7)]
        assert statuses == [400] * 5 + [429] * 2
        good = county.store_write(lambda db: issue_code(db, "mentor", hours=1))["code"]
        paused = peer(county, "192.0.2.1").post("/api/enrol", json={"code": good})
        body = assert_envelope(paused, 429, "enrol_paused")
        assert 0 < int(paused.headers["retry-after"]) <= 3600 and "分钟" in body["error"]


def enrol_named(county: County, name: str) -> tuple[Any, str | None]:
    """A fresh code redeemed by a phone called ``name``: the answer, and the name stored when it enrolled."""
    code = county.store_write(lambda db: issue_code(db, "mentor", hours=1))["code"]
    body = json.dumps({"code": code, "device_name": name})  # ASCII escapes: a lone surrogate goes as sent
    response = county.client.post("/api/enrol", content=body, headers={"content-type": "application/json"})
    if response.status_code != 200:
        return response, None
    return response, county.store_write(lambda db: db.execute(
        "SELECT name FROM sync_devices WHERE id = ?", [response.json()["device_id"]]).fetchone()[0])


def test_a_phone_name_is_stored_without_control_characters_and_on_one_line(county: County) -> None:
    """A pushed visit's text is cleaned of control characters (sync.controls); the phone's name sent
    with /api/enrol was stored as sent, a NUL or an escape nobody can see on the volunteer's page."""
    assert enrol_named(county, "红米\x00 Note\x1b[31m\r\n 12\x85")[1] == "红米 Note[31m 12"
    assert_envelope(enrol_named(county, "\x00\x07 \x1b")[0], 400, "device_name_invalid")


def test_a_phone_name_with_a_lone_surrogate_enrols_with_it_shown_as_a_replacement_character(county: County) -> None:
    """A lone UTF-16 surrogate is valid JSON ("\\ud800") but no UTF-8: stored as sent it failed the
    enrolment's write with a 500, the code unused and the volunteer told nothing."""
    assert enrol_named(county, "红米\ud800")[1] == "红米\ufffd"


def test_a_phone_name_is_stored_without_direction_marks_or_zero_width_spaces_and_none_but_them_is_refused(
        county: County) -> None:
    """A right-to-left override showed 红米 Note as etoN 米红 on the volunteer's page, and a name of
    zero-width spaces alone was stored and listed as a blank nobody could tell from another phone."""
    assert enrol_named(county, "\u202e红米\u200b Note\u200f 😀")[1] == "红米 Note 😀"
    assert_envelope(enrol_named(county, "\u200b\u202e \ufeff")[0], 400, "device_name_invalid")
