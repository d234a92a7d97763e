"""A phone whose enrolment answer was lost asks again with the same code (docs/sync-protocol.md §3).

The server redeemed the code but the answer never reached the phone (the connection dropped, or
the browser sent the request twice): the repeat gets the same device again, is not a wrong guess,
and is refused as before once that device has been used, after ten minutes, or for another name.
"""
from __future__ import annotations

from typing import Any

from server.devices import ALL_CLIENTS, issue_code, revoke_device
from sync.users import create_user

from .conftest import County
from .test_errors import assert_envelope

NAME = "伴行手机"


def redeem(county: County, code: str, name: str = NAME) -> Any:
    return county.client.post("/api/enrol", json={"code": code, "device_name": name})


def new_code(county: County) -> str:
    return str(county.store_write(lambda db: issue_code(db, "mentor", hours=1))["code"])


def pull(county: County, token: str) -> Any:
    return county.client.get("/api/sync/pull", headers={"Authorization": "Bearer " + token})


def counted(county: County) -> int:
    """Wrong codes counted against the test client's address (the server-wide count moves with it)."""
    return int(county.store_write(lambda db: db.execute(
        "SELECT coalesce(sum(failures), 0) FROM throttle WHERE key != ?", [ALL_CLIENTS]).fetchone()[0]))


def devices(county: County) -> int:
    return int(county.store_write(lambda db: db.execute("SELECT count(*) FROM sync_devices").fetchone()[0]))


def test_a_repeat_of_a_lost_enrolment_gets_the_same_device_and_a_working_token(county: County) -> None:
    code = new_code(county)
    first = redeem(county, code).json()  # the phone never saw this answer
    again = redeem(county, code)
    assert again.status_code == 200, again.text
    body = again.json()
    assert body["device_id"] == first["device_id"] and body["user"] == first["user"]
    page = pull(county, body["token"])
    assert page.status_code == 200, page.text
    assert [r[0] for r in county.store_write(lambda db: db.execute("SELECT id FROM sync_devices").fetchall())] == [
        first["device_id"]]


def test_repeats_of_a_lost_enrolment_are_not_counted_as_guesses(county: County) -> None:
    code = new_code(county)
    assert redeem(county, code).status_code == 200
    for _ in range(6):
        assert redeem(county, code).status_code == 200
    assert counted(county) == 0
    assert devices(county) == 1


def test_a_repeat_does_not_clear_the_count_of_earlier_wrong_codes(county: County) -> None:
    code = new_code(county)
    assert redeem(county, code).status_code == 200
    wrong = "00000000" if code != "00000000" else "11111111"
    assert redeem(county, wrong).status_code == 400
    assert redeem(county, code).status_code == 200
    assert counted(county) == 1


def test_the_second_token_of_a_device_is_revoked_with_it(county: County) -> None:
    code = new_code(county)
    first = redeem(county, code).json()
    second = redeem(county, code).json()
    assert pull(county, first["token"]).status_code == 200
    county.store_write(lambda db: revoke_device(db, first["device_id"], "手机丢失"))
    for token in (first["token"], second["token"]):
        assert_envelope(pull(county, token), 401, "device_revoked")


def refused_as_used(county: County, code: str, name: str = NAME) -> None:
    before = counted(county)
    body = assert_envelope(redeem(county, code, name), 400, "code_rejected")
    assert "用过" in body["error"]
    assert counted(county) == before + 1  # someone holding a spent code: a guess, as before


def test_a_code_whose_device_has_pulled_is_refused_as_used(county: County) -> None:
    code = new_code(county)
    token = redeem(county, code).json()["token"]
    assert pull(county, token).status_code == 200
    refused_as_used(county, code)
    assert devices(county) == 1


def test_a_first_pull_without_childrens_records_still_counts_as_use(county: County) -> None:
    """A pull within a minute that hands out no child's record is not written down, except the first."""
    county.store_write(lambda db: create_user(db, login="new.mentor", name="新老师", role="mentor",
                                              unit_id=county.station))
    code = county.store_write(lambda db: issue_code(db, "new.mentor", hours=1))["code"]
    token = redeem(county, code).json()["token"]
    page = pull(county, token)
    assert page.status_code == 200 and not any(c["entity"] == "mentee" for c in page.json()["changes"])
    refused_as_used(county, code)


