"""Mentee pages: who may open which child's file (role × page × foreign record), names only for the
roles that need them, registration with a generated code, edits that reach the volunteer's phone,
screenings, and the access log of every view."""
from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

from server.queries.mentees import half_year_start
from sync.db import connect
from sync.timeutil import local_today

from ...factories import (
    make_activity,
    make_mentee,
    make_pairing,
    make_unit,
    make_user,
    mutate,
    pull_all,
    remove,
    table_counts,
)
from .conftest import Site, password_hash, sentence

OWN, FOREIGN = "mentee1", "mentee3"  # station 1-1 and station 2-1


def _code(site: Site, mentee_id: str) -> str:
    return str(site.read(lambda db: db.execute("SELECT code FROM mentees WHERE id = ?", [mentee_id]).fetchone()[0]))


def _version(site: Site, mentee_id: str) -> int:
    return int(site.read(lambda db: db.execute("SELECT version FROM mentees WHERE id = ?", [mentee_id]).fetchone()[0]))


PAGES = ["/mentees/{id}", "/mentees/{id}/edit"]

# (who, own record's answer, foreign record's answer) for each record page.
MATRIX = [
    ("staff_st11", 200, 404),
    ("staff_town1", 200, 404),  # the town above station 1-1, not above station 2-1
    ("staff_st21", 404, 200),
    ("staff_st12", 404, 404),  # a sibling school of the same town
]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(("who", "own", "foreign"), MATRIX)
def test_mentee_pages_answer_by_unit_and_never_leak_another_units_child(site: Site, page: str, who: str, own: int,
                                                                        foreign: int) -> None:
    w = site.w
    browser = site.as_(getattr(w, who))
    for record, expected in ((getattr(w, OWN), own), (getattr(w, FOREIGN), foreign)):
        response = browser.get(page.format(id=record))
        assert response.status_code == expected, (who, page, response.status_code)
        code = _code(site, record)
        if expected == 404:
            assert code not in response.text and "小明" not in response.text and "小芳" not in response.text
        else:
            assert code in response.text and response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(("page", "status"), [("/mentees/{id}", 200), ("/mentees/{id}/edit", 403),
                                              ("/mentees/new", 403)])
@pytest.mark.parametrize("who", ["reviewer", "admin"])
def test_the_county_and_the_admin_read_any_childs_file_by_code_but_never_edit(site: Site, page: str, status: int,
                                                                             who: str) -> None:
    browser = site.as_(getattr(site.w, who))
    for record in (site.w.mentee1, site.w.mentee3):
        response = browser.get(page.format(id=record))
        assert response.status_code == status
        assert (_code(site, record) in response.text) == (status == 200)
        assert "小明" not in response.text and "小芳" not in response.text


@pytest.mark.parametrize("who", ["staff_st11", "staff_st21", "staff_town1", "admin", "reviewer"])
def test_mentee_list_shows_exactly_the_children_in_scope(site: Site, who: str) -> None:
    w = site.w
    actor = getattr(w, who)
    units = site.read(lambda db: {r[0] for r in db.execute(
        "WITH RECURSIVE t(id) AS (SELECT ? UNION SELECT u.id FROM units u JOIN t ON u.parent_id = t.id)"
        " SELECT id FROM t", [actor.unit_id]).fetchall()})
    everyone = site.read(lambda db: list(db.query("SELECT id, code, unit_id FROM mentees WHERE deleted = 0")))
    page = site.as_(actor).get("/mentees").text
    shown = set(re.findall(r'href="/mentees/([0-9a-f-]{36})"', page))
    assert shown == {m["id"] for m in everyone if m["unit_id"] in units}


def test_a_county_reviewer_sees_codes_but_no_names_and_cannot_edit(site: Site) -> None:
    w = site.w
    browser = site.as_(w.reviewer)
    site.write(lambda db: mutate(
        db, w.staff_st11, "mentee", {"guardian_name": "王奶奶", "guardian_contact": "13911112222",
                                     "notes": "家住东方社区"}, w.mentee1, 1))
    listing = browser.get("/mentees").text
    detail = browser.get(f"/mentees/{w.mentee1}")
    assert detail.status_code == 200 and _code(site, w.mentee1) in listing and _code(site, w.mentee1) in detail.text
    for private in ("小明", "小红", "王奶奶", "13911112222", "东方社区"):
        assert private not in listing and private not in detail.text
    # Searching by name finds nothing for them (a search must not reveal a name either).
    assert w.mentee1 not in browser.get("/mentees?q=小明").text
    assert w.mentee1 in browser.get("/mentees?q=" + _code(site, w.mentee1)).text
    full_width = _code(site, w.mentee1).translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})  # ＢＸ－２０２６…
    assert w.mentee1 in browser.get("/mentees?q=" + full_width).text
    for path in ("/mentees/new", f"/mentees/{w.mentee1}/edit"):
        assert browser.get(path).status_code == 403
    assert browser.post(f"/mentees/{w.mentee1}", {"date": "2026-11-01"}, form_page="/mentees").status_code == 403


