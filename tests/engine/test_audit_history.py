"""The audit log rebuilds every version of a record, field by field, without storing creates twice."""
from __future__ import annotations

import sqlite_utils

from sync import apply_batch, apply_mutations
from sync.audit import record_history
from tests.factories import make_device, make_mentee, make_pairing, make_unit, make_user, upsert


def test_history_rebuilds_the_created_values_and_every_change(db: sqlite_utils.Database) -> None:
    county = make_unit(db)
    staff = make_user(db, "staff", county)
    mentor = make_user(db, "mentor", county)
    pairing = make_pairing(db, staff, mentor, make_mentee(db, staff, make_unit(db, "县直学校", "school", county)))
    phone = make_device(db, mentor)
    record = "01900000-0000-7000-8000-000000000001"
    created = {"pairing_id": pairing, "kind": "talk", "date": "2026-11-01", "record": "初次谈心", "tags": ["theme"]}
    apply_batch(db, phone, {"mutations": [
        upsert("activity", record, created, 1),
        upsert("activity", record, {"record": "补充：孩子愿意交流"}, 2, 1),
    ]})
    apply_mutations(db, staff, [{"entity": "activity", "record_id": record, "op": "upsert", "base_version": 2,
                                 "fields": {"record": "站里更正", "follow_up": "下周回访"}}])
    history = record_history(db, "activity", record)
    assert [h["op"] for h in history] == ["create", "update", "update"]
    assert [h["version"] for h in history] == [1, 2, 3]
    assert history[0]["changes"]["record"] == [None, "初次谈心"]
    assert history[0]["changes"]["tags"] == [None, ["theme"]]
    assert history[0]["device_id"] == phone.device_id
    assert history[1]["changes"] == {"record": ["初次谈心", "补充：孩子愿意交流"]}
    assert history[2]["changes"] == {"record": ["补充：孩子愿意交流", "站里更正"], "follow_up": [None, "下周回访"]}
    assert history[2]["user_id"] == staff.user_id and history[2]["device_id"] is None
