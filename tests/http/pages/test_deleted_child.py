"""A child's file deleted from a station phone stays in sight of those who inspect it: the county and
the child's station still open the file, its pairing archives and the whole-file print, marked 档案已删除
with who deleted it and when, read-only; the child is in no running list and is found under 已删除;
another station and the child's volunteer get nothing of it."""
from __future__ import annotations

import json
import re

import sqlite_utils

from server.devices import issue_code
from server.pages.archives import _read_child
from server.queries.archives import archive
from server.queries.mentees import get_mentee
from sync import load_scope, new_id

from ...factories import mutate, row
from .conftest import Site
from .station import access_rows, conflict_on_activity1
from .test_archive_record import BY_STAFF, delete_as
from .test_archives import words

PHONE_DELETE = r"站员一一（手机）删除于 20\d\d年\d{1,2}月\d{1,2}日 \d\d:\d\d"


def delete_child_from_station_phone(site: Site) -> str:
    """The station ends the child's pairing, writes a private note on a 摸排, then deletes the child's
    file from its enrolled phone through /api/sync/push, as the rule allows; the child's code."""
    w = site.w

    def prepare(db: sqlite_utils.Database) -> None:
        mutate(db, w.staff_st11, "pairing", {"status": "closed", "end_date": "2026-11-25", "outcome": "stable"},
               w.pairing1, base_version=row(db, "pairing", w.pairing1)["version"])
        mutate(db, w.staff_st11, "screening", {"notes": "父母离异，跟奶奶住在东街"}, w.screening1,
               base_version=row(db, "screening", w.screening1)["version"])

    site.write(prepare)
    code = site.write(lambda db: issue_code(db, site.login_of(w.staff_st11), hours=1))["code"]
    client = site.browser().client
    enrolled = client.post("/api/enrol", json={"code": code, "device_name": "站里的手机"})
    assert enrolled.status_code == 200, enrolled.text
    version = site.read(lambda db: row(db, "mentee", w.mentee1))["version"]
    pushed = client.post("/api/sync/push", headers={"Authorization": "Bearer " + enrolled.json()["token"]}, json={
        "mutations": [{"mutation_id": 1, "entity": "mentee", "record_id": w.mentee1, "op": "delete",
                       "base_version": version, "fields": {}}]})
    assert pushed.status_code == 200 and pushed.json()["results"][0]["status"] == "applied", pushed.text
    return str(site.read(lambda db: row(db, "mentee", w.mentee1))["code"])


def paths(site: Site) -> tuple[str, str, str, str]:
    w = site.w
    return (f"/mentees/{w.mentee1}", f"/pairings/{w.pairing1}", f"/pairings/{w.pairing1}/print",
            f"/mentees/{w.mentee1}/print")


def test_the_county_still_opens_a_deleted_childs_file_archives_and_print_marked_with_who_deleted_it(
        site: Site) -> None:
    w = site.w
    delete_child_from_station_phone(site)
    county = site.as_(w.reviewer)
    for path in paths(site):
        response = county.get(path)
        assert response.status_code == 200, path
        text = words(response.text)
        assert re.search("档案已删除：" + PHONE_DELETE, text), path
        assert "家访记录" in text, f"{path}: the visits are still there"
        assert "小明" not in text and "父母离异" not in text, f"{path}: the county reads codes, never private text"
    archive_text = words(county.get(f"/pairings/{w.pairing1}").text)
    timeline = archive_text[archive_text.index("帮扶时间线"):archive_text.index("已删除的帮扶记录")]
    assert "· 摸排" in timeline and "县人民医院心理门诊" in timeline, "the screening and referral stay in the timeline"
    whole = words(county.get(f"/mentees/{w.mentee1}/print").text)
    assert "四、摸排（1 次）" in whole and "五、转介（1 次）" in whole
    for action, target, times in (("view_mentee", w.mentee1, 1), ("view_pairing", w.pairing1, 2),
                                  ("print_pairing", w.pairing1, 1), ("print_mentee", w.mentee1, 2)):
        logged = access_rows(site, action, target)
        assert [r["user_id"] for r in logged] == [w.reviewer.user_id] * times, action


