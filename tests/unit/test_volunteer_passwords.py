"""A volunteer (role ``mentor``) has no password whoever writes the account: the admin page, a
station's page or import, the CLI or a script calling ``sync.users`` directly. Their phone enrols
with a 登记码 and unlocks with a PIN, so the write refuses a password rather than keep one nobody
can use (or drop one its caller believes was set)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlite_utils

from sync import NotAllowed, transaction
from sync.system import SYSTEM
from sync.users import create_user, get_user, save_user
from tests.factories import copy_county


@pytest.fixture
def w(db: sqlite_utils.Database) -> SimpleNamespace:
    return copy_county(db)


def count_users(db: sqlite_utils.Database) -> int:
    return int(db.execute("SELECT count(*) FROM users").fetchone()[0])


def test_a_volunteer_created_with_a_password_is_refused_and_nothing_is_written(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    before = count_users(db)
    with pytest.raises(NotAllowed, match="志愿者的账号不设密码"), transaction(db):
        create_user(db, login="li.laoshi", name="李老师", role="mentor", unit_id=w.st11, password_hash="argon2-hash")
    assert count_users(db) == before and get_user(db, login="li.laoshi") is None


def test_a_password_set_on_a_volunteer_is_refused_and_the_account_keeps_none(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    for actor in (SYSTEM, w.admin, w.staff_st11):
        with pytest.raises(NotAllowed, match="登记码"), transaction(db):
            save_user(db, actor, {"password_hash": "argon2-hash"}, user_id=w.mentor1.user_id)
    assert get_user(db, user_id=w.mentor1.user_id)["password_hash"] is None  # type: ignore[index]


def test_an_account_made_a_volunteer_with_a_new_password_in_the_same_write_is_refused(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    with pytest.raises(NotAllowed, match="不设密码"), transaction(db):
        save_user(db, w.admin, {"role": "mentor", "password_hash": "argon2-hash"}, user_id=w.staff_st12.user_id)
    assert get_user(db, user_id=w.staff_st12.user_id)["role"] == "staff"  # type: ignore[index]


def test_an_account_made_a_volunteer_loses_the_password_of_its_old_role(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    with transaction(db):
        save_user(db, w.admin, {"password_hash": "argon2-hash"}, user_id=w.staff_st12.user_id)
        save_user(db, w.admin, {"role": "mentor"}, user_id=w.staff_st12.user_id)
    user = get_user(db, user_id=w.staff_st12.user_id)
    assert user is not None and user["password_hash"] is None and not user["must_change_password"]


def test_a_volunteer_created_without_a_password_is_written(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    with transaction(db):
        uid = create_user(db, login="li.laoshi", name="李老师", role="mentor", unit_id=w.st11)
    user = get_user(db, user_id=uid)
    assert user is not None and user["password_hash"] is None and not user["must_change_password"]
