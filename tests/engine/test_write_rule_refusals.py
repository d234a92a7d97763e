"""Write rules of sync/rules/ that no other engine or unit test reached: each test here fails when
the rule it is named for is taken out."""
from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

import pytest
import sqlite_utils

from sync import Actor, apply_mutations, mutations, new_id, transaction
from sync.entities import ENTITIES
from sync.timeutil import local_today
from tests.factories import copy_county, end_pairing, make_activity, mutate, remove, row


@pytest.fixture
def w(db: sqlite_utils.Database) -> SimpleNamespace:
    return copy_county(db)


def write(db: sqlite_utils.Database, actor: Actor, entity: str, fields: dict[str, Any],
          record_id: str | None = None) -> Any:
    """One upsert as ``actor``: of ``record_id`` at its current version, else of a new record."""
    current = row(db, entity, record_id) if record_id else None
    (outcome,) = apply_mutations(db, actor, [mutations.upsert(entity, fields, record_id or new_id(),
                                                              base_version=current["version"] if current else None)])
    return outcome


def days_ahead(days: int) -> str:
    return (local_today() + datetime.timedelta(days=days)).isoformat()


def code_of(db: sqlite_utils.Database, mentee_id: str) -> str:
    found = row(db, "mentee", mentee_id)
    assert found is not None
    return str(found["code"])


# --- pairings -------------------------------------------------------------------------------------

def test_a_visit_entered_in_a_deleted_pairing_is_refused_naming_the_childs_code(db: sqlite_utils.Database,
                                                                                 w: SimpleNamespace) -> None:
    remove(db, w.staff_st11, "pairing", w.pairing1)
    outcome = write(db, w.staff_st11, "activity", {"pairing_id": w.pairing1, "kind": "talk", "date": "2026-11-21"})
    assert outcome.status == "rejected"
    assert outcome.reason.startswith(f"这个结对（帮扶对象 {code_of(db, w.mentee1)}）已被删除"), outcome.reason
    assert outcome.refused_field == "pairing_id"


