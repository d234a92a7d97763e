"""Enrolment codes as people really type them, and the guards against guessing them.

A code typed with a Chinese IME arrives in full-width digits; it is the same code. Guess
counters follow the real client: a forwarded address counts only when it comes from the
configured proxy, IPv6 addresses count per /64 (one home or phone network), and the whole
server has a ceiling of failed enrolments per hour.
"""
from __future__ import annotations

import pytest

from server.devices import issue_code

from .conftest import County
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
