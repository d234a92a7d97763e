"""The event form, list, detail, /coverage and the year-end summary show the registers the two notices
ask for: 活动方案, 补课 on a summer 第1–3讲, 收看微课 with its 转发家长, 教师培训."""
from __future__ import annotations

import html
import re
from typing import Any

from ...factories import mutate, row
from .conftest import Site

MAKE_UP = {"kind": "lecture", "date": "2026-08-05", "title": "暑期补课：认识情绪", "lecture_no": "2",
           "make_up": "1", "audience": "students", "participants": "64", "copies": "", "forwarded": "",
           "online": "", "plan": "暑假集中办班两期，每期两课时；由辅导站老师主讲。", "notes": ""}


def _text(response: Any) -> str:
    return html.unescape(response.text)


def test_a_make_up_lecture_is_recorded_from_the_form_with_its_plan_and_marked_on_the_list_and_detail(
        site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    form = _text(browser.get("/events/new"))
    for words in ("教师培训", "收看微课", "补课（暑假补上半年的第1–3讲）", "转发家长（人）", "活动方案", "面对面谈心"):
        assert words in form, words
    response = browser.post("/events/new", {**MAKE_UP, "unit_id": w.st11})
    assert response.status_code == 303, response.text
    stored = site.read(lambda db: list(db.query("SELECT * FROM events WHERE title = ?", [MAKE_UP["title"]])))
    assert [(e["make_up"], e["plan"], e["forwarded"]) for e in stored] == [(1, MAKE_UP["plan"], None)]
    listing = _text(browser.get("/events", params={"from": "2026-01-01", "to": "2026-12-31"}))
    assert '宣讲（第2讲） <span class="badge">补课</span>' in listing
    assert "其中补课 1 场" in listing
    detail = _text(site.as_(w.reviewer).get(f"/events/{stored[0]['id']}"))
    assert "补课" in detail and "计入上半年覆盖率" in detail and MAKE_UP["plan"] in detail
    # The edit form shows the box ticked and the plan, so a save of another field keeps both.
    edit = browser.get(f"/events/{stored[0]['id']}").text
    assert 'name="make_up" value="1" checked' in edit and html.escape(MAKE_UP["plan"]) in edit


def test_a_micro_lesson_with_its_forwards_is_listed_with_them(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    response = browser.post("/events/new", {**MAKE_UP, "unit_id": w.st11, "kind": "micro_lesson", "lecture_no": "",
                                            "make_up": "", "audience": "", "participants": "520", "forwarded": "300",
                                            "title": "县关工委微课第3集"})
    assert response.status_code == 303, response.text
    listing = _text(browser.get("/events", params={"kind": "micro_lesson", "from": "2026-01-01", "to": "2026-12-31"}))
    assert "收看微课" in listing and "转发家长 300 人" in listing and "微课转发家长 300 人" in listing


def test_a_fourth_lecture_marked_make_up_is_a_400_said_beside_the_make_up_box_and_saves_nothing(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    before = site.read(lambda db: db.execute("SELECT count(*) FROM events").fetchone()[0])
    for fields, words in (({"lecture_no": "4"}, "第4讲不能标为补课"),
                          ({"kind": "class_meeting", "lecture_no": ""}, "只有宣讲（第1–3讲）可以标为补课"),
                          ({"make_up": "", "forwarded": "-3"}, "转发家长"),
                          ({"make_up": "", "forwarded": "12"}, "“转发家长”只用于收看微课")):
        response = browser.post("/events/new", {**MAKE_UP, "unit_id": w.st11, **fields})
        assert response.status_code == 400, fields
        assert words in _text(response), (fields, _text(response)[:300])
        assert 'class="field-error"' in response.text and 'aria-invalid="true"' in response.text
    assert site.read(lambda db: db.execute("SELECT count(*) FROM events").fetchone()[0]) == before


def test_an_edit_of_an_event_stored_before_the_registers_keeps_working(site: Site) -> None:
    """``w.event1`` is written without plan, 补课 or forwards, as a client of the older shape writes."""
    w = site.w
    stored = site.read(lambda db: row(db, "event", w.event1))
    assert stored is not None and (stored["plan"], stored["make_up"], stored["forwarded"]) == (None, 0, None)
    browser = site.as_(w.staff_st11)
    form = browser.get(f"/events/{w.event1}")
    assert form.status_code == 200
    values = {k: ("" if stored[k] is None else str(stored[k])) for k in (
        "unit_id", "kind", "date", "title", "lecture_no", "audience", "participants", "copies", "notes")}
    values.update(online="1" if stored["online"] else "", base_version=str(stored["version"]), title="改过的主题")
    assert browser.post(f"/events/{w.event1}", values).status_code == 303
    after = site.read(lambda db: row(db, "event", w.event1))
    assert after is not None and (after["title"], after["plan"], after["make_up"], after["forwarded"]) == (
        "改过的主题", None, 0, None)


def test_coverage_says_how_many_of_a_units_first_half_pupils_were_reached_by_make_up(site: Site) -> None:
    w = site.w

    def records(db: object) -> None:
        mutate(db, w.staff_st12, "enrolment", {"unit_id": w.st12, "year": 2026, "students": 400, "parents": 400})
        for day, people, make_up in (("2026-04-01", 340, False), ("2026-08-01", 60, True)):
            mutate(db, w.staff_st12, "event", {"unit_id": w.st12, "kind": "lecture", "lecture_no": 1, "date": day,
                                               "participants": people, "make_up": make_up})

    site.write(records)
    page = re.sub(r"<[^>]+>", "", _text(site.as_(w.staff_town1).get("/coverage?year=2026&half=1")))
    towns, schools = page.split("按学校和辅导站")
    st12 = schools.split("掘港中学", 1)[1]
    assert re.match(r"\s*掘港街道\s*400 ／ 400\s*100%补课 60\s", st12), st12[:80]  # under the lecture's rate
    assert "补课 60" in towns.split("按镇（街道）")[1]  # the town's row counts its schools' make-ups
    assert 'class="made-up"' not in site.as_(w.staff_town1).get("/coverage?year=2026&half=2").text


def test_year_summary_states_teacher_trainings_and_micro_lessons(site: Site) -> None:
    w = site.w

    def records(db: object) -> None:
        mutate(db, w.staff_st11, "event", {"unit_id": w.st11, "kind": "teacher_training", "date": "2026-09-20",
                                           "participants": 21})
        mutate(db, w.staff_st21, "event", {"unit_id": w.st21, "kind": "micro_lesson", "date": "2026-10-12",
                                           "participants": 450, "forwarded": 380})

    site.write(records)
    for path in ("/summary", "/summary/print"):
        page = _text(site.as_(w.reviewer).get(path, params={"unit": w.county, "year": "2026"}))
        for label, figure in (("心理健康教育教师培训（场次）", "1"), ("参加培训的教师（人次）", "21"),
                              ("收看心理健康微课（人次）", "450"), ("微课转发家长（人）", "380")):
            cell = page.split(label, 1)[1][:120]
            assert f">{figure}<" in cell, (path, label, cell)
        assert "组织心理健康教育教师培训1场，参训教师21人次。" in page
        assert "组织收看心理健康微课1场、450人次，转发学生家长380人。" in page
