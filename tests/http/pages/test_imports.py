"""Excel imports: the template, a preview that says each row's errors in words and writes nothing,
an import that writes everything or nothing, a second import of the same file that changes
nothing, changed rows applied only when asked, and files that are not .xlsx refused kindly."""
from __future__ import annotations

import datetime
import html
import io
import random
import re
import struct
import tracemalloc
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from server.imports import mentee_cells, mentee_columns
from server.imports.columns import SheetInvalid
from server.imports.rows import CellBudget, read_sheet
from server.imports.sheets import MAX_PACKING, MAX_UNPACKED, read_rows
from server.pages.imports import KINDS, MAX_UPLOAD
from sync.rules import birth_year_refused
from sync.timeutil import local_today

from ...factories import db_snapshot, make_mentee, mutate
from ...factories import row as record_of
from .conftest import Browser, Site, sentence
from .station import back_after_sign_in

MENTEE_HEADERS = ["编号", "姓名（必填）", "所属单位", "学校", "年级", "性别", "出生年份", "类别", "关注等级",
                  "一人一策", "监护人", "监护人联系方式", "备注"]


def xlsx(headers: list[str], rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(browser: Browser, path: str, data: bytes, name: str = "名单.xlsx") -> Any:
    return browser.post(path, {}, files={"file": (name, data, "application/octet-stream")})


def confirm(browser: Browser, path: str, preview: Any) -> Any:
    """确认导入 on the preview ``upload`` answered."""
    return browser.post(path, {"payload": payload_of(preview.text), "action": "import"}, form_page=path)


def payload_of(html: str) -> str:
    match = re.search(r'name="payload" value="([^"]+)"', html)
    assert match, "the preview offers no import"
    return match.group(1)


def quiet(snapshot: dict[str, Any]) -> dict[str, Any]:
    # The access log is not data a preview could write: a preview of changes to a registered child
    # shows the child's stored values, and that look is logged (test_access_log_views.py).
    return {t: rows for t, rows in snapshot.items() if t not in ("web_sessions", "login_failures", "access_log")}


def roster(site: Site) -> bytes:
    return xlsx(MENTEE_HEADERS, [
        ["", "陈小雨", "掘港小学辅导站", "掘港街道城南小学", "四年级", "女", 2016,
         "留守/特殊家庭、心理行为问题", "关注", "每周家访一次", "陈奶奶", 13912345678, ""],
        ["", "周小军", "", "", "六年级", "男", "2014", "家庭经济困难", "", "", "周爸爸", "13800000000", "低保户"],
    ])


def test_the_template_is_an_xlsx_with_chinese_headers_that_reads_back_empty(site: Site) -> None:
    for path, kind in (("/mentees/import/template.xlsx", "mentee"), ("/mentors/import/template.xlsx", "mentor")):
        response = site.as_(site.w.staff_st11).get(path)
        assert response.status_code == 200 and response.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        headers = [c.value for c in book.worksheets[0][1]]
        assert headers[0 if kind == "mentor" else 1] == "姓名（必填）"
        assert book.sheetnames[1] == "填写说明" and "掘港小学辅导站" in str(list(book.worksheets[1].values))
        assert read_rows(response.content, KINDS[kind].columns) == ([], [])


def test_every_column_of_every_import_page_says_how_to_fill_it_in(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    for path in ("/mentees/import", "/mentors/import"):
        page = browser.get(path).text
        cells = re.findall(r'<td data-label="列名">([^<]*)</td><td data-label="必填">[^<]*</td>'
                           r'<td data-label="怎么填">([^<]*)</td>', page)
        kind = KINDS["mentee" if path.startswith("/mentees") else "mentor"]
        assert [header for header, _ in cells] == [c.header for c in kind.columns], path
        assert [header for header, how in cells if not how.strip()] == [], f"{path}: columns with an empty 怎么填"
    yes_no = re.findall(r'<td data-label="列名">(是否[^<]*)</td>.*?<td data-label="怎么填">([^<]*)</td>',
                        browser.get("/mentees/import").text)
    assert len(yes_no) == len(mentee_columns.FLAGS)
    assert all("填“是”或“否”" in how and "不填算“否”" in how for _, how in yes_no), yes_no


def test_the_own_list_column_names_each_import_page_names_are_ones_its_importer_reads(site: Site) -> None:
    """The volunteers' page said a school's list was read by its 学生姓名 and 家长电话 columns (the
    children's words): an admin with a volunteers' roster read it as a page for children."""
    browser = site.as_(site.w.staff_st11)
    for path, kind in (("/mentees/import", KINDS["mentee"]), ("/mentors/import", KINDS["mentor"])):
        line = re.search(r"<li>([^<]*都认得[^<]*)</li>", browser.get(path).text)
        assert line, path
        named = re.findall(r"“([^”]+)”", line.group(1))
        assert named, path
        read = {name for c in kind.columns for name in (c.header, *c.aliases)}
        assert [n for n in named if n not in read] == [], path


def test_the_yes_no_words_the_import_page_names_are_the_ones_the_importer_reads() -> None:
    for key, header, _, category in mentee_columns.FLAGS:
        how = next(c.help for c in mentee_columns.COLUMNS if c.key == key)
        named = re.search(r"（(.*) 也可以）", how)
        assert named, how
        for word, taken in [("是", True), ("否", False), *((w, w in "√1Y") for w in named.group(1).split("、"))]:
            errors: list[str] = []
            assert mentee_cells.flag_categories({key: word}, errors) == ([category] if taken else []), (header, word)
            assert errors == [], (header, word)
        errors = []
        assert mentee_cells.flag_categories({key: ""}, errors) == [] and errors == [], "不填算“否”"


def test_a_yes_no_cell_in_lower_case_full_width_or_spaced_reads_as_typed_plainly() -> None:
    """y, ｙｅｓ and “ 是 ” are the 是 the column's help names: the categories take it, and the
    preview's notice counts the child, alike."""
    key, _, _, category = mentee_columns.FLAGS[0]
    rows = [(line, {key: word}) for line, word in enumerate(("y", "ｙｅｓ", " 是 ", "n", "ｎｏ"), start=2)]
    errors: list[str] = []
    assert [mentee_cells.flag_categories(cells, errors) for _, cells in rows] == [[category]] * 3 + [[]] * 2
    assert errors == []
    (notice,) = mentee_cells.flag_notices(rows)
    assert "的 3 个孩子" in notice, notice


def test_a_unit_named_like_a_formula_is_text_in_the_template(site: Site) -> None:
    w = site.w
    named = "=HYPERLINK(\"http://example.invalid/\",\"点这里\")"
    version = site.read(lambda db: record_of(db, "unit", w.st11))["version"]
    site.write(lambda db: mutate(db, w.admin, "unit", {"name": named}, w.st11, version))
    response = site.as_(w.staff_st11).get("/mentees/import/template.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    cells = [c for sheet in book.worksheets for line in sheet.iter_rows() for c in line if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "no cell is a formula"
    assert named in {c.value for c in cells}, "the unit's name is shown as typed"


def test_the_preview_says_each_rows_errors_in_words_and_writes_nothing(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    before = quiet(site.read(db_snapshot))
    data = xlsx(MENTEE_HEADERS + ["身高"], [
        ["", "", "", "", "", "女"],                                      # no name
        ["", "王小二", "", "", "", "不详"],                                # gender
        ["", "李小三", "", "", "", "", "", "贫困"],                        # category
        ["", "赵小四", "火星小学"],                                        # unknown unit
        ["", "钱小五", "栟茶小学辅导站"],                                   # another town's station
        ["", "孙小六", "", "", "", "", "1890"],                            # birth year
        ["", "孙小六", "", "", "", "", "2015"],                            # same child twice
        ["", "吴小七", "", "", "", "", "", "", "", "一人一策" * 6000],      # too long
    ])
    response = upload(browser, "/mentees/import", data)
    assert response.status_code == 200
    page = response.text
    for words in ("“姓名”不能为空", "“性别”应为 男、女 之一，这一行填的是“不详”", "“类别”应为", "“贫困”",
                  "找不到名为“火星小学”的学校或辅导站", "找不到名为“栟茶小学辅导站”", str(birth_year_refused("1890")),
                  "与第 7 行是同一个帮扶对象", "“一人一策”太长", "不认识的列“身高”"):
        assert words in page, words
    assert page.count('class="row-error"') == 8 and 'name="action" value="import"' not in page
    assert quiet(site.read(db_snapshot)) == before
    # Said by a screen reader as the page opens, not only shown: nothing of the file will be imported.
    assert re.search(r'<p class="warning" role="alert">[^<]*<span aria-hidden="true">⚠</span> 有 8 行有错误', page)


def test_import_writes_every_row_and_the_same_file_again_changes_nothing(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    before = quiet(site.read(db_snapshot))
    preview = upload(browser, "/mentees/import", roster(site))
    assert "新增 2" in preview.text and "编号导入时自动生成" in preview.text
    assert quiet(site.read(db_snapshot)) == before  # the preview wrote nothing
    done = confirm(browser, "/mentees/import", preview)
    assert done.status_code == 303 and done.headers["location"] == "/mentees"
    rows = site.read(lambda db: list(db.query(
        "SELECT code, name, unit_id, grade, gender, birth_year, categories, risk_level, guardian_contact, created_by"
        " FROM mentees WHERE name IN ('陈小雨', '周小军') ORDER BY name = '周小军'")))
    assert [r["name"] for r in rows] == ["陈小雨", "周小军"]
    assert all(re.fullmatch(r"BX-\d{4}-\d{4}", r["code"]) for r in rows) and rows[0]["code"] != rows[1]["code"]
    assert rows[0] | {"code": None} == {
        "code": None, "name": "陈小雨", "unit_id": w.st11, "grade": "四年级", "gender": "female", "birth_year": 2016,
        "categories": '["left_behind","psych"]', "risk_level": "watch", "guardian_contact": "13912345678",
        "created_by": w.staff_st11.user_id}
    assert (rows[1]["unit_id"], rows[1]["risk_level"]) == (w.st11, "normal")  # empty unit: the person's own
    after_first = quiet(site.read(db_snapshot))
    again = upload(browser, "/mentees/import", roster(site))
    assert "无变化 2" in again.text and "新增 0" in again.text and 'name="action" value="import"' not in again.text
    # Even posting the old preview once more writes nothing: the rows are checked again and match.
    confirm(browser, "/mentees/import", preview)
    assert quiet(site.read(db_snapshot)) == after_first


def test_a_changed_row_is_listed_and_applied_only_when_asked(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    first = upload(browser, "/mentees/import", roster(site))
    confirm(browser, "/mentees/import", first)
    code = site.read(lambda db: db.execute("SELECT code FROM mentees WHERE name = '陈小雨'").fetchone()[0])
    changed = xlsx(MENTEE_HEADERS, [[code, "陈小雨", "", "", "五年级", "", "", "", "重点", "", "", "13700001111"]])
    preview = upload(browser, "/mentees/import", changed)
    for words in ("有改动 1", "年级：四年级 → 五年级", "关注等级：关注 → 重点",
                  "监护人联系方式：13912345678 → 13700001111"):
        assert words in preview.text, words
    token = payload_of(preview.text)
    browser.post("/mentees/import", {"payload": token, "action": "import"}, form_page="/mentees/import")
    grade = site.read(lambda db: db.execute("SELECT grade FROM mentees WHERE code = ?", [code]).fetchone()[0])
    assert grade == "四年级"
    browser.post("/mentees/import", {"payload": token, "action": "import", "update": "1"}, form_page="/mentees/import")
    row = site.read(lambda db: next(db.query("SELECT grade, risk_level, guardian_contact, school FROM mentees"
                                             " WHERE code = ?", [code])))
    # Cells left empty in the file keep what is stored (the school was not cleared).
    assert row == {"grade": "五年级", "risk_level": "key", "guardian_contact": "13700001111",
                   "school": "掘港街道城南小学"}


def test_an_import_is_all_or_nothing_when_a_row_goes_wrong_after_the_preview(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    preview = upload(browser, "/mentees/import", roster(site))
    # Meanwhile two children named 周小军 are registered in the unit: row 3 can no longer be matched.
    for _ in range(2):
        site.write(lambda db: make_mentee(db, w.staff_st11, w.st11, name="周小军"))
    before = quiet(site.read(db_snapshot))
    response = confirm(browser, "/mentees/import", preview)
    assert response.status_code == 400 and "没有导入任何内容" in response.text and "请填写“编号”以区分" in response.text
    assert quiet(site.read(db_snapshot)) == before  # 陈小雨 (row 2) was not written either


def test_a_preview_cannot_be_replayed_by_someone_else(site: Site) -> None:
    preview = upload(site.as_(site.w.staff_st11), "/mentees/import", roster(site))
    other = site.as_(site.w.staff_st12)
    response = confirm(other, "/mentees/import", preview)
    assert response.status_code == 400 and "预览已过期或无效" in response.text
    forged = other.post("/mentees/import", {"payload": "abc.def", "action": "import"}, form_page="/mentees/import")
    assert forged.status_code == 400


@pytest.mark.parametrize(("data", "name", "words"), [
    (b"name,phone\n\xe5\xbc\xa0,139\n", "名单.csv", "不是 Excel 表格（.xlsx）"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "名单.xls", "另存为"),
    (b"PK\x03\x04 this is not really a zip", "坏文件.xlsx", "无法读取这个文件"),
    (b"", "空.xlsx", "上传的文件是空的"),
    (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + b"\0" * 64, "名单.png", "“另存为”Excel 工作簿"),
    (("姓名,备注\n甲," + "字" * 200_000 + "\n").encode(), "名单.csv", "里有一格的内容太长"),
    # A workbook with an open password is an encrypted OLE file, not an old .xls: say so.
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 64,
     "加密.xlsx", "这个文件设置了打开密码"),
])
def test_a_file_that_is_not_an_xlsx_gets_a_friendly_400(site: Site, data: bytes, name: str, words: str) -> None:
    before = quiet(site.read(db_snapshot))
    response = upload(site.as_(site.w.staff_st11), "/mentees/import", data, name)
    assert response.status_code == 400 and words in response.text, response.text[:400]
    assert quiet(site.read(db_snapshot)) == before


def workbook_of(fill: Any) -> bytes:
    """A workbook of two sheets, ``fill(book)`` having put what it likes in them."""
    book = openpyxl.Workbook()
    book.create_sheet("Sheet2")
    fill(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def blank_but_painted(book: Any) -> None:
    for row in range(1, 40):  # borders and a colour on rows nobody typed in: cells in the file, empty
        book.active.cell(row=row, column=1).fill = openpyxl.styles.PatternFill("solid", fgColor="FFFF00")
    book.active.cell(row=2, column=2).value = "   "


def text_far_down(book: Any) -> None:
    blank_but_painted(book)
    book.active.cell(row=30, column=1).value = "姓名"


@pytest.mark.parametrize(("fill", "words"), [
    (lambda book: None, "这个表格是空的"),
    (blank_but_painted, "这个表格是空的"),
    # Something is written, only not where column names are looked for: not called empty.
    (text_far_down, "没有找到列名行"),
])
def test_a_workbook_with_nothing_written_in_it_is_called_empty(site: Site, fill: Any, words: str) -> None:
    response = upload(site.as_(site.w.staff_st11), "/mentees/import", workbook_of(fill))
    assert response.status_code == 400 and words in response.text, response.text[:400]


def rezip(data: bytes, member: str, change: Any) -> bytes:
    """The workbook ``data`` with one member's bytes passed through ``change``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            dst.writestr(info.filename, change(body) if info.filename == member else body)
    return out.getvalue()


def far_row(body: bytes) -> bytes:
    """The header, then one cell 2.5 million rows down, and no <dimension>: millions of blank rows."""
    body = re.sub(rb"<dimension[^>]*/>", b"", body)
    return body.replace(b"</sheetData>", b'<row r="2500000"><c r="A2500000" t="inlineStr"><is><t>x</t></is></c>'
                                          b"</row></sheetData>")


@pytest.mark.parametrize(("member", "change"), [
    ("xl/worksheets/sheet1.xml", lambda body: re.sub(rb't="inlineStr"><is><t>[^<]*</t></is>', b't="s"><v>999</v>',
                                                     body, count=1)),  # a cell names a missing shared string
    ("xl/styles.xml", lambda body: body[: len(body) // 2]),
    ("xl/worksheets/sheet1.xml", lambda body: body[: len(body) // 2]),
    ("xl/worksheets/sheet1.xml", lambda body: body.replace("陈小雨".encode(), b"&#1;")),
])
def test_a_damaged_workbook_gets_a_friendly_400_not_a_500(site: Site, member: str, change: Any) -> None:
    before = quiet(site.read(db_snapshot))
    data = rezip(roster(site), member, change)
    response = upload(site.as_(site.w.staff_st11), "/mentees/import", data)
    assert response.status_code == 400 and "无法读取这个文件" in response.text, response.text[:400]
    assert quiet(site.read(db_snapshot)) == before


def test_a_small_file_of_millions_of_blank_rows_is_refused_without_walking_them(site: Site) -> None:
    data = rezip(roster(site), "xl/worksheets/sheet1.xml", far_row)
    assert len(data) < 20_000
    response = upload(site.as_(site.w.staff_st11), "/mentees/import", data)
    assert response.status_code == 400 and "表格的行太多" in response.text, response.text[:400]


def packed(data: bytes, member: str, body: bytes) -> bytes:
    """The workbook ``data`` deflated, with ``member`` (a shared string table if new) holding ``body``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            old = src.read(info.filename)
            if info.filename == "[Content_Types].xml" and member == "xl/sharedStrings.xml":
                old = old.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                  b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
            dst.writestr(info.filename, body if info.filename == member else old)
        if member not in src.namelist():
            dst.writestr(member, body)
    return out.getvalue()


def shared_strings(count: int) -> bytes:
    """A shared string table of ``count`` different names: it packs as ordinary XML does (to a tenth)."""
    strings = b"".join(f"<si><t>孩子{i:07d}</t></si>".encode() for i in range(count))
    return (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main">' + strings + b"</sst>")


def one_row_of_empty_cells(count: int) -> Any:
    return lambda body: body.replace(b"</sheetData>", b'<row r="4">' + b"<c/>" * count + b"</row></sheetData>")


def understated(data: bytes, member: str, stated: bytes) -> bytes:
    """``data`` with the zip's directory saying ``member`` holds just ``stated`` (its size and checksum)."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while at != -1:
        (length,) = struct.unpack("<H", out[at + 28:at + 30])
        if out[at + 46:at + 46 + length] == member.encode():
            struct.pack_into("<I", out, at + 16, zlib.crc32(stated))
            struct.pack_into("<I", out, at + 24, len(stated))
        at = out.find(b"PK\x01\x02", at + 4)
    return bytes(out)


@pytest.mark.parametrize("bomb", ["strings", "cells", "understated"])
def test_a_small_workbook_that_unpacks_to_gigabytes_is_refused_before_it_is_unpacked(site: Site, bomb: str) -> None:
    roster_xlsx = roster(site)
    if bomb == "strings":  # 19 MB of strings openpyxl would hold in memory before reading a row
        data = packed(roster_xlsx, "xl/sharedStrings.xml", shared_strings(650_000))
    elif bomb == "understated":  # 20 MB of styles said to be the 3 KB: zipfile inflates all, then cuts
        with zipfile.ZipFile(io.BytesIO(roster_xlsx)) as src:
            styles = src.read("xl/styles.xml")
        data = understated(packed(roster_xlsx, "xl/styles.xml", styles + b" " * 20_000_000), "xl/styles.xml", styles)
    else:  # one row of a million cells openpyxl would hold at once, in 5 KB
        with zipfile.ZipFile(io.BytesIO(roster_xlsx)) as src:
            sheet = src.read("xl/worksheets/sheet1.xml")
        data = packed(roster_xlsx, "xl/worksheets/sheet1.xml", one_row_of_empty_cells(1_000_000)(sheet))
    assert len(data) < MAX_UPLOAD
    before = quiet(site.read(db_snapshot))
    browser = site.as_(site.w.staff_st11)
    tracemalloc.start()
    try:
        response = upload(browser, "/mentees/import", data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Never unpacked whole (20 MB to gigabytes): the upload, and the parts a megabyte at a time. Memory,
    # not seconds, since a loaded CI machine took 3.7 s over what an idle one does in 0.3 (peaks 4–12 MB).
    assert peak < 16 * 1024 * 1024, peak
    assert response.status_code == 400 and "解压后的内容太多" in response.text, response.text[-1500:]
    assert quiet(site.read(db_snapshot)) == before


def test_a_sheet_without_the_required_columns_or_rows_is_refused_in_words(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    response = upload(browser, "/mentees/import", xlsx(["编号", "年级"], [["", "一年级"]]))
    assert response.status_code == 400 and "缺少必填的列：姓名" in response.text
    empty = upload(browser, "/mentees/import", xlsx(MENTEE_HEADERS, []))
    assert empty.status_code == 400 and "没有数据" in empty.text
    none = browser.post("/mentees/import", {}, form_page="/mentees/import")
    assert none.status_code == 400 and "请选择要导入的 Excel 文件" in none.text


def test_an_upload_over_the_size_limit_is_refused_before_it_is_read(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    response = upload(browser, "/mentees/import", b"PK\x03\x04" + b"0" * (3 * 1024 * 1024))
    assert response.status_code == 413 and "文件太大" in response.text


def test_volunteers_import_by_phone_with_generated_logins_and_again_changes_nothing(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    headers = ["姓名", "手机号", "用户名", "所属单位", "身份/简介", "智能手机"]
    data = xlsx(headers, [
        ["钱老师", 13905130001, "", "", "退休教师", "有"],
        ["孙老兵", "13905130002", "", "掘港小学辅导站", "老战士", "没有"],
        ["没电话", "", "", "", "", ""],
        ["抢名字", "13905130003", site.login_of(w.staff_st12), "", "", ""],
    ])
    preview = upload(browser, "/mentors/import", data)
    assert "请填写“手机号”" in preview.text and "已被其他账号使用" in preview.text
    fixed = xlsx(headers, [["钱老师", 13905130001, "", "", "退休教师", "有"],
                           ["孙老兵", "13905130002", "", "掘港小学辅导站", "老战士", "没有"]])
    preview = upload(browser, "/mentors/import", fixed)
    assert "新增 2" in preview.text
    done = confirm(browser, "/mentors/import", preview)
    assert done.status_code == 303 and done.headers["location"] == "/mentors"
    users = site.read(lambda db: list(db.query(
        "SELECT login, role, unit_id, about, smartphone FROM users WHERE phone IN ('13905130001', '13905130002')"
        " ORDER BY phone")))
    assert users == [
        {"login": "m13905130001", "role": "mentor", "unit_id": w.st11, "about": "退休教师", "smartphone": 1},
        {"login": "m13905130002", "role": "mentor", "unit_id": w.st11, "about": "老战士", "smartphone": 0}]
    audits = site.read(lambda db: db.execute(
        "SELECT count(*) FROM sync_audit WHERE entity = 'user' AND op = 'create' AND user_id = ?",
        [w.staff_st11.user_id]).fetchone()[0])
    assert audits == 2
    snapshot = quiet(site.read(db_snapshot))
    again = upload(browser, "/mentors/import", fixed)
    assert "无变化 2" in again.text and 'name="action" value="import"' not in again.text
    # The same people written another way (full-width digits, spaces, the country code, a space in
    # the name) are the same people, not new accounts.
    retyped = xlsx(headers, [["钱　老师", "１３９０５１３０００１", "", "", "退休教师", "有"],
                             ["孙老兵", "+86 139 0513 0002", "", "掘港小学辅导站", "老战士", "没有"]])
    assert "无变化 2" in upload(browser, "/mentors/import", retyped).text
    assert quiet(site.read(db_snapshot)) == snapshot


def test_county_reviewers_cannot_import(site: Site) -> None:
    browser = site.as_(site.w.reviewer)
    for path in ("/mentees/import", "/mentors/import", "/mentees/import/template.xlsx"):
        assert browser.get(path).status_code == 403


def test_an_import_confirmed_after_someone_changed_the_child_writes_nothing_over_them(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    browser.post("/mentees/import", {"payload": payload_of(upload(browser, "/mentees/import", roster(site)).text),
                                     "action": "import"}, form_page="/mentees/import")
    code, child, version = site.read(lambda db: db.execute(
        "SELECT code, id, version FROM mentees WHERE name = '陈小雨'").fetchone())
    notes = xlsx(MENTEE_HEADERS, [[code, "陈小雨", "", "", "", "", "", "", "", "", "", "", "导入时补的备注"]])
    preview = upload(browser, "/mentees/import", notes)
    assert "备注" in preview.text and "监护人：" not in preview.text  # the preview shows only the notes
    # Meanwhile a colleague corrects the guardian on the child's record.
    site.write(lambda db: mutate(db, w.staff_town1, "mentee", {"guardian_name": "陈爸爸"}, child, version))
    response = browser.post("/mentees/import", {"payload": payload_of(preview.text), "action": "import",
                                                "update": "1"}, form_page="/mentees/import")
    assert response.status_code == 400 and "在预览之后被别人改过" in response.text
    stored = site.read(lambda db: next(db.query("SELECT guardian_name, notes FROM mentees WHERE id = ?", [child])))
    assert stored == {"guardian_name": "陈爸爸", "notes": None}
    # The page now previews against the record as it is, and that preview imports.
    again = browser.post("/mentees/import", {"payload": payload_of(response.text), "action": "import",
                                             "update": "1"}, form_page="/mentees/import")
    assert again.status_code == 303
    stored = site.read(lambda db: next(db.query("SELECT guardian_name, notes FROM mentees WHERE id = ?", [child])))
    assert stored == {"guardian_name": "陈爸爸", "notes": "导入时补的备注"}


@pytest.mark.parametrize(("who", "child", "unit"), [("staff_st11", "mentee3", ""),  # out of scope
                                                    ("staff_town1", "mentee1", "掘港中学")])  # in scope, other unit
def test_a_code_of_another_units_child_is_never_registered_a_second_time(site: Site, who: str, child: str,
                                                                        unit: str) -> None:
    w = site.w
    code = site.read(lambda db: db.execute("SELECT code FROM mentees WHERE id = ?", [getattr(w, child)]).fetchone()[0])
    before = site.read(lambda db: db.execute("SELECT count(*) FROM mentees").fetchone()[0])
    home = "掘港小学辅导站" if not unit else unit
    browser = site.as_(getattr(w, who))
    preview = upload(browser, "/mentees/import",
                     xlsx(MENTEE_HEADERS, [[code, "某某", home, "", "", "", "", "", "", "", "", "", ""]]))
    assert "已是别的单位的一个孩子的编号" in preview.text and 'name="payload"' not in preview.text  # no import offered
    assert site.read(lambda db: db.execute("SELECT count(*) FROM mentees").fetchone()[0]) == before


def test_one_child_twice_in_a_file_once_by_code_and_once_by_name_is_flagged(site: Site) -> None:
    w = site.w
    code = site.read(lambda db: db.execute("SELECT code FROM mentees WHERE id = ?", [w.mentee1]).fetchone()[0])
    data = xlsx(MENTEE_HEADERS, [[code, "小明", "", "", "", "", "", "", "", "", "", "", "备注甲"],
                                 ["", "小明", "", "", "", "", "", "", "", "", "", "", "备注乙"]])
    preview = upload(site.as_(w.staff_st11), "/mentees/import", data)
    assert "与第 2 行是同一个帮扶对象" in preview.text and 'name="payload"' not in preview.text


MENTOR_HEADERS = ["姓名", "手机号", "用户名", "所属单位", "身份/简介", "智能手机"]


def test_one_volunteer_twice_in_a_file_by_login_and_by_phone_is_one_volunteer_not_two_accounts(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    before = quiet(site.read(db_snapshot))
    preview = upload(browser, "/mentors/import", xlsx(MENTOR_HEADERS, [["钱老师", "13905139999", "qianls", "", "", ""],
                                                                     ["钱老师", "139 0513 9999", "", "", "", ""]]))
    assert "与第 2 行手机号相同" in preview.text and 'name="payload"' not in preview.text
    # Two people sharing one phone, each named by a login, are two volunteers.
    couple = [["钱老师", "13905139999", "qianls", "", "", ""], ["钱师母", "13905139999", "qianshimu", "", "", ""]]
    shared = upload(browser, "/mentors/import", xlsx(MENTOR_HEADERS, couple))
    assert "新增 2" in shared.text and "有错误 0" in shared.text
    assert quiet(site.read(db_snapshot)) == before


def test_a_new_login_with_the_phone_of_a_volunteer_already_here_is_not_a_second_account(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    first = upload(browser, "/mentors/import", xlsx(MENTOR_HEADERS, [["钱老师", "13905139999", "", "", "", ""]]))
    confirm(browser, "/mentors/import", first)
    before = quiet(site.read(db_snapshot))
    # The same teacher, listed by a school that gave her a login of its own making.
    again = upload(browser, "/mentors/import", xlsx(MENTOR_HEADERS, [["钱老师", "13905139999", "qianls", "", "", ""]]))
    assert "已是本单位志愿者“钱老师”（用户名 m13905139999）的手机号" in again.text
    assert 'name="payload"' not in again.text
    # Her account found once by its login and once by its phone is one volunteer, not two edits.
    both = upload(browser, "/mentors/import", xlsx(MENTOR_HEADERS, [["钱老师", "", "m13905139999", "", "老师", ""],
                                                                    ["钱老师", "13905139999", "", "", "干部", ""]]))
    assert "与第 2 行是同一位志愿者" in both.text and 'name="payload"' not in both.text
    assert quiet(site.read(db_snapshot)) == before


@pytest.mark.parametrize("kind", ["mentee", "mentor"])
def test_a_confirmed_import_sent_twice_at_once_adds_each_row_once_and_both_answers_say_so(site: Site,
                                                                                       kind: str) -> None:
    w = site.w
    data = roster(site) if kind == "mentee" else xlsx(MENTOR_HEADERS, [["钱老师", 13905130001, "", "", "", ""],
                                                                       ["孙老兵", 13905130002, "", "", "", "没有"]])
    # A double click: the same person's two requests with the same preview, in flight together.
    first, second = site.as_(w.staff_st11), site.as_(w.staff_st11)
    token = payload_of(upload(first, f"/{kind}s/import", data).text)
    table = "mentees" if kind == "mentee" else "users"
    before = site.read(lambda db: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda b: b.post(f"/{kind}s/import", {"payload": token, "action": "import"},
                                                 token=b.token(f"/{kind}s/import")), (first, second)))
    assert [a.status_code for a in answers] == [303, 303]
    assert site.read(lambda db: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]) == before + 2
    flashes = sorted(re.sub(r"\s+", " ", b.get(f"/{kind}s").text) for b in (first, second))
    assert sum("导入完成：新增 2 条" in f for f in flashes) == 1
    assert sum("这份名单的 2 条都已在系统中（可能刚才已经导入过），没有重复添加" in f for f in flashes) == 1
    # The browser's back button and 确认导入 once more, much later: still nothing doubled.
    again = first.post(f"/{kind}s/import", {"payload": token, "action": "import", "update": "1"},
                       form_page=f"/{kind}s/import")
    assert again.status_code == 303 and "都已在系统中" in first.get(f"/{kind}s").text
    assert site.read(lambda db: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]) == before + 2


def test_excel_error_values_and_numbers_that_lost_their_digits_are_refused_in_words_not_imported(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    before = quiet(site.read(db_snapshot))
    data = xlsx(MENTEE_HEADERS, [
        ["", "#REF!", "", "", "", "", "", "", "", "", "", "", ""],                     # a name from a broken formula
        ["", "李小三", "", "", "", "", "", "", "", "", "", "#N/A", ""],                 # a VLOOKUP that found nothing
        ["", "赵小四", "", "", "", "", "", "", "", "", "", "", 320623201003051234.0],  # an ID number typed as a number
        ["", "钱小五", "", "", "", "", "", "", "", "", "", "1.38001E+10", ""],          # a phone pasted as shown
    ])
    page = upload(browser, "/mentees/import", data).text
    for words in ("“姓名”这一格是 Excel 的错误值 #REF!", "“监护人联系方式”这一格是 Excel 的错误值 #N/A",
                  "“备注”这一格是科学计数法的数字（3.20623201003051E+17），Excel 只保留了前 15 位",
                  "“监护人联系方式”这一格是科学计数法的数字（1.38001E+10）"):
        assert words in page, words
    assert "“姓名”不能为空" not in page and page.count('class="row-error"') == 4 and 'name="payload"' not in page
    volunteers = xlsx(MENTOR_HEADERS, [["钱老师", 1.3800138e10, "", "", "", ""], ["孙老兵", "#N/A", "", "", "", ""]])
    page = upload(browser, "/mentors/import", volunteers).text
    assert "“手机号”这一格是 Excel 的错误值 #N/A" in page and "请填写“手机号”" not in page
    assert page.count('class="row-error"') == 1 and "13800138000" in page  # a whole number stays whole
    assert quiet(site.read(db_snapshot)) == before


def test_numbers_and_dates_as_schools_type_them_import_as_the_values_people_see(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    data = xlsx(MENTEE_HEADERS, [
        ["", "孙一", "", "", "", "", 2014.0, "", "", "", "", 13800138000.0, ""],
        ["", "孙二", "", "", "", "", datetime.datetime(2015, 3, 5), "", "", "", "", "", ""],
        ["", "孙三", "", "", "", "", "2016.3.5", "", "", "", "", "", ""],
        ["", "孙四", "", "", "", "", "2017年3月5日", "", "", "", "", "", ""],
        ["", "孙五", "", "", "", "", "２０１８", "", "", "", "", "", ""],
        ["", "孙六", "", "", "", "", None, "", "", "", "", "", ""],
    ])
    preview = upload(browser, "/mentees/import", data)
    assert "新增 6" in preview.text and "有错误 0" in preview.text, preview.text
    confirm(browser, "/mentees/import", preview)
    rows = site.read(lambda db: list(db.query("SELECT name, birth_year, guardian_contact FROM mentees"
                                              " WHERE name LIKE '孙_' ORDER BY name")))
    assert [(r["name"], r["birth_year"]) for r in rows] == [
        ("孙一", 2014), ("孙三", 2016), ("孙二", 2015), ("孙五", 2018), ("孙六", None), ("孙四", 2017)]
    assert rows[0]["guardian_contact"] == "13800138000"


def wps_roster() -> bytes:
    """A school's own sheet: a merged title and a date line above the column names, blank rows,
    stray spaces, full-width digits and dashes, and the school's name merged down beside its children."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["2026年春季学期掘港街道帮扶对象名单"])
    sheet.merge_cells("A1:M1")
    sheet.append(["填表日期：2026.3.5", "", "", "", "", "", "", "", "", "", "", "填表人：张老师"])
    sheet.append([])
    sheet.append(MENTEE_HEADERS)
    sheet.append(["", "王　雨欣 ", "掘港中学", "", "五年级", "女 ", "２０１５", "", "", "", "",
                  "１３８－００１３－８０００"])
    sheet.append([])
    sheet.append(["", " 李 明", None, "", "", "男", "", "", "", "", "", ""])
    sheet.append(["", "张小红", None, "", "", "女", "", "", "", "", "", ""])
    sheet.merge_cells("C5:C8")  # 掘港中学 for these three children
    sheet.append(["", "刘小燕", "掘港　中学", "", "", "女", "", "", "", "", "", ""])  # a space typed into the name
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_schools_own_sheet_with_titles_blank_rows_and_merged_cells_imports_as_a_person_reads_it(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_town1)  # a town's staff: every child must name its school
    preview = upload(browser, "/mentees/import", wps_roster())
    assert preview.status_code == 200 and "新增 4" in preview.text and "有错误 0" in preview.text, preview.text
    assert "第 5 行" in preview.text and "第 9 行" in preview.text  # the rows' numbers in Excel
    confirm(browser, "/mentees/import", preview)
    school = site.read(lambda db: db.execute("SELECT id FROM units WHERE name = '掘港中学'").fetchone()[0])
    rows = site.read(lambda db: list(db.query(
        "SELECT name, unit_id, birth_year, guardian_contact FROM mentees"
        " WHERE name IN ('王雨欣', '李明', '张小红', '刘小燕') ORDER BY name")))
    assert [r["name"] for r in rows] == ["刘小燕", "张小红", "李明", "王雨欣"]
    assert {r["unit_id"] for r in rows} == {school}
    assert (rows[3]["birth_year"], rows[3]["guardian_contact"]) == (2015, "138-0013-8000")
    # The same sheet again: the same four children, nothing doubled.
    again = upload(browser, "/mentees/import", wps_roster())
    assert "无变化 4" in again.text and 'name="payload"' not in again.text


def test_the_list_on_a_second_sheet_is_found_but_the_templates_help_sheet_is_never_read_as_children(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    book = openpyxl.Workbook()
    cover = book.active
    assert cover is not None
    cover.append(["请在“名单”工作表填写"])
    book.create_sheet("名单").append(MENTEE_HEADERS)
    book["名单"].append(["", "第二页", "", "", "三年级"])
    out = io.BytesIO()
    book.save(out)
    preview = upload(browser, "/mentees/import", out.getvalue())
    assert "新增 1" in preview.text and "第二页" in preview.text
    # The template's own sheet left with just its column names, the list pasted into a new sheet.
    template = openpyxl.load_workbook(io.BytesIO(browser.get("/mentees/import/template.xlsx").content))
    template.create_sheet("Sheet1").append(MENTEE_HEADERS)
    template["Sheet1"].append(["", "新表里的孩子"])
    out = io.BytesIO()
    template.save(out)
    preview = upload(browser, "/mentees/import", out.getvalue())
    assert "新增 1" in preview.text and "新表里的孩子" in preview.text
    # The template with its header row deleted: its 填写说明 sheet has a 姓名 row, but is no roster.
    template = openpyxl.load_workbook(io.BytesIO(browser.get("/mentees/import/template.xlsx").content))
    template.worksheets[0].delete_rows(1)
    template.worksheets[0].append(["", "某某"])
    out = io.BytesIO()
    template.save(out)
    response = upload(browser, "/mentees/import", out.getvalue())
    assert response.status_code == 400 and "没有找到列名行" in response.text and "缺少必填的列：姓名" in response.text


def test_a_full_roster_of_2000_children_with_long_plans_previews_and_imports_once(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    rnd = random.Random(7)  # plans that do not compress away: the signed preview is over 1 MB

    def words(n: int) -> str:
        return "".join(chr(rnd.randint(0x4E00, 0x9FA5)) for _ in range(n))

    rows = [["", f"孩子{i:04d}", "", words(8), "四年级", "女", 2015, "留守/特殊家庭", "关注", words(250), words(4),
             13912345678, words(60)] for i in range(2000)]
    data = xlsx(MENTEE_HEADERS, rows)
    assert len(data) < 2 * 1024 * 1024
    preview = upload(browser, "/mentees/import", data)
    assert "新增 2000" in preview.text and len(payload_of(preview.text)) > 1024 * 1024
    done = confirm(browser, "/mentees/import", preview)
    assert done.status_code == 303, done.text[-2000:]
    count = "SELECT count(*) FROM mentees WHERE name LIKE '孩子%'"
    assert site.read(lambda db: db.execute(count).fetchone()[0]) == 2000
    assert "表格超过 2000 行" in upload(browser, "/mentees/import", xlsx(MENTEE_HEADERS, [*rows, ["", "多一个"]])).text


def test_a_long_text_copied_down_a_whole_column_is_refused_in_words_before_it_fills_memory(site: Site) -> None:
    # One 30,000-character note in every cell of a column: one shared string, a small file, as Excel
    # saves it (openpyxl would write the note into each cell: 18 MB unpacked, refused before reading).
    inline = xlsx(MENTEE_HEADERS, [["", f"孩子{i}", "", "", "", "", "", "", "", "", "", "", "NOTE"]
                                   for i in range(200)])
    with zipfile.ZipFile(io.BytesIO(inline)) as src:
        sheet = re.sub(rb't="inlineStr"><is><t>NOTE</t></is>', b't="s"><v>0</v>', src.read("xl/worksheets/sheet1.xml"))
    data = packed(packed(inline, "xl/worksheets/sheet1.xml", sheet), "xl/sharedStrings.xml", shared_strings(0).replace(
        b"</sst>", "<si><t>{}</t></si></sst>".format("字" * 30000).encode()))
    assert len(data) < 400_000
    response = upload(site.as_(site.w.staff_st11), "/mentees/import", data)
    assert response.status_code == 400 and "表格里的文字太多" in response.text and len(response.text) < 100_000


def test_a_child_already_registered_is_not_registered_again_under_a_schools_own_student_number(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    first = upload(browser, "/mentees/import", xlsx(MENTEE_HEADERS, [["", "王五", "", "", "四年级"]]))
    confirm(browser, "/mentees/import", first)
    code = site.read(lambda db: db.execute("SELECT code FROM mentees WHERE name = '王五'").fetchone()[0])
    before = quiet(site.read(db_snapshot))
    # The school's next list carries its own student numbers in the 编号 column.
    preview = upload(browser, "/mentees/import", xlsx(MENTEE_HEADERS, [["G3206230001", "王五", "", "", "五年级"]]))
    assert f"编号“G3206230001”在系统里没有，但这个单位已有叫“王五”的帮扶对象（编号 {code}）" in sentence(preview.text)
    assert 'name="payload"' not in preview.text
    # One new child twice in one file, once with a number and once without, is one child.
    twice = upload(browser, "/mentees/import", xlsx(MENTEE_HEADERS, [["S-001", "赵六"], ["", "赵 六"]]))
    assert "与第 2 行姓名相同" in twice.text and 'name="payload"' not in twice.text
    # Two new children of one name, each with its own number, are two children.
    twins = upload(browser, "/mentees/import", xlsx(MENTEE_HEADERS, [["S-001", "赵六"], ["S-002", "赵六"]]))
    assert "新增 2" in twins.text and "有错误 0" in twins.text
    assert quiet(site.read(db_snapshot)) == before


def test_formulas_import_the_results_excel_saved_and_a_file_without_results_is_refused_in_words(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    written = xlsx(MENTEE_HEADERS, [["", "公式甲", "", '="城南"&"小学"', "", "", "=2000+15", "", "", "", "",
                                     '=IF(1,"","x")', ""]])
    # As Excel saves it: each formula with its result (a text, a number, and "" as an empty t="str").
    def with_results(body: bytes) -> bytes:
        for cell in (b"D2", b"L2"):
            body = body.replace(b'<c r="' + cell + b'"><f>', b'<c r="' + cell + b'" t="str"><f>')
        body = body.replace('"小学"</f><v />'.encode(), '"小学"</f><v>城南小学</v>'.encode())
        return body.replace(b"<f>2000+15</f><v />", b"<f>2000+15</f><v>2015</v>").replace(b"<v />", b"<v></v>")

    saved = rezip(written, "xl/worksheets/sheet1.xml", with_results)
    preview = upload(browser, "/mentees/import", saved)
    assert "新增 1" in preview.text and "有错误 0" in preview.text, preview.text[-3000:]
    confirm(browser, "/mentees/import", preview)
    stored = site.read(lambda db: next(db.query(
        "SELECT school, birth_year, guardian_contact FROM mentees WHERE name = '公式甲'")))
    assert stored == {"school": "城南小学", "birth_year": 2015, "guardian_contact": None}
    # As a program that never calculates writes it: no results, which would read as empty cells.
    before = quiet(site.read(db_snapshot))
    response = upload(browser, "/mentees/import", written)
    assert response.status_code == 400, response.text[-3000:]
    assert "第 2 行“学校”、第 2 行“出生年份”、第 2 行“监护人联系方式”是公式，但文件里没有保存计算结果" in response.text
    # A text formula with no <v> at all has no result either (only an empty <v></v> is Excel's "").
    no_value = rezip(saved, "xl/worksheets/sheet1.xml",
                     lambda body: re.sub(rb'(<c r="L2" t="str"><f>[^<]*</f>)<v></v>', rb"\1", body))
    response = upload(browser, "/mentees/import", no_value)
    assert response.status_code == 400 and "第 2 行“监护人联系方式”是公式" in response.text
    assert quiet(site.read(db_snapshot)) == before


def test_a_login_given_in_the_file_is_never_generated_for_another_of_its_volunteers(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    # Row 2 gets a generated login m + phone, which is the login row 3 asks for.
    rows = [["甲", "13900000001", "", "", "", ""], ["乙", "13900000002", "m13900000001", "", "", ""]]
    preview = upload(browser, "/mentors/import", xlsx(MENTOR_HEADERS, rows))
    done = confirm(browser, "/mentors/import", preview)
    assert done.status_code == 303, re.findall(r'class="error".*', done.text)
    logins = site.read(lambda db: dict(db.execute(
        "SELECT phone, login FROM users WHERE phone IN ('13900000001', '13900000002')").fetchall()))
    assert logins["13900000002"] == "m13900000001" and logins["13900000001"] not in ("m13900000001", "")


def test_one_new_code_under_two_units_in_one_file_is_refused_not_two_children_with_one_code(site: Site) -> None:
    browser = site.as_(site.w.staff_town1)
    before = quiet(site.read(db_snapshot))
    preview = upload(browser, "/mentees/import", xlsx(MENTEE_HEADERS, [["S-1", "甲", "掘港中学"],
                                                                       ["S-1", "乙", "掘港小学辅导站"]]))
    assert "与第 2 行编号相同，但所属单位不同" in preview.text and 'name="payload"' not in preview.text
    assert quiet(site.read(db_snapshot)) == before


def test_a_short_list_of_just_numbers_and_names_is_read_wherever_its_header_row_is(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["帮扶对象名单"], ["序号", "姓名"], [1, "甲小"], [2, "乙小"]):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    preview = upload(browser, "/mentees/import", out.getvalue())
    assert "新增 2" in preview.text and "不认识的列" not in preview.text, preview.text[-2000:]
    # On row 1, a column the import does not know beside 姓名 is still the header row.
    own = upload(browser, "/mentees/import", xlsx(["姓名", "身高"], [["丙小", "140"]]))
    assert "新增 1" in own.text and "不认识的列“身高”，已忽略" in own.text


@pytest.mark.parametrize("size", [b"A1:M3", b"A1"])
def test_a_sheet_that_understates_its_size_is_read_to_its_last_row_not_half_imported(site: Site, size: bytes) -> None:
    data = xlsx(MENTEE_HEADERS, [["", f"孩子{i}"] for i in range(10)])
    # Written by a program that set <dimension> wrong: the sheet claims fewer rows than it has.
    data = rezip(data, "xl/worksheets/sheet1.xml",
                 lambda body: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="' + size + b'"', body))
    preview = upload(site.as_(site.w.staff_st11), "/mentees/import", data)
    assert "新增 10" in preview.text and "孩子9" in preview.text


def test_two_class_lists_pasted_one_below_the_other_import_without_a_child_named_after_a_column(site: Site) -> None:
    data = xlsx(MENTEE_HEADERS, [["", "一班甲", "", "", "一年级", "男"],
                                 [],
                                 ["编号", "姓名（必填）", "所属单位", "学校", "年级", "性别"],
                                 ["", "二班乙", "", "", "二年级", "女"]])
    preview = upload(site.as_(site.w.staff_st11), "/mentees/import", data)
    assert "新增 2" in preview.text and "有错误 0" in preview.text and "第 4 行是又一行列名，已跳过" in preview.text
    # Written in the school's own column names, the second header is no child named 学生姓名 either.
    own = xlsx(["学生姓名", "班级", "家长电话"], [["一班丙", "一(1)班", ""], ["学生姓名", "班级", "家长电话"],
                                            ["二班丁", "二(1)班", ""]])
    preview = upload(site.as_(site.w.staff_st11), "/mentees/import", own)
    assert "新增 2" in preview.text and "第 3 行是又一行列名，已跳过" in preview.text, preview.text[-2000:]


def test_a_code_column_of_row_numbers_never_renames_one_child_after_another(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    # A school's first list: its 编号 column counts the rows, so two children are registered as 1 and 2.
    first = upload(browser, "/mentees/import", xlsx(MENTEE_HEADERS, [["1", "张三"], ["2", "李四"]]))
    confirm(browser, "/mentees/import", first)
    before = quiet(site.read(db_snapshot))
    # Its next list, sorted another way: row 1 is now 李四.
    preview = upload(browser, "/mentees/import", xlsx(MENTEE_HEADERS, [["1", "李四", "", "", "五年级"],
                                                                       ["2", "张三", "", "", "五年级"]]))
    assert "编号“1”在系统里是“张三”，这一行的姓名却是“李四”" in preview.text
    assert 'name="payload"' not in preview.text and "姓名：张三 → 李四" not in preview.text
    assert quiet(site.read(db_snapshot)) == before


def test_a_volunteer_already_here_listed_with_a_new_phone_is_not_made_a_second_account(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    first = upload(browser, "/mentors/import", xlsx(MENTOR_HEADERS, [["钱老师", "13905130001", "", "", "", ""]]))
    confirm(browser, "/mentors/import", first)
    before = quiet(site.read(db_snapshot))
    moved = upload(browser, "/mentors/import", xlsx(MENTOR_HEADERS, [["钱 老师", "13905139999", "", "", "", ""]]))
    assert "本单位已有志愿者“钱老师”（用户名 m13905130001，手机号 13905130001）" in moved.text
    assert 'name="payload"' not in moved.text
    assert quiet(site.read(db_snapshot)) == before
    # Named by her login, the new number is a change to her account.
    by_login = upload(browser, "/mentors/import", xlsx(MENTOR_HEADERS, [["钱老师", "13905139999", "m13905130001",
                                                                         "", "", ""]]))
    assert "手机号：13905130001 → 13905139999" in by_login.text and "有错误 0" in by_login.text


def test_a_phone_handed_on_to_someone_else_never_renames_the_volunteer_who_had_it(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    first = upload(browser, "/mentors/import", xlsx(MENTOR_HEADERS, [["钱老师", "13905130001", "", "", "", ""]]))
    confirm(browser, "/mentors/import", first)
    before = quiet(site.read(db_snapshot))
    handed_on = upload(browser, "/mentors/import", xlsx(MENTOR_HEADERS, [["钱师母", "13905130001", "", "", "", ""]]))
    assert ("手机号 13905130001 在系统里是志愿者“钱老师”（用户名 m13905130001）的，这一行的姓名却是“钱师母”"
            in handed_on.text)
    assert 'name="payload"' not in handed_on.text and "姓名：钱老师 → 钱师母" not in handed_on.text
    assert quiet(site.read(db_snapshot)) == before


def test_a_code_typed_in_full_width_or_with_a_full_width_space_is_the_childs_own_code(site: Site) -> None:
    """ＢＸ－… and a trailing U+3000 from a Chinese input method name the child already registered
    under BX-…: the row updates her, and never registers a second child (sync.rules ``mentee_code``)."""
    w = site.w
    code = site.read(lambda db: db.execute("SELECT code FROM mentees WHERE id = ?", [w.mentee1]).fetchone()[0])
    typed = code.translate({ord(c): ord(c) + 0xFEE0 for c in "BX-0123456789M"}) + "\u3000"
    before = site.read(lambda db: db.execute("SELECT count(*) FROM mentees").fetchone()[0])
    browser = site.as_(w.staff_st11)
    cells = [typed, "小明", "掘港小学辅导站", "", "", "", "", "", "", "", "", "", "补的备注"]
    preview = upload(browser, "/mentees/import", xlsx(MENTEE_HEADERS, [cells]))
    assert "新增 0" in preview.text, preview.text
    done = browser.post("/mentees/import", {"payload": payload_of(preview.text), "action": "import", "update": "1"},
                        form_page="/mentees/import")
    assert done.status_code == 303
    assert site.read(lambda db: db.execute("SELECT count(*) FROM mentees").fetchone()[0]) == before
    assert site.read(lambda db: db.execute("SELECT code, notes FROM mentees WHERE id = ?",
                                           [w.mentee1]).fetchone()) == (code, "补的备注")


def test_an_import_confirmed_after_sign_out_elsewhere_comes_back_as_its_preview_after_signing_in(
        site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    preview = upload(browser, "/mentees/import", roster(site))
    page = back_after_sign_in(site, browser, w.staff_st11, "/mentees/import",
                              {"payload": payload_of(preview.text), "action": "import"})
    assert "新增 2" in page and 'name="action" value="import"' in page and "已恢复登录前填写的内容" in page
    assert site.read(lambda db: db.execute("SELECT count(*) FROM mentees WHERE name IN ('陈小雨', '周小军')")
                     .fetchone()[0]) == 0  # nothing imported behind the person's back: one click does it
    done = browser.post("/mentees/import", {"payload": payload_of(page), "action": "import"},
                        token=re.search(r'name="csrf_token" value="([^"]+)"', page).group(1))
    assert done.status_code == 303
    assert site.read(lambda db: db.execute("SELECT count(*) FROM mentees WHERE name IN ('陈小雨', '周小军')")
                     .fetchone()[0]) == 2


def saved(book: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_rows_a_school_hid_are_not_imported_and_the_preview_says_which(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (MENTEE_HEADERS, ["", "在校甲"], ["", "已转学乙"], ["", "已毕业丙"], ["", "仍在校丁"]):
        sheet.append(row)
    for line in (3, 4):  # the children who left, hidden rather than deleted
        sheet.row_dimensions[line].hidden = True
    before = quiet(site.read(db_snapshot))
    preview = upload(browser, "/mentees/import", saved(book))
    assert "新增 2" in preview.text and "第 3、4 行在表格里是隐藏的" in preview.text, preview.text[-2000:]
    assert "已转学乙" not in preview.text and "已毕业丙" not in preview.text
    assert quiet(site.read(db_snapshot)) == before
    confirm(browser, "/mentees/import", preview)
    # A list filtered down to nothing says why nothing was read, not just that there is no data.
    for line in (2, 5):
        sheet.row_dimensions[line].hidden = True
    response = upload(browser, "/mentees/import", saved(book))
    assert response.status_code == 400 and "第 2、3、4、5 行在表格里是隐藏的" in response.text
    names = site.read(lambda db: {r[0] for r in db.execute("SELECT name FROM mentees WHERE name LIKE '%乙' OR"
                                                            " name LIKE '%丙' OR name LIKE '%在校%'")})
    assert names == {"在校甲", "仍在校丁"}


def test_a_hidden_column_is_not_imported_and_a_hidden_name_column_is_refused_in_words(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(MENTEE_HEADERS)
    sheet.append(["", "隐列甲", "", "", "", "", "", "", "", "", "", "13900000000（旧号）"])
    sheet.column_dimensions["L"].hidden = True  # 监护人联系方式: an old number the school no longer shows
    preview = upload(browser, "/mentees/import", saved(book))
    assert "新增 1" in preview.text and "“监护人联系方式”列在表格里是隐藏的，没有导入" in preview.text
    confirm(browser, "/mentees/import", preview)
    stored = site.read(lambda db: db.execute("SELECT guardian_contact FROM mentees WHERE name = '隐列甲'").fetchone())
    assert stored == (None,)
    sheet.column_dimensions["L"].hidden = False
    sheet.column_dimensions["B"].hidden = True
    response = upload(browser, "/mentees/import", saved(book))
    assert response.status_code == 400 and "必填的“姓名”列在表格里是隐藏的" in response.text


def test_a_hidden_sheet_of_last_terms_children_is_never_read_as_this_terms(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    book = openpyxl.Workbook()
    old = book.active
    assert old is not None
    old.title = "去年名单"
    old.append(MENTEE_HEADERS)
    old.append(["", "去年的孩子"])
    old.sheet_state = "hidden"
    this_term = book.create_sheet("今年名单")
    this_term.append(MENTEE_HEADERS)
    this_term.append(["", "今年的孩子"])
    preview = upload(browser, "/mentees/import", saved(book))
    assert "新增 1" in preview.text and "今年的孩子" in preview.text and "去年的孩子" not in preview.text
    # The only list hidden: refused in words, not "no header found".
    del book["今年名单"]
    book.create_sheet("Sheet2")
    response = upload(browser, "/mentees/import", saved(book))
    assert response.status_code == 400 and "名单在隐藏的工作表“去年名单”里" in response.text, response.text[-2000:]


def test_a_list_with_borders_painted_far_below_it_imports_or_is_refused_saying_what_to_delete(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    thin = openpyxl.styles.Side(style="thin")
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(MENTEE_HEADERS)
    sheet.append(["", "框线甲"])
    for line in range(3, 5000):  # a table drawn for the children still to come
        for column in range(1, 14):
            sheet.cell(row=line, column=column).border = openpyxl.styles.Border(top=thin, bottom=thin)
    preview = upload(browser, "/mentees/import", saved(book))
    assert "新增 1" in preview.text and "有错误 0" in preview.text
    for line in range(5000, 30000):  # borders down to row 30,000: each row is in the file
        sheet.cell(row=line, column=1).border = openpyxl.styles.Border(top=thin)
    response = upload(browser, "/mentees/import", saved(book))
    assert response.status_code == 400 and "名单下面还有上万行看起来是空的行" in response.text
    assert "右键“删除”" in response.text


def test_a_schools_own_column_names_are_read_and_its_student_numbers_are_not_taken_for_codes(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    headers = ["序号", "学号", "学生姓名", "性别", "出生日期", "班级", "监护人姓名", "家长电话", "身份证号"]
    data = xlsx(headers, [[1, "20150101", "校表甲", "男生", "2015/3/5", "四(2)班", "甲爷爷", "139-0513-0001",
                           "320623201503050011"],
                          [2, "20150102", "校表乙", "女孩", datetime.date(2016, 1, 9), "三(1)班", "乙妈妈", "", ""]])
    preview = upload(browser, "/mentees/import", data)
    assert "新增 2" in preview.text and "有错误 0" in preview.text, preview.text[-3000:]
    for words in ("“学号”是学校自己的编号，不是系统里的编号，这一列没有导入", "“身份证号”没有导入：系统不保存身份证号"):
        assert words in preview.text, words
    assert "320623201503050011" not in preview.text
    confirm(browser, "/mentees/import", preview)
    rows = site.read(lambda db: list(db.query(
        "SELECT code, name, gender, birth_year, grade, guardian_name, guardian_contact FROM mentees"
        " WHERE name LIKE '校表%' ORDER BY name")))
    assert all(re.fullmatch(r"BX-\d{4}-\d{4}", r.pop("code")) for r in rows)
    assert rows == [
        {"name": "校表乙", "gender": "female", "birth_year": 2016, "grade": "三年级(1)班", "guardian_name": "乙妈妈",
         "guardian_contact": None},
        {"name": "校表甲", "gender": "male", "birth_year": 2015, "grade": "四年级(2)班", "guardian_name": "甲爷爷",
         "guardian_contact": "139-0513-0001"}]
    # A sheet with both 年级 and 班级 reads 年级 and says 班级 was left out.
    both = upload(browser, "/mentees/import", xlsx(["姓名", "年级", "班级"], [["另一表丙", "五年级", "五(3)班"]]))
    assert "新增 1" in both.text and "已有“年级”列，“班级”列已忽略" in both.text


@pytest.mark.parametrize(("headers", "words"), [
    (["学生", "姓名", "性别", "姓名"], "第 1 行有 2 列都是“姓名”（姓名、姓名）"),  # the child's and the parent's
    (["学生姓名", "姓名"], "有 2 列都是“姓名”（学生姓名、姓名）"),
    (["家长电话", "联系电话", "姓名"], "有 2 列都是“监护人联系方式”（家长电话、联系电话）"),
    (["学生编号", "姓名"], "列名“学生编号”说不清是什么"),
])
def test_columns_that_could_fill_one_field_twice_or_mean_two_things_are_refused_in_words(
        site: Site, headers: list[str], words: str) -> None:
    before = quiet(site.read(db_snapshot))
    data = xlsx(headers, [[f"值{i}" for i in range(len(headers))]])
    response = upload(site.as_(site.w.staff_st11), "/mentees/import", data)
    assert response.status_code == 400 and words in response.text, response.text[-2000:]
    assert quiet(site.read(db_snapshot)) == before


def test_a_volunteer_list_with_its_own_column_names_imports(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    data = xlsx(["序号", "志愿者姓名", "联系电话", "身份", "有无智能手机"],
                [[1, "别名老师", "13905137777", "退休教师", "没有"]])
    preview = upload(browser, "/mentors/import", data)
    assert "新增 1" in preview.text and "有错误 0" in preview.text and "不认识的列" not in preview.text
    confirm(browser, "/mentors/import", preview)
    stored = site.read(lambda db: next(db.query(
        "SELECT name, about, smartphone FROM users WHERE phone = '13905137777'")))
    assert stored == {"name": "别名老师", "about": "退休教师", "smartphone": 0}


def zipped(*members: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for member in members:
            archive.writestr(member, b"<x/>")
    return out.getvalue()


@pytest.mark.parametrize(("data", "name", "words"), [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "名单.et", "WPS 表格文件（.et）。请在 Excel 或 WPS 里“另存为”"),
    (zipped("Index/Document.iwa", "Metadata/Properties.plist"), "名单.numbers", "这是苹果 Numbers 表格（.numbers）"),
    (zipped("mimetype", "content.xml"), "名单.ods", "这是 OpenDocument 表格（.ods）"),
    (zipped("[Content_Types].xml", "xl/workbook.bin"), "名单.xlsb", "这是 Excel 二进制工作簿（.xlsb）"),
    (zipped("[Content_Types].xml", "word/document.xml"), "名单.docx", "这是 Word 文档"),
    (rezip(xlsx(["姓名"], [["甲"]]), "xl/workbook.xml", lambda body: body.replace(
        b"http://schemas.openxmlformats.org/spreadsheetml/2006/main", b"http://purl.oclc.org/ooxml/spreadsheetml/main")),
     "名单.xlsx", "“Strict Open XML 电子表格”格式"),
])
def test_other_spreadsheet_formats_are_told_how_to_save_as_xlsx_not_called_damaged(site: Site, data: bytes,
                                                                                   name: str, words: str) -> None:
    response = upload(site.as_(site.w.staff_st11), "/mentees/import", data, name)
    assert response.status_code == 400 and words in response.text, response.text[-2000:]
    assert "已损坏" not in response.text


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8", "utf-16"])
def test_a_csv_as_chinese_excel_saves_it_imports_with_its_names_whole(site: Site, encoding: str) -> None:
    browser = site.as_(site.w.staff_st11)
    separator = "\t" if encoding == "utf-16" else ","  # Excel's "Unicode 文本" is tab-separated UTF-16
    lines = ["帮扶对象名单", separator.join(["序号", "姓名", "性别", "出生年份", "一人一策", "监护人联系方式"]),
             separator.join(["1", "欧阳小燕", "女", "2015", '"每周家访，\n月底小结"', "13912345678"]),
             separator.join(["2", "喆喆", "男", "2016", "", ""])]  # 喆: in GB18030, not in GB2312
    data = "\r\n".join(lines).encode(encoding if encoding != "gbk" else "gb18030")
    preview = upload(browser, "/mentees/import", data, "名单.csv")
    assert "新增 2" in preview.text and "有错误 0" in preview.text, preview.text[-2000:]
    assert "第 3 行" in preview.text and "第 4 行" in preview.text
    confirm(browser, "/mentees/import", preview)
    rows = site.read(lambda db: list(db.query(
        "SELECT name, gender, birth_year, plan, guardian_contact FROM mentees WHERE name IN ('欧阳小燕', '喆喆')"
        " ORDER BY name = '喆喆'")))
    assert rows == [{"name": "欧阳小燕", "gender": "female", "birth_year": 2015, "plan": "每周家访，\n月底小结",
                     "guardian_contact": "13912345678"},
                    {"name": "喆喆", "gender": "male", "birth_year": 2016, "plan": None, "guardian_contact": None}]


def test_totals_and_signatures_under_a_list_are_never_registered_as_children(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    data = xlsx(["姓名", "性别", "备注"], [["陈甲", "男", ""],
                                         ["合计：2人", "", ""],
                                         ["", "", "填表人：张老师"]])
    preview = upload(browser, "/mentees/import", data)
    assert "新增 1" in preview.text and "有错误 0" in preview.text, preview.text[-2000:]
    assert "第 3 行是表格末尾的合计或签名（合计：2人），已跳过" in preview.text
    assert "第 4 行是表格末尾的合计或签名（填表人：张老师），已跳过" in preview.text
    # A total beside a real cell is not passed over: the row is refused in words, never a child named 共 2 人.
    mixed = upload(browser, "/mentees/import", xlsx(["姓名", "性别"], [["陈甲", "男"], ["共 2 人", "男"]]))
    assert "像是表格末尾的合计或签名行" in mixed.text and 'name="payload"' not in mixed.text
    volunteers = upload(browser, "/mentors/import", xlsx(MENTOR_HEADERS, [["审核人：李", "13905130009"]]))
    assert "像是表格末尾的合计或签名行" in volunteers.text and 'name="payload"' not in volunteers.text


def test_birth_dates_as_record_systems_export_them_import_and_ages_are_refused_in_words(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    this_year = local_today().year  # the server's year (Beijing), not the machine's: 16:00-24:00 UTC on 31 December
    preview = upload(browser, "/mentees/import", xlsx(["姓名", "出生日期"], [["数日甲", "20150305"],
                                                                          ["数日乙", "2016/3/5"],
                                                                          ["数日丙", "10岁"],
                                                                          ["数日丁", 9]]))
    assert "新增 2" in preview.text and "有错误 2" in preview.text, preview.text[-3000:]
    assert f"“出生年份”这一格填的是年龄（10岁），请改填出生年份（如 {this_year - 10}" in preview.text
    assert "“出生年份”这一格填的是年龄（9）" in preview.text
    fixed = upload(browser, "/mentees/import", xlsx(["姓名", "出生日期"], [["数日甲", "20150305"],
                                                                        ["数日乙", "2016/3/5"]]))
    confirm(browser, "/mentees/import", fixed)
    years = site.read(lambda db: dict(db.execute("SELECT name, birth_year FROM mentees WHERE name LIKE '数日%'")))
    assert years == {"数日甲": 2015, "数日乙": 2016}


def test_a_guardians_phone_written_with_dashes_spaces_or_86_is_no_change_to_the_number_on_record(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    confirm(browser, "/mentees/import", upload(browser, "/mentees/import",
                                               xlsx(["姓名", "家长电话"], [["号码甲", 13905130001]])))
    before = quiet(site.read(db_snapshot))
    for written in ("139-0513-0001", "139 0513 0001", "+86 139 0513 0001", "（+86）13905130001"):
        again = upload(browser, "/mentees/import", xlsx(["姓名", "家长电话"], [["号码甲", written]]))
        assert "无变化 1" in again.text and "有改动 0" in again.text, written
    changed = upload(browser, "/mentees/import", xlsx(["姓名", "家长电话"], [["号码甲", "139-0513-0002"]]))
    assert "监护人联系方式：13905130001 → 139-0513-0002" in changed.text
    assert quiet(site.read(db_snapshot)) == before


def test_an_id_card_number_in_the_code_column_is_never_made_a_childs_code(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    before = quiet(site.read(db_snapshot))
    for number in ("32062320150305001X", "320623150305001"):
        preview = upload(browser, "/mentees/import", xlsx(["编号", "姓名"], [[number, "证号甲"]]))
        assert "“编号”这一格像是身份证号" in preview.text and 'name="payload"' not in preview.text, number
    # A 全国学籍号 is G and the child's ID number: in the 编号 column, the county would read the ID number.
    preview = upload(browser, "/mentees/import", xlsx(["编号", "姓名"], [["G320623201503050011", "证号甲"]]))
    assert "“编号”这一格像是身份证号（或含身份证号的全国学籍号）" in preview.text
    assert 'name="payload"' not in preview.text and "320623201503050011" not in preview.text.split("</table>")[-1]
    assert quiet(site.read(db_snapshot)) == before
    # A school's own long number that is no ID card is not taken for one.
    other = upload(browser, "/mentees/import", xlsx(["编号", "姓名"], [["G320623201503", "证号乙"]]))
    assert "新增 1" in other.text and "身份证号" not in other.text


def test_children_whose_names_a_school_struck_through_are_not_imported_and_the_preview_says_which(
        site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["姓名", "年级"], ["划线甲", "四年级"], ["划线乙", "五年级"], ["未划线丙", "六年级"]):
        sheet.append(row)
    sheet["A3"].font = openpyxl.styles.Font(strike=True)  # 划线乙 left
    sheet["B4"].font = openpyxl.styles.Font(strike=True)  # only 未划线丙's old grade struck: still here
    preview = upload(browser, "/mentees/import", saved(book))
    assert "新增 2" in preview.text and "第 3 行的姓名划了删除线" in preview.text, preview.text[-2000:]
    assert "划线乙" not in preview.text and "划线丙" in preview.text


def test_genders_as_record_systems_code_them_import_and_unknown_or_ambiguous_ones_are_refused_in_words(
        site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    sexes = [1, "2", 1.0, "１", "男性", "女性", "M", "f", "Female"]
    good = [[f"码性{i}", sex] for i, sex in enumerate(sexes)]
    preview = upload(browser, "/mentees/import", xlsx(["姓名", "性别"], [*good, ["码性甲", 0], ["码性乙", "9"],
                                                                        ["码性丙", "男/女"]]))
    assert f"新增 {len(sexes)}" in preview.text and "有错误 3" in preview.text, preview.text[-3000:]
    assert "“性别”填的是 0，按国标代码是“未知的性别”" in preview.text and "“未说明的性别”" in preview.text
    assert "这一行填的是“男/女”。也可填国标代码 1（男）或 2（女）" in preview.text
    assert 'name="action" value="import"' not in preview.text  # a refused row: the file imports nothing
    confirm(browser, "/mentees/import", upload(browser, "/mentees/import", xlsx(["姓名", "性别"], good)))
    stored = site.read(lambda db: dict(db.execute("SELECT name, gender FROM mentees WHERE name LIKE '码性%'")))
    assert stored == {f"码性{i}": "male" if i in (0, 2, 3, 4, 6) else "female" for i in range(len(sexes))}


def two_row_header(upper: list[str], lower: list[str], rows: list[list[Any]], merges: list[str]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for line in (upper, lower, *rows):
        sheet.append(line)
    for cells in merges:
        sheet.merge_cells(cells)
    return saved(book)


def test_a_two_row_header_a_school_merged_is_read_as_a_person_reads_it(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    upper = ["序号", "姓名", "性别", "监护人", "", "家庭情况", "", "班主任", ""]
    lower = ["", "", "", "姓名", "电话", "类别", "备注", "姓名", "电话"]
    rows = [[1, "双行甲", 1, "甲奶奶", "13905130011", "家庭经济困难", "低保", "钱老师", "13905139999"],
            [2, "双行乙", "女", "乙爸爸", "13905130012", "", "", "钱老师", "13905139999"]]
    merges = ["A1:A2", "B1:B2", "C1:C2", "D1:E1", "F1:G1", "H1:I1"]
    preview = upload(browser, "/mentees/import", two_row_header(upper, lower, rows, merges))
    assert "新增 2" in preview.text and "有错误 0" in preview.text, preview.text[-3000:]
    assert "“班主任 / 姓名”是班主任的信息" in preview.text and "钱老师" not in preview.text.split("</table>")[-1]
    confirm(browser, "/mentees/import", preview)
    stored = site.read(lambda db: list(db.query(
        "SELECT name, gender, guardian_name, guardian_contact, categories, notes FROM mentees"
        " WHERE name LIKE '双行%' ORDER BY name")))
    assert stored == [
        {"name": "双行乙", "gender": "female", "guardian_name": "乙爸爸", "guardian_contact": "13905130012",
         "categories": "[]", "notes": None},
        {"name": "双行甲", "gender": "male", "guardian_name": "甲奶奶", "guardian_contact": "13905130011",
         "categories": '["hardship"]', "notes": "低保"}], stored
    # The same header saved as a .csv keeps no merges, only the group's name in its first cell.
    text = "\n".join(",".join(str(v) for v in line) for line in (upper, lower, *rows)).replace("双行", "文件")
    again = upload(browser, "/mentees/import", text.encode("gb18030"), name="名单.csv")
    assert "新增 2" in again.text and "有错误 0" in again.text, again.text[-3000:]
    # Groups of the child's own, over a lower row that names every column.
    grouped = two_row_header(["学生基本信息", "", "", "家长", ""], ["姓名", "性别", "出生日期", "姓名", "联系电话"],
                             [["组双甲", "男", "2015-03-05", "甲妈妈", "13905130013"]], ["A1:C1", "D1:E1"])
    preview = upload(browser, "/mentees/import", grouped)
    assert "新增 1" in preview.text and "有错误 0" in preview.text, preview.text[-3000:]
    confirm(browser, "/mentees/import", preview)
    assert site.read(lambda db: list(db.query(
        "SELECT guardian_name, guardian_contact, birth_year FROM mentees WHERE name = '组双甲'"))) == [
        {"guardian_name": "甲妈妈", "guardian_contact": "13905130013", "birth_year": 2015}]


def test_a_two_row_header_no_one_could_read_is_refused_in_words_and_nothing_written(site: Site) -> None:
    before = quiet(site.read(db_snapshot))
    data = two_row_header(["上学期", "", "本学期", ""], ["姓名", "年级", "姓名", "年级"],
                          [["双疑甲", "四年级", "双疑乙", "五年级"]], ["A1:B1", "C1:D1"])
    response = upload(site.as_(site.w.staff_st11), "/mentees/import", data)
    assert response.status_code == 400 and "有 2 列都是“姓名”" in response.text, response.text[-2000:]
    assert quiet(site.read(db_snapshot)) == before


def test_birth_dates_as_excel_day_numbers_with_a_time_of_day_or_as_year_and_month_digits_import_as_their_year(
        site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    rows = [["日数甲", "42064"], ["日数乙", "2016/3/5 0:00"], ["日数丙", datetime.datetime(2014, 5, 1, 8, 30)],
            ["日数丁丁", "42430.0"], ["日数戊戊戊", "201409"]]
    preview = upload(browser, "/mentees/import", xlsx(["姓名", "出生日期"], rows))
    assert "新增 5" in preview.text and "有错误 0" in preview.text, preview.text[-3000:]
    confirm(browser, "/mentees/import", preview)
    years = site.read(lambda db: dict(db.execute("SELECT name, birth_year FROM mentees WHERE name LIKE '日数%'")))
    assert years == {"日数甲": 2015, "日数乙": 2016, "日数丙": 2014, "日数丁丁": 2016, "日数戊戊戊": 2014}


def test_a_unit_column_naming_the_town_is_refused_saying_which_schools_and_stations_to_choose_from(
        site: Site) -> None:
    browser = site.as_(site.w.staff_town1)
    before = quiet(site.read(db_snapshot))
    preview = upload(browser, "/mentees/import", xlsx(["姓名", "所属单位"], [["镇名甲", "掘港街道"],
                                                                          ["镇名乙", "掘港中学"],
                                                                          ["镇名丙", "栟茶镇"]]))
    assert "新增 1" in preview.text and "有错误 2" in preview.text, preview.text[-3000:]
    assert ("“所属单位”填的“掘港街道”是掘港街道，不是学校或辅导站；孩子要登记在一所学校或一个辅导站下。"
            "请改填其中一个：掘港中学、掘港小学辅导站。") in preview.text
    # Another town, outside this person's units, is not described: it is not found, as any other name.
    assert "找不到名为“栟茶镇”的学校或辅导站" in preview.text and "栟茶中学" not in preview.text
    assert 'name="action" value="import"' not in preview.text and quiet(site.read(db_snapshot)) == before


def test_a_name_with_an_invisible_character_or_a_space_inside_is_the_child_already_registered_not_another(
        site: Site) -> None:
    w = site.w
    site.write(lambda db: make_mentee(db, w.staff_st11, w.st11, name="王　雨欣"))  # typed into a form
    browser = site.as_(w.staff_st11)
    before = quiet(site.read(db_snapshot))
    # Copied from a WeChat message or a web page: a zero-width space, a BOM, a soft hyphen.
    rows = [["小\u200b明", "四年级"], ["\ufeff王雨欣", "五年级"], ["小\u00adrain", ""]]
    preview = upload(browser, "/mentees/import", xlsx(["姓名", "年级"], rows))
    assert "新增 1" in preview.text and "有改动 2" in preview.text and "有错误 0" in preview.text, preview.text[-3000:]
    confirm(browser, "/mentees/import", preview)
    after = site.read(lambda db: sorted(r[0] for r in db.execute("SELECT name FROM mentees")))
    assert len(after) == len(before["mentees"]) + 1 and "小rain" in after
    assert not any(ch in "".join(after) for ch in "\u200b\ufeff\u00ad")


def test_a_csv_whose_numbers_a_record_system_kept_as_text_imports_them_as_excel_shows_them(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    # ="…" keeps a number as text when Excel opens the file: Excel shows 13905130021, not ="13905130021".
    lines = ["姓名,出生日期,监护人联系方式,身份证号", '存文甲,="20150305","=""13905130021""",="320623201503050011"']
    preview = upload(browser, "/mentees/import", "\r\n".join(lines).encode("gb18030"), "名单.csv")
    assert "新增 1" in preview.text and "有错误 0" in preview.text, preview.text[-2000:]
    confirm(browser, "/mentees/import", preview)
    assert site.read(lambda db: list(db.query(
        "SELECT birth_year, guardian_contact FROM mentees WHERE name = '存文甲'"))) == [
        {"birth_year": 2015, "guardian_contact": "13905130021"}]


def test_a_volunteer_list_with_a_two_row_header_never_takes_the_emergency_contacts_phone_for_theirs(
        site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    data = two_row_header(["序号", "志愿者", "", "", "紧急联系人", ""], ["", "姓名", "手机", "身份", "姓名", "电话"],
                          [[1, "双行老师", "13905137001", "退休教师", "双行太太", "13905137002"]],
                          ["A1:A2", "B1:D1", "E1:F1"])
    preview = upload(browser, "/mentors/import", data)
    assert "新增 1" in preview.text and "有错误 0" in preview.text, preview.text[-3000:]
    assert "“紧急联系人 / 电话”是紧急联系人的信息" in preview.text
    confirm(browser, "/mentors/import", preview)
    assert site.read(lambda db: list(db.query("SELECT name, phone, about FROM users WHERE name LIKE '双行%'"))) == [
        {"name": "双行老师", "phone": "13905137001", "about": "退休教师"}]


def test_a_volunteer_made_staff_after_the_preview_is_left_alone_with_password_and_sessions(site: Site) -> None:
    # The import never turns a staff login into a volunteer (which would drop its password and
    # leave its web sessions open): a login that became staff since the preview is refused in words.
    w = site.w
    browser = site.as_(w.staff_st11)
    confirm(browser, "/mentors/import", upload(browser, "/mentors/import",
                                               xlsx(MENTOR_HEADERS, [["钱老师", "13905130001", "", "", "", ""]])))
    user_id, login = site.read(lambda db: db.execute(
        "SELECT id, login FROM users WHERE phone = '13905130001'").fetchone())
    preview = upload(browser, "/mentors/import", xlsx(MENTOR_HEADERS, [["钱老师", "", login, "", "退休教师", ""]]))
    assert "有改动 1" in preview.text
    made = site.as_(w.admin).post(f"/admin/users/{user_id}", {
        "login": login, "name": "钱老师", "role": "staff", "unit_id": w.st11, "phone": "13905130001"})
    found = re.search(r'<p class="one-time">([a-z0-9-]+)</p>', made.text)
    assert made.status_code == 200 and found
    staff = site.browser()
    assert staff.post("/login", {"username": login, "password": found.group(1)}, form_page="/login").status_code == 303
    before = quiet(site.read(db_snapshot))
    done = confirm(browser, "/mentors/import", preview)
    assert done.status_code != 303 and "已被其他账号使用" in done.text
    assert quiet(site.read(db_snapshot)) == before
    assert staff.get("/account").headers["location"].startswith("/account/new-password")  # still signed in


def row_of_cells(count: int) -> Any:
    """One row of ``count`` empty cells, each with its own reference: it packs about ten times, as a
    sheet does, well inside the unpacking limits."""
    cells = "".join(f'<c r="{get_column_letter(1 + i % 16384)}4"/>' for i in range(count)).encode()
    return lambda body: body.replace(b"</sheetData>", b'<row r="4">' + cells + b"</row></sheetData>")


def cell_formats(count: int) -> Any:
    formats = b"".join(b'<xf numFmtId="%d" fontId="0" fillId="0" borderId="0"/>' % i for i in range(count))
    return lambda body: re.sub(rb"<cellXfs[^>]*>", b"<cellXfs>" + formats, body, count=1)


def two_sheets_over_one_part(data: bytes) -> bytes:
    """A second sheet name over the first sheet's XML: each name would parse it all again."""
    def workbook(body: bytes) -> bytes:
        return body.replace(b"</sheets>", b'<sheet name="again" sheetId="9" r:id="rIdAgain"/></sheets>')

    def rels(body: bytes) -> bytes:
        return body.replace(b"</Relationships>", b'<Relationship Id="rIdAgain" Type="http://schemas.openxmlformats'
                            b'.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                            b"</Relationships>")
    return rezip(rezip(data, "xl/workbook.xml", workbook), "xl/_rels/workbook.xml.rels", rels)


@pytest.mark.parametrize(("crafted", "words"), [
    ("cells", "格子太多"), ("strings", "不同文字太多"), ("formats", "单元格格式太多"),
    ("shared part", "无法读取这个文件"), ("utf-16", "格子太多"), ("dtd", "无法读取这个文件"),
])
def test_a_workbook_holding_far_more_than_a_list_under_the_unpacking_limits_is_refused_unread(
        site: Site, crafted: str, words: str) -> None:
    """Under the 16 MB and 100× caps a file could still hold a million cells, half a million strings
    or a hundred thousand formats, each read at openpyxl's pace (5 to 20 s, docs/performance.md), or
    name one sheet's XML many times. Such files are refused in words, before openpyxl reads them."""
    roster_xlsx = roster(site)
    with zipfile.ZipFile(io.BytesIO(roster_xlsx)) as src:
        sheet, styles = src.read("xl/worksheets/sheet1.xml"), src.read("xl/styles.xml")
    data = {
        "cells": lambda: packed(roster_xlsx, "xl/worksheets/sheet1.xml", row_of_cells(250_000)(sheet)),
        "strings": lambda: packed(roster_xlsx, "xl/sharedStrings.xml", shared_strings(120_000)),
        "formats": lambda: packed(roster_xlsx, "xl/styles.xml", cell_formats(120_000)(styles)),
        "shared part": lambda: two_sheets_over_one_part(roster_xlsx),
        # the same cells in UTF-16, which a count of b"<c" would not see
        "utf-16": lambda: packed(roster_xlsx, "xl/worksheets/sheet1.xml",
                                 row_of_cells(250_000)(sheet).decode().encode("utf-16")),
        # half a million cells from a 4 KB entity used 500 times
        "dtd": lambda: packed(roster_xlsx, "xl/worksheets/sheet1.xml", b'<!DOCTYPE w [<!ENTITY a "' + b"<c/>" * 1000
                              + b'">]>' + sheet.replace(b"</sheetData>", b'<row r="4">' + b"&a;" * 500
                                                        + b"</row></sheetData>")),
    }[crafted]()
    assert len(data) < MAX_UPLOAD
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:  # inside the zip bomb limits
        parts = zipped.infolist()
    assert sum(p.file_size for p in parts) < MAX_UNPACKED
    assert all(p.file_size < 1024 * 1024 or p.file_size < MAX_PACKING * p.compress_size for p in parts)
    before = quiet(site.read(db_snapshot))
    response = upload(site.as_(site.w.staff_st11), "/mentees/import", data)
    assert response.status_code == 400 and words in html.unescape(response.text), response.text[-1500:]
    assert 'name="payload"' not in response.text, "nothing offered for import"
    assert quiet(site.read(db_snapshot)) == before


def test_the_cells_parsed_while_reading_are_counted_over_every_sheet_read(site: Site) -> None:
    """Behind the count before the file is opened: whatever slipped past it still stops at the
    cap, summed over the sheets one upload reads (a roster's two rows are 26 cells)."""
    book = openpyxl.load_workbook(io.BytesIO(roster(site)), read_only=True, data_only=True)
    budget = CellBudget()
    assert read_sheet(book.worksheets[0], mentee_columns.COLUMNS, budget) is not None
    budget.left = 30
    with pytest.raises(SheetInvalid, match="格子太多"):
        read_sheet(book.worksheets[0], mentee_columns.COLUMNS, budget)
    book.close()


def test_every_column_of_an_import_page_says_whether_it_must_be_filled(site: Site) -> None:
    """On a phone each column is a card, and a column one may leave empty read 必填： with nothing
    after it, which a reader cannot tell from a page that failed to load its answer."""
    browser = site.as_(site.w.staff_st11)
    for path, kind in (("/mentees/import", "mentee"), ("/mentors/import", "mentor")):
        said = re.findall(r'<td data-label="必填">([^<]*)</td>', browser.get(path).text)
        assert said == ["是" if c.required else "否" for c in KINDS[kind].columns], path