def test_staff_see_the_real_name_and_guardian(site: Site) -> None:
    page = site.as_(site.w.staff_st11).get(f"/mentees/{site.w.mentee1}").text
    assert "小明" in page and "监护人" in page


def test_the_name_field_tells_a_town_that_its_own_pages_show_the_name_it_reads_there(site: Site) -> None:
    # A town's staff read children's names on every page of theirs; the hint beside 姓名 named only the
    # stations' and schools' pages, so the town's clerk read that the town should see codes alone.
    w = site.w
    town = site.as_(w.staff_town1)
    assert "小明" in town.get(f"/mentees/{w.mentee1}").text
    for page in ("/mentees/new", f"/mentees/{w.mentee1}/edit"):
        assert "真实姓名只在辅导站、学校和镇（街道）的页面上显示" in town.get(page).text, page


def test_posts_to_another_units_child_answer_404_and_change_nothing(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st21)
    before = site.read(table_counts)
    version = site.read(lambda db: db.execute("SELECT version FROM mentees WHERE id = ?", [w.mentee1]).fetchone()[0])
    for path, data in ((f"/mentees/{w.mentee1}", {"date": "2026-11-02", "psych_problem": "1"}),
                       (f"/mentees/{w.mentee1}/edit", {"name": "改名", "unit_id": w.st21, "base_version": "1"})):
        response = browser.post(path, data, form_page="/mentees")
        assert response.status_code == 404 and "小明" not in response.text
    after = site.read(table_counts)
    # The form page each post reads its token from is the list of the station's children: logged.
    assert {t: n for t, n in after.items() if before[t] != n and t not in ("web_sessions", "access_log")} == {}
    assert site.read(lambda db: db.execute("SELECT version FROM mentees WHERE id = ?", [w.mentee1]).fetchone()[0]) \
        == version


