"""The wire contract of docs/sync-protocol.md over HTTP: enrol, push, pull, limits, revocation."""
from __future__ import annotations

import time
from typing import Any

import pytest
from starlette.testclient import TestClient

from server import create_app
from server.auth import Signers
from server.config import Settings
from server.devices import issue_code, revoke_device
from server.errors import TokenExpired, TokenInvalid
from sync import new_id

from .conftest import County, activity, build_county
from .test_errors import assert_envelope


def table_counts(county: County) -> dict[str, int]:
    def count(db: Any) -> dict[str, int]:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()]
        return {n: db.execute(f"SELECT count(*) FROM [{n}]").fetchone()[0] for n in names}
    return dict(county.client.app.state.banxing.store.read_now(count))


def test_enrol_returns_token_and_user(county: County) -> None:
    code = county.store_write(lambda db: issue_code(db, "mentor", hours=1))["code"]
    response = county.client.post("/api/enrol", json={"code": f"{code[:4]} {code[4:]}", "device_name": "红米"})
    body = response.json()
    assert response.status_code == 200, body
    assert body["user"] == {"id": county.mentor.user_id, "name": "王老师", "role": "mentor", "unit_id": county.station}
    assert body["token"].startswith("bxd1.") and body["device_id"]


def test_enrol_code_is_single_use(county: County) -> None:
    code = county.store_write(lambda db: issue_code(db, "mentor", hours=1))["code"]
    assert county.client.post("/api/enrol", json={"code": code}).status_code == 200
    # Only the phone that redeemed it may ask again (test_enrol_retry.py); another phone may not.
    body = assert_envelope(county.client.post("/api/enrol", json={"code": code, "device_name": "另一台手机"}), 400,
                           "code_rejected")
    assert "用过" in body["error"]


def test_expired_enrol_code_is_refused(county: County) -> None:
    code = county.store_write(lambda db: issue_code(db, "mentor", hours=-1))["code"]
    body = assert_envelope(county.client.post("/api/enrol", json={"code": code}), 400, "code_rejected")
    assert "过期" in body["error"]


def test_enrol_guessing_is_throttled_then_locked_out(county: County) -> None:
    good = county.store_write(lambda db: issue_code(db, "mentor", hours=1))["code"]
    wrong = "00000000" if good != "00000000" else "11111111"
    for _ in range(4):
        assert county.client.post("/api/enrol", json={"code": wrong}).status_code == 400
    locked = county.client.post("/api/enrol", json={"code": wrong})
    words = assert_envelope(locked, 429, "enrol_throttled")["error"]
    assert int(locked.headers["retry-after"]) > 0
    # while locked out even the right code waits: guessing cannot race the lock
    again = assert_envelope(county.client.post("/api/enrol", json={"code": good}), 429, "enrol_throttled")["error"]
    # So neither answer sends her to the station for a new code, which would wait as well; both say
    # what does help when a whole training room shares the Wi-Fi: another address (mobile data).
    for said in (words, again):
        assert "分钟后再试" in said and "新发的登记码也要等" in said and "用手机流量" in said
        assert "重新发码" not in said


def test_revoked_device_gets_401_with_reason(county: County) -> None:
    code = county.store_write(lambda db: issue_code(db, "mentor", hours=1))["code"]
    enrolled = county.client.post("/api/enrol", json={"code": code}).json()
    headers = {"Authorization": "Bearer " + enrolled["token"]}
    assert county.client.get("/api/sync/pull", headers=headers).status_code == 200
    county.store_write(lambda db: revoke_device(db, enrolled["device_id"], "手机丢失"))
    for response in (county.client.get("/api/sync/pull", headers=headers),
                     county.client.post("/api/sync/push", headers=headers,
                                        json={"mutations": [activity(county.pairing, 1)]})):
        body = assert_envelope(response, 401, "device_revoked")
        assert "手机丢失" in body["error"]
    assert table_counts(county)["activities"] == 0


