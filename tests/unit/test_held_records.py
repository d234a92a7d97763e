"""What a delete or a close would lose, refused in the write path for every writer alike.

- A unit is deleted only once it holds nothing that counts: no live child units, active accounts,
  children, pairings, group events, enrolment figures, statistics returns or inspections. A
  deleted unit's records count nowhere, so a past total would change and an approved return would
  leave the list of returns.
- A child's file is closed (状态 结束) only once their pairings have ended: a running pairing
  keeps the closed child on the volunteer's phone. Nor does a closed child get a running pairing
  again until the file is reopened (在帮). Nor is the child deleted while a pairing runs: the
  volunteer's phone would hold a pairing with no child.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlite_utils

from server.queries.stats import figures_for_return
from sync import apply_mutations, mutations, new_id
from sync.returns import install_figures

from ..factories import delete, make_county, make_county_staff, make_unit, mutate, push, remove, row, upsert


@pytest.fixture(autouse=True)
def figures_installed() -> Iterator[None]:
    install_figures(figures_for_return)  # what every server Store does; an approval freezes figures
    yield


@pytest.fixture
def w(db: sqlite_utils.Database) -> Any:
    county = make_county(db)
    county.st23 = make_unit(db, "栟茶第二小学", "school", county.town2)  # no accounts, no children
    return county


def _delete_unit(db: sqlite_utils.Database, actor: Any, unit_id: str) -> Any:
    (outcome,) = apply_mutations(db, actor, [mutations.delete("unit", unit_id,
                                                              base_version=row(db, "unit", unit_id)["version"])])
    return outcome


RECORDS: dict[str, tuple[str, dict[str, Any], str]] = {
    "event": ("staff_town2", {"kind": "lecture", "audience": "students", "date": "2026-10-10", "participants": 300},
              "集体活动"),
    "enrolment": ("staff_town2", {"year": 2026, "students": 640, "parents": 600}, "在校学生和家长人数"),
    "stats_return": ("staff_town2", {"period_from": "2026-09-01", "period_to": "2026-09-30", "status": "submitted"},
                     "统计表"),
    "inspection": ("reviewer", {"date": "2026-10-20", "inspectors": "县关工委 周主任", "passed": ["records"]},
                   "督查记录"),
}


@pytest.mark.parametrize("entity", list(RECORDS))
def test_a_unit_holding_records_a_total_counts_is_not_deleted(db: sqlite_utils.Database, w: Any,
                                                              entity: str) -> None:
    who, fields, label = RECORDS[entity]
    record = mutate(db, getattr(w, who), entity, {"unit_id": w.st23, **fields})
    outcome = _delete_unit(db, w.admin, w.st23)
    assert outcome.status == "rejected", outcome.answer()
    assert label in outcome.reason and "栟茶第二小学" in outcome.reason and "移到别的单位" in outcome.reason
    assert not row(db, "unit", w.st23)["deleted"] and not row(db, entity, record)["deleted"]


def test_a_unit_whose_approved_return_would_leave_the_list_of_returns_is_not_deleted(
        db: sqlite_utils.Database, w: Any) -> None:
    returned = mutate(db, w.staff_st12, "stats_return", {"unit_id": w.st12, "period_from": "2026-09-01",
                                                         "period_to": "2026-09-30", "status": "submitted"})
    mutate(db, w.reviewer, "review", {"target_entity": "stats_return", "target_id": returned, "decision": "approve"})
    assert row(db, "stats_return", returned)["status"] == "approved"
    # The school's people left and its children moved: only the approved return is left there.
    with db.conn:
        db.execute("UPDATE users SET active = 0 WHERE unit_id = ?", [w.st12])
    outcome = _delete_unit(db, w.admin, w.st12)
    assert outcome.status == "rejected", outcome.answer()
    assert "已审核通过的统计表" in outcome.reason and "报送列表" in outcome.reason
    assert not row(db, "unit", w.st12)["deleted"]


def test_a_unit_delete_pushed_from_a_phone_is_refused_like_the_pages(db: sqlite_utils.Database, w: Any) -> None:
    mutate(db, w.staff_town2, "event", {"unit_id": w.st23, **RECORDS["event"][1]})
    version = row(db, "unit", w.st23)["version"]
    (answer,) = push(db, w.admin, delete("unit", w.st23, 1, base_version=version))
    assert answer["status"] == "rejected" and "集体活动" in answer["reason"]
    assert not row(db, "unit", w.st23)["deleted"]


def test_a_unit_holding_units_accounts_or_children_is_refused_by_the_write_path_too(
        db: sqlite_utils.Database, w: Any) -> None:
    """Before, only the admin page looked: a delete from a phone or an import went through."""
    for unit_id, label in ((w.town1, "下级单位"), (w.st11, "在用账号"), (w.st11, "帮扶对象")):
        outcome = _delete_unit(db, w.admin, unit_id)
        assert outcome.status == "rejected" and label in outcome.reason, outcome.answer()
        assert not row(db, "unit", unit_id)["deleted"]


def test_a_unit_is_deleted_once_its_records_have_moved_even_in_the_same_batch(db: sqlite_utils.Database,
                                                                             w: Any) -> None:
    event = mutate(db, w.staff_town2, "event", {"unit_id": w.st23, **RECORDS["event"][1]})
    gone = mutate(db, w.staff_town2, "event", {"unit_id": w.st23, **RECORDS["event"][1]})
    remove(db, w.staff_town2, "event", gone)  # a deleted record holds nothing
    outcomes = apply_mutations(db, w.admin, [
        mutations.upsert("event", {"unit_id": w.st22}, event, base_version=row(db, "event", event)["version"]),
        mutations.delete("unit", w.st23, base_version=row(db, "unit", w.st23)["version"]),
    ])
    assert [o.status for o in outcomes] == ["applied", "applied"], [o.answer() for o in outcomes]
    assert row(db, "unit", w.st23)["deleted"] and row(db, "event", event)["unit_id"] == w.st22


def test_an_event_moved_into_a_unit_in_the_same_batch_keeps_it_from_being_deleted(db: sqlite_utils.Database,
                                                                                  w: Any) -> None:
    event = mutate(db, w.staff_town2, "event", {"unit_id": w.st22, **RECORDS["event"][1]})
    outcomes = apply_mutations(db, w.admin, [
        mutations.upsert("event", {"unit_id": w.st23}, event, base_version=row(db, "event", event)["version"]),
        mutations.delete("unit", w.st23, base_version=row(db, "unit", w.st23)["version"]),
    ])
    assert [o.status for o in outcomes] == ["applied", "rejected"], [o.answer() for o in outcomes]
    assert not row(db, "unit", w.st23)["deleted"]


# --- a child's file closed while paired --------------------------------------------------

def _close(db: sqlite_utils.Database, actor: Any, mentee_id: str) -> Any:
    (outcome,) = apply_mutations(db, actor, [mutations.upsert(
        "mentee", {"status": "closed"}, mentee_id, base_version=row(db, "mentee", mentee_id)["version"])])
    return outcome


def test_a_child_with_a_running_pairing_is_not_closed(db: sqlite_utils.Database, w: Any) -> None:
    outcome = _close(db, w.staff_st11, w.mentee1)
    assert outcome.status == "rejected", outcome.answer()
    assert "进行中的结对" in outcome.reason and "结束结对" in outcome.reason and "王老师" in outcome.reason
    assert "“状态”" in outcome.reason  # the edit form puts it beside the field
    assert row(db, "mentee", w.mentee1)["status"] == "active"
    assert row(db, "pairing", w.pairing1)["status"] == "active"


def test_a_child_closed_from_a_phone_while_paired_is_refused_alike(db: sqlite_utils.Database, w: Any) -> None:
    (answer,) = push(db, w.staff_st11, upsert("mentee", w.mentee1, {"status": "closed"}, 1, base_version=1))
    assert answer["status"] == "rejected" and "结束结对" in answer["reason"]
    assert row(db, "mentee", w.mentee1)["status"] == "active"


def test_a_child_is_closed_once_the_pairing_ends_even_in_the_same_batch(db: sqlite_utils.Database,
                                                                       w: Any) -> None:
    assert _close(db, w.staff_st11, w.mentee_unpaired).status == "applied"
    outcomes = apply_mutations(db, w.staff_st11, [
        mutations.upsert("pairing", {"status": "closed", "end_date": "2026-11-25", "outcome": "improved"},
                         w.pairing1, base_version=row(db, "pairing", w.pairing1)["version"]),
        mutations.upsert("mentee", {"status": "closed"}, w.mentee1,
                         base_version=row(db, "mentee", w.mentee1)["version"]),
    ])
    assert [o.status for o in outcomes] == ["applied", "applied"], [o.answer() for o in outcomes]
    assert row(db, "mentee", w.mentee1)["status"] == "closed"


def test_a_closed_child_is_not_paired_again_until_her_file_is_reopened(db: sqlite_utils.Database, w: Any) -> None:
    """The other side of closing: a new pairing, or an ended one started again, would put a closed
    child back on a volunteer's phone. Reopening the file (在帮) first, even in the same batch, does it."""
    assert _close(db, w.staff_st11, w.mentee_unpaired).status == "applied"
    fields = {"mentor_id": w.mentor1.user_id, "mentee_id": w.mentee_unpaired, "start_date": "2026-11-01",
              "approach": "fuxin"}
    new = mutations.upsert("pairing", fields, new_id())
    (refused,) = apply_mutations(db, w.staff_st11, [new])
    assert refused.status == "rejected" and "档案已经结束" in refused.reason and "在帮" in refused.reason
    assert db.execute("SELECT count(*) FROM pairings WHERE mentee_id = ?", [w.mentee_unpaired]).fetchone()[0] == 0

    reopen = mutations.upsert("mentee", {"status": "active"}, w.mentee_unpaired,
                              base_version=row(db, "mentee", w.mentee_unpaired)["version"])
    outcomes = apply_mutations(db, w.staff_st11, [reopen, new])
    assert [o.status for o in outcomes] == ["applied", "applied"], [o.answer() for o in outcomes]


