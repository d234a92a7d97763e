"""Resolving sync conflicts on the web: both values side by side, keep one or write a combined one;
nothing is discarded and the result reaches the phone."""
from __future__ import annotations

import datetime
import html
import re
from typing import Any

import pytest
import sqlite_utils

from sync import Actor, NotAllowed, apply_batch, list_conflicts, load_scope, mutations, new_id, resolve_conflict

from ...factories import make_county_staff, mutate, remove, row
from .conftest import Site
from .station import activity_form, back_after_sign_in, conflict_on_activity1, phone_pull

WEB = "站里更正：家访一小时，孩子愿意交流。"
PHONE = "手机上补充：孩子说想参加兴趣小组。"


def conflict_row(site: Site, conflict_id: str) -> dict[str, object]:
    return dict(site.read(lambda db: next(db.query("SELECT * FROM sync_conflicts WHERE id = ?", [conflict_id]))))


def test_the_list_shows_both_values_beside_the_record(site: Site) -> None:
    w = site.w
    staff = site.as_(w.staff_st11)
    conflict_id = conflict_on_activity1(site, staff)
    page = staff.get("/conflicts")
    assert page.headers["cache-control"] == "no-store"
    text = html.unescape(page.text)
    assert WEB in text and PHONE in text and "过程记录" in text and "王老师（手机）" in text
    assert f"/conflicts/{conflict_id}" in text and f"/activities/{w.activity1}" in text
    detail = html.unescape(staff.get(f"/conflicts/{conflict_id}").text)
    assert detail.count(WEB) >= 2, "kept value and the record's current value"
    assert PHONE in detail and "合并后的过程记录" in detail and f"{WEB}\n{PHONE}" in detail


def test_the_conflict_pages_write_times_as_the_other_pages_do(site: Site) -> None:
    """The list and a conflict's page said 2026-12-04 23:32 where the other pages write 2026年12月4日."""
    w = site.w
    staff = site.as_(w.staff_st11)
    conflict_id = conflict_on_activity1(site, staff)
    sent = site.read(lambda db: db.execute("SELECT created_at FROM sync_conflicts WHERE id = ?",
                                           [conflict_id]).fetchone()[0])
    at = datetime.datetime.fromisoformat(sent.replace("Z", "+00:00")) + datetime.timedelta(hours=8)
    shown = f"{at.year}年{at.month}月{at.day}日 {at:%H:%M}"
    iso = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d")
    listing, detail = staff.get("/conflicts").text, staff.get(f"/conflicts/{conflict_id}").text
    assert f'<small><span class="nowrap">{shown}</span></small>' in listing
    assert f'提交，<span class="nowrap">{shown}<' in detail
    assert staff.post(f"/conflicts/{conflict_id}", {"choice": "kept"}).status_code == 303
    closed = [staff.get("/conflicts").text, staff.get(f"/conflicts/{conflict_id}").text]
    assert re.search(r'站员一一 · <span class="nowrap">20\d\d年\d{1,2}月\d{1,2}日 \d\d:\d\d</span><', closed[0])
    assert re.search(r'站员一一 于 <span class="nowrap">20\d\d年\d{1,2}月\d{1,2}日 \d\d:\d\d</span> 处理', closed[1])
    assert not any(iso.search(page) for page in [listing, detail, *closed])


def test_keeping_the_first_value_closes_the_conflict_and_keeps_the_other_on_record(site: Site) -> None:
    w = site.w
    staff = site.as_(w.staff_st11)
    conflict_id = conflict_on_activity1(site, staff)
    before = site.read(lambda db: row(db, "activity", w.activity1))
    response = staff.post(f"/conflicts/{conflict_id}", {"choice": "kept"})
    assert response.status_code == 303 and response.headers["location"] == "/conflicts"
    assert site.read(lambda db: row(db, "activity", w.activity1)) == before
    closed = conflict_row(site, conflict_id)
    assert (closed["status"], closed["resolution"], closed["other_value"]) == ("resolved", "kept", f'"{PHONE}"')
    listing = html.unescape(staff.get("/conflicts").text)
    assert "没有待处理的冲突" in listing and "最近处理过的" in listing and PHONE in listing


