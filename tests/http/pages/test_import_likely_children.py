"""The 导入 page's preview holds back a row that is likely a child already registered (a name one
character off in the unit, or the same child the town moved to another unit) and a birth date the
calendar does not have, saying why in words and offering no import: nothing is written."""
from __future__ import annotations

from ...factories import db_snapshot, make_mentee
from .conftest import Site, sentence
from .test_imports import MENTEE_HEADERS, quiet, upload, xlsx


def _code(site: Site, child: str) -> str:
    return str(site.read(lambda db: db.execute("SELECT code FROM mentees WHERE id = ?", [child]).fetchone()[0]))


def test_the_preview_holds_back_a_near_name_a_moved_child_and_an_impossible_birth_date(site: Site) -> None:
    w = site.w
    ruoxi = site.write(lambda db: make_mentee(db, w.staff_st11, w.st11, name="张若曦", birth_year=2015,
                                              gender="female"))
    moved = site.write(lambda db: make_mentee(db, w.staff_st21, w.st21, name="刘思远", birth_year=2014))
    before = quiet(site.read(db_snapshot))
    roster = xlsx(MENTEE_HEADERS, [["", "张若希", "", "", "", "女", 2015],
                                   ["", "刘思远", "", "", "", "男", "2014-06-01"],
                                   ["", "周日期", "", "", "", "男", "2016-13-45"],
                                   ["", "陈新来", "", "", "", "女", 2016]])
    preview = upload(site.as_(w.staff_st11), "/mentees/import", roster)
    text = sentence(preview.text)
    assert "有错误 3" in text and 'name="payload"' not in preview.text, "no import until they are decided"
    assert "姓名只差一个字" in text and _code(site, ruoxi) in text
    assert "县里别的单位已登记了一个同名的孩子" in text and _code(site, moved) not in text
    assert "“出生年份”这一格填的“2016-13-45”不是日历上有的日子" in text
    assert quiet(site.read(db_snapshot)) == before
