"""A child's code (mentees.code, BX-2026-0001) names one child county-wide: the county's pages,
archives and exports show only the code. Every writer (a staff web form, a staff phone's push, an
API client) is refused a second live child with a code in use, or an edit giving a child another
live child's code; only the Excel import checked it before (server/imports/mentees.py)."""
from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
import sqlite_utils

from sync import new_id
from tests.factories import copy_county, delete, mutate, pull_all, push, row, upsert


@pytest.fixture
def w(db: sqlite_utils.Database) -> Iterator[SimpleNamespace]:
    yield copy_county(db)


def code_of(db: sqlite_utils.Database, record_id: str) -> str:
    return str(db.execute("SELECT code FROM mentees WHERE id = ?", [record_id]).fetchone()[0])


def live_with(db: sqlite_utils.Database, code: str) -> int:
    return int(db.execute("SELECT count(*) FROM mentees WHERE trim(code) = ? AND deleted = 0", [code]).fetchone()[0])


def test_a_child_registered_with_a_code_another_live_child_holds_is_refused(
    db: sqlite_utils.Database, w: SimpleNamespace
) -> None:
    """Station 2-1's phone registers a child under the code of station 1-1's 小明 (spaces around it);
    the sentence names the code only, never the other child nor their station."""
    code = code_of(db, w.mentee1)
    (answer,) = push(db, w.staff_st21, upsert("mentee", new_id(), {"unit_id": w.st21, "code": f" {code}  ",
                                                                   "name": "小华"}, 1))
    assert answer["status"] == "rejected", answer
    assert code in answer["reason"] and "已被另一个孩子使用" in answer["reason"]
    assert "小明" not in answer["reason"] and "站" not in answer["reason"]
    assert live_with(db, code) == 1


def test_an_edit_giving_a_child_another_live_childs_code_is_refused(db: sqlite_utils.Database,
                                                                    w: SimpleNamespace) -> None:
    code = code_of(db, w.mentee2)
    (answer,) = push(db, w.staff_st11, upsert("mentee", w.mentee1, {"code": code}, 1, base_version=1))
    assert answer["status"] == "rejected", answer
    assert code in answer["reason"]
    assert code_of(db, w.mentee1) != code


def test_two_children_created_with_one_code_in_one_batch_keep_only_the_first(
    db: sqlite_utils.Database, w: SimpleNamespace
) -> None:
    first, second = new_id(), new_id()
    answers = push(db, w.staff_town1, upsert("mentee", first, {"unit_id": w.st11, "code": "BX-2026-0901"}, 1),
                    upsert("mentee", second, {"unit_id": w.st12, "code": "BX-2026-0901 "}, 2))
    assert [a["status"] for a in answers] == ["applied", "rejected"], answers
    assert row(db, "mentee", second) is None and live_with(db, "BX-2026-0901") == 1


def test_a_code_freed_earlier_in_the_batch_may_be_given_to_another_child(
    db: sqlite_utils.Database, w: SimpleNamespace
) -> None:
    """The batch's own change counts as it is now: 小明 took a new code, so his old one is free."""
    old = code_of(db, w.mentee1)
    new = new_id()
    answers = push(db, w.staff_st11, upsert("mentee", w.mentee1, {"code": "BX-2026-0902"}, 1, base_version=1),
                   upsert("mentee", new, {"unit_id": w.st11, "code": old}, 2))
    assert [a["status"] for a in answers] == ["applied", "applied"], answers
    assert code_of(db, new) == old and live_with(db, old) == 1


