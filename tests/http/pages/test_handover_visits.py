"""A late visit from a volunteer who has since handed the child over: the station changed the
pairing's volunteer while her phone, without signal, still held a visit she made before that day.
The phone's push is refused (a phone writes only in its volunteer's current pairings), the station
files it as hers (归入原结对), and it reads as hers in the archive, on its page and, once, in the
statistics. A staff 代录 may name a former volunteer of the pairing, only for her time in it."""
from __future__ import annotations

import csv
import datetime
import io
import re
from typing import Any

from server.devices import issue_code
from sync import Actor, apply_mutations, new_id
from sync.mutations import upsert
from sync.timeutil import SHANGHAI, format_utc, local_today

from ...factories import db_snapshot, end_pairing, mutate, remove, row
from .conftest import Site
from .test_phone_import import PAGE, confirm, export, quiet, records, upload, visit
from .test_phone_import import preview as preview_upload

TEXT = "没信号时写的家访：孩子说最近和同学相处好多了。"


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def enrolled_phone(site: Site, volunteer: Actor) -> dict[str, str]:
    """The volunteer's phone, enrolled over HTTP with a 登记码 the station made."""
    login = site.login_of(volunteer)
    code = site.write(lambda db: issue_code(db, login, hours=1))["code"]
    client = site.browser().client
    answer = client.post("/api/enrol", json={"code": code, "device_name": "王老师的手机"})
    assert answer.status_code == 200, answer.text
    return {"Authorization": "Bearer " + answer.json()["token"]}


def phone_pushes_visit(site: Site, phone: dict[str, str], pairing: str, day: str, mutation_id: int = 7) -> str:
    record_id = new_id()
    fields = {"pairing_id": pairing, "kind": "home_visit", "date": day, "record": TEXT}
    pushed = site.browser().client.post("/api/sync/push", headers=phone, json={"mutations": [
        {"entity": "activity", "record_id": record_id, "op": "upsert", "base_version": None, "mutation_id": mutation_id,
         "fields": fields}]})
    assert pushed.status_code == 200, pushed.text
    (answer,) = pushed.json()["results"]
    assert answer["status"] == "rejected"
    return record_id


def hand_over(site: Site, pairing: str, to: Actor) -> None:
    """The station gives the child to another volunteer on the pairing's edit (its audit keeps it)."""
    w = site.w
    site.write(lambda db: mutate(db, w.staff_st11, "pairing", {"mentor_id": to.user_id}, pairing,
                                 base_version=row(db, "pairing", pairing)["version"]))  # type: ignore[index]


def face_to_face(site: Site, month: str) -> int:
    """开展面对面谈心 of 掘港小学辅导站 (the pairing's unit) for ``month`` on the county's CSV."""
    w = site.w
    first = datetime.date.fromisoformat(f"{month}-01")
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    csv_text = site.as_(w.reviewer).get(f"/reports/stats.csv?unit={w.st11}&from={first}&to={last}")
    rows = list(csv.reader(io.StringIO(csv_text.content.decode("utf-8-sig"))))
    (line,) = [r for r in rows[1:] if r[0] != "合计"]
    return int(line[rows[0].index(next(h for h in rows[0] if "面对面谈心" in h))])


