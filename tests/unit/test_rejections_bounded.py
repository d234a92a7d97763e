"""Rejected junk is answered and audited in a few hundred bytes, however large it was (issue 8, item 7).

Three pushes of 1,000 mutations with a 4,000-character ``entity`` used to grow the database
by 41.7 MB: the entity was echoed in the answer and again in the reason, and both plus the
sent fields were stored in the audit log.
"""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import sqlite_utils

from sync import apply_batch, new_id
from tests.factories import (
    delete,
    make_activity,
    make_device,
    make_mentee,
    make_pairing,
    make_unit,
    make_user,
    push,
    upsert,
)


@pytest.fixture
def w(db: sqlite_utils.Database) -> SimpleNamespace:
    w = SimpleNamespace()
    w.county = make_unit(db)
    w.station = make_unit(db, "掘港辅导站", "station", w.county)
    w.other_station = make_unit(db, "栟茶辅导站", "station", w.county)
    w.staff = make_device(db, make_user(db, "staff", w.station))
    w.other_staff = make_device(db, make_user(db, "staff", w.other_station))
    w.mentor = make_device(db, make_user(db, "mentor", w.station))
    w.mentee = make_mentee(db, w.staff, w.station)
    w.pairing = make_pairing(db, w.staff, w.mentor, w.mentee)
    w.activity = make_activity(db, w.mentor, w.pairing)
    return w


def db_bytes(db: sqlite_utils.Database) -> int:
    return int(db.execute("PRAGMA page_count").fetchone()[0]) * int(db.execute("PRAGMA page_size").fetchone()[0])


def junk(mutation_id: int) -> dict[str, object]:
    return {"mutation_id": mutation_id, "entity": "活" * 4000, "record_id": "x" * 4000, "op": "upsert",
            "base_version": None, "fields": {"record": "很" * 4000, "k" * 4000: "v" * 4000}}


def test_rejected_junk_is_answered_and_stored_in_bounded_space(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    before = db_bytes(db)
    result = apply_batch(db, w.mentor, {"mutations": [junk(i + 1) for i in range(1000)]})
    assert {a["status"] for a in result.results} == {"rejected"}
    for answer in result.results:
        assert len(json.dumps(answer, ensure_ascii=False).encode()) < 700, answer
        assert "活" * 41 not in answer["reason"]
    grown = db_bytes(db) - before
    assert grown < 1000 * 1000, f"the database grew {grown} bytes for 1,000 rejected mutations"


def test_rejected_junk_keeps_only_the_names_of_the_fields_it_sent(db: sqlite_utils.Database,
                                                                  w: SimpleNamespace) -> None:
    (answer,) = push(db, w.mentor, upsert("activity", w.activity, {"date": "2026-02-30", "record": "x"}, 1, 1))
    audit = db.execute("SELECT status, reason, changes FROM sync_audit WHERE mutation_id = 1 AND device_id = ?",
                       [w.mentor.device_id]).fetchone()
    assert audit[:2] == ("rejected", answer["reason"])
    assert json.loads(audit[2]) == {"incoming_fields": ["date", "record"]}


def test_refused_edit_of_a_deleted_record_keeps_the_sent_values_for_staff(db: sqlite_utils.Database,
                                                                          w: SimpleNamespace) -> None:
    push(db, w.staff, delete("activity", w.activity, 1, base_version=1))
    (answer,) = push(db, w.mentor, upsert("activity", w.activity, {"record": "离线写的记录"}, 1, 1))
    assert answer["status"] == "rejected" and "审计日志" in answer["reason"]
    changes = db.execute("SELECT changes FROM sync_audit WHERE mutation_id = 1 AND device_id = ?",
                         [w.mentor.device_id]).fetchone()[0]
    assert json.loads(changes) == {"incoming": {"record": "离线写的记录"}}


def test_refused_change_to_a_record_the_writer_cannot_see_keeps_no_values(db: sqlite_utils.Database,
                                                                          w: SimpleNamespace) -> None:
    (answer,) = push(db, w.other_staff, upsert("activity", w.activity, {"record": "别站的人写的"}, 1, 1))
    assert answer["status"] == "rejected"
    changes = db.execute("SELECT changes FROM sync_audit WHERE mutation_id = 1 AND device_id = ?",
                         [w.other_staff.device_id]).fetchone()[0]
    assert json.loads(changes) == {"incoming_fields": ["record"]}


@pytest.mark.parametrize("entity", ["activity", "screening"])
def test_a_new_visit_or_screening_for_a_child_never_the_volunteers_keeps_no_words(
        db: sqlite_utils.Database, w: SimpleNamespace, entity: str) -> None:
    """A volunteer's new visit refused because the station changed her pairing keeps its words for the
    station (sync-protocol §5); one naming a pairing or child she never had (a damaged or hostile
    phone) keeps only the field names: no station changed her world, and a stranger's words about a
    child are not stored."""
    stranger = make_device(db, make_user(db, "mentor", w.other_station))
    fields = ({"pairing_id": w.pairing, "kind": "talk", "date": "2026-11-20", "record": "陌生人写的记录"}
              if entity == "activity" else {"mentee_id": w.mentee, "date": "2026-11-20", "notes": "陌生人写的摸排"})
    (answer,) = push(db, stranger, upsert(entity, new_id(), fields, 1))
    assert answer["status"] == "rejected"
    changes = db.execute("SELECT changes FROM sync_audit WHERE mutation_id = 1 AND device_id = ?",
                         [stranger.device_id]).fetchone()[0]
    assert json.loads(changes) == {"incoming_fields": list(fields)}
