"""A school deleted once nothing in it counts any more: the admin deletes it only when its children's
files are deleted (or moved) and its accounts stopped (the write path refuses otherwise, in words:
tests/unit/test_held_records.py). The deleted children's kept files stay where they were read: the
county and the town above the school still open them, marked 档案已删除 and naming the school; no
count changes, since a deleted child counted nowhere already; and an account stopped at the school is
not restored there, with a sentence saying which school went and what to do; a visit the child's
volunteer's phone held unsent is refused in words and kept for the town to enter."""
from __future__ import annotations

from typing import Any

import sqlite_utils

from sync import new_id

from ...factories import end_pairing, make_activity, make_mentee, make_pairing, mutate, push, remove, row, upsert
from .conftest import Site
from .test_archives import words
from .test_phone_import import PAGE

CODE = "BX-JG-9"
PERIOD = "from=2026-01-01&to=2026-12-31"


def _deleted_child_at_the_school(site: Site) -> dict[str, str]:
    """A child of 掘港中学 with a pairing, a visit, a 摸排 and a 转介, the pairing ended, the file deleted."""
    w = site.w

    def write(db: sqlite_utils.Database) -> dict[str, str]:
        child = make_mentee(db, w.staff_town1, w.st12, name="小军", code=CODE)
        pairing = make_pairing(db, w.staff_town1, w.mentor1, child)
        visit = make_activity(db, w.mentor1, pairing)
        mutate(db, w.staff_town1, "screening", {"mentee_id": child, "date": "2026-10-08", "psych_problem": True})
        referral = mutate(db, w.staff_town1, "referral", {
            "mentee_id": child, "target": "medical", "institution": "县人民医院心理门诊", "referred_on": "2026-11-02",
            "reason": "情绪持续低落"})
        end_pairing(db, w.staff_town1, pairing)
        remove(db, w.staff_town1, "mentee", child)
        return {"child": child, "pairing": pairing, "visit": visit, "referral": referral}

    return dict(site.write(write))


def _delete_the_school(site: Site) -> Any:
    """The admin stops the school's account, then deletes the school, on the admin pages."""
    w = site.w
    admin = site.as_(w.admin)
    assert admin.post(f"/admin/users/{w.staff_st12.user_id}", {"action": "deactivate"}).status_code == 303
    version = site.read(lambda db: row(db, "unit", w.st12))["version"]
    deleted = admin.post(f"/admin/units/{w.st12}", {"action": "delete", "base_version": version})
    assert deleted.status_code == 303, words(deleted.text)
    assert site.read(lambda db: row(db, "unit", w.st12))["deleted"]
    return admin


def test_a_school_whose_children_are_still_on_file_is_not_deleted_and_the_page_says_so(site: Site) -> None:
    w = site.w
    site.write(lambda db: make_pairing(db, w.staff_town1, w.mentor1, make_mentee(db, w.staff_town1, w.st12)))
    admin = site.as_(w.admin)
    admin.post(f"/admin/users/{w.staff_st12.user_id}", {"action": "deactivate"})
    version = site.read(lambda db: row(db, "unit", w.st12))["version"]
    refused = admin.post(f"/admin/units/{w.st12}", {"action": "delete", "base_version": version})
    assert refused.status_code == 400
    assert "“掘港中学”还有帮扶对象、结对和帮扶记录，不能删除" in words(refused.text)
    assert "请先把它们移到别的单位" in words(refused.text)
    assert not site.read(lambda db: row(db, "unit", w.st12))["deleted"]


def test_the_county_and_the_town_still_read_a_deleted_childs_file_after_its_school_is_deleted(site: Site) -> None:
    w = site.w
    ids = _deleted_child_at_the_school(site)
    _delete_the_school(site)
    pages = (f"/mentees/{ids['child']}", f"/mentees/{ids['child']}/print", f"/pairings/{ids['pairing']}",
             f"/pairings/{ids['pairing']}/print", f"/activities/{ids['visit']}", f"/referrals/{ids['referral']}")
    for reader in (w.reviewer, w.admin, w.staff_town1):
        browser = site.as_(reader)
        for path in pages:
            response = browser.get(path)
            assert response.status_code == 200, (reader.name, path)
            text = words(response.text)
            assert CODE in text and "档案已删除" in text, (reader.name, path)
            if not path.startswith(("/activities/", "/referrals/")):  # these two name no unit at all
                assert "掘港中学" in text, f"{reader.name} {path}: the school's name, not a blank"
        for listing in ("/mentees?status=deleted", "/pairings?status=deleted"):
            found = words(browser.get(listing).text)
            assert CODE in found and "掘港中学" in found, (reader.name, listing)
    for outsider in (w.staff_town2, w.staff_st11):
        browser = site.as_(outsider)
        for path in pages:
            assert browser.get(path).status_code == 404, (outsider.name, path)