def test_a_visit_made_before_the_handover_is_filed_once_as_the_former_volunteers(site: Site) -> None:
    w = site.w
    phone = enrolled_phone(site, w.mentor1)
    this_month = local_today().isoformat()[:7]
    november, now = face_to_face(site, "2026-11"), face_to_face(site, this_month)
    hand_over(site, w.pairing1, w.mentor2)
    record_id = phone_pushes_visit(site, phone, w.pairing1, "2026-11-20")
    listed = words(site.as_(w.staff_st11).get(PAGE).text)
    assert TEXT in listed and "孩子在手机送来之前已改由李老师结对" in listed
    staff = site.as_(w.staff_st11)
    filed = staff.post(PAGE, {"action": "file_refusal", "record_id": record_id})
    assert filed.status_code == 303, words(filed.text)[-600:]
    stored = site.read(lambda db: row(db, "activity", record_id))
    assert stored is not None and stored["record"] == TEXT
    assert (stored["pairing_id"], stored["author_id"], stored["entered_by"], stored["review_status"]) == (
        w.pairing1, w.mentor1.user_id, w.staff_st11.user_id, "pending")
    audited = "SELECT device_id FROM sync_audit WHERE record_id = ? AND status = 'applied'"
    assert site.read(lambda db: db.execute(audited, [record_id]).fetchall()) == [(f"refusal:{w.mentor1.user_id}",)]
    # Once: a second press files nothing.
    before = quiet(site.read(db_snapshot))
    again = staff.post(PAGE, {"action": "file_refusal", "record_id": record_id})
    assert again.status_code == 409 and quiet(site.read(db_snapshot)) == before
    # Under the volunteer who made it, on its page and in the pairing's archive.
    page = words(staff.get(f"/activities/{record_id}").text)
    assert "记录人 王老师（由 站员一一 代录）" in page and "这次帮扶是王老师做的（当时由王老师结对）" in page
    archive = staff.get(f"/pairings/{w.pairing1}").text
    entry = words(archive[archive.index(TEXT):])
    assert entry[entry.index("记录人"):].startswith("记录人 王老师（由 站员一一 代录）")
    # The reviewer sees whose visit it is, not the volunteer the child has now.
    queue = staff.get("/review").text
    card = words(queue[queue.index(f'id="{record_id}"'):])
    assert "← 王老师" in card[:300] and "← 李老师" not in card[:300]
    # Counted once, in its own month, at the pairing's unit.
    assert face_to_face(site, "2026-11") == november + 1
    assert face_to_face(site, this_month) == now


def test_a_visit_dated_after_the_handover_is_not_filed_as_the_former_volunteers(site: Site) -> None:
    w = site.w
    phone = enrolled_phone(site, w.mentor1)
    hand_over(site, w.pairing1, w.mentor2)  # today
    tomorrow = local_today() + datetime.timedelta(days=1)  # a phone may run a day ahead
    record_id = phone_pushes_visit(site, phone, w.pairing1, tomorrow.isoformat())
    today = local_today()
    reason = (f"这位志愿者于{today.year}年{today.month}月{today.day}日把孩子交给了别的志愿者；"
              f"这次帮扶的日期（{tomorrow.year}年{tomorrow.month}月{tomorrow.day}日）不在这位志愿者结对的日期")
    assert reason in words(site.as_(w.staff_st11).get(PAGE).text)
    before = quiet(site.read(db_snapshot))
    refused = site.as_(w.staff_st11).post(PAGE, {"action": "file_refusal", "record_id": record_id})
    assert refused.status_code == 400 and reason in words(refused.text)
    assert quiet(site.read(db_snapshot)) == before


def staff_enters(site: Site, fields: dict[str, Any]) -> Any:
    w = site.w
    (outcome,) = site.write(lambda db: apply_mutations(db, w.staff_st11, [upsert("activity", fields, new_id())]))
    return outcome


def test_a_staff_entry_may_name_the_former_volunteer_only_for_her_time_in_the_pairing(site: Site) -> None:
    w = site.w
    hand_over(site, w.pairing1, w.mentor2)
    visit = {"pairing_id": w.pairing1, "kind": "talk", "date": "2026-11-20", "record": TEXT}
    hers = staff_enters(site, {**visit, "author_id": w.mentor1.user_id})
    assert hers.status == "applied", hers.reason
    stored = site.read(lambda db: row(db, "activity", hers.record_id))
    assert (stored["author_id"], stored["entered_by"], stored["review_status"]) == (
        w.mentor1.user_id, w.staff_st11.user_id, "pending")
    # Without a name it is the pairing's volunteer's now, as before.
    now = staff_enters(site, visit)
    assert site.read(lambda db: row(db, "activity", now.record_id))["author_id"] == w.mentor2.user_id
    # After she handed the child on (today), or before the pairing began: refused in words.
    late = staff_enters(site, {**visit, "date": (local_today() + datetime.timedelta(days=1)).isoformat(),
                               "author_id": w.mentor1.user_id})
    assert late.status == "rejected" and "王老师于" in (late.reason or "") and "不在其中" in (late.reason or "")
    early = staff_enters(site, {**visit, "date": "2026-08-20", "author_id": w.mentor1.user_id})
    assert early.status == "rejected" and "开始日期" in (early.reason or "")
    # A volunteer who never had this child, or a staff member: refused.
    for other in (w.mentor3.user_id, w.staff_st11.user_id):
        stranger = staff_enters(site, {**visit, "author_id": other})
        assert stranger.status == "rejected" and "记录人只能是这个结对现在的志愿者" in (stranger.reason or "")
    # And the author, once recorded, is not changed by an edit.
    moved = site.write(lambda db: apply_mutations(db, w.staff_st11, [upsert(
        "activity", {"author_id": w.mentor2.user_id}, hers.record_id, base_version=stored["version"])]))
    assert moved[0].status == "rejected" and "记录人不能更改" in (moved[0].reason or "")


