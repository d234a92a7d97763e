"""A volunteer's phone comes back online after the station changed the world: the visit it held
unsent is refused (the pairing ended, passed to another volunteer, the child was deleted), but its
words stay on the server and the station sees them, in its own unit only, until it enters them."""
from __future__ import annotations

import re
from typing import Any

from sync import new_id

from ...factories import db_snapshot, end_pairing, make_pairing, mutate, push, remove, row, upsert
from .conftest import Site
from .test_phone_import import PAGE, confirm, export, preview, quiet, upload, visit

TEXT = "离线时写的家访：孩子说最近晚上睡不着，妈妈在外地打工。"


def phone_sends_visit(site: Site, device: Any, pairing: str, record_id: str, mutation_id: int = 101,
                      date: str = "2026-11-20") -> dict[str, Any]:
    fields = {"pairing_id": pairing, "kind": "home_visit", "date": date, "record": TEXT,
              "follow_up": "下周再去看看"}
    answer, = site.write(lambda db: push(db, device, upsert("activity", record_id, fields, mutation_id)))
    return answer


def words(html: str) -> str:
    return re.sub(r"(?:<[^>]+>|\s)+", " ", html)


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
    assert "结对已于 2026年11月24日 结束" in said and "找不到结对" not in said and w.pairing1 not in said
    assert '结对已于<span class="nowrap">2026年11月24日</span>结束' in page.text  # whole on one line
    logged = site.read(lambda db: [(r["action"], r["target"]) for r in db.query("SELECT * FROM access_log")])
    assert ("view_phone_refusals", w.st11) in logged  # the unit whose list it was
    assert "查看手机送来、没有收下的记录" in site.as_(w.admin).get("/admin/access-log").text  # in words
    # Another town's station does not see it.
    assert TEXT not in site.as_(w.staff_st21).get(PAGE).text
    # Entered from the phone's export under the same id, it leaves the list.
    item = {**visit(w.pairing1, TEXT, record_id), "state": "rejected", "reason": "结对已结束"}
    item["fields"]["date"] = "2026-11-20"
    entered = upload(site.as_(w.staff_st11), export(w.mentor1, item))
    assert "已录入：就是服务器保存着的那一条" in words(entered.text)
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
    assert "手机送来、但没有收下的记录（201 条）" in said and "共 201 条，显示其中 200 条" in said


def test_a_screening_sent_after_the_pairing_ended_shows_that_cause_not_a_missing_child(site: Site) -> None:
    w = site.w
    site.write(lambda db: end_pairing(db, w.staff_st11, w.pairing1))
    sent = upsert("screening", new_id(), {"mentee_id": w.mentee1, "date": "2026-11-20", "notes": TEXT}, 101)
    answer, = site.write(lambda db: push(db, w.mentor1, sent))
    assert answer["status"] == "rejected"
    said = words(site.as_(w.staff_st11).get(PAGE).text)
    assert "这位志愿者和孩子的结对在手机送来之前已结束" in said and "找不到帮扶对象" not in said


def file_it(site: Site, staff: Any, record_id: str) -> Any:
    return site.as_(staff).post(PAGE, {"action": "file_refusal", "record_id": record_id})