def test_registering_a_child_generates_a_code_and_opens_the_file(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    form = browser.get("/mentees/new")
    assert form.status_code == 200 and "登记帮扶对象" in form.text
    record_id = re.search(r'name="record_id" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    data = {"record_id": record_id, "unit_id": w.st11, "name": "陈晓华", "grade": "五年级", "gender": "female",
            "categories": ["psych", "left_behind"], "risk_level": "watch", "guardian_name": "外婆",
            "guardian_contact": "13800001111", "plan": "每两周家访一次"}
    response = browser.post("/mentees/new", data)
    assert response.status_code == 303 and response.headers["location"] == f"/mentees/{record_id}"
    year = local_today().year
    row = site.read(lambda db: next(db.query("SELECT * FROM mentees WHERE id = ?", [record_id])))
    assert re.fullmatch(rf"BX-{year}-\d{{4}}", row["code"]) and row["name"] == "陈晓华"
    assert (row["categories"], row["risk_level"], row["created_by"]) == ('["psych","left_behind"]', "watch",
                                                                        w.staff_st11.user_id)
    # A double tap posts the same form twice: one child, one code.
    again = browser.post("/mentees/new", data)
    assert again.headers["location"] == f"/mentees/{record_id}"
    assert site.read(lambda db: db.execute("SELECT count(*) FROM mentees WHERE name = '陈晓华'").fetchone()[0]) == 1
    # The next registration takes the next number.
    browser.post("/mentees/new", {**data, "record_id": "", "name": "李雨桐"})
    codes = site.read(lambda db: [r[0] for r in db.execute(
        "SELECT code FROM mentees WHERE name IN ('陈晓华', '李雨桐') ORDER BY name = '李雨桐'").fetchall()])
    assert int(codes[1][-4:]) == int(codes[0][-4:]) + 1


def test_a_schools_new_child_form_fills_in_the_school_and_a_stations_leaves_it_to_type(site: Site) -> None:
    w = site.w
    school = site.as_(w.staff_st12).get("/mentees/new").text
    assert re.search(r'name="school"[^>]*value="掘港中学"', school), "a school's teacher types her own school otherwise"
    station = site.as_(w.staff_st11).get("/mentees/new").text
    assert re.search(r'<input[^>]*name="school"', station) and not re.search(r'name="school"[^>]*value="[^"]', station)


def test_registering_after_a_code_sent_with_spaces_takes_the_number_after_it(site: Site) -> None:
    """A phone or an API client stored " BX-<year>-0007 ": codes are compared trimmed (sync/rules.py),
    so the form must not hand out 0007 again, which the write rule would refuse on every registration."""
    w, year = site.w, local_today().year
    site.write(lambda db: mutate(db, w.staff_st21, "mentee", {"unit_id": w.st21, "code": f" BX-{year}-0007 "}))
    browser = site.as_(w.staff_st11)
    response = browser.post("/mentees/new", {"unit_id": w.st11, "name": "陈晓华", "risk_level": "normal"})
    assert response.status_code == 303, response.text
    created = response.headers["location"].rsplit("/", 1)[1]
    assert _code(site, created) == f"BX-{year}-0008"


@pytest.mark.parametrize(("who", "child"), [("staff_st11", "mentee3"), ("staff_town1", "mentee1")])
def test_registering_with_another_persons_child_id_neither_opens_it_nor_changes_it(site: Site, who: str,
                                                                                  child: str) -> None:
    """The double-tap guard only takes the person's own registration again: another person's child's
    id — another unit's, or one in the person's own scope — gets the write path's one sentence for
    "not found or not yours", not a link to that child, and the child is not edited."""
    w = site.w
    record = getattr(w, child)
    before = site.read(lambda db: next(db.query("SELECT * FROM mentees WHERE id = ?", [record])))
    browser = site.as_(getattr(w, who))
    response = browser.post("/mentees/new", {"record_id": record, "unit_id": w.st11, "name": "陈晓华",
                                             "risk_level": "normal"}, form_page="/mentees/new")
    assert response.status_code == 400 and record not in response.headers.get("location", "")
    assert "小芳" not in response.text and "可能不存在、已被删除、尚未同步，或不在您的管理范围内" in response.text
    assert site.read(lambda db: next(db.query("SELECT * FROM mentees WHERE id = ?", [record]))) == before
    assert site.read(lambda db: db.execute("SELECT count(*) FROM sync_conflicts").fetchone()[0]) == 0


def test_registering_in_another_units_school_is_refused_in_words(site: Site) -> None:
    w = site.w
    response = site.as_(w.staff_st11).post("/mentees/new", {"unit_id": w.st21, "name": "小外"})
    assert response.status_code == 400 and "不在您的管理范围内" in response.text
    assert site.read(lambda db: db.execute("SELECT count(*) FROM mentees WHERE name = '小外'").fetchone()[0]) == 0


def test_a_child_is_registered_or_moved_only_to_a_school_or_station_the_statistics_form_counts(site: Site) -> None:
    w = site.w
    town = site.as_(w.staff_town1)
    registered = town.post("/mentees/new", {"unit_id": w.town1, "name": "镇里的孩子", "risk_level": "normal",
                                            "status": "active"}, form_page="/mentees/new")
    assert registered.status_code == 400 and "应是孩子上学的学校或所在的辅导站" in registered.text
    assert site.read(lambda db: db.execute("SELECT count(*) FROM mentees WHERE name = '镇里的孩子'").fetchone()[0]) == 0
    version = site.read(lambda db: db.execute("SELECT version FROM mentees WHERE id = ?", [w.mentee1]).fetchone()[0])
    moved = town.post(f"/mentees/{w.mentee1}/edit", {"unit_id": w.town1, "name": "小明", "risk_level": "normal",
                                                      "status": "active", "base_version": version},
                      form_page=f"/mentees/{w.mentee1}/edit")
    assert moved.status_code == 400 and "应是孩子上学的学校或所在的辅导站" in moved.text
    assert site.read(lambda db: db.execute("SELECT unit_id FROM mentees WHERE id = ?", [w.mentee1]).fetchone()[0]) \
        == w.st11
    to_school = town.post(f"/mentees/{w.mentee1}/edit", {"unit_id": w.st12, "name": "小明", "risk_level": "normal",
                                                          "status": "active", "base_version": version},
                          form_page=f"/mentees/{w.mentee1}/edit")
    assert to_school.status_code == 303


def test_closing_a_childs_file_while_a_pairing_runs_is_refused_beside_the_status_field(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    version = site.read(lambda db: db.execute("SELECT version FROM mentees WHERE id = ?", [w.mentee1]).fetchone()[0])
    response = browser.post(f"/mentees/{w.mentee1}/edit", {
        "base_version": version, "unit_id": w.st11, "name": "小明", "risk_level": "normal", "status": "closed",
        "categories": ["psych"]})
    assert response.status_code == 400
    assert "这个孩子还有 1 个进行中的结对（志愿者：王老师）" in response.text and "结束结对" in response.text
    # The field is far down the form, off a phone's first screen: the top of the form says where.
    assert '没有保存：请看下面标出的<a href="#f-status">“状态”</a>' in response.text
    assert site.read(lambda db: db.execute("SELECT status FROM mentees WHERE id = ?", [w.mentee1]).fetchone()[0]) \
        == "active"
    # Once the pairing has ended, the same form closes the file.
    site.write(lambda db: mutate(db, w.staff_st11, "pairing", {
        "status": "closed", "end_date": local_today().isoformat(), "outcome": "improved"}, w.pairing1,
        base_version=db.execute("SELECT version FROM pairings WHERE id = ?", [w.pairing1]).fetchone()[0]))
    closed = browser.post(f"/mentees/{w.mentee1}/edit", {
        "base_version": version, "unit_id": w.st11, "name": "小明", "risk_level": "normal", "status": "closed",
        "categories": ["psych"]})
    assert closed.status_code == 303
    assert site.read(lambda db: db.execute("SELECT status FROM mentees WHERE id = ?", [w.mentee1]).fetchone()[0]) \
        == "closed"


def test_editing_the_guardian_reaches_the_volunteers_phone(site: Site) -> None:
    w = site.w
    _, _, cursor = site.read(lambda db: pull_all(db, w.mentor1))
    browser = site.as_(w.staff_st11)
    form = browser.get(f"/mentees/{w.mentee1}/edit").text
    assert 'name="base_version" value="1"' in form
    response = browser.post(f"/mentees/{w.mentee1}/edit", {
        "base_version": "1", "unit_id": w.st11, "name": "小明", "risk_level": "key", "status": "active",
        "categories": ["psych"], "guardian_name": "李阿姨", "guardian_contact": "13700002222"})
    assert response.status_code == 303
    changes, _, _ = site.read(lambda db: pull_all(db, w.mentor1, cursor))
    fields: dict[str, Any] = changes[("mentee", w.mentee1)]["fields"]
    assert (fields["guardian_contact"], fields["guardian_name"], fields["risk_level"]) == (
        "13700002222", "李阿姨", "key")
    # The other volunteer's phone does not get this child.
    others, _, _ = site.read(lambda db: pull_all(db, w.mentor3))
    assert ("mentee", w.mentee1) not in others


def test_an_edit_of_a_field_someone_else_changed_meanwhile_keeps_theirs_and_says_so(site: Site) -> None:
    w = site.w
    site.write(lambda db: mutate(db, w.staff_st11, "mentee", {"guardian_contact": "13600003333"}, w.mentee1, 1))
    response = site.as_(w.staff_st11).post(f"/mentees/{w.mentee1}/edit", {
        "base_version": "1", "unit_id": w.st11, "name": "小明", "risk_level": "normal", "status": "active",
        "categories": ["psych"], "guardian_contact": "13500004444"})
    assert response.status_code == 303
    assert site.read(lambda db: db.execute("SELECT guardian_contact FROM mentees WHERE id = ?",
                                           [w.mentee1]).fetchone()[0]) == "13600003333"
    conflicts = site.read(lambda db: db.execute("SELECT other_value FROM sync_conflicts WHERE record_id = ?",
                                                [w.mentee1]).fetchall())
    assert conflicts == [('"13500004444"',)]


def test_a_screening_is_added_and_a_changed_risk_level_updates_the_child(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    response = browser.post(f"/mentees/{w.mentee2}", {"date": "2026-11-15", "psych_problem": "1",
                                                       "risk_level": "key", "needs": "心理门诊评估"})
    assert response.status_code == 303
    rows = site.read(lambda db: list(db.query(
        "SELECT date, psych_problem, risk_level, needs, author_id FROM screenings WHERE mentee_id = ? ORDER BY date",
        [w.mentee2])))
    assert rows[-1] == {"date": "2026-11-15", "psych_problem": 1, "risk_level": "key", "needs": "心理门诊评估",
                        "author_id": w.staff_st11.user_id}
    assert site.read(lambda db: db.execute("SELECT risk_level FROM mentees WHERE id = ?",
                                           [w.mentee2]).fetchone()[0]) == "key"
    page = browser.get(f"/mentees/{w.mentee2}").text
    assert "心理门诊评估" in page and "2026年11月15日" in page


def _risk(site: Site, mentee_id: str) -> str:
    return str(site.read(lambda db: db.execute("SELECT risk_level FROM mentees WHERE id = ?",
                                               [mentee_id]).fetchone()[0]))


def test_a_stale_edit_form_sends_only_the_field_the_person_changed(site: Site) -> None:
    w = site.w
    # Someone writes the plan after this person opened the form at version 1 (no plan then).
    site.write(lambda db: mutate(db, w.staff_st11, "mentee", {"plan": "每周家访一次"}, w.mentee1, 1))
    response = site.as_(w.staff_st11).post(f"/mentees/{w.mentee1}/edit", {
        "base_version": "1", "unit_id": w.st11, "name": "小明", "risk_level": "normal", "status": "active",
        "categories": ["psych"], "guardian_contact": "13500004444"})
    assert response.status_code == 303
    plan, contact = site.read(lambda db: db.execute("SELECT plan, guardian_contact FROM mentees WHERE id = ?",
                                                    [w.mentee1]).fetchone())
    assert (plan, contact) == ("每周家访一次", "13500004444")
    assert site.read(lambda db: db.execute("SELECT count(*) FROM sync_conflicts").fetchone()[0]) == 0


def test_an_edit_form_without_its_version_changes_nothing(site: Site) -> None:
    w = site.w
    response = site.as_(w.staff_st11).post(f"/mentees/{w.mentee1}/edit", {
        "unit_id": w.st11, "name": "小明", "risk_level": "key", "status": "active", "categories": ["psych"]})
    assert response.status_code == 400 and "刷新页面" in response.text
    assert _risk(site, w.mentee1) == "normal"


def test_a_screening_keeps_a_risk_level_someone_raised_after_the_page_was_opened(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    seen = site.read(lambda db: db.execute("SELECT version FROM mentees WHERE id = ?", [w.mentee2]).fetchone()[0])
    assert f'name="mentee_version" value="{seen}"' in browser.get(f"/mentees/{w.mentee2}").text
    site.write(lambda db: mutate(db, w.staff_st11, "mentee", {"risk_level": "key"}, w.mentee2, seen))
    # The form still shows 一般; the person adds a screening without touching the level.
    response = browser.post(f"/mentees/{w.mentee2}", {"date": "2026-11-15", "risk_level": "normal",
                                                       "mentee_version": str(seen), "needs": "继续观察"})
    assert response.status_code == 303
    assert _risk(site, w.mentee2) == "key"
    assert "关注等级已改为" not in browser.get(response.headers["location"]).text


def test_a_screening_changing_a_risk_level_someone_else_changed_meanwhile_is_a_conflict(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    seen = site.read(lambda db: db.execute("SELECT version FROM mentees WHERE id = ?", [w.mentee2]).fetchone()[0])
    site.write(lambda db: mutate(db, w.staff_town1, "mentee", {"risk_level": "key"}, w.mentee2, seen))
    response = browser.post(f"/mentees/{w.mentee2}", {"date": "2026-11-15", "risk_level": "watch",
                                                       "mentee_version": str(seen), "needs": "继续观察"})
    assert response.status_code == 303
    assert _risk(site, w.mentee2) == "key"
    assert "关注等级没有改" in browser.get(response.headers["location"]).text
    parked = site.read(lambda db: db.execute("SELECT other_value FROM sync_conflicts WHERE record_id = ?",
                                             [w.mentee2]).fetchall())
    assert parked == [('"watch"',)]


def test_a_screening_without_a_date_is_refused_in_words(site: Site) -> None:
    w = site.w
    before = site.read(table_counts)["screenings"]
    response = site.as_(w.staff_st11).post(f"/mentees/{w.mentee2}", {"date": "", "needs": "x"})
    assert response.status_code == 400 and "请填写摸排日期" in response.text
    assert site.read(table_counts)["screenings"] == before


def test_every_view_of_a_childs_file_is_in_the_access_log(site: Site) -> None:
    w = site.w
    site.as_(w.staff_st11).get(f"/mentees/{w.mentee1}")
    site.as_(w.reviewer).get(f"/mentees/{w.mentee1}")
    site.as_(w.staff_st21).get(f"/mentees/{w.mentee1}")  # a 404: nothing was shown, nothing logged
    rows = site.read(lambda db: list(db.query(
        "SELECT user_id, action, target, record_count, entities, ip FROM access_log WHERE target = ? ORDER BY id",
        [w.mentee1])))
    assert [(r["user_id"], r["action"]) for r in rows] == [(w.staff_st11.user_id, "view_mentee"),
                                                          (w.reviewer.user_id, "view_mentee")]
    assert '"mentee": 1' in rows[0]["entities"] and '"screening": 1' in rows[0]["entities"]
    assert rows[0]["ip"] == "testclient"


def test_the_list_filters_by_category_risk_level_and_unit(site: Site) -> None:
    w = site.w
    hardship = site.write(lambda db: make_mentee(db, w.staff_st11, w.st11, name="小困", categories=["hardship"],
                                                 risk_level="key"))
    browser = site.as_(w.admin)

    def ids(query: str) -> set[str]:
        return set(re.findall(r'href="/mentees/([0-9a-f-]{36})"', browser.get("/mentees?" + query).text))

    assert ids("category=hardship") == {hardship}
    assert ids("risk=key") == {hardship}
    assert ids(f"unit={w.town2}") == {w.mentee3}
    assert ids("q=小困") == set()  # the admin searches by code only: a name finds no one
    assert ids(f"q={_code(site, hardship)}") == {hardship}


def test_a_childs_file_and_the_list_gather_activities_from_every_pairing_of_the_child(site: Site) -> None:
    """Activities have no index by mentee (sync m017); the file reaches them through the pairings,
    the newest eight of all of them (said so), and the list's last activity is the newest live one."""
    w = site.w
    days = [f"2026-11-{d:02d}" for d in range(1, 13)]  # 12 activities, alternating between two pairings

    def history(db: Any) -> str:
        child = make_mentee(db, w.staff_st11, w.st11, name="小新")
        pairings = [make_pairing(db, w.staff_st11, w.mentor2, child), make_pairing(db, w.staff_st11, w.mentor1, child)]
        for i, date in enumerate(days):
            make_activity(db, w.staff_st11, pairings[i % 2], date=date, record=f"记录{date}")
        remove(db, w.staff_st11, "activity", make_activity(db, w.staff_st11, pairings[0], date="2026-11-25"))
        make_activity(db, w.staff_st11, w.pairing1, date="2026-11-28", record="别的孩子")
        return child

    child = site.write(history)
    browser = site.as_(w.staff_st11)
    page = browser.get(f"/mentees/{child}").text
    assert '共 12 次，最近一次 <span class="nowrap">2026年11月12日' in page and "别的孩子" not in page
    assert re.findall(r"记录(2026-11-\d\d)", page) == days[::-1][:8]  # the newest eight, across both pairings
    # and says the table holds the newest eight only, so nobody takes it for the whole history
    assert "下表只列最近 8 次；全部 12 次的准备、记录和跟踪见上面各次结对的档案。" in page
    listing = browser.get("/mentees").text
    row_of_child = listing[listing.index(_code(site, child)):]
    assert "2026年11月12日" in sentence(row_of_child[:row_of_child.index("</tr>")])  # the deleted 25th does not count


def test_a_screening_form_posted_twice_is_entered_once(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    page = browser.get(f"/mentees/{w.mentee2}").text
    screening_id = re.search(r'name="record_id" value="([0-9a-f-]{36})"', page)
    assert screening_id is not None
    form = {"date": "2026-11-15", "risk_level": "normal", "needs": "继续观察", "record_id": screening_id.group(1)}
    answers = [browser.post(f"/mentees/{w.mentee2}", form) for _ in range(2)]
    assert [a.status_code for a in answers] == [303, 303]
    rows = site.read(lambda db: db.execute("SELECT id FROM screenings WHERE needs = '继续观察'").fetchall())
    assert rows == [(screening_id.group(1),)]


def test_opening_a_childs_edit_form_is_in_the_access_log_too(site: Site) -> None:
    """The form shows the name, guardian and notes: who opened it is on record like a view of the file."""
    w = site.w
    site.as_(w.staff_st11).get(f"/mentees/{w.mentee1}/edit")
    site.as_(w.staff_st11).get(f"/activities/{w.activity1}/edit")
    site.as_(w.staff_st21).get(f"/mentees/{w.mentee1}/edit")  # a 404: nothing shown, nothing logged
    rows = site.read(lambda db: db.execute(
        "SELECT user_id, action, target FROM access_log WHERE action LIKE 'edit_%' ORDER BY id").fetchall())
    assert rows == [(w.staff_st11.user_id, "edit_mentee", w.mentee1),
                    (w.staff_st11.user_id, "edit_activity", w.activity1)]


def test_a_childs_categories_may_be_left_unticked_on_the_forms(site: Site) -> None:
    """类别 is a list that may be empty (no category yet): the form never marks it 必填."""
    w = site.w
    browser = site.as_(w.staff_st11)
    for path in ("/mentees/new", f"/mentees/{w.mentee1}/edit"):
        page = browser.get(path).text
        legend = re.search(r"<legend>类别(.*?)</legend>", page, re.S)
        assert legend is not None and "必填" not in legend.group(1), path


def test_a_refusal_of_the_forms_first_field_is_not_said_twice_on_top(site: Site) -> None:
    w = site.w
    response = site.as_(w.staff_town1).post("/mentees/new", {"unit_id": w.town1, "name": "镇里的孩子",
                                                             "risk_level": "normal", "status": "active"},
                                            form_page="/mentees/new")
    assert response.status_code == 400 and "应是孩子上学的学校" in response.text
    assert "没有保存：请看下面标出的" not in response.text


def test_children_already_sharing_a_code_are_listed_for_those_who_can_give_one_a_new_code(site: Site) -> None:
    """Three children stored before the one-code rule under one code (one with a full-width space
    after it): each person sees the ones in their scope, linked to the form that changes the code,
    and only a count of the others; once one child gets a new code, the list is gone."""
    w = site.w
    code = _code(site, w.mentee1)

    def share(db: Any) -> None:
        db.execute("UPDATE mentees SET code = ? WHERE id = ?", [code, w.mentee2])
        db.execute("UPDATE mentees SET code = ? WHERE id = ?", [code + "\u3000", w.mentee3])
    site.write(share)

    station = site.as_(w.staff_st11).get("/mentees").text
    assert "编号重复" in station and code in station
    assert f'href="/mentees/{w.mentee1}/edit">小明（掘港小学辅导站）' in station
    assert f'href="/mentees/{w.mentee2}/edit">小红（掘港小学辅导站）' in station
    assert "另有 1 个孩子在您管理范围以外的单位" in station and "小芳" not in station and "栟茶" not in station
    other = site.as_(w.staff_st21).get("/mentees").text
    assert f'href="/mentees/{w.mentee3}/edit">小芳（栟茶小学辅导站）' in other and "另有 2 个孩子" in other
    county = site.as_(w.reviewer).get("/mentees").text  # codes only, and the files to read
    assert f'href="/mentees/{w.mentee3}">' in county and "另有" not in county and "小芳" not in county
    assert "通知孩子所在的学校或辅导站" in county

    browser = site.as_(w.staff_st11)
    form = browser.get(f"/mentees/{w.mentee2}/edit").text
    assert 'name="code"' in form and code in form
    fields = {"unit_id": w.st11, "name": "小红", "risk_level": "normal", "status": "active", "categories": ["psych"]}
    refused = browser.post(f"/mentees/{w.mentee2}/edit", {
        **fields, "base_version": _version(site, w.mentee2), "code": _code(site, w.mentee_unpaired)},
        form_page=f"/mentees/{w.mentee2}/edit")  # another child's code: refused beside the field
    assert refused.status_code == 400 and "已被另一个孩子使用" in refused.text
    taken = browser.post(f"/mentees/{w.mentee2}/edit", {
        "base_version": _version(site, w.mentee2), "code": "\uff22\uff38-2026-0777\u3000", "unit_id": w.st11,
        "name": "小红", "risk_level": "normal", "status": "active", "categories": ["psych"]},
        form_page=f"/mentees/{w.mentee2}/edit")
    assert taken.status_code == 303, taken.text
    assert _code(site, w.mentee2) == "BX-2026-0777"
    station = browser.get("/mentees").text
    assert "编号重复" in station and f"/mentees/{w.mentee2}/edit" not in station  # 小明 and 小芳 still share
    assert site.as_(w.staff_st21).get("/mentees").text.count("另有 1 个孩子") == 1


def test_the_list_finds_the_children_not_screened_again_this_half_year(site: Site) -> None:
    """Rudong notice part 二.1: every child is screened (摸排) again each half-year. 本半年未摸排 lists the
    children with no live 摸排 since 1 January or 1 July, whichever began the half-year they are in; a
    deleted 摸排 does not count, and the list names each child's latest one."""
    w = site.w
    start = half_year_start(local_today())
    day_before = start - datetime.timedelta(days=1)

    def build(db: Any) -> dict[str, str]:
        kids = {k: make_mentee(db, w.staff_st11, w.st11, code=f"HY-{k}")
                for k in ("screened", "before", "deleted", "never")}
        mutate(db, w.staff_st11, "screening", {"mentee_id": kids["screened"], "date": start.isoformat()})
        mutate(db, w.staff_st11, "screening", {"mentee_id": kids["before"], "date": day_before.isoformat()})
        gone = mutate(db, w.staff_st11, "screening", {"mentee_id": kids["deleted"], "date": start.isoformat()})
        remove(db, w.staff_st11, "screening", gone)
        return kids

    kids = site.write(build)
    browser = site.as_(w.staff_st11)
    due = browser.get("/mentees", params={"q": "HY-", "screening": "due"}).text
    assert [c for c in ("screened", "before", "deleted", "never") if f"HY-{c}" in due] == ["before", "deleted", "never"]
    assert "共 3 人" in due and f'{start.year}年{start.month}月1日</span>以来还没有摸排记录' in due
    assert 'value="due" selected' in due
    every = browser.get("/mentees", params={"q": "HY-"}).text
    assert "共 4 人" in every
    row = every[every.index("HY-before"):every.index("</tr>", every.index("HY-before"))]
    assert f"{day_before.year}年{day_before.month}月{day_before.day}日" in sentence(row) and "本半年未摸排" in row
    row = every[every.index("HY-screened"):every.index("</tr>", every.index("HY-screened"))]
    assert "本半年未摸排" not in row
    # a child whose help has ended is owed no 摸排: listed under 结束, but not marked
    site.write(lambda db: mutate(db, w.staff_st11, "mentee", {"status": "closed"}, kids["never"], base_version=1))
    closed = browser.get("/mentees", params={"q": "HY-", "status": "closed"}).text
    row = closed[closed.index("HY-never"):closed.index("</tr>", closed.index("HY-never"))]
    assert "无" in row and "本半年未摸排" not in row


def test_a_childs_file_leads_to_entering_a_visit_of_its_running_pairing(site: Site) -> None:
    """From the home's 逾期未跟踪 a station opens the child's file to enter the visit it was told of
    by telephone; the file offered 为这个孩子结对 and 登记转介 but no visit, one more page away through
    the pairing's archive. It now offers 代录一次帮扶 for each running pairing; never for an ended one
    (its 补录 is on the archive), nor to the county, which enters no visits."""
    w = site.w
    entry = f'href="/activities/new?pairing_id={w.pairing1}">代录一次帮扶（'
    assert entry in site.as_(w.staff_st11).get(f"/mentees/{w.mentee1}").text
    assert entry not in site.as_(w.reviewer).get(f"/mentees/{w.mentee1}").text
    site.write(lambda db: mutate(db, w.staff_st11, "pairing", {"status": "closed", "end_date": "2026-11-27"},
                                 w.pairing1, base_version=1))
    assert "代录一次帮扶" not in site.as_(w.staff_st11).get(f"/mentees/{w.mentee1}").text


def test_a_towns_edit_form_says_who_moves_a_child_to_another_towns_school(site: Site) -> None:
    """A town's picker holds its own schools and stations only: a clerk looking there for the school
    of another town found it missing and no word of what to do. The form names the county, which
    reaches both towns (docs/pages.md, Mentees)."""
    w = site.w
    town = sentence(site.as_(w.staff_town1).get(f"/mentees/{w.mentee1}/edit").text)
    assert "都跟着转过去" in town and "转到其他镇（街道）的学校或辅导站，请县关工委来改" in town
    station = sentence(site.as_(w.staff_st11).get(f"/mentees/{w.mentee1}/edit").text)
    assert "请县关工委来改" not in station


def test_a_town_with_one_school_is_not_told_to_ask_the_town(site: Site) -> None:
    """A town with a single school or station lists one unit in its picker, as a station does; its
    clerk must still read that the county moves a child to another town, not 请镇（街道）关工委在这里改
    (that is the clerk themselves)."""
    w = site.w
    db = connect(site.settings.db_path)  # make_user runs its own transaction
    try:
        town = make_unit(db, "洋口镇", "town", w.county)
        school = make_unit(db, "洋口小学", "school", town)
        clerk = make_user(db, "staff", town, name="洋口干事", password_hash=password_hash())
        child = make_mentee(db, clerk, school, name="小洋")
    finally:
        db.close()
    said = sentence(site.as_(clerk).get(f"/mentees/{child}/edit").text)
    assert "请县关工委来改" in said
    assert "请镇（街道）关工委在这里改" not in said


def test_moving_a_child_says_what_went_along_and_who_still_visits_them(site: Site) -> None:
    """A town moves a child from its station to its school at term start: the page says the old station
    lost the whole file (pairings, visits, 摸排 went along) and that the station's volunteer still visits."""
    w = site.w
    town = site.as_(w.staff_town1)
    form = town.get(f"/mentees/{w.mentee1}/edit").text
    assert "孩子的结对、帮扶记录和摸排都跟着转过去，原单位的页面上就不再有这个孩子的档案" in sentence(form)
    # The station, whose form offers only itself, is told who moves a child instead.
    own = sentence(site.as_(w.staff_st11).get(f"/mentees/{w.mentee1}/edit").text)
    assert "孩子转学或转到别的辅导站时，请镇（街道）关工委在这里改" in own and "都跟着转过去" not in own
    visits, screenings = site.read(lambda db: (
        db.execute("SELECT count(*) FROM activities WHERE pairing_id = ? AND deleted = 0", [w.pairing1]).fetchone()[0],
        db.execute("SELECT count(*) FROM screenings WHERE mentee_id = ? AND deleted = 0", [w.mentee1]).fetchone()[0]))
    moved = town.post(f"/mentees/{w.mentee1}/edit", {"unit_id": w.st12, "name": "小明", "risk_level": "normal",
                                                      "status": "active", "categories": ["psych"],
                                                      "base_version": _version(site, w.mentee1)},
                      form_page=f"/mentees/{w.mentee1}/edit")
    assert moved.status_code == 303
    page = sentence(town.get(moved.headers["location"]).text)
    code = _code(site, w.mentee1)
    assert (f"{code} 已从掘港小学辅导站转到掘港中学：1 个结对（其中 1 个进行中）、{visits} 条帮扶记录、"
            f"{screenings} 条摸排都跟着转了过去，由掘港中学管理；掘港小学辅导站的页面上不再有这个孩子的档案。") in page
    assert "注意：进行中的结对仍由王老师（掘港小学辅导站）帮扶" in page
    # What the page says is what happened: the station no longer opens the file, the school does.
    assert site.as_(w.staff_st11).get(f"/mentees/{w.mentee1}").status_code == 404
    assert site.as_(w.staff_st12).get(f"/pairings/{w.pairing1}").status_code == 200
    # A save that moves nothing says no more than that it saved.
    again = town.post(f"/mentees/{w.mentee1}/edit", {"unit_id": w.st12, "name": "小明", "risk_level": "normal",
                                                      "grade": "七年级", "status": "active", "categories": ["psych"],
                                                      "base_version": _version(site, w.mentee1)},
                      form_page=f"/mentees/{w.mentee1}/edit")
    after = sentence(town.get(again.headers["location"]).text)
    assert "已保存。" in after and "转到" not in after


def test_an_open_risk_flag_on_a_childs_file_sends_staff_to_their_desk_and_asks_the_county_to_urge_the_station(
        site: Site) -> None:
    """The county has no 工作台 (it is a 403 there): its copy of the warning says whom to urge instead."""
    w = site.w
    site.write(lambda db: make_activity(db, w.mentor1, w.pairing1, risk_flag=True))
    unit = site.read(lambda db: db.execute("SELECT name FROM units WHERE id = ?", [w.st11]).fetchone()[0])
    county = site.as_(w.reviewer).get(f"/mentees/{w.mentee1}").text
    assert "尚未记录处理情况" in county and "请到工作台处理" not in county
    assert f"请督促{unit}尽快处理并记录" in county
    assert 'href="/staff"' not in county
    assert site.as_(w.reviewer).get("/staff").status_code == 403  # the desk the old words sent the county to
    staff = site.as_(w.staff_st11).get(f"/mentees/{w.mentee1}").text
    assert '<a class="tap" href="/staff">请到工作台处理</a>' in staff
