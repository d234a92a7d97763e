"""A new enrolment code replaces the volunteer's earlier unused ones (server/devices.py ``issue_code``).

A code printed or shown before, lost or photographed by someone else, enrolled a phone as the
volunteer until it expired. Now only the newest code works; a phone trying an older one is told
plainly that it was replaced and to ask the station for the newest, and the try is counted as a
failure, as an expired code's is.
"""
from __future__ import annotations

from typing import Any

import pytest

from server.devices import issue_code

from .conftest import County
from .test_errors import assert_envelope


def new_code(county: County, hours: int = 1) -> dict[str, Any]:
    return dict(county.store_write(lambda db: issue_code(db, "mentor", hours=hours)))


def redeem(county: County, code: str, name: str = "红米") -> Any:
    return county.client.post("/api/enrol", json={"code": code, "device_name": name})


def test_an_earlier_unused_code_no_longer_enrols_once_a_newer_one_is_issued(county: County) -> None:
    old, new = new_code(county), new_code(county)
    assert (old["replaced"], new["replaced"]) == (0, 1)
    body = assert_envelope(redeem(county, old["code"]), 400, "code_rejected")
    # Told why in words a 70-year-old can act on: not 'wrong code', not 'expired'.
    assert "换成了新的" in body["error"] and "最新的登记码" in body["error"]
    assert "不对" not in body["error"] and "过期" not in body["error"]
    assert county.store_write(lambda db: db.execute("SELECT count(*) FROM sync_devices").fetchone()[0]) == 0
    enrolled = redeem(county, new["code"])
    assert enrolled.status_code == 200, enrolled.text


def test_a_replaced_code_past_its_expiry_still_says_it_was_replaced(county: County) -> None:
    old = new_code(county)
    new_code(county)
    county.store_write(lambda db: db.execute("UPDATE enrol_codes SET expires_at = '2026-01-01T00:00:00.000Z'"
                                             " WHERE replaced_at IS NOT NULL"))
    assert "换成了新的" in assert_envelope(redeem(county, old["code"]), 400, "code_rejected")["error"]


@pytest.mark.parametrize("kind", ["expired", "replaced"])
def test_a_replaced_code_is_counted_as_a_failure_as_an_expired_one_is(county: County, kind: str) -> None:
    code = new_code(county, hours=-1 if kind == "expired" else 1)["code"]
    if kind == "replaced":
        new_code(county)
    assert [redeem(county, code).status_code for _ in range(5)] == [400] * 4 + [429]


def test_an_expired_or_used_code_is_not_counted_as_replaced(county: County) -> None:
    """Only codes that could still enrol are replaced: the station is told of no code that already could not."""
    new_code(county, hours=-1)
    used = new_code(county)["code"]
    assert redeem(county, used).status_code == 200
    assert new_code(county)["replaced"] == 0


def test_a_lost_enrolment_answer_is_still_answered_after_a_newer_code_is_issued(county: County) -> None:
    """The station issued another code when the volunteer said 'it did not work': the first code's
    own phone, asking again for its lost answer, still gets its device; the new code works too."""
    first = new_code(county)["code"]
    device = redeem(county, first).json()["device_id"]  # the phone never saw this answer
    second = new_code(county)
    assert second["replaced"] == 0
    again = redeem(county, first)
    assert again.status_code == 200 and again.json()["device_id"] == device
    assert redeem(county, second["code"], "另一台手机").status_code == 200


def test_the_migration_replaces_codes_issued_twice_before_it(county: County) -> None:
    """Codes issued twice before m007 were both valid: the older one that is still unused stops working."""
    old, new = new_code(county), new_code(county)
    earlier_used = new_code(county)["code"]
    assert redeem(county, earlier_used).status_code == 200  # spent before the next code: not replaced
    later = new_code(county)
    other = county.store_write(lambda db: issue_code(db, "staff", hours=1))

    def undo_m007(db: Any) -> None:
        db.execute("ALTER TABLE enrol_codes DROP COLUMN replaced_at")
        db.execute("DELETE FROM _migrations WHERE migration_set = 'server' AND name = 'm007_replaced_enrol_codes'")

    county.store_write(undo_m007)
    assert county.client.app.state.banxing.store.migrate() == ["m007_replaced_enrol_codes"]
    for code in (old, new):
        assert "换成了新的" in assert_envelope(redeem(county, code["code"]), 400, "code_rejected")["error"]
    assert redeem(county, later["code"]).status_code == 200
    assert redeem(county, other["code"]).status_code == 200  # another user's code is their own


def test_a_code_drawn_again_is_never_issued_twice(county: County, monkeypatch: pytest.MonkeyPatch) -> None:
    """Eight random digits come up again now and then over the years' codes, all kept: the draw goes
    on until a value never issued, rather than failing the insert (a 500) or reissuing an old code."""
    first = new_code(county)
    draws = iter([int(first["code"]), int(first["code"]), 12345678])
    monkeypatch.setattr("server.devices.secrets.randbelow", lambda _: next(draws))
    second = new_code(county)
    assert second["code"] == "12345678"
    assert redeem(county, second["code"]).status_code == 200