def test_a_sync_checks_its_device_in_the_same_database_call_as_its_work(
    county: County, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A push is one write and a pull one read (plus the write of its access-log entry): the
    device's standing is read with the work, not in a trip of its own before it."""
    headers = county.auth("mentor")
    store = county.client.app.state.banxing.store
    calls: list[str] = []
    for name in ("read", "write"):
        real = getattr(store, name)

        def counted(fn: Any, *args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            calls.append(_name)
            return _real(fn, *args, **kwargs)

        monkeypatch.setattr(store, name, counted)
    assert county.client.post("/api/sync/push", headers=headers,
                              json={"mutations": [activity(county.pairing, 1)]}).status_code == 200
    assert calls == ["write"]
    calls.clear()
    assert county.client.get("/api/sync/pull", headers=headers).status_code == 200
    assert calls == ["read", "write"]  # the page, then the access log of the children's records it held


def test_expired_device_token_is_refused(county: County, monkeypatch: pytest.MonkeyPatch) -> None:
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - 500 * 86400)
    token = county.token("mentor")
    monkeypatch.setattr(time, "time", real_time)
    body = assert_envelope(county.client.get("/api/sync/pull", headers={"Authorization": "Bearer " + token}), 401,
                           "token_expired")
    assert "过期" in body["error"]


def test_key_rotation_hands_phones_a_fresh_token_before_the_old_key_retires(tmp_path: Any) -> None:
    db_path = tmp_path / "rot.db"
    with TestClient(create_app(Settings(db_path=db_path, secret_keys=("old",)))) as client:
        client.app.state.banxing.store.write_now(build_county)
        code = client.app.state.banxing.store.write_now(lambda db: issue_code(db, "mentor", hours=1))["code"]
        token = client.post("/api/enrol", json={"code": code}).json()["token"]
        assert "token" not in client.get("/api/sync/pull", headers={"Authorization": "Bearer " + token}).json()
    with TestClient(create_app(Settings(db_path=db_path, secret_keys=("old", "new")))) as client:
        page = client.get("/api/sync/pull", headers={"Authorization": "Bearer " + token})
        assert page.status_code == 200
        fresh = page.json()["token"]
        pushed = client.post("/api/sync/push", headers={"Authorization": "Bearer " + token}, json={"mutations": []})
        assert pushed.json()["token"].startswith("bxd1.")
    with TestClient(create_app(Settings(db_path=db_path, secret_keys=("new",)))) as client:
        assert_envelope(client.get("/api/sync/pull", headers={"Authorization": "Bearer " + token}), 401,
                        "token_invalid")
        renewed = client.get("/api/sync/pull", headers={"Authorization": "Bearer " + fresh})
        assert renewed.status_code == 200 and "token" not in renewed.json()


def test_an_ageing_token_is_renewed_on_sync(county: County, monkeypatch: pytest.MonkeyPatch) -> None:
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - 200 * 86400)  # half of its 400 days
    token = county.token("mentor")
    monkeypatch.setattr(time, "time", real_time)
    fresh = county.client.get("/api/sync/pull", headers={"Authorization": "Bearer " + token}).json()["token"]
    assert "token" not in county.client.get("/api/sync/pull", headers={"Authorization": "Bearer " + fresh}).json()


def test_batch_over_count_limit_is_413_and_writes_nothing(county: County) -> None:
    limit = county.client.app.state.settings.max_batch_count
    headers = county.auth("mentor")
    batch = {"mutations": [activity(county.pairing, i + 1) for i in range(limit + 1)]}
    before = table_counts(county)
    body = assert_envelope(county.client.post("/api/sync/push", headers=headers, json=batch), 413, "batch_too_large")
    assert str(limit) in body["error"]
    assert table_counts(county) == before


def test_batch_over_byte_limit_is_413_and_writes_nothing(tmp_path: Any) -> None:
    settings = Settings(db_path=tmp_path / "b.db", secret_keys=("k",), max_batch_bytes=2000)
    with TestClient(create_app(settings)) as client:
        ids = client.app.state.banxing.store.write_now(build_county)
        county = County(client=client, **ids)
        headers = county.auth("mentor")
        before = table_counts(county)
        big = {"mutations": [activity(county.pairing, 1, record="很长的记录" * 500)]}
        assert_envelope(client.post("/api/sync/push", headers=headers, json=big), 413, "batch_too_large")
        assert table_counts(county) == before


