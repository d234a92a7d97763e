"""Inspection pages (督查): record, rectify, edit, delete, a unit's history; who may do which;
another unit's inspection answers 404; a saved inspection reaches the inspected station's pull."""
from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

from sync import new_id
from sync.timeutil import local_today
from sync.users import create_user, save_user

from ...factories import mutate, pull_all, row
from .conftest import Site, password_hash, sentence
from .station import back_after_sign_in, record_id_on

CHECKS = {"item_records": "passed", "item_lectures": "passed", "item_archives": "passed",
          "item_counselling_room": "failed", "item_six_links": ""}


def _new(site: Site, who: Any, **extra: str) -> Any:
    data = {"unit_id": site.w.st12, "date": "2026-11-03", "kind": "full", "inspectors": "县关工委 周文清",
            "findings": "台帐齐全", "rectify": "建咨询室", "rectify_due": "2026-12-15", **CHECKS, **extra}
    return site.as_(who).post("/inspections/new", data)


def _table(html: str) -> str:
    """The list's rows (not the unit picker above them)."""
    match = re.search(r"<tbody>.*?</tbody>", html, re.S)
    return match.group(0) if match else ""


def _id_of(response: Any) -> str:
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/inspections/([0-9a-f-]{36})", response.headers["location"])
    assert match, response.headers["location"]
    return match.group(1)


def test_reviewer_records_an_inspection_from_the_checklist(site: Site) -> None:
    # Due a month from the day the suite runs: a fixed day would read 整改逾期 once it has passed.
    rid = _id_of(_new(site, site.w.reviewer, rectify_due=(local_today() + datetime.timedelta(days=30)).isoformat()))
    record = site.read(lambda db: row(db, "inspection", rid))
    assert record["passed"] == ["records", "lectures", "archives"]
    assert record["failed"] == ["counselling_room"]
    assert record["score"] == 75  # 3 of 4 checked items
    assert record["author_id"] == site.w.reviewer.user_id
    page = site.as_(site.w.reviewer).get(f"/inspections/{rid}")
    assert page.status_code == 200
    assert "75</span> 分" in page.text and "整改中" in page.text and "心理健康咨询室建立并使用" in page.text


def test_saved_inspection_reaches_the_inspected_units_pull(site: Site) -> None:
    rid = _id_of(_new(site, site.w.reviewer))
    changes, _, _ = site.read(lambda db: pull_all(db, site.w.staff_st12))
    assert changes[("inspection", rid)]["fields"]["failed"] == ["counselling_room"]


def test_a_score_typed_in_full_width_digits_is_read_and_a_negative_one_is_told_the_range(site: Site) -> None:
    # A Chinese IME in full-width mode types "８６" for 86; the form shows it as 86, so it must save as 86.
    rid = _id_of(_new(site, site.w.reviewer, score="８６"))
    assert site.read(lambda db: row(db, "inspection", rid))["score"] == 86
    negative = _new(site, site.w.reviewer, score="-5")
    assert negative.status_code == 400 and "应在 0 到 100 之间" in negative.text
    assert "请只用数字填写" not in negative.text


def test_a_form_error_keeps_what_was_typed(site: Site) -> None:
    response = _new(site, site.w.reviewer, score="九十")
    assert response.status_code == 400
    assert "“得分”请只用数字填写" in response.text
    assert "台帐齐全" in response.text
    assert re.search(r'name="item_counselling_room" value="failed" checked', response.text)


def test_an_inspection_dated_after_today_or_due_before_it_took_place_is_refused_in_words(site: Site) -> None:
    """2062 typed for 2026 filed an inspection, findings and score, in a year-end summary decades
    ahead; a rectification due before the inspection stood as 整改逾期 the moment it was saved."""
    ahead = (local_today() + datetime.timedelta(days=2)).isoformat()
    count = lambda: site.read(lambda db: db.execute("SELECT count(*) FROM inspections").fetchone()[0])  # noqa: E731
    before = count()
    for extra, words in (({"date": ahead}, "督查日期"), ({"date": "2026-11-03", "rectify_due": "2026-10-03"},
                                                         "“整改期限”（2026年10月3日）不能早于督查日期（2026年11月3日）")):
        refused = _new(site, site.w.reviewer, **extra)
        assert refused.status_code == 400 and words in sentence(refused.text), refused.text
        assert "台帐齐全" in refused.text, "what was typed is shown again"
    assert count() == before
    _id_of(_new(site, site.w.reviewer, date=local_today().isoformat(), rectify_due=local_today().isoformat()))