def test_the_deleted_childs_station_reads_its_file_with_the_name_but_can_no_longer_write_to_it(site: Site) -> None:
    w = site.w
    delete_child_from_station_phone(site)
    staff = site.as_(w.staff_st11)
    page = staff.get(f"/mentees/{w.mentee1}")
    assert page.status_code == 200
    text = words(page.text)
    assert "小明" in text and "父母离异" in text and re.search("档案已删除：" + PHONE_DELETE, text)
    for offer in ("修改资料", "保存摸排", "为这个孩子结对", "登记转介"):
        assert offer not in text, offer
    archive_page = words(staff.get(f"/pairings/{w.pairing1}").text)
    for offer in ("修改结对", "登记转介", "代录一次帮扶"):
        assert offer not in archive_page, offer
    assert staff.get(f"/mentees/{w.mentee1}/edit").status_code == 404
    refused = staff.post(f"/mentees/{w.mentee1}", {"date": "2026-11-30", "psych_problem": "1"},
                         form_page=f"/mentees/{w.mentee1}")
    assert refused.status_code == 404
    assert site.read(lambda db: db.execute("SELECT count(*) FROM screenings WHERE mentee_id = ? AND date = ?",
                                           [w.mentee1, "2026-11-30"]).fetchone()[0]) == 0


def test_another_station_and_the_childs_volunteer_still_get_nothing_of_a_deleted_child(site: Site) -> None:
    w = site.w
    delete_child_from_station_phone(site)
    other = site.as_(w.staff_st21)
    for path in paths(site):
        assert other.get(path).status_code == 404, path
    for action, target in (("view_mentee", w.mentee1), ("view_pairing", w.pairing1),
                           ("print_pairing", w.pairing1), ("print_mentee", w.mentee1)):
        assert access_rows(site, action, target) == [], action

    def as_volunteer(db: sqlite_utils.Database) -> tuple[object, object, object]:
        scope = load_scope(db, w.mentor1)
        return (get_mentee(db, scope, w.mentee1, deleted_too=True), archive(db, scope, w.pairing1),
                _read_child(db, scope, w.mentee1))

    assert site.read(as_volunteer) == (None, None, None)


def test_a_deleted_child_is_in_no_running_list_and_is_found_under_the_deleted_filter(site: Site) -> None:
    w = site.w
    code = delete_child_from_station_phone(site)
    county = site.as_(w.reviewer)
    for path in ("/mentees", "/mentees?status=all", "/mentees?status=closed", "/pairings"):
        assert code not in county.get(path).text, path
    found = words(county.get("/mentees?status=deleted").text)
    assert "共 1 人" in found and code in found and re.search("已删除 " + PHONE_DELETE, found)
    assert "小明" not in found
    staff = words(site.as_(w.staff_st11).get("/mentees?status=deleted").text)
    assert code in staff and "小明" in staff
    assert "共 0 人" in words(site.as_(w.staff_st21).get("/mentees?status=deleted").text), "another station's child"


def test_the_childs_file_shows_its_deleted_pairings_and_screenings_marked_with_who_and_when(site: Site) -> None:
    w = site.w

    def later_pairing(db: sqlite_utils.Database) -> str:
        mutate(db, w.staff_st11, "screening", {"notes": "父母离异，跟奶奶住在东街"}, w.screening1,
               base_version=row(db, "screening", w.screening1)["version"])
        return mutate(db, w.staff_st11, "pairing", {"mentor_id": w.mentor2.user_id, "mentee_id": w.mentee1,
                                                    "start_date": "2026-11-26", "approach": "fuxin"})

    later = site.write(later_pairing)
    assert delete_as(site, w.staff_st11, "pairing", later).status == "applied"
    assert delete_as(site, w.staff_st11, "screening", w.screening1).status == "applied"
    county = words(site.as_(w.reviewer).get(f"/mentees/{w.mentee1}").text)
    pairings = county[county.index("结对"):county.index("帮扶活动")]
    assert re.search(r"李老师.*2026年11月26日 至 今.*已删除 " + BY_STAFF + "（不计入统计）", pairings, re.S)
    assert "王老师" in pairings
    gone = county[county.index("已删除的摸排（1 条，不计入统计）"):]
    assert re.search(r"2026年10月8日 · 摸排 已删除 " + BY_STAFF, gone) and "存在心理问题" in gone
    assert "父母离异" not in county, "a deleted 摸排's notes stay hidden from the county"
    assert "父母离异" in words(site.as_(w.staff_st11).get(f"/mentees/{w.mentee1}").text)
    logged = access_rows(site, "view_mentee", w.mentee1)[0]
    shown = json.loads(logged["entities"])
    assert logged["user_id"] == w.reviewer.user_id and shown["screening"] == 1 and shown["pairing"] == 2


