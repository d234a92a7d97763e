"""Every pull that hands out children's records is in the access log, and a pull counts as the
device being seen (issue 8, item 17): a staff phone pulled 263 children's records and the log
stayed empty, and ``banxing devices`` showed it had not synced since its last push.
"""
from __future__ import annotations

from typing import Any

from server.access import read_access_log
from sync import apply_mutations
from sync.mutations import upsert

from .conftest import County, activity


def access_log(county: County) -> list[dict[str, Any]]:
    return list(county.client.app.state.banxing.store.read_now(read_access_log))


def last_seen(county: County, device_id: str) -> str | None:
    return county.client.app.state.banxing.store.read_now(
        lambda db: db.execute("SELECT last_seen_at FROM sync_devices WHERE id = ?", [device_id]).fetchone()[0])


def enrol(county: County, login: str) -> tuple[dict[str, str], str]:
    from server.devices import issue_code

    code = county.store_write(lambda db: issue_code(db, login, hours=1))["code"]
    enrolled = county.client.post("/api/enrol", json={"code": code, "device_name": "测试手机"}).json()
    return {"Authorization": "Bearer " + enrolled["token"]}, enrolled["device_id"]


def test_a_pull_of_childrens_records_is_logged_with_who_which_device_and_how_many(county: County) -> None:
    headers, device_id = enrol(county, "staff")
    page = county.client.get("/api/sync/pull", headers=headers).json()
    shown: dict[str, int] = {}
    for change in page["changes"]:
        if change["entity"] in ("mentee", "pairing", "activity", "screening", "review"):
            shown[change["entity"]] = shown.get(change["entity"], 0) + 1
    assert shown == {"mentee": 2, "pairing": 2}
    (entry,) = [e for e in access_log(county) if e["action"] == "pull"]
    assert entry["user_id"] == county.staff.user_id and entry["device_id"] == device_id
    assert entry["entities"] == shown and entry["record_count"] == 4
    assert entry["at"] and entry["ip"]


def test_every_page_with_childrens_records_is_logged(county: County) -> None:
    headers, _ = enrol(county, "mentor")
    county.client.post("/api/sync/push", headers=headers,
                       json={"mutations": [activity(county.pairing, i + 1) for i in range(5)]})
    cursor, pages = None, 0
    while True:
        query = "limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = county.client.get(f"/api/sync/pull?{query}", headers=headers).json()
        pages += 1
        cursor = page["cursor"]
        if not page["more"]:
            break
    logged = [e for e in access_log(county) if e["action"] == "pull"]
    assert len(logged) == pages == 3
    assert sum(e["record_count"] for e in logged) == 5 + 2  # five activities, the mentee and the pairing


def test_a_pull_without_childrens_records_is_not_logged(county: County) -> None:
    headers, _ = enrol(county, "mentor")
    cursor = county.client.get("/api/sync/pull", headers=headers).json()["cursor"]
    before = len(access_log(county))
    page = county.client.get(f"/api/sync/pull?cursor={cursor}", headers=headers).json()
    assert page["changes"] == []
    assert len(access_log(county)) == before


def test_a_unit_only_page_is_not_a_childrens_record(county: County) -> None:
    headers, _ = enrol(county, "staff")
    cursor = county.client.get("/api/sync/pull", headers=headers).json()["cursor"]
    county.store_write(lambda db: apply_mutations(db, county.staff, [
        upsert("unit", {"phone": "0513-84000000"}, county.station, base_version=1)]))
    before = len(access_log(county))
    page = county.client.get(f"/api/sync/pull?cursor={cursor}", headers=headers).json()
    assert [c["entity"] for c in page["changes"]] == ["unit"]
    assert len(access_log(county)) == before


def test_a_pull_updates_the_devices_last_seen_time(county: County) -> None:
    headers, device_id = enrol(county, "mentor")
    county.store_write(lambda db: db.execute("UPDATE sync_devices SET last_seen_at = '2026-01-01T00:00:00.000Z'"
                                             " WHERE id = ?", [device_id]))
    assert county.client.get("/api/sync/pull", headers=headers).status_code == 200
    seen = last_seen(county, device_id)
    assert seen is not None and seen > "2026-01-01T00:00:00.000Z"


def test_a_head_of_a_pull_hands_out_nothing_and_logs_no_record(county: County) -> None:
    """A HEAD is answered without a body (Starlette serves it for every GET route): the access log
    must not say children's records went to a phone that received none."""
    headers, _ = enrol(county, "staff")
    response = county.client.head("/api/sync/pull", headers=headers)
    assert response.status_code == 200 and response.content == b""
    assert [e for e in access_log(county) if e["action"] == "pull"] == []
    county.client.get("/api/sync/pull", headers=headers)
    assert len([e for e in access_log(county) if e["action"] == "pull"]) == 1
