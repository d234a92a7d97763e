"""The write rules of an on-site inspection (督查): who writes which field, and a consistent checklist."""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import sqlite_utils

from sync import (
    NotAllowed,
    apply_mutations,
    connect,
    list_conflicts,
    load_scope,
    migrations,
    mutations,
    new_id,
    resolve_conflict,
    transaction,
)
from sync.system import SYSTEM
from sync.users import save_user
from tests.factories import delete as fdelete
from tests.factories import make_county, make_device, make_user, pull_all, push, row, upsert


@pytest.fixture
def county(tmp_path: Any) -> Iterator[tuple[sqlite_utils.Database, SimpleNamespace]]:
    db = connect(tmp_path / "t.db")
    migrations.apply(db)
    yield db, make_county(db)
    db.close()


def create(db: sqlite_utils.Database, who: Any, **fields: Any) -> dict[str, Any]:
    base = {"date": "2026-11-02", "inspectors": "周主任", "rectify_due": "2026-12-15"}
    (answer,) = push(db, who, upsert("inspection", new_id(), {**base, **fields}, 1))
    return answer


def test_inspection_score_left_empty_is_the_share_of_checked_items_passed(county: Any) -> None:
    db, w = county
    answer = create(db, w.reviewer, unit_id=w.st12, passed=["records", "lectures", "archives"], failed=["one_plan"])
    assert answer["status"] == "applied", answer
    record = row(db, "inspection", answer["record_id"])
    assert record["score"] == 75
    assert record["author_id"] == w.reviewer.user_id


def test_inspection_given_score_is_kept(county: Any) -> None:
    db, w = county
    answer = create(db, w.reviewer, unit_id=w.st12, passed=["records"], failed=["one_plan"], score=88)
    assert row(db, "inspection", answer["record_id"])["score"] == 88


def test_inspection_item_cannot_be_both_passed_and_failed(county: Any) -> None:
    db, w = county
    answer = create(db, w.reviewer, unit_id=w.st12, passed=["records"], failed=["records"])
    assert answer["status"] == "rejected"
    assert "活动台帐资料齐全" in answer["reason"]


def test_inspection_only_a_failed_item_can_be_fixed(county: Any) -> None:
    db, w = county
    answer = create(db, w.reviewer, unit_id=w.st12, passed=["records"], fixed=["records"])
    assert answer["status"] == "rejected"
    assert "不在未达标项目中" in answer["reason"]


def test_failed_items_left_to_fix_without_a_rectification_day_are_refused(county: Any) -> None:
    # Saved without one it stood as 整改中 for ever, never 整改逾期 on the dashboard.
    db, w = county
    ids = iter(range(10, 100))

    def made(**fields: Any) -> dict[str, Any]:
        base = {"unit_id": w.st12, "date": "2026-11-02", "inspectors": "周主任"}
        (answer,) = push(db, w.reviewer, upsert("inspection", new_id(), {**base, **fields}, next(ids)))
        return answer

    before = db.execute("SELECT count(*) FROM inspections").fetchone()[0]
    for fields in ({"failed": ["one_plan"]}, {"failed": ["one_plan", "records"], "fixed": ["records"]}):
        answer = made(**fields)
        assert answer["status"] == "rejected" and answer["reason"] == "有需要整改的项目，请填写整改期限。", answer
    assert db.execute("SELECT count(*) FROM inspections").fetchone()[0] == before
    # Nothing failed, or every failed item fixed already: nothing left to fix by a day.
    for fields in ({"passed": ["records"]}, {"failed": ["one_plan"], "fixed": ["one_plan"]}):
        assert made(**fields)["status"] == "applied"
    # Emptying the day of an inspection with items left to fix is refused as well.
    version = row(db, "inspection", w.inspection1)["version"]
    (emptied,) = push(db, w.reviewer, upsert("inspection", w.inspection1, {"rectify_due": None}, next(ids), version))
    assert emptied["status"] == "rejected" and emptied["reason"] == "有需要整改的项目，请填写整改期限。"


def test_the_inspected_unit_reports_its_fixes_on_an_inspection_saved_without_a_day_before(county: Any) -> None:
    # One saved before the rule came in: the school's report of what it fixed must still go in.
    db, w = county
    db.execute("UPDATE inspections SET rectify_due = NULL WHERE id = ?", [w.inspection1])
    version = row(db, "inspection", w.inspection1)["version"]
    (report,) = push(db, w.staff_st11, upsert("inspection", w.inspection1, {"rectify_notes": "已安排专人值守"}, 3,
                                              version))
    assert report["status"] == "applied", report


@pytest.mark.parametrize("unit", ["county", "town1"])
def test_inspection_is_of_a_station_or_school(county: Any, unit: str) -> None:
    db, w = county
    answer = create(db, w.reviewer, unit_id=getattr(w, unit))
    assert answer["status"] == "rejected"
    assert "辅导站或学校" in answer["reason"]


