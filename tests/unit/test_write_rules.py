"""Write rules a careless or curious client probed (issue 8, items 4-6).

- 4: a delete whose ``base_version`` is above the server's is rejected like an upsert with that
  base, instead of skipping the delete-vs-edit conflict and deleting a record staff just edited;
- 5: a change that would leave the writer's scope is rejected before merging, not parked as a
  ``conflict`` for staff (who could then "apply the other value" out of scope);
- 6: a rejection reads the same whether the record (or a record it refers to) does not exist or
  exists outside the caller's scope.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import sqlite_utils

from sync import NotAllowed, apply_mutations, list_conflicts, load_scope, mutations, new_id, resolve_conflict
from tests.factories import (
    copy_county,
    delete,
    end_pairing,
    make_activity,
    make_county,
    make_pairing,
    mutate,
    push,
    remove,
    row,
    upsert,
)


@pytest.fixture
def w(db: sqlite_utils.Database) -> Iterator[SimpleNamespace]:
    yield copy_county(db)


def conflicts(db: sqlite_utils.Database) -> int:
    return int(db.execute("SELECT count(*) FROM sync_conflicts").fetchone()[0])


# --- 4. delete above the server's version -------------------------------------------------------

def test_delete_with_a_base_version_above_the_servers_is_rejected_like_an_upsert(db: sqlite_utils.Database,
                                                                                 w: SimpleNamespace) -> None:
    mutate(db, w.staff_st11, "activity", {"record": "站员刚改过"}, w.activity1, base_version=1)
    (edit,) = push(db, w.mentor1, upsert("activity", w.activity1, {"place": "家中"}, 1, base_version=9))
    (gone,) = push(db, w.mentor1, delete("activity", w.activity1, 2, base_version=9))
    assert edit["status"] == "rejected"
    assert gone["status"] == "rejected" and "base_version" in gone["reason"]
    current = row(db, "activity", w.activity1)
    assert not current["deleted"] and current["record"] == "站员刚改过"


def test_delete_at_the_servers_version_still_applies(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    version = row(db, "activity", w.activity1)["version"]
    (gone,) = push(db, w.mentor1, delete("activity", w.activity1, 1, base_version=version))
    assert gone["status"] == "applied" and row(db, "activity", w.activity1)["deleted"]


# --- 5. scope before merging --------------------------------------------------------------------

def test_a_change_leaving_the_writers_scope_sent_without_a_base_is_rejected_not_parked(
    db: sqlite_utils.Database, w: SimpleNamespace
) -> None:
    """Town 1's staff registered the child in station 1-1; station 1-1's staff, who never saw the
    record, moves the child to a station of town 2: outside their subtree."""
    mentee = mutate(db, w.staff_town1, "mentee", {"unit_id": w.st11, "code": "RD-9", "name": "小亮"})
    (answer,) = push(db, w.staff_st11, upsert("mentee", mentee, {"unit_id": w.st21}, 1, base_version=None))
    assert answer["status"] == "rejected", answer
    assert conflicts(db) == 0
    assert row(db, "mentee", mentee)["unit_id"] == w.st11


def test_a_conflicting_value_a_rule_would_refuse_is_rejected_not_parked(db: sqlite_utils.Database,
                                                                         w: SimpleNamespace) -> None:
    """A pairing handed to an account that is not a mentor would be refused if applied, so it is
    not stored as a conflict for staff to apply later."""
    (answer,) = push(db, w.staff_town1, upsert("pairing", w.pairing1, {"mentor_id": w.staff_st11.user_id}, 1,
                                               base_version=None))
    assert answer["status"] == "rejected", answer
    assert conflicts(db) == 0


def test_a_real_conflict_inside_the_scope_is_still_parked(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    mutate(db, w.staff_town1, "mentee", {"notes": "街道写的"}, w.mentee1, base_version=1)
    (answer,) = push(db, w.staff_st11, upsert("mentee", w.mentee1, {"notes": "站里写的"}, 1, base_version=1))
    assert answer["status"] == "conflict" and conflicts(db) == 1


# --- 6. one sentence for "not found or not yours" -----------------------------------------------

def same_reason(db: sqlite_utils.Database, actor: Any, make: Any, existing: str) -> None:
    """The reason for a mutation naming an existing out-of-scope id equals the one for an unknown id."""
    unknown = new_id()
    last = db.execute("SELECT last_mutation_id FROM sync_devices WHERE id = ?", [actor.device_id]).fetchone()[0]
    (a,) = push(db, actor, make(existing, last + 1))
    (b,) = push(db, actor, make(unknown, last + 2))
    assert a["status"] == b["status"] == "rejected", (a, b)
    assert a["reason"].replace(existing, "<id>") == b["reason"].replace(unknown, "<id>"), (a["reason"], b["reason"])


def test_editing_a_record_outside_scope_reads_like_editing_one_that_does_not_exist(
    db: sqlite_utils.Database, w: SimpleNamespace
) -> None:
    same_reason(db, w.staff_st21, lambda rid, mid: upsert("activity", rid, {"record": "改"}, mid, base_version=1),
                w.activity1)
    same_reason(db, w.staff_st21, lambda rid, mid: delete("activity", rid, mid, base_version=1), w.activity1)


@pytest.mark.parametrize("case", ["pairing_of_another_mentor", "mentee_of_another_unit", "unit_of_another_town",
                                  "review_target_of_another_unit", "mentor_of_another_unit"])
def test_a_reference_outside_scope_reads_like_one_that_does_not_exist(db: sqlite_utils.Database,
                                                                       w: SimpleNamespace, case: str) -> None:
    def activity(pairing: str, mid: int) -> dict[str, Any]:
        return upsert("activity", new_id(), {"pairing_id": pairing, "kind": "talk", "date": "2026-11-21"}, mid)

    def screening(mentee: str, mid: int) -> dict[str, Any]:
        return upsert("screening", new_id(), {"mentee_id": mentee, "date": "2026-11-21"}, mid)

    def mentee(unit: str, mid: int) -> dict[str, Any]:
        return upsert("mentee", new_id(), {"unit_id": unit, "code": "RD-X"}, mid)

    def review(target: str, mid: int) -> dict[str, Any]:
        return upsert("review", new_id(), {"target_entity": "activity", "target_id": target, "decision": "return"},
                      mid)

    def pairing(mentor: str, mid: int) -> dict[str, Any]:
        return upsert("pairing", new_id(), {"mentor_id": mentor, "mentee_id": w.mentee3, "start_date": "2026-11-01"},
                      mid)

    actor, make, existing = {
        "pairing_of_another_mentor": (w.mentor1, activity, w.pairing2),
        "mentee_of_another_unit": (w.staff_st21, screening, w.mentee1),
        "unit_of_another_town": (w.staff_st21, mentee, w.st11),
        "review_target_of_another_unit": (w.staff_st21, review, w.activity1),
        "mentor_of_another_unit": (w.staff_st21, pairing, w.mentor1.user_id),
    }[case]
    same_reason(db, actor, make, existing)


def test_a_volunteer_cannot_withdraw_a_self_harm_flag_the_station_has_not_handled(
        db: sqlite_utils.Database) -> None:
    w = make_county(db)
    flagged = make_activity(db, w.mentor1, w.pairing1, risk_flag=True)
    version = row(db, "activity", flagged)["version"]
    untick, delete = apply_mutations(db, w.mentor1, [
        mutations.upsert("activity", {"risk_flag": False}, flagged, base_version=version),
        mutations.delete("activity", flagged, base_version=version)])
    assert (untick.status, delete.status) == ("rejected", "rejected")
    assert "辅导站还没有处理" in str(untick.reason) and "辅导站还没有处理" in str(delete.reason)
    assert row(db, "activity", flagged)["risk_flag"] and not row(db, "activity", flagged)["deleted"]
    # Once the station has recorded what it did, the volunteer's copy is theirs again.
    handled = {"risk_action": "已电话联系家长，孩子情绪平稳", "risk_action_on": "2026-11-30"}
    mutate(db, w.staff_st11, "activity", handled, flagged, version)
    (untick,) = apply_mutations(db, w.mentor1, [mutations.upsert("activity", {"risk_flag": False}, flagged,
                                                                  base_version=version + 1)])
    assert untick.status == "applied"


def test_a_handling_of_only_spaces_leaves_the_flag_open_for_the_volunteer_as_on_the_lists(
        db: sqlite_utils.Database) -> None:
    """The station home and the county's risk list count a handling of only spaces as none; the untick
    rule once took it as written, so the volunteer could withdraw a flag the lists still showed open."""
    w = make_county(db)
    flagged = make_activity(db, w.mentor1, w.pairing1, risk_flag=True)
    db.execute("UPDATE activities SET risk_action = '   ' WHERE id = ?", [flagged])  # as an old copy could hold
    version = row(db, "activity", flagged)["version"]
    (untick,) = apply_mutations(db, w.mentor1, [mutations.upsert("activity", {"risk_flag": False}, flagged,
                                                                  base_version=version)])
    assert untick.status == "rejected" and "辅导站还没有处理" in str(untick.reason)


def test_staff_cannot_delete_or_untick_a_self_harm_flag_without_writing_its_handling(
        db: sqlite_utils.Database) -> None:
    """Staff could delete a flagged visit, or untick its flag, with no handling written: the flag left the
    station home and the county's risk list with no word of what was done. A flag ticked by mistake is
    handled too (误标), and the handling can go in the same write as the untick."""
    w = make_county(db)
    flagged = make_activity(db, w.mentor1, w.pairing1, risk_flag=True)
    version = row(db, "activity", flagged)["version"]
    untick, delete = apply_mutations(db, w.staff_st11, [
        mutations.upsert("activity", {"risk_flag": False}, flagged, base_version=version),
        mutations.delete("activity", flagged, base_version=version)])
    assert (untick.status, delete.status) == ("rejected", "rejected")
    assert "还没有写处理记录" in str(untick.reason) and "再取消或删除" in str(delete.reason)
    assert row(db, "activity", flagged)["risk_flag"] and not row(db, "activity", flagged)["deleted"]
    handled = {"risk_flag": False, "risk_action": "误标：志愿者来电说明没有自伤迹象", "risk_action_on": "2026-11-30"}
    (untick,) = apply_mutations(db, w.staff_st11, [mutations.upsert("activity", handled, flagged,
                                                                     base_version=version)])
    assert untick.status == "applied", untick.reason
    (delete,) = apply_mutations(db, w.staff_st11, [mutations.delete("activity", flagged, base_version=version + 1)])
    assert delete.status == "applied", delete.reason


def test_one_batch_cannot_pair_the_same_volunteer_and_child_twice(db: sqlite_utils.Database,
                                                                   w: SimpleNamespace) -> None:
    """The second of two pairings of the same two with the same approach in one write is refused; the
    first stands. Another approach is another pairing (one volunteer helping a child in two ways)."""
    fields = {"mentor_id": w.mentor1.user_id, "mentee_id": w.mentee_unpaired, "start_date": "2026-11-01"}
    first, second = new_id(), new_id()
    outcomes = apply_mutations(db, w.staff_st11, [mutations.upsert("pairing", fields, first),
                                                  mutations.upsert("pairing", fields, second)])
    assert [o.status for o in outcomes] == ["applied", "rejected"]
    assert "不能重复结对" in str(outcomes[1].reason)
    assert row(db, "pairing", second) is None
    (other_way,) = apply_mutations(db, w.staff_st11, [mutations.upsert("pairing", {**fields, "approach": "guanai"},
                                                                       new_id())])
    assert other_way.status == "applied"


def test_staff_cannot_add_a_visit_to_an_ended_pairing_of_a_deleted_child(db: sqlite_utils.Database,
                                                                         w: SimpleNamespace) -> None:
    mutate(db, w.staff_st11, "pairing", {"status": "closed", "end_date": "2026-11-30", "outcome": "stable"},
           w.pairing1, base_version=row(db, "pairing", w.pairing1)["version"])
    visit = {"pairing_id": w.pairing1, "kind": "talk", "date": "2026-11-20", "record": "结束前的谈心"}
    (kept,) = apply_mutations(db, w.staff_st11, [mutations.upsert("activity", visit, new_id())])
    assert kept.status == "applied", "before the child is deleted, a visit before the end is still taken"
    version = row(db, "mentee", w.mentee1)["version"]
    (gone,) = apply_mutations(db, w.staff_st11, [mutations.delete("mentee", w.mentee1, base_version=version)])
    assert gone.status == "applied", gone.reason
    (late,) = apply_mutations(db, w.staff_st11, [mutations.upsert("activity", visit, new_id())])
    assert late.status == "rejected" and "的档案已被删除，不能再为其登记" in (late.reason or "")


def test_staff_can_neither_add_a_visit_to_nor_change_one_in_a_deleted_childs_ended_pairing(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    """Deleting a child leaves its ended pairing (the kept archive) undeleted: that pairing is no way
    to write into the read-only file of a child counted nowhere, by 代录 or a phone's export."""
    mutate(db, w.staff_st11, "pairing", {"status": "closed", "end_date": "2026-11-25", "outcome": "stable"},
           w.pairing1, base_version=row(db, "pairing", w.pairing1)["version"])
    version = row(db, "mentee", w.mentee1)["version"]
    (gone,) = push(db, w.staff_st11, delete("mentee", w.mentee1, 1, base_version=version))
    assert gone["status"] == "applied", gone
    kept = row(db, "activity", w.activity1)
    new = upsert("activity", new_id(), {"pairing_id": w.pairing1, "kind": "talk", "date": "2026-11-20",
                                        "record": "结对结束前的一次谈心"}, 2)
    edit = upsert("activity", w.activity1, {"record": "改写删除了的档案"}, 3, base_version=kept["version"])
    added, changed = push(db, w.staff_st11, new, edit)
    assert added["status"] == "rejected" and "的档案已被删除，不能再为其登记" in added["reason"], added
    assert changed["status"] == "rejected" and "的档案已被删除，档案里的记录只能查看" in changed["reason"], changed
    assert row(db, "activity", new["record_id"]) is None
    assert row(db, "activity", w.activity1) == kept


