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
