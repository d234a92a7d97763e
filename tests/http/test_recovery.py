"""Forgotten PINs: the recovery key is released only for a one-time code *and* the phone's
recovery token, never for either alone; wrong codes are throttled per phone."""
from __future__ import annotations

import base64
import secrets
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.devices import issue_code, revoke_device
from server.recovery import UnknownDevice, issue_recovery_code

from .conftest import County


def new_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()


def enrolled(county: County, login: str = "mentor") -> dict[str, Any]:
    code = county.store_write(lambda db: issue_code(db, login, hours=1))["code"]
    response = county.client.post("/api/enrol", json={"code": code, "device_name": "测试手机"})
    assert response.status_code == 200, response.text
    return dict(response.json())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + token}


def recovery_code(county: County, device_id: str) -> str:
    return str(county.store_write(lambda db: issue_recovery_code(db, device_id, hours=1))["code"])


def recover(client: TestClient, phone: dict[str, Any], code: str) -> Any:
    return client.post("/api/recovery", json={"code": code}, headers=bearer(phone["recovery_token"]))


def test_enrol_answers_a_recovery_token_besides_the_device_token(county: County) -> None:
    phone = enrolled(county)
    assert phone["recovery_token"].startswith("bxr1.") and phone["token"].startswith("bxd1.")


def test_the_recovery_token_does_not_open_sync(county: County) -> None:
    phone = enrolled(county)
    response = county.client.get("/api/sync/pull", headers=bearer(phone["recovery_token"]))
    assert response.status_code == 401 and response.json()["code"] == "token_invalid"
    response = county.client.get("/api/device", headers=bearer(phone["recovery_token"]))
    assert response.status_code == 401


def test_the_device_token_does_not_open_recovery(county: County) -> None:
    phone = enrolled(county)
    county.client.put("/api/device/recovery-key", json={"recovery_key": new_key()}, headers=bearer(phone["token"]))
    code = recovery_code(county, phone["device_id"])
    response = county.client.post("/api/recovery", json={"code": code}, headers=bearer(phone["token"]))
    assert response.status_code == 401 and response.json()["code"] == "token_invalid"


def test_device_tells_the_phone_its_owner_unit_phone_and_whether_its_key_is_stored(county: County) -> None:
    county.store_write(lambda db: db.execute("UPDATE units SET phone = '0513-8000' WHERE id = ?", [county.station]))
    phone = enrolled(county)
    response = county.client.get("/api/device", headers=bearer(phone["token"]))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["device_id"] == phone["device_id"]
    assert body["user"]["name"] == "王老师" and body["unit"]["phone"] == "0513-8000"
    assert body["recovery_key_stored"] is False
    assert body["recovery_token"].startswith("bxr1.")
    key = new_key()
    stored = county.client.put("/api/device/recovery-key", json={"recovery_key": key}, headers=bearer(phone["token"]))
    assert stored.status_code == 200 and stored.json()["ok"] is True
    assert county.client.get("/api/device", headers=bearer(phone["token"])).json()["recovery_key_stored"] is True


@pytest.mark.parametrize("body", [{"recovery_key": "short"}, {"recovery_key": "A" * 44},
                                  {"recovery_key": "!" * 43}, {"recovery_key": 5}])
def test_a_malformed_recovery_key_is_refused(county: County, body: dict[str, Any]) -> None:
    phone = enrolled(county)
    response = county.client.put("/api/device/recovery-key", json=body, headers=bearer(phone["token"]))
    assert response.status_code == 400 and response.json()["code"] == "recovery_key_invalid"


def test_a_right_code_with_the_recovery_token_releases_the_key(county: County) -> None:
    phone = enrolled(county)
    key = new_key()
    county.client.put("/api/device/recovery-key", json={"recovery_key": key}, headers=bearer(phone["token"]))
    code = recovery_code(county, phone["device_id"])
    response = recover(county.client, phone, f"{code[:4]} {code[4:]}")
    assert response.status_code == 200, response.text
    assert response.json() == {"recovery_key": key}