def test_inspected_station_reports_its_rectification_but_not_its_score(county: Any) -> None:
    db, w = county
    before = row(db, "inspection", w.inspection1)
    (score,) = push(db, w.staff_st11, upsert("inspection", w.inspection1, {"score": 100}, 1, before["version"]))
    assert score["status"] == "rejected"
    assert "得分" in score["reason"]
    (fixed,) = push(db, w.staff_st11, upsert("inspection", w.inspection1,
                                             {"fixed": ["counselling_room"], "rectify_notes": "已配专人"}, 2,
                                             before["version"]))
    assert fixed["status"] == "applied", fixed
    after = row(db, "inspection", w.inspection1)
    assert after["fixed"] == ["counselling_room"] and after["score"] == before["score"]


def test_town_staff_edit_their_towns_inspections_only(county: Any) -> None:
    db, w = county
    mine = create(db, w.staff_town1, unit_id=w.st12, passed=["records"])
    assert mine["status"] == "applied", mine
    (edit,) = push(db, w.staff_town1, upsert("inspection", mine["record_id"], {"score": 90}, 2, 1))
    assert edit["status"] == "applied", edit
    county_one = row(db, "inspection", w.inspection1)
    (other,) = push(db, w.staff_town1, upsert("inspection", w.inspection1, {"score": 90}, 3,
                                              county_one["version"]))
    assert other["status"] == "rejected"
    assert "不是您所在的单位记录的" in other["reason"]


def test_town_staff_cannot_inspect_another_town(county: Any) -> None:
    db, w = county
    answer = create(db, w.staff_town1, unit_id=w.st21)
    assert answer["status"] == "rejected"


def test_inspections_reach_the_inspected_station_and_never_a_mentor(county: Any) -> None:
    db, w = county
    station, _, _ = pull_all(db, w.staff_st11)
    mentor, _, _ = pull_all(db, w.mentor1)
    sibling, _, _ = pull_all(db, w.staff_st12)
    assert ("inspection", w.inspection1) in station
    assert station[("inspection", w.inspection1)]["fields"]["failed"] == ["counselling_room"]
    assert not any(entity == "inspection" for entity, _ in mentor)
    assert ("inspection", w.inspection1) not in sibling


# --- the inspecting unit (督查单位) stays with the inspection, not with the person who typed it ---

def moved(db: sqlite_utils.Database, w: Any, who: Any, unit_id: str) -> Any:
    """``who`` moved to ``unit_id`` by the admin; the same person and phone, as the server now sees them."""
    with transaction(db):
        save_user(db, w.admin, {"unit_id": unit_id}, user_id=who.user_id)
    return dataclasses.replace(who, unit_id=unit_id)


def clash_on_findings(db: sqlite_utils.Database, w: Any, inspection_id: str) -> str:
    """A conflict on the findings: the county's reviewer saves first, the admin's phone second."""
    version = row(db, "inspection", inspection_id)["version"]
    (first,) = push(db, w.reviewer, upsert("inspection", inspection_id, {"findings": "先到的"}, 100, version))
    assert first["status"] == "applied", first
    (second,) = push(db, w.admin, upsert("inspection", inspection_id, {"findings": "后到的"}, 100, version))
    assert second["status"] == "conflict", second
    return str(second["conflicts"][0]["conflict_id"])


def test_an_inspection_keeps_its_inspecting_unit_when_its_author_moves(county: Any) -> None:
    db, w = county
    made = create(db, w.staff_town1, unit_id=w.st12, passed=["records"], failed=["parent_class"])
    assert made["status"] == "applied", made
    rid = made["record_id"]
    assert row(db, "inspection", rid)["inspecting_unit_id"] == w.town1
    colleague = make_device(db, make_user(db, "staff", w.town1, name="街道另一位干事"))
    conflict_id = clash_on_findings(db, w, rid)

    author = moved(db, w, w.staff_town1, w.town2)

    assert row(db, "inspection", rid)["inspecting_unit_id"] == w.town1
    version = row(db, "inspection", rid)["version"]
    (away,) = push(db, author, upsert("inspection", rid, {"score": 10}, 200, version))
    assert away["status"] == "rejected", away  # the town they left keeps it
    (stands_in,) = push(db, colleague, upsert("inspection", rid, {"score": 95}, 1, version))
    assert stands_in["status"] == "applied", stands_in
    # The town decides the clash on its own inspection; the person who moved does not.
    assert conflict_id in {c["id"] for c in list_conflicts(db, load_scope(db, colleague))}
    assert conflict_id not in {c["id"] for c in list_conflicts(db, load_scope(db, author))}
    with pytest.raises(NotAllowed, match="找不到这条冲突记录"):
        resolve_conflict(db, author, conflict_id, "kept")
    resolve_conflict(db, colleague, conflict_id, "kept")
    changes, _, _ = pull_all(db, w.staff_st12)
    assert changes[("inspection", rid)]["fields"]["inspecting_unit_id"] == w.town1


