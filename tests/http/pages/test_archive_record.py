"""What a paper copy of an archive can be checked against: its check code covers every word it
prints, and nothing recorded about the child leaves the archive by being deleted."""
from __future__ import annotations

import html
import json
import re

import sqlite_utils

from server.devices import issue_code
from server.queries.stamps import stamp_of
from sync import Actor, Outcome, apply_mutations, mutations
from sync.users import save_user

from ...factories import mutate, row
from .conftest import Site
from .station import access_rows, query_plans
from .test_archives import words, world_with_history

BY_STAFF = r"站员一一(?:（手机）)?删除于 20\d\d年\d{1,2}月\d{1,2}日 \d\d:\d\d"
CODE = re.compile(r"档案数据截至 (20\d\d-\d\d-\d\d \d\d:\d\d)（北京时间，最后一次改动），"
                  r"核对码 <span class=\"code\">(\w{8})<")


def code_on(site: Site, path: str) -> str:
    found = CODE.findall(site.as_(site.w.reviewer).get(path).text)
    assert found, path
    return str(found[0][1])


def test_the_check_code_changes_when_the_printed_volunteer_or_unit_is_renamed(site: Site) -> None:
    w = site.w
    path = f"/pairings/{w.pairing1}/print"
    first = code_on(site, path)
    assert code_on(site, f"/pairings/{w.pairing1}") == first
    site.write(lambda db: save_user(db, w.admin, {"name": "王建国"}, user_id=w.mentor1.user_id))
    text = html.unescape(site.as_(w.reviewer).get(path).text)
    assert "王建国" in text
    renamed = code_on(site, path)
    assert renamed != first, "the printed volunteer's name changed, so must the code"
    assert code_on(site, f"/pairings/{w.pairing1}") == renamed, "screen and paper still agree"

    def rename_unit(db: sqlite_utils.Database) -> None:
        mutate(db, w.admin, "unit", {"name": "掘港街道城东小学辅导站"}, w.st11,
               base_version=row(db, "unit", w.st11)["version"])

    site.write(rename_unit)
    assert "掘港街道城东小学辅导站" in html.unescape(site.as_(w.reviewer).get(path).text)
    assert code_on(site, path) != renamed, "the printed unit's name changed, so must the code"



def stamp_on(site: Site, path: str) -> tuple[str, str]:
    found = CODE.findall(site.as_(site.w.reviewer).get(path).text)
    assert found, path
    return str(found[0][0]), str(found[0][1])


def test_a_units_telephone_or_address_changed_leaves_its_archives_check_codes_and_times_alone(site: Site) -> None:
    # The archive prints the unit's and town's names, never its telephone or address: the admin typing
    # the station's new number changed every archive's 核对码 and 档案数据截至 in that station, so every
    # paper copy in the county's hands read as altered since, though nothing on it was.
    w = site.w
    paths = [f"/pairings/{w.pairing1}/print", f"/pairings/{w.pairing1}", f"/mentees/{w.mentee1}/print"]
    before = [stamp_on(site, path) for path in paths]
    version = site.read(lambda db: row(db, "unit", w.st11))["version"]
    saved = site.as_(w.admin).post(f"/admin/units/{w.st11}", {
        "name": site.read(lambda db: row(db, "unit", w.st11))["name"], "kind": "station", "parent_id": w.town1,
        "phone": "0513-84999999", "address": "人民路 1 号", "base_version": version})
    assert saved.status_code == 303 and site.read(lambda db: row(db, "unit", w.st11))["phone"] == "0513-84999999"
    assert [stamp_on(site, path) for path in paths] == before

    # Moved to another town, the printed town changes: so do the code and the time.
    moved = site.as_(w.admin).post(f"/admin/units/{w.st11}", {
        "name": site.read(lambda db: row(db, "unit", w.st11))["name"], "kind": "station", "parent_id": w.town2,
        "base_version": version + 1})
    assert moved.status_code == 303
    after = stamp_on(site, paths[0])
    assert after[1] != before[0][1] and after[0] >= before[0][0]
    assert stamp_on(site, paths[1]) == after