def test_an_inspection_form_posted_twice_is_recorded_once(site: Site) -> None:
    """The same form posted again (a double tap, the back button) must not count the visit twice
    in the year's inspections; the form keeps its id when it comes back with an error."""
    w = site.w
    record_id = record_id_on(site.as_(w.reviewer).get("/inspections/new").text)
    refused = _new(site, w.reviewer, record_id=record_id, score="九十")
    assert refused.status_code == 400 and record_id_on(refused.text) == record_id
    answers = [_new(site, w.reviewer, record_id=record_id) for _ in range(2)]
    assert [_id_of(a) for a in answers] == [record_id] * 2
    assert site.read(lambda db: [r[0] for r in db.execute("SELECT id FROM inspections WHERE unit_id = ?",
                                                          [w.st12]).fetchall()]) == [record_id]
    assert 'name="record_id"' not in site.as_(w.reviewer).get(f"/inspections/{record_id}/edit").text


def test_station_reports_rectification_but_cannot_edit_the_inspection(site: Site) -> None:
    w = site.w
    rid = _id_of(_new(site, w.reviewer))
    station = site.as_(w.staff_st12)
    assert '<a href="/inspections">督查</a>' in station.get("/account").text  # in the station's nav bar
    page = station.get(f"/inspections/{rid}")
    assert page.status_code == 200 and "报告整改情况" in page.text and "修改督查记录" not in page.text
    version = site.read(lambda db: row(db, "inspection", rid))["version"]
    done = station.post(f"/inspections/{rid}", {"fixed": "counselling_room", "rectify_notes": "咨询室已建成",
                                                 "version": str(version)})
    assert done.status_code == 303
    after = site.read(lambda db: row(db, "inspection", rid))
    assert after["fixed"] == ["counselling_room"] and after["rectify_notes"] == "咨询室已建成"
    assert "已整改" in station.get(f"/inspections/{rid}").text
    assert station.get(f"/inspections/{rid}/edit").status_code == 404
    assert station.post(f"/inspections/{rid}/edit", {"score": "100", "version": str(after["version"])},
                        form_page=f"/inspections/{rid}").status_code == 404
    assert site.read(lambda db: row(db, "inspection", rid))["score"] == 75


def test_a_rectification_form_shown_before_the_requirement_changed_is_refused_with_the_typed_words(
        site: Site) -> None:
    w = site.w
    rid = _id_of(_new(site, w.reviewer))
    station = site.as_(w.staff_st12)
    page = station.get(f"/inspections/{rid}")
    shown = re.search(r'name="version" value="(\d+)"', page.text)
    assert shown, "the rectification form carries the version it shows"
    # Meanwhile the county changes what is to be rectified.
    before = site.read(lambda db: row(db, "inspection", rid))
    site.write(lambda db: mutate(db, w.reviewer, "inspection", {"rectify": "咨询室配专职心理老师"}, rid,
                                 before["version"]))
    changed = site.read(lambda db: row(db, "inspection", rid))
    typed = "咨询室已建成，安排了值班表"
    response = station.post(f"/inspections/{rid}", {"fixed": "counselling_room", "rectify_notes": typed,
                                                     "version": shown.group(1)})
    assert response.status_code == 409
    assert "咨询室配专职心理老师" in response.text and typed in response.text
    assert f'name="version" value="{changed["version"]}"' in response.text, "the form now shows the new version"
    assert site.read(lambda db: row(db, "inspection", rid)) == changed, "nothing written"


def test_a_rectification_report_saved_twice_is_answered_as_saved_not_as_changed_by_someone_else(site: Site) -> None:
    """保存 clicked twice: the second post's version is the one before its own first post, and it met
    "这次督查在您打开这页之后被修改过……没有保存" (409) about words that were saved."""
    w = site.w
    rid = _id_of(_new(site, w.reviewer))
    station = site.as_(w.staff_st12)
    shown = re.search(r'name="version" value="(\d+)"', station.get(f"/inspections/{rid}").text)
    assert shown
    report = {"fixed": "counselling_room", "rectify_notes": "咨询室已建成，安排了值班表", "version": shown.group(1)}
    token = station.token(f"/inspections/{rid}")
    sent = [station.post(f"/inspections/{rid}", report, token=token) for _ in range(2)]
    assert [r.status_code for r in sent] == [303, 303], sent[1].text
    saved = site.read(lambda db: row(db, "inspection", rid))
    assert saved["version"] == int(shown.group(1)) + 1 and saved["rectify_notes"] == report["rectify_notes"]
    changed = station.post(f"/inspections/{rid}", {**report, "rectify_notes": "另写的"}, token=token)
    assert changed.status_code == 409 and "被修改过" in changed.text