def test_taking_the_second_value_writes_it_and_the_phone_receives_it(site: Site) -> None:
    w = site.w
    staff = site.as_(w.staff_st11)
    conflict_id = conflict_on_activity1(site, staff)
    _, _, cursor = phone_pull(site, w.mentor1)
    assert staff.post(f"/conflicts/{conflict_id}", {"choice": "other"}).status_code == 303
    assert site.read(lambda db: row(db, "activity", w.activity1))["record"] == PHONE
    changes, _, _ = phone_pull(site, w.mentor1, cursor)
    assert changes[("activity", w.activity1)]["fields"]["record"] == PHONE
    assert conflict_row(site, conflict_id)["kept_value"] == f'"{WEB}"', "the first value stays on record"


def test_a_combined_value_is_a_new_change_by_the_staff_member(site: Site) -> None:
    w = site.w
    staff = site.as_(w.staff_st11)
    conflict_id = conflict_on_activity1(site, staff)
    combined = "家访一小时，孩子愿意交流，想参加兴趣小组。"
    assert staff.post(f"/conflicts/{conflict_id}", {"choice": "combined", "record": combined}).status_code == 303
    stored = site.read(lambda db: row(db, "activity", w.activity1))
    assert stored["record"] == combined and stored["updated_by"] == w.staff_st11.user_id
    closed = conflict_row(site, conflict_id)
    assert (closed["resolution"], closed["kept_value"], closed["other_value"]) == (
        "combined", f'"{WEB}"', f'"{PHONE}"')
    # the phone that lost the first round now holds the combined text
    changes, _, _ = phone_pull(site, w.mentor1)
    assert changes[("activity", w.activity1)]["fields"]["record"] == combined


def test_words_written_in_the_combined_box_are_kept_and_asked_about_when_one_side_is_picked(site: Site) -> None:
    """Staff wrote a merged text and then picked 保留先到的: the words went without a word. Now
    the page comes back with them and asks; an explicit 不要框里写的字 still takes the side picked."""
    w = site.w
    staff = site.as_(w.staff_st11)
    conflict_id = conflict_on_activity1(site, staff)
    typed = "家访一小时；孩子想参加兴趣小组，下周联系学校。"
    for choice in ("kept", "other"):
        response = staff.post(f"/conflicts/{conflict_id}", {"choice": choice, "record": typed})
        assert response.status_code == 400, response.text
        text = html.unescape(response.text)
        assert typed in text and "写的字不会保存" in text and 'name="drop_combined"' in text
        assert not re.search(r'name="choice" value="\w+" checked', response.text), "the person picks again"
        assert conflict_row(site, conflict_id)["status"] == "open"
        assert site.read(lambda db: row(db, "activity", w.activity1))["record"] == WEB
    dropped = staff.post(f"/conflicts/{conflict_id}", {"choice": "other", "record": typed, "drop_combined": "1"})
    assert dropped.status_code == 303, dropped.text
    assert site.read(lambda db: row(db, "activity", w.activity1))["record"] == PHONE


def test_picking_a_side_over_the_untouched_combined_draft_needs_no_second_question(site: Site) -> None:
    w = site.w
    staff = site.as_(w.staff_st11)
    conflict_id = conflict_on_activity1(site, staff)
    untouched = {"choice": "kept", "record": f"{WEB}\r\n{PHONE}\r\n"}  # as a browser sends the textarea
    assert staff.post(f"/conflicts/{conflict_id}", untouched).status_code == 303
    assert conflict_row(site, conflict_id)["resolution"] == "kept"


def test_a_conflict_needs_a_choice_and_is_resolved_once(site: Site) -> None:
    w = site.w
    staff = site.as_(w.staff_st11)
    conflict_id = conflict_on_activity1(site, staff)
    response = staff.post(f"/conflicts/{conflict_id}", {})
    assert response.status_code == 400 and "请选择怎样处理" in response.text
    assert staff.post(f"/conflicts/{conflict_id}", {"choice": "kept"}).status_code == 303
    page = staff.get(f"/conflicts/{conflict_id}")
    assert "这条冲突已由 站员一一" in page.text and 'name="choice"' not in page.text
    response = staff.post(f"/conflicts/{conflict_id}", {"choice": "other"}, form_page="/conflicts")
    assert response.status_code == 400 and "已经处理过了" in response.text
    assert site.read(lambda db: row(db, "activity", w.activity1))["record"] == WEB


