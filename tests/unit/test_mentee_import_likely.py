"""A children's roster never doubles a child it nearly names, nor one the town moved to another unit:
such a row is held back in words, and the file imports nothing until the person has decided."""
from __future__ import annotations

from typing import Any

import pytest
import sqlite_utils

from server.imports.mentees import import_mentees, plan_mentees
from server.imports.plan import CREATE, SAME
from sync import Actor, load_scope

from ..factories import make_county, make_mentee


def _plan(db: sqlite_utils.Database, actor: Actor, *rows: dict[str, str]) -> Any:
    return plan_mentees(db, load_scope(db, actor), actor.unit_id, [(2 + i, r) for i, r in enumerate(rows)])


def _code(db: sqlite_utils.Database, child: str) -> str:
    return str(db.execute("SELECT code FROM mentees WHERE id = ?", [child]).fetchone()[0])


def _children(db: sqlite_utils.Database) -> int:
    return int(db.execute("SELECT count(*) FROM mentees").fetchone()[0])


@pytest.fixture
def county(db: sqlite_utils.Database) -> Any:
    w: Any = make_county(db)
    w.ruoxi = make_mentee(db, w.staff_st11, w.st11, name="张若曦", birth_year=2015, gender="female")
    return w


def test_a_name_one_character_off_a_child_of_the_unit_is_held_back_naming_the_child_and_code(
        db: sqlite_utils.Database, county: Any) -> None:
    w, before = county, _children(db)
    code = _code(db, county.ruoxi)
    plan = import_mentees(db, w.staff_st11, load_scope(db, w.staff_st11), [
        (2, {"name": "张若希", "birth_year": "2015", "gender": "女"}),
        (3, {"name": "陈新来", "birth_year": "2016"})], update=False)
    (held,) = plan.errors
    assert held.line == 2 and held.action != CREATE
    assert "姓名只差一个字" in held.errors[0] and "“张若曦”" in held.errors[0] and code in held.errors[0]
    assert "请先到帮扶对象页面单独登记这个孩子，再重新上传这份表格" in held.errors[0], "how to go on"
    assert _children(db) == before, "all or nothing: the good row is not written either"


def test_the_child_nearly_named_is_found_by_the_code_the_row_was_told_to_give(
        db: sqlite_utils.Database, county: Any) -> None:
    plan = _plan(db, county.staff_st11, {"code": _code(db, county.ruoxi), "name": "张若曦", "birth_year": "2015"})
    assert not plan.errors and plan.rows[0].action == SAME and plan.rows[0].record_id == county.ruoxi


@pytest.mark.parametrize("row", [
    {"name": "张若希", "birth_year": "2016"},  # another year: another child
    {"name": "张若希", "gender": "男"},  # another sex
    {"name": "张若希曦"},  # another length
    {"name": "李若希", "birth_year": "2015"},  # two characters off
])
def test_a_name_near_a_child_but_of_another_year_sex_or_length_is_a_new_child(
        db: sqlite_utils.Database, county: Any, row: dict[str, str]) -> None:
    plan = _plan(db, county.staff_st11, row)
    assert not plan.errors and plan.rows[0].action == CREATE, plan.rows[0].errors


def test_a_name_with_spaces_inside_is_the_child_itself_not_a_near_one(db: sqlite_utils.Database, county: Any) -> None:
    plan = _plan(db, county.staff_st11, {"name": "张 若 曦", "birth_year": "2015"})
    assert not plan.errors and plan.rows[0].record_id == county.ruoxi


def test_a_deleted_childs_near_name_holds_nothing_back(db: sqlite_utils.Database, county: Any) -> None:
    db.execute("UPDATE mentees SET deleted = 1 WHERE id = ?", [county.ruoxi])
    plan = _plan(db, county.staff_st11, {"name": "张若希", "birth_year": "2015"})
    assert not plan.errors and plan.rows[0].action == CREATE


def test_a_child_moved_to_a_unit_outside_the_importers_scope_is_not_added_again_nor_described(
        db: sqlite_utils.Database, county: Any) -> None:
    w = county
    moved = make_mentee(db, w.staff_st21, w.st21, name="刘思远", birth_year=2014, gender="male")
    before = _children(db)
    plan = import_mentees(db, w.staff_st11, load_scope(db, w.staff_st11),
                          [(2, {"name": "刘思远", "birth_year": "2014-03-05", "gender": "男"})], update=False)
    (held,) = plan.errors
    words = held.errors[0]
    assert "县里别的单位已登记了一个同名的孩子" in words and "县关工委" in words
    assert _code(db, moved) not in words and "栟茶" not in words, "names no child and no unit out of scope"
    assert _children(db) == before


def test_a_child_moved_to_another_unit_the_importer_sees_is_named_with_that_unit_and_code(
        db: sqlite_utils.Database, county: Any) -> None:
    w = county
    moved = make_mentee(db, w.staff_st12, w.st12, name="刘思远", birth_year=2014)
    plan = _plan(db, w.staff_town1, {"name": "刘思远", "unit": "掘港小学辅导站", "birth_year": "2014"})
    (held,) = plan.errors
    assert "“掘港中学”已登记了一个同名的孩子" in held.errors[0] and _code(db, moved) in held.errors[0]


