"""The write rules of an on-site inspection (督查): who writes which field, and a consistent checklist."""
from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import sqlite_utils

from sync import connect, migrations, new_id
from tests.factories import make_county, pull_all, push, row, upsert


@pytest.fixture
def county(tmp_path: Any) -> Iterator[tuple[sqlite_utils.Database, SimpleNamespace]]:
    db = connect(tmp_path / "t.db")
    migrations.apply(db)
    yield db, make_county(db)
    db.close()


def create(db: sqlite_utils.Database, who: Any, **fields: Any) -> dict[str, Any]:
    base = {"date": "2026-11-02", "inspectors": "周主任"}
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


def test_town_staff_edit_the_inspections_they_recorded_only(county: Any) -> None:
    db, w = county
    mine = create(db, w.staff_town1, unit_id=w.st12, passed=["records"])
    assert mine["status"] == "applied", mine
    (edit,) = push(db, w.staff_town1, upsert("inspection", mine["record_id"], {"score": 90}, 2, 1))
    assert edit["status"] == "applied", edit
    county_one = row(db, "inspection", w.inspection1)
    (other,) = push(db, w.staff_town1, upsert("inspection", w.inspection1, {"score": 90}, 3,
                                              county_one["version"]))
    assert other["status"] == "rejected"
    assert "不是你记录的" in other["reason"]


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