def test_a_resolution_clicked_twice_is_answered_as_the_first_and_another_choice_still_refused(site: Site) -> None:
    """A double click on 确定: the second post met "这条冲突已经处理过了" (400), as if the first had
    failed. The same choice again (a combined value still the record's) is answered as the first."""
    w = site.w
    staff = site.as_(w.staff_st11)
    conflict_id = conflict_on_activity1(site, staff)
    token = staff.token(f"/conflicts/{conflict_id}")
    both = {"choice": "combined", "record": "两边都对：家访一次，电话一次。"}
    sent = [staff.post(f"/conflicts/{conflict_id}", both, token=token) for _ in range(2)]
    assert [(r.status_code, r.headers.get("location")) for r in sent] == [(303, "/conflicts")] * 2, sent[1].text
    other = staff.post(f"/conflicts/{conflict_id}", {**both, "record": "改了主意"}, token=token)
    assert other.status_code == 400 and "已经处理过了" in other.text
    assert site.read(lambda db: row(db, "activity", w.activity1))["record"] == both["record"]


def test_a_delete_conflict_offers_no_combined_value(site: Site) -> None:
    w = site.w
    staff = site.as_(w.staff_st11)
    conflict_on_activity1(site, staff)
    # a second phone of the volunteer deletes the visit without having seen the correction
    phone = Actor(w.mentor1.user_id, "mentor", w.mentor1.unit_id, new_id(), w.mentor1.name)
    site.write(lambda db: db.execute("INSERT INTO sync_devices (id, user_id, name, created_at)"
                                     " VALUES (?, ?, '第二部手机', '2026-11-01T00:00:00Z')",
                                     [phone.device_id, phone.user_id]))
    answer = site.write(lambda db: apply_batch(db, phone, {"mutations": [
        mutations.delete("activity", w.activity1, base_version=2, mutation_id=1)]})).results[0]
    conflict_id = answer["conflicts"][0]["conflict_id"]
    page = html.unescape(staff.get(f"/conflicts/{conflict_id}").text)
    assert "删除这条记录" in page and 'value="combined"' not in page
    assert staff.post(f"/conflicts/{conflict_id}", {"choice": "other"}).status_code == 303
    assert site.read(lambda db: row(db, "activity", w.activity1))["deleted"]


def test_a_conflict_moves_with_its_child_to_the_new_school(site: Site) -> None:
    w = site.w
    old_school = site.as_(w.staff_st11)
    conflict_id = conflict_on_activity1(site, old_school)
    version = site.read(lambda db: row(db, "mentee", w.mentee1)["version"])
    mover = site.write(lambda db: make_county_staff(db, w.county))  # the admin writes no child's file
    site.write(lambda db: mutate(db, mover, "mentee", {"unit_id": w.st21}, w.mentee1, version))
    # The old school no longer sees the child's conflict, nor may it resolve it ...
    assert PHONE not in html.unescape(old_school.get("/conflicts").text)
    assert old_school.get(f"/conflicts/{conflict_id}").status_code == 404
    assert old_school.post(f"/conflicts/{conflict_id}", {"choice": "kept"}, form_page="/conflicts").status_code == 404
    assert conflict_row(site, conflict_id)["status"] == "open"
    # ... the new one does.
    new_school = site.as_(w.staff_st21)
    assert PHONE in html.unescape(new_school.get("/conflicts").text)
    assert new_school.post(f"/conflicts/{conflict_id}", {"choice": "kept"}).status_code == 303


