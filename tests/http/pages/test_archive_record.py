"""What a paper copy of an archive can be checked against: its check code covers every word it
prints, and nothing recorded about the child leaves the archive by being deleted."""
from __future__ import annotations

import html
import json
import re

import sqlite_utils

from sync import Actor, Outcome, apply_mutations, mutations
from sync.users import save_user

from ...factories import mutate, row
from .conftest import Site
from .station import access_rows
from .test_archives import words

BY_STAFF = r"站员一一(?:（手机）)?删除于 20\d\d-\d\d-\d\d \d\d:\d\d"
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