def delete_as(site: Site, actor: Actor, entity: str, record_id: str) -> Outcome:
    """``actor`` deletes the record through the write path every writer shares (a phone's sync push,
    a page, an import): the answer."""
    def write(db: sqlite_utils.Database) -> Outcome:
        version = row(db, entity, record_id)["version"]
        (outcome,) = apply_mutations(db, actor, [mutations.delete(entity, record_id, base_version=version)])
        return outcome

    return site.write(write)


def test_a_deleted_screening_or_referral_stays_in_the_archive_and_its_print_with_who_deleted_it(site: Site) -> None:
    w = site.w
    for entity, record_id in (("screening", w.screening1), ("referral", w.referral1)):
        assert delete_as(site, w.staff_st11, entity, record_id).status == "applied"
    for path in (f"/pairings/{w.pairing1}", f"/pairings/{w.pairing1}/print"):
        text = words(site.as_(w.reviewer).get(path).text)
        gone = text[text.index("结对期间已删除的摸排和转介（2 条）"):]
        assert re.search(r"2026年10月8日 · 摸排 已删除 " + BY_STAFF, gone), path
        assert re.search(r"2026年11月2日 · 转介 已删除 " + BY_STAFF, gone), path
        assert "县人民医院心理门诊" in gone, path
        timeline = text[:text.index("结对期间已删除的摸排和转介")]
        assert "· 摸排" not in timeline and "· 转介" not in timeline, "counted nowhere: not in the timeline"
    (logged,) = access_rows(site, "view_pairing", w.pairing1)
    shown = json.loads(logged["entities"])
    assert shown["screening"] == 1 and shown["referral"] == 1


def test_a_deleted_pairing_stays_in_the_childs_archives_marked_with_its_visits(site: Site) -> None:
    w = site.w

    def repair(db: sqlite_utils.Database) -> str:
        return mutate(db, w.staff_st11, "pairing", {"mentor_id": w.mentor2.user_id, "mentee_id": w.mentee1,
                                                    "start_date": "2026-11-26", "approach": "fuxin"})

    later = site.write(repair)
    assert delete_as(site, w.staff_st11, "pairing", later).status == "applied"
    for path in (f"/pairings/{w.pairing1}", f"/pairings/{w.pairing1}/print"):
        text = words(site.as_(w.reviewer).get(path).text)
        pairings = text[text.index("这个孩子的全部结对（2 次）"):]
        assert re.search(r"李老师.*2026年11月26日 至 今.*已删除 " + BY_STAFF, pairings, re.S), path
    # the deleted pairing's own archive still opens, says it was deleted, and keeps its visits
    page = site.as_(w.reviewer).get(f"/pairings/{later}")
    assert page.status_code == 200
    assert re.search(r"这个结对已删除：已删除 站员一一(?:（手机）)?删除于", words(page.text))


def test_a_deleted_pairings_visits_are_kept_in_its_archive_marked_as_gone_with_it(site: Site) -> None:
    w = site.w
    assert delete_as(site, w.staff_st11, "pairing", w.pairing2).status == "applied"
    for path in (f"/pairings/{w.pairing2}", f"/pairings/{w.pairing2}/print"):
        response = site.as_(w.reviewer).get(path)
        assert response.status_code == 200, path
        text = words(response.text)
        assert re.search(r"这个结对已删除：已删除 " + BY_STAFF, text), path
        gone = text[text.index("已删除的帮扶记录（1 条"):]
        assert re.search(r"随结对删除 站员一一(?:（手机）)?删除于", gone), path
    staff = site.as_(w.staff_st11).get(f"/pairings/{w.pairing2}").text
    assert "修改结对" not in staff and "代录一次帮扶" not in staff, "a deleted pairing offers no edits"


def test_volunteers_and_the_county_cannot_delete_a_screening_referral_or_pairing(site: Site) -> None:
    w = site.w
    for actor in (w.mentor1, w.reviewer):
        for entity, record_id in (("screening", w.screening1), ("referral", w.referral1), ("pairing", w.pairing1)):
            assert delete_as(site, actor, entity, record_id).status == "rejected", (actor.role, entity)
            assert not site.read(lambda db, e=entity, r=record_id: row(db, e, r))["deleted"]


