"""Whatever a batch holds, the push is answered, and the same batch sent again is answered the same.

A phone deletes an outbox entry only once it has its answer, so a push that fails after its
commit (or before it, every time) wedges that phone's outbox for good (issue 8, item 1).
"""
from __future__ import annotations

import json
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync import new_id
from sync.entities import ENTITIES

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


JUNK_TEXT = st.sampled_from(["\ud800", "a\udfffb", "活" * 500, "", "activity", "review", "x" * 41, "null"])
JUNK = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), JUNK_TEXT,
                 st.lists(JUNK_TEXT, max_size=3), st.dictionaries(JUNK_TEXT, JUNK_TEXT, max_size=2))
VISIT_FIELD = st.sampled_from(sorted(f.name for f in ENTITIES["activity"].fields))


@st.composite
def phone_mutation(draw: st.DrawFn, pairing: str) -> dict[str, Any]:
    """Anything a buggy or hostile phone might put in one outbox entry (its id is set later)."""
    if draw(st.booleans()):
        # A new visit, well formed but for junk under its own field names: junk that reaches the
        # checks of each kind of field (a list for 帮扶方式, null for 情绪), past the entity, op and id.
        junk = draw(st.dictionaries(VISIT_FIELD, JUNK, min_size=1, max_size=3))
        return {"entity": "activity", "record_id": new_id(), "op": "upsert", "base_version": None,
                "fields": {"pairing_id": pairing, "kind": "talk", "date": "2026-11-20", **junk}}
    fields = draw(st.one_of(
        st.fixed_dictionaries({"pairing_id": st.just(pairing), "kind": st.just("talk"),
                               "date": st.just("2026-11-20")}, optional={"record": JUNK_TEXT}),
        st.dictionaries(JUNK_TEXT, JUNK, max_size=3), JUNK,
    ))
    mutation = {"entity": draw(st.one_of(st.sampled_from(["activity", "\ud800", "review"]), JUNK)),
                "record_id": draw(st.one_of(st.builds(new_id), st.sampled_from(["\udc00", "x" * 300]), JUNK)),
                "op": draw(st.sampled_from(["upsert", "delete", "\ud800"])),
                "base_version": draw(st.one_of(st.none(), st.integers(0, 3), JUNK)), "fields": fields}
    if draw(st.booleans()):
        mutation[draw(JUNK_TEXT)] = draw(JUNK)
    return mutation


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "30")), deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_batch_and_any_resend_of_it_is_answered(county: County, data: st.DataObject) -> None:
    """A batch of anything is answered 200, and so is every resend of it, same content or not."""
    headers = county.auth("mentor") if not hasattr(county, "fuzz_headers") else county.fuzz_headers
    county.fuzz_headers = headers  # type: ignore[attr-defined]
    start = getattr(county, "fuzz_next", 1)
    mutations = data.draw(st.lists(phone_mutation(county.pairing), min_size=1, max_size=4))
    batch = [{**m, "mutation_id": start + i} for i, m in enumerate(mutations)]
    county.fuzz_next = start + len(batch)  # type: ignore[attr-defined]
    for _ in range(2):
        answer = post_push(county, headers, batch)
        assert answer.status_code == 200, answer.text
        results = answer.json()["results"]
        assert [r["mutation_id"] for r in results] == [m["mutation_id"] for m in batch]
        # the resend reuses the ids; some entries now hold something else (a phone bug)
        changed = data.draw(st.lists(phone_mutation(county.pairing), min_size=len(batch), max_size=len(batch)))
        batch = [{**(c if data.draw(st.booleans()) else m), "mutation_id": m["mutation_id"]}
                 for m, c in zip(batch, changed, strict=True)]