def test_a_visit_sent_after_the_child_was_re_paired_is_filed_into_the_old_pairing_once(site: Site) -> None:
    # Made on the 20th in 王老师's pairing; the station ended it on the 24th and paired the child with
    # 李老师; the phone synced after that.
    w = site.w
    site.write(lambda db: end_pairing(db, w.staff_st11, w.pairing1, end_date="2026-11-24", outcome="referred"))
    site.write(lambda db: make_pairing(db, w.staff_st11, w.mentor2, w.mentee1))
    record_id = new_id()
    assert phone_sends_visit(site, w.mentor1, w.pairing1, record_id)["status"] == "rejected"
    page = site.as_(w.staff_st11).get(PAGE)
    assert "归入原结对" in page.text and record_id in page.text
    # Its day and when it came, in the words the other pages use (it said 2026-11-20 and 2026-12-04 23:32).
    assert re.search(r"2026年11月20日 .*送来于 20\d\d年\d{1,2}月\d{1,2}日 \d\d:\d\d", words(page.text))
    browser = site.as_(w.staff_st11)
    filed = browser.post(PAGE, {"action": "file_refusal", "record_id": record_id})
    assert filed.status_code == 303, words(filed.text)[-600:]
    stored = site.read(lambda db: row(db, "activity", record_id))
    assert stored is not None and stored["record"] == TEXT and stored["follow_up"] == "下周再去看看"
    assert (stored["pairing_id"], stored["author_id"], stored["entered_by"], stored["review_status"]) == (
        w.pairing1, w.mentor1.user_id, w.staff_st11.user_id, "pending")
    marked = site.read(lambda db: (
        db.execute("SELECT device_id FROM sync_audit WHERE record_id = ? AND status = 'applied'",
                   [record_id]).fetchall(),
        db.execute("SELECT outcome FROM phone_import_ledger WHERE record_id = ?", [record_id]).fetchall()))
    assert marked == ([(f"refusal:{w.mentor1.user_id}",)], [("from_refusal",)])
    after = browser.get(PAGE)
    # the child's code and the day each whole on one line: at phone width the notice broke after BX-
    code = site.read(lambda db: row(db, "mentee", w.mentee1))["code"]
    assert (f'已归入原结对：<span class="nowrap">{code}</span> <span class="nowrap">2026年11月20日</span>的帮扶'
            in after.text and "手机送来、但没有收下的记录" not in after.text)
    before = quiet(site.read(db_snapshot))
    again = file_it(site, w.staff_st11, record_id)
    assert again.status_code == 409 and "没有重复录入" in words(again.text)
    assert quiet(site.read(db_snapshot)) == before


def test_a_visit_dated_after_the_old_pairing_ended_is_not_filed_into_it(site: Site) -> None:
    w = site.w
    site.write(lambda db: end_pairing(db, w.staff_st11, w.pairing1, end_date="2026-11-24"))
    record_id = new_id()
    assert phone_sends_visit(site, w.mentor1, w.pairing1, record_id, date="2026-11-26")["status"] == "rejected"
    said = words(site.as_(w.staff_st11).get(PAGE).text)
    reason = "这次帮扶的日期（2026年11月26日）不在原结对的日期（2026年9月1日至2026年11月24日）之内；请和志愿者核对日期"
    assert reason in said
    before = quiet(site.read(db_snapshot))
    refused = file_it(site, w.staff_st11, record_id)
    assert refused.status_code == 400 and reason in words(refused.text)
    assert quiet(site.read(db_snapshot)) == before


def test_another_towns_station_cannot_file_a_refused_visit(site: Site) -> None:
    w = site.w
    site.write(lambda db: end_pairing(db, w.staff_st11, w.pairing1, end_date="2026-11-24"))
    record_id = new_id()
    phone_sends_visit(site, w.mentor1, w.pairing1, record_id)
    before = quiet(site.read(db_snapshot))
    answer = file_it(site, w.staff_st21, record_id)
    assert answer.status_code == 409 and TEXT not in answer.text
    assert quiet(site.read(db_snapshot)) == before


KEPT = "这条记录没有收进系统。记录的内容已经保存在服务器上，辅导站能看到，"


def phone_sends_screening(site: Site, device: Any, mentee: str, mutation_id: int = 102,
                          record_id: str | None = None) -> dict[str, Any]:
    fields = {"mentee_id": mentee, "date": "2026-11-20", "notes": TEXT}
    sent = upsert("screening", record_id or new_id(), fields, mutation_id)
    answer, = site.write(lambda db: push(db, device, sent))
    return answer


