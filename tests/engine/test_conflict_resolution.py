"""Staff resolve conflicts through the one write path: versioned, audited, synced to phones."""
from __future__ import annotations

import pytest
import sqlite_utils

from sync import NotAllowed, apply_batch, list_conflicts, load_scope, pull_changes, resolve_conflict
from tests.factories import make_activity, make_device, make_mentee, make_pairing, make_unit, make_user, upsert


@pytest.fixture
def conflicted(db: sqlite_utils.Database) -> dict:
    county = make_unit(db)
    station = make_unit(db, "掘港辅导站", "station", county)
    elsewhere = make_unit(db, "别的镇", "town", county)
    staff = make_user(db, "staff", station)
    mentor = make_user(db, "mentor", station)
    pairing = make_pairing(db, staff, mentor, make_mentee(db, staff, station))
    record = make_activity(db, mentor, pairing)
    phone_a, phone_b = make_device(db, mentor), make_device(db, mentor)
    apply_batch(db, phone_a, {"mutations": [upsert("activity", record, {"record": "甲"}, 1, 1)]})
    answer = apply_batch(db, phone_b, {"mutations": [upsert("activity", record, {"record": "乙"}, 1, 1)]}).results[0]
    assert answer["status"] == "conflict"
    return dict(staff=staff, mentor=mentor, record=record, phone=phone_a,
                outsider=make_user(db, "staff", elsewhere), conflict_id=answer["conflicts"][0]["conflict_id"])


def activity_text(db: sqlite_utils.Database, record: str) -> tuple:
    return tuple(db.execute("SELECT record, version FROM activities WHERE id = ?", [record]).fetchone())


def test_staff_see_open_conflicts_with_both_values(db: sqlite_utils.Database, conflicted: dict) -> None:
    (row,) = list_conflicts(db, load_scope(db, conflicted["staff"]))
    assert (row["field"], row["kept_value"], row["other_value"]) == ("record", "甲", "乙")


def test_choosing_the_other_value_applies_it_as_a_new_version(db: sqlite_utils.Database, conflicted: dict) -> None:
    outcome = resolve_conflict(db, conflicted["staff"], conflicted["conflict_id"], "other")
    assert outcome is not None and outcome.status == "applied"
    assert activity_text(db, conflicted["record"]) == ("乙", 3)
    assert list_conflicts(db, load_scope(db, conflicted["staff"])) == []
    # the phone that kept "甲" receives the resolution on its next pull
    page = pull_changes(db, conflicted["phone"], None)
    assert any(c[1] == conflicted["record"] and '"乙"' in c[4].decode() for c in page.changes)


def test_keeping_the_server_value_changes_no_record(db: sqlite_utils.Database, conflicted: dict) -> None:
    assert resolve_conflict(db, conflicted["staff"], conflicted["conflict_id"], "kept") is None
    assert activity_text(db, conflicted["record"]) == ("甲", 2)
    resolved = list_conflicts(db, load_scope(db, conflicted["staff"]), status="resolved")
    assert [r["resolution"] for r in resolved] == ["kept"]


def test_a_conflict_is_resolved_only_once(db: sqlite_utils.Database, conflicted: dict) -> None:
    resolve_conflict(db, conflicted["staff"], conflicted["conflict_id"], "kept")
    with pytest.raises(NotAllowed, match="处理过"):
        resolve_conflict(db, conflicted["staff"], conflicted["conflict_id"], "other")


@pytest.mark.parametrize("who", ["mentor", "outsider"])
def test_mentors_and_staff_outside_the_unit_cannot_resolve(
    db: sqlite_utils.Database, conflicted: dict, who: str
) -> None:
    with pytest.raises(NotAllowed):
        resolve_conflict(db, conflicted[who], conflicted["conflict_id"], "other")
    assert activity_text(db, conflicted["record"]) == ("甲", 2)


def test_a_combined_value_is_applied_as_a_new_version_and_both_values_stay_on_record(
    db: sqlite_utils.Database, conflicted: dict
) -> None:
    outcome = resolve_conflict(db, conflicted["staff"], conflicted["conflict_id"], "combined", value="甲；乙")
    assert outcome is not None and outcome.status == "applied"
    assert activity_text(db, conflicted["record"]) == ("甲；乙", 3)
    (closed,) = list_conflicts(db, load_scope(db, conflicted["staff"]), status="resolved")
    assert (closed["resolution"], closed["kept_value"], closed["other_value"]) == ("combined", "甲", "乙")
    assert closed["resolved_by"] == conflicted["staff"].user_id
    # the combined value is an ordinary change by the staff member: audited, and on the phone's next pull
    (who,) = db.execute("SELECT user_id FROM sync_audit WHERE record_id = ? AND version = 3",
                        [conflicted["record"]]).fetchone()
    assert who == conflicted["staff"].user_id
    page = pull_changes(db, conflicted["phone"], None)
    assert any(c[1] == conflicted["record"] and "甲；乙" in c[4].decode() for c in page.changes)


def test_a_combined_value_the_engine_refuses_leaves_the_conflict_open(
    db: sqlite_utils.Database, conflicted: dict
) -> None:
    with pytest.raises(NotAllowed, match="合并后的内容"):
        resolve_conflict(db, conflicted["staff"], conflicted["conflict_id"], "combined", value=12)
    assert activity_text(db, conflicted["record"]) == ("甲", 2)
    assert [c["id"] for c in list_conflicts(db, load_scope(db, conflicted["staff"]))] == [conflicted["conflict_id"]]


def test_a_delete_conflict_cannot_be_combined(db: sqlite_utils.Database, conflicted: dict) -> None:
    from tests.factories import delete

    other_phone = make_device(db, conflicted["mentor"])  # deletes the visit without having seen "甲"
    answer = apply_batch(db, other_phone, {"mutations": [delete("activity", conflicted["record"], 1, 1)]})
    (entry,) = answer.results[0]["conflicts"]
    assert entry["field"] == "_deleted"
    with pytest.raises(NotAllowed, match="二选一"):
        resolve_conflict(db, conflicted["staff"], entry["conflict_id"], "combined", value=True)
