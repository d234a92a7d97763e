"""Importing volunteers: every new account gets its own login, the logins in use are read once, and a
volunteer already on another unit's books is never given a second account."""
from __future__ import annotations

from typing import Any

import pytest
import sqlite_utils

from server.imports.mentors import import_mentors
from sync import NotAllowed, load_scope, transaction
from sync.users import save_user

from ..factories import make_county


def test_new_volunteers_without_a_usable_phone_get_distinct_logins_read_once(db: sqlite_utils.Database) -> None:
    w: Any = make_county(db)
    phones = [f"0513-8888 6666 转 12345678{i}" for i in range(3)]  # 21 digits: too long for m + phone
    rows = [(2 + i, {"name": f"志愿者{i}", "phone": phone}) for i, phone in enumerate(phones)]
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        plan = import_mentors(db, w.staff_st11, load_scope(db, w.staff_st11), rows, update=False)
    finally:
        db.conn.set_trace_callback(None)
    assert not plan.errors, [r.errors for r in plan.rows]
    logins = [r[0] for r in db.execute("SELECT login FROM users WHERE phone LIKE '%转%' ORDER BY phone")]
    assert len(logins) == len(set(logins)) == 3 and all(login.startswith("m") for login in logins)
    assert sum("LIKE 'm%'" in s for s in statements) == 1, "the logins in use are read once per import"


def test_a_phone_of_a_volunteer_in_another_unit_is_refused_not_made_a_second_account(
        db: sqlite_utils.Database) -> None:
    w: Any = make_county(db)
    with transaction(db):
        save_user(db, w.admin, {"phone": "139 0000 1234"}, user_id=w.mentor3.user_id)  # 张老师, 栟茶 station
    accounts = db.execute("SELECT count(*) FROM users").fetchone()[0]
    rows = [(2, {"name": "张老师", "phone": "+86 13900001234"})]

    plan = import_mentors(db, w.staff_st11, load_scope(db, w.staff_st11), rows, update=False)

    (row,) = plan.rows
    assert row.errors == ["手机号 13900001234 已是别的单位一位志愿者的手机号。同一位志愿者不能有两个账号；"
                          "如果这位志愿者调到了您的单位，请县关工委在其账号里改“所属单位”。"]
    assert db.execute("SELECT count(*) FROM users").fetchone()[0] == accounts
    assert "栟茶" not in row.errors[0] and "张老师" not in row.errors[0], "names no unit and no person"
    # The town that manages his station finds the same account by the number.
    plan = import_mentors(db, w.staff_town2, load_scope(db, w.staff_town2), rows, update=False)
    assert not plan.errors and plan.rows[0].record_id == w.mentor3.user_id
    assert db.execute("SELECT count(*) FROM users").fetchone()[0] == accounts


def test_a_volunteer_name_or_phone_with_a_line_break_is_refused(db: sqlite_utils.Database) -> None:
    # An Excel cell typed with Alt+Enter: the name would break every table and the brief's picture.
    w: Any = make_county(db)
    for fields, sentence in (({"name": "张\n老师"}, "姓名只能写一行，不能换行。"),
                             ({"phone": "139\r\n0000"}, "联系电话只能写一行，不能换行。")):
        with pytest.raises(NotAllowed) as refused, transaction(db):
            save_user(db, w.admin, fields, user_id=w.mentor3.user_id)
        assert refused.value.reason == sentence
    assert db.execute("SELECT name FROM users WHERE id = ?", [w.mentor3.user_id]).fetchone() == ("张老师",)


def test_an_account_telephone_is_digits_as_people_write_them(db: sqlite_utils.Database) -> None:
    w: Any = make_county(db)
    for phone in ("0513-8888 6666", "+86 139 1234 5678", "（0513）88886666", "0513-8888 6666 转 123",
                  "１３９１２３４５６７８"):
        with transaction(db):
            save_user(db, w.admin, {"phone": phone}, user_id=w.mentor3.user_id)
    # A mobile a digit short or over (no landline starts with 1) is refused, with a country code too.
    for phone in ("找我儿子", "=HYPERLINK(\"x\")", "1234", "12345", "513 888", "139-abc-0000", "1396274510",
                  "139 1234 56789", "+86 139 1234 567"):
        with pytest.raises(NotAllowed) as refused, transaction(db):
            save_user(db, w.admin, {"phone": phone}, user_id=w.mentor3.user_id)
        assert refused.value.reason.startswith("联系电话请写手机号（11 位）或固定电话（至少 7 位数字）")
    kept = db.execute("SELECT phone FROM users WHERE id = ?", [w.mentor3.user_id]).fetchone()
    assert kept == ("13912345678",)  # stored with its full-width digits in ASCII (sync.phones.phone_form)


PHONE_WORDS = ("“手机号”请写手机号（11 位）或固定电话（至少 7 位数字），可以带区号、横线、空格，"
               "分机号写在“转”后面，例如 139 0513 7777、0513-8888 6666 转 123。")


def test_an_import_row_whose_phone_is_not_a_number_is_refused_in_the_preview(db: sqlite_utils.Database) -> None:
    w: Any = make_county(db)
    accounts = db.execute("SELECT count(*) FROM users").fetchone()[0]
    row = (2, {"name": "李老师", "phone": "问他儿子"})
    plan = import_mentors(db, w.staff_st11, load_scope(db, w.staff_st11), [row], update=False)
    assert plan.rows[0].errors == [PHONE_WORDS + "这一行填的是“问他儿子”。"]
    assert db.execute("SELECT count(*) FROM users").fetchone()[0] == accounts