def test_a_volunteer_whose_pairing_the_station_ended_is_told_her_visit_and_screening_are_kept(site: Site) -> None:
    w = site.w
    code = site.read(lambda db: row(db, "mentee", w.mentee1))["code"]  # type: ignore[index]
    site.write(lambda db: end_pairing(db, w.staff_st11, w.pairing1, end_date="2026-11-24"))
    visit_answer = phone_sends_visit(site, w.mentor1, w.pairing1, new_id())
    assert (visit_answer["status"], visit_answer["reason"]) == ("rejected", (
        f"孩子 {code} 的结对已由辅导站结束，{KEPT}可以把它归入原来的结对，请联系辅导站。"))
    screening_answer = phone_sends_screening(site, w.mentor1, w.mentee1)
    assert (screening_answer["status"], screening_answer["reason"]) == ("rejected", (
        f"孩子 {code} 的结对已由辅导站结束，{KEPT}可以替您补录，请联系辅导站。"))
    said = words(site.as_(w.staff_st11).get(PAGE).text)
    assert "手机送来、但没有收下的记录（2 条）" in said, "what she is told is kept is on the station's list"


def test_a_volunteer_whose_refused_visit_found_self_harm_risk_is_asked_to_ring_the_station_now(site: Site) -> None:
    w = site.w
    code = site.read(lambda db: row(db, "mentee", w.mentee1))["code"]  # type: ignore[index]
    site.write(lambda db: end_pairing(db, w.staff_st11, w.pairing1, end_date="2026-11-24"))
    fields = {"pairing_id": w.pairing1, "kind": "home_visit", "date": "2026-11-20", "record": TEXT,
              "risk_flag": True}
    answer, = site.write(lambda db: push(db, w.mentor1, upsert("activity", new_id(), fields, 101)))
    assert (answer["status"], answer["reason"]) == ("rejected", (
        f"孩子 {code} 的结对已由辅导站结束，{KEPT}可以把它归入原来的结对，"
        "这次记下了发现自伤自残风险，请马上打电话告诉辅导站。"))


def test_a_volunteer_whose_child_was_handed_to_another_is_told_her_visit_is_kept_not_who_has_the_child(
    site: Site
) -> None:
    w = site.w
    code = site.read(lambda db: row(db, "mentee", w.mentee1))["code"]  # type: ignore[index]
    site.write(lambda db: mutate(db, w.staff_st11, "pairing", {"mentor_id": w.mentor2.user_id}, w.pairing1,
                                 base_version=row(db, "pairing", w.pairing1)["version"]))  # type: ignore[index]
    answer = phone_sends_visit(site, w.mentor1, w.pairing1, new_id())
    assert (answer["status"], answer["reason"]) == ("rejected", (
        f"孩子 {code} 已交给别的志愿者，{KEPT}可以把它归入原来的结对，请联系辅导站。"))
    assert "李老师" not in answer["reason"]
    screening = phone_sends_screening(site, w.mentor1, w.mentee1)
    assert screening["reason"] == f"孩子 {code} 已交给别的志愿者，{KEPT}可以替您补录，请联系辅导站。"


def test_a_volunteer_never_paired_with_an_ended_or_handed_on_pairing_hears_only_the_not_found_sentence(
    site: Site
) -> None:
    # 李老师 of the same station and 张老师 of another town name 王老师's pairing and child: they are
    # told word for word what a made-up id gets, nothing of the child's code or what happened to it.
    w = site.w
    code = site.read(lambda db: row(db, "mentee", w.mentee1))["code"]  # type: ignore[index]
    made_up_visit = phone_sends_visit(site, w.mentor3, new_id(), new_id(), mutation_id=90)["reason"]
    made_up_screening = phone_sends_screening(site, w.mentor3, new_id(), mutation_id=91)["reason"]
    assert made_up_visit.startswith("找不到结对") and made_up_screening.startswith("找不到帮扶对象")
    site.write(lambda db: end_pairing(db, w.staff_st11, w.pairing1, end_date="2026-11-24"))
    for stranger, n in ((w.mentor2, 110), (w.mentor3, 120)):
        assert phone_sends_visit(site, stranger, w.pairing1, new_id(), mutation_id=n)["reason"] == made_up_visit
        assert phone_sends_screening(site, stranger, w.mentee1, mutation_id=n + 1)["reason"] == made_up_screening
    # Handed on to 李老师 after 王老师 (re-paired in a new pairing): 张老师, who never had it, is still a stranger.
    later = site.write(lambda db: make_pairing(db, w.staff_st11, w.mentor1, w.mentee1))
    site.write(lambda db: mutate(db, w.staff_st11, "pairing", {"mentor_id": w.mentor2.user_id}, later,
                                 base_version=row(db, "pairing", later)["version"]))  # type: ignore[index]
    answer = phone_sends_visit(site, w.mentor3, later, new_id(), mutation_id=130)
    assert answer["reason"] == made_up_visit and code not in answer["reason"]
    assert phone_sends_screening(site, w.mentor3, w.mentee1, mutation_id=131)["reason"] == made_up_screening


