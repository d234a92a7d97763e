"""Control characters sent to /api/sync/push are not stored, and a resend is still recognised."""
from __future__ import annotations

import json

from sync import new_id

from .conftest import County, activity


def test_push_stores_and_pulls_text_without_control_characters(county: County) -> None:
    headers = {**county.auth("mentor"), "Content-Type": "application/json"}
    record = new_id()
    sent = activity(county.pairing, 1, record, place="孩子\u0000家", preparation="带\u0007一本书",
                    record="聊了\u001b学习。\n第二段\t缩进", follow_up="下周\u000b再访", moods=["平静\u0008"])
    # Written out by hand: the body carries the JSON escapes (\u0000 …) a crafted request would.
    body = json.dumps({"mutations": [sent]}).encode()
    assert b"\\u0000" in body
    first = county.client.post("/api/sync/push", headers=headers, content=body)
    assert first.status_code == 200, first.text
    assert first.json()["results"][0]["status"] == "applied"

    again = county.client.post("/api/sync/push", headers=headers, content=body)
    assert again.json() == first.json(), "a resend of the same bytes gets the same answer"

    pulled = county.client.get("/api/sync/pull", headers=headers).json()
    (change,) = [c for c in pulled["changes"] if c["record_id"] == record]
    fields = change["fields"]
    assert (fields["place"], fields["preparation"], fields["record"], fields["follow_up"], fields["moods"]) == (
        "孩子家", "带一本书", "聊了学习。\n第二段\t缩进", "下周再访", ["平静"])
    assert change["version"] == 1


def test_push_stores_text_without_del_and_c1_controls_and_a_resend_is_still_a_resend(county: County) -> None:
    """orjson writes DEL and U+0080–U+009F as themselves, not as \\u escapes: the look at the digest's
    bytes for an escape missed them, and they were stored."""
    headers = {**county.auth("mentor"), "Content-Type": "application/json"}
    record = new_id()
    sent = activity(county.pairing, 1, record, place="孩子\u007f家", preparation="带\u0085一本书·°",
                    record="聊了\u009b学习。\n第二段", moods=["平静\u0080"])
    body = json.dumps({"mutations": [sent]}, ensure_ascii=False).encode()
    assert "\u007f".encode() in body and "\u0085".encode() in body
    first = county.client.post("/api/sync/push", headers=headers, content=body)
    assert first.status_code == 200 and first.json()["results"][0]["status"] == "applied", first.text
    again = county.client.post("/api/sync/push", headers=headers, content=body)
    assert again.json() == first.json(), "a resend of the same bytes gets the same answer"

    pulled = county.client.get("/api/sync/pull", headers=headers).json()
    (change,) = [c for c in pulled["changes"] if c["record_id"] == record]
    fields = change["fields"]
    assert (fields["place"], fields["preparation"], fields["record"], fields["moods"]) == (
        "孩子家", "带一本书·°", "聊了学习。\n第二段", ["平静"])
    assert change["version"] == 1
