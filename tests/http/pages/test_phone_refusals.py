"""A volunteer's phone comes back online after the station changed the world: the visit it held
unsent is refused (the pairing ended, passed to another volunteer, the child was deleted), but its
words stay on the server and the station sees them, in its own unit only, until it enters them."""
from __future__ import annotations

import re
from typing import Any

from sync import new_id

from ...factories import end_pairing, mutate, push, remove, row, upsert
from .conftest import Site
from .test_phone_import import PAGE, export, upload, visit

TEXT = "离线时写的家访：孩子说最近晚上睡不着，妈妈在外地打工。"


def phone_sends_visit(site: Site, device: Any, pairing: str, record_id: str, mutation_id: int = 101,
                      date: str = "2026-11-20") -> dict[str, Any]:
    fields = {"pairing_id": pairing, "kind": "home_visit", "date": date, "record": TEXT,
              "follow_up": "下周再去看看"}
    answer, = site.write(lambda db: push(db, device, upsert("activity", record_id, fields, mutation_id)))
    return answer


def words(html: str) -> str:
    return re.sub(r"<[^>]+>|\s+", " ", html)


def test_a_visit_sent_after_the_pairing_ended_is_refused_but_kept_for_the_station_to_enter(site: Site) -> None:
    w = site.w
    site.write(lambda db: end_pairing(db, w.staff_st11, w.pairing1, end_date="2026-11-24"))
    record_id = new_id()
    answer = phone_sends_visit(site, w.mentor1, w.pairing1, record_id)
    assert answer["status"] == "rejected" and site.read(lambda db: row(db, "activity", record_id)) is None
    page = site.as_(w.staff_st11).get(PAGE)
    assert page.status_code == 200
    said = words(page.text)
    assert "手机送来、但没有收下的记录（1 条）" in said and TEXT in said and "下周再去看看" in said
    assert "王老师" in said and site.read(lambda db: row(db, "mentee", w.mentee1))["code"] in said
    # the real cause, not the phone's 找不到结对 with an id no one can read
    assert "结对已于2026-11-24结束" in said and "找不到结对" not in said and w.pairing1 not in said
    logged = site.read(lambda db: [(r["action"], r["target"]) for r in db.query("SELECT * FROM access_log")])
    assert ("view_phone_refusals", w.st11) in logged  # the unit whose list it was
    assert "查看手机送来、没有收下的记录" in site.as_(w.admin).get("/admin/access-log").text  # in words
    # Another town's station does not see it.
    assert TEXT not in site.as_(w.staff_st21).get(PAGE).text
    # Entered from the phone's export under the same id, it leaves the list.
    item = {**visit(w.pairing1, TEXT, record_id), "state": "rejected", "reason": "结对已结束"}
    item["fields"]["date"] = "2026-11-20"
    entered = upload(site.as_(w.staff_st11), export(w.mentor1, item))
    assert "已录入。" in entered.text
    assert "手机送来、但没有收下的记录" not in site.as_(w.staff_st11).get(PAGE).text


def test_a_visit_sent_after_the_child_passed_to_another_volunteer_is_kept_for_the_station_not_shown_to_them(
    site: Site
) -> None:
    w = site.w
    site.write(lambda db: mutate(db, w.staff_st11, "pairing", {"mentor_id": w.mentor2.user_id}, w.pairing1,
                                 base_version=row(db, "pairing", w.pairing1)["version"]))  # type: ignore[index]
    record_id = new_id()
    assert phone_sends_visit(site, w.mentor1, w.pairing1, record_id)["status"] == "rejected"
    assert site.read(lambda db: row(db, "activity", record_id)) is None, "the new volunteer sees none of it"
    said = words(site.as_(w.staff_st11).get(PAGE).text)
    assert TEXT in said and "孩子在手机送来之前已改由李老师结对" in said and "找不到结对" not in said