def test_a_deleted_childs_code_does_not_block_the_write_rule(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    """Deleted children keep their codes (no UNIQUE index); only live ones are counted."""
    code = code_of(db, w.mentee_unpaired)
    (gone,) = push(db, w.staff_st11, delete("mentee", w.mentee_unpaired, 1, base_version=1))
    assert gone["status"] == "applied", gone
    mutate(db, w.staff_st11, "mentee", {"unit_id": w.st11, "code": code})
    assert live_with(db, code) == 1


def test_a_child_already_sharing_a_code_is_still_edited_in_other_fields(db: sqlite_utils.Database,
                                                                        w: SimpleNamespace) -> None:
    """Two rows stored before the rule with one code: an edit that leaves the code alone is taken
    (staff must be able to keep the file up to date while they sort the codes out)."""
    db.execute("UPDATE mentees SET code = ? WHERE id = ?", [code_of(db, w.mentee1), w.mentee2])
    (answer,) = push(db, w.staff_st11, upsert("mentee", w.mentee2, {"notes": "复查"}, 1, base_version=1))
    assert answer["status"] == "applied", answer


def test_the_code_probe_reads_the_index_by_code(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        mutate(db, w.staff_st11, "mentee", {"unit_id": w.st11, "code": "BX-2026-0903"})
    finally:
        db.conn.set_trace_callback(None)
    (probe,) = [s for s in statements if "trim(code)" in s]
    plan = [str(r[3]) for r in db.execute("EXPLAIN QUERY PLAN " + probe).fetchall()]
    assert plan == ["SEARCH mentees USING INDEX idx_mentees_code (<expr>=?)"], plan


@pytest.mark.parametrize("typed", [
    "BX-2026-0904\u3000",  # a full-width space, as a Chinese input method types one
    "\tBX-2026-0904",  # a tab pasted from a sheet
    "\uff22\uff38-2026-0904",  # ＢＸ typed in full-width mode
    "BX\uff0d2026\uff0d0904",  # full-width hyphens
    "BX-2026- 0904",
])
def test_a_code_differing_only_by_width_or_whitespace_is_the_same_code_and_refused(
    db: sqlite_utils.Database, w: SimpleNamespace, typed: str
) -> None:
    mutate(db, w.staff_st11, "mentee", {"unit_id": w.st11, "code": "BX-2026-0904"})
    (answer,) = push(db, w.staff_st21, upsert("mentee", new_id(), {"unit_id": w.st21, "code": typed,
                                                                   "name": "小华"}, 1))
    assert answer["status"] == "rejected", answer
    assert "BX-2026-0904" in answer["reason"] and "已被另一个孩子使用" in answer["reason"]
    assert db.execute("SELECT count(*) FROM mentees WHERE deleted = 0 AND code LIKE '%2026%0904%'").fetchone()[0] == 1


def test_a_code_is_stored_in_its_one_written_form_and_a_phone_pulls_that_form(
    db: sqlite_utils.Database, w: SimpleNamespace
) -> None:
    child = new_id()
    typed = "\uff22\uff38-2026-0905\u3000"
    (answer,) = push(db, w.staff_st11, upsert("mentee", child, {"unit_id": w.st11, "code": typed, "name": "小华"}, 1))
    assert answer["status"] == "applied", answer
    assert code_of(db, child) == "BX-2026-0905"
    held, _, _ = pull_all(db, w.staff_st11)
    assert held[("mentee", child)]["fields"]["code"] == "BX-2026-0905"
    # A code of nothing but spaces is no code.
    (blank,) = push(db, w.staff_st11, upsert("mentee", child, {"code": "\u3000\t"}, 2, base_version=1))
    assert blank["status"] == "rejected" and "编号" in blank["reason"]
    assert code_of(db, child) == "BX-2026-0905"


def test_a_code_stored_before_the_rule_with_odd_spaces_may_be_corrected_to_its_plain_form(
    db: sqlite_utils.Database, w: SimpleNamespace
) -> None:
    db.execute("UPDATE mentees SET code = 'BX-2026-0906\u3000' WHERE id = ?", [w.mentee2])
    (answer,) = push(db, w.staff_st11, upsert("mentee", w.mentee2, {"code": "BX-2026-0906"}, 1, base_version=1))
    assert answer["status"] == "applied", answer
    assert code_of(db, w.mentee2) == "BX-2026-0906"


@pytest.mark.parametrize("code", ["32062320150305001X", " 320623201503050011 ", "320623150305001",
                                  "G320623201503050011", "G32062320150305001x"])
def test_a_child_given_an_id_card_number_as_code_is_refused_by_every_writer(
    db: sqlite_utils.Database, w: SimpleNamespace, code: str
) -> None:
    """The code stands in for the child's name on the county's pages: an ID number there would show
    it to every reviewer. The sentence does not repeat the number."""
    child = new_id()
    (created,) = push(db, w.staff_st11, upsert("mentee", child, {"unit_id": w.st11, "code": code, "name": "小华"}, 1))
    assert created["status"] == "rejected" and "编号不能用身份证号" in created["reason"], created
    assert code.strip() not in created["reason"] and row(db, "mentee", child) is None
    (edited,) = push(db, w.staff_st11, upsert("mentee", w.mentee1, {"code": code}, 2, base_version=1))
    assert edited["status"] == "rejected" and code_of(db, w.mentee1) != code
