"""Who may read and write what: every role against every entity, through pull and push.

The county: 县 → 2 towns → 2 stations/schools each. The records under test all live in
station 1-1 and belong to mentor 1's pairing; mentor 2 works in the same station.
"""
from __future__ import annotations

import pathlib
import re
import sqlite3
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import sqlite_utils

from sync import Actor, connect, migrations, new_id
from sync.scope import unit_subtree
from tests.factories import delete, end_pairing, make_county, make_unit, mutate, pull_all, push, row, upsert

ROLES = {
    "mentor": "mentor1",
    "other_mentor": "mentor2",
    "station_staff": "staff_st11",
    "sibling_station_staff": "staff_st12",
    "town_staff": "staff_town1",
    "other_town_staff": "staff_town2",
    "reviewer": "reviewer",
    "admin": "admin",
}
TARGET = {  # entity -> attribute of the world holding the record under test
    "mentee": "mentee1", "pairing": "pairing1", "activity": "activity1", "screening": "screening1",
    "event": "event1", "enrolment": "enrolment1", "stats_return": "stats_return1", "review": "review1",
    "unit": "st11", "referral": "referral1", "inspection": "inspection1",
    "donation": "donation1",
}
ENTITIES = list(TARGET)
UNIT_SCOPED = {"station_staff", "town_staff", "reviewer", "admin"}  # see the whole of station 1-1
MENTOR_OWN = {"mentee", "pairing", "activity", "screening"}

READS = {role: set(ENTITIES) if role in UNIT_SCOPED else set() for role in ROLES}
READS["mentor"] = set(MENTOR_OWN)

STATION_WRITERS = {"station_staff", "town_staff", "admin"}
CHILD_WRITERS = STATION_WRITERS - {"admin"}  # the admin reads children by code only and writes no child's file
UPDATES = {
    "mentee": CHILD_WRITERS | {"mentor"},        # a mentor may edit guardian contact and notes
    "pairing": STATION_WRITERS,                   # read-only on the phone
    "activity": STATION_WRITERS | {"mentor"},
    "screening": CHILD_WRITERS,                   # screening 1 was written by staff: not the mentor's to edit
    "event": STATION_WRITERS,
    "enrolment": STATION_WRITERS,
    "stats_return": STATION_WRITERS,
    "review": set(),                              # a review is never edited, not even by admin
    "unit": STATION_WRITERS,                      # staff keep their unit's phone and address
    "referral": STATION_WRITERS,                  # kept by staff; never on a volunteer's phone
    # Inspection 1 was made by the county: not the town's to edit (it is below the inspecting unit); the
    # station reports its rectification.
    "inspection": {"station_staff", "reviewer", "admin"},
    "donation": CHILD_WRITERS,                    # staff only, as a child's file; never on a phone
}
CREATES = {
    "mentee": CHILD_WRITERS,
    "pairing": STATION_WRITERS,
    "activity": STATION_WRITERS | {"mentor"},
    "screening": CHILD_WRITERS | {"mentor"},
    "event": STATION_WRITERS,
    "enrolment": STATION_WRITERS,
    "stats_return": STATION_WRITERS,
    "review": STATION_WRITERS | {"reviewer"},    # the reviewer writes only reviews
    "unit": {"admin"},
    "referral": STATION_WRITERS,
    "inspection": {"town_staff", "reviewer", "admin"},  # a station never inspects itself
    "donation": CHILD_WRITERS,
}
DELETES = {
    "mentee": CHILD_WRITERS,
    "pairing": STATION_WRITERS,
    "activity": STATION_WRITERS | {"mentor"},
    "screening": CHILD_WRITERS,
    "event": STATION_WRITERS,
    "enrolment": STATION_WRITERS,
    "stats_return": STATION_WRITERS,
    "review": set(),
    "unit": {"admin"},
    "referral": STATION_WRITERS,
    "inspection": {"reviewer", "admin"},
    "donation": CHILD_WRITERS,
}


