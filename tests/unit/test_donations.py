"""爱心捐助 (donations, Rudong notice 三: 捐物捐款): the rules the write path holds every writer to.

A donation belongs to the child's unit (derived from the mentee, like a referral), is written by the
child's staff only, gives money or goods that are named and counted, is dated today or before, and
never reaches a volunteer's phone.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import sqlite_utils

from sync import apply_mutations, mutations, new_id
from sync.entities import DONATION_MAX_FEN
from tests.factories import copy_county, make_user, mutate, pull_all, row


@pytest.fixture
def w(db: sqlite_utils.Database) -> SimpleNamespace:
    return copy_county(db)


def give(db: sqlite_utils.Database, actor: Any, fields: dict[str, Any], record_id: str | None = None,
         base_version: int | None = None) -> Any:
    (outcome,) = apply_mutations(db, actor, [mutations.upsert("donation", fields, record_id or new_id(),
                                                              base_version=base_version)])
    return outcome


def test_a_donation_takes_the_unit_of_the_child_and_the_writer_as_author(db: sqlite_utils.Database,
                                                                          w: SimpleNamespace) -> None:
    rid = mutate(db, w.staff_town1, "donation", {"mentee_id": w.mentee2, "date": "2026-11-03",
                                                  "amount_fen": 50_050, "donor": "县老干部局离退休干部",
                                                  "handed_by": w.mentor2.user_id})
    stored = row(db, "donation", rid)
    assert (stored["unit_id"], stored["author_id"], stored["amount_fen"]) == (w.st11, w.staff_town1.user_id, 50_050)


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({}, "amount_fen", "至少要有捐款或捐物"),
    ({"amount_fen": 0}, "amount_fen", "至少要有捐款或捐物"),
    ({"goods": "冬衣"}, "items", "请填写捐物件数"),
    ({"goods": "冬衣", "items": 0}, "items", "请填写捐物件数"),
    ({"items": 3}, "goods", "请写明捐的是什么"),
    ({"amount_fen": -100}, "amount_fen", "捐款"),
    ({"amount_fen": DONATION_MAX_FEN + 1}, "amount_fen", "捐款"),
    ({"amount_fen": 100, "date": "2099-01-01"}, "date", "不能晚于今天"),
])
def test_a_donation_gives_money_or_named_counted_goods_on_a_day_already_past(
        db: sqlite_utils.Database, w: SimpleNamespace, fields: dict[str, Any], field: str, words: str) -> None:
    outcome = give(db, w.staff_st11, {"mentee_id": w.mentee1, "date": "2026-11-03", **fields})
    assert outcome.status == "rejected" and words in (outcome.reason or ""), outcome.answer()
    assert outcome.refused_field == field
    assert db.execute("SELECT count(*) FROM donations").fetchone() == (0,)


def test_a_donation_for_a_child_of_another_town_is_not_found_as_any_record_is(db: sqlite_utils.Database,
                                                                             w: SimpleNamespace) -> None:
    outcome = give(db, w.staff_st11, {"mentee_id": w.mentee3, "date": "2026-11-03", "amount_fen": 100})
    assert outcome.status == "rejected" and (outcome.reason or "").startswith("找不到帮扶对象："), outcome.answer()


def test_a_donation_is_handed_over_by_a_volunteer_or_staff_member_the_writer_may_see(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    base = {"mentee_id": w.mentee1, "date": "2026-11-03", "amount_fen": 100}
    other_town = give(db, w.staff_st11, {**base, "handed_by": w.mentor3.user_id})
    assert other_town.status == "rejected" and "找不到这位转交人：" in (other_town.reason or "")
    assert w.mentor3.user_id not in (other_town.reason or ""), "the id sent is not repeated (sync-protocol §11)"
    assert "它" not in (other_town.reason or ""), "a person is not called 它"
    reviewer = make_user(db, "reviewer", w.st11, name="县里的人")
    not_a_hand = give(db, w.staff_st11, {**base, "handed_by": reviewer.user_id})
    assert not_a_hand.status == "rejected" and "转交人应是在册的五老志愿者或工作人员" in (not_a_hand.reason or "")
    assert give(db, w.staff_st11, {**base, "handed_by": w.mentor1.user_id}).status == "applied"
    assert give(db, w.staff_st11, {**base, "handed_by": w.staff_st11.user_id}).status == "applied"


def test_a_donation_is_edited_with_its_version_and_deleted_softly(db: sqlite_utils.Database,
                                                                  w: SimpleNamespace) -> None:
    rid = mutate(db, w.staff_st11, "donation", {"mentee_id": w.mentee1, "date": "2026-11-03", "amount_fen": 100})
    assert give(db, w.staff_st11, {"amount_fen": 20_000}, rid, 1).status == "applied"
    moved = give(db, w.staff_st11, {"mentee_id": w.mentee2}, rid, 2)
    assert moved.status == "rejected" and "不能更改“帮扶对象”" in (moved.reason or "")
    (gone,) = apply_mutations(db, w.staff_st11, [mutations.delete("donation", rid, base_version=2)])
    assert gone.status == "applied"
    assert (row(db, "donation", rid) or {})["deleted"] == 1


def test_a_donation_moves_with_its_child_to_another_school(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    rid = mutate(db, w.staff_st11, "donation", {"mentee_id": w.mentee1, "date": "2026-11-03", "amount_fen": 100})
    version = row(db, "mentee", w.mentee1)["version"]
    mutate(db, w.staff_town1, "mentee", {"unit_id": w.st12}, w.mentee1, base_version=version)
    assert row(db, "donation", rid)["unit_id"] == w.st12


def test_a_volunteer_phone_never_holds_a_donation(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    mutate(db, w.staff_st11, "donation", {"mentee_id": w.mentee1, "date": "2026-11-03", "goods": "书包",
                                          "items": 1, "handed_by": w.mentor1.user_id})
    held, _, _ = pull_all(db, w.mentor1)
    assert ("mentee", w.mentee1) in held and not any(entity == "donation" for entity, _ in held)
    written = give(db, w.mentor1, {"mentee_id": w.mentee1, "date": "2026-11-03", "amount_fen": 100})
    assert written.status == "rejected"
