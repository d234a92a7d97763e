"""Group events (lectures, parent meetings, themed education, class meetings, brochures) and the
enrolment figures lecture coverage divides by."""
from __future__ import annotations

import datetime
import html
import re
from typing import Any

import pytest

from sync.timeutil import local_today

from ...factories import mutate, row
from .conftest import Site, sentence
from .station import record_id_on

LECTURE = {"unit_id": "", "kind": "lecture", "date": "2026-11-18", "title": "第5讲 家长学校：读懂孩子的情绪",
           "lecture_no": "5", "audience": "parents", "participants": "236", "copies": "", "online": "1", "notes": ""}


def test_a_lecture_is_recorded_with_its_number_audience_and_participants(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    form = browser.get("/events/new").text
    for words in ("宣讲", "家长会", "专题教育", "主题班会", "发放宣传手册", "讲次", "线上"):
        assert words in form
    response = browser.post("/events/new", {**LECTURE, "unit_id": w.st11})
    assert response.status_code == 303 and response.headers["location"] == "/events"
    stored = site.read(lambda db: list(db.query("SELECT * FROM events WHERE lecture_no = 5")))
    assert len(stored) == 1
    e = stored[0]
    assert (e["kind"], e["audience"], e["participants"], e["copies"], e["online"], e["unit_id"]) == (
        "lecture", "parents", 236, 0, 1, w.st11)
    listing = html.unescape(browser.get("/events", params={"from": "2026-01-01", "to": "2026-12-31"}).text)
    assert "宣讲（第5讲）" in listing and "家长" in listing and "线上" in listing
    assert "共 2 场，参与 356 人次" in listing


def test_the_saved_event_says_truly_whether_the_statistics_form_counts_it(site: Site) -> None:
    # The statistics form has a row per station and school only (docs/design.md §2.1): a lecture the
    # town holds counts in no row, and a teacher training or micro-lesson in no column. The page after
    # saving told the town's clerk "统计表和宣讲覆盖率会算上它" all the same, so the town's return went
    # up without the lecture they believed was in it.
    w = site.w
    town = site.as_(w.staff_town1)
    town.post("/events/new", {**LECTURE, "unit_id": w.town1})
    said = sentence(town.get("/events").text)
    assert "统计表和宣讲覆盖率会算上它" not in said
    assert "镇（街道）、县举办的活动不计入统计表" in said
    station = site.as_(w.staff_st11)
    station.post("/events/new", {**LECTURE, "unit_id": w.st11, "kind": "teacher_training", "lecture_no": "",
                                 "audience": "", "participants": "12", "online": ""})
    said = sentence(station.get("/events").text)
    assert "统计表和宣讲覆盖率会算上它" not in said and "教师培训和收看微课不计入统计表的栏目" in said
    station.post("/events/new", {**LECTURE, "unit_id": w.st11})
    assert "统计表和宣讲覆盖率会算上它" in sentence(station.get("/events").text)


def test_an_event_form_posted_twice_is_recorded_once(site: Site) -> None:
    """The same form posted again (a double tap, the back button) must not count the lecture twice
    in the statistics; the form keeps its id when it comes back with an error."""
    w = site.w
    browser = site.as_(w.staff_st11)
    record_id = record_id_on(browser.get("/events/new").text)
    data = {**LECTURE, "unit_id": w.st11, "record_id": record_id}
    refused = browser.post("/events/new", {**data, "participants": "两百"})
    assert refused.status_code == 400 and record_id_on(refused.text) == record_id
    answers = [browser.post("/events/new", data) for _ in range(2)]
    assert [(a.status_code, a.headers["location"]) for a in answers] == [(303, "/events")] * 2
    assert site.read(lambda db: [r[0] for r in db.execute("SELECT id FROM events WHERE title = ?",
                                                          [LECTURE["title"]]).fetchall()]) == [record_id]
    assert 'name="record_id"' not in browser.get(f"/events/{w.event1}").text, "an edit form names its record"


def test_events_filter_by_unit_kind_and_period(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_town1)
    browser.post("/events/new", {**LECTURE, "unit_id": w.st12})
    browser.post("/events/new", {**LECTURE, "unit_id": w.st11, "kind": "brochure", "copies": "300",
                                 "participants": "", "lecture_no": "", "audience": "", "date": "2025-06-01"})

    def count(**query: str) -> str:
        text = html.unescape(browser.get("/events", params=query).text)
        return text[text.index("共 "):text.index("场") + 1]

    year = {"from": "2026-01-01", "to": "2026-12-31"}
    assert count(**year) == "共 2 场"
    assert count(**year, unit=w.st12) == "共 1 场"
    assert count(**year, kind="parent_meeting") == "共 0 场"
    assert count(**{"from": "2025-01-01", "to": "2025-12-31"}, kind="brochure") == "共 1 场"
    assert count(**{"from": "2000-01-01", "to": "2100-12-31"}) == "共 3 场"


@pytest.mark.parametrize(("query", "words"), [
    ({"from": "2026-02-30"}, "起始日期“2026-02-30”是不存在的日期"),
    ({"from": "2026-01-01", "to": "20261231"}, "截止日期应为 YYYY-MM-DD"),
    ({"from": "2026-12-01", "to": "2026-01-01"}, "起始日期2026年12月1日晚于截止日期2026年1月1日"),
])
def test_an_events_period_that_cannot_be_read_is_a_400_not_the_totals_of_another_period(
        site: Site, query: dict[str, str], words: str) -> None:
    response = site.as_(site.w.staff_town1).get("/events", params=query)
    assert response.status_code == 400
    assert words in sentence(response.text) and "共 " not in response.text


def test_an_events_period_left_empty_has_no_bound(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    browser.post("/events/new", {**LECTURE, "unit_id": w.st11, "date": "2019-06-01"})
    text = html.unescape(browser.get("/events", params={"from": "", "to": ""}).text)
    assert "共 2 场" in text


def test_an_event_is_edited_and_deleted_through_the_write_path(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    page = browser.get(f"/events/{w.event1}").text
    assert 'value="120"' in page
    response = browser.post(f"/events/{w.event1}", {
        "unit_id": w.st11, "kind": "lecture", "date": "2026-10-10", "title": "第4讲 心理健康", "lecture_no": "4",
        "audience": "students", "participants": "125", "copies": "", "notes": "", "base_version": "1"})
    assert response.status_code == 303
    stored = site.read(lambda db: row(db, "event", w.event1))
    assert (stored["participants"], stored["title"], stored["lecture_no"], stored["version"]) == (
        125, "第4讲 心理健康", 4, 2)
    response = browser.post(f"/events/{w.event1}/delete", {"base_version": "2"}, form_page=f"/events/{w.event1}")
    assert response.status_code == 303
    assert site.read(lambda db: row(db, "event", w.event1))["deleted"]
    assert w.event1 not in browser.get("/events", params={"from": "", "to": ""}).text  # any year, not this one


def test_delete_clicked_twice_deletes_the_event_and_says_so_both_times(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    token = browser.token(f"/events/{w.event1}")
    version = str(site.read(lambda db: row(db, "event", w.event1))["version"])
    sent = [browser.post(f"/events/{w.event1}/delete", {"base_version": version}, token=token) for _ in range(2)]
    assert [(r.status_code, r.headers.get("location")) for r in sent] == [(303, "/events")] * 2
    assert site.read(lambda db: row(db, "event", w.event1))["deleted"]


def test_an_event_of_a_unit_outside_ones_subtree_is_refused(site: Site) -> None:
    w = site.w
    response = site.as_(w.staff_st11).post("/events/new", {**LECTURE, "unit_id": w.st21})
    assert response.status_code == 400 and "不在您的管理范围内" in response.text
    assert site.read(lambda db: db.execute("SELECT count(*) FROM events").fetchone()[0]) == 1


def test_enrolment_figures_are_one_record_per_unit_and_year(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    page = browser.get("/enrolments").text
    assert "800" in page and "760" in page
    # Numbers for a unit and year that has some, typed without opening them, overwrite nothing:
    # the form comes back with the saved ones, and saving it then is an edit of what was seen.
    blind = browser.post("/enrolments", {"unit_id": w.st11, "year": "2026", "students": "812", "parents": "770"})
    assert blind.status_code == 409 and "已经填过人数（学生 800、家长 760）" in blind.text
    assert f'name="shown_id" value="{w.enrolment1}"' in blind.text and 'name="base_version" value="1"' in blind.text
    response = browser.post("/enrolments", {"unit_id": w.st11, "year": "2026", "students": "812", "parents": "770",
                                            "shown_id": w.enrolment1, "base_version": "1"})
    assert response.status_code == 303
    rows = site.read(lambda db: list(db.query("SELECT id, students, parents, version FROM enrolments")))
    assert rows == [{"id": w.enrolment1, "students": 812, "parents": 770, "version": 2}]
    browser.post("/enrolments", {"unit_id": w.st11, "year": "2027", "students": "820", "parents": "780"})
    assert site.read(lambda db: db.execute("SELECT count(*) FROM enrolments").fetchone()[0]) == 2
    prefilled = browser.get("/enrolments", params={"unit": w.st11, "year": "2026"}).text
    assert 'value="812"' in prefilled and 'value="770"' in prefilled


def test_two_people_changing_different_enrolment_figures_keep_both(site: Site) -> None:
    w = site.w
    first, second = site.as_(w.staff_st11), site.as_(w.staff_town1)
    for browser in (first, second):
        assert 'name="base_version" value="1"' in browser.get("/enrolments", params={"unit": w.st11,
                                                                                      "year": "2026"}).text
    shown = {"unit_id": w.st11, "year": "2026", "shown_id": w.enrolment1, "base_version": "1"}
    assert first.post("/enrolments", {**shown, "students": "900", "parents": "760"}).status_code == 303
    assert second.post("/enrolments", {**shown, "students": "800", "parents": "450"}).status_code == 303
    assert (row := site.read(lambda db: row_of(db, w.enrolment1)))[:2] == (900, 450), row
    # The same figure changed by both: the first stays, the second is parked as a conflict, and said so.
    third = second.post("/enrolments", {**shown, "students": "555", "parents": "760"})
    assert third.status_code == 303 and site.read(lambda db: row_of(db, w.enrolment1))[0] == 900
    assert "冲突" in second.get("/enrolments").text
    assert site.read(lambda db: db.execute("SELECT other_value FROM sync_conflicts WHERE record_id = ?",
                                           [w.enrolment1]).fetchall()) == [("555",)]


def row_of(db: Any, enrolment_id: str) -> tuple[int, int]:
    students, parents = db.execute("SELECT students, parents FROM enrolments WHERE id = ?", [enrolment_id]).fetchone()
    return students, parents


def test_enrolment_figures_must_be_numbers(site: Site) -> None:
    w = site.w
    response = site.as_(w.staff_st11).post("/enrolments", {"unit_id": w.st11, "year": "2026", "students": "八百",
                                                          "parents": "760"})
    assert response.status_code == 400 and "请只用数字填写" in response.text
    assert site.read(lambda db: row(db, "enrolment", w.enrolment1))["students"] == 800


@pytest.mark.parametrize("year", ["9223372036854775808", "9" * 5000, "1"])
def test_an_enrolment_year_out_of_range_is_a_400_in_words_before_any_lookup(site: Site, year: str) -> None:
    w = site.w
    before = site.read(lambda db: db.execute("SELECT count(*) FROM enrolments").fetchone()[0])
    response = site.as_(w.staff_st11).post("/enrolments", {"unit_id": w.st11, "year": year, "students": "800",
                                                          "parents": "760"})
    assert response.status_code == 400
    assert ("“年度”应在 2000 到 2100 之间" if len(year) < 12 else "“年度”的数字太大了") in response.text
    assert site.read(lambda db: db.execute("SELECT count(*) FROM enrolments").fetchone()[0]) == before


def test_an_event_delete_without_its_version_deletes_nothing_and_parks_no_conflict(site: Site) -> None:
    w = site.w
    response = site.as_(w.staff_st11).post(f"/events/{w.event1}/delete", {}, form_page=f"/events/{w.event1}")
    assert response.status_code == 400 and "刷新页面" in response.text
    assert not site.read(lambda db: row(db, "event", w.event1))["deleted"]
    assert site.read(lambda db: db.execute("SELECT count(*) FROM sync_conflicts").fetchone()[0]) == 0


def test_a_clashing_edit_posted_twice_parks_one_conflict(site: Site) -> None:
    w = site.w
    version = site.read(lambda db: row(db, "event", w.event1))["version"]
    site.write(lambda db: mutate(db, w.staff_town1, "event", {"notes": "街道先写的"}, w.event1, version))
    browser = site.as_(w.staff_st11)
    form = {**{k: str(v) for k, v in site.read(lambda db: row(db, "event", w.event1)).items()
               if k in ("kind", "audience", "date", "participants", "unit_id", "title") and v is not None},
            "notes": "站里后写的", "base_version": str(version)}
    for _ in range(2):
        assert browser.post(f"/events/{w.event1}", form).status_code == 303
    parked = site.read(lambda db: db.execute("SELECT other_value FROM sync_conflicts WHERE record_id = ?"
                                             " AND status = 'open'", [w.event1]).fetchall())
    assert parked == [('"站里后写的"',)]


def test_an_event_dated_after_today_is_refused_in_words_and_an_old_one_can_still_be_corrected(site: Site) -> None:
    # An event dated after today would count in the statistics of a period still to come.
    w = site.w
    browser = site.as_(w.staff_st11)
    ahead = (local_today() + datetime.timedelta(days=2)).isoformat()
    refused = browser.post("/events/new", {**LECTURE, "unit_id": w.st11, "date": ahead})
    assert refused.status_code == 400 and "活动日期" in refused.text
    assert "不能晚于今天：请在活动办完后登记。" in refused.text
    assert site.read(lambda db: db.execute("SELECT count(*) FROM events WHERE lecture_no = 5").fetchone()) == (0,)
    today = local_today().isoformat()
    assert browser.post("/events/new", {**LECTURE, "unit_id": w.st11, "date": today}).status_code == 303
    moved = browser.post(f"/events/{w.event1}", {
        "unit_id": w.st11, "kind": "lecture", "date": ahead, "title": "第4讲", "lecture_no": "4",
        "audience": "students", "participants": "120", "copies": "", "notes": "", "base_version": "1"})
    assert moved.status_code == 400 and "不能晚于今天" in moved.text
    # One stored with a later date before the rule keeps taking corrections of its other fields.
    site.write(lambda db: db.execute("UPDATE events SET date = ? WHERE id = ?", [ahead, w.event1]))
    fixed = browser.post(f"/events/{w.event1}", {
        "unit_id": w.st11, "kind": "lecture", "date": ahead, "title": "第4讲 改题目", "lecture_no": "4",
        "audience": "students", "participants": "120", "copies": "", "notes": "", "base_version": "1"})
    assert fixed.status_code == 303
    assert site.read(lambda db: row(db, "event", w.event1))["title"] == "第4讲 改题目"


def test_new_enrolment_figures_saved_twice_by_a_double_click_are_saved_once_and_say_so(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    page = browser.get("/enrolments", params={"unit": w.st11, "year": "2027"}).text  # a year without figures
    token, record_id = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1), record_id_on(page)
    form = {"unit_id": w.st11, "year": "2027", "students": "820", "parents": "780", "record_id": record_id}
    sent = [browser.post("/enrolments", form, token=token) for _ in range(2)]
    assert [r.status_code for r in sent] == [303, 303], sent[1].text
    assert site.read(lambda db: db.execute("SELECT id FROM enrolments WHERE unit_id = ? AND year = 2027",
                                           [w.st11]).fetchall()) == [(record_id,)]



def test_the_county_reads_every_units_events_but_changes_none(site: Site) -> None:
    """The reviewer opens the lectures the county's coverage counts, over the whole county, and each
    event's page, read-only: no 登记 or 修改 offered, and every post still refused by role."""
    w = site.w
    other = site.write(lambda db: mutate(db, w.staff_st21, "event", {
        "unit_id": w.st21, "kind": "lecture", "lecture_no": 5, "audience": "parents", "date": "2026-10-12",
        "title": "家长学校第一课", "participants": 90, "notes": "栟茶的家长会"}))
    county = site.as_(w.reviewer)
    listing = county.get("/events", params={"from": "2026-01-01", "to": "2026-12-31"})
    assert listing.status_code == 200
    assert w.event1 in listing.text and other in listing.text and "共 2 场，参与 210 人次" in listing.text
    assert "登记集体活动" not in listing.text and "/enrolments" not in listing.text
    assert "2026年10月12日" in listing.text and "2026-10-12</a>" not in listing.text  # days as on other pages
    page = county.get(f"/events/{other}")
    assert page.status_code == 200 and page.template.name == "event_detail.html"  # type: ignore[attr-defined]
    for words in ("栟茶小学辅导站", "2026年10月12日", "家长学校第一课", "第5讲", "家长", "90", "栟茶的家长会"):
        assert words in page.text, words
    main = page.text.split("<main", 1)[1]
    assert 'method="post"' not in main and "删除" not in main and "保存" not in main
    before = site.read(lambda db: row(db, "event", other))
    assert county.post(f"/events/{other}", {**LECTURE, "unit_id": w.st21, "base_version": "1"},
                       form_page="/account").status_code == 403
    assert county.post(f"/events/{other}/delete", {"base_version": "1"}, form_page="/account").status_code == 403
    assert county.post("/events/new", {**LECTURE, "unit_id": w.st21}, form_page="/account").status_code == 403
    assert site.read(lambda db: row(db, "event", other)) == before
    assert site.read(lambda db: db.execute("SELECT count(*) FROM events").fetchone()[0]) == 2
    # The admin (over everything) still records and edits; a town's staff read their town only.
    admin = site.as_(w.admin).get("/events", params={"from": "2026-01-01", "to": "2026-12-31"}).text
    assert other in admin and "登记集体活动" in admin
    assert 'name="base_version"' in site.as_(w.admin).get(f"/events/{other}").text
    town = site.as_(w.staff_town1)
    every_day = {"from": "", "to": ""}  # the default period is the year the suite runs in, not the fixture's
    town_list = town.get("/events", params=every_day).text
    assert w.event1 in town_list and other not in town_list
    assert town.get(f"/events/{other}").status_code == 404


def test_a_station_cannot_read_another_stations_event_by_its_address(site: Site) -> None:
    w = site.w
    for staff in (w.staff_st12, w.staff_st21, w.staff_town2):
        browser = site.as_(staff)
        response = browser.get(f"/events/{w.event1}")
        assert response.status_code == 404 and w.event1 not in response.text
        listed = browser.get("/events", params={"unit": w.st11, "from": "", "to": ""})
        assert listed.status_code == 200 and w.event1 not in listed.text and "共 0 场" in listed.text


def test_the_events_lecture_filter_lists_what_coverage_counts_and_refuses_other_numbers(site: Site) -> None:
    w = site.w

    def records(db: Any) -> None:
        for no, audience, people in ((4, None, 30), (4, "parents", 7), (5, None, 40), (5, "students", 9),
                                     (5, "parents", 50), (3, "students", 12), (3, "parents", 6)):
            mutate(db, w.staff_st11, "event", {"unit_id": w.st11, "kind": "lecture", "lecture_no": no,
                                               "audience": audience, "date": "2026-10-11", "participants": people})
        mutate(db, w.staff_st11, "event", {"unit_id": w.st11, "kind": "themed", "lecture_no": 4,
                                           "audience": "students", "date": "2026-10-11", "participants": 5})

    site.write(records)
    browser = site.as_(w.reviewer)
    period = {"from": "2026-01-01", "to": "2026-12-31"}
    # event1 (120, students, no number) is no 第4讲; 第4讲 for parents and 第5讲 for students count nowhere.
    assert "共 1 场，参与 30 人次" in browser.get("/events", params={**period, "lecture": "4"}).text
    # 第1–3讲 (上半年) are the students' too: a 第3讲 for parents counts nowhere.
    assert "共 1 场，参与 12 人次" in browser.get("/events", params={**period, "lecture": "3"}).text
    assert "共 2 场，参与 90 人次" in browser.get("/events", params={**period, "lecture": "5"}).text
    for bad in ("6", "0", "四", "4 OR 1"):
        response = browser.get("/events", params={**period, "lecture": bad})
        assert response.status_code == 400 and "讲次" in response.text, bad


def test_the_county_reaches_the_events_from_its_menu_and_the_page_opens(site: Site) -> None:
    """The reviewer reads /events but its menu had no 集体活动: the list was reached only from coverage."""
    county = site.as_(site.w.reviewer)
    home = county.get("/dashboard").text
    # In the row of a wide screen and in the phone's 菜单 alike.
    assert home.count('<li><a href="/events">集体活动</a></li>') == 2
    listing = county.get("/events")
    assert listing.status_code == 200 and listing.template.name == "event_list.html"  # type: ignore[attr-defined]
    assert listing.text.count('<li><a href="/events" aria-current="page">集体活动</a></li>') == 2


def test_a_lecture_may_be_saved_without_a_brochure_count_in_the_browser_too(site: Site) -> None:
    """手册册数 was drawn 必填 with the browser's required mark, so a station registering a 宣讲 could
    not save it until it typed a count of brochures it never handed out, while its hint says to fill
    it in for a brochure handout and the server counts it empty as 0. The form now asks for it as
    the hint does; 参与人次 stays required."""
    page = site.as_(site.w.staff_st11).get("/events/new").text
    copies = re.search(r'<input id="f-copies"[^>]*>', page)
    participants = re.search(r'<input id="f-participants"[^>]*>', page)
    assert copies is not None and participants is not None
    assert " required" not in copies.group(0) and " required" in participants.group(0)
    assert re.search(r'<label for="f-copies">手册册数</label>', page)


def test_enrolment_list_writes_each_year_as_a_chinese_year(site: Site) -> None:
    # The list of figures showed 年度 2026 where every other page writes 2026年.
    w = site.w
    page = sentence(site.as_(w.staff_st11).get("/enrolments").text)
    assert re.search(r"2026年\s*掘港", page), page
    assert not re.search(r"(?<![\d年])2026\s+掘港", page), page


def test_a_schools_enrolment_form_opens_on_its_own_unit_and_this_years_figures(site: Site) -> None:
    """A school's teacher had one unit to choose and still met （请选择）, and numbers typed over the
    year's figures she was not shown came back 409: with one unit the form opens on it, filled with
    this year's figures when there are some, so saving it is the edit of what she reads."""
    w = site.w
    year = local_today().year
    site.write(lambda db: mutate(db, w.staff_st12, "enrolment", {"unit_id": w.st12, "year": year,
                                                                 "students": 986, "parents": 931}))
    browser = site.as_(w.staff_st12)
    page = browser.get("/enrolments").text
    assert re.search(rf'<option value="{w.st12}" selected>', page)
    assert 'value="986"' in page and 'value="931"' in page and 'name="shown_id" value="' in page
    fields = dict(re.findall(r'name="(csrf_token|record_id|shown_id|base_version)" value="([^"]*)"', page))
    saved = browser.post("/enrolments", {**fields, "unit_id": w.st12, "year": str(year),
                                         "students": "990", "parents": "931"})
    assert saved.status_code == 303, saved.text
    assert site.read(lambda db: db.execute("SELECT students FROM enrolments WHERE unit_id = ?",
                                           [w.st12]).fetchone()[0]) == 990
    # Next year's figures typed on that same form (the year changed) are a new pair; this year's stay.
    again = browser.get("/enrolments").text
    fields = dict(re.findall(r'name="(csrf_token|record_id|shown_id|base_version)" value="([^"]*)"', again))
    added = browser.post("/enrolments", {**fields, "unit_id": w.st12, "year": str(year + 1),
                                         "students": "1010", "parents": "950"})
    assert added.status_code == 303, added.text
    assert site.read(lambda db: db.execute("SELECT year, students FROM enrolments WHERE unit_id = ? ORDER BY year",
                                           [w.st12]).fetchall()) == [(year, 990), (year + 1, 1010)]
    # A town's staff, with the units of the town to choose among, still choose.
    assert not re.search(r'<option value="[^"]+" selected>', site.as_(w.staff_town1).get("/enrolments").text)


def test_the_saved_event_says_truly_whether_lecture_coverage_counts_it(site: Site) -> None:
    """A school's 家长会 and its 第5讲 typed for 学生 were each told 统计表和宣讲覆盖率会算上它, while
    /coverage counts only a lecture of its number's audience: the teacher read 86.8% unchanged."""
    w = site.w
    school = site.as_(w.staff_st12)
    meeting = {**LECTURE, "unit_id": w.st12, "kind": "parent_meeting", "lecture_no": "", "audience": "",
               "participants": "120"}
    school.post("/events/new", meeting)
    said = sentence(school.get("/events").text)
    assert "统计表会算上它" in said and "宣讲覆盖率会算上它" not in said and "宣讲覆盖率不算它" in said
    school.post("/events/new", {**LECTURE, "unit_id": w.st12, "lecture_no": "5", "audience": "students"})
    said = sentence(school.get("/events").text)
    assert "第5讲是面向家长的宣讲" in said and "宣讲覆盖率不算它" in said and "宣讲覆盖率会算上它" not in said
    school.post("/events/new", {**LECTURE, "unit_id": w.st12, "lecture_no": "5", "audience": "parents"})
    assert "统计表和宣讲覆盖率会算上它" in sentence(school.get("/events").text)
