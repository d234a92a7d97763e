"""Whatever a batch holds, the push is answered, and the same batch sent again is answered the same.

A phone deletes an outbox entry only once it has its answer, so a push that fails after its
commit (or before it, every time) wedges that phone's outbox for good (issue 8, item 1).
"""
from __future__ import annotations

import json
from typing import Any

from sync import new_id

from .conftest import County, activity

JSON = {"content-type": "application/json"}


def post_push(county: County, headers: dict[str, str], mutations: list[dict[str, Any]]) -> Any:
    # json.dumps escapes a lone surrogate as "\ud800": valid JSON that Python decodes to an unencodable str.
    body = json.dumps({"mutations": mutations}).encode()
    return county.client.post("/api/sync/push", content=body, headers={**headers, **JSON})


def test_push_resend_of_a_used_id_with_a_lone_surrogate_entity_beside_a_new_mutation_is_answered(
    county: County,
) -> None:
    headers = county.auth("mentor")
    first = post_push(county, headers, [activity(county.pairing, 1)])
    assert first.status_code == 200, first.text
    garbled = {**activity(county.pairing, 1), "entity": "\ud800"}
    fresh = activity(county.pairing, 2)
    batch = [garbled, fresh]
    answer = post_push(county, headers, batch)
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["rejected", "applied"]
    assert answer.json()["last_mutation_id"] == 2
    # the phone lost that answer and sends the same batch again: the same answers, nothing written twice
    again = post_push(county, headers, batch)
    assert again.status_code == 200, again.text
    assert again.json() == answer.json()
    count = county.client.app.state.banxing.store.read_now(
        lambda db: db.execute("SELECT count(*) FROM activities WHERE id = ?", [fresh["record_id"]]).fetchone()[0])
    assert count == 1


def test_push_of_an_old_unanswered_id_with_unencodable_text_everywhere_is_answered(county: County) -> None:
    headers = county.auth("mentor")
    assert post_push(county, headers, [activity(county.pairing, 5)]).status_code == 200
    junk = {"mutation_id": 3, "entity": "\udfff" * 3, "record_id": "\ud800" + new_id(), "op": "upsert",
            "base_version": None, "fields": {"record": "\ud800"}}
    batch = [junk, activity(county.pairing, 6)]
    answer = post_push(county, headers, batch)
    assert answer.status_code == 200, answer.text
    assert [r["status"] for r in answer.json()["results"]] == ["rejected", "applied"]
    again = post_push(county, headers, batch)
    assert again.status_code == 200, again.text
    assert [(r["mutation_id"], r["status"]) for r in again.json()["results"]] == [(3, "rejected"), (6, "applied")]
    assert answer.json()["results"][0]["entity"] == "\ufffd" * 3  # the garbled echo, made valid