def test_a_deleted_childs_visit_and_referral_open_read_only_from_its_kept_archive_for_the_county_and_station(
        site: Site) -> None:
    w = site.w
    delete_child_from_station_phone(site)
    visit, referral = f"/activities/{w.activity1}", f"/referrals/{w.referral1}"
    for viewer in (w.reviewer, w.staff_st11):
        browser = site.as_(viewer)
        archive_page = browser.get(f"/pairings/{w.pairing1}").text
        assert f'href="{visit}"' in archive_page and f'href="{referral}"' in archive_page, "the links are back"
        for path in (visit, referral):
            response = browser.get(path)
            assert response.status_code == 200, path
            text = words(response.text)
            assert re.search("档案已删除：" + PHONE_DELETE, text), path
            for offer in ("修改", "去审核", "跟踪这次转介", "保存"):
                assert f">{offer}<" not in response.text and offer + " " not in text.replace("修改经过", ""), \
                    (path, offer)
            assert ("小明" in text) == (viewer is w.staff_st11), "the county reads codes only"
    for action, target in (("view_activity", w.activity1), ("view_referral", w.referral1)):
        assert [r["user_id"] for r in access_rows(site, action, target)] == [w.reviewer.user_id, w.staff_st11.user_id]
    staff = site.as_(w.staff_st11)
    assert staff.get(f"{visit}/edit").status_code == 404
    assert staff.post(referral, {"status": "concluded"}, form_page=f"/referrals/{w.referral1}").status_code == 404


def test_another_station_gets_a_404_for_a_deleted_childs_visit_and_referral_and_nothing_is_logged(
        site: Site) -> None:
    w = site.w
    delete_child_from_station_phone(site)
    other = site.as_(w.staff_st21)
    for path in (f"/activities/{w.activity1}", f"/referrals/{w.referral1}"):
        assert other.get(path).status_code == 404, path
    for action, target in (("view_activity", w.activity1), ("view_referral", w.referral1)):
        assert access_rows(site, action, target) == [], action


def test_the_pairing_archive_list_finds_a_deleted_childs_pairings_under_the_deleted_status_and_nowhere_else(
        site: Site) -> None:
    w = site.w
    code = delete_child_from_station_phone(site)
    county = site.as_(w.reviewer)
    for path in ("/pairings", "/pairings?status=active", "/pairings?status=closed"):
        assert code not in county.get(path).text, path
    page = county.get("/pairings?status=deleted")
    assert page.status_code == 200
    found = words(page.text)
    assert "共 1 个结对" in found and code in found and "小明" not in found
    assert re.search("档案 ?已删除 " + PHONE_DELETE, found)
    assert f'href="/pairings/{w.pairing1}"' in page.text, "the kept archive opens from the list"
    assert '<option value="deleted" selected>已删除</option>' in page.text
    staff = words(site.as_(w.staff_st11).get("/pairings?status=deleted").text)
    assert code in staff and "小明" in staff
    assert "共 0 个结对" in words(site.as_(w.staff_st21).get("/pairings?status=deleted").text), "another station's"


def test_a_deleted_pairing_of_a_live_child_is_listed_under_the_deleted_status_marked_with_who_deleted_it(
        site: Site) -> None:
    w = site.w
    later = site.write(lambda db: mutate(db, w.staff_st11, "pairing", {
        "mentor_id": w.mentor1.user_id, "mentee_id": w.mentee2, "start_date": "2026-11-26", "approach": "fuxin"}))
    assert delete_as(site, w.staff_st11, "pairing", later).status == "applied"
    found = words(site.as_(w.staff_st11).get("/pairings?status=deleted").text)
    assert "共 1 个结对" in found and re.search("结对 ?已删除 " + BY_STAFF, found) and "小红" in found


