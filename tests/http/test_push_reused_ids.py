"""A mutation id sent again with other content is refused; what the refusal says of the first change
under that id is true: saved when it was, not saved when it was refused too."""
from __future__ import annotations

from sync import new_id
from tests.http.conftest import County, activity


def test_a_reused_id_says_the_first_change_was_saved_only_when_it_was(county: County) -> None:
    phone = county.auth("mentor")
    refused, saved = new_id(), new_id()
    first = county.client.post("/api/sync/push", headers=phone, json={"mutations": [
        activity(county.pairing, 1, refused, date="2026-02-30"), activity(county.pairing, 2, saved),
    ]}).json()["results"]
    assert [r["status"] for r in first] == ["rejected", "applied"]
    again = county.client.post("/api/sync/push", headers=phone, json={"mutations": [
        activity(county.pairing, 1, refused, date="2026-11-21"),
        activity(county.pairing, 2, saved, record="另一次家访"),
    ]}).json()["results"]
    assert [r["status"] for r in again] == ["rejected", "rejected"]
    assert "已保存" not in again[0]["reason"] and "那一条也没有保存" in again[0]["reason"], again[0]["reason"]
    assert "那一条已保存" in again[1]["reason"], again[1]["reason"]
    assert all("这条修改没有保存" in r["reason"] for r in again)