def hand_over_on(site: Site, pairing: str, to: Actor, day: str) -> None:
    """``hand_over``, its audit dated ``day`` (noon in Shanghai) as if the station had done it then."""
    hand_over(site, pairing, to)
    noon = datetime.datetime.fromisoformat(f"{day}T12:00:00").replace(tzinfo=SHANGHAI)
    site.write(lambda db: db.execute(
        "UPDATE sync_audit SET at = ? WHERE id = (SELECT max(id) FROM sync_audit WHERE record_id = ?)",
        [format_utc(noon), pairing]))


def test_a_visit_of_the_volunteer_who_had_the_child_between_two_spans_of_another_is_filed_only_inside_hers(
        site: Site) -> None:
    w = site.w
    phone = enrolled_phone(site, w.mentor2)
    hand_over_on(site, w.pairing1, w.mentor2, "2026-09-30")
    hand_over_on(site, w.pairing1, w.mentor1, "2026-10-15")  # 王 → 李 → 王
    staff = site.as_(w.staff_st11)
    earlier = phone_pushes_visit(site, phone, w.pairing1, "2026-09-20")  # 王's first weeks, not 李's
    before = quiet(site.read(db_snapshot))
    refused = staff.post(PAGE, {"action": "file_refusal", "record_id": earlier})
    assert refused.status_code == 400
    assert "不在这位志愿者结对的日期（2026年9月30日至10月15日）之内" in words(refused.text)
    assert quiet(site.read(db_snapshot)) == before
    hers = phone_pushes_visit(site, phone, w.pairing1, "2026-10-05", mutation_id=8)
    assert staff.post(PAGE, {"action": "file_refusal", "record_id": hers}).status_code == 303
    assert (site.read(lambda db: row(db, "activity", hers)) or {})["author_id"] == w.mentor2.user_id


def test_a_former_volunteers_export_enters_a_visit_of_her_days_as_hers_and_refuses_one_of_the_next_ones(
        site: Site) -> None:
    w = site.w
    hand_over_on(site, w.pairing1, w.mentor2, "2026-11-25")
    hers, later = visit(w.pairing1, TEXT), visit(w.pairing1, "交接以后的日子写的家访。")
    hers["fields"]["date"], later["fields"]["date"] = "2026-11-20", "2026-11-28"
    data = export(w.mentor1, {**hers, "state": "rejected", "reason": "结对已改由别的志愿者"}, later)
    staff = site.as_(w.staff_st11)
    before = records(site)
    shown = preview_upload(staff, data)
    said = words(shown.text)
    assert shown.status_code == 200 and "新记录，记在王老师名下（帮扶那天孩子由王老师结对" in said, said[-1500:]
    refusal = ("这次帮扶的日期（2026年11月28日）不在这位志愿者结对的日期（2026年9月1日至11月25日）之内，"
               "不是这个结对里这位志愿者的帮扶，没有录入")
    assert refusal in said and records(site) == before, "a preview enters nothing"
    page = confirm(staff, shown)
    assert page.status_code == 200 and "已录入。记在王老师名下" in words(page.text) and refusal in words(page.text)
    stored = site.read(lambda db: row(db, "activity", hers["record_id"]))
    assert (stored["author_id"], stored["entered_by"], stored["review_status"], stored["record"]) == (
        w.mentor1.user_id, w.staff_st11.user_id, "pending", TEXT)
    # Dated after she handed the child on: under no one, the volunteer the child has now included.
    assert site.read(lambda db: row(db, "activity", later["record_id"])) is None
    # Entered once: the same file again enters nothing.
    entered = quiet(site.read(db_snapshot))
    again = upload(staff, data)
    assert "已在系统中，不重复导入" in words(again.text) and quiet(site.read(db_snapshot)) == entered