def test_a_visit_left_unsent_on_the_volunteers_phone_for_a_child_deleted_meanwhile_is_kept_not_lost(
        site: Site) -> None:
    w = site.w
    code = site.write(lambda db: issue_code(db, site.login_of(w.mentor1), hours=1))["code"]
    phone = site.browser().client
    token = phone.post("/api/enrol", json={"code": code, "device_name": "王老师的手机"}).json()["token"]
    auth = {"Authorization": "Bearer " + token}
    first = phone.get("/api/sync/pull", headers=auth).json()
    assert any(c["record_id"] == w.mentee1 for c in first["changes"]), "the child is on the phone"
    child_code = delete_child_from_station_phone(site)  # while the phone is offline, a visit unsent on it
    visit_id, screening_id, text = new_id(), new_id(), "离线写的家访：孩子说晚上睡不着。"
    pushed = phone.post("/api/sync/push", headers=auth, json={"mutations": [{
        "mutation_id": 1, "entity": "activity", "record_id": visit_id, "op": "upsert", "base_version": None,
        "fields": {"pairing_id": w.pairing1, "kind": "home_visit", "date": "2026-11-20", "record": text}}, {
        "mutation_id": 2, "entity": "screening", "record_id": screening_id, "op": "upsert", "base_version": None,
        "fields": {"mentee_id": w.mentee1, "date": "2026-11-20", "needs": "需要一个安静写作业的地方"}}]})
    assert pushed.status_code == 200, pushed.text
    told = (f"孩子 {child_code} 的档案已被辅导站删除，这条记录没有收进系统。"
            "记录的内容已经保存在服务器上，辅导站能看到，请联系辅导站。")
    for answer in pushed.json()["results"]:  # the visit and the 摸排 alike: not 找不到结对 / 找不到帮扶对象
        assert (answer["status"], answer["reason"]) == ("rejected", told), answer
    assert site.read(lambda db: row(db, "activity", visit_id)) is None
    assert site.read(lambda db: row(db, "screening", screening_id)) is None
    # A volunteer who never had the child, naming its id, is told the one not-found sentence: not its code.
    other_code = site.write(lambda db: issue_code(db, site.login_of(w.mentor2), hours=1))["code"]
    other = {"Authorization": "Bearer " + phone.post("/api/enrol", json={
        "code": other_code, "device_name": "张老师的手机"}).json()["token"]}
    stranger = phone.post("/api/sync/push", headers=other, json={"mutations": [{
        "mutation_id": 1, "entity": "screening", "record_id": new_id(), "op": "upsert", "base_version": None,
        "fields": {"mentee_id": w.mentee1, "date": "2026-11-20", "needs": "试探"}}]}).json()["results"][0]
    assert stranger["status"] == "rejected" and child_code not in stranger["reason"], stranger
    listed = words(site.as_(w.staff_st11).get("/activities/phone-import").text)
    assert text in listed and "孩子的档案在手机送来之前已被删除" in listed and child_code in listed
    assert text not in words(site.as_(w.staff_st21).get("/activities/phone-import").text), "another station's"
    later = phone.get("/api/sync/pull", headers=auth, params={"cursor": first["cursor"]}).json()
    assert {"entity": "mentee", "record_id": w.mentee1} in later["drop"], "a pull takes the child off the phone"