def test_the_childs_whole_file_prints_on_one_page_with_every_pairing_visit_screening_and_referral(site: Site) -> None:
    w = site.w
    ids = world_with_history(site)

    def more(db: sqlite_utils.Database) -> str:
        mutate(db, w.staff_st11, "pairing", {"status": "closed", "end_date": "2026-11-25", "outcome": "improved"},
               w.pairing1, base_version=row(db, "pairing", w.pairing1)["version"])
        later = mutate(db, w.staff_st11, "pairing", {"mentor_id": w.mentor2.user_id, "mentee_id": w.mentee1,
                                                     "start_date": "2026-11-26", "approach": "fuxin"})
        mutate(db, w.mentor2, "activity", {"pairing_id": later, "kind": "home_visit", "date": "2026-11-28",
                                           "preparation": "带上作业本", "record": "第二任志愿者第一次家访",
                                           "follow_up": "一周后回访"})
        return later

    site.write(more)
    assert delete_as(site, w.staff_st11, "screening", ids["before"]).status == "applied"
    detail = site.as_(w.reviewer).get(f"/mentees/{w.mentee1}").text
    assert f'href="/mentees/{w.mentee1}/print"' in detail and "打印完整档案" in detail
    page = site.as_(w.reviewer).get(f"/mentees/{w.mentee1}/print")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert re.search(r'打印时间：<span class="nowrap">20\d\d年\d{1,2}月\d{1,2}日 \d\d:\d\d</span>（北京时间）',
                     html.unescape(page.text))
    text = words(page.text)
    assert re.search(r"打印人：县关工委（如东县）.*打印时间：20\d\d年\d{1,2}月\d{1,2}日 \d\d:\d\d", text)
    for part in ("一、孩子的档案", "二、全部结对（2 次）", "三、各次结对的帮扶记录", "四、摸排（1 次）",
                 "五、转介（1 次）"):
        assert part in text, part
    # both pairings, each volunteer with dates and outcome, each visit's preparation, record and follow-up
    assert "2026年9月1日 至 2026年11月25日" in text and "已结束（好转）" in text and "2026年11月26日 至 今" in text
    for said in ("王老师电话口述：孩子愿意说话了。", "下周再谈", "带上作业本", "第二任志愿者第一次家访", "一周后回访",
                 "记录完整，同意。", "结对安排合理", "县人民医院心理门诊"):
        assert said in text, said
    # the deleted visit and the deleted screening are there, marked
    assert "误录的一条" in text and re.search(r"王老师(?:（手机）)?删除于", text)
    assert re.search(r"2026年8月1日 · 摸排 已删除 " + BY_STAFF, text) and "开学前的摸排" in text
    # the county reads codes, not the name, guardian or notes
    assert "小明" not in text and "监护人" not in text
    (logged,) = access_rows(site, "print_mentee", w.mentee1)
    shown = json.loads(logged["entities"])
    assert logged["user_id"] == w.reviewer.user_id and shown["pairing"] == 2 and shown["activity"] == 4
    assert shown["screening"] == 2 and shown["referral"] == 1


def test_the_whole_file_print_carries_the_check_code_that_changes_with_any_pairings_data(site: Site) -> None:
    w = site.w
    path = f"/mentees/{w.mentee1}/print"
    found = CODE.findall(site.as_(w.reviewer).get(path).text)
    assert len(found) == 2 and found[0] == found[1]
    version = site.read(lambda db: row(db, "activity", w.activity1))["version"]
    site.write(lambda db: mutate(db, w.staff_st11, "activity", {"place": "孩子家中"}, w.activity1,
                                 base_version=version))
    assert code_on(site, path) != found[0][1]
    before = code_on(site, path)
    site.write(lambda db: save_user(db, w.admin, {"name": "王建国"}, user_id=w.mentor1.user_id))
    assert code_on(site, path) != before


def test_station_staff_print_their_childs_whole_file_with_the_name_and_others_are_refused(site: Site) -> None:
    w = site.w
    text = words(site.as_(w.staff_st11).get(f"/mentees/{w.mentee1}/print").text)
    assert "小明" in text and "打印人：站员一一（掘港小学辅导站）" in text and "监护人" in text
    assert site.as_(w.staff_st21).get(f"/mentees/{w.mentee1}/print").status_code == 404
    assert site.as_(w.staff_st11).get("/mentees/not-an-id/print").status_code in (400, 404)
    assert access_rows(site, "print_mentee", w.mentee1)[0]["user_id"] == w.staff_st11.user_id
    assert len(access_rows(site, "print_mentee", w.mentee1)) == 1, "a refused print is not logged"


