"""A stopped phone's export, entered at the station: each change once, as the volunteer's record
entered by staff (代录); a second upload enters nothing; another unit's child is refused without
being shown; files that are not an export are refused in words; every upload that shows what a file says
of children is on the access log, whatever entering its changes did."""
from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest

from sync import new_id

from ...factories import db_snapshot, mutate, row
from .conftest import PASSWORD, TOKEN_RE, Browser, Site, expire_session
from .station import activity_form

PAGE = "/activities/phone-import"
COMMON = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]


def export(volunteer: Any, *items: dict[str, Any], name: str = "王老师") -> bytes:
    """A file as pwa/js/export.js writes it, from ``volunteer``'s phone."""
    return json.dumps({"app": "banxing", "exported_at": "2026-11-30T08:15:00.000Z", "device_id": new_id(),
                       "user": {"id": volunteer.user_id, "name": name}, "items": list(items)},
                      ensure_ascii=False, indent=2).encode()


def visit(pairing_id: str, text: str, record_id: str | None = None) -> dict[str, Any]:
    return {"state": "unsent", "mutation_id": 7, "entity": "activity", "record_id": record_id or new_id(),
            "op": "upsert", "base_version": None, "created_at": "2026-11-29T02:00:00.000Z",
            "fields": {"pairing_id": pairing_id, "kind": "home_visit", "date": "2026-11-29", "record": text},
            "mentee": {"code": "BX-2026-0001", "name": "小明"}}


def preview(browser: Browser, data: bytes, name: str = "伴行未同步记录.json") -> Any:
    """Upload the file: the page previews it and enters nothing."""
    return browser.post(PAGE, {}, files={"file": (name, data, "application/json")})


def payload_of(page: Any) -> str:
    found = re.search(r'name="payload" value="([^"]+)"', page.text)
    assert found, re.sub(r"<[^>]+>|\s+", " ", page.text)[-800:]
    return found.group(1)


def records(site: Site) -> dict[str, Any]:
    """The records alone: neither the logs nor the form a lapsed sign-in kept for its person."""
    return {t: rows for t, rows in quiet(site.read(db_snapshot)).items() if t != "form_drafts"}


def token_of(page: Any) -> str:
    """The CSRF token the form on ``page`` carries (a page still open when its session ran out)."""
    found = TOKEN_RE.search(page.text)
    assert found
    return found.group(1)


def confirm(browser: Browser, page: Any) -> Any:
    """确认导入 on a preview ``page``."""
    return browser.post(PAGE, {"payload": payload_of(page)})


def upload(browser: Browser, data: bytes, name: str = "伴行未同步记录.json") -> Any:
    """Upload, then 确认导入 when the preview offers it (a file with nothing to enter offers none)."""
    page = preview(browser, data, name)
    if page.status_code != 200 or 'name="payload"' not in page.text:
        return page
    return confirm(browser, page)