def test_a_stale_rectification_form_with_nothing_left_to_rectify_still_shows_the_typed_words(site: Site) -> None:
    w = site.w
    rid = _id_of(_new(site, w.reviewer))
    before = site.read(lambda db: row(db, "inspection", rid))
    # Meanwhile the county finds the failed item was in fact passed: nothing is left to rectify.
    site.write(lambda db: mutate(db, w.reviewer, "inspection", {
        "passed": [*before["passed"], "counselling_room"], "failed": []}, rid, before["version"]))
    changed = site.read(lambda db: row(db, "inspection", rid))
    typed = "咨询室已建成，安排了值班表"
    response = site.as_(w.staff_st12).post(f"/inspections/{rid}", {"rectify_notes": typed,
                                                                    "version": str(before["version"])})
    assert response.status_code == 409
    assert "现在已没有需要整改的项目" in response.text and typed in response.text
    assert "报告整改情况" not in response.text
    assert site.read(lambda db: row(db, "inspection", rid)) == changed


def test_a_rectification_form_without_its_version_is_refused(site: Site) -> None:
    w = site.w
    rid = _id_of(_new(site, w.reviewer))
    before = site.read(lambda db: row(db, "inspection", rid))
    response = site.as_(w.staff_st12).post(f"/inspections/{rid}", {"rectify_notes": "咨询室已建成"})
    assert response.status_code == 400 and "咨询室已建成" in response.text
    assert site.read(lambda db: row(db, "inspection", rid)) == before


def test_a_station_cannot_inspect_itself_and_is_told_why(site: Site) -> None:
    page = site.as_(site.w.staff_st12).get("/inspections/new")
    assert "没有可以督查的辅导站或学校" in page.text
    response = _new(site, site.w.staff_st12)
    assert response.status_code == 400
    assert "单位不能督查自己" in response.text
    assert site.read(lambda db: db.execute("SELECT count(*) FROM inspections").fetchone()[0]) == 1


def test_town_staff_inspect_their_units_and_edit_their_own_only(site: Site) -> None:
    w = site.w
    rid = _id_of(_new(site, w.staff_town1))
    town = site.as_(w.staff_town1)
    assert town.get(f"/inspections/{rid}/edit").status_code == 200
    assert town.get(f"/inspections/{w.inspection1}/edit").status_code == 404  # the county's
    assert "修改督查记录" not in town.get(f"/inspections/{w.inspection1}").text


def test_the_inspecting_town_keeps_its_inspection_when_the_one_who_recorded_it_moves(site: Site) -> None:
    w = site.w
    rid = _id_of(_new(site, w.staff_town1))
    colleague = site.write(lambda db: create_user(db, login="town1-second", name="街道另一位干事", role="staff",
                                                   unit_id=w.town1, password_hash=password_hash(),
                                                   must_change_password=False))
    site.write(lambda db: save_user(db, w.admin, {"unit_id": w.town2}, user_id=w.staff_town1.user_id))

    assert site.as_(w.staff_town1).get(f"/inspections/{rid}/edit").status_code == 404  # moved to town 2
    second = site.browser()
    second.login("town1-second")
    assert "修改督查记录" in second.get(f"/inspections/{rid}").text
    data = {"unit_id": w.st12, "date": "2026-11-03", "kind": "full", "inspectors": "县关工委 周文清",
            "findings": "台帐齐全，同事补记", "rectify": "建咨询室", "rectify_due": "2026-12-15", "rectify_notes": "",
            "version": "1", **CHECKS}
    assert second.post(f"/inspections/{rid}/edit", data).status_code == 303
    after = site.read(lambda db: row(db, "inspection", rid))
    assert after["findings"] == "台帐齐全，同事补记" and after["updated_by"] == colleague
    # The archive names the town that inspected, not the one its recorder works for now.
    county = site.as_(w.reviewer)
    detail = re.sub(r"\s+", "", county.get(f"/inspections/{rid}").text)
    assert "<dt>督查单位</dt><dd>掘港街道</dd>" in detail
    listed = _table(county.get(f"/inspections?unit={w.st12}").text)
    assert re.findall(r'data-label="督查单位">([^<]*)<', listed) == ["掘港街道"]