def test_deleting_the_school_of_a_deleted_child_changes_no_count(site: Site) -> None:
    w = site.w
    _deleted_child_at_the_school(site)
    county = site.as_(w.reviewer)
    counted = ("/reports/stats.csv?unit={u}&" + PERIOD, "/dashboard", "/coverage?unit={u}&" + PERIOD)
    before = [county.get(path.format(u=w.county)).text for path in counted]
    _delete_the_school(site)
    after = [county.get(path.format(u=w.county)).text for path in counted]
    assert [a.count(CODE) for a in after] == [0, 0, 0]
    # The school's row (all zeros: a deleted child counted nowhere) goes; every other figure stays.
    gone = [line for line in before[0].splitlines() if line.startswith("掘港中学,")]
    assert gone == ["掘港中学,0,0,0,0,0,0,0,0,"]
    assert after[0].splitlines() == [line for line in before[0].splitlines() if line not in gone]
    coverage_rows = [line for line in words(after[2]).splitlines() if "掘港中学" in line]
    assert coverage_rows == [], "the deleted school leaves the coverage table"


def test_an_account_stopped_at_a_deleted_school_is_not_restored_there_and_the_page_says_why(site: Site) -> None:
    w = site.w
    _deleted_child_at_the_school(site)
    admin = _delete_the_school(site)
    page = words(admin.get(f"/admin/users/{w.staff_st12.user_id}").text)
    assert "原来的所属单位“掘港中学”已删除" in page and "再恢复使用" in page
    refused = admin.post(f"/admin/users/{w.staff_st12.user_id}", {"action": "activate"})
    assert refused.status_code == 400, "a sentence on the form, not a 403 没有权限 page"
    assert "不能恢复使用：所属单位“掘港中学”已删除，请在“所属单位”里换一个现有的单位。" in words(refused.text)
    assert not site.read(lambda db: db.execute("SELECT active FROM users WHERE id = ?",
                                               [w.staff_st12.user_id]).fetchone()[0])
    moved = admin.post(f"/admin/users/{w.staff_st12.user_id}", {
        "login": site.login_of(w.staff_st12), "name": "站员一二", "role": "staff", "unit_id": w.town1})
    assert moved.status_code == 303, words(moved.text)
    assert admin.post(f"/admin/users/{w.staff_st12.user_id}", {"action": "activate"}).status_code == 303
    staff = site.as_(w.staff_st12)  # now at the town: the school's deleted child is in the town's reach
    assert staff.get("/mentees?status=deleted").status_code == 200


def test_a_visit_the_volunteers_phone_held_for_a_child_of_the_deleted_school_is_refused_and_kept_for_the_town(
        site: Site) -> None:
    w = site.w
    ids = _deleted_child_at_the_school(site)
    _delete_the_school(site)
    text = "离线时写的家访：孩子说最近晚上睡不着。"
    fields = {"pairing_id": ids["pairing"], "kind": "home_visit", "date": "2026-11-20", "record": text}
    record_id = new_id()
    (answer,) = site.write(lambda db: push(db, w.mentor1, upsert("activity", record_id, fields, 101)))
    assert answer["status"] == "rejected" and "的档案已被辅导站删除" in answer["reason"], answer
    assert site.read(lambda db: row(db, "activity", record_id)) is None
    assert text in words(site.as_(w.staff_town1).get(PAGE).text), "the words are kept where the town can enter them"
    assert site.as_(w.admin).get(PAGE).status_code == 403  # the admin enters no child's records
    assert text not in words(site.as_(w.staff_town2).get(PAGE).text)