def test_a_screening_deleted_from_a_station_phone_through_the_sync_api_is_kept_in_the_archive(site: Site) -> None:
    w = site.w
    login = site.read(lambda db: db.execute("SELECT login FROM users WHERE id = ?",
                                            [w.staff_st11.user_id]).fetchone()[0])
    code = site.write(lambda db: issue_code(db, login, hours=1))["code"]
    client = site.browser().client
    enrolled = client.post("/api/enrol", json={"code": code, "device_name": "站里的手机"})
    assert enrolled.status_code == 200, enrolled.text
    version = site.read(lambda db: row(db, "screening", w.screening1))["version"]
    pushed = client.post("/api/sync/push", headers={"Authorization": "Bearer " + enrolled.json()["token"]}, json={
        "mutations": [{"mutation_id": 1, "entity": "screening", "record_id": w.screening1, "op": "delete",
                       "base_version": version, "fields": {}}]})
    assert pushed.status_code == 200 and pushed.json()["results"][0]["status"] == "applied", pushed.text
    text = words(site.as_(w.reviewer).get(f"/pairings/{w.pairing1}/print").text)
    gone = text[text.index("结对期间已删除的摸排和转介（1 条）"):]
    assert re.search(r"2026年10月8日 · 摸排 已删除 站员一一（手机）删除于", gone)


def test_a_deleted_screenings_free_text_notes_stay_hidden_from_the_county(site: Site) -> None:
    w = site.w
    note = "父母离异，跟奶奶住在北村三组"
    screening = site.write(lambda db: mutate(db, w.staff_st11, "screening", {
        "mentee_id": w.mentee1, "date": "2026-10-20", "needs": "需要学业辅导", "notes": note}))
    assert delete_as(site, w.staff_st11, "screening", screening).status == "applied"
    for path in (f"/pairings/{w.pairing1}", f"/pairings/{w.pairing1}/print", f"/mentees/{w.mentee1}/print"):
        county = site.as_(w.reviewer).get(path).text
        assert "需要学业辅导" in county and note not in county, path
        assert note in site.as_(w.staff_st11).get(path).text, path


def test_an_edited_then_deleted_screenings_notes_never_reach_the_county_before_or_after_the_edit(site: Site) -> None:
    """A deleted 摸排 stays in the archive with what it last said; the county reads it without its 备注,
    neither the words it ended with nor those an edit replaced (its history feeds the check code)."""
    w = site.w
    first, second = "父母离异，跟奶奶住在北村三组", "奶奶住院，孩子暂住姑姑家"
    screening = site.write(lambda db: mutate(db, w.staff_st11, "screening", {
        "mentee_id": w.mentee1, "date": "2026-10-20", "needs": "需要学业辅导", "notes": first}))
    site.write(lambda db: mutate(db, w.staff_st11, "screening", {"notes": second, "needs": "需要心理疏导"}, screening,
                                 base_version=row(db, "screening", screening)["version"]))
    assert delete_as(site, w.staff_st11, "screening", screening).status == "applied"
    for path in (f"/pairings/{w.pairing1}", f"/pairings/{w.pairing1}/print", f"/mentees/{w.mentee1}/print"):
        county = site.as_(w.reviewer).get(path).text
        assert "需要心理疏导" in county, path  # the deleted 摸排 is there, as it last was ...
        assert first not in county and second not in county, path  # ... without the family's words
        assert second in site.as_(w.staff_st11).get(path).text, path


def test_an_archives_stamp_finds_its_people_and_units_changes_through_indexes_not_the_whole_audit_log(
        site: Site) -> None:
    # Asked on every view and print of an archive: the accounts it names carry no record number, and
    # their last change was found by reading every row of the audit log (0.13 s for 10^6 rows).
    w = site.w
    site.write(lambda db: save_user(db, w.admin, {"name": "王建国"}, user_id=w.mentor1.user_id))
    stamped = {"records": [], "conflicts": [], "people": [w.mentor1.user_id, w.staff_st11.user_id], "units": [w.st11]}

    stamp, lines = site.read(lambda db: query_plans(db, lambda db: stamp_of(db, stamped)))
    lines = [line for line in lines if "sync_audit" in line]
    assert stamp["at"] and len(lines) == 2, lines
    assert all(" USING " in line for line in lines), lines