def test_push_resend_returns_same_answers_and_writes_nothing(county: County) -> None:
    headers = county.auth("mentor")
    record = new_id()
    batch = {"mutations": [
        activity(county.pairing, 1, record),
        {"mutation_id": 2, "entity": "activity", "record_id": record, "op": "upsert", "base_version": 1,
         "fields": {"follow_up": "下周再访"}},
        activity("not-a-uuid", 3),
    ]}
    first = county.client.post("/api/sync/push", headers=headers, json=batch).json()
    assert [r["status"] for r in first["results"]] == ["applied", "applied", "rejected"]
    before = table_counts(county)
    again = county.client.post("/api/sync/push", headers=headers, json=batch).json()
    assert again == first
    assert table_counts(county) == before


def test_rejected_mutation_does_not_block_the_rest(county: County) -> None:
    headers = county.auth("mentor")
    batch = {"mutations": [
        activity(county.other_pairing, 1),  # someone else's pairing
        activity(county.pairing, 2, date="2026-02-30"),
        activity(county.pairing, 3),
    ]}
    results = county.client.post("/api/sync/push", headers=headers, json=batch).json()["results"]
    assert [r["status"] for r in results] == ["rejected", "rejected", "applied"]
    assert "日期" in results[1]["reason"] and results[0]["reason"]
    assert table_counts(county)["activities"] == 1


def test_two_phones_same_field_second_gets_conflict_with_kept_value(county: County) -> None:
    phone_a, phone_b = county.auth("mentor"), county.auth("mentor")
    record = new_id()
    created = county.client.post("/api/sync/push", headers=phone_a,
                                 json={"mutations": [activity(county.pairing, 1, record)]})
    assert created.json()["results"][0]["version"] == 1

    def edit(mid: int, **fields: Any) -> dict[str, Any]:
        return {"mutation_id": mid, "entity": "activity", "record_id": record, "op": "upsert", "base_version": 1,
                "fields": fields}

    a = county.client.post("/api/sync/push", headers=phone_a,
                           json={"mutations": [edit(2, record="甲手机的记录")]}).json()
    b = county.client.post("/api/sync/push", headers=phone_b,
                           json={"mutations": [edit(1, record="乙手机的记录", follow_up="乙的跟踪")]}).json()
    assert a["results"][0]["status"] == "applied"
    answer = b["results"][0]
    assert answer["status"] == "conflict"
    assert answer["fields"] == {"record": "甲手机的记录"}
    assert answer["conflicts"][0]["yours"] == "乙手机的记录"
    kept = county.client.app.state.banxing.store.read_now(
        lambda db: db.execute("SELECT record, follow_up FROM activities WHERE id = ?", [record]).fetchone())
    assert tuple(kept) == ("甲手机的记录", "乙的跟踪")  # the other field merged
    stored = county.client.app.state.banxing.store.read_now(
        lambda db: db.execute("SELECT field, other_value, status FROM sync_conflicts WHERE record_id = ?",
                              [record]).fetchall())
    assert [tuple(r) for r in stored] == [("record", '"乙手机的记录"', "open")]


def test_pull_pages_follow_the_cursor_to_the_end(county: County) -> None:
    headers = county.auth("mentor")
    batch = {"mutations": [activity(county.pairing, i + 1) for i in range(25)]}
    assert county.client.post("/api/sync/push", headers=headers, json=batch).status_code == 200
    seen: list[str] = []
    cursor = None
    for _ in range(20):
        query = "limit=7" + (f"&cursor={cursor}" if cursor else "")
        page = county.client.get(f"/api/sync/pull?{query}", headers=headers).json()
        seen += [c["record_id"] for c in page["changes"]]
        cursor = page["cursor"]
        if not page["more"]:
            break
    assert len(seen) == len(set(seen)) == 25 + 2  # activities + own mentee + own pairing
    assert county.other_mentee not in seen and county.other_pairing not in seen


def test_a_cursor_past_the_database_says_the_server_lost_what_came_after_it(county: County) -> None:
    from sync.feed import encode_cursor

    headers = county.auth("mentor")
    page = county.client.get("/api/sync/pull", headers=headers).json()
    assert page["history"] == "0"
    # As if the file had been put back from an older copy without `banxing restore`.
    ahead = county.client.get(f"/api/sync/pull?cursor={encode_cursor(10**6)}", headers=headers)
    assert assert_envelope(ahead, 400, "cursor_invalid")["restored"] is True
    stale = county.client.get("/api/sync/pull?cursor=c1.garbage", headers=headers)
    assert "restored" not in assert_envelope(stale, 400, "cursor_invalid")