def test_edit_keeps_a_change_made_meanwhile_to_another_field(site: Site) -> None:
    w = site.w
    rid = _id_of(_new(site, w.reviewer))
    shown = site.read(lambda db: row(db, "inspection", rid))
    # Meanwhile the station reports its rectification.
    site.write(lambda db: mutate(db, w.staff_st12, "inspection", {"rectify_notes": "已动工"}, rid, shown["version"]))
    data = {"unit_id": w.st12, "date": "2026-11-03", "kind": "full", "inspectors": "县关工委 周文清",
            "findings": "台帐齐全，另见附件", "rectify": "建咨询室", "rectify_due": "2026-12-15",
            "rectify_notes": "", "version": str(shown["version"]), **CHECKS}
    response = site.as_(w.reviewer).post(f"/inspections/{rid}/edit", data)
    assert response.status_code == 303, response.text
    after = site.read(lambda db: row(db, "inspection", rid))
    assert after["findings"] == "台帐齐全，另见附件"
    assert after["rectify_notes"] == "已动工"


def test_reviewer_deletes_an_inspection(site: Site) -> None:
    w = site.w
    rid = _id_of(_new(site, w.reviewer))
    version = site.read(lambda db: row(db, "inspection", rid))["version"]
    browser = site.as_(w.reviewer)
    response = browser.post(f"/inspections/{rid}/edit", {"action": "delete", "version": str(version)})
    assert response.status_code == 303 and response.headers["location"] == "/inspections"
    assert site.read(lambda db: row(db, "inspection", rid))["deleted"]
    assert browser.get(f"/inspections/{rid}").status_code == 404
    assert rid not in browser.get("/inspections").text


def test_delete_clicked_twice_deletes_the_inspection_and_says_so_both_times(site: Site) -> None:
    w = site.w
    rid = _id_of(_new(site, w.reviewer))
    version = site.read(lambda db: row(db, "inspection", rid))["version"]
    browser = site.as_(w.reviewer)
    token = browser.token(f"/inspections/{rid}/edit")
    sent = [browser.post(f"/inspections/{rid}/edit", {"action": "delete", "version": str(version)}, token=token)
            for _ in range(2)]
    assert [(r.status_code, r.headers.get("location")) for r in sent] == [(303, "/inspections")] * 2
    assert "督查记录已删除" in browser.get("/inspections").text


def test_unit_history_counts_scores_and_open_rectifications(site: Site) -> None:
    w = site.w
    _id_of(_new(site, w.reviewer, score="80"))
    site.write(lambda db: mutate(db, w.reviewer, "inspection", {
        "unit_id": w.st12, "date": "2026-06-01", "inspectors": "周", "passed": ["records"], "score": 60}))
    page = site.as_(w.reviewer).get(f"/inspections/units/{w.st12}")
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.text)
    assert "督查次数</p><p class=\"figure\">2 次" in text
    assert "平均得分</p><p class=\"figure\">70.0 分" in text
    assert "最近得分</p><p class=\"figure\">80 分" in text
    assert "未完成整改</p><p class=\"figure\">1 次" in text
    assert "<svg" in page.text and "80分" in page.text and "60分" in page.text


def test_list_filters_by_rectification_state(site: Site) -> None:
    w = site.w
    rid = _id_of(_new(site, w.reviewer, rectify_due="2026-11-10"))  # a week after it, long past
    browser = site.as_(w.reviewer)
    overdue = _table(browser.get("/inspections?state=overdue").text)
    assert rid in overdue and "整改逾期" in overdue and w.inspection1 not in overdue
    assert _table(browser.get("/inspections?state=done").text) == ""
    assert rid in _table(browser.get(f"/inspections?unit={w.st12}&year=2026&kind=full").text)
    assert _table(browser.get(f"/inspections?unit={w.st12}&year=2025").text) == ""


def _picked_year(html: str) -> list[str]:
    """The option(s) the 年度 picker shows as chosen."""
    picker = re.search(r'<select id="year" name="year">.*?</select>', html, re.S)
    assert picker, "no year picker"
    return re.findall(r'<option value="(\d*)"[^>]*selected', picker.group(0))