def test_an_import_row_whose_phone_has_too_few_digits_is_refused_by_the_account_forms_rule(
        db: sqlite_utils.Database) -> None:
    """12345 (the citizens' hotline) was taken as a volunteer's phone by the import, and then found the
    volunteer again at the next import; the account form refuses it by the same rule (telephone_problem)."""
    w: Any = make_county(db)
    accounts = db.execute("SELECT count(*) FROM users").fetchone()[0]
    rows = [(2, {"name": "李老师", "phone": "12345"}), (3, {"name": "周老师", "phone": "８８８ ６６６"}),
            (4, {"name": "吴老师", "phone": "888 6666"}), (5, {"name": "郑老师", "phone": "139 0513 7778"})]
    plan = import_mentors(db, w.staff_st11, load_scope(db, w.staff_st11), rows, update=False)
    for refused, typed in ((plan.rows[0], "12345"), (plan.rows[1], "８８８ ６６６")):
        assert refused.errors == [f"{PHONE_WORDS}这一行填的是“{typed}”。"]
    assert plan.rows[2].errors == [] and plan.rows[3].errors == []
    assert db.execute("SELECT count(*) FROM users").fetchone()[0] == accounts


def test_an_account_keeps_a_phone_stored_before_the_rule_when_another_field_changes(db: sqlite_utils.Database) -> None:
    w: Any = make_county(db)
    db.execute("UPDATE users SET phone = '12345' WHERE id = ?", [w.mentor3.user_id])
    with transaction(db):
        save_user(db, w.admin, {"about": "退休教师"}, user_id=w.mentor3.user_id)
    assert db.execute("SELECT phone, about FROM users WHERE id = ?", [w.mentor3.user_id]).fetchone() == \
        ("12345", "退休教师")


def test_an_import_sets_a_volunteers_kind_by_its_chinese_name_and_refuses_another_in_words(
        db: sqlite_utils.Database) -> None:
    w: Any = make_county(db)
    scope = load_scope(db, w.staff_st11)
    rows = [(2, {"name": "赵老师", "phone": "13905137777", "mentor_kind": "老教师"}),
            (3, {"name": "钱老师", "phone": "13905138888", "mentor_kind": " 社会各界人士 "}),
            (4, {"name": "孙老师", "phone": "13905139999"})]
    with transaction(db):
        plan = import_mentors(db, w.staff_st11, scope, rows, update=False)
    assert not plan.errors, [r.errors for r in plan.rows]
    kinds = dict(db.execute("SELECT name, mentor_kind FROM users WHERE phone LIKE '1390513%'").fetchall())
    assert kinds == {"赵老师": "teacher", "钱老师": "public", "孙老师": None}
    # Again with the kind changed: the preview says so in words; an empty cell never clears it.
    again = [(2, {"name": "赵老师", "phone": "13905137777", "mentor_kind": "老干部"}),
             (3, {"name": "钱老师", "phone": "13905138888", "mentor_kind": ""})]
    with transaction(db):
        plan = import_mentors(db, w.staff_st11, scope, again, update=True)
    assert plan.rows[0].changes == [("志愿者类别", "老教师", "老干部")] and plan.rows[1].action == "same"
    kinds = dict(db.execute("SELECT name, mentor_kind FROM users WHERE phone LIKE '1390513%'").fetchall())
    assert kinds == {"赵老师": "cadre", "钱老师": "public", "孙老师": None}
    wrong = [(2, {"name": "赵老师", "phone": "13905137777", "mentor_kind": "退休教师"})]
    plan = import_mentors(db, w.staff_st11, scope, wrong, update=True)
    assert plan.rows[0].errors == ["“志愿者类别”应填老干部、老战士、老专家、老教师、老模范、学校教师、社会各界人士之一"
                                   "（不清楚可以留空），这一行填的是“退休教师”。"]
    assert db.execute("SELECT mentor_kind FROM users WHERE name = '赵老师'").fetchone() == ("cadre",)


def test_an_extension_alone_is_no_telephone_and_a_full_width_mobile_is_the_volunteers_login(
        db: sqlite_utils.Database) -> None:
    """123转4567 has seven digits, but only three reach anyone; a mobile typed with a Chinese IME's
    full-width digits gives the same login (m + the number) as one typed in ASCII."""
    w: Any = make_county(db)
    scope = load_scope(db, w.staff_st11)
    row = (2, {"name": "冯老师", "phone": "123转4567"})
    refused = import_mentors(db, w.staff_st11, scope, [row], update=False)
    assert refused.rows[0].errors == [f"{PHONE_WORDS}这一行填的是“123转4567”。"]
    rows = [(2, {"name": "陈老师", "phone": "１３９０５１３７７７６"}),
            (3, {"name": "褚老师", "phone": "0513-8888666 转 12"})]
    plan = import_mentors(db, w.staff_st11, scope, rows, update=False)
    assert not plan.errors, [r.errors for r in plan.rows]
    assert db.execute("SELECT login FROM users WHERE name = '陈老师'").fetchone()[0] == "m13905137776"
