"""Control characters in an imported list are not stored: an Excel cell (DEL and the C1 controls are
legal XML, and Excel writes the others as _x0007_) or a .csv line may carry them from another program,
and nobody can see one on a page to find and fix it. Every import path cleans its cells with the one
function a push's text goes through (sync.controls.without_controls)."""
from __future__ import annotations

import html
from typing import Any

from sync import new_id

from .conftest import Site
from .test_imports import MENTOR_HEADERS, confirm, upload, xlsx


def _import(site: Site, path: str, data: bytes, name: str = "名单.xlsx") -> Any:
    browser = site.as_(site.w.staff_st11)
    preview = upload(browser, path, data, name)
    assert "有错误 0" in preview.text, html.unescape(preview.text)[-3000:]
    return confirm(browser, path, preview)


def _mentees(site: Site, like: str) -> list[tuple[Any, ...]]:
    return site.read(lambda db: db.execute(
        "SELECT name, guardian_name, notes FROM mentees WHERE name LIKE ? ORDER BY name", [like]).fetchall())


def test_an_xlsx_childs_name_with_control_characters_is_stored_clean(site: Site) -> None:
    # Excel writes a C0 control as _x0007_ (XML cannot hold it) and a CR of a pasted CR-LF as _x000D_.
    data = xlsx(["姓名", "监护人", "备注"], [
        ["_x0007_王_x001B_建国", "王\x7f妈妈", "第一行_x000D_\n第二\x85行"],
        ["李\x9b小\x80红_x0000_", "李爸爸", ""],
    ])
    assert _import(site, "/mentees/import", data).status_code == 303
    stored = {r[0]: r[1:] for r in _mentees(site, "%")}
    assert stored.get("王建国") == ("王妈妈", "第一行\r\n第二行"), stored
    assert stored.get("李小红") == ("李爸爸", None), stored


def test_a_csv_childs_name_with_control_characters_is_stored_clean(site: Site) -> None:
    data = "姓名,监护人\n\x07王\x1b建民,王\x7f奶奶\n".encode()
    assert _import(site, "/mentees/import", data, "名单.csv").status_code == 303
    assert _mentees(site, "王%民") == [("王建民", "王奶奶", None)]


def test_a_csv_with_a_stray_nul_is_read_as_a_list_and_stored_clean(site: Site) -> None:
    """It was called "这个文件不是 Excel 表格", the whole list refused for one invisible character."""
    data = "姓名,监护人\n王\x00建业,王奶奶\n李建华,李爷爷\n".encode()
    assert _import(site, "/mentees/import", data, "名单.csv").status_code == 303
    assert _mentees(site, "%建%") == [("李建华", "李爷爷", None), ("王建业", "王奶奶", None)]


def test_an_imported_volunteers_name_and_about_with_control_characters_are_stored_clean(site: Site) -> None:
    data = xlsx(MENTOR_HEADERS, [["_x0007_钱\x7f老\x85师", "13905130071", "", "", "退休\x9b教师", "有"]])
    assert _import(site, "/mentors/import", data).status_code == 303
    users = site.read(lambda db: db.execute("SELECT name, about FROM users WHERE phone = '13905130071'").fetchall())
    assert users == [("钱老师", "退休教师")]


def test_a_childs_name_typed_with_del_or_c1_controls_in_a_form_is_stored_clean(site: Site) -> None:
    """A form's value is cleaned by the one function a push's text is (sync.controls.without_controls):
    the page's own list missed DEL's neighbours U+0080–U+009F."""
    w = site.w
    answer = site.as_(w.staff_st11).post("/mentees/new", {
        "record_id": new_id(), "unit_id": w.st11, "name": "王\x85建\x9b国\x7f", "guardian_name": "王\x80妈妈",
        "risk_level": "normal"})
    assert answer.status_code == 303, answer.text[-2000:]
    stored = site.read(lambda db: db.execute(
        "SELECT name, guardian_name FROM mentees WHERE name LIKE '王%国'").fetchall())
    assert stored == [("王建国", "王妈妈")]


def test_column_names_with_controls_full_width_forms_or_invisible_marks_name_their_columns(site: Site) -> None:
    """A header cell is cleaned as a data cell is: 身份／简介 typed in full-width mode, or 手机号 with a BOM
    or a zero-width space from a text file, was 不认识的列 and its column left out of every row."""
    headers = ["_x0007_姓名 ", "\ufeff手机号\u200b", "所属单位", "\u3000用户名", "身份／简介", "智能手机（有／没有）"]
    data = xlsx(headers, [["孙老师", "13905130072", "", "", "退休教师", "没有"]])
    browser = site.as_(site.w.staff_st11)
    preview = upload(browser, "/mentors/import", data, "名单.xlsx")
    assert "不认识的列" not in html.unescape(preview.text)
    assert confirm(browser, "/mentors/import", preview).status_code == 303
    users = site.read(lambda db: db.execute(
        "SELECT name, about, smartphone FROM users WHERE phone = '13905130072'").fetchall())
    assert users == [("孙老师", "退休教师", 0)]


def test_an_xlsx_cell_holding_the_text_of_an_escape_keeps_that_text(site: Site) -> None:
    """Excel writes a cell whose text is _x0007_ as _x005F_x0007_ (its underscore escaped): decoding the
    inner _x0007_ first stored 王小明_x005F, the text typed lost and letters nobody typed left."""
    data = xlsx(["姓名", "监护人", "备注"], [["王小明", "王妈妈", "编号_x005F_x0007_见_x005f_x000D_附表"]])
    assert _import(site, "/mentees/import", data).status_code == 303
    assert _mentees(site, "王小明") == [("王小明", "王妈妈", "编号_x0007_见_x000D_附表")]