def test_list_of_a_year_long_past_shows_that_year_in_its_picker(site: Site) -> None:
    # The filter is applied: the picker must say which year, not "全部" above a list of that year alone.
    w = site.w
    old = local_today().year - 10
    rid = _id_of(_new(site, w.reviewer, date=f"{old}-05-06", rectify_due=f"{old}-06-30"))
    page = site.as_(w.reviewer).get(f"/inspections?year={old}").text
    assert rid in _table(page) and w.inspection1 not in _table(page)
    assert _picked_year(page) == [str(old)]


# --- role × page × foreign record --------------------------------------------------------------

PAGES = ["/inspections/{id}", "/inspections/{id}/edit", "/inspections/units/{unit}"]


@pytest.mark.parametrize("who", ["staff_town2", "staff_st21", "staff_st12"])
@pytest.mark.parametrize("page", PAGES)
def test_another_units_inspection_answers_404_and_shows_nothing(site: Site, who: str, page: str) -> None:
    w = site.w  # inspection 1 is of station 1-1 (town 1), recorded by the county
    path = page.format(id=w.inspection1, unit=w.st11)
    response = site.as_(getattr(w, who)).get(path)
    assert response.status_code == 404
    assert "咨询室需配备专人值守" not in response.text and "周主任" not in response.text


@pytest.mark.parametrize("who", ["staff_town2", "staff_st21", "staff_st12"])
def test_another_units_inspection_cannot_be_changed(site: Site, who: str) -> None:
    w = site.w
    before = site.read(lambda db: row(db, "inspection", w.inspection1))
    browser = site.as_(getattr(w, who))
    for path in (f"/inspections/{w.inspection1}", f"/inspections/{w.inspection1}/edit"):
        response = browser.post(path, {"fixed": "counselling_room", "rectify_notes": "x", "action": "delete",
                                       "version": str(before["version"])}, form_page="/inspections")
        assert response.status_code == 404
    assert site.read(lambda db: row(db, "inspection", w.inspection1)) == before


@pytest.mark.parametrize("who", ["reviewer", "admin", "staff_town1", "staff_st11"])
def test_inspection_pages_open_for_those_in_scope(site: Site, who: str) -> None:
    w = site.w
    browser = site.as_(getattr(w, who))
    assert w.inspection1 in _table(browser.get("/inspections").text)
    assert browser.get(f"/inspections/{w.inspection1}").status_code == 200
    assert browser.get(f"/inspections/units/{w.st11}").status_code == 200
    edit = browser.get(f"/inspections/{w.inspection1}/edit").status_code
    assert edit == (200 if who in ("reviewer", "admin") else 404)


def test_list_of_another_town_leaves_out_town_1(site: Site) -> None:
    text = site.as_(site.w.staff_town2).get("/inspections").text
    assert "掘港" not in text and site.w.inspection1 not in text


def test_unknown_and_malformed_ids_answer_404(site: Site) -> None:
    browser = site.as_(site.w.reviewer)
    assert browser.get(f"/inspections/{new_id()}").status_code == 404
    assert browser.get("/inspections/not-a-uuid").status_code == 404
    assert browser.get("/inspections/units/not-a-uuid").status_code == 404
    assert browser.get(f"/inspections/units/{site.w.town1}").status_code == 404  # a town is not inspected


def test_the_county_cannot_move_a_towns_inspection_to_another_towns_station(site: Site) -> None:
    w = site.w
    rid = _id_of(_new(site, w.staff_town1))
    data = {"unit_id": w.st21, "date": "2026-11-03", "kind": "full", "inspectors": "县关工委 周文清",
            "findings": "台帐齐全，县里补记", "rectify": "建咨询室", "rectify_due": "2026-12-15", "rectify_notes": "",
            "version": "1", **CHECKS}
    refused = site.as_(w.reviewer).post(f"/inspections/{rid}/edit", data)
    assert refused.status_code == 400
    assert "这次督查是掘港街道做的" in refused.text and "台帐齐全，县里补记" in refused.text  # the typed words stay
    after = site.read(lambda db: row(db, "inspection", rid))
    assert (after["unit_id"], after["version"]) == (w.st12, 1)
    assert site.as_(w.staff_town1).get(f"/inspections/{rid}").status_code == 200  # still the town's to see