def test_an_author_moved_up_to_the_county_edits_as_the_county_and_the_record_stays_the_towns(county: Any) -> None:
    db, w = county
    made = create(db, w.staff_town1, unit_id=w.st12, passed=["records"])
    rid = made["record_id"]
    author = moved(db, w, w.staff_town1, w.county)
    (edit,) = push(db, author, upsert("inspection", rid, {"score": 90}, 200, 1))
    assert edit["status"] == "applied", edit  # a level above the inspecting town
    assert row(db, "inspection", rid)["inspecting_unit_id"] == w.town1
    (fresh,) = push(db, author, upsert("inspection", new_id(), {
        "unit_id": w.st21, "date": "2026-11-02", "inspectors": "县关工委"}, 201))
    assert row(db, "inspection", fresh["record_id"])["inspecting_unit_id"] == w.county


@pytest.mark.parametrize("who", ["reviewer", "staff_town1", "admin"])
@pytest.mark.parametrize("field", ["inspecting_unit_id", "author_id"])
def test_a_client_cannot_set_or_change_the_inspecting_unit(county: Any, who: str, field: str) -> None:
    db, w = county
    writer = getattr(w, who)
    value = w.town1 if field == "inspecting_unit_id" else w.staff_town1.user_id
    (made,) = push(db, writer, upsert("inspection", new_id(), {
        "unit_id": w.st12, "date": "2026-11-02", "inspectors": "周", field: value}, 300))
    assert made["status"] == "rejected" and "由服务器维护" in made["reason"], made
    version = row(db, "inspection", w.inspection1)["version"]
    (edit,) = push(db, writer, upsert("inspection", w.inspection1, {field: value}, 301, version))
    assert edit["status"] == "rejected" and "由服务器维护" in edit["reason"], edit
    assert row(db, "inspection", w.inspection1)["inspecting_unit_id"] == w.county
    # Nor a server-side writer (a web form, an import): the same rule for everyone.
    (outcome,) = apply_mutations(db, SYSTEM, [mutations.upsert("inspection", {field: value}, w.inspection1,
                                                               base_version=version)])
    assert outcome.status == "rejected" and "由服务器维护" in (outcome.reason or "")


def test_a_reviewer_moved_to_a_town_takes_no_county_rights_along(county: Any) -> None:
    # The county's inspection of a station in town 1: a reviewer the admin moved to town 1 still
    # sees it (their new scope), but edits and deletes only what town 1 inspected, as its staff do,
    # and as the conflict pages already decide (sync/conflicts.py about_own_inspection).
    db, w = county
    reviewer = moved(db, w, w.reviewer, w.town1)
    version = row(db, "inspection", w.inspection1)["version"]
    (edit,) = push(db, reviewer, upsert("inspection", w.inspection1, {"score": 10}, 400, version))
    assert edit["status"] == "rejected" and "不是您所在的单位记录的" in edit["reason"], edit
    (gone,) = push(db, reviewer, fdelete("inspection", w.inspection1, 401, version))
    assert gone["status"] == "rejected" and "不是您所在的单位记录的" in gone["reason"], gone
    record = row(db, "inspection", w.inspection1)
    assert (record["version"], record["deleted"]) == (version, False)
    (made,) = push(db, reviewer, upsert("inspection", new_id(), {  # town 1's own, from now on
        "unit_id": w.st12, "date": "2026-11-02", "inspectors": "周主任"}, 402))
    assert made["status"] == "applied", made
    (own,) = push(db, reviewer, upsert("inspection", made["record_id"], {"score": 90}, 403, 1))
    assert own["status"] == "applied", own
    # Staff never delete an inspection, even their town's own: the county does.
    mine = create(db, w.staff_town1, unit_id=w.st11)
    (staff_delete,) = push(db, w.staff_town1, fdelete("inspection", mine["record_id"], 404, 1))
    assert staff_delete["status"] == "rejected"


def test_the_inspected_unit_stays_under_the_unit_that_inspected(county: Any) -> None:
    # Town 1 inspected a station of its own; the county may correct the station within town 1, but
    # a station of town 2 would read as inspected by town 1, which never went there and could no
    # longer even see its own record.
    db, w = county
    made = create(db, w.staff_town1, unit_id=w.st12, passed=["records"])
    rid = made["record_id"]
    for who, n in ((w.reviewer, 500), (w.admin, 501)):
        (away,) = push(db, who, upsert("inspection", rid, {"unit_id": w.st21}, n, 1))
        assert away["status"] == "rejected" and "掘港街道" in away["reason"], away
    assert row(db, "inspection", rid)["unit_id"] == w.st12
    (within,) = push(db, w.reviewer, upsert("inspection", rid, {"unit_id": w.st11}, 502, 1))
    assert within["status"] == "applied", within
    # The county's own inspections may name any station or school of the county.
    version = row(db, "inspection", w.inspection1)["version"]
    (county_own,) = push(db, w.reviewer, upsert("inspection", w.inspection1, {"unit_id": w.st21}, 503, version))
    assert county_own["status"] == "applied", county_own