def test_a_visit_refused_in_a_running_pairing_of_hers_is_not_said_to_be_kept(site: Site) -> None:
    w = site.w
    answer = phone_sends_visit(site, w.mentor1, w.pairing1, new_id(), date="2099-01-01")  # a day to come
    assert answer["status"] == "rejected" and "保存在服务器上" not in answer["reason"], answer


def exported(w: Any, record_id: str, answer: dict[str, Any], entity: str = "activity") -> bytes:
    """王老师's phone's export (导出未同步记录) holding the refusal the server kept, as pwa/js/export.js writes it."""
    fields = ({"pairing_id": w.pairing1, "kind": "home_visit", "date": "2026-11-20", "record": TEXT,
               "follow_up": "下周再去看看"} if entity == "activity" else
              {"mentee_id": w.mentee1, "date": "2026-11-20", "notes": TEXT})
    return export(w.mentor1, {"state": "rejected", "mutation_id": 101, "entity": entity, "record_id": record_id,
                              "op": "upsert", "base_version": None, "created_at": "2026-11-20T02:00:00.000Z",
                              "reason": answer["reason"], "fields": fields,
                              "mentee": {"code": "BX-2026-0001", "name": "小明"}})


def stored_with_text(site: Site) -> int:
    return int(site.read(lambda db: db.execute(
        "SELECT count(*) FROM activities WHERE record = ?", [TEXT]).fetchone()[0]))


def test_a_kept_visit_in_the_phones_export_is_previewed_as_the_kept_one_and_entered_once(site: Site) -> None:
    w = site.w
    site.write(lambda db: end_pairing(db, w.staff_st11, w.pairing1, end_date="2026-11-24"))
    record_id = new_id()
    data = exported(w, record_id, phone_sends_visit(site, w.mentor1, w.pairing1, record_id))
    station = site.as_(w.staff_st11)
    shown = preview(station, data)
    said = words(shown.text)
    # The same visit, on one page, in the preview and on the refusals list: the preview says so.
    assert "手机送来、但没有收下的记录（1 条）" in said
    assert ('data-label="导入后会怎样">服务器保存着的那一条（下方“手机送来、但没有收下的记录”），会录入一次'
            in shown.text)
    assert 'data-label="导入后会怎样">新记录' not in shown.text
    entered = words(confirm(station, shown).text)
    assert "已录入：就是服务器保存着的那一条" in entered and "手机送来、但没有收下的记录（" not in entered
    assert stored_with_text(site) == 1
    assert file_it(site, w.staff_st11, record_id).status_code == 409
    again = words(upload(station, data).text)
    assert "已在系统中 1" in again and stored_with_text(site) == 1


def test_a_kept_visit_filed_into_its_pairing_then_uploaded_is_in_the_system_not_another_volunteers(
    site: Site
) -> None:
    w = site.w
    site.write(lambda db: end_pairing(db, w.staff_st11, w.pairing1, end_date="2026-11-24"))
    record_id = new_id()
    data = exported(w, record_id, phone_sends_visit(site, w.mentor1, w.pairing1, record_id))
    assert file_it(site, w.staff_st11, record_id).status_code == 303
    before = quiet(site.read(db_snapshot))
    said = words(upload(site.as_(w.staff_st11), data).text)
    assert "已在系统中 1" in said and "无法导入 0" in said, said[-1500:]
    assert "不是王老师结对帮扶的记录" not in said
    assert quiet(site.read(db_snapshot)) == before and stored_with_text(site) == 1