def test_a_reviewer_moved_to_a_town_cannot_edit_or_delete_the_countys_inspection(site: Site) -> None:
    w = site.w
    site.write(lambda db: save_user(db, w.admin, {"unit_id": w.town1}, user_id=w.reviewer.user_id))
    moved = site.as_(w.reviewer)
    assert moved.get(f"/inspections/{w.inspection1}").status_code == 200  # still in their scope
    assert "修改督查记录" not in moved.get(f"/inspections/{w.inspection1}").text
    assert moved.get(f"/inspections/{w.inspection1}/edit").status_code == 404
    version = str(site.read(lambda db: row(db, "inspection", w.inspection1))["version"])
    gone = moved.post(f"/inspections/{w.inspection1}/edit", {"action": "delete", "version": version},
                      form_page=f"/inspections/{w.inspection1}")
    assert gone.status_code == 404
    assert not site.read(lambda db: row(db, "inspection", w.inspection1))["deleted"]


def test_a_rectification_report_posted_after_sign_out_elsewhere_is_back_in_its_form_after_signing_in(
        site: Site) -> None:
    w = site.w
    rid = _id_of(_new(site, w.reviewer))
    station = site.as_(w.staff_st12)
    shown = site.read(lambda db: row(db, "inspection", rid))["version"]
    typed = "咨询室已建成，安排了值班表"
    page = back_after_sign_in(site, station, w.staff_st12, f"/inspections/{rid}", {
        "fixed": "counselling_room", "rectify_notes": typed, "version": str(shown)})
    assert "已恢复登录前填写的内容" in page and f">{typed}</textarea>" in page
    assert f'name="version" value="{shown}"' in page
    # The county changes the requirement before it is sent again: a change the school never saw.
    site.write(lambda db: mutate(db, w.reviewer, "inspection", {"rectify": "咨询室配专职心理老师"}, rid, shown))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = station.post(f"/inspections/{rid}", {"fixed": "counselling_room", "rectify_notes": typed,
                                                     "version": str(shown)}, token=token)
    assert response.status_code == 409 and typed in response.text
    assert site.read(lambda db: row(db, "inspection", rid))["rectify_notes"] is None


def test_an_inspections_day_deadline_and_recording_time_are_written_in_words(site: Site) -> None:
    """The list, a unit's history and the year's summary printed the day as 2026-11-03, the rectification
    deadline as 2026-12-15 and the page 记录人 …, 2026-12-04 23:32; the other pages write 2026年11月3日."""
    w = site.w
    iid = _id_of(_new(site, w.reviewer))
    site.write(lambda db: db.execute("UPDATE inspections SET created_at = '2026-12-04T15:32:00.000Z' WHERE id = ?",
                                     [iid]))
    browser = site.as_(w.reviewer)
    page = browser.get(f"/inspections/{iid}").text
    assert re.search(r"<title>督查 [^<]* 2026年11月3日", page)
    assert re.search(r'<dt>记录人</dt><dd>[^<，]*，<span class="nowrap">2026年12月4日 23:32</span></dd>', page), page
    assert '期限 <span class="nowrap">2026年12月15日</span>，未整改 1 项' in page
    listing = _table(browser.get("/inspections", params={"year": "2026"}).text)
    history = browser.get(f"/inspections/units/{w.st12}").text
    summary = browser.get("/summary", params={"unit": w.st12, "year": "2026"}).text
    for shown in (listing, history, summary):  # the history's score chart names its points by day, too
        assert f'<a href="/inspections/{iid}"><span class="nowrap">2026年11月3日</span></a>' in shown, shown
        assert '期限 <span class="nowrap">2026年12月15日</span>，未整改 1 项' in shown
        m = re.search(r">\d{4}-\d\d-\d\d<|期限 \d{4}-", shown)
        assert not m, shown[m.start() - 400:m.end()]


