"""A login is one login however it is typed: a Chinese IME's full-width mode (``ｚｈａｎ－ｃｈａｈｅ``),
an ideographic space after it, a phone keyboard's capital first letter. ``sync.users`` stores it
folded, so every writer (the admin's and the station's pages, an import, the CLI) agrees, and no
two accounts differ only in how their login was typed."""
from __future__ import annotations

import pytest
import sqlite_utils

from sync import NotAllowed, transaction
from sync.account_values import fold_login
from sync.users import create_user, get_user
from tests.factories import make_unit


def test_a_login_typed_full_width_with_a_capital_and_a_trailing_space_is_stored_folded(
        db: sqlite_utils.Database) -> None:
    county = make_unit(db)
    with transaction(db):
        uid = create_user(db, login="Ｌｉ．ｌａｏｓｈｉ－２\u3000", name="李老师", role="mentor", unit_id=county)
    assert get_user(db, user_id=uid)["login"] == "li.laoshi-2"  # type: ignore[index]


def test_a_login_differing_only_in_width_or_case_is_taken_already(db: sqlite_utils.Database) -> None:
    county = make_unit(db)
    with transaction(db):
        create_user(db, login="li.laoshi", name="李老师", role="mentor", unit_id=county)
    with pytest.raises(NotAllowed, match="已被使用"), transaction(db):
        create_user(db, login="ＬＩ.laoshi ", name="另一位李老师", role="mentor", unit_id=county)


def test_folding_leaves_a_plain_login_and_chinese_as_they_are() -> None:
    assert fold_login("staff-bencha") == "staff-bencha"
    assert fold_login(" 张三 ") == "张三"  # still refused as a login (LOGIN_RE), with words saying why