def test_taking_a_value_over_a_record_changed_since_the_page_was_opened_is_refused(site: Site) -> None:
    w = site.w
    staff = site.as_(w.staff_st11)
    conflict_id = conflict_on_activity1(site, staff)
    seen = site.read(lambda db: row(db, "activity", w.activity1)["version"])
    assert f'name="record_version" value="{seen}"' in staff.get(f"/conflicts/{conflict_id}").text
    newest = "手机上又改了：孩子这周情绪好多了。"
    site.write(lambda db: mutate(db, w.mentor1, "activity", {"record": newest}, w.activity1, seen))
    response = staff.post(f"/conflicts/{conflict_id}", {"choice": "other", "record_version": str(seen)})
    assert response.status_code == 400 and "又被改过" in html.unescape(response.text)
    assert newest in html.unescape(response.text), "the page now shows the record as it is"
    assert site.read(lambda db: row(db, "activity", w.activity1))["record"] == newest
    assert conflict_row(site, conflict_id)["status"] == "open"


def test_deleting_a_record_closes_its_open_conflicts_and_keeps_both_values(site: Site) -> None:
    w = site.w
    staff = site.as_(w.staff_st11)
    conflict_id = conflict_on_activity1(site, staff)
    site.write(lambda db: remove(db, w.staff_st11, "activity", w.activity1))
    closed = conflict_row(site, conflict_id)
    assert (closed["status"], closed["resolution"], closed["resolved_by"]) == ("resolved", "deleted",
                                                                               w.staff_st11.user_id)
    assert (closed["kept_value"], closed["other_value"]) == (f'"{WEB}"', f'"{PHONE}"')
    listing = html.unescape(staff.get("/conflicts").text)
    assert "没有待处理的冲突" in listing and "记录已被删除，冲突随之关闭" in listing and PHONE in listing


def test_a_conflict_on_an_inspections_findings_is_not_the_inspected_units_to_decide(site: Site) -> None:
    w = site.w
    version = site.read(lambda db: row(db, "inspection", w.inspection1))["version"]
    first = {"rectify": "咨询室本月内配专人"}
    site.write(lambda db: mutate(db, w.reviewer, "inspection", first, w.inspection1, version))
    (clash,) = site.write(lambda db: apply_batch(db, w.admin, {"mutations": [mutations.upsert(
        "inspection", {"rectify": "咨询室两周内配专人"}, w.inspection1, base_version=version, mutation_id=1)]})).results
    assert clash["status"] == "conflict"
    conflict_id = clash["conflicts"][0]["conflict_id"]
    inspected = site.as_(w.staff_st11)
    assert "咨询室两周内配专人" not in html.unescape(inspected.get("/conflicts").text)
    assert inspected.get(f"/conflicts/{conflict_id}").status_code == 404
    assert inspected.post(f"/conflicts/{conflict_id}", {"choice": "kept"}, form_page="/conflicts").status_code == 404
    assert conflict_row(site, conflict_id)["status"] == "open"
    county = site.as_(w.admin)  # the county inspected it, so the county decides
    assert "咨询室两周内配专人" in html.unescape(county.get("/conflicts").text)
    assert county.post(f"/conflicts/{conflict_id}", {"choice": "kept"}).status_code == 303


def inspection_conflict(site: Site, first: object, second: object, field: str,
                        inspection_id: str | None = None) -> str:
    """A conflict on ``field`` of an inspection: ``first`` (actor) saves one value, ``second`` then
    another from the same version."""
    rid = inspection_id or site.w.inspection1
    version = site.read(lambda db: row(db, "inspection", rid))["version"]
    site.write(lambda db: mutate(db, first, "inspection", {field: "先到的：" + field}, rid, version))
    (clash,) = site.write(lambda db: apply_batch(db, second, {"mutations": [mutations.upsert(
        "inspection", {field: "后到的：" + field}, rid, base_version=version, mutation_id=1)]})).results
    assert clash["status"] == "conflict"
    return str(clash["conflicts"][0]["conflict_id"])