def test_a_delete_kept_as_a_conflict_is_answered_as_kept_not_as_refused(site: Site) -> None:
    """The station reported its rectification after the reviewer opened the record: the write path
    keeps the record and stores the delete as a conflict for someone to decide. The page said 400
    as if nothing had been written; it now says what was done, as the event and save pages do."""
    w = site.w
    rid = _id_of(_new(site, w.reviewer, unit_id=w.st11))
    shown = site.read(lambda db: row(db, "inspection", rid))["version"]
    station = site.as_(w.staff_st11)
    assert station.post(f"/inspections/{rid}", {"fixed": "counselling_room", "rectify_notes": "咨询室已建成",
                                                "version": str(shown)}).status_code == 303
    response = site.as_(w.reviewer).post(f"/inspections/{rid}/edit", {"action": "delete", "version": str(shown)})
    assert site.read(lambda db: db.execute("SELECT count(*) FROM sync_conflicts WHERE record_id = ?",
                                           [rid]).fetchone()[0]) == 1
    assert response.status_code == 303 and response.headers["location"] == f"/inspections/{rid}"
    assert not site.read(lambda db: row(db, "inspection", rid))["deleted"]


def test_a_score_says_its_unit_on_the_list_the_units_history_and_the_years_summary(site: Site) -> None:
    """The inspection's own page wrote 80 分, the list, the history's cards and table and the summary a bare
    80 beside 2 次 and 1 次: a county officer reading 最近得分 80 could not tell marks from a count."""
    w = site.w
    iid = _id_of(_new(site, w.reviewer, score="80"))
    browser = site.as_(w.reviewer)
    listing = _table(browser.get("/inspections", params={"year": "2026"}).text)
    history = re.sub(r"\s+", " ", browser.get(f"/inspections/units/{w.st12}").text)
    summary = browser.get("/summary", params={"unit": w.st12, "year": "2026"}).text
    cell = '<td data-label="得分" class="num">80 分</td>'
    for shown in (listing, history, summary):
        assert cell in shown, shown
    assert "最近得分</p><p class=\"figure\">80 分" in history
    assert "平均得分</p><p class=\"figure\">80.0 分" in history
    assert f'/inspections/{iid}' in history


@pytest.mark.parametrize(("field", "label", "typed"), [
    ("rectify_due", "整改期限", "2026-11-01"), ("score", "得分", "九十")])
def test_a_refusal_below_the_checklist_is_said_above_the_form_where_the_page_opens(
        site: Site, field: str, label: str, typed: str) -> None:
    """The page comes back at its top after 保存; a refusal of a field under the ten checklist items,
    two screens down, said only there, left the first screen looking as before: as if saved."""
    response = _new(site, site.w.reviewer, **{field: typed})
    assert response.status_code == 400
    summary = f'没有保存：请看下面标出的<a href="#f-{field}">“{label}”</a>'
    assert summary in response.text
    assert response.text.index(summary) < response.text.index('id="f-unit_id"')
    assert response.text.count("没有保存：请看下面标出的") == 1


def test_failed_items_without_a_rectification_day_are_refused_beside_it_with_what_was_typed(site: Site) -> None:
    """Saved without 整改期限 the inspection stood as 整改中 for ever: never 整改逾期 on the dashboard."""
    count = lambda: site.read(lambda db: db.execute("SELECT count(*) FROM inspections").fetchone()[0])  # noqa: E731
    before = count()
    refused = _new(site, site.w.reviewer, rectify_due="", findings="咨询室未建")
    assert refused.status_code == 400
    beside = refused.text.split('id="e-rectify_due">', 1)[1].split("</p>", 1)[0]  # the field's own line
    assert "有需要整改的项目，请填写整改期限" in beside
    summary = '没有保存：请看下面标出的<a href="#f-rectify_due">“整改期限”</a>'
    assert summary in refused.text and refused.text.index(summary) < refused.text.index('id="f-unit_id"')
    assert "咨询室未建" in refused.text and "建咨询室" in refused.text
    assert re.search(r'name="item_counselling_room" value="failed" checked', refused.text)
    assert count() == before
    # The edit form likewise: the day emptied on an inspection with an item left to fix.
    w = site.w
    record = site.read(lambda db: row(db, "inspection", w.inspection1))
    emptied = site.as_(w.reviewer).post(f"/inspections/{w.inspection1}/edit", {
        "version": str(record["version"]), "unit_id": w.st11, "date": record["date"], "kind": record["kind"] or "",
        "inspectors": record["inspectors"], "item_records": "passed", "item_lectures": "passed",
        "item_counselling_room": "failed", "rectify": record["rectify"], "rectify_due": "", "rectify_notes": ""})
    assert emptied.status_code == 400 and "有需要整改的项目，请填写整改期限" in emptied.text
    assert site.read(lambda db: row(db, "inspection", w.inspection1))["rectify_due"] == record["rectify_due"]