def update_fields(entity: str) -> dict[str, Any]:
    return {
        "mentee": {"notes": "改了备注"}, "pairing": {"goals": "改了目标"}, "activity": {"record": "改了记录"},
        "screening": {"notes": "改了备注"}, "event": {"title": "改了主题"}, "enrolment": {"students": 801},
        "stats_return": {"remarks": "改了备注"}, "review": {"comment": "改了意见"}, "unit": {"phone": "0513-8400"},
        "referral": {"institution": "县妇幼保健院"},
        "inspection": {"rectify_notes": "已安排专人值守", "fixed": ["counselling_room"]},
        "donation": {"donor": "县老干部局离退休干部"},
    }[entity]


def create_fields(entity: str, w: SimpleNamespace) -> dict[str, Any]:
    return {
        "mentee": {"unit_id": w.st11, "code": "RD-NEW", "name": "新来的"},
        "pairing": {"mentor_id": w.mentor1.user_id, "mentee_id": w.mentee_unpaired, "start_date": "2026-11-01"},
        "activity": {"pairing_id": w.pairing1, "kind": "talk", "date": "2026-11-21"},
        "screening": {"mentee_id": w.mentee1, "date": "2026-11-21", "psych_problem": True},
        "event": {"unit_id": w.st11, "kind": "parent_meeting", "audience": "parents", "date": "2026-11-21"},
        "enrolment": {"unit_id": w.st11, "year": 2027, "students": 810, "parents": 770},
        "stats_return": {"unit_id": w.st11, "period_from": "2027-01-01", "period_to": "2027-06-30"},
        "review": {"target_entity": "activity", "target_id": w.activity1, "decision": "return", "comment": "补充"},
        "unit": {"parent_id": w.town1, "name": "掘港第二小学", "kind": "school"},
        "referral": {"mentee_id": w.mentee1, "target": "counselling_room", "referred_on": "2026-11-21"},
        "inspection": {"unit_id": w.st11, "date": "2026-11-21", "inspectors": "街道关工委 陈主任",
                       "passed": ["records"]},
        "donation": {"mentee_id": w.mentee1, "date": "2026-11-21", "amount_fen": 50_000},
    }[entity]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[pathlib.Path, SimpleNamespace]]:
    path = tmp_path_factory.mktemp("county") / "county.db"
    database = connect(path)
    migrations.apply(database)
    world = make_county(database)
    world.donation1 = mutate(database, world.staff_st11, "donation", {
        "mentee_id": world.mentee1, "date": "2026-11-03", "goods": "冬衣", "items": 2})
    database.close()
    yield path, world


@pytest.fixture
def county(template: tuple[pathlib.Path, SimpleNamespace]) -> Iterator[tuple[sqlite_utils.Database, SimpleNamespace]]:
    """A private in-memory copy of the county for one test (built once per module)."""
    source_path, world = template
    source, target = sqlite3.connect(source_path), sqlite3.connect(":memory:")
    source.backup(target)
    source.close()
    target.execute("PRAGMA foreign_keys = ON")
    database = sqlite_utils.Database(target)
    yield database, world
    database.close()


def actor(w: SimpleNamespace, role: str) -> Actor:
    return getattr(w, ROLES[role])


def assert_refused(answer: dict[str, Any]) -> None:
    assert answer["status"] == "rejected", answer
    assert re.search(r"[\u4e00-\u9fff]", answer["reason"]), answer


@pytest.mark.parametrize("entity", ENTITIES)
@pytest.mark.parametrize("role", list(ROLES))
def test_read_scope(county: Any, role: str, entity: str) -> None:
    db, w = county
    held, _, _ = pull_all(db, actor(w, role))
    visible = (entity, getattr(w, TARGET[entity])) in held
    assert visible == (entity in READS[role]), f"{role} {'sees' if visible else 'does not see'} the {entity}"