def test_a_visit_from_a_volunteer_never_paired_with_the_child_is_not_put_before_that_childs_station(
    site: Site
) -> None:
    # Another town's volunteer, never paired with the child, names the child's pairing (or the child)
    # in a new visit or screening: refused, and not listed at the child's station as that volunteer's
    # visit of the child whom someone "passed" to another.
    w = site.w
    assert phone_sends_visit(site, w.mentor3, w.pairing1, new_id())["status"] == "rejected"
    screening = {"mentee_id": w.mentee1, "date": "2026-11-20", "notes": TEXT}
    answer, = site.write(lambda db: push(db, w.mentor3, upsert("screening", new_id(), screening, 102)))
    assert answer["status"] == "rejected"
    said = words(site.as_(w.staff_st11).get(PAGE).text)
    assert TEXT not in said and "张老师" not in said  # the child's own volunteer's: the tests above


def test_a_visit_and_its_later_edit_refused_together_are_listed_as_one_visit_with_both_words(site: Site) -> None:
    w = site.w
    site.write(lambda db: end_pairing(db, w.staff_st11, w.pairing1))
    record_id = new_id()
    phone_sends_visit(site, w.mentor1, w.pairing1, record_id)
    later = upsert("activity", record_id, {"follow_up": "改成月底再去"}, 102)
    edit, = site.write(lambda db: push(db, w.mentor1, later))
    assert edit["status"] == "rejected"
    said = words(site.as_(w.staff_st11).get(PAGE).text)
    assert "（1 条）" in said and TEXT in said and "改成月底再去" in said and "下周再去看看" not in said


def test_a_visit_sent_after_the_child_was_deleted_is_kept_for_the_station(site: Site) -> None:
    w = site.w
    site.write(lambda db: end_pairing(db, w.staff_st11, w.pairing1))
    site.write(lambda db: remove(db, w.staff_st11, "mentee", w.mentee1))
    assert phone_sends_visit(site, w.mentor1, w.pairing1, new_id())["status"] == "rejected"
    said = words(site.as_(w.staff_st11).get(PAGE).text)
    assert TEXT in said and "孩子的档案在手机送来之前已被删除" in said and "找不到结对" not in said


def test_a_staff_entry_refused_is_not_listed_as_a_phones(site: Site) -> None:
    w = site.w
    site.write(lambda db: end_pairing(db, w.staff_st11, w.pairing1, end_date="2026-11-24"))
    # A visit dated after the pairing's end (the world's visits run to 2026-11-20).
    answer = phone_sends_visit(site, w.staff_st11, w.pairing1, new_id(), date="2026-11-28")
    assert answer["status"] == "rejected"
    assert "手机送来、但没有收下的记录" not in site.as_(w.staff_st11).get(PAGE).text


def test_more_than_200_refused_visits_say_how_many_there_are_in_all(site: Site) -> None:
    w = site.w
    site.write(lambda db: end_pairing(db, w.staff_st11, w.pairing1))
    fields = {"pairing_id": w.pairing1, "kind": "home_visit", "date": "2026-11-20", "record": TEXT}
    site.write(lambda db: push(db, w.mentor1, *[upsert("activity", new_id(), fields, 300 + n) for n in range(201)]))
    said = words(site.as_(w.staff_st11).get(PAGE).text)
    assert "手机送来、但没有收下的记录（201 条）" in said and "共 201 条，显示最新的 200 条" in said


def test_a_screening_sent_after_the_pairing_ended_shows_that_cause_not_a_missing_child(site: Site) -> None:
    w = site.w
    site.write(lambda db: end_pairing(db, w.staff_st11, w.pairing1))
    sent = upsert("screening", new_id(), {"mentee_id": w.mentee1, "date": "2026-11-20", "notes": TEXT}, 101)
    answer, = site.write(lambda db: push(db, w.mentor1, sent))
    assert answer["status"] == "rejected"
    said = words(site.as_(w.staff_st11).get(PAGE).text)
    assert "这位志愿者和孩子的结对在手机送来之前已结束" in said and "找不到帮扶对象" not in said
