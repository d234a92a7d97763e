"""A telephone typed with a Chinese input method's full-width digits (１３８…) is stored in ASCII by
every writer (``sync.phones.phone_form``): the volunteer's phone app, a station's web form, the
admin's account form. Its spaces and dashes stay where they were typed; a contact's words stay as
written. The phone pulls the stored form (the wire contract is unchanged)."""
from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
import sqlite_utils

from sync.phones import phone_form
from sync.users import create_user, save_user
from tests.factories import copy_county, mutate, pull_all, push, row, upsert

FULL_WIDTH = "１３９　０５１３－７７７７"  # as the IME's full-width mode types 139 0513-7777
STORED = "139 0513-7777"


@pytest.fixture
def w(db: sqlite_utils.Database) -> Iterator[SimpleNamespace]:
    yield copy_county(db)


@pytest.mark.parametrize(("typed", "stored"), [
    ("１３８１２３４５６７８", "13812345678"), (FULL_WIDTH, STORED),
    ("＋８６ １３８１２３４５６７８", "+86 13812345678"),
    ("　13812345678 ", "13812345678"), ("0513-8888 6666 转 123", "0513-8888 6666 转 123"),
    ("王医生（心理门诊）０５１３－８１２３４５６７", "王医生（心理门诊）0513-81234567"), ("", ""),
    ("⑩号楼 ０５１３－１２３", "⑩号楼 0513-123"), ("㉑" * 3, "㉑" * 3),  # circled numbers: markers, never two digits
])
def test_a_phone_is_stored_with_its_full_width_digits_in_ascii_and_its_words_as_typed(typed: str, stored: str) -> None:
    assert phone_form(typed) == stored


def test_a_full_width_phone_from_the_phone_app_is_stored_in_ascii_and_the_phone_pulls_that_form(
    db: sqlite_utils.Database, w: SimpleNamespace
) -> None:
    (answer,) = push(db, w.mentor1, upsert("mentee", w.mentee1, {"guardian_contact": FULL_WIDTH}, 1, base_version=1))
    assert answer["status"] == "applied", answer
    assert (row(db, "mentee", w.mentee1) or {})["guardian_contact"] == STORED
    held, _, _ = pull_all(db, w.mentor1)
    assert held[("mentee", w.mentee1)]["fields"]["guardian_contact"] == STORED
    # The same number sent again as typed changes nothing: it is the stored number.
    version = (row(db, "mentee", w.mentee1) or {})["version"]
    (again,) = push(db, w.mentor1, upsert("mentee", w.mentee1, {"guardian_contact": FULL_WIDTH}, 2,
                                         base_version=version))
    assert again["status"] == "applied" and (row(db, "mentee", w.mentee1) or {})["version"] == version


@pytest.mark.parametrize(("entity", "field"), [("unit", "phone"), ("mentee", "guardian_contact"),
                                               ("referral", "contact")])
def test_every_phone_field_a_station_writes_is_stored_in_ascii(
    db: sqlite_utils.Database, w: SimpleNamespace, entity: str, field: str
) -> None:
    record_id = {"unit": w.st11, "mentee": w.mentee1, "referral": w.referral1}[entity]
    mutate(db, w.staff_st11, entity, {field: FULL_WIDTH}, record_id, (row(db, entity, record_id) or {})["version"])
    assert (row(db, entity, record_id) or {})[field] == STORED


def test_a_statistics_returns_phone_is_stored_in_ascii(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    rid = mutate(db, w.staff_st11, "stats_return", {"unit_id": w.st11, "period_from": "2026-10-01",
                                                    "period_to": "2026-10-31", "phone": FULL_WIDTH})
    assert (row(db, "stats_return", rid) or {})["phone"] == STORED


def test_an_accounts_full_width_phone_is_stored_in_ascii(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    uid = create_user(db, login="zhao.laoshi", name="赵老师", role="mentor", unit_id=w.st11, phone=FULL_WIDTH)
    assert db.execute("SELECT phone FROM users WHERE id = ?", [uid]).fetchone()[0] == STORED
    save_user(db, w.staff_st11, {"phone": "１３８１２３４５６７８"}, user_id=uid)
    assert db.execute("SELECT phone FROM users WHERE id = ?", [uid]).fetchone()[0] == "13812345678"