@pytest.mark.parametrize("entity", ENTITIES)
@pytest.mark.parametrize("role", list(ROLES))
def test_update_scope(county: Any, role: str, entity: str) -> None:
    db, w = county
    rid = getattr(w, TARGET[entity])
    before = row(db, entity, rid)
    (answer,) = push(db, actor(w, role), upsert(entity, rid, update_fields(entity), 1, before["version"]))
    if role in UPDATES[entity]:
        assert answer["status"] == "applied", answer
        after = row(db, entity, rid)
        assert after["version"] == before["version"] + 1
        assert {k: after[k] for k in update_fields(entity)} == update_fields(entity)
    else:
        assert_refused(answer)
        assert row(db, entity, rid) == before


@pytest.mark.parametrize("entity", ENTITIES)
@pytest.mark.parametrize("role", list(ROLES))
def test_create_scope(county: Any, role: str, entity: str) -> None:
    db, w = county
    rid = new_id()
    feed_before = db.execute("SELECT max(seq) FROM sync_feed").fetchone()
    (answer,) = push(db, actor(w, role), upsert(entity, rid, create_fields(entity, w), 1))
    if role in CREATES[entity]:
        assert answer["status"] == "applied", answer
        assert row(db, entity, rid)["version"] == 1
    else:
        assert_refused(answer)
        assert row(db, entity, rid) is None
        assert db.execute("SELECT max(seq) FROM sync_feed").fetchone() == feed_before


@pytest.mark.parametrize("entity", ENTITIES)
@pytest.mark.parametrize("role", list(ROLES))
def test_delete_scope(county: Any, role: str, entity: str) -> None:
    db, w = county
    # Station 1-1 holds records, and a unit holding any is never deleted (test_held_records.py):
    # the unit deleted here is an empty station of the same town.
    rid = make_unit(db, "掘港三站", "station", w.town1) if entity == "unit" else getattr(w, TARGET[entity])
    if entity == "mentee":  # and a child only once her pairings have ended (test_held_records.py)
        end_pairing(db, w.staff_st11, w.pairing1)
    before = row(db, entity, rid)
    (answer,) = push(db, actor(w, role), delete(entity, rid, 1, before["version"]))
    if role in DELETES[entity]:
        assert answer["status"] == "applied", answer
        assert row(db, entity, rid)["deleted"]
    else:
        assert_refused(answer)
        assert row(db, entity, rid) == before


@pytest.mark.parametrize("role", list(ROLES))
def test_pull_holds_nothing_outside_the_role_scope(county: Any, role: str) -> None:
    """Beyond the one record per entity above: the whole pull stays inside the caller's scope."""
    db, w = county
    who = actor(w, role)
    held, _, _ = pull_all(db, who, limit=5)
    if role == "admin":
        total = sum(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in (
            "units", "mentees", "pairings", "activities", "screenings", "events", "enrolments", "stats_returns",
            "reviews", "referrals", "inspections", "donations"))
        assert len(held) == total
        return
    if who.role == "mentor":
        pairings = {rid for (e, rid), c in held.items() if e == "pairing"}
        mentees = {c["fields"]["mentee_id"] for (e, _), c in held.items() if e == "pairing"}
        for (entity, rid), change in held.items():
            assert entity in MENTOR_OWN, entity
            fields = change["fields"]
            if entity == "pairing":
                assert fields["mentor_id"] == who.user_id
            elif entity == "activity":
                assert fields["pairing_id"] in pairings
            elif entity == "mentee":
                assert rid in mentees
            else:
                assert fields["mentee_id"] in mentees
        return
    subtree = unit_subtree(db, who.unit_id)
    assert held, f"{role} sees nothing at all"
    for (entity, rid), change in held.items():
        unit = rid if entity == "unit" else change["fields"]["unit_id"]
        assert unit in subtree, f"{role} sees a {entity} of another unit"