def test_a_lost_answer_can_be_fetched_again_with_the_same_code_until_the_key_is_replaced(county: County) -> None:
    phone = enrolled(county)
    key = new_key()
    county.client.put("/api/device/recovery-key", json={"recovery_key": key}, headers=bearer(phone["token"]))
    code = recovery_code(county, phone["device_id"])
    assert recover(county.client, phone, code).json() == {"recovery_key": key}
    assert recover(county.client, phone, code).json() == {"recovery_key": key}, "the answer was lost: resend"
    county.client.put("/api/device/recovery-key", json={"recovery_key": new_key()}, headers=bearer(phone["token"]))
    again = recover(county.client, phone, code)
    assert again.status_code == 400 and again.json()["code"] == "recovery_code_rejected"
    assert "用过" in again.json()["error"]


def test_a_code_issued_for_another_phone_releases_nothing(county: County) -> None:
    phone, other = enrolled(county), enrolled(county, "mentor2")
    for each in (phone, other):
        county.client.put("/api/device/recovery-key", json={"recovery_key": new_key()}, headers=bearer(each["token"]))
    code = recovery_code(county, other["device_id"])
    response = recover(county.client, phone, code)
    assert response.status_code == 400 and response.json()["code"] == "recovery_code_rejected"


def test_wrong_codes_lock_the_phone_out_even_for_the_right_code(county: County) -> None:
    phone = enrolled(county)
    county.client.put("/api/device/recovery-key", json={"recovery_key": new_key()}, headers=bearer(phone["token"]))
    code = recovery_code(county, phone["device_id"])
    wrong = f"{(int(code) + 1) % 10**8:08d}"
    answers = [recover(county.client, phone, wrong) for _ in range(5)]
    assert [a.status_code for a in answers] == [400, 400, 400, 400, 429]
    assert answers[-1].json()["code"] == "recovery_throttled" and int(answers[-1].headers["retry-after"]) > 0
    locked = recover(county.client, phone, code)
    assert locked.status_code == 429, "the right code waits out the lock too"


def test_a_right_code_without_a_stored_key_says_so(county: County) -> None:
    phone = enrolled(county)
    county.client.put("/api/device/recovery-key", json={"recovery_key": new_key()}, headers=bearer(phone["token"]))
    code = recovery_code(county, phone["device_id"])
    # The key is gone after the code was issued, as after a restore from a copy made before it was stored.
    county.store_write(lambda db: db.execute("DELETE FROM recovery_keys WHERE device_id = ?", [phone["device_id"]]))
    response = recover(county.client, phone, code)
    assert response.status_code == 409 and response.json()["code"] == "recovery_key_missing"


def test_no_code_is_issued_for_a_phone_that_never_handed_over_its_key(county: County) -> None:
    phone = enrolled(county)
    with pytest.raises(UnknownDevice, match="手机密码"):
        recovery_code(county, phone["device_id"])


def test_a_revoked_phone_recovers_nothing_and_gets_no_new_codes(county: County) -> None:
    phone = enrolled(county)
    county.client.put("/api/device/recovery-key", json={"recovery_key": new_key()}, headers=bearer(phone["token"]))
    code = recovery_code(county, phone["device_id"])
    county.store_write(lambda db: revoke_device(db, phone["device_id"], "手机已挂失"))
    response = recover(county.client, phone, code)
    assert response.status_code == 401 and response.json()["code"] == "device_revoked"
    with pytest.raises(UnknownDevice):
        recovery_code(county, phone["device_id"])


@pytest.mark.parametrize("code", ["1234", "abcdefgh", "1234 56789"])
def test_a_malformed_recovery_code_is_refused_without_counting(county: County, code: str) -> None:
    phone = enrolled(county)
    response = recover(county.client, phone, code)
    assert response.status_code == 400 and response.json()["code"] == "code_invalid"
