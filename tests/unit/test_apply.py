"""The write path: create, update, delete, idempotent resends, conflicts, locks, 代录, audit."""
from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
import sqlite_utils

import sync.apply
import sync.digests
import sync.mutations
from sync import Actor, DeviceRevoked, apply_batch, apply_mutations, new_id
from tests.factories import (
    db_snapshot,
    delete,
    make_activity,
    make_device,
    make_mentee,
    make_pairing,
    make_unit,
    make_user,
    mutate,
    push,
    revoke_device,
    row,
    table_counts,
    upsert,
)


@pytest.fixture
def w(db: sqlite_utils.Database) -> SimpleNamespace:
    w = SimpleNamespace()
    w.county = make_unit(db)
    w.staff = make_device(db, make_user(db, "staff", w.county, name="站员"), "辅导站电脑")
    mentor = make_user(db, "mentor", w.county, name="王老师")
    w.phone = make_device(db, mentor, "王老师的手机")
    w.tablet = make_device(db, mentor, "王老师的平板")
    w.school = make_unit(db, "县直学校", "school", w.county)
    w.mentee = make_mentee(db, w.staff, w.school)
    w.pairing = make_pairing(db, w.staff, w.phone, w.mentee)
    w.activity = make_activity(db, w.phone, w.pairing, place="家中")
    return w


def new_activity_fields(w: SimpleNamespace, **extra: Any) -> dict[str, Any]:
    return {"pairing_id": w.pairing, "kind": "talk", "date": "2026-11-21", "record": "谈心", **extra}


def review(w: SimpleNamespace, decision: str, target: str | None = None, comment: str = "") -> dict[str, Any]:
    return {"entity": "review", "record_id": new_id(), "op": "upsert", "base_version": None,
            "fields": {"target_entity": "activity", "target_id": target or w.activity, "decision": decision,
                       "comment": comment or None}}