def test_pull_drops_records_when_pairing_ends(county: County) -> None:
    from sync import apply_mutations

    headers = county.auth("mentor")
    county.client.post("/api/sync/push", headers=headers, json={"mutations": [activity(county.pairing, 1)]})
    cursor = county.client.get("/api/sync/pull", headers=headers).json()["cursor"]
    county.store_write(lambda db: apply_mutations(db, county.staff, [{
        "entity": "pairing", "record_id": county.pairing, "op": "upsert", "base_version": 1,
        "fields": {"status": "closed", "outcome": "improved", "end_date": "2026-11-21"}}]))
    page = county.client.get(f"/api/sync/pull?cursor={cursor}", headers=headers).json()
    dropped = {d["entity"] for d in page["drop"]}
    assert dropped == {"pairing", "activity", "mentee"}
    assert page["changes"] == []


def test_event_moved_to_another_unit_is_dropped_from_old_unit_staff_pull(county: County) -> None:
    from sync import apply_mutations
    from sync.mutations import upsert
    from sync.system import SYSTEM
    from sync.users import create_user

    other_station, event = new_id(), new_id()

    def setup(db: Any) -> None:
        (made,) = apply_mutations(db, SYSTEM, [upsert("unit", {"name": "岔河镇辅导站", "kind": "station",
                                                               "parent_id": county.county}, other_station)])
        assert made.status == "applied"
        create_user(db, login="staff2", name="周站长", role="staff", unit_id=other_station)
        (held,) = apply_mutations(db, county.staff, [upsert("event", {
            "unit_id": county.station, "kind": "parent_meeting", "date": "2026-11-05", "participants": 60}, event)])
        assert held.status == "applied"

    county.store_write(setup)
    old_unit, new_unit = county.auth("staff"), county.auth("staff2")
    cursors = [county.client.get("/api/sync/pull", headers=h).json()["cursor"] for h in (old_unit, new_unit)]
    county.store_write(lambda db: apply_mutations(db, SYSTEM, [{
        "entity": "event", "record_id": event, "op": "upsert", "base_version": 1,
        "fields": {"unit_id": other_station}}]))

    page = county.client.get(f"/api/sync/pull?cursor={cursors[0]}", headers=old_unit).json()
    assert page["drop"] == [{"entity": "event", "record_id": event}]
    assert page["changes"] == []
    page = county.client.get(f"/api/sync/pull?cursor={cursors[1]}", headers=new_unit).json()
    assert [(c["entity"], c["record_id"], c["fields"]["unit_id"]) for c in page["changes"]] == [
        ("event", event, other_station)]
    assert page["drop"] == []


def test_openapi_documents_every_api_route(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/enrol", "/api/sync/push", "/api/sync/pull", "/api/openapi.json"} <= set(spec["paths"])


def test_a_device_token_checked_before_is_still_refused_once_it_is_too_old(monkeypatch: pytest.MonkeyPatch) -> None:
    # Verified tokens are remembered (their signature is not checked on every sync); their age is.
    signers = Signers(("key",))
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - 10 * 86400)
    token = signers.device_token("device-1", "user-1")
    monkeypatch.setattr(time, "time", real_time)
    assert signers.read_device_token(token, max_age_days=30) == {"d": "device-1", "u": "user-1", "stale": True}
    with pytest.raises(TokenExpired):
        signers.read_device_token(token, max_age_days=5)
    with pytest.raises(TokenInvalid):
        signers.read_device_token(token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1], max_age_days=30)


def test_a_stopped_phone_hears_it_is_stopped_even_when_its_batch_cannot_be_read(county: County) -> None:
    # The batch is read before the write, the device checked inside it: the phone is told the
    # reason it can act on (its device was stopped), not that its batch was malformed.
    code = county.store_write(lambda db: issue_code(db, "mentor", hours=1))["code"]
    enrolled = county.client.post("/api/enrol", json={"code": code}).json()
    county.store_write(lambda db: revoke_device(db, enrolled["device_id"], "手机丢失"))
    response = county.client.post("/api/sync/push", headers={"Authorization": "Bearer " + enrolled["token"]},
                                  json={"mutations": [{"mutation_id": "one"}]})
    assert "手机丢失" in assert_envelope(response, 401, "device_revoked")["error"]
