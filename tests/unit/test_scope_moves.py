"""Moves no drop list can express: a school moved to another town, a staff account moved to another
unit. A device that pulled before such a move is told to pull from the start (``cursor_invalid``),
and that pull holds exactly the new scope; a volunteer with children in one town does not move to
another; a record's conflicts move with its unit."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlite_utils

from sync import CursorInvalid, NotAllowed, apply_mutations, mutations, pull_changes, transaction
from sync.users import save_user
from tests.factories import copy_county, make_user, mutate, pull_all, row


@pytest.fixture
def w(db: sqlite_utils.Database) -> SimpleNamespace:
    return copy_county(db)


def cursors(db: sqlite_utils.Database, *actors: object) -> list[str]:
    return [pull_all(db, actor)[2] for actor in actors]  # type: ignore[arg-type]


def move_unit(db: sqlite_utils.Database, w: SimpleNamespace, unit_id: str, parent_id: str) -> None:
    version = row(db, "unit", unit_id)["version"]
    mutate(db, w.admin, "unit", {"parent_id": parent_id}, unit_id, version)


def test_a_school_moved_to_another_town_makes_both_towns_phones_pull_again_and_get_their_new_scope(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    mentee = mutate(db, w.staff_st12, "mentee", {"unit_id": w.st12, "code": "M-ST12", "name": "小军"})
    old_town, new_town, mentor = cursors(db, w.staff_town1, w.staff_town2, w.mentor1)
    move_unit(db, w, w.st12, w.town2)
    for staff, cursor in ((w.staff_town1, old_town), (w.staff_town2, new_town)):
        with pytest.raises(CursorInvalid, match="从头同步"):
            pull_changes(db, staff, cursor)
    held_old, _, again = pull_all(db, w.staff_town1)
    held_new, _, _ = pull_all(db, w.staff_town2)
    assert ("mentee", mentee) not in held_old and ("unit", w.st12) not in held_old
    assert ("mentee", mentee) in held_new and ("unit", w.st12) in held_new
    # After the pull from the start the cursor is good again; a volunteer's copy never depended on towns.
    assert pull_changes(db, w.staff_town1, again).changes == []
    assert pull_changes(db, w.mentor1, mentor).changes == []


def test_a_staff_account_moved_to_another_unit_pulls_its_new_scope_from_the_start(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    moved, other = cursors(db, w.staff_st11, w.staff_st21)
    with transaction(db):
        save_user(db, w.admin, {"unit_id": w.st21}, user_id=w.staff_st11.user_id)
    with pytest.raises(CursorInvalid):
        pull_changes(db, w.staff_st11, moved)
    assert pull_changes(db, w.staff_st21, other).changes == [], "nobody else's copy is disturbed"
    now = w.staff_st11.__class__(w.staff_st11.user_id, "staff", w.st21, w.staff_st11.device_id)
    held, _, _ = pull_all(db, now)
    assert ("mentee", w.mentee3) in held and ("mentee", w.mentee1) not in held


def test_a_volunteer_visiting_children_in_one_town_is_not_moved_to_another(db: sqlite_utils.Database,
                                                                          w: SimpleNamespace) -> None:
    with pytest.raises(NotAllowed, match="进行中的结对"), transaction(db):
        save_user(db, w.admin, {"unit_id": w.st21}, user_id=w.mentor1.user_id)
    assert db.execute("SELECT unit_id FROM users WHERE id = ?", [w.mentor1.user_id]).fetchone()[0] == w.st11
    with transaction(db):  # within the town, from the station to the school, the move is free
        save_user(db, w.admin, {"unit_id": w.st12}, user_id=w.mentor1.user_id)
    version = row(db, "pairing", w.pairing1)["version"]
    mutate(db, w.staff_st11, "pairing", {"status": "closed", "end_date": "2026-11-30"}, w.pairing1, version)
    with transaction(db):  # with the pairing ended, the move to another town is free too
        save_user(db, w.admin, {"unit_id": w.st21}, user_id=w.mentor1.user_id)


def test_a_volunteer_visiting_children_does_not_change_role(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    # A pairing's volunteer must be a volunteer: the write path refuses any other for a new pairing.
    for role in ("staff", "reviewer", "admin"):
        with pytest.raises(NotAllowed, match="进行中的结对"), transaction(db):
            save_user(db, w.admin, {"role": role}, user_id=w.mentor1.user_id)
    assert db.execute("SELECT role FROM users WHERE id = ?", [w.mentor1.user_id]).fetchone()[0] == "mentor"
    version = row(db, "pairing", w.pairing1)["version"]
    mutate(db, w.staff_st11, "pairing", {"status": "closed", "end_date": "2026-11-30"}, w.pairing1, version)
    with transaction(db):  # with the pairing ended, the volunteer may take up another role
        save_user(db, w.admin, {"role": "staff"}, user_id=w.mentor1.user_id)


def test_an_events_conflicts_move_with_the_event_to_its_new_unit(db: sqlite_utils.Database,
                                                                w: SimpleNamespace) -> None:
    version = row(db, "event", w.event1)["version"]
    mutate(db, w.staff_st11, "event", {"notes": "站里写的"}, w.event1, version)
    (clash,) = apply_mutations(db, w.staff_town1, [mutations.upsert("event", {"notes": "街道写的"}, w.event1,
                                                                     base_version=version)])
    assert clash.status == "conflict"
    mutate(db, w.staff_town1, "event", {"unit_id": w.st12}, w.event1, row(db, "event", w.event1)["version"])
    assert db.execute("SELECT unit_id FROM sync_conflicts WHERE record_id = ?", [w.event1]).fetchall() == [(w.st12,)]


def test_the_last_active_admin_is_neither_demoted_nor_stopped(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    for change in ({"role": "staff"}, {"active": False}):
        with pytest.raises(NotAllowed, match="最后一个在用的管理员"), transaction(db):
            save_user(db, w.admin, change, user_id=w.admin.user_id)
    second = make_user(db, "admin", w.county, name="第二个管理员")
    with transaction(db):  # with another admin, one of them may go
        save_user(db, w.admin, {"role": "staff"}, user_id=second.user_id)
    with pytest.raises(NotAllowed, match="最后一个在用的管理员"), transaction(db):  # and then not the other
        save_user(db, second, {"role": "staff"}, user_id=w.admin.user_id)
