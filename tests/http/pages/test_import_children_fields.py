"""A school's sheet read into a child's fields as the county counts them: grades in one form,
yes/no columns (是否留守儿童 …) as categories, said in the preview."""
from __future__ import annotations

import json

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


def test_yes_no_columns_become_categories_said_in_the_preview_and_never_take_one_away(site: Site) -> None:
    """是否留守儿童 | 是否单亲 | 是否困难家庭 as schools fill them (是/否/√/×/1/0/Y/N/空): a 是 adds the
    category the column means, a 否 or a blank takes none away, anything else is refused in words."""
    w = site.w  # 小明 is registered with 心理行为问题 (psych)
    headers = ["姓名", "年级", "是否留守儿童", "是否单亲", "是否困难家庭"]
    rows = [["甲", "四年级", "是", "×", "0"], ["乙", "四年级", "√", "√", "Y"], ["丙", "四年级", "否", "", "N"],
            ["丁", "四年级", "1", "否", "1"], ["小明", "", "Y", "", ""]]
    browser = site.as_(w.staff_st11)
    preview = upload(browser, "/mentees/import", xlsx(headers, rows))
    text = preview.text
    assert "“是否留守儿童”一列读作类别“留守/特殊家庭”：填“是”（或 √、1、Y）的 4 个孩子加上这个类别" in text, text
    assert "“是否困难家庭”一列读作类别“家庭经济困难”" in text and "“是否单亲家庭”一列读作类别“留守/特殊家庭”" in text
    assert "不认识的列" not in text
    done = browser.post("/mentees/import", {"payload": payload_of(text), "action": "import", "update": "1"},
                        form_page="/mentees/import")
    assert done.status_code == 303
    stored = site.read(lambda db: dict(db.execute("SELECT name, categories FROM mentees").fetchall()))
    assert {name: sorted(json.loads(stored[name])) for name in ("甲", "乙", "丙", "丁", "小明")} == {
        "甲": ["left_behind"], "乙": ["hardship", "left_behind"], "丙": [], "丁": ["hardship", "left_behind"],
        "小明": ["left_behind", "psych"]}  # 小明 keeps 心理行为问题: no column said anything of it

    refused = upload(browser, "/mentees/import", xlsx(headers, [["戊", "四年级", "不清楚", "", ""]]))
    assert "“是否留守儿童”应填 是 或 否（√、×、1、0、Y、N 也可以），这一行填的是“不清楚”" in refused.text
    assert 'name="payload"' not in refused.text