def test_an_ended_pairing_of_a_closed_child_is_not_started_again(db: sqlite_utils.Database, w: Any) -> None:
    outcomes = apply_mutations(db, w.staff_st11, [
        mutations.upsert("pairing", {"status": "closed", "end_date": "2026-11-25", "outcome": "improved"},
                         w.pairing1, base_version=row(db, "pairing", w.pairing1)["version"]),
        mutations.upsert("mentee", {"status": "closed"}, w.mentee1,
                         base_version=row(db, "mentee", w.mentee1)["version"]),
    ])
    assert [o.status for o in outcomes] == ["applied", "applied"]
    (outcome,) = apply_mutations(db, w.staff_st11, [mutations.upsert(
        "pairing", {"status": "active"}, w.pairing1, base_version=row(db, "pairing", w.pairing1)["version"])])
    assert outcome.status == "rejected" and "档案已经结束" in outcome.reason
    assert row(db, "pairing", w.pairing1)["status"] == "closed"


def test_a_child_with_a_running_pairing_is_not_deleted_by_any_writer(db: sqlite_utils.Database, w: Any) -> None:
    for who in (w.staff_st11, w.staff_town1, make_county_staff(db, w.county)):
        (page,) = apply_mutations(db, who, [mutations.delete("mentee", w.mentee1,
                                                             base_version=row(db, "mentee", w.mentee1)["version"])])
        assert page.status == "rejected", page.answer()
        assert "进行中的结对" in page.reason and "结束结对" in page.reason and "王老师" in page.reason
        assert "不能删除这个孩子" in page.reason
    (phone,) = push(db, w.staff_st11, delete("mentee", w.mentee1, 1, row(db, "mentee", w.mentee1)["version"]))
    assert phone["status"] == "rejected" and "结束结对" in phone["reason"]
    assert not row(db, "mentee", w.mentee1)["deleted"]
    assert row(db, "pairing", w.pairing1)["status"] == "active"


def test_a_child_is_deleted_once_the_pairing_ends_even_in_the_same_batch(db: sqlite_utils.Database,
                                                                        w: Any) -> None:
    remove(db, w.staff_st11, "mentee", w.mentee_unpaired)
    outcomes = apply_mutations(db, w.staff_st11, [
        mutations.upsert("pairing", {"status": "closed", "end_date": "2026-11-25", "outcome": "stable"},
                         w.pairing1, base_version=row(db, "pairing", w.pairing1)["version"]),
        mutations.delete("mentee", w.mentee1, base_version=row(db, "mentee", w.mentee1)["version"]),
    ])
    assert [o.status for o in outcomes] == ["applied", "applied"], [o.answer() for o in outcomes]
    assert row(db, "mentee", w.mentee1)["deleted"]
