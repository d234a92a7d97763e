"""A school's sheet read into a child's fields as the county counts them: grades in one form,
yes/no columns (是否留守儿童 …) as categories, said in the preview."""
from __future__ import annotations

from .conftest import Site
from .test_imports import MENTEE_HEADERS, payload_of, upload, xlsx


def count(site: Site, sql: str, params: list[object] | None = None) -> object:
    return site.read(lambda db: db.execute(sql, params or []).fetchone()[0])


def test_grades_written_four_ways_import_as_one_grade_and_are_no_change_to_a_child_on_record(site: Site) -> None:
    w = site.w
    site.write(lambda db: db.execute("UPDATE mentees SET grade = '七年级' WHERE id = ?", [w.mentee1]))
    rows = [["", name, "", "", grade, "", "", "", "", "", "", "", ""]
            for name, grade in (("甲", "初一"), ("乙", "7年级"), ("丙", "初中一年级"), ("丁", "高一"))]
    rows.append(["", "小明", "", "", "初一", "", "", "", "", "", "", "", ""])
    browser = site.as_(w.staff_st11)
    preview = upload(browser, "/mentees/import", xlsx(MENTEE_HEADERS, rows))
    assert "新增 4" in preview.text and "有改动 0" in preview.text, preview.text
    done = browser.post("/mentees/import", {"payload": payload_of(preview.text), "action": "import"},
                        form_page="/mentees/import")
    assert done.status_code == 303
    grades = site.read(lambda db: dict(db.execute(
        "SELECT grade, count(*) FROM mentees WHERE name IN ('甲', '乙', '丙', '丁', '小明')"
        " GROUP BY grade").fetchall()))
    assert grades == {"七年级": 4, "高一": 1}