def quiet(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The records, without the logs of who did what (sessions, access, the write path's audit of
    every change it was sent, entered or not)."""
    logs = ("web_sessions", "login_failures", "access_log", "sync_audit")
    return {t: rows for t, rows in snapshot.items() if t not in logs}


def test_a_phone_export_is_entered_once_as_the_volunteers_record_entered_by_the_station(site: Site) -> None:
    w = site.w
    text = "挂失前没来得及同步：孩子说想参加学校合唱团。"
    screening = {"state": "rejected", "entity": "screening", "record_id": new_id(), "op": "upsert",
                 "fields": {"mentee_id": w.mentee1, "date": "2026-11-28", "psych_problem": False,
                            "intervention_success": False, "notes": "情绪稳定"},
                 "reason": "服务器当时忙", "created_at": "2026-11-28T02:00:00.000Z"}
    draft = {"state": "draft", "form": "activity:new", "values": {"record": "还没写完的一句话", "mentee": w.mentee1},
             "saved_at": "2026-11-29T03:00:00.000Z"}
    data = export(w.mentor1, visit(w.pairing1, text), screening, draft, {"state": "unsent", "entity": "unit"})
    browser = site.as_(w.staff_st11)
    page = upload(browser, data)
    assert page.status_code == 200, page.text[:500]
    assert page.headers["cache-control"] == "no-store"
    assert page.text.count("已录入。") == 2 and "还没写完的一句话" in page.text
    assert "1 条内容不是手机会写的格式" in page.text
    stored = site.read(lambda db: list(db.query("SELECT * FROM activities WHERE record = ?", [text])))
    assert len(stored) == 1
    assert (stored[0]["author_id"], stored[0]["entered_by"]) == (w.mentor1.user_id, w.staff_st11.user_id)
    assert stored[0]["review_status"] == "pending"
    code = site.read(lambda db: row(db, "mentee", w.mentee1))["code"]  # type: ignore[index]
    assert code in page.text
    logged = site.read(lambda db: list(db.query("SELECT * FROM access_log WHERE action = 'import_phone_export'")))
    assert [(r["user_id"], r["target"], r["record_count"]) for r in logged] == [
        (w.staff_st11.user_id, w.mentor1.user_id, 3)]  # found by the volunteer on the access log page
    assert json.loads(logged[0]["entities"]) == {"activity": 1, "screening": 1, "draft": 1}

    before = quiet(site.read(db_snapshot))
    again = upload(browser, data)
    assert again.status_code == 200 and again.text.count("已在系统中，不重复导入") == 2
    assert 'name="payload"' not in again.text, "nothing left to confirm"
    assert quiet(site.read(db_snapshot)) == before, "the same file again changed nothing"


def test_an_unsent_edit_is_entered_on_the_version_the_phone_had(site: Site) -> None:
    w = site.w
    version = site.read(lambda db: row(db, "activity", w.activity1))["version"]  # type: ignore[index]
    edit = {"state": "unsent", "entity": "activity", "record_id": w.activity1, "op": "upsert",
            "base_version": version, "fields": {"follow_up": "下周再去家访一次"}}
    page = upload(site.as_(w.staff_st11), export(w.mentor1, edit))
    assert page.status_code == 200 and "已录入这次修改。" in page.text
    assert site.read(lambda db: row(db, "activity", w.activity1))["follow_up"] == "下周再去家访一次"  # type: ignore[index]


def test_a_file_naming_another_units_child_enters_and_shows_nothing_of_it(site: Site) -> None:
    w = site.w
    name = site.read(lambda db: row(db, "mentee", w.mentee3))["code"]  # type: ignore[index]
    before = quiet(site.read(db_snapshot))
    page = upload(site.as_(w.staff_st11), export(w.mentor3, visit(w.pairing3, "别的镇的孩子"), name="张老师"))
    assert page.status_code == 200 and "无法导入 1" in page.text and "不在您的管理范围内" in page.text
    assert name not in page.text and "小芳" not in page.text
    assert quiet(site.read(db_snapshot)) == before
    logged = site.read(lambda db: list(db.query("SELECT * FROM access_log WHERE action = 'preview_phone_export'")))
    assert [(r["target"], r["entities"]) for r in logged] == [(w.mentor3.user_id, '{"activity": 1}')], \
        "the file's own words about that child were shown"


def test_a_change_with_values_no_phone_writes_is_refused_in_words_and_the_rest_entered(site: Site) -> None:
    """A damaged or hand-made file: a list or an object where a pairing, a child or a choice goes,
    a number past any id, no list of moods. Each such change is refused with the write path's
    sentence (the page, not a 500), and the good change beside them is entered."""
    w = site.w
    broken = [visit(w.pairing1, "结对是列表"), visit(w.pairing1, "结对是对象"), visit(w.pairing1, "结对是大数"),
              visit(w.pairing1, "方式是列表"), visit(w.pairing1, "情绪是空")]
    broken[0]["fields"]["pairing_id"] = [w.pairing1]
    broken[1]["fields"]["pairing_id"] = {"id": w.pairing1}
    broken[2]["fields"]["pairing_id"] = 10 ** 30
    broken[3]["fields"]["kind"] = ["home_visit"]
    broken[4]["fields"]["moods"] = None
    screening = {"state": "unsent", "entity": "screening", "record_id": new_id(),
                 "fields": {"mentee_id": [w.mentee1], "date": "2026-11-28"}}
    page = upload(site.as_(w.staff_st11), export(w.mentor1, *broken, screening, visit(w.pairing1, "好好的一条")))
    assert page.status_code == 200, page.text[:300]
    assert "没有录入 6" in page.text and page.text.count("已录入。") == 1
    # Said by a screen reader as the page opens, not only shown in a table row further down.
    said = r'<p class="warning" role="alert">[^<]*<span aria-hidden="true">⚠</span> 有 6 条没有录入'
    assert re.search(said, page.text)
    for words in ("“结对”", "“帮扶方式”", "“情绪”", "“帮扶对象”"):
        assert words in page.text
    stored = site.read(lambda db: [r[0] for r in db.execute(
        "SELECT record FROM activities WHERE author_id = ? AND record IS NOT NULL", [w.mentor1.user_id])])
    assert "好好的一条" in stored and not {"结对是列表", "方式是列表", "情绪是空"} & set(stored)


def test_a_preview_whose_every_change_is_refused_still_logs_who_saw_it(site: Site) -> None:
    w = site.w
    screening = {"state": "unsent", "entity": "screening", "record_id": w.screening1, "base_version": 1,
                 "fields": {"notes": "改了站里写的摸排"}}
    browser = site.as_(w.staff_st11)
    page = upload(browser, export(w.mentor1, screening, visit(w.pairing3, "别的镇的孩子")))
    assert page.status_code == 200 and "无法导入 2" in page.text and "改了站里写的摸排" in page.text
    logged = site.read(lambda db: list(db.query("SELECT * FROM access_log WHERE action = 'preview_phone_export'")))
    assert [(r["user_id"], r["target"], r["record_count"], json.loads(r["entities"])) for r in logged] == [
        (w.staff_st11.user_id, w.mentor1.user_id, 2, {"activity": 1, "screening": 1})]
    assert logged[0]["at"] and logged[0]["ip"]
    upload(browser, export(w.mentor1, screening))
    assert site.read(lambda db: db.execute(
        "SELECT count(*) FROM access_log WHERE action = 'preview_phone_export'").fetchone()[0]) == 2, \
        "every upload is its own view, appended"


def test_a_preview_of_drafts_only_logs_the_drafts_it_shows(site: Site) -> None:
    w = site.w
    draft = {"state": "draft", "form": "activity:new", "values": {"record": "还没写完的家访", "mentee": w.mentee1}}
    blank = {"state": "draft", "form": "activity:new", "values": {"record": " "}}
    page = upload(site.as_(w.staff_st11), export(w.mentor1, draft, blank))
    assert page.status_code == 200 and "还没写完的家访" in page.text
    logged = site.read(lambda db: list(db.query("SELECT * FROM access_log WHERE action = 'preview_phone_export'")))
    assert [(r["user_id"], r["target"], r["record_count"]) for r in logged] == [
        (w.staff_st11.user_id, w.mentor1.user_id, 1)]


def test_a_file_enters_only_what_its_volunteers_phone_could_write(site: Site) -> None:
    """Entered as staff, a file must not do what the phone could not: another volunteer's visit,
    a new child, a field only staff write (a child's file closed, a risk flag's handling)."""
    w = site.w
    mine = visit(w.pairing1, "王老师的家访")
    mine["fields"]["risk_action"] = "已处理（文件里伪造的）"
    theirs = visit(w.pairing2, "李老师结对的孩子，却在王老师的文件里")
    closing = {"state": "unsent", "entity": "mentee", "record_id": w.mentee1, "base_version": None,
               "fields": {"status": "closed", "name": "改名"}}
    new_child = {"state": "unsent", "entity": "mentee", "record_id": new_id(), "base_version": None,
                 "fields": {"guardian_name": "外婆"}}
    others_edit = {"state": "unsent", "entity": "activity", "record_id": w.activity2, "base_version": 1,
                   "fields": {"record": "改了李老师的记录"}}
    before = site.read(lambda db: (row(db, "mentee", w.mentee1), row(db, "activity", w.activity2)))
    page = upload(site.as_(w.staff_st11), export(w.mentor1, mine, theirs, closing, new_child, others_edit))
    assert page.status_code == 200 and "新录入 1" in page.text and "没有录入 3" in page.text
    assert page.text.count("这条内容不是王老师结对帮扶的记录，没有录入。") == 3
    assert "1 条内容不是手机会写的格式" in page.text  # the mentee change held only fields a phone never sends
    stored = site.read(lambda db: list(db.query("SELECT risk_action FROM activities WHERE record = '王老师的家访'")))
    assert stored == [{"risk_action": None}]
    strays = site.read(lambda db: db.execute("SELECT count(*) FROM activities WHERE record LIKE '%李老师%'").fetchone())
    assert strays[0] == 0
    assert site.read(lambda db: (row(db, "mentee", w.mentee1), row(db, "activity", w.activity2))) == before


def test_a_record_made_and_edited_in_one_file_counts_once_as_entered(site: Site) -> None:
    w = site.w
    made = visit(w.pairing1, "先写的")
    edited = {**made, "base_version": None, "fields": {"follow_up": "后来补的跟踪"}}
    page = upload(site.as_(w.staff_st11), export(w.mentor1, made, edited))
    assert "已录入。" in page.text and "已录入这次修改。" in page.text and "新录入 2" in page.text
    stored = site.read(lambda db: row(db, "activity", made["record_id"]))
    assert stored is not None and (stored["record"], stored["follow_up"]) == ("先写的", "后来补的跟踪")


def test_the_same_file_again_enters_no_edit_twice_and_parks_no_second_conflict(site: Site) -> None:
    """Whatever happened to the records since: two edits of one record, and an edit the station
    has meanwhile overtaken (a conflict), are each entered once however often the file comes."""
    w = site.w
    made = visit(w.pairing1, "先写的")
    first = {**made, "base_version": None, "fields": {"follow_up": "第一次补的跟踪"}}
    second = {**made, "base_version": None, "fields": {"follow_up": "第二次补的跟踪"}}
    version = site.read(lambda db: row(db, "activity", w.activity1))["version"]  # type: ignore[index]
    late = {"state": "unsent", "entity": "activity", "record_id": w.activity1, "base_version": version,
            "fields": {"record": "手机上改的过程记录"}}
    site.write(lambda db: mutate(db, w.staff_st11, "activity", {"record": "站里先改的"}, w.activity1,
                                 base_version=version))
    data = export(w.mentor1, made, first, second, late)
    browser = site.as_(w.staff_st11)
    page = upload(browser, data)
    assert "冲突 1" in page.text and "新录入 3" in page.text
    conflicts = "SELECT count(*) FROM sync_conflicts WHERE record_id = ?"
    assert site.read(lambda db: db.execute(conflicts, [w.activity1]).fetchone()[0]) == 1
    before = quiet(site.read(db_snapshot))
    again = upload(browser, data)
    assert again.text.count("已在系统中，不重复导入") == 4 and "已在系统中 4" in again.text
    assert quiet(site.read(db_snapshot)) == before
    assert site.read(lambda db: row(db, "activity", made["record_id"]))["follow_up"] == "第二次补的跟踪"  # type: ignore[index]


def test_a_file_edits_neither_anothers_screening_nor_an_ended_pairings_records(site: Site) -> None:
    w = site.w
    screening = {"state": "unsent", "entity": "screening", "record_id": w.screening1, "base_version": 1,
                 "fields": {"notes": "改了站里写的摸排"}}
    site.write(lambda db: mutate(db, w.staff_st11, "pairing", {"status": "closed", "outcome": "improved",
                                                               "end_date": "2026-11-30"}, w.pairing1,
                                 base_version=site.read(lambda d: row(d, "pairing", w.pairing1))["version"]))  # type: ignore[index]
    guardian = {"state": "unsent", "entity": "mentee", "record_id": w.mentee1, "base_version": None,
                "fields": {"guardian_contact": "13900000000"}}
    before = quiet(site.read(db_snapshot))
    page = upload(site.as_(w.staff_st11), export(w.mentor1, screening, guardian))
    assert page.text.count("这条内容不是王老师结对帮扶的记录，没有录入。") == 2
    assert quiet(site.read(db_snapshot)) == before


@pytest.mark.parametrize(("data", "words"), [
    (b"not json at all", "不是伴行手机导出的记录文件"),
    (b"\xff\xfe\x00", "不是伴行手机导出的记录文件"),
    (b"[" * 100_000 + b"]" * 100_000, "不是伴行手机导出的记录文件"),
    (b'{"app": "other", "items": []}', "不是伴行手机导出的记录文件"),
    (b'{"app": "banxing", "exported_at": "0001-01-01T00:00:00Z", "items": []}', "没有需要录入的记录"),
    (b'{"app": "banxing", "user": {"name": "\\ud800"}, "items": []}', "无法显示的文字"),
    (b'{"app": "banxing", "items": [{"state": {}}, {"state": []}, 7]}', "没有需要录入的记录"),
    (b'{"app": "banxing", "items": [{"state": "unsent", "entity": "activity", "record_id": '
     b'"01900000-0000-7000-8000-000000000001", "fields": {"record": "x"}}]}', "没有写是哪位志愿者"),
])
def test_a_file_that_is_not_a_phone_export_gets_a_friendly_400(site: Site, data: bytes, words: str) -> None:
    before = quiet(site.read(db_snapshot))
    response = upload(site.as_(site.w.staff_st11), data)
    assert response.status_code == 400 and words in response.text, response.text[:400]
    assert quiet(site.read(db_snapshot)) == before


def test_only_staff_enter_a_phones_export(site: Site) -> None:
    assert site.as_(site.w.reviewer).get(PAGE).status_code == 403
    page = site.as_(site.w.staff_st11).get(PAGE)
    assert page.status_code == 200 and "导出未同步记录" in page.text
    assert PAGE in site.as_(site.w.staff_st11).get("/staff").text


def _edit(record_id: str, base: int, text: str) -> dict[str, Any]:
    return {"state": "unsent", "entity": "activity", "record_id": record_id, "op": "upsert", "base_version": base,
            "fields": {"record": text}, "created_at": "2026-11-29T02:00:00.000Z"}


@pytest.mark.parametrize("phone", ["the volunteer's own", "unknown"])
def test_a_file_never_silently_overwrites_the_uploaders_own_correction_made_since(site: Site, phone: str) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    base = site.read(lambda db: row(db, "activity", w.activity1))["version"]
    correction = "站里更正：家访一小时，孩子愿意交流。"
    assert browser.post(f"/activities/{w.activity1}/edit", {**activity_form(site, w.activity1), "record": correction,
                                                            "base_version": str(base)}).status_code == 303
    data = json.loads(export(w.mentor1, _edit(w.activity1, base, "手机上离线写的：孩子说想参加兴趣小组。")))
    if phone == "the volunteer's own":
        data["device_id"] = w.mentor1.device_id
    page = upload(browser, json.dumps(data, ensure_ascii=False).encode())
    assert page.status_code == 200 and "和别人先到的修改冲突" in page.text
    assert site.read(lambda db: row(db, "activity", w.activity1))["record"] == correction
    parked = site.read(lambda db: db.execute("SELECT other_value FROM sync_conflicts WHERE record_id = ?",
                                             [w.activity1]).fetchall())
    assert parked == [('"手机上离线写的：孩子说想参加兴趣小组。"',)]


def test_the_phones_own_two_edits_of_one_field_follow_each_other_as_on_the_phone(site: Site) -> None:
    w = site.w
    base = site.read(lambda db: row(db, "activity", w.activity1))["version"]
    data = export(w.mentor1, _edit(w.activity1, base, "第一次写的"), _edit(w.activity1, base, "改了一个错字后"))
    page = upload(site.as_(w.staff_st11), data)
    assert page.status_code == 200 and "和别人先到的修改冲突" not in page.text
    assert site.read(lambda db: row(db, "activity", w.activity1))["record"] == "改了一个错字后"
    assert site.read(lambda db: db.execute("SELECT count(*) FROM sync_conflicts").fetchone()[0]) == 0


def test_a_visit_a_phone_kept_from_before_its_pairing_ended_is_entered_from_the_export(site: Site) -> None:
    # Typed offline on the 29th (a risk the volunteer saw); the station ended the pairing on the 30th,
    # before the phone synced: the phone can no longer send it, and the station's upload enters it.
    w = site.w
    site.write(lambda db: mutate(db, w.staff_st11, "pairing", {"status": "closed", "end_date": "2026-11-30"},
                                 w.pairing1, base_version=1))
    item = visit(w.pairing1, "孩子说晚上不想回家，手臂上有划痕。")
    page = upload(site.as_(w.staff_st11), export(w.mentor1, {**item, "state": "rejected", "reason": "结对已结束"}))
    assert page.status_code == 200 and page.text.count("已录入。") == 1, re.sub(r"<[^>]+>|\s+", " ", page.text)[-1500:]
    stored = site.read(lambda db: row(db, "activity", item["record_id"]))
    assert stored["record"] == "孩子说晚上不想回家，手臂上有划痕。" and stored["author_id"] == w.mentor1.user_id


def test_a_phone_files_day_that_is_no_date_is_previewed_as_it_came_not_a_500(site: Site) -> None:
    w = site.w
    odd = visit(w.pairing1, "日子写坏了的一次帮扶")
    odd["fields"]["date"] = "2026-02-30"
    page = preview(site.as_(w.staff_st11), export(w.mentor1, odd, visit(w.pairing1, "好好的一次帮扶")))
    said = re.sub(r"(?:<[^>]+>|\s)+", " ", page.text)
    assert page.status_code == 200 and "2026-02-30" in said and "2026年11月29日" in said


def test_an_upload_is_previewed_record_by_record_and_nothing_is_entered_until_confirmed(site: Site) -> None:
    w = site.w
    base = site.read(lambda db: row(db, "activity", w.activity1))["version"]  # type: ignore[index]
    site.write(lambda db: mutate(db, w.staff_st11, "activity", {"record": "站里先改的"}, w.activity1,
                                 base_version=base))
    new = visit(w.pairing1, "孩子说想参加学校合唱团，周末还去外婆家。")
    data = export(w.mentor1, new, visit(w.pairing3, "别的镇的孩子"), _edit(w.activity1, base, "手机上改的"))
    browser = site.as_(w.staff_st11)
    before = quiet(site.read(db_snapshot))
    page = preview(browser, data)
    said = re.sub(r"(?:<[^>]+>|\s)+", " ", page.text)
    assert page.status_code == 200 and "预览（还没有录入）" in said
    code = site.read(lambda db: row(db, "mentee", w.mentee1))["code"]  # type: ignore[index]
    assert code in said and "2026年11月29日" in said
    assert "帮扶记录·上门家访" in said and "孩子说想参加学校合唱团" in said
    assert "导出于 2026年11月30日 16:15" in said, "the header's time in the pages' words, in Beijing time"
    assert "新记录" in said and "会与服务器上的修改冲突" in said and "无法导入：" in said, said[-3000:]
    assert quiet(site.read(db_snapshot)) == before, "a preview enters nothing"
    logged = site.read(lambda db: [(r["action"], r["target"]) for r in db.query("SELECT * FROM access_log")])
    assert ("preview_phone_export", w.mentor1.user_id) in logged
    assert ("import_phone_export", w.mentor1.user_id) not in logged
    done = confirm(browser, page)
    assert done.status_code == 200 and "录入结果" in done.text and "新录入 1" in done.text and "冲突 1" in done.text
    assert site.read(lambda db: row(db, "activity", new["record_id"]))["record"].startswith("孩子说")  # type: ignore[index]


def test_confirming_twice_or_two_previews_of_one_file_enter_each_record_once(site: Site) -> None:
    w = site.w
    item = visit(w.pairing1, "只该有一条的家访")
    data = export(w.mentor1, item)
    browser = site.as_(w.staff_st11)
    first, second = preview(browser, data), preview(browser, data)
    assert "新记录" in first.text and "新记录" in second.text
    assert "已录入。" in confirm(browser, first).text
    again = confirm(browser, first)
    assert again.status_code == 200 and "系统里已有 1" in again.text
    other = confirm(browser, second)
    assert other.status_code == 200 and "系统里已有 1" in other.text
    stored = site.read(lambda db: db.execute("SELECT count(*) FROM activities WHERE record = ?",
                                             ["只该有一条的家访"]).fetchone()[0])
    assert stored == 1


def test_a_confirm_after_the_records_changed_since_the_preview_enters_nothing_and_previews_again(site: Site) -> None:
    w = site.w
    base = site.read(lambda db: row(db, "activity", w.activity1))["version"]  # type: ignore[index]
    new = visit(w.pairing1, "新写的家访")
    data = export(w.mentor1, new, _edit(w.activity1, base, "手机上改的过程记录"))
    browser = site.as_(w.staff_st11)
    page = preview(browser, data)
    assert "新的修改，会录入" in page.text and "会与服务器上的修改冲突" not in page.text
    site.write(lambda db: mutate(db, w.staff_st11, "activity", {"record": "站里在预览后改的"}, w.activity1,
                                 base_version=base))
    before = quiet(site.read(db_snapshot))
    late = confirm(browser, page)
    assert late.status_code == 409 and "没有录入：预览以后，系统里的记录有了变化" in late.text
    assert "会与服务器上的修改冲突" in late.text and 'name="payload"' in late.text
    assert quiet(site.read(db_snapshot)) == before, "nothing of the file was entered"
    assert "新录入 1" in confirm(browser, late).text
    assert site.read(lambda db: row(db, "activity", new["record_id"])) is not None


@pytest.mark.parametrize("whose", ["tampered", "another person's"])
def test_a_confirm_with_a_payload_not_signed_for_this_person_is_refused_in_words(site: Site, whose: str) -> None:
    w = site.w
    page = preview(site.as_(w.staff_st11), export(w.mentor1, visit(w.pairing1, "不该录入的")))
    payload = payload_of(page)
    before = quiet(site.read(db_snapshot))
    if whose == "tampered":
        answer = site.as_(w.staff_st11).post(PAGE, {"payload": payload[:-3] + "AAA"})
    else:
        answer = site.as_(w.staff_st12).post(PAGE, {"payload": payload})
    assert answer.status_code == 400 and "预览已过期或无效，什么都没有录入" in answer.text
    assert quiet(site.read(db_snapshot)) == before


def test_a_confirm_sent_after_the_sign_in_ran_out_brings_the_same_preview_back_after_signing_in(site: Site) -> None:
    # A station PC left on the preview over lunch: 确认导入 finds the session over. Nothing is
    # entered; after signing in again the preview is back, one click from entering, no second upload.
    w = site.w
    text = "午饭前预览的帮扶记录"
    browser = site.as_(w.staff_st11)
    page = preview(browser, export(w.mentor1, visit(w.pairing1, text)))
    expire_session(site, browser, site.settings.session_hours + 1)
    before = records(site)
    answer = browser.post(PAGE, {"payload": payload_of(page)}, token=token_of(page))
    assert answer.status_code == 401 and "您刚才填写的内容已保留" in answer.text
    assert records(site) == before
    draft = re.search(r'name="draft" value="([^"]+)"', answer.text)
    assert draft
    signed_in = browser.post("/login", {"username": site.login_of(w.staff_st11), "password": PASSWORD,
                                        "next": PAGE, "draft": draft.group(1)})
    assert signed_in.headers["location"] == f"{PAGE}?draft={draft.group(1)}"
    again = browser.get(signed_in.headers["location"])
    assert again.status_code == 200 and "登录过期前的预览已恢复，什么都还没有录入" in again.text
    assert text in again.text and "新记录" in again.text
    assert records(site) == before
    done = confirm(browser, again)
    assert done.status_code == 200 and "已录入。" in done.text
    entered = site.read(lambda db: db.execute("SELECT count(*) FROM activities WHERE record = ?", [text]).fetchone())
    assert entered[0] == 1


def test_a_kept_preview_comes_back_to_no_one_but_the_person_who_made_it(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    page = preview(browser, export(w.mentor1, visit(w.pairing1, "只给本人看的预览")))
    expire_session(site, browser, site.settings.session_hours + 1)
    answer = browser.post(PAGE, {"payload": payload_of(page)}, token=token_of(page))
    draft = re.search(r'name="draft" value="([^"]+)"', answer.text)
    assert draft
    colleague = site.as_(w.staff_st12)
    shown = colleague.get(f"{PAGE}?draft={draft.group(1)}")
    assert shown.status_code == 200 and "只给本人看的预览" not in shown.text and 'name="payload"' not in shown.text


def test_a_file_near_the_size_limit_is_previewed_and_entered(site: Site) -> None:
    """The preview carries the file back to 确认导入: a file of long Chinese visits just under the
    limit fits in the form nginx lets through, not only a small one."""
    w = site.w
    pick = random.Random(2026).choice  # words that do not repeat: the worst case for compression
    items = [visit(w.pairing1, "".join(pick(COMMON) for _ in range(4800))) for _ in range(320)]
    data = export(w.mentor1, *items)
    assert 4_400_000 < len(data) <= 5 * 1024 * 1024
    browser = site.as_(w.staff_st11)
    page = preview(browser, data)
    assert page.status_code == 200 and "新记录 320" in page.text
    assert len(payload_of(page)) < 5 * 1024 * 1024 - 64 * 1024
    assert "新录入 320" in confirm(browser, page).text
