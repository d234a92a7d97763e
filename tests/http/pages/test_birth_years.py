"""A child's birth year is one rule for every writer (sync.rules.birth_year_refused): the form, the
Excel import and a push accept the same years and refuse the rest in the same words; a year stored
under an older rule, or one the calendar has left behind, never locks the rest of the child's file."""
from __future__ import annotations

import html
from typing import Any

import pytest

from sync import apply_mutations, mutations
from sync.ids import new_id
from sync.rules import birth_year_refused, birth_years
from sync.timeutil import local_today

from .conftest import Site
from .test_imports import confirm, payload_of, upload, xlsx

FIRST, LAST = birth_years()


def _stored_year(site: Site, name: str) -> Any:
    rows = site.read(lambda db: db.execute("SELECT birth_year FROM mentees WHERE name = ?", [name]).fetchall())
    return rows[0][0] if rows else "not registered"


def _register(site: Site, name: str, year: int) -> Any:
    w = site.w
    return site.as_(w.staff_st11).post("/mentees/new", {"record_id": new_id(), "unit_id": w.st11, "name": name,
                                                        "birth_year": str(year), "risk_level": "normal"})


def _push(site: Site, name: str, year: int) -> Any:
    w = site.w
    return site.write(lambda db: apply_mutations(db, w.staff_st11, [mutations.upsert("mentee", {
        "unit_id": w.st11, "code": f"T-{new_id()[-6:]}", "name": name, "birth_year": year,
        "categories": [], "risk_level": "normal", "status": "active"}, new_id())])[0])


@pytest.mark.parametrize("year", [LAST + 1, FIRST - 1, LAST + 70, 1990])
def test_a_birth_year_no_pupil_has_is_refused_by_the_form_the_import_and_a_push_in_the_same_words(
        site: Site, year: int) -> None:
    words = birth_year_refused(year)
    assert words and str(FIRST) in words and str(LAST) in words
    form = _register(site, "年份甲", year)
    assert form.status_code == 400 and words in html.unescape(form.text)
    preview = upload(site.as_(site.w.staff_st11), "/mentees/import", xlsx(["姓名", "出生年份"], [["年份乙", year]]))
    assert "有错误 1" in preview.text and words in html.unescape(preview.text)
    pushed = _push(site, "年份丙", year)
    assert pushed.status == "rejected" and pushed.reason == words
    assert [_stored_year(site, n) for n in ("年份甲", "年份乙", "年份丙")] == ["not registered"] * 3


@pytest.mark.parametrize("year", [FIRST, LAST, LAST - 12])
def test_a_pupils_birth_year_is_taken_alike_by_the_form_the_import_and_a_push(site: Site, year: int) -> None:
    assert _register(site, "年份丁", year).status_code == 303
    browser = site.as_(site.w.staff_st11)
    roster = xlsx(["姓名", "出生年份"], [["年份戊戊", year]])
    confirm(browser, "/mentees/import", upload(browser, "/mentees/import", roster))
    assert _push(site, "年份己", year).status == "applied"
    assert [_stored_year(site, n) for n in ("年份丁", "年份戊戊", "年份己")] == [year] * 3


# Stored before the rule (1985: past even the old form's 1990) or left behind by the calendar.
@pytest.mark.parametrize("stored", [1985, FIRST - 1, LAST + 1])
def test_a_child_stored_with_a_year_the_rule_refuses_stays_editable_and_reimportable(site: Site,
                                                                                     stored: int) -> None:
    w = site.w
    site.write(lambda db: db.execute("UPDATE mentees SET birth_year = ? WHERE id = ?", [stored, w.mentee1]))
    version, code = site.read(lambda db: db.execute("SELECT version, code FROM mentees WHERE id = ?",
                                                    [w.mentee1]).fetchone())
    browser = site.as_(w.staff_st11)
    form = {"base_version": str(version), "unit_id": w.st11, "name": "小明", "birth_year": str(stored),
            "risk_level": "normal", "status": "active", "categories": ["psych"], "guardian_name": "李阿姨"}
    edited = browser.post(f"/mentees/{w.mentee1}/edit", form)
    assert edited.status_code == 303, html.unescape(edited.text)[-2000:]
    # The school's roster repeats the year on record: no change and no error, the new guardian is taken.
    preview = upload(browser, "/mentees/import", xlsx(["编号", "姓名", "出生年份", "监护人"],
                                                      [[code, "小明", stored, "王奶奶"]]))
    assert "有错误 0" in preview.text, html.unescape(preview.text)[-3000:]
    browser.post("/mentees/import", {"payload": payload_of(preview.text), "action": "import", "update": "1"},
                 form_page="/mentees/import")
    stored_now = site.read(lambda db: db.execute("SELECT birth_year, guardian_name, version FROM mentees WHERE id = ?",
                                                 [w.mentee1]).fetchone())
    assert stored_now[:2] == (stored, "王奶奶")
    # Writing another year outside the rule is refused, beside the field.
    changed = browser.post(f"/mentees/{w.mentee1}/edit", {**form, "base_version": str(stored_now[2]),
                                                          "birth_year": str(local_today().year + 2)})
    said = html.unescape(changed.text)
    assert changed.status_code == 400 and str(birth_year_refused(local_today().year + 2)) in said
    assert '<a href="#f-birth_year">“出生年份”</a>' in said, said[-3000:]


@pytest.mark.parametrize("year", [10**13, -(10**13), 10**30, 123_456_789_012, -5, 0])
def test_an_absurd_pushed_birth_year_is_refused_in_the_birth_year_words_not_a_range_of_integers(
        site: Site, year: int) -> None:
    """A number past what SQLite holds is still no pupil's year: said the way 1990 is, not as "应在
    -1000000000000 到 1000000000000 之间", which reads as if such a year could be right."""
    pushed = _push(site, "年份庚", year)
    assert pushed.status == "rejected" and pushed.reason == birth_year_refused(year), pushed.reason
    form = _register(site, "年份辛", year)
    assert form.status_code == 400 and str(birth_year_refused(year)) in html.unescape(form.text)
    assert [_stored_year(site, n) for n in ("年份庚", "年份辛")] == ["not registered"] * 2