def test_an_ended_pairing_keeps_its_volunteer(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    end_pairing(db, w.staff_st11, w.pairing1)
    outcome = write(db, w.staff_st11, "pairing", {"mentor_id": w.mentor2.user_id}, w.pairing1)
    assert outcome.status == "rejected" and "不能再更换志愿者" in outcome.reason
    assert outcome.refused_field == "mentor_id"
    assert row(db, "pairing", w.pairing1)["mentor_id"] == w.mentor1.user_id


def test_ending_a_pairing_before_a_visit_dated_ahead_says_to_correct_the_visits_date(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    """A phone whose clock ran ahead sent a visit dated ten days on (a volunteer's month of slack):
    the pairing may not end before it, and the sentence says the visit's date is the slip to mend."""
    visit = make_activity(db, w.mentor1, w.pairing1, date=days_ahead(10))
    ending = {"status": "closed", "end_date": local_today().isoformat(), "outcome": "stable"}
    outcome = write(db, w.staff_st11, "pairing", ending, w.pairing1)
    assert outcome.status == "rejected" and outcome.refused_field == "end_date"
    assert "日期在今天以后的，还没有发生" in outcome.reason and "已审核通过" not in outcome.reason
    mutate(db, w.staff_st11, "review", {"target_entity": "activity", "target_id": visit, "decision": "approve"})
    outcome = write(db, w.staff_st11, "pairing", ending, w.pairing1)
    assert outcome.status == "rejected" and "（已审核通过的请先退回）" in outcome.reason
    assert row(db, "pairing", w.pairing1)["status"] == "active"


# --- visits ---------------------------------------------------------------------------------------

def test_staff_enter_no_visit_dated_after_an_ended_pairings_end(db: sqlite_utils.Database,
                                                                 w: SimpleNamespace) -> None:
    end_pairing(db, w.staff_st11, w.pairing1, end_date="2026-11-24")
    visit = {"pairing_id": w.pairing1, "kind": "talk", "date": "2026-11-25"}
    outcome = write(db, w.staff_st11, "activity", visit)
    assert outcome.status == "rejected" and outcome.refused_field == "date"
    assert "只能补录结束以前的帮扶活动" in outcome.reason
    assert write(db, w.staff_st11, "activity", {**visit, "date": "2026-11-24"}).status == "applied"


def test_a_visits_author_never_changes(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    outcome = write(db, w.staff_st11, "activity", {"author_id": w.mentor2.user_id}, w.activity1)
    assert outcome.status == "rejected" and outcome.refused_field == "author_id"
    assert "记录人不能更改" in outcome.reason
    assert row(db, "activity", w.activity1)["author_id"] == w.mentor1.user_id


def test_a_visit_stored_under_a_volunteer_who_never_handed_the_child_on_still_takes_a_new_date(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    """A visit stored before the audit kept handovers may name a volunteer with no span in the
    pairing: a new 代录 under her is refused, but correcting that visit's date is let be."""
    with transaction(db):
        db.execute("UPDATE activities SET author_id = ? WHERE id = ?", [w.mentor2.user_id, w.activity1])
    outcome = write(db, w.staff_st11, "activity", {"date": "2026-11-21"}, w.activity1)
    assert outcome.status == "applied", outcome.reason
    assert row(db, "activity", w.activity1)["date"] == "2026-11-21"


# --- referrals ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "status"), [("received_on", "received"), ("concluded_on", "concluded")])
def test_a_referral_is_not_received_or_concluded_on_a_day_to_come(db: sqlite_utils.Database, w: SimpleNamespace,
                                                                   name: str, status: str) -> None:
    fields = {"status": status, "received_on": "2026-11-03", name: days_ahead(30)}
    outcome = write(db, w.staff_st11, "referral", fields, w.referral1)
    assert outcome.status == "rejected" and outcome.refused_field == name
    assert "不能晚于今天" in outcome.reason
    assert row(db, "referral", w.referral1)[name] is None


# --- units and what they report -------------------------------------------------------------------

def test_a_unit_is_not_its_own_parent(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    unit = new_id()
    outcome = write(db, w.admin, "unit", {"name": "自己的上级", "kind": "town", "parent_id": unit}, unit)
    assert outcome.status == "rejected" and outcome.refused_field == "parent_id"
    assert outcome.reason == "单位不能以自己为上级。"


def test_a_statistics_return_does_not_start_after_it_ends(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    outcome = write(db, w.staff_st11, "stats_return", {"unit_id": w.st11, "period_from": "2026-10-01",
                                                        "period_to": "2026-09-30", "status": "draft"})
    assert outcome.status == "rejected" and outcome.refused_field == "period_from"
    assert "起始日期不能晚于截止日期" in outcome.reason


def test_a_child_registered_at_a_deleted_school_is_refused_naming_the_school(db: sqlite_utils.Database,
                                                                             w: SimpleNamespace) -> None:
    school = mutate(db, w.admin, "unit", {"name": "栟茶第二小学", "kind": "school", "parent_id": w.town2})
    remove(db, w.admin, "unit", school)
    outcome = write(db, w.staff_town2, "mentee", {"unit_id": school, "code": "RD-21", "name": "小兰"})
    assert outcome.status == "rejected" and outcome.refused_field == "unit_id"
    assert outcome.reason == "所属学校/辅导站“栟茶第二小学”已被删除，请选择别的单位。"


# --- reviews --------------------------------------------------------------------------------------

def test_a_verdict_on_a_visit_changed_since_the_review_page_opened_is_refused(db: sqlite_utils.Database,
                                                                                w: SimpleNamespace) -> None:
    seen = row(db, "activity", w.activity2)["version"]
    mutate(db, w.mentor2, "activity", {"record": "志愿者补充了过程记录"}, w.activity2, base_version=seen)
    outcome = write(db, w.staff_st11, "review", {"target_entity": "activity", "target_id": w.activity2,
                                                 "decision": "approve", "target_version": seen})
    assert outcome.status == "rejected" and "又被改过" in outcome.reason
    assert row(db, "activity", w.activity2)["review_status"] == "pending"


def test_a_station_returns_a_visit_it_approved_earlier_in_the_same_batch(db: sqlite_utils.Database,
                                                                          w: SimpleNamespace) -> None:
    """The county approved the visit once and returned it; the station now approves it and, in the
    same batch, returns it again. The approval that counts is the station's own in this batch, not the
    county's stored one, which the station could not undo."""
    for decision in ("approve", "return"):
        mutate(db, w.reviewer, "review", {"target_entity": "activity", "target_id": w.activity2,
                                          "decision": decision, "comment": "县里"})
    batch = [mutations.upsert("review", {"target_entity": "activity", "target_id": w.activity2,
                                         "decision": decision, "comment": "站里"}, new_id())
             for decision in ("approve", "return")]
    approved, returned = apply_mutations(db, w.staff_st11, batch)
    assert approved.status == "applied", approved.reason
    assert returned.status == "applied", returned.reason
    assert row(db, "activity", w.activity2)["review_status"] == "returned"


def test_a_verdict_on_a_deleted_visit_is_refused_asking_to_choose_again(db: sqlite_utils.Database,
                                                                        w: SimpleNamespace) -> None:
    remove(db, w.staff_st11, "activity", w.activity2)
    outcome = write(db, w.staff_st11, "review", {"target_entity": "activity", "target_id": w.activity2,
                                                 "decision": "return", "comment": "请补充"})
    assert outcome.status == "rejected" and outcome.refused_field == "target_id"
    assert outcome.reason == "要审核的帮扶活动已被删除，请重新选择。"

# --- records written earlier in the same batch ----------------------------------------------------

def upsert_at(db: sqlite_utils.Database, entity: str, record_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    current = row(db, entity, record_id)
    assert current is not None
    return mutations.upsert(entity, fields, record_id, base_version=current["version"])


def delete_at(db: sqlite_utils.Database, entity: str, record_id: str) -> dict[str, Any]:
    current = row(db, entity, record_id)
    assert current is not None
    return mutations.delete(entity, record_id, base_version=current["version"])


@pytest.mark.parametrize("closing", ["closed", "deleted"])
def test_a_pairing_started_earlier_in_the_batch_keeps_the_child_from_being_closed_or_deleted(
        db: sqlite_utils.Database, w: SimpleNamespace, closing: str) -> None:
    pairing = mutations.upsert("pairing", {"mentor_id": w.mentor1.user_id, "mentee_id": w.mentee_unpaired,
                                           "start_date": "2026-11-01", "approach": "fuxin"}, new_id())
    close = (upsert_at(db, "mentee", w.mentee_unpaired, {"status": "closed"}) if closing == "closed"
             else delete_at(db, "mentee", w.mentee_unpaired))
    started, refused = apply_mutations(db, w.staff_st11, [pairing, close])
    assert started.status == "applied" and refused.status == "rejected"
    assert "还有 1 个进行中的结对（志愿者：王老师）" in refused.reason
    child = row(db, "mentee", w.mentee_unpaired)
    assert child["status"] == "active" and not child["deleted"]


def test_a_self_harm_flag_raised_earlier_in_the_batch_keeps_the_pairing_from_being_deleted(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    flagged = mutations.upsert("activity", {"pairing_id": w.pairing1, "kind": "talk", "date": "2026-11-21",
                                            "risk_flag": True}, new_id())
    raised, refused = apply_mutations(db, w.staff_st11, [flagged, delete_at(db, "pairing", w.pairing1)])
    assert raised.status == "applied" and refused.status == "rejected"
    assert "这个结对有标了“发现自伤自残风险”的帮扶记录" in refused.reason
    assert not row(db, "pairing", w.pairing1)["deleted"]


def test_a_visit_entered_earlier_in_the_batch_keeps_the_pairings_start_from_moving_past_it(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    visit = mutations.upsert("activity", {"pairing_id": w.pairing1, "kind": "talk", "date": "2026-11-10"}, new_id())
    later = upsert_at(db, "pairing", w.pairing1, {"start_date": "2026-11-15"})  # its stored visit is on 11-20
    entered, refused = apply_mutations(db, w.staff_st11, [visit, later])
    assert entered.status == "applied" and refused.status == "rejected"
    assert refused.refused_field == "start_date"
    assert refused.reason.startswith("这个结对在 2026年11月10日 有帮扶活动记录")
    assert row(db, "pairing", w.pairing1)["start_date"] == "2026-09-01"


def test_no_role_both_changes_a_units_kind_and_writes_a_childs_file() -> None:
    """units._holds_children counts a unit's children as stored, not as the batch holds them: no batch
    that changes a unit's kind can have moved, registered or deleted a child. A role given both would
    need that count to take in the batch's children again."""
    kind = set(ENTITIES["unit"].by_name["kind"].writers)
    mentee = ENTITIES["mentee"]
    child = {*mentee.creators, *mentee.deleters, *mentee.by_name["unit_id"].writers}
    assert kind and child and not kind & child