def test_a_conflict_on_the_countys_inspection_is_not_the_towns_to_see_or_decide(site: Site) -> None:
    w = site.w
    conflict_id = inspection_conflict(site, w.reviewer, w.admin, "findings")
    town = site.as_(w.staff_town1)  # above the inspected station, below the county that inspected it
    assert "后到的：findings" not in html.unescape(town.get("/conflicts").text)
    assert town.get(f"/conflicts/{conflict_id}").status_code == 404
    refused = town.post(f"/conflicts/{conflict_id}", {"choice": "kept"}, form_page="/conflicts")
    assert refused.status_code == 404
    assert conflict_row(site, conflict_id)["status"] == "open"
    with pytest.raises(NotAllowed, match="找不到这条冲突记录"):  # the rule holds below the pages too
        site.write(lambda db: resolve_conflict(db, w.staff_town1, conflict_id, "kept"))
    assert conflict_row(site, conflict_id)["status"] == "open"
    assert conflict_id not in {c["id"] for c in site.read(lambda db: list_conflicts(db, load_scope(db, w.staff_town1)))}
    assert "<p class=\"figure\">0</p>\n      <p>条同步冲突未处理" in town.get("/staff").text, "nor counted on its home"


def test_a_clash_in_the_rectification_report_is_the_inspected_units_not_the_towns(site: Site) -> None:
    w = site.w
    conflict_id = inspection_conflict(site, w.admin, w.staff_st11, "rectify_notes")
    town = site.as_(w.staff_town1)
    assert town.get(f"/conflicts/{conflict_id}").status_code == 404
    assert town.post(f"/conflicts/{conflict_id}", {"choice": "kept"}, form_page="/conflicts").status_code == 404
    assert conflict_row(site, conflict_id)["status"] == "open"
    station = site.as_(w.staff_st11)  # its own report: the station decides
    assert "后到的：rectify_notes" in html.unescape(station.get("/conflicts").text)
    assert station.post(f"/conflicts/{conflict_id}", {"choice": "other"}).status_code == 303
    assert site.read(lambda db: row(db, "inspection", w.inspection1))["rectify_notes"] == "后到的：rectify_notes"


def test_a_conflict_on_the_towns_own_inspection_is_the_towns_to_decide(site: Site) -> None:
    w = site.w
    rid = site.write(lambda db: mutate(db, w.staff_town1, "inspection", {
        "unit_id": w.st12, "date": "2026-11-03", "inspectors": "街道关工委", "failed": ["counselling_room"],
        "rectify": "建咨询室", "rectify_due": "2030-11-30"}))
    conflict_id = inspection_conflict(site, w.reviewer, w.admin, "findings", rid)
    town = site.as_(w.staff_town1)
    assert "后到的：findings" in html.unescape(town.get("/conflicts").text)
    assert town.post(f"/conflicts/{conflict_id}", {"choice": "kept"}).status_code == 303
    assert conflict_row(site, conflict_id)["status"] == "resolved"


def test_a_combined_value_posted_after_sign_out_elsewhere_is_back_in_the_form_after_signing_in(site: Site) -> None:
    w = site.w
    staff = site.as_(w.staff_st11)
    conflict_id = conflict_on_activity1(site, staff)
    shown = site.read(lambda db: row(db, "activity", w.activity1))["version"]
    combined = "家访一小时，孩子愿意交流，想参加兴趣小组。"
    page = back_after_sign_in(site, staff, w.staff_st11, f"/conflicts/{conflict_id}", {
        "choice": "combined", "record": combined, "record_version": str(shown)})
    assert f">{combined}</textarea>" in page and 'value="combined" checked' in page
    assert f'name="record_version" value="{shown}"' in page and "已恢复登录前填写的内容" in page
    assert conflict_row(site, conflict_id)["status"] == "open"


def test_reading_the_conflict_list_is_in_the_access_log_with_what_it_showed(site: Site) -> None:
    """The list shows both values of a child's record, as a conflict's page does (logged there too)."""
    w = site.w
    staff = site.as_(w.staff_st11)
    conflict_on_activity1(site, staff)
    staff.get("/conflicts")
    (logged,) = site.read(lambda db: list(db.query("SELECT * FROM access_log WHERE action = 'view_conflicts'")))
    assert logged["user_id"] == w.staff_st11.user_id and logged["entities"] == '{"activity": 1}'
    assert logged["target"] == w.st11, "the unit whose list it was, as every list's row says"