def test_a_deleted_childs_visit_and_ended_pairing_take_no_review(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    """A review sets the visit's or pairing's 审核 state: the read-only file keeps the verdict it had."""
    mutate(db, w.staff_st11, "pairing", {"status": "closed", "end_date": "2026-11-25", "outcome": "stable"},
           w.pairing1, base_version=row(db, "pairing", w.pairing1)["version"])
    version = row(db, "mentee", w.mentee1)["version"]
    (gone,) = push(db, w.staff_st11, delete("mentee", w.mentee1, 1, base_version=version))
    assert gone["status"] == "applied", gone
    kept = (row(db, "activity", w.activity1), row(db, "pairing", w.pairing1))
    reviews = db.execute("SELECT count(*) FROM reviews").fetchone()[0]
    answers = push(db, w.staff_town1, *(
        upsert("review", new_id(), {"target_entity": entity, "target_id": target, "decision": decision}, mid)
        for mid, (entity, target, decision) in enumerate((("activity", w.activity1, "approve"),
                                                          ("activity", w.activity1, "return"),
                                                          ("pairing", w.pairing1, "approve")), start=1)))
    for answer in answers:
        assert answer["status"] == "rejected" and "的档案已被删除" in answer["reason"], answer
    assert (row(db, "activity", w.activity1), row(db, "pairing", w.pairing1)) == kept
    assert db.execute("SELECT count(*) FROM reviews").fetchone()[0] == reviews


def test_a_deleted_pairings_visit_takes_no_review(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    """Its visits are deleted with it (随结对删除) and counted nowhere: none is approved or returned after."""
    version = row(db, "pairing", w.pairing2)["version"]
    (gone,) = push(db, w.staff_st11, delete("pairing", w.pairing2, 1, base_version=version))
    assert gone["status"] == "applied", gone
    kept = row(db, "activity", w.activity2)
    answers = push(db, w.staff_town1, *(
        upsert("review", new_id(), {"target_entity": "activity", "target_id": w.activity2, "decision": decision}, mid)
        for mid, decision in enumerate(("approve", "return"), start=1)))
    for answer in answers:
        assert answer["status"] == "rejected" and re.search("这个结对.*已被删除", answer["reason"]), answer
    assert row(db, "activity", w.activity2) == kept


# --- a deleted child's file and a deleted pairing's visits are read, never written ---------------

def deleted_child(db: sqlite_utils.Database, w: SimpleNamespace) -> str:
    """Child 1's pairing ended and the child deleted by the station, as the pages do it; the code."""
    end_pairing(db, w.staff_st11, w.pairing1)
    remove(db, w.staff_st11, "mentee", w.mentee1)
    return str(row(db, "mentee", w.mentee1)["code"])


CHILD_FILE_EDITS = {
    "activity": {"record": "删除后改的过程记录"},
    "screening": {"notes": "删除后改的摸排"},
    "referral": {"institution": "删除后改的机构"},
    "pairing": {"outcome": "improved"},
}


@pytest.mark.parametrize("op", ["upsert", "delete"])
@pytest.mark.parametrize("entity", sorted(CHILD_FILE_EDITS))
def test_a_deleted_childs_records_cannot_be_edited_or_deleted_from_a_phone(
        db: sqlite_utils.Database, w: SimpleNamespace, entity: str, op: str) -> None:
    """The station's own phone pushes (as a staff phone does) an edit or a delete of the visit, 摸排,
    转介 or pairing of a child it deleted: the file is kept as evidence, so each is refused in one
    sentence and the record stays as it was."""
    record_id = {"activity": w.activity1, "screening": w.screening1, "referral": w.referral1,
                 "pairing": w.pairing1}[entity]
    code = deleted_child(db, w)
    before = row(db, entity, record_id)
    assert before is not None and not before["deleted"]
    mutation = (upsert(entity, record_id, CHILD_FILE_EDITS[entity], 1, base_version=before["version"])
                if op == "upsert" else delete(entity, record_id, 1, base_version=before["version"]))
    (answer,) = push(db, w.staff_st11, mutation)
    assert answer["status"] == "rejected", answer
    assert answer["reason"] == f"帮扶对象 {code} 的档案已被删除，档案里的记录只能查看，不能再修改或删除。"
    assert row(db, entity, record_id) == before


def test_a_deleted_childs_visit_and_pairing_cannot_be_reviewed(db: sqlite_utils.Database,
                                                               w: SimpleNamespace) -> None:
    """Approving or returning a deleted child's visit would change its review state (and the county's
    approval locks it): the county and the town above are refused, and no review is stored."""
    code = deleted_child(db, w)
    reviews = int(db.execute("SELECT count(*) FROM reviews").fetchone()[0])
    outcomes = apply_mutations(db, w.reviewer, [
        mutations.upsert("review", {"target_entity": "activity", "target_id": w.activity1, "decision": "approve"}),
        mutations.upsert("review", {"target_entity": "pairing", "target_id": w.pairing1, "decision": "approve"})])
    (returned,) = apply_mutations(db, w.staff_town1, [mutations.upsert(
        "review", {"target_entity": "activity", "target_id": w.activity1, "decision": "return", "comment": "补"})])
    for outcome in (*outcomes, returned):
        assert outcome.status == "rejected"
        assert outcome.reason == f"帮扶对象 {code} 的档案已被删除，档案里的记录只能查看，不能再审核。"
    assert int(db.execute("SELECT count(*) FROM reviews").fetchone()[0]) == reviews
    assert row(db, "activity", w.activity1)["review_status"] == "returned"  # as review1 left it


def test_a_deleted_pairings_visit_cannot_be_edited_deleted_or_reviewed(db: sqlite_utils.Database,
                                                                       w: SimpleNamespace) -> None:
    """A pairing the station deleted (entered by mistake) keeps its visits for reading; the child's
    file stands, so its other records still change, but not the deleted pairing's visits."""
    remove(db, w.staff_st11, "pairing", w.pairing2)
    code = row(db, "mentee", w.mentee2)["code"]
    version = row(db, "activity", w.activity2)["version"]
    outcomes = apply_mutations(db, w.staff_st11, [
        mutations.upsert("activity", {"record": "改"}, w.activity2, base_version=version),
        mutations.delete("activity", w.activity2, base_version=version)])
    (review,) = apply_mutations(db, w.staff_town1, [mutations.upsert(
        "review", {"target_entity": "activity", "target_id": w.activity2, "decision": "approve"})])
    said = "这个结对（帮扶对象 {}）已被删除，结对里的帮扶活动只能查看，不能再{}。"
    assert [(o.status, o.reason) for o in (*outcomes, review)] == [
        ("rejected", said.format(code, "修改或删除")), ("rejected", said.format(code, "修改或删除")),
        ("rejected", said.format(code, "审核"))]
    current = row(db, "activity", w.activity2)
    assert (current["version"], current["deleted"], current["review_status"]) == (version, False, "pending")
    version = row(db, "screening", w.screening2)["version"]
    (screening,) = apply_mutations(db, w.staff_st11, [mutations.upsert(
        "screening", {"notes": "孩子的档案还在"}, w.screening2, base_version=version)])
    assert screening.status == "applied"


def park_conflict(db: sqlite_utils.Database, staff: Any, activity: str, mentor: Any) -> str:
    """The station edits ``activity`` while its volunteer's phone sends an edit from the version before."""
    version = row(db, "activity", activity)["version"]
    mutate(db, staff, "activity", {"record": "站里先改的"}, activity, base_version=version)
    (answer,) = push(db, mentor, upsert("activity", activity, {"record": "手机后到的"}, 1, base_version=version))
    assert answer["status"] == "conflict"
    return str(answer["conflicts"][0]["conflict_id"])


def conflict_state(db: sqlite_utils.Database, conflict_id: str) -> tuple[str, str | None]:
    found = db.execute("SELECT status, resolution FROM sync_conflicts WHERE id = ?", [conflict_id]).fetchone()
    return found[0], found[1]


def test_deleting_a_child_or_a_pairing_closes_the_open_conflicts_of_its_records(db: sqlite_utils.Database,
                                                                                 w: SimpleNamespace) -> None:
    """A clash parked on a visit offers 改用后到的内容 and 合并, which can no longer be taken once the
    child's file or the pairing is deleted: the conflict closes with the delete, both values kept on it."""
    on_child, on_pairing = park_conflict(db, w.staff_st11, w.activity1, w.mentor1), park_conflict(
        db, w.staff_st11, w.activity2, w.mentor2)
    elsewhere = park_conflict(db, w.staff_st21, w.activity3, w.mentor3)
    deleted_child(db, w)
    remove(db, w.staff_st11, "pairing", w.pairing2)
    for conflict_id in (on_child, on_pairing):
        assert conflict_state(db, conflict_id) == ("resolved", "file_deleted")
        assert conflict_id not in [c["id"] for c in list_conflicts(db, load_scope(db, w.staff_st11))]
        with pytest.raises(NotAllowed, match="已经处理过了"):
            resolve_conflict(db, w.staff_st11, conflict_id, "other")
    assert conflict_state(db, elsewhere) == ("open", None), "another child's conflicts stay open"


def test_a_conflict_left_open_on_a_deleted_childs_visit_cannot_write_into_it(db: sqlite_utils.Database,
                                                                             w: SimpleNamespace) -> None:
    """A clash an older server left open on a file deleted since: 采用另一方的内容 would write into the
    deleted file, and is refused with the write path's sentence; 保留 closes it, writing nothing."""
    conflict_id = park_conflict(db, w.staff_st11, w.activity1, w.mentor1)
    code = deleted_child(db, w)
    db.execute("UPDATE sync_conflicts SET status = 'open', resolution = NULL WHERE id = ?", [conflict_id])
    before = row(db, "activity", w.activity1)
    with pytest.raises(NotAllowed) as refused:
        resolve_conflict(db, w.staff_st11, conflict_id, "other")
    said = f"帮扶对象 {code} 的档案已被删除，档案里的记录只能查看，不能再修改或删除。"
    assert str(refused.value.reason).endswith(said)
    assert row(db, "activity", w.activity1) == before
    assert resolve_conflict(db, w.staff_st11, conflict_id, "kept") is None
    assert row(db, "activity", w.activity1) == before


def test_another_units_edit_or_review_of_a_deleted_childs_visit_reads_like_one_of_a_made_up_id(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    """The deleted-file sentence names the child: only a writer who may read the file hears it (issue 8,
    item 6); another station is told what it would be told of a record that does not exist."""
    deleted_child(db, w)
    same_reason(db, w.staff_st21, lambda rid, mid: upsert("activity", rid, {"record": "改"}, mid, base_version=1),
                w.activity1)
    same_reason(db, w.staff_st21, lambda rid, mid: delete("activity", rid, mid, base_version=1), w.activity1)
    same_reason(db, w.staff_st21, lambda rid, mid: upsert(
        "review", new_id(), {"target_entity": "activity", "target_id": rid, "decision": "approve"}, mid), w.activity1)


# --- a self-harm flag the station has not handled keeps its child and its pairing ---------------

HANDLE_FIRST = "处理风险提示后再删除"


def flag(db: sqlite_utils.Database, mentor: Any, pairing: str, day: str) -> str:
    """A visit of ``pairing`` flagged 发现自伤自残风险 by its volunteer, not handled yet."""
    return make_activity(db, mentor, pairing, date=day, risk_flag=True)


def handle(db: sqlite_utils.Database, staff: Any, activity: str) -> None:
    mutate(db, staff, "activity", {"risk_action": "已电话联系家长，孩子已就医", "risk_action_on": "2026-11-21"},
           activity, base_version=row(db, "activity", activity)["version"])


def test_a_child_with_an_unhandled_risk_flag_cannot_be_deleted_until_the_station_handles_it(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    """Deleting the child takes her visits out of the station home's and the county's risk lists, and
    her file becomes read-only: the flag would never be handled. A staff phone's delete is refused in
    one sentence naming the visit's day, nothing written; once handled, the same delete applies."""
    flagged = flag(db, w.mentor1, w.pairing1, "2026-11-18")
    end_pairing(db, w.staff_st11, w.pairing1)
    before = row(db, "mentee", w.mentee1)
    (answer,) = push(db, w.staff_st11, delete("mentee", w.mentee1, 1, base_version=before["version"]))
    assert answer["status"] == "rejected", answer
    assert HANDLE_FIRST in answer["reason"] and "2026年11月18日" in answer["reason"], answer
    assert "恢复" not in answer["reason"]
    assert row(db, "mentee", w.mentee1) == before
    handle(db, w.staff_st11, flagged)
    (answer,) = push(db, w.staff_st11, delete("mentee", w.mentee1, 2, base_version=before["version"]))
    assert answer["status"] == "applied", answer


def test_a_pairing_with_an_unhandled_risk_flag_cannot_be_deleted_running_or_ended(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    """A deleted pairing's visits count nowhere either: its flag would leave every list the same way."""
    flagged = flag(db, w.mentor2, w.pairing2, "2026-11-19")
    for ended in (False, True):
        if ended:
            end_pairing(db, w.staff_st11, w.pairing2)
        before = row(db, "pairing", w.pairing2)
        (outcome,) = apply_mutations(db, w.staff_st11, [mutations.delete("pairing", w.pairing2,
                                                                          base_version=before["version"])])
        assert outcome.status == "rejected" and HANDLE_FIRST in str(outcome.reason), outcome
        assert str(outcome.reason).startswith("这个结对有标了“发现自伤自残风险”的帮扶记录（2026年11月19日）")
        assert row(db, "pairing", w.pairing2) == before
    handle(db, w.staff_st11, flagged)
    remove(db, w.staff_st11, "pairing", w.pairing2)


def test_a_flag_handled_earlier_in_the_batch_or_in_a_deleted_pairing_does_not_keep_the_child(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    """The rule reads the visits as the batch left them; a flag on a pairing deleted before (entered by
    mistake, already out of every list) is not this delete's doing."""
    flagged = flag(db, w.mentor1, w.pairing1, "2026-11-18")
    end_pairing(db, w.staff_st11, w.pairing1)
    mistaken = make_pairing(db, w.staff_st11, w.mentor2, w.mentee1)
    old = flag(db, w.mentor2, mistaken, "2026-11-20")
    handle(db, w.staff_st11, old)
    remove(db, w.staff_st11, "pairing", mistaken)
    # A pairing deleted before this rule, its flag never handled.
    db.execute("UPDATE activities SET risk_action = NULL, risk_action_on = NULL WHERE id = ?", [old])
    mentee, visit = row(db, "mentee", w.mentee1), row(db, "activity", flagged)
    handled = {"risk_action": "已家访，孩子情绪稳定"}
    answers = push(db, w.staff_st11, upsert("activity", flagged, handled, 1, base_version=visit["version"]),
                   delete("mentee", w.mentee1, 2, base_version=mentee["version"]))
    assert [a["status"] for a in answers] == ["applied", "applied"], answers


def test_no_refusal_about_a_deleted_child_or_pairing_offers_to_restore_it(db: sqlite_utils.Database,
                                                                           w: SimpleNamespace) -> None:
    """Nothing undoes the deletion of a child or a pairing: every sentence the write path answers about
    one says what is true (the change is not saved, what was sent is kept, a child deleted by mistake
    is registered again) and none offers 恢复, as the station, the county and a phone read them alike."""
    code = deleted_child(db, w)
    remove(db, w.staff_st11, "pairing", w.pairing2)
    version = {rid: row(db, entity, rid)["version"] for entity, rid in (
        ("mentee", w.mentee1), ("pairing", w.pairing2), ("activity", w.activity1), ("activity", w.activity2))}
    visit = {"kind": "talk", "date": "2026-11-20", "record": "谈心"}
    answers = push(db, w.staff_st11,
                   upsert("mentee", w.mentee1, {"notes": "删除后改"}, 1, base_version=version[w.mentee1]),
                   upsert("pairing", w.pairing2, {"goals": "删除后改"}, 2, base_version=version[w.pairing2]),
                   upsert("activity", w.activity1, {"record": "改"}, 3, base_version=version[w.activity1]),
                   upsert("activity", w.activity2, {"record": "改"}, 4, base_version=version[w.activity2]),
                   upsert("activity", new_id(), {"pairing_id": w.pairing1, **visit}, 5),
                   upsert("activity", new_id(), {"pairing_id": w.pairing2, **visit}, 6),
                   upsert("screening", new_id(), {"mentee_id": w.mentee1, "date": "2026-11-20"}, 7))
    answers += push(db, w.mentor1, upsert("activity", new_id(), {"pairing_id": w.pairing1, **visit}, 1))
    assert [a["status"] for a in answers] == ["rejected"] * 8, answers
    for answer in answers:
        assert "恢复" not in answer["reason"] and "县关工委管理员" not in answer["reason"], answer
    edited_child, edited_pairing = answers[0]["reason"], answers[1]["reason"]
    assert edited_child == ("这个帮扶对象已被删除，这次修改没有保存，删除也不能撤销；"
                            "您改的内容已记入服务器的审计日志，如有疑问请联系辅导站。"), edited_child
    assert edited_pairing.startswith("这个结对已被删除，这次修改没有保存，删除也不能撤销；"), edited_pairing
    for added in (answers[4], answers[6]):
        assert added["reason"] == (f"帮扶对象 {code} 的档案已被删除，不能再为其登记。如果选错了孩子，请重新选择；"
                                   "删除不能撤销：如果档案是误删的，请辅导站为孩子重新建档后再登记。"), added
    assert "保存在服务器上" in answers[7]["reason"], "the volunteer's visit is kept for the station"


def test_a_delete_of_a_deleted_childs_visit_or_pairing_after_hers_in_the_same_batch_is_refused(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    """A staff phone sends the child's own delete, then deletes of her visit and ended pairing: hers
    applies, theirs are refused with the edits' sentence (the batch already holds her deleted), and the
    kept file keeps both records."""
    end_pairing(db, w.staff_st11, w.pairing1)
    kept = {rid: row(db, entity, rid) for entity, rid in (("activity", w.activity1), ("pairing", w.pairing1))}
    child = row(db, "mentee", w.mentee1)
    answers = push(db, w.staff_st11, delete("mentee", w.mentee1, 1, base_version=child["version"]),
                   delete("activity", w.activity1, 2, base_version=kept[w.activity1]["version"]),
                   delete("pairing", w.pairing1, 3, base_version=kept[w.pairing1]["version"]))
    said = f"帮扶对象 {child['code']} 的档案已被删除，档案里的记录只能查看，不能再修改或删除。"
    assert [(a["status"], a.get("reason")) for a in answers] == [
        ("applied", None), ("rejected", said), ("rejected", said)], answers
    assert {rid: row(db, entity, rid) for entity, rid in (("activity", w.activity1), ("pairing", w.pairing1))} == kept