def test_a_code_whose_device_has_pushed_is_refused_as_used(county: County) -> None:
    code = new_code(county)
    token = redeem(county, code).json()["token"]
    pushed = county.client.post("/api/sync/push", headers={"Authorization": "Bearer " + token},
                                json={"mutations": []})
    assert pushed.status_code == 200, pushed.text
    refused_as_used(county, code)


def test_a_code_whose_device_stored_its_recovery_key_is_refused_as_used(county: County) -> None:
    code = new_code(county)
    token = redeem(county, code).json()["token"]
    stored = county.client.put("/api/device/recovery-key", headers={"Authorization": "Bearer " + token},
                               json={"recovery_key": "A" * 43})
    assert stored.status_code == 200, stored.text
    refused_as_used(county, code)


def test_a_repeat_after_ten_minutes_is_refused_as_used(county: County) -> None:
    code = new_code(county)
    assert redeem(county, code).status_code == 200

    def eleven_minutes_ago(db: Any) -> None:  # the redemption, as the clock will see it 11 minutes on
        db.execute("UPDATE enrol_codes SET used_at = strftime('%Y-%m-%dT%H:%M:%fZ', used_at, '-11 minutes')")
    county.store_write(eleven_minutes_ago)
    refused_as_used(county, code)


def test_a_repeat_within_ten_minutes_is_honoured(county: County) -> None:
    code = new_code(county)
    assert redeem(county, code).status_code == 200
    county.store_write(lambda db: db.execute(
        "UPDATE enrol_codes SET used_at = strftime('%Y-%m-%dT%H:%M:%fZ', used_at, '-9 minutes')"))
    assert redeem(county, code).status_code == 200


def test_a_repeat_with_another_device_name_is_refused_as_used(county: County) -> None:
    code = new_code(county)
    assert redeem(county, code).status_code == 200
    refused_as_used(county, code, "另一台手机")
    assert devices(county) == 1


def test_a_repeat_for_a_revoked_device_is_refused_as_used(county: County) -> None:
    code = new_code(county)
    device_id = redeem(county, code).json()["device_id"]
    county.store_write(lambda db: revoke_device(db, device_id, "登记错了"))
    refused_as_used(county, code)


def test_five_repeats_from_one_address_never_lock_it(county: County) -> None:
    code = new_code(county)
    assert redeem(county, code).status_code == 200
    statuses = [redeem(county, code).status_code for _ in range(5)]
    assert statuses == [200] * 5
    assert redeem(county, new_code(county)).status_code == 200  # the address is not locked


def test_a_repeat_is_honoured_though_the_code_expired_after_it_was_redeemed(county: County) -> None:
    code = new_code(county)
    first = redeem(county, code).json()
    county.store_write(lambda db: db.execute("UPDATE enrol_codes SET expires_at = '2026-01-01T00:00:00.000Z'"))
    again = redeem(county, code)
    assert again.status_code == 200, again.text
    assert again.json()["device_id"] == first["device_id"]


def test_a_volunteer_marked_without_a_smartphone_is_marked_with_one_once_a_phone_enrols(county: County) -> None:
    """The archive said 无智能手机，记录由辅导站代录 of a volunteer recording on the phone just enrolled."""
    def make(db: Any) -> str:
        create_user(db, login="liu.zg", name="刘志刚", role="mentor", unit_id=county.station, smartphone=False)
        return str(issue_code(db, "liu.zg", hours=1)["code"])
    code = county.store_write(make)
    assert redeem(county, code).status_code == 200
    marked = county.store_write(lambda db: db.execute(
        "SELECT u.smartphone, a.changes FROM users u JOIN sync_audit a ON a.record_id = u.id AND a.op = 'update'"
        " WHERE u.login = 'liu.zg'").fetchall())
    assert [(m, '"smartphone"' in changes) for m, changes in marked] == [(1, True)]