def test_an_open_conflict_on_a_deleted_pairings_visit_leaves_the_list_and_the_home_count(site: Site) -> None:
    # The visit is deleted with its pairing (随结对删除): neither value can be taken into it any more.
    from .test_archive_record import delete_as

    w = site.w
    staff = site.as_(w.staff_st11)
    conflict_id = conflict_on_activity1(site, staff)
    home = re.compile(r'<p class="figure">(\d+)</p>\s*<p>条同步冲突未处理')
    assert home.findall(staff.get("/staff").text) == ["1"]
    assert delete_as(site, w.staff_st11, "pairing", w.pairing1).status == "applied"
    assert conflict_id not in staff.get("/conflicts").text
    assert home.findall(staff.get("/staff").text) == ["0"]
    closed = conflict_row(site, conflict_id)
    assert (closed["status"], closed["resolution"]) == ("resolved", "file_deleted"), "closed with its file"


def test_taking_a_childs_delete_while_her_risk_flag_is_unhandled_is_refused_on_the_page(site: Site) -> None:
    """The station's phone deleted the child after the county had changed her file: a 删除 conflict.
    A visit flagged 发现自伤自残风险 was entered after (补录 from paper). Taking the delete on the page
    would take the flag off every list; the page says what to do first (400), the child stays, the
    conflict stays open; once the flag is handled, the delete goes."""
    from ...factories import end_pairing, make_activity

    w = site.w
    staff = site.as_(w.staff_st11)

    def prepare(db: sqlite_utils.Database) -> tuple[str, str]:
        end_pairing(db, w.staff_st11, w.pairing1)
        seen = row(db, "mentee", w.mentee1)["version"]
        county_staff = make_county_staff(db, w.county)
        mutate(db, county_staff, "mentee", {"notes": "县里补充：奶奶身体不好"}, w.mentee1, base_version=seen)
        (answer,) = apply_batch(db, w.staff_st11, {"mutations": [
            mutations.delete("mentee", w.mentee1, base_version=seen, mutation_id=1)]}).results
        assert answer["status"] == "conflict", answer
        flagged = make_activity(db, w.staff_st11, w.pairing1, date="2026-11-18", risk_flag=True)
        return flagged, str(answer["conflicts"][0]["conflict_id"])

    flagged, conflict_id = site.write(prepare)
    response = staff.post(f"/conflicts/{conflict_id}", {"choice": "other"})
    assert response.status_code == 400
    said = html.unescape(response.text)
    assert "处理风险提示后再删除" in said and "2026年11月18日" in said and "恢复" not in said
    assert not site.read(lambda db: row(db, "mentee", w.mentee1))["deleted"]
    assert conflict_row(site, conflict_id)["status"] == "open"
    assert flagged in staff.get("/staff").text, "the flag is still on the station home to handle"
    assert staff.post("/staff", {"activity_id": flagged, "risk_action": "已家访，孩子已就医",
                                 "risk_action_on": "2026-11-19"}).status_code == 303
    assert staff.post(f"/conflicts/{conflict_id}", {"choice": "other"}).status_code == 303
    assert site.read(lambda db: row(db, "mentee", w.mentee1))["deleted"]


def tags_emptied_on_the_web_while_the_phone_added_one(site: Site, staff: Any) -> str:
    """The volunteer's visit is tagged 主题教育、辅导站活动; the station unticks every 六结合 on the web
    (none applies) while the phone, not having seen that, adds 三好标兵评选: a conflict on ``tags``."""
    w = site.w
    version = site.read(lambda db: row(db, "activity", w.activity1))["version"]
    site.write(lambda db: mutate(db, w.mentor1, "activity", {"tags": ["theme", "station"]}, w.activity1, version))
    version = site.read(lambda db: row(db, "activity", w.activity1))["version"]
    form = {**activity_form(site, w.activity1), "base_version": str(version)}
    del form["tags"]  # a browser sends nothing for a checkbox group with no box ticked
    assert staff.post(f"/activities/{w.activity1}/edit", form).status_code == 303
    assert site.read(lambda db: row(db, "activity", w.activity1))["tags"] == []
    push = mutations.upsert("activity", {"tags": ["theme", "station", "peer"]}, w.activity1,
                            base_version=version, mutation_id=1)
    answer = site.write(lambda db: apply_batch(db, w.mentor1, {"mutations": [push]})).results[0]
    assert answer["status"] == "conflict", answer
    return str(answer["conflicts"][0]["conflict_id"])


