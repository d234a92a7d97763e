"""Reviews: separation of duties (issue 8, item 8) and the mentee key a review carries (item 9).

- nobody approves what they wrote or entered (an activity staff entered for a mentor, 代录; a
  pairing or statistics return they created or edited);
- only the level that approved, or a level above it, undoes an approval (returns it);
- a unit's statistics return is approved (or returned) by the level above: a town's by the
  county, a station's or school's by its town or the county;
- a review carries its target's mentee, so when the mentee moves school the old unit's
  staff drop the reviews with the rest of the child's file.
"""
from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import sqlite_utils

from sync import Actor, migrations, new_id, transaction
from tests.factories import copy_county, make_county_staff, mutate, pull_all, push, row, upsert


@pytest.fixture
def w(db: sqlite_utils.Database) -> Iterator[SimpleNamespace]:
    yield copy_county(db)


def decide(db: sqlite_utils.Database, actor: Actor, target_entity: str, target_id: str,
           decision: str) -> dict[str, Any]:
    last = db.execute("SELECT last_mutation_id FROM sync_devices WHERE id = ?", [actor.device_id]).fetchone()[0]
    (answer,) = push(db, actor, upsert("review", new_id(), {"target_entity": target_entity, "target_id": target_id,
                                                            "decision": decision}, last + 1))
    return answer


# --- 8. nobody approves what they wrote or entered ----------------------------------------------

def test_staff_cannot_approve_an_activity_they_entered_for_a_mentor(db: sqlite_utils.Database,
                                                                    w: SimpleNamespace) -> None:
    entered = mutate(db, w.staff_st11, "activity", {"pairing_id": w.pairing1, "kind": "talk", "date": "2026-11-21",
                                                    "record": "代录的谈心"})
    refused = decide(db, w.staff_st11, "activity", entered, "approve")
    assert refused["status"] == "rejected" and "代录" in refused["reason"]
    assert row(db, "activity", entered)["review_status"] == "pending"
    assert decide(db, w.staff_town1, "activity", entered, "approve")["status"] == "applied"
    assert row(db, "activity", entered)["review_status"] == "approved"


def test_staff_cannot_approve_an_activity_whose_record_they_rewrote(db: sqlite_utils.Database,
                                                                    w: SimpleNamespace) -> None:
    version = row(db, "activity", w.activity1)["version"]
    mutate(db, w.staff_st11, "activity", {"record": "站员改写的过程记录"}, w.activity1, base_version=version)
    assert decide(db, w.staff_st11, "activity", w.activity1, "approve")["status"] == "rejected"
    assert decide(db, w.staff_town1, "activity", w.activity1, "approve")["status"] == "applied"


