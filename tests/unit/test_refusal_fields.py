"""A refusal about one field says which (``Refusal.field``), so a web form marks that field even when
the words do not quote its label ("日期写的是以后的日子…"); the field stays off the wire answer."""
from __future__ import annotations

import datetime
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import sqlite_utils

from sync import Actor, apply_mutations, mutations, new_id
from sync.timeutil import local_today
from tests.factories import copy_county, make_activity, mutate, row

LATER = (local_today() + datetime.timedelta(days=40)).isoformat()


@pytest.fixture
def w(db: sqlite_utils.Database) -> Iterator[SimpleNamespace]:
    yield copy_county(db)


def refused_field(db: sqlite_utils.Database, actor: Actor, entity: str, fields: dict[str, Any],
                  record_id: str | None = None) -> str | None:
    current = row(db, entity, record_id) if record_id else None
    base = current["version"] if current else None
    (outcome,) = apply_mutations(db, actor, [mutations.upsert(entity, fields, record_id or new_id(),
                                                                base_version=base)])
    assert outcome.status == "rejected", outcome.answer()
    return outcome.refused_field


def visit(w: SimpleNamespace, **fields: Any) -> dict[str, Any]:
    return {"pairing_id": w.pairing1, "kind": "home_visit", "date": "2026-11-20", "record": "家访", **fields}


def test_a_visits_refused_dates_are_tied_to_the_date_they_are_about(db: sqlite_utils.Database,
                                                                     w: SimpleNamespace) -> None:
    staff = w.staff_st11
    assert refused_field(db, staff, "activity", visit(w, date=LATER)) == "date"
    assert refused_field(db, staff, "activity", visit(w, date="2026-08-31")) == "date"
    assert refused_field(db, staff, "activity", visit(w, follow_up_due="2026-11-19")) == "follow_up_due"
    assert refused_field(db, staff, "activity", visit(w, pairing_id=new_id())) == "pairing_id"
    assert refused_field(db, staff, "activity", visit(w, duration_min=-5)) == "duration_min"
    assert refused_field(db, staff, "activity", {"risk_action_on": LATER}, w.activity1) == "risk_action_on"


def test_a_pairings_refused_dates_are_tied_to_the_date_this_change_moved(db: sqlite_utils.Database,
                                                                         w: SimpleNamespace) -> None:
    staff = w.staff_st11
    make_activity(db, w.mentor1, w.pairing1, date="2026-09-10")
    assert refused_field(db, staff, "pairing", {"start_date": "2026-09-20"}, w.pairing1) == "start_date"
    assert refused_field(db, staff, "pairing", {"status": "closed", "end_date": LATER}, w.pairing1) == "end_date"
    assert refused_field(db, staff, "pairing", {"status": "closed", "end_date": "2026-08-01"},
                         w.pairing1) == "end_date"
    assert refused_field(db, staff, "pairing", {"start_date": "2026-12-01", "end_date": "2026-11-01"},
                         w.pairing1) == "start_date"
    assert refused_field(db, staff, "pairing", {"mentor_id": w.mentor1.user_id, "mentee_id": w.mentee1,
                                                "start_date": "2026-09-01", "approach": "fuxin"}) == "mentor_id"


def test_other_rules_name_their_field(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    staff = w.staff_st11
    taken = row(db, "mentee", w.mentee1)["code"]
    assert refused_field(db, staff, "mentee", {"code": taken}, w.mentee2) == "code"
    assert refused_field(db, staff, "mentee", {"code": "320623201001011234"}, w.mentee2) == "code"
    assert refused_field(db, staff, "mentee", {"unit_id": w.town1, "code": "X-1", "name": "小东"}) == "unit_id"
    assert refused_field(db, staff, "referral", {"received_on": "2026-11-01", "status": "received"},
                         w.referral1) == "received_on"
    assert refused_field(db, staff, "referral", {"status": "concluded"}, w.referral1) == "concluded_on"
    twice = {"unit_id": w.st11, "year": 2026, "students": 1, "parents": 1}
    assert refused_field(db, staff, "enrolment", twice) == "year"
    assert refused_field(db, staff, "event", {"unit_id": w.st11, "kind": "lecture", "audience": "students",
                                              "date": LATER, "participants": 10}) == "date"
    assert refused_field(db, w.reviewer, "inspection", {"rectify_due": "2026-10-01"}, w.inspection1) == "rectify_due"
    assert refused_field(db, w.admin, "unit", {"parent_id": w.st11}, w.town1) == "parent_id"
    assert refused_field(db, staff, "activity", {"author_id": staff.user_id}, w.activity1) == "author_id"


def test_the_field_is_not_part_of_the_wire_answer(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    (outcome,) = apply_mutations(db, w.staff_st11, [mutations.upsert("activity", visit(w, date=LATER), new_id())])
    assert outcome.refused_field == "date"
    assert set(outcome.answer()) == {"mutation_id", "status", "version", "reason", "entity", "record_id"}
    mutate(db, w.staff_st11, "activity", visit(w))  # the same form, dated right, is taken


def test_a_refusal_about_a_field_the_form_lacks_says_on_top_which_field_it_is_about(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    from server.forms import refusal_errors
    from sync.entities import ENTITIES

    (outcome,) = apply_mutations(db, w.staff_st11, [mutations.upsert("activity", {"date": LATER}, w.activity2,
                                                                     base_version=row(db, "activity",
                                                                                      w.activity2)["version"])])
    assert outcome.status == "rejected" and outcome.refused_field == "date"
    beside = refusal_errors(ENTITIES["activity"], outcome, ("date", "record"))
    assert beside == {"date": outcome.reason}
    on_top = refusal_errors(ENTITIES["activity"], outcome, ("risk_action", "risk_action_on"))
    assert on_top == {"_form": f"“日期”：{outcome.reason}"}