def test_a_visit_filed_into_its_pairing_and_then_uploaded_in_the_export_is_not_entered_again(site: Site) -> None:
    w = site.w
    phone = enrolled_phone(site, w.mentor1)
    hand_over_on(site, w.pairing1, w.mentor2, "2026-11-25")
    record_id = phone_pushes_visit(site, phone, w.pairing1, "2026-11-20")
    staff = site.as_(w.staff_st11)
    assert staff.post(PAGE, {"action": "file_refusal", "record_id": record_id}).status_code == 303
    item = visit(w.pairing1, TEXT, record_id)
    item["fields"]["date"] = "2026-11-20"
    filed = quiet(site.read(db_snapshot))
    shown = preview_upload(staff, export(w.mentor1, {**item, "state": "rejected", "reason": "结对已改由别的志愿者"}))
    assert "已在系统中，不重复导入" in words(shown.text), words(shown.text)[-1200:]
    assert quiet(site.read(db_snapshot)) == filed


def test_a_former_volunteers_unsent_edit_of_her_own_visit_in_her_export_is_entered_after_the_handover(
        site: Site) -> None:
    """Her correction of a visit she made, typed offline before the station handed the child on: her
    own record, entered as the phone would have sent it (not 这条内容不是王老师结对帮扶的记录); a date it
    moves past her days is still refused, and another volunteer's visit is not hers to edit."""
    w = site.w
    stored = site.read(lambda db: row(db, "activity", w.activity1))
    assert stored is not None and stored["author_id"] == w.mentor1.user_id
    hand_over_on(site, w.pairing1, w.mentor2, "2026-11-25")
    edit = {"state": "unsent", "mutation_id": 9, "entity": "activity", "record_id": w.activity1, "op": "upsert",
            "base_version": stored["version"], "created_at": "2026-11-24T02:00:00.000Z",
            "fields": {"record": TEXT}, "mentee": {"code": "BX-2026-0001", "name": "小明"}}
    late = {**edit, "mutation_id": 10, "fields": {"date": "2026-11-28"}}
    theirs = {**edit, "mutation_id": 11, "record_id": w.activity2, "fields": {"record": "别人的记录"},
              "base_version": 1}
    staff = site.as_(w.staff_st11)
    page = upload(staff, export(w.mentor1, edit, late, theirs))
    said = words(page.text)
    assert page.status_code == 200 and "已录入这次修改" in said, said[-1500:]
    assert "于2026年11月25日把孩子交给了别的志愿者" in said
    assert "这条内容不是王老师结对帮扶的记录" in said  # 李老师's visit, in the file by mistake
    now = site.read(lambda db: row(db, "activity", w.activity1))
    assert (now["record"], now["author_id"], now["date"]) == (TEXT, w.mentor1.user_id, stored["date"])
    assert site.read(lambda db: row(db, "activity", w.activity2))["record"] != "别人的记录"


def test_a_former_volunteers_edit_of_her_visit_of_a_child_deleted_since_is_refused_in_the_deleted_files_words(
        site: Site) -> None:
    """The same edit once the station has ended the pairing and deleted the child: the file is kept to be
    read, so the upload enters nothing and says why in the write path's sentence."""
    w = site.w
    stored = site.read(lambda db: row(db, "activity", w.activity1))
    assert stored is not None
    hand_over_on(site, w.pairing1, w.mentor2, "2026-11-25")
    site.write(lambda db: end_pairing(db, w.staff_st11, w.pairing1, "2026-11-26"))
    site.write(lambda db: remove(db, w.staff_st11, "mentee", w.mentee1))
    code = site.read(lambda db: row(db, "mentee", w.mentee1))["code"]
    edit = {"state": "unsent", "mutation_id": 9, "entity": "activity", "record_id": w.activity1, "op": "upsert",
            "base_version": stored["version"], "created_at": "2026-11-24T02:00:00.000Z",
            "fields": {"record": TEXT}, "mentee": {"code": code, "name": "小明"}}
    before = records(site)
    page = upload(site.as_(w.staff_st11), export(w.mentor1, edit))
    assert f"帮扶对象 {code} 的档案已被删除，档案里的记录只能查看，不能再修改或删除。" in words(page.text)
    assert records(site) == before