def test_staff_approve_a_mentors_activity_they_did_not_touch(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    assert decide(db, w.staff_st11, "activity", w.activity2, "approve")["status"] == "applied"


def test_staff_cannot_approve_a_pairing_they_created(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    assert decide(db, w.staff_st11, "pairing", w.pairing1, "approve")["status"] == "rejected"
    assert decide(db, w.staff_town1, "pairing", w.pairing1, "approve")["status"] == "applied"


# --- 8. only the approving level or above undoes an approval ------------------------------------

def test_a_station_cannot_return_an_activity_its_town_approved(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    assert decide(db, w.staff_town1, "activity", w.activity1, "approve")["status"] == "applied"
    refused = decide(db, w.staff_st11, "activity", w.activity1, "return")
    assert refused["status"] == "rejected" and "退回" in refused["reason"]
    assert row(db, "activity", w.activity1)["review_status"] == "approved"
    assert decide(db, w.reviewer, "activity", w.activity1, "return")["status"] == "applied"
    assert row(db, "activity", w.activity1)["review_status"] == "returned"


def test_the_approving_level_can_return_what_it_approved(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    assert decide(db, w.staff_st11, "activity", w.activity2, "approve")["status"] == "applied"
    assert decide(db, w.staff_st11, "activity", w.activity2, "return")["status"] == "applied"
    assert decide(db, w.staff_town1, "activity", w.activity2, "approve")["status"] == "applied"
    assert decide(db, w.staff_st11, "activity", w.activity2, "return")["status"] == "rejected"


# --- 8. a unit's statistics return is decided by the level above ---------------------------------

def test_a_station_cannot_approve_its_own_statistics_return_its_town_can(db: sqlite_utils.Database,
                                                                         w: SimpleNamespace) -> None:
    for decision in ("approve", "return"):
        refused = decide(db, w.staff_st11, "stats_return", w.stats_return1, decision)
        assert refused["status"] == "rejected" and "上一级" in refused["reason"]
    assert row(db, "stats_return", w.stats_return1)["status"] == "submitted"
    assert decide(db, w.staff_town1, "stats_return", w.stats_return1, "approve")["status"] == "applied"


def test_a_town_cannot_approve_its_own_statistics_return_the_county_can(db: sqlite_utils.Database,
                                                                        w: SimpleNamespace) -> None:
    town_return = mutate(db, w.staff_town1, "stats_return", {"unit_id": w.town1, "period_from": "2026-09-01",
                                                             "period_to": "2026-12-31", "status": "submitted"})
    assert decide(db, w.staff_town1, "stats_return", town_return, "approve")["status"] == "rejected"
    assert decide(db, w.reviewer, "stats_return", town_return, "approve")["status"] == "applied"
    assert row(db, "stats_return", town_return)["status"] == "approved"


def test_nobody_approves_a_statistics_return_they_filled_in(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    version = row(db, "stats_return", w.stats_return1)["version"]
    mutate(db, w.staff_town1, "stats_return", {"remarks": "街道补充的备注"}, w.stats_return1, base_version=version)
    assert decide(db, w.staff_town1, "stats_return", w.stats_return1, "approve")["status"] == "rejected"
    assert decide(db, w.reviewer, "stats_return", w.stats_return1, "approve")["status"] == "applied"


# --- 9. reviews carry the mentee -----------------------------------------------------------------

def test_a_review_carries_its_targets_mentee(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    assert row(db, "review", w.review1)["mentee_id"] == w.mentee1
    feed = db.execute("SELECT mentee_id FROM sync_feed WHERE record_id = ?", [w.review1]).fetchone()
    assert feed == (w.mentee1,)
    stats = decide(db, w.staff_town1, "stats_return", w.stats_return1, "approve")
    assert row(db, "review", stats["record_id"])["mentee_id"] is None


def test_staff_of_the_old_school_drop_the_reviews_of_a_mentee_who_moved(db: sqlite_utils.Database,
                                                                        w: SimpleNamespace) -> None:
    held, _, cursor = pull_all(db, w.staff_st11)
    assert ("review", w.review1) in held
    version = row(db, "mentee", w.mentee1)["version"]
    mutate(db, make_county_staff(db, w.county), "mentee", {"unit_id": w.st21}, w.mentee1, base_version=version)
    _, drops, _ = pull_all(db, w.staff_st11, cursor)
    assert ("review", w.review1) in drops
    assert ("mentee", w.mentee1) in drops and ("activity", w.activity1) in drops
    new_staff, _, _ = pull_all(db, w.staff_st21)
    assert ("review", w.review1) in new_staff


def test_a_mentor_does_not_receive_reviews_even_of_their_own_mentee(db: sqlite_utils.Database,
                                                                     w: SimpleNamespace) -> None:
    held, _, cursor = pull_all(db, w.mentor1)
    assert ("activity", w.activity1) in held and not any(entity == "review" for entity, _ in held)
    version = row(db, "pairing", w.pairing1)["version"]
    mutate(db, w.staff_st11, "pairing", {"status": "closed", "outcome": "stable", "end_date": "2026-11-30"},
           w.pairing1, base_version=version)
    _, drops, _ = pull_all(db, w.mentor1, cursor)
    assert ("pairing", w.pairing1) in drops and not any(entity == "review" for entity, _ in drops)


def test_the_migration_gives_existing_reviews_their_mentee(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    """A database written before reviews had a mentee key: m003 fills it from the target, in the feed too."""
    stats = decide(db, w.staff_town1, "stats_return", w.stats_return1, "approve")["record_id"]
    with transaction(db):
        db.execute("DROP INDEX idx_reviews_mentee")
        db.execute("ALTER TABLE reviews DROP COLUMN mentee_id")
        db.execute("UPDATE sync_feed SET mentee_id = NULL WHERE entity = 'review'")
        db.execute("DELETE FROM _migrations WHERE migration_set = 'sync' AND name = 'm004_review_mentee'")
    assert migrations.apply(db) == ["m004_review_mentee"]
    assert row(db, "review", w.review1)["mentee_id"] == w.mentee1
    assert row(db, "review", stats)["mentee_id"] is None
    feed = db.execute("SELECT mentee_id FROM sync_feed WHERE record_id = ?", [w.review1]).fetchone()
    assert feed == (w.mentee1,)


# --- a returned record comes back -----------------------------------------------------------------

def test_a_returned_activity_its_author_corrects_goes_back_to_the_review_queue(db: sqlite_utils.Database,
                                                                              w: SimpleNamespace) -> None:
    returned = row(db, "activity", w.activity1)
    assert returned["review_status"] == "returned" and returned["review_comment"] == "请补充过程记录"
    last = db.execute("SELECT last_mutation_id FROM sync_devices WHERE id = ?", [w.mentor1.device_id]).fetchone()[0]
    (answer,) = push(db, w.mentor1, upsert("activity", w.activity1, {"record": "家访记录，已补充孩子的作业情况。"},
                                           last + 1, base_version=returned["version"]))
    assert answer["status"] == "applied", answer
    corrected = row(db, "activity", w.activity1)
    assert corrected["review_status"] == "pending"
    assert decide(db, w.staff_st11, "activity", w.activity1, "approve")["status"] == "applied"


def test_the_stations_risk_handling_does_not_resubmit_a_returned_activity(db: sqlite_utils.Database,
                                                                          w: SimpleNamespace) -> None:
    version = row(db, "activity", w.activity1)["version"]
    mutate(db, w.staff_st11, "activity", {"risk_action": "已电话联系家长。"}, w.activity1, base_version=version)
    assert row(db, "activity", w.activity1)["review_status"] == "returned"
