"""A push naming a record the phone may not see is answered exactly as one naming no record at all:
not by the words only (docs/sync-protocol.md §11) but by every member of the answer, so that no
phone can tell that a record outside its scope exists, nor watch its version move."""
from __future__ import annotations

from typing import Any

from sync import new_id
from tests.http.conftest import County, activity


def _edit(mutation_id: int, record_id: str, base_version: int | None, **fields: Any) -> dict[str, Any]:
    return {"mutation_id": mutation_id, "entity": "activity", "record_id": record_id, "op": "upsert",
            "base_version": base_version, "fields": fields}


def _delete(mutation_id: int, record_id: str, base_version: int | None) -> dict[str, Any]:
    return {"mutation_id": mutation_id, "entity": "activity", "record_id": record_id, "op": "delete",
            "base_version": base_version}


def _blind(result: dict[str, Any]) -> dict[str, Any]:
    """An answer without what the phone itself sent (its mutation id and the record's id)."""
    return {k: v for k, v in result.items() if k not in ("mutation_id", "record_id")}


def test_an_edit_or_delete_of_another_volunteers_visit_is_answered_as_one_of_no_record(county: County) -> None:
    theirs = new_id()
    made = county.client.post("/api/sync/push", headers=county.auth("mentor2"),
                              json={"mutations": [activity(county.other_pairing, 1, theirs)]})
    assert made.json()["results"][0]["status"] == "applied"
    nobody = new_id()
    answers = county.client.post("/api/sync/push", headers=county.auth("mentor"), json={"mutations": [
        _edit(1, theirs, 1, record="改别人的记录"), _edit(2, nobody, 1, record="改别人的记录"),
        _delete(3, theirs, 1), _delete(4, nobody, 1),
        _edit(5, theirs, None, record="用别人的编号新建"), _edit(6, nobody, None, record="用别人的编号新建"),
    ]}).json()["results"]
    assert [r["status"] for r in answers] == ["rejected"] * 6
    assert _blind(answers[0]) == _blind(answers[1])
    assert _blind(answers[2]) == _blind(answers[3])
    assert answers[4]["version"] is None  # a create with no pairing is refused for that: no version either


def test_a_visit_of_a_pairing_the_station_ended_is_no_longer_versioned_for_the_old_volunteer(
        county: County) -> None:
    phone = county.auth("mentor")
    mine = new_id()
    made = county.client.post("/api/sync/push", headers=phone, json={"mutations": [activity(county.pairing, 1, mine)]})
    assert made.json()["results"][0]["version"] == 1
    staff = county.auth("staff")
    ended = county.client.post("/api/sync/push", headers=staff, json={"mutations": [{
        "mutation_id": 1, "entity": "pairing", "record_id": county.pairing, "op": "upsert", "base_version": 1,
        "fields": {"status": "closed", "end_date": "2026-11-30", "outcome": "stable"}}]})
    assert ended.json()["results"][0]["status"] == "applied"
    county.client.post("/api/sync/push", headers=staff, json={"mutations": [_edit(2, mine, 1, record="辅导站改过")]})
    answers = county.client.post("/api/sync/push", headers=phone, json={"mutations": [
        _edit(2, mine, 1, record="再改一下"), _edit(3, new_id(), 1, record="再改一下"),
    ]}).json()["results"]
    assert [r["status"] for r in answers] == ["rejected", "rejected"]
    assert answers[0]["version"] is None, "the old volunteer could watch the child's file change"
    assert _blind(answers[0]) == _blind(answers[1])