def audit_rows(db: sqlite_utils.Database, record_id: str) -> list[dict[str, Any]]:
    cursor = db.execute("SELECT * FROM sync_audit WHERE record_id = ? ORDER BY id", [record_id])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def conflict_rows(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    cursor = db.execute("SELECT * FROM sync_conflicts ORDER BY created_at, id")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def last_mutation_id(db: sqlite_utils.Database, device: Actor) -> int:
    return db.execute("SELECT last_mutation_id FROM sync_devices WHERE id = ?", [device.device_id]).fetchone()[0]


# --- create, update, delete ---------------------------------------------------------------

def test_mentor_create_applies_at_version_one_with_server_set_fields(db: sqlite_utils.Database,
                                                                     w: SimpleNamespace) -> None:
    rid = new_id()
    (answer,) = push(db, w.phone, upsert("activity", rid, new_activity_fields(w, risk_flag=True), 1))
    assert answer == {"mutation_id": 1, "status": "applied", "version": 1, "reason": None,
                      "entity": "activity", "record_id": rid}
    record = row(db, "activity", rid)
    assert record["version"] == 1 and not record["deleted"]
    assert record["record"] == "谈心" and record["risk_flag"] is True
    assert record["author_id"] == w.phone.user_id and record["entered_by"] is None
    assert record["mentee_id"] == w.mentee and record["unit_id"] == w.school
    assert record["review_status"] == "pending"
    assert record["tags"] == [] and record["moods"] == []


def test_create_is_idempotent_by_record_id_a_second_create_is_an_update(db: sqlite_utils.Database,
                                                                       w: SimpleNamespace) -> None:
    rid = new_id()
    push(db, w.phone, upsert("activity", rid, new_activity_fields(w), 1))
    (answer,) = push(db, w.tablet, upsert("activity", rid, new_activity_fields(w), 1))
    assert (answer["status"], answer["version"]) == ("applied", 1)
    assert db.execute("SELECT count(*) FROM activities WHERE id = ?", [rid]).fetchone()[0] == 1
    assert row(db, "activity", rid)["version"] == 1


def test_update_applies_changed_fields_and_bumps_version(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    (answer,) = push(db, w.phone, upsert("activity", w.activity, {"record": "补充了过程", "duration_min": 45}, 1, 1))
    assert (answer["status"], answer["version"]) == ("applied", 2)
    record = row(db, "activity", w.activity)
    assert (record["record"], record["duration_min"], record["place"], record["version"]) == (
        "补充了过程", 45, "家中", 2)
    assert record["field_versions"]["record"] == 2 and record["field_versions"]["duration_min"] == 2


def test_update_with_the_values_already_stored_writes_no_new_version(db: sqlite_utils.Database,
                                                                     w: SimpleNamespace) -> None:
    feed_before = db.execute("SELECT seq FROM sync_feed WHERE record_id = ?", [w.activity]).fetchone()
    (answer,) = push(db, w.phone, upsert("activity", w.activity, {"place": "家中"}, 1, 1))
    assert (answer["status"], answer["version"]) == ("applied", 1)
    assert row(db, "activity", w.activity)["version"] == 1
    assert db.execute("SELECT seq FROM sync_feed WHERE record_id = ?", [w.activity]).fetchone() == feed_before


def test_nullable_field_can_be_cleared(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    (answer,) = push(db, w.phone, upsert("activity", w.activity, {"place": None}, 1, 1))
    assert answer["status"] == "applied"
    assert row(db, "activity", w.activity)["place"] is None


def test_delete_is_a_soft_delete_with_a_new_version(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    (answer,) = push(db, w.phone, delete("activity", w.activity, 1, base_version=1))
    assert (answer["status"], answer["version"]) == ("applied", 2)
    record = row(db, "activity", w.activity)
    assert record["deleted"] and record["version"] == 2 and record["record"] == "家访记录"
    feed = db.execute("SELECT version, deleted FROM sync_feed WHERE record_id = ?", [w.activity]).fetchone()
    assert feed == (2, 1)


def test_deleting_again_is_harmless_and_editing_a_deleted_record_is_rejected(db: sqlite_utils.Database,
                                                                             w: SimpleNamespace) -> None:
    push(db, w.phone, delete("activity", w.activity, 1, base_version=1))
    again, edit = push(db, w.tablet, delete("activity", w.activity, 1, base_version=2),
                       upsert("activity", w.activity, {"record": "删了还改"}, 2, base_version=2))
    assert (again["status"], again["version"]) == ("applied", 2)
    assert edit["status"] == "rejected" and "已被删除" in edit["reason"]
    assert row(db, "activity", w.activity)["version"] == 2


def test_deleting_a_record_that_does_not_exist_is_rejected(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    (answer,) = push(db, w.phone, delete("activity", new_id(), 1))
    assert answer["status"] == "rejected" and "找不到" in answer["reason"]


def test_update_of_a_record_that_does_not_exist_with_a_base_version_is_rejected(db: sqlite_utils.Database,
                                                                                w: SimpleNamespace) -> None:
    rid = new_id()
    (answer,) = push(db, w.phone, upsert("activity", rid, new_activity_fields(w), 1, base_version=2))
    assert answer["status"] == "rejected" and "找不到" in answer["reason"]
    assert row(db, "activity", rid) is None


def test_create_reusing_the_id_of_a_record_of_another_entity_is_rejected(db: sqlite_utils.Database,
                                                                         w: SimpleNamespace) -> None:
    """One id, one record: a screening under an activity's id must not replace it in the feed."""
    (answer,) = push(db, w.phone, upsert("screening", w.activity, {"mentee_id": w.mentee, "date": "2026-11-02"}, 1))
    assert answer["status"] == "rejected"
    assert db.execute("SELECT entity FROM sync_feed WHERE record_id = ?", [w.activity]).fetchall() == [("activity",)]
    assert row(db, "screening", w.activity) is None


@pytest.mark.parametrize(("entity", "target"), [
    ("activity", "county"), ("activity", "mentee"), ("activity", "pairing"),
    ("mentee", "county"), ("mentee", "pairing"), ("mentee", "activity"),
])
def test_a_create_under_an_id_held_in_any_other_table_is_rejected_and_changes_nothing(
        db: sqlite_utils.Database, w: SimpleNamespace, target: str, entity: str) -> None:
    taken = getattr(w, target)
    owner = {"county": "unit"}.get(target, target)
    fields = (new_activity_fields(w) if entity == "activity"
              else {"unit_id": w.school, "code": "M-reuse", "name": "小红", "categories": ["psych"]})
    before = row(db, owner, taken)
    (answer,) = push(db, w.staff, upsert(entity, taken, fields, 1))
    assert answer["status"] == "rejected" and "已被另一条记录使用" in answer["reason"]
    assert row(db, entity, taken) is None
    assert row(db, owner, taken) == before


def test_creates_of_two_entities_in_one_batch_are_each_refused_under_an_id_the_other_table_holds(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    """The new-id check searches a table only for the ids new to other tables: with new ids of two
    entities in one batch, each entity's table is searched for the other's."""
    fresh = new_id()
    mentee_fields = {"unit_id": w.school, "code": "M-reuse", "name": "小红", "categories": ["psych"]}
    on_activity, on_mentee, fine = push(db, w.staff, upsert("mentee", w.activity, mentee_fields, 1),
                                        upsert("activity", w.mentee, new_activity_fields(w), 2),
                                        upsert("activity", fresh, new_activity_fields(w), 3))
    assert [a["status"] for a in (on_activity, on_mentee, fine)] == ["rejected", "rejected", "applied"]
    assert "已被另一条记录使用" in on_activity["reason"] and "已被另一条记录使用" in on_mentee["reason"]
    assert row(db, "mentee", w.activity) is None and row(db, "activity", w.mentee) is None


def test_two_creates_of_different_entities_under_one_id_in_one_batch_keep_only_the_first(
    db: sqlite_utils.Database, w: SimpleNamespace
) -> None:
    rid = new_id()
    first, second = push(db, w.phone, upsert("activity", rid, new_activity_fields(w), 1),
                         upsert("screening", rid, {"mentee_id": w.mentee, "date": "2026-11-02"}, 2))
    assert (first["status"], second["status"]) == ("applied", "rejected")
    assert db.execute("SELECT entity FROM sync_feed WHERE record_id = ?", [rid]).fetchall() == [("activity",)]


def test_creating_an_activity_on_a_closed_pairing_is_rejected(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    mutate(db, w.staff, "pairing", {"status": "closed", "outcome": "stable", "end_date": "2026-11-20"}, w.pairing,
           base_version=1)
    staff_answer, = push(db, w.staff, upsert("activity", new_id(), new_activity_fields(w), 1))
    assert staff_answer["status"] == "rejected" and "结束" in staff_answer["reason"]


def test_staff_may_enter_a_visit_made_before_a_pairing_ended_and_nothing_after(
    db: sqlite_utils.Database, w: SimpleNamespace
) -> None:
    # Ended on the day of its last visit (w.activity, 2026-11-20): an end before it is refused.
    mutate(db, w.staff, "pairing", {"status": "closed", "outcome": "stable", "end_date": "2026-11-20"}, w.pairing,
           base_version=1)
    before, after = push(db, w.staff, upsert("activity", new_id(), {**new_activity_fields(w), "date": "2026-11-20"}, 1),
                         upsert("activity", new_id(), {**new_activity_fields(w), "date": "2026-11-21"}, 2))
    assert before["status"] == "applied"
    assert after["status"] == "rejected" and "已于2026年11月20日结束" in after["reason"]
    phone, = push(db, w.phone, upsert("activity", new_id(), {**new_activity_fields(w), "date": "2026-11-19"}, 1))
    assert phone["status"] == "rejected", "the volunteer's phone no longer writes in an ended pairing"


# --- resends ----------------------------------------------------------------------------------

def mixed_batch(db: sqlite_utils.Database, w: SimpleNamespace) -> list[dict[str, Any]]:
    """A batch from the phone whose answers cover applied, merged, conflict and rejected.

    The mentor's tablet first rewrites the existing activity's record, which the phone
    has not seen (its copy is still at version 1).
    """
    (edit,) = push(db, w.tablet, upsert("activity", w.activity, {"record": "平板上改的"}, 1, base_version=1))
    assert edit["status"] == "applied"
    rid = new_id()
    return [
        upsert("activity", rid, new_activity_fields(w), 1),
        upsert("activity", rid, {"record": "第一次改"}, 2, base_version=1),
        upsert("activity", w.activity, {"follow_up": "下周再去"}, 3, base_version=1),
        upsert("activity", w.activity, {"record": "手机上改的"}, 4, base_version=1),
        upsert("activity", w.activity, {"date": "2026-02-30"}, 5, base_version=1),
        delete("activity", rid, 6, base_version=2),
    ]


def test_push_resend_returns_same_answers_and_writes_nothing(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    batch = mixed_batch(db, w)
    first = apply_batch(db, w.phone, {"mutations": batch})
    assert [a["status"] for a in first.results] == ["applied", "applied", "merged", "conflict", "rejected", "applied"]
    counts, snapshot = table_counts(db), db_snapshot(db)
    again = apply_batch(db, w.phone, {"mutations": batch})
    assert again.results == first.results
    assert again.last_mutation_id == first.last_mutation_id == 6
    assert table_counts(db) == counts
    assert db_snapshot(db) == snapshot


def test_a_reused_mutation_id_with_different_content_is_rejected_not_silently_dropped(
    db: sqlite_utils.Database, w: SimpleNamespace
) -> None:
    push(db, w.phone, upsert("activity", w.activity, {"record": "原来的"}, 1, base_version=1))
    snapshot = db_snapshot(db)
    (again,) = push(db, w.phone, upsert("activity", w.activity, {"record": "换了内容"}, 1, base_version=1))
    assert again["status"] == "rejected" and "编号 1" in again["reason"] and "没有保存" in again["reason"]
    assert db_snapshot(db) == snapshot
    assert row(db, "activity", w.activity)["record"] == "原来的"


def test_an_answer_stored_with_the_first_kind_of_digest_still_knows_its_resend(
    db: sqlite_utils.Database, w: SimpleNamespace
) -> None:
    # Answers stored before digests moved to orjson keep a digest of json.dumps's bytes: after an
    # upgrade, the same mutation resent is answered as before and a different one is still refused.
    sent = upsert("activity", w.activity, {"record": "升级前"}, 1, base_version=1)
    (first,) = push(db, w.phone, sent)
    old_kind = sync.digests._fingerprint_v1(sent)
    assert old_kind is not None and old_kind < sync.digests.DIGEST_V2
    db.execute("UPDATE sync_audit SET digest = ? WHERE device_id = ? AND mutation_id = 1",
               [old_kind, w.phone.device_id])
    assert push(db, w.phone, sent) == [first]
    (changed,) = push(db, w.phone, upsert("activity", w.activity, {"record": "别的内容"}, 1, base_version=1))
    assert changed["status"] == "rejected" and "没有保存" in changed["reason"]
    assert row(db, "activity", w.activity)["record"] == "升级前"


def test_push_mixed_resend_and_new_mutations_applies_only_the_new(db: sqlite_utils.Database,
                                                                 w: SimpleNamespace) -> None:
    batch = mixed_batch(db, w)
    first = apply_batch(db, w.phone, {"mutations": batch[:4]})
    rid = new_id()
    more = [upsert("activity", rid, new_activity_fields(w, record="新的一条"), 7)]
    second = apply_batch(db, w.phone, {"mutations": [*batch[:4], *more]})
    assert second.results[:4] == first.results
    assert second.results[4]["status"] == "applied" and second.results[4]["mutation_id"] == 7
    assert second.last_mutation_id == 7
    assert row(db, "activity", rid)["record"] == "新的一条"
    per_mutation = db.execute("SELECT mutation_id, count(*) FROM sync_audit"
                              " WHERE device_id = ? AND mutation_id IS NOT NULL"
                              " GROUP BY mutation_id",
                              [w.phone.device_id]).fetchall()
    assert per_mutation == [(1, 1), (2, 1), (3, 1), (4, 1), (7, 1)]


def test_push_old_mutation_id_never_seen_is_rejected_not_applied(db: sqlite_utils.Database,
                                                                 w: SimpleNamespace) -> None:
    push(db, w.phone, upsert("activity", w.activity, {"record": "十号"}, 10, base_version=1))
    (answer,) = push(db, w.phone, upsert("activity", w.activity, {"place": "学校"}, 3, base_version=2))
    assert answer["status"] == "rejected" and "3" in answer["reason"]
    assert row(db, "activity", w.activity)["place"] == "家中"
    assert last_mutation_id(db, w.phone) == 10


def test_mutation_ids_are_per_device(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    push(db, w.phone, upsert("activity", w.activity, {"record": "手机"}, 1, base_version=1))
    (answer,) = push(db, w.tablet, upsert("activity", w.activity, {"place": "平板"}, 1, base_version=2))
    assert answer["status"] == "applied"
    assert (last_mutation_id(db, w.phone), last_mutation_id(db, w.tablet)) == (1, 1)


# --- conflicts --------------------------------------------------------------------------------

def test_two_devices_edit_same_field_from_same_base_second_gets_conflict_with_kept_value(
    db: sqlite_utils.Database, w: SimpleNamespace
) -> None:
    (first,) = push(db, w.phone, upsert("activity", w.activity, {"record": "手机上写的"}, 1, base_version=1))
    (second,) = push(db, w.tablet, upsert("activity", w.activity, {"record": "平板上写的"}, 1, base_version=1))
    assert (first["status"], first["version"]) == ("applied", 2)
    assert (second["status"], second["version"]) == ("conflict", 2)
    assert second["fields"] == {"record": "手机上写的"}
    assert "过程记录" in second["reason"]
    (detail,) = second["conflicts"]
    assert (detail["field"], detail["kept"], detail["yours"]) == ("record", "手机上写的", "平板上写的")
    assert row(db, "activity", w.activity)["record"] == "手机上写的"
    (conflict,) = conflict_rows(db)
    assert conflict["id"] == detail["conflict_id"]
    assert (conflict["entity"], conflict["record_id"], conflict["field"]) == ("activity", w.activity, "record")
    assert json.loads(conflict["kept_value"]) == "手机上写的"
    assert json.loads(conflict["other_value"]) == "平板上写的"
    assert (conflict["device_id"], conflict["mutation_id"], conflict["base_version"]) == (w.tablet.device_id, 1, 1)
    assert conflict["user_id"] == w.tablet.user_id and conflict["status"] == "open"
    assert conflict["unit_id"] == w.school and conflict["mentee_id"] == w.mentee


def test_conflict_keeps_the_non_conflicting_fields_of_the_same_mutation(db: sqlite_utils.Database,
                                                                        w: SimpleNamespace) -> None:
    push(db, w.phone, upsert("activity", w.activity, {"record": "手机"}, 1, base_version=1))
    (answer,) = push(db, w.tablet, upsert("activity", w.activity, {"record": "平板", "follow_up": "再访"}, 1, 1))
    assert (answer["status"], answer["version"]) == ("conflict", 3)
    record = row(db, "activity", w.activity)
    assert (record["record"], record["follow_up"]) == ("手机", "再访")


def test_two_devices_edit_different_fields_from_same_base_both_merge(db: sqlite_utils.Database,
                                                                     w: SimpleNamespace) -> None:
    (first,) = push(db, w.phone, upsert("activity", w.activity, {"record": "手机"}, 1, base_version=1))
    (second,) = push(db, w.tablet, upsert("activity", w.activity, {"follow_up": "平板"}, 1, base_version=1))
    assert (first["status"], second["status"]) == ("applied", "merged")
    assert second["version"] == 3 and "conflicts" not in second
    record = row(db, "activity", w.activity)
    assert (record["record"], record["follow_up"], record["version"]) == ("手机", "平板", 3)
    assert conflict_rows(db) == []


def test_same_value_written_from_a_stale_base_is_not_a_conflict(db: sqlite_utils.Database,
                                                                 w: SimpleNamespace) -> None:
    push(db, w.phone, upsert("activity", w.activity, {"record": "一样的"}, 1, base_version=1))
    (answer,) = push(db, w.tablet, upsert("activity", w.activity, {"record": "一样的"}, 1, base_version=1))
    assert answer["status"] in ("applied", "merged")
    assert conflict_rows(db) == []


def test_stale_delete_after_an_edit_is_a_conflict_and_keeps_the_record(db: sqlite_utils.Database,
                                                                       w: SimpleNamespace) -> None:
    push(db, w.phone, upsert("activity", w.activity, {"record": "刚补充的"}, 1, base_version=1))
    (answer,) = push(db, w.tablet, delete("activity", w.activity, 1, base_version=1))
    assert (answer["status"], answer["version"]) == ("conflict", 2)
    assert "删除" in answer["reason"]
    record = row(db, "activity", w.activity)
    assert not record["deleted"] and record["record"] == "刚补充的"
    (conflict,) = conflict_rows(db)
    assert (conflict["field"], conflict["record_id"], conflict["device_id"]) == ("_deleted", w.activity,
                                                                                  w.tablet.device_id)
    assert json.loads(conflict["other_value"]) is True


def test_a_conflict_tells_a_phone_the_station_decides_and_staff_where_they_decide(db: sqlite_utils.Database,
                                                                                   w: SimpleNamespace) -> None:
    """The volunteer waits for her station; a county's staff deleting an inspection is no station's
    business, so the web writer is told the 冲突 page, where staff decide."""
    push(db, w.phone, upsert("activity", w.activity, {"record": "刚补充的"}, 1, base_version=1))
    (phone,) = push(db, w.tablet, upsert("activity", w.activity, {"record": "平板上的"}, 1, base_version=1))
    (staff,) = push(db, w.staff, delete("activity", w.activity, 1, base_version=1))
    assert phone["status"] == staff["status"] == "conflict"
    assert phone["reason"].endswith("等辅导站处理。")
    assert "辅导站" not in staff["reason"] and "“冲突”页面" in staff["reason"]


def test_edit_after_a_delete_from_the_other_device_is_rejected_with_a_reason(db: sqlite_utils.Database,
                                                                             w: SimpleNamespace) -> None:
    push(db, w.phone, delete("activity", w.activity, 1, base_version=1))
    (answer,) = push(db, w.tablet, upsert("activity", w.activity, {"record": "还在写"}, 1, base_version=1))
    assert answer["status"] == "rejected" and "删除" in answer["reason"]
    # The text is not lost: the audit log holds it.
    changes = json.loads(audit_rows(db, w.activity)[-1]["changes"])
    assert changes == {"incoming": {"record": "还在写"}}


def test_second_edit_of_a_field_after_a_lost_answer_is_not_a_conflict_with_the_same_device(
    db: sqlite_utils.Database, w: SimpleNamespace
) -> None:
    first = upsert("activity", w.activity, {"record": "初稿"}, 1, base_version=1)
    push(db, w.phone, first)  # applied, but the answer never reaches the phone
    # Offline again, the mentor rewrites the same field; the phone still holds version 1.
    answers = push(db, w.phone, first, upsert("activity", w.activity, {"record": "定稿"}, 2, base_version=1))
    assert [a["status"] for a in answers] == ["applied", "applied"]
    assert row(db, "activity", w.activity)["record"] == "定稿"


# --- approval locks -------------------------------------------------------------------------

def test_approved_activity_is_locked_against_edits_and_deletes(db: sqlite_utils.Database,
                                                               w: SimpleNamespace) -> None:
    (approval,) = push(db, w.staff, {**review(w, "approve", comment="记录完整"), "mutation_id": 1})
    assert approval["status"] == "applied"
    record = row(db, "activity", w.activity)
    assert (record["review_status"], record["review_comment"], record["version"]) == ("approved", "记录完整", 2)
    edit, remove = push(db, w.phone, upsert("activity", w.activity, {"record": "补一句"}, 1, base_version=2),
                        delete("activity", w.activity, 2, base_version=2))
    staff_edit, = push(db, w.staff, upsert("activity", w.activity, {"place": "学校"}, 2, base_version=2))
    for answer in (edit, remove, staff_edit):
        assert answer["status"] == "rejected"
        assert "锁定" in answer["reason"] and "退回" in answer["reason"]
    assert row(db, "activity", w.activity) == record


def test_returning_an_approved_activity_unlocks_it(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    push(db, w.staff, {**review(w, "approve"), "mutation_id": 1})
    push(db, w.staff, {**review(w, "return", comment="请写清楚家访地点"), "mutation_id": 2})
    record = row(db, "activity", w.activity)
    assert (record["review_status"], record["review_comment"]) == ("returned", "请写清楚家访地点")
    (answer,) = push(db, w.phone, upsert("activity", w.activity, {"place": "小明家中"}, 1, base_version=3))
    assert answer["status"] == "applied"
    assert row(db, "activity", w.activity)["place"] == "小明家中"


def test_staff_record_the_handling_of_a_risk_flag_even_after_approval(db: sqlite_utils.Database,
                                                                     w: SimpleNamespace) -> None:
    push(db, w.staff, {**review(w, "approve"), "mutation_id": 1})
    handling = {"risk_action": "当天联系家长和班主任，已陪同到心理门诊", "risk_action_on": "2026-11-21"}
    (answer,) = push(db, w.staff, upsert("activity", w.activity, handling, 2, base_version=2))
    assert answer["status"] == "applied", answer
    record = row(db, "activity", w.activity)
    assert record["risk_action"] == handling["risk_action"] and record["risk_action_on"] == "2026-11-21"
    assert record["risk_action_by"] == w.staff.user_id and record["review_status"] == "approved"
    # Only the handling is open: anything else in the same mutation is still locked.
    (mixed,) = push(db, w.staff, upsert("activity", w.activity, {**handling, "place": "学校"}, 3, base_version=3))
    assert mixed["status"] == "rejected" and "锁定" in mixed["reason"]


def test_mentors_cannot_write_the_handling_of_a_risk_flag(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    (answer,) = push(db, w.phone, upsert("activity", w.activity, {"risk_action": "已处理"}, 1, base_version=1))
    assert answer["status"] == "rejected" and "风险处理记录" in answer["reason"]
    (forged,) = push(db, w.staff, upsert("activity", w.activity, {"risk_action_by": w.staff.user_id}, 1,
                                         base_version=1))
    assert forged["status"] == "rejected" and row(db, "activity", w.activity)["risk_action_by"] is None


def test_mentor_cannot_approve_own_activity(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    (answer,) = push(db, w.phone, {**review(w, "approve"), "mutation_id": 1})
    assert answer["status"] == "rejected"
    assert row(db, "activity", w.activity)["review_status"] == "pending"


def test_a_review_is_immutable_once_written(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    approval = review(w, "approve")
    push(db, w.staff, {**approval, "mutation_id": 1})
    (answer,) = push(db, w.staff, upsert("review", approval["record_id"], {"decision": "return"}, 2, base_version=1))
    assert answer["status"] == "rejected" and "结论" in answer["reason"]
    (removal,) = push(db, w.staff, delete("review", approval["record_id"], 3, base_version=1))
    assert removal["status"] == "rejected"
    assert row(db, "activity", w.activity)["review_status"] == "approved"


def test_approved_statistics_return_is_locked_until_returned(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    """docs/design.md §2.1: a statistics return can be approved and locked; 备注 may be added before approval."""
    reviewer = make_device(db, make_user(db, "reviewer", w.county, name="县关工委"))
    school = make_unit(db, "掘港中学", "school", w.county)  # a return is decided by the level above its unit
    rid = new_id()
    push(db, w.staff, upsert("stats_return", rid, {"unit_id": school, "period_from": "2026-09-01",
                                                   "period_to": "2026-12-31", "remarks": "初稿",
                                                   "status": "submitted"}, 1))

    def decide(decision: str, mid: int) -> None:
        (answer,) = push(db, reviewer, {"mutation_id": mid, "entity": "review", "record_id": new_id(), "op": "upsert",
                                        "base_version": None, "fields": {"target_entity": "stats_return",
                                                                         "target_id": rid, "decision": decision}})
        assert answer["status"] == "applied"

    decide("approve", 1)
    locked = row(db, "stats_return", rid)
    assert locked["status"] == "approved"
    edit, remove = push(db, w.staff, upsert("stats_return", rid, {"remarks": "改"}, 2, locked["version"]),
                        delete("stats_return", rid, 3, locked["version"]))
    for answer in (edit, remove):
        assert answer["status"] == "rejected" and "锁定" in answer["reason"]
    assert row(db, "stats_return", rid) == locked
    decide("return", 2)
    returned = row(db, "stats_return", rid)
    assert returned["status"] == "returned"
    (edit,) = push(db, w.staff, upsert("stats_return", rid, {"remarks": "补充说明"}, 4, returned["version"]))
    assert edit["status"] == "applied"


# --- whose records a mentor may edit ------------------------------------------------------------

def test_mentor_edits_own_screening_but_not_one_written_by_staff(db: sqlite_utils.Database,
                                                                 w: SimpleNamespace) -> None:
    own, staffs = new_id(), new_id()
    push(db, w.phone, upsert("screening", own, {"mentee_id": w.mentee, "date": "2026-11-02"}, 1))
    push(db, w.staff, upsert("screening", staffs, {"mentee_id": w.mentee, "date": "2026-11-02"}, 1))
    mine, theirs = push(db, w.phone, upsert("screening", own, {"needs": "学习辅导"}, 2, base_version=1),
                        upsert("screening", staffs, {"needs": "学习辅导"}, 3, base_version=1))
    assert mine["status"] == "applied"
    assert theirs["status"] == "rejected" and theirs["reason"]
    assert row(db, "screening", staffs)["needs"] is None


def test_mentor_edits_an_activity_staff_entered_for_them(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    rid = new_id()
    push(db, w.staff, upsert("activity", rid, new_activity_fields(w), 1))
    (answer,) = push(db, w.phone, upsert("activity", rid, {"follow_up": "下周回访"}, 1, base_version=1))
    assert answer["status"] == "applied"


# --- 代录 -----------------------------------------------------------------------------------

def test_staff_entering_an_activity_for_a_mentor_records_both(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    rid = new_id()
    (answer,) = push(db, w.staff, upsert("activity", rid, new_activity_fields(w, record="电话里听王老师说的"), 1))
    assert answer["status"] == "applied"
    record = row(db, "activity", rid)
    assert record["author_id"] == w.phone.user_id
    assert record["entered_by"] == w.staff.user_id
    assert record["created_by"] == w.staff.user_id


def test_staff_cannot_choose_any_author_but_the_pairings_volunteers_for_an_entered_activity(
    db: sqlite_utils.Database, w: SimpleNamespace
) -> None:
    rid = new_id()
    (answer,) = push(db, w.staff, upsert("activity", rid, new_activity_fields(w, author_id=w.staff.user_id), 1))
    assert answer["status"] == "rejected" and "记录人只能是这个结对现在的志愿者" in answer["reason"]
    assert row(db, "activity", rid) is None


# --- audit ------------------------------------------------------------------------------------

def test_audit_rows_hold_field_level_before_and_after(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    rid = new_id()
    push(db, w.phone,
         upsert("activity", rid, new_activity_fields(w, place="村口"), 1),
         upsert("activity", rid, {"place": "家中", "record": "谈心"}, 2, base_version=1),
         delete("activity", rid, 3, base_version=2))
    create, update, remove = audit_rows(db, rid)
    assert (create["op"], create["status"], create["version"], create["mutation_id"]) == ("create", "applied", 1, 1)
    assert (update["op"], update["version"]) == ("update", 2)
    assert json.loads(update["changes"]) == {"place": ["村口", "家中"]}, "unchanged fields are not audited"
    assert (remove["op"], remove["version"]) == ("delete", 3)
    assert json.loads(remove["changes"]) == {"deleted": [False, True]}
    for audit in (create, update, remove):
        assert (audit["user_id"], audit["device_id"], audit["entity"]) == (w.phone.user_id, w.phone.device_id,
                                                                          "activity")
        assert audit["at"].endswith("Z")


def test_audit_history_rebuilds_every_version_field_by_field(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    from sync.audit import record_history

    rid = new_id()
    push(db, w.phone,
         upsert("activity", rid, new_activity_fields(w, place="村口"), 1),
         upsert("activity", rid, {"place": "家中", "record": "谈心"}, 2, base_version=1),
         upsert("activity", rid, {"record": "补充", "risk_flag": True}, 3, base_version=2))
    push(db, w.staff, {**review(w, "approve", target=rid, comment="好"), "mutation_id": 1})
    history = record_history(db, "activity", rid)
    assert [(h["op"], h["version"]) for h in history] == [("create", 1), ("update", 2), ("update", 3), ("derived", 4)]
    created = history[0]["changes"]
    for name, value in new_activity_fields(w, place="村口").items():
        assert created[name] == [None, value]
    assert history[1]["changes"] == {"place": ["村口", "家中"]}
    assert history[2]["changes"] == {"record": ["谈心", "补充"], "risk_flag": [False, True]}
    assert history[3]["changes"] == {"review_status": ["pending", "approved"], "review_comment": [None, "好"]}
    assert [h["user_id"] for h in history] == [w.phone.user_id] * 3 + [w.staff.user_id]


def test_audit_of_a_conflict_holds_both_values(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    push(db, w.phone, upsert("activity", w.activity, {"record": "甲"}, 1, base_version=1))
    push(db, w.tablet, upsert("activity", w.activity, {"record": "乙", "place": "学校"}, 1, base_version=1))
    audit = audit_rows(db, w.activity)[-1]
    assert audit["status"] == "conflict"
    assert json.loads(audit["changes"]) == {"place": ["家中", "学校"],
                                            "conflicts": {"record": {"kept": "甲", "yours": "乙"}}}


def test_audit_of_a_review_records_the_derived_change_to_the_activity(db: sqlite_utils.Database,
                                                                      w: SimpleNamespace) -> None:
    push(db, w.staff, {**review(w, "approve", comment="好"), "mutation_id": 1})
    derived = audit_rows(db, w.activity)[-1]
    assert (derived["op"], derived["status"], derived["version"]) == ("derived", "applied", 2)
    assert json.loads(derived["changes"]) == {"review_status": ["pending", "approved"], "review_comment": [None, "好"]}
    assert derived["user_id"] == w.staff.user_id


# --- devices ----------------------------------------------------------------------------------

def test_revoked_device_is_refused_and_nothing_is_written(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    revoke_device(db, w.phone, "手机丢失")
    snapshot = db_snapshot(db)
    with pytest.raises(DeviceRevoked) as exc:
        push(db, w.phone, upsert("activity", w.activity, {"record": "丢了的手机"}, 1, base_version=1))
    assert "手机丢失" in exc.value.reason and "停用" in exc.value.reason
    assert db_snapshot(db) == snapshot
    assert last_mutation_id(db, w.phone) == 0
    # The owner's other device is unaffected.
    assert push(db, w.tablet, upsert("activity", w.activity, {"record": "平板"}, 1, base_version=1))[0]["status"] == (
        "applied")


def test_unknown_device_or_device_of_another_user_is_refused(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    stranger = Actor(w.phone.user_id, "mentor", w.county, new_id(), "王老师")
    with pytest.raises(DeviceRevoked):
        push(db, stranger, upsert("activity", w.activity, {"record": "x"}, 1, base_version=1))
    borrowed = Actor(w.staff.user_id, "staff", w.county, w.phone.device_id, "站员")
    with pytest.raises(DeviceRevoked):
        push(db, borrowed, upsert("activity", w.activity, {"record": "x"}, 1, base_version=1))
    assert row(db, "activity", w.activity)["version"] == 1


# --- atomicity --------------------------------------------------------------------------------

def test_batch_failing_midway_through_the_write_leaves_no_partial_write(
    db: sqlite_utils.Database, w: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = {"mutations": mixed_batch(db, w)}
    snapshot, counts = db_snapshot(db), table_counts(db)
    real_flush = sync.apply._Writer._flush

    def flush_then_fail(self: Any) -> None:
        real_flush(self)  # every table written …
        raise OSError("disk I/O error")  # … and then the disk fails before the commit

    monkeypatch.setattr(sync.apply._Writer, "_flush", flush_then_fail)
    with pytest.raises(OSError):
        apply_batch(db, w.phone, batch)
    assert not db.conn.in_transaction
    assert db_snapshot(db) == snapshot and table_counts(db) == counts
    assert last_mutation_id(db, w.phone) == 0
    monkeypatch.undo()
    # The phone resends the same batch: it is applied for the first time, not answered from a half write.
    result = apply_batch(db, w.phone, batch)
    assert [a["status"] for a in result.results] == ["applied", "applied", "merged", "conflict", "rejected", "applied"]


def test_server_side_writer_failing_midway_leaves_no_partial_write(
    db: sqlite_utils.Database, w: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot = db_snapshot(db)
    calls = []
    real_store = sync.apply._Writer._store

    def store_twice_then_fail(self: Any, *args: Any) -> None:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("boom")
        real_store(self, *args)

    monkeypatch.setattr(sync.apply._Writer, "_store", store_twice_then_fail)
    with pytest.raises(RuntimeError):
        apply_mutations(db, w.staff, [
            {"entity": "activity", "record_id": new_id(), "op": "upsert", "base_version": None,
             "fields": new_activity_fields(w)} for _ in range(3)
        ])
    assert db_snapshot(db) == snapshot


def test_a_volunteers_visit_or_screening_dated_a_month_ahead_is_refused_naming_the_date(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    """A phone whose clock ran a year ahead dates an offline visit next year; taken, it would count in
    next year's statistics. Within a month still goes (left to review)."""
    import datetime

    from sync.timeutil import local_today

    later = (local_today() + datetime.timedelta(days=366)).isoformat()
    soon = (local_today() + datetime.timedelta(days=31)).isoformat()
    visit, screening, ok = new_id(), new_id(), new_id()
    answers = push(db, w.phone, upsert("activity", visit, new_activity_fields(w, date=later), 1),
                   upsert("screening", screening, {"mentee_id": w.mentee, "date": later}, 2),
                   upsert("activity", ok, new_activity_fields(w, date=soon), 3))
    assert [a["status"] for a in answers] == ["rejected", "rejected", "applied"]
    y, m, d = (int(part) for part in later.split("-"))
    assert f"日期写的是以后的日子（{y}年{m}月{d}日）" in answers[0]["reason"]
    assert row(db, "activity", visit) is None
    # An edit that leaves the date alone is not refused for it.
    assert push(db, w.phone, upsert("activity", ok, {"record": "补充"}, 4, base_version=1))[0]["status"] == "applied"


def test_staff_entering_a_visit_or_screening_dated_ahead_is_refused_with_a_days_slack(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    """On the web the day is the server's: 2027 typed for 2026 would put a visit in next year's
    statistics and stand as the pairing's latest visit. Tomorrow still goes (a clock a little ahead
    just after midnight)."""
    import datetime

    from sync.timeutil import local_today

    typo = (local_today() + datetime.timedelta(days=2)).isoformat()
    tomorrow = (local_today() + datetime.timedelta(days=1)).isoformat()
    visit, screening, ok = new_id(), new_id(), new_id()
    answers = push(db, w.staff, upsert("activity", visit, new_activity_fields(w, date=typo), 1),
                   upsert("screening", screening, {"mentee_id": w.mentee, "date": typo}, 2),
                   upsert("activity", ok, new_activity_fields(w, date=tomorrow), 3))
    assert [a["status"] for a in answers] == ["rejected", "rejected", "applied"]
    assert "日期写的是以后的日子" in answers[0]["reason"] and "手机" not in answers[0]["reason"]
    assert row(db, "activity", visit) is None and row(db, "screening", screening) is None


def test_staff_writing_a_follow_up_before_the_visit_or_a_visit_before_the_pairing_is_refused_a_phones_is_taken(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    """Either date makes the follow-up overdue the moment it is saved. Staff at the web form correct
    at once; a volunteer's phone checks before saving, and what an older phone sends is taken (the
    pages mark it) rather than left waiting on the phone. An edit that leaves both dates alone goes."""
    early_due = new_activity_fields(w, date="2026-11-21", follow_up_due="2026-11-20")
    before_start = new_activity_fields(w, date="2026-08-31")  # the pairing began 2026-09-01
    staff_visit, staff_early, phone_visit, phone_early = new_id(), new_id(), new_id(), new_id()
    answers = push(db, w.staff, upsert("activity", staff_visit, early_due, 1),
                   upsert("activity", staff_early, before_start, 2))
    assert [a["status"] for a in answers] == ["rejected", "rejected"]
    assert "“下次跟踪日期”（2026年11月20日）不能早于这次帮扶活动的日期（2026年11月21日）" in answers[0]["reason"]
    assert "帮扶活动的日期（2026年8月31日）不能早于结对的开始日期（2026年9月1日）" in answers[1]["reason"]
    answers = push(db, w.phone, upsert("activity", phone_visit, early_due, 1),
                   upsert("activity", phone_early, before_start, 2))
    assert [a["status"] for a in answers] == ["applied", "applied"]
    # The station corrects the words of the phone's record without being made to fix its dates first,
    # but not by moving the follow-up to another day still before the visit.
    fixed = push(db, w.staff, upsert("activity", phone_visit, {"record": "补充"}, 3, base_version=1),
                 upsert("activity", phone_visit, {"follow_up_due": "2026-11-19"}, 4, base_version=2),
                 upsert("activity", phone_visit, {"follow_up_due": "2026-11-28"}, 5, base_version=2))
    assert [a["status"] for a in fixed] == ["applied", "rejected", "applied"]
    assert row(db, "activity", phone_visit)["follow_up_due"] == "2026-11-28"


def test_a_pairing_ending_after_today_or_before_it_began_is_refused_whoever_sends_it(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    """Only the "结束结对" page checked a pairing's end date. Sent any other way (the edit page moving
    the start past the end, a staff device's sync), a pairing closed 好转 next year counted as 成功干预
    in a period still to come, and an archive could end before it began. Today (and the day's slack
    the staff's other dates have) still goes."""
    import datetime

    from sync.timeutil import local_today

    later = (local_today() + datetime.timedelta(days=2)).isoformat()
    today = local_today().isoformat()
    closing = {"status": "closed", "outcome": "improved"}
    answers = push(db, w.staff, upsert("pairing", w.pairing, {**closing, "end_date": later}, 1, base_version=1),
                   upsert("pairing", w.pairing, {**closing, "end_date": "2026-08-31"}, 2, base_version=1))
    assert [a["status"] for a in answers] == ["rejected", "rejected"]
    assert "“结束日期”" in answers[0]["reason"] and "不能晚于今天" in answers[0]["reason"]
    assert "“开始日期”（2026年9月1日）不能晚于“结束日期”（2026年8月31日）" in answers[1]["reason"]
    assert row(db, "pairing", w.pairing)["status"] == "active"

    closed = push(db, w.staff, upsert("pairing", w.pairing, {**closing, "end_date": today}, 3, base_version=1))
    assert closed[0]["status"] == "applied"
    # The start moved past the end afterwards (the edit page offers 开始日期 on a closed pairing).
    moved = (local_today() + datetime.timedelta(days=1)).isoformat()
    answer = push(db, w.staff, upsert("pairing", w.pairing, {"start_date": moved}, 4, base_version=2))[0]
    assert answer["status"] == "rejected" and "不能晚于“结束日期”" in answer["reason"]
    assert row(db, "pairing", w.pairing)["start_date"] == "2026-09-01"


def test_a_pairings_start_moved_past_its_visits_or_its_end_before_them_is_refused_whoever_sends_it(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    """A visit before its pairing began is refused (``_dated_in_order``), but the pairing's start could
    be moved after visits already recorded (or its end before them), leaving them outside it. The
    refusal names the visits' dates; a move that keeps them inside goes, and so does a visit deleted."""
    later = make_activity(db, w.phone, w.pairing, date="2026-11-25")
    answers = push(db, w.staff, upsert("pairing", w.pairing, {"start_date": "2026-11-21"}, 1, base_version=1),
                   upsert("pairing", w.pairing, {"status": "closed", "outcome": "stable", "end_date": "2026-11-24"},
                          2, base_version=1))
    assert [a["status"] for a in answers] == ["rejected", "rejected"]
    assert "2026年11月20日" in answers[0]["reason"] and "“开始日期”（2026年11月21日）不能晚于" in answers[0]["reason"]
    assert "2026年11月25日" in answers[1]["reason"] and "记在结束日期（2026年11月24日）以后" in answers[1]["reason"]
    assert "2026年11月20日" not in answers[1]["reason"]
    assert row(db, "pairing", w.pairing)["start_date"] == "2026-09-01"
    assert row(db, "pairing", w.pairing)["status"] == "active"
    moved = push(db, w.staff, upsert("pairing", w.pairing, {"start_date": "2026-11-20"}, 3, base_version=1),
                 sync.mutations.delete("activity", later, base_version=1, mutation_id=4),
                 upsert("pairing", w.pairing, {"status": "closed", "outcome": "stable", "end_date": "2026-11-24"},
                        5, base_version=2))
    assert [a["status"] for a in moved] == ["applied", "applied", "applied"]


def test_a_risk_flags_handling_dated_ahead_or_before_the_visit_is_refused_whoever_sends_it(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    """Only the station home page refused a 处理日期 after today; and one before the visit that raised
    the flag (2025 picked for 2026) was taken everywhere, filing the handling before anyone knew."""
    import datetime

    from sync.timeutil import local_today

    flagged = make_activity(db, w.phone, w.pairing, date="2026-11-20", risk_flag=True)
    later = (local_today() + datetime.timedelta(days=2)).isoformat()
    act = "联系了家长和班主任"
    answers = push(db, w.staff, upsert("activity", flagged, {"risk_action": act, "risk_action_on": later}, 1, 1),
                   upsert("activity", flagged, {"risk_action": act, "risk_action_on": "2025-11-21"}, 2, 1))
    assert [a["status"] for a in answers] == ["rejected", "rejected"]
    assert "“处理日期”" in answers[0]["reason"] and "不能晚于今天" in answers[0]["reason"]
    assert "不能早于发现风险的那次帮扶活动的日期（2026年11月20日）" in answers[1]["reason"]
    assert not row(db, "activity", flagged)["risk_action"]
    same_day = push(db, w.staff, upsert("activity", flagged, {"risk_action": act, "risk_action_on": "2026-11-20"},
                                        3, 1))
    assert same_day[0]["status"] == "applied"


def test_a_pairing_closed_without_an_end_date_is_refused_whoever_sends_it(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    """The 结束结对 page asks for an end date; a raw write closing a pairing without one was taken,
    and the pairing then counted nowhere: not running (it is closed), and ended in no period (the
    brief, the summary and the form date an end by its end date)."""
    answers = push(db, w.staff, upsert("pairing", w.pairing, {"status": "closed", "outcome": "improved"}, 1,
                                       base_version=1))
    assert answers[0]["status"] == "rejected" and "结束日期" in answers[0]["reason"]
    assert row(db, "pairing", w.pairing)["status"] == "active"
    # The end date sent with it, the close goes; taking the date off afterwards is refused the same.
    closed = push(db, w.staff, upsert("pairing", w.pairing, {"status": "closed", "end_date": "2026-11-20"}, 2,
                                      base_version=1))
    assert closed[0]["status"] == "applied"
    cleared = push(db, w.staff, upsert("pairing", w.pairing, {"end_date": None}, 3, base_version=2))
    assert cleared[0]["status"] == "rejected"
    assert row(db, "pairing", w.pairing)["end_date"] == "2026-11-20"