def test_a_kept_visit_of_a_child_handed_on_since_is_entered_once_from_the_export_as_the_former_volunteers(
    site: Site
) -> None:
    # 王老师's phone held a visit of her weeks with the child while the station gave the child to
    # 李老师: the server kept it when it came; her export then names the same visit. It is that kept
    # one, entered once, and hers, never the volunteer's the child has now.
    w = site.w
    site.write(lambda db: mutate(db, w.staff_st11, "pairing", {"mentor_id": w.mentor2.user_id}, w.pairing1,
                                 base_version=row(db, "pairing", w.pairing1)["version"]))  # type: ignore[index]
    record_id = new_id()
    data = exported(w, record_id, phone_sends_visit(site, w.mentor1, w.pairing1, record_id))
    station = site.as_(w.staff_st11)
    shown = preview(station, data)
    assert ('data-label="导入后会怎样">服务器保存着的那一条（下方“手机送来、但没有收下的记录”），'
            '会录入一次，录入后不再列在那里，记在王老师名下' in shown.text), words(shown.text)[-1500:]
    entered = words(confirm(station, shown).text)
    assert "已录入：就是服务器保存着的那一条" in entered
    stored = site.read(lambda db: row(db, "activity", record_id))
    assert stored is not None and (stored["author_id"], stored["entered_by"]) == (
        w.mentor1.user_id, w.staff_st11.user_id)
    assert stored_with_text(site) == 1
    again = words(upload(station, data).text)
    assert "已在系统中 1" in again and stored_with_text(site) == 1


def test_a_kept_screening_in_the_phones_export_points_to_the_kept_one_and_is_listed_once(site: Site) -> None:
    w = site.w
    site.write(lambda db: end_pairing(db, w.staff_st11, w.pairing1, end_date="2026-11-24"))
    record_id = new_id()
    answer = phone_sends_screening(site, w.mentor1, w.mentee1, record_id=record_id)
    before = quiet(site.read(db_snapshot))
    said = words(upload(site.as_(w.staff_st11), exported(w, record_id, answer, "screening")).text)
    assert "就是下方“手机送来、但没有收下的记录”里的那一条" in said and "不是王老师结对帮扶的记录" not in said
    assert "手机送来、但没有收下的记录（1 条）" in said
    assert quiet(site.read(db_snapshot)) == before


def test_a_volunteer_whose_pairing_the_station_deleted_is_told_her_visit_is_kept(site: Site) -> None:
    w = site.w
    code = site.read(lambda db: row(db, "mentee", w.mentee1))["code"]  # type: ignore[index]
    later = site.write(lambda db: make_pairing(db, w.staff_st11, w.mentor1, w.mentee2))
    code2 = site.read(lambda db: row(db, "mentee", w.mentee2))["code"]  # type: ignore[index]
    site.write(lambda db: remove(db, w.staff_st11, "pairing", later))
    answer = phone_sends_visit(site, w.mentor1, later, new_id())
    assert answer["reason"] == f"孩子 {code2} 的结对已被辅导站删除，{KEPT}请联系辅导站。", answer
    assert code not in answer["reason"]


def test_a_former_volunteer_of_a_child_deleted_since_is_told_her_visit_is_kept(site: Site) -> None:
    w = site.w
    site.write(lambda db: mutate(db, w.staff_st11, "pairing", {"mentor_id": w.mentor2.user_id}, w.pairing1,
                                 base_version=row(db, "pairing", w.pairing1)["version"]))  # type: ignore[index]
    site.write(lambda db: end_pairing(db, w.staff_st11, w.pairing1))
    code = site.read(lambda db: row(db, "mentee", w.mentee1))["code"]  # type: ignore[index]
    site.write(lambda db: remove(db, w.staff_st11, "mentee", w.mentee1))
    answer = phone_sends_visit(site, w.mentor1, w.pairing1, new_id())
    assert answer["reason"] == f"孩子 {code} 的档案已被辅导站删除，{KEPT}请联系辅导站。", answer