@pytest.mark.parametrize("row", [{"name": "刘思远", "birth_year": "2013"}, {"name": "刘思远", "gender": "女"}])
def test_a_namesake_elsewhere_of_another_year_or_sex_is_another_child(
        db: sqlite_utils.Database, county: Any, row: dict[str, str]) -> None:
    make_mentee(db, county.staff_st21, county.st21, name="刘思远", birth_year=2014, gender="male")
    plan = _plan(db, county.staff_st11, row)
    assert not plan.errors and plan.rows[0].action == CREATE, plan.rows[0].errors


def test_a_deleted_namesake_elsewhere_holds_nothing_back(db: sqlite_utils.Database, county: Any) -> None:
    gone = make_mentee(db, county.staff_st21, county.st21, name="刘思远", birth_year=2014)
    db.execute("UPDATE mentees SET deleted = 1 WHERE id = ?", [gone])
    plan = _plan(db, county.staff_st11, {"name": "刘思远", "birth_year": "2014"})
    assert not plan.errors and plan.rows[0].action == CREATE


def test_two_new_rows_one_character_apart_in_one_file_hold_back_the_second(
        db: sqlite_utils.Database, county: Any) -> None:
    """A child typed twice in one roster, once with a wrong character, is not two children: the later
    row is held back naming the earlier, and the file imports nothing until the person has decided."""
    w, before = county, _children(db)
    plan = import_mentees(db, w.staff_st11, load_scope(db, w.staff_st11), [
        (2, {"name": "陈新来", "birth_year": "2016", "gender": "男"}),
        (3, {"name": "刘一鸣"}),
        (4, {"name": "陈欣来", "birth_year": "2016"})], update=False)
    (held,) = plan.errors
    assert held.line == 4 and held.action != CREATE
    assert "与第 2 行的“陈新来”姓名只差一个字" in held.errors[0] and "合并成一行" in held.errors[0]
    assert "请先到帮扶对象页面把这两个孩子分别登记，再重新上传这份表格" in held.errors[0], "says how to register both"
    assert _children(db) == before


@pytest.mark.parametrize("second", [
    {"name": "陈欣来", "birth_year": "2017"},  # another year: another child
    {"name": "陈欣来", "gender": "女"},  # another sex
    {"name": "陈欣来", "unit": "掘港中学"},  # another unit
    {"name": "陈新", "birth_year": "2016"},  # another length
])
def test_near_names_in_one_file_of_another_year_sex_or_unit_are_two_children(
        db: sqlite_utils.Database, county: Any, second: dict[str, str]) -> None:
    first = {"name": "陈新来", "birth_year": "2016", "gender": "男", "unit": "掘港小学辅导站"}
    plan = _plan(db, county.staff_town1, first, {"unit": "掘港小学辅导站"} | second)
    assert not plan.errors and [r.action for r in plan.rows] == [CREATE, CREATE], [r.errors for r in plan.rows]


def test_two_character_names_one_apart_in_one_file_are_two_children(db: sqlite_utils.Database, county: Any) -> None:
    """张伟 and 张薇 of one class and year are two children far more often than one typed twice."""
    plan = _plan(db, county.staff_st11, {"name": "张伟", "birth_year": "2015"}, {"name": "张薇", "birth_year": "2015"})
    assert not plan.errors and [r.action for r in plan.rows] == [CREATE, CREATE]


def test_numbered_placeholder_names_in_one_file_are_not_held_back(db: sqlite_utils.Database, county: Any) -> None:
    """学生01 and 学生02 are a list's placeholders (a test roster, a school's masked list): not a slip of
    the input method, which swaps one Chinese character for another."""
    plan = _plan(db, county.staff_st11, {"name": "学生01", "birth_year": "2015"},
                 {"name": "学生02", "birth_year": "2015"})
    assert not plan.errors and [r.action for r in plan.rows] == [CREATE, CREATE]


def test_the_same_file_imports_once_the_held_back_child_is_registered_on_their_own(
        db: sqlite_utils.Database, county: Any) -> None:
    """What the held-back row says to do, done: the other child registered on the form, the file
    uploaded again as it was finds that child by name and adds nobody."""
    rows = [(2, {"name": "张若希", "birth_year": "2015", "gender": "女"})]
    assert import_mentees(db, county.staff_st11, load_scope(db, county.staff_st11), rows, update=False).errors
    ruoxi = make_mentee(db, county.staff_st11, county.st11, name="张若希", birth_year=2015, gender="female")
    before = _children(db)
    plan = import_mentees(db, county.staff_st11, load_scope(db, county.staff_st11), rows, update=False)
    assert not plan.errors and plan.rows[0].record_id == ruoxi and _children(db) == before
