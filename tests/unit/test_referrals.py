"""Referrals (转介, Kaizhou notice 五(三)): the rules the write path holds every writer to.

A referral belongs to the child's unit (derived from the mentee, like a screening), is kept by
staff, follows referred → received → concluded with the matching dates in order, and never
reaches a volunteer's phone.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import sqlite_utils

from sync import apply_mutations, mutations, new_id
from tests.factories import copy_county, mutate, pull_all, row


@pytest.fixture
def w(db: sqlite_utils.Database) -> SimpleNamespace:
    return copy_county(db)


def refer(db: sqlite_utils.Database, actor: Any, fields: dict[str, Any], record_id: str | None = None,
          base_version: int | None = None) -> Any:
    (outcome,) = apply_mutations(db, actor, [mutations.upsert("referral", fields, record_id or new_id(),
                                                              base_version=base_version)])
    return outcome


def test_a_referral_takes_the_unit_of_the_child_and_the_writer_as_author(db: sqlite_utils.Database,
                                                                          w: SimpleNamespace) -> None:
    rid = mutate(db, w.staff_town1, "referral", {"mentee_id": w.mentee2, "target": "counselling_room",
                                                  "referred_on": "2026-11-03"})
    stored = row(db, "referral", rid)
    assert (stored["unit_id"], stored["author_id"], stored["status"]) == (w.st11, w.staff_town1.user_id, "referred")


@pytest.mark.parametrize(("fields", "reason"), [
    ({"status": "received"}, "请填写接收日期"),
    ({"status": "concluded", "received_on": "2026-11-05"}, "请填写结束日期"),
    ({"received_on": "2026-11-01"}, "接收日期（2026年11月1日）不能早于转介日期（2026年11月2日）"),
    ({"received_on": "2026-11-09", "concluded_on": "2026-11-08"}, "结束日期（2026年11月8日）不能早于接收日期"),
    ({"concluded_on": "2026-10-30"}, "结束日期（2026年10月30日）不能早于转介日期"),
])
def test_a_referral_status_needs_its_date_and_dates_run_in_order(db: sqlite_utils.Database, w: SimpleNamespace,
                                                                 fields: dict[str, Any], reason: str) -> None:
    before = row(db, "referral", w.referral1)
    outcome = refer(db, w.staff_st11, fields, w.referral1, before["version"])
    assert outcome.status == "rejected" and reason in (outcome.reason or ""), outcome.answer()
    assert row(db, "referral", w.referral1) == before


def test_a_referral_is_tracked_to_its_conclusion(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    version = row(db, "referral", w.referral1)["version"]
    assert refer(db, w.staff_st11, {"status": "received", "received_on": "2026-11-06"}, w.referral1,
                 version).status == "applied"
    concluded = {"status": "concluded", "concluded_on": "2026-12-01", "outcome": "门诊复诊三次，情绪平稳"}
    assert refer(db, w.staff_st11, concluded, w.referral1, version + 1).status == "applied"
    stored = row(db, "referral", w.referral1)
    assert (stored["status"], stored["received_on"], stored["concluded_on"]) == ("concluded", "2026-11-06",
                                                                                  "2026-12-01")


def test_a_referral_stays_with_its_child(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    version = row(db, "referral", w.referral1)["version"]
    outcome = refer(db, w.staff_st11, {"mentee_id": w.mentee2}, w.referral1, version)
    assert outcome.status == "rejected" and "不能更改“帮扶对象”" in (outcome.reason or "")


def test_a_volunteer_phone_never_holds_a_referral_nor_is_told_to_drop_one(db: sqlite_utils.Database,
                                                                          w: SimpleNamespace) -> None:
    held, _, cursor = pull_all(db, w.mentor1)
    assert ("mentee", w.mentee1) in held and not any(entity == "referral" for entity, _ in held)
    # the pairing ends: the phone drops the child's records, and is not told about the referral
    version = row(db, "pairing", w.pairing1)["version"]
    mutate(db, w.staff_st11, "pairing", {"status": "closed", "end_date": "2026-11-30", "outcome": "referred"},
           w.pairing1, base_version=version)
    _, drops, _ = pull_all(db, w.mentor1, cursor)
    assert ("mentee", w.mentee1) in drops and not any(entity == "referral" for entity, _ in drops)


def test_a_volunteer_cannot_write_a_referral_even_for_their_own_mentee(db: sqlite_utils.Database,
                                                                       w: SimpleNamespace) -> None:
    outcome = refer(db, w.mentor1, {"mentee_id": w.mentee1, "target": "medical", "referred_on": "2026-11-03"})
    assert outcome.status == "rejected"
    assert db.execute("SELECT count(*) FROM referrals").fetchone()[0] == 1