def test_a_list_emptied_on_one_side_is_shown_as_none_and_needs_an_explicit_side(site: Site) -> None:
    """One side unticked every 六结合: the page showed it as （空） and offered 合并两者 over a draft of
    the other side's ticks, so a merge silently undid the "none". Now the empty side reads
    无（已全部取消）, each choice names what it keeps, and a merge is refused in words."""
    w = site.w
    staff = site.as_(w.staff_st11)
    conflict_id = tags_emptied_on_the_web_while_the_phone_added_one(site, staff)
    listing = html.unescape(staff.get("/conflicts").text)
    assert "无（已全部取消）" in listing and "与三好标兵评选结合" in listing
    detail = html.unescape(staff.get(f"/conflicts/{conflict_id}").text)
    assert '<p class="value">无（已全部取消）</p>' in detail and "全部取消了（无）" in detail
    assert 'value="combined"' not in detail and 'name="tags"' not in detail, "no merge draft to tick through"
    assert "保留先到的内容：无（已全部取消）" in detail
    assert "改用后到的内容：与主题教育结合、与辅导站活动结合、与三好标兵评选结合" in detail
    merged = staff.post(f"/conflicts/{conflict_id}", {"choice": "combined", "tags": ["theme", "station", "peer"]})
    assert merged.status_code == 400 and "两者合并不了" in html.unescape(merged.text)
    assert site.read(lambda db: row(db, "activity", w.activity1))["tags"] == []
    assert conflict_row(site, conflict_id)["status"] == "open"
    assert staff.post(f"/conflicts/{conflict_id}", {"choice": "other"}).status_code == 303
    assert site.read(lambda db: row(db, "activity", w.activity1))["tags"] == ["theme", "station", "peer"]


def test_every_tick_taken_off_the_combined_box_is_asked_about_when_one_side_is_picked(site: Site) -> None:
    """Staff unticked every 六结合 in the combined box (none applies) and picked 保留先到的: a browser
    sends nothing for a group with no box ticked, so the page took it for a form without the box
    and kept the first side's ticks unasked. The box's marker tells them apart: the page asks."""
    w = site.w
    staff = site.as_(w.staff_st11)
    version = site.read(lambda db: row(db, "activity", w.activity1))["version"]
    site.write(lambda db: mutate(db, w.mentor1, "activity", {"tags": ["theme"]}, w.activity1, version))
    version = site.read(lambda db: row(db, "activity", w.activity1))["version"]
    form = {**activity_form(site, w.activity1), "tags": ["station"], "base_version": str(version)}
    assert staff.post(f"/activities/{w.activity1}/edit", form).status_code == 303
    push = mutations.upsert("activity", {"tags": ["theme", "peer"]}, w.activity1, base_version=version,
                            mutation_id=1)
    (answer,) = site.write(lambda db: apply_batch(db, w.mentor1, {"mutations": [push]})).results
    conflict_id = answer["conflicts"][0]["conflict_id"]
    page = staff.get(f"/conflicts/{conflict_id}").text
    assert 'name="combined_box"' in page
    assert re.findall(r'name="tags" value="(\w+)" checked', page) == ["theme", "station", "peer"], "both sides"
    asked = staff.post(f"/conflicts/{conflict_id}", {"choice": "kept", "combined_box": "1"})
    assert asked.status_code == 400 and "不会保存" in html.unescape(asked.text)
    ticked = re.findall(r'name="tags" value="(\w+)" checked', asked.text)
    assert ticked == [], "the box shown again as it was left: none ticked"
    assert conflict_row(site, conflict_id)["status"] == "open"
    dropped = staff.post(f"/conflicts/{conflict_id}", {"choice": "kept", "combined_box": "1", "drop_combined": "1"})
    assert dropped.status_code == 303
    assert site.read(lambda db: row(db, "activity", w.activity1))["tags"] == ["station"]