def test_neither_a_daily_entry_nor_a_phones_export_writes_a_visit_into_a_deleted_childs_ended_pairing(
        site: Site) -> None:
    # The deleted child's ended pairing is kept undeleted as its archive: a visit dated inside it was
    # taken from the 代录 form and from a phone's export into a file that is read-only and counted nowhere.
    from .test_activities import VISIT
    from .test_phone_import import export, preview, visit

    w = site.w
    code = delete_child_from_station_phone(site)
    staff = site.as_(w.staff_st11)
    before = site.read(lambda db: db.execute("SELECT count(*) FROM activities").fetchone()[0])
    typed = staff.post("/activities/new", {"pairing_id": w.pairing1, **VISIT, "date": "2026-11-20",
                                           "follow_up_due": ""}, form_page="/activities/new")
    assert typed.status_code == 400 and f"帮扶对象 {code} 的档案已被删除" in words(typed.text), typed.status_code
    page = preview(staff, export(w.mentor1, {**visit(w.pairing1, "结对结束前的家访"),
                                             "fields": {"pairing_id": w.pairing1, "kind": "home_visit",
                                                        "date": "2026-11-20", "record": "结对结束前的家访"}}))
    assert page.status_code == 200 and f"无法导入：帮扶对象 {code} 的档案已被删除" in words(page.text)
    assert 'name="payload"' not in page.text, "nothing to confirm"
    assert site.read(lambda db: db.execute("SELECT count(*) FROM activities").fetchone()[0]) == before


def test_a_deleted_childs_visit_takes_no_verdict_from_the_review_form(site: Site) -> None:
    # Not in the review queue, but the form posts any visit's id: 通过 would have locked a visit of
    # the read-only file and added a review to it.
    w = site.w
    code = delete_child_from_station_phone(site)
    before = site.read(lambda db: (row(db, "activity", w.activity1), db.execute("SELECT count(*) FROM reviews")
                                   .fetchone()[0]))
    for decision in ("approve", "return"):
        response = site.as_(w.staff_town1).post("/review", {"target_entity": "activity", "target_id": w.activity1,
                                                           "decision": decision, "comment": "看过了"})
        assert response.status_code == 400 and f"帮扶对象 {code} 的档案已被删除" in words(response.text), decision
    assert site.read(lambda db: (row(db, "activity", w.activity1), db.execute("SELECT count(*) FROM reviews")
                                 .fetchone()[0])) == before


def test_a_deleted_childs_open_conflict_leaves_the_conflicts_list_and_the_home_count(site: Site) -> None:
    # Neither value can be taken into the read-only file any more (the write path refuses both), so
    # the conflict is nobody's to decide: it stays in the child's archive, not on the to-do list.
    w = site.w
    staff = site.as_(w.staff_st11)
    conflict_id = conflict_on_activity1(site, staff)
    home = re.compile(r'<p class="figure">(\d+)</p>\s*<p>条同步冲突未处理')
    assert home.findall(staff.get("/staff").text) == ["1"] and conflict_id in staff.get("/conflicts").text
    code = delete_child_from_station_phone(site)
    listing = staff.get("/conflicts").text
    assert conflict_id not in listing and code not in words(listing) and "没有待处理的冲突" in words(listing)
    assert home.findall(staff.get("/staff").text) == ["0"]
    archive_page = words(staff.get(f"/pairings/{w.pairing1}").text)
    assert "手机上补充：孩子说想参加兴趣小组。" in archive_page, "kept in the archive"


def test_no_page_of_a_deleted_child_or_pairing_offers_to_restore_it(site: Site) -> None:
    # Nothing undoes such a delete: the kept file, its archives, a visit of it, a deleted pairing's
    # archive and the 代录 form's refusal say it is deleted, never that it can be 恢复.
    from .test_activities import VISIT

    w = site.w
    delete_child_from_station_phone(site)
    assert delete_as(site, w.staff_st11, "pairing", w.pairing2).status == "applied"
    staff, county = site.as_(w.staff_st11), site.as_(w.reviewer)
    typed = staff.post("/activities/new", {"pairing_id": w.pairing1, **VISIT, "date": "2026-11-20",
                                           "follow_up_due": ""}, form_page="/activities/new")
    assert typed.status_code == 400 and "删除不能撤销" in words(typed.text)
    shown = [typed.text]
    for viewer in (staff, county):
        for path in (*paths(site), f"/activities/{w.activity1}", f"/pairings/{w.pairing2}"):
            response = viewer.get(path)
            assert response.status_code == 200, path
            shown.append(response.text)
    for text in shown:
        assert "恢复" not in words(text)
