"""The same visit recorded twice (the station types in what a volunteer told it, and she records it on
her phone as well; two clerks each type in one paper form) would count twice in the statistics form's
面对面谈心 and stand twice in the archive. The 代录 form does not save a visit of a pairing that has a
live visit of the same sort on that day until the person ticks that it is another; the pages where
staff review visits mark the twins the form could not catch, 可能重复, each linking to the other."""
from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from server.queries.likely_visits import twins_of
from server.queries.review import waiting_activities
from server.queries.stats import compute_stats
from sync import Actor, Scope
from sync.audit import record_history
from sync.ids import new_id

from ...factories import make_activity, push, remove, upsert
from .conftest import Browser, Site, sentence
from .station import access_rows, query_plans

# activity1 of the county: 王老师's 上门家访 of 2026-11-20 in pairing1, from her phone.
SAME_DAY = {"kind": "talk", "date": "2026-11-20", "duration_min": "40", "place": "孩子家中",
            "record": "王老师电话口述：和奶奶聊了作业的事。"}


def _visits(site: Site, pairing: str, day: str) -> int:
    return int(site.read(lambda db: db.execute(
        "SELECT count(*) FROM activities WHERE pairing_id = ? AND date = ? AND deleted = 0", [pairing, day]
    ).fetchone()[0]))


def _tick(page: str) -> str:
    found = re.search(r'name="another_visit" value="([^"]+)"', page)
    assert found, "the form offers the tick"
    return found.group(1)


def _form(pairing: str, **more: Any) -> dict[str, Any]:
    return {"record_id": new_id(), "pairing_id": pairing, **SAME_DAY, **more}


def test_a_visit_typed_in_for_a_day_the_pairing_has_one_already_is_saved_only_once_ticked(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    form = _form(w.pairing1, preparation="带了练习册")
    held = browser.post("/activities/new", form)
    text = sentence(held.text)
    assert held.status_code == 409 and _visits(site, w.pairing1, "2026-11-20") == 1, "not saved silently"
    assert "这个结对在2026年11月20日已经有1条上门家访的帮扶记录" in text and "这次还没有保存" in text
    assert "2026年11月20日，上门家访，记录人王老师（手机上记的）：“家访记录”" in text
    assert f'href="/activities/{w.activity1}"' in held.text
    assert all(typed in held.text for typed in ("带了练习册", "王老师电话口述", form["record_id"]))
    assert "确实是另一次帮扶，仍然保存" in text
    saved = browser.post("/activities/new", {**form, "another_visit": _tick(held.text)})
    assert saved.status_code == 303 and saved.headers["location"] == f"/activities/{form['record_id']}"
    assert _visits(site, w.pairing1, "2026-11-20") == 2


def test_the_one_entered_by_the_station_is_named_with_who_entered_it_and_a_tick_answers_only_those_visits(
        site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    first = browser.post("/activities/new", _form(w.pairing2, date="2026-11-25", record="第一位站员录入的纸质表"))
    assert first.status_code == 303
    held = browser.post("/activities/new", _form(w.pairing2, date="2026-11-25"))
    assert held.status_code == 409
    assert "记录人李老师，站员一一代录：“第一位站员录入的纸质表”" in sentence(held.text)
    tick = _tick(held.text)
    # A third visit recorded meanwhile: the tick given beside the first does not let this one through.
    site.write(lambda db: make_activity(db, w.mentor2, w.pairing2, date="2026-11-25", kind="home_visit"))
    again = browser.post("/activities/new", _form(w.pairing2, date="2026-11-25", another_visit=tick))
    assert again.status_code == 409 and _visits(site, w.pairing2, "2026-11-25") == 2
    assert 'name="another_visit"' in again.text and "已经有2条帮扶记录" in sentence(again.text)


def test_another_day_another_pairing_or_a_call_beside_a_home_visit_is_saved_without_a_question(site: Site) -> None:
    """上门家访 and 面对面谈心 are one sort (both the form's face-to-face count); a call on the day of a
    home visit is plausibly a second contact, and asking about it would teach the station to tick past."""
    w = site.w
    browser = site.as_(w.staff_st11)
    for form in (_form(w.pairing1, date="2026-11-21"), _form(w.pairing2, date="2026-11-21"),
                 _form(w.pairing1, kind="remote")):
        assert browser.post("/activities/new", form).status_code == 303, form
    assert _visits(site, w.pairing1, "2026-11-20") == 2  # activity1 and the call
    site.write(lambda db: remove(db, w.staff_st11, "activity", w.activity1))
    assert browser.post("/activities/new", _form(w.pairing1)).status_code == 303, "a deleted visit is no twin"


def test_a_ticked_form_refused_for_another_field_keeps_its_tick_beside_the_visits(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    form = _form(w.pairing1)
    tick = _tick(browser.post("/activities/new", form).text)
    wrong = browser.post("/activities/new", {**form, "duration_min": "很久", "another_visit": tick})
    assert wrong.status_code == 400 and _visits(site, w.pairing1, "2026-11-20") == 1
    assert f'name="another_visit" value="{tick}" checked' in wrong.text
    assert browser.post("/activities/new", {**form, "another_visit": tick}).status_code == 303


def test_two_clerks_typing_in_one_paper_form_at_once_save_it_once(site: Site) -> None:
    """Each posts a form of their own (two record ids, other words and kinds of one sort): the check is
    read in the write, so the second to reach the writer is asked. The writer is held busy while both
    posts arrive, so a check read before the write would let both through."""
    w = site.w
    clerks = [site.as_(w.staff_st11), site.as_(w.staff_st11)]
    tokens = [b.token("/activities/new") for b in clerks]
    forms = [_form(w.pairing2, date="2026-11-27", record="站员甲录入"),
             _form(w.pairing2, date="2026-11-27", kind="home_visit", record="站员乙录入")]
    go = threading.Event()
    held = site.app.state.banxing.store.submit(lambda db: go.wait(5))
    with ThreadPoolExecutor(2) as pool:
        answers = [pool.submit(b.post, "/activities/new", f, token=t)
                   for b, f, t in zip(clerks, forms, tokens, strict=True)]
        time.sleep(0.5)
        go.set()
        held.result()
        codes = sorted(a.result().status_code for a in answers)
    assert codes == [303, 409] and _visits(site, w.pairing2, "2026-11-27") == 1


def test_the_phone_is_never_asked_a_visit_it_sends_for_a_day_with_one_entered_is_kept(site: Site) -> None:
    w = site.w
    assert site.as_(w.staff_st11).post("/activities/new", _form(w.pairing2, date="2026-11-26")).status_code == 303
    answers = site.write(lambda db: push(db, w.mentor2, upsert("activity", new_id(), {
        "pairing_id": w.pairing2, "kind": "home_visit", "date": "2026-11-26", "record": "晚上在手机上记的"}, 1)))
    assert answers[0]["status"] == "applied" and _visits(site, w.pairing2, "2026-11-26") == 2


MARK = "可能重复"


def _entered_then_sent_from_the_phone(site: Site, day: str = "2026-11-26") -> tuple[str, str]:
    """The station types in 李老师's visit of ``day`` (pairing2); that evening her phone sends the same
    visit as a 面对面谈心: the case the form cannot catch. Both ids, the entered one first."""
    w = site.w
    entered = _form(w.pairing2, date=day, record="李老师电话里说的：去孩子家看了作业。")
    assert site.as_(w.staff_st11).post("/activities/new", entered).status_code == 303
    phone = new_id()
    answers = site.write(lambda db: push(db, w.mentor2, upsert("activity", phone, {
        "pairing_id": w.pairing2, "kind": "talk", "date": day, "record": "晚上在手机上记的：去孩子家看了作业。"}, 1)))
    assert answers[0]["status"] == "applied", "the phone is never refused for it"
    return entered["record_id"], phone


def _card(page: str, activity_id: str) -> str:
    """The review queue's card of one visit."""
    start = page.index(f'id="{activity_id}"')
    return page[start:page.index("</article>", start)]


def _mark(page: str) -> str:
    """The 可能重复 mark of a visit's page ('' when there is none)."""
    found = re.search(r'<p class="warning maybe-twin">.*?</p>', page, re.S)
    return found.group(0) if found else ""


def _talks(site: Site) -> int:
    county = Scope(Actor("", "admin", ""), None)
    form = site.read(lambda db: compute_stats(db, county, site.w.st11, "2026-11-01", "2026-11-30"))
    return int(form.total.value("talks"))


def test_a_visit_sent_from_the_phone_for_a_day_one_was_entered_is_marked_on_the_queue_the_archive_and_its_page(
        site: Site) -> None:
    w = site.w
    talks = _talks(site)
    entered, phone = _entered_then_sent_from_the_phone(site)
    assert _talks(site) == talks + 2, "marking never hides a record: both count until one is deleted"
    queue = site.as_(w.staff_st11).get("/review").text
    for one, other in ((entered, phone), (phone, entered)):
        card = _card(queue, one)
        assert MARK in card and f'href="/activities/{other}"' in card, one
        page = site.as_(w.staff_st11).get(f"/activities/{one}").text
        assert MARK in page and f'href="/activities/{other}"' in page
    said = sentence(_card(queue, phone))
    assert "这个结对同一天还有一条面对面谈心（记录人李老师，站员一一代录），可能是同一次帮扶记了两次" in said
    assert "记录人李老师，手机上记的" in sentence(_card(queue, entered))
    archive = site.as_(w.staff_st11).get(f"/pairings/{w.pairing2}").text
    assert archive.count(MARK) == 2 and f'href="/activities/{phone}"' in archive
    assert MARK not in _card(queue, w.activity2), "the pairing's visit of another day is not marked"


def test_no_mark_for_visits_of_another_day_another_pairing_or_another_sort(site: Site) -> None:
    w = site.w
    staff = site.as_(w.staff_st11)
    for form in (_form(w.pairing2, date="2026-11-26"), _form(w.pairing1, date="2026-11-26"),
                 _form(w.pairing2, date="2026-11-27"), _form(w.pairing2, date="2026-11-26", kind="remote")):
        assert staff.post("/activities/new", form).status_code == 303, form
    assert MARK not in staff.get("/review").text
    assert MARK not in staff.get(f"/pairings/{w.pairing2}").text
    assert MARK not in staff.get(f"/activities/{w.activity1}").text


def _delete(staff: Browser, activity_id: str, **more: Any) -> Any:
    page = staff.get(f"/activities/{activity_id}").text
    version = re.search(r'name="base_version" value="(\d+)"', page)
    assert version, "the page offers the delete beside the mark"
    return staff.post(f"/activities/{activity_id}/delete", {"base_version": version.group(1), **more},
                      form_page=f"/activities/{activity_id}")


def test_the_extra_one_deleted_from_its_page_clears_the_mark_and_stays_in_the_archive_as_deleted(site: Site) -> None:
    w = site.w
    entered, phone = _entered_then_sent_from_the_phone(site)
    talks = _talks(site)
    staff = site.as_(w.staff_st11)
    unticked = _delete(staff, entered)
    assert unticked.status_code == 303 and "没有删除" in staff.get(unticked.headers["location"]).text
    gone = _delete(staff, entered, confirm="twin")
    assert gone.status_code == 303 and gone.headers["location"] == f"/pairings/{w.pairing2}"
    twice = staff.post(f"/activities/{entered}/delete", {"base_version": "1", "confirm": "twin"},
                       form_page=f"/pairings/{w.pairing2}")
    assert twice.status_code == 303 and twice.headers["location"] == gone.headers["location"], "as the first"
    assert _talks(site) == talks - 1
    last = site.read(lambda db: record_history(db, "activity", entered))[-1]
    assert (last["op"], last["user_id"]) == ("delete", w.staff_st11.user_id), "the deletion is audited, by whom"
    archive = staff.get(gone.headers["location"]).text
    assert MARK not in archive and "已删除的帮扶记录" in archive and "李老师电话里说的" in archive
    assert MARK not in staff.get("/review").text and MARK not in staff.get(f"/activities/{phone}").text
    assert "删除这条重复的记录" not in staff.get(f"/activities/{phone}").text, "offered only beside a twin"
    lone = staff.post(f"/activities/{phone}/delete", {"base_version": "1", "confirm": "twin"},
                      form_page=f"/activities/{phone}")
    assert lone.status_code == 303 and "这一条不是重复的" in staff.get(lone.headers["location"]).text
    assert site.read(lambda db: db.execute("SELECT deleted FROM activities WHERE id = ?", [phone]).fetchone()) == (0,)


def test_an_approved_twin_is_locked_and_its_page_says_to_return_it_or_delete_the_other(site: Site) -> None:
    w = site.w
    entered, phone = _entered_then_sent_from_the_phone(site)
    site.write(lambda db: db.execute("UPDATE activities SET review_status = 'approved' WHERE id = ?", [phone]))
    page = site.as_(w.staff_st11).get(f"/activities/{phone}").text
    assert MARK in page and "删除这条重复的记录" not in page and "请先由审核人退回，再删除" in page
    assert "删除这条重复的记录" in site.as_(w.staff_st11).get(f"/activities/{entered}").text


def test_the_marks_are_read_through_the_index_never_a_scan_of_all_activities(site: Site) -> None:
    entered, phone = _entered_then_sent_from_the_phone(site)
    found, lines = site.read(lambda db: query_plans(db, lambda db: twins_of(db, [entered, site.w.activity1])))
    assert [t["id"] for t in found[entered]] == [phone] and site.w.activity1 not in found
    assert not [line for line in lines if line.startswith("SCAN")], lines
    assert any("idx_activities_pairing_date" in line for line in lines), lines
    county = Scope(Actor("", "admin", ""), None)
    listed, _, _ = site.read(lambda db: waiting_activities(db, county))
    assert {entered, phone} <= {a["id"] for a in listed}


def test_the_form_showing_the_visits_it_names_is_in_the_access_log(site: Site) -> None:
    w = site.w
    assert site.as_(w.staff_st11).post("/activities/new", _form(w.pairing1)).status_code == 409
    rows = access_rows(site, "view_likely_visits", w.pairing1)
    assert len(rows) == 1 and rows[0]["user_id"] == w.staff_st11.user_id


def test_visits_ticked_as_two_are_not_marked_after_but_a_phones_copy_of_that_day_is(site: Site) -> None:
    """The station said they are two: marking them 可能重复 ever after would teach it to read past the
    mark. A third, sent from the phone later, was never said to be another, and is marked beside both."""
    w = site.w
    staff = site.as_(w.staff_st11)
    form = _form(w.pairing1)
    saved = staff.post("/activities/new", {**form, "another_visit": _tick(staff.post("/activities/new", form).text)})
    assert saved.status_code == 303
    for page in (f"/activities/{form['record_id']}", f"/activities/{w.activity1}", f"/pairings/{w.pairing1}",
                 "/review"):
        assert MARK not in staff.get(page).text, page
    phone = new_id()
    site.write(lambda db: push(db, w.mentor1, upsert("activity", phone, {
        "pairing_id": w.pairing1, "kind": "home_visit", "date": "2026-11-20", "record": "晚上又记了一次"}, 1)))
    page = staff.get(f"/activities/{phone}").text
    assert f'href="/activities/{w.activity1}"' in page and f'href="/activities/{form["record_id"]}"' in page
    archive = staff.get(f"/pairings/{w.pairing1}").text
    assert archive.count(MARK) == 3, "each of the three names the phone's copy; the phone's names both"
    entered = _mark(staff.get(f"/activities/{form['record_id']}").text)
    assert f'href="/activities/{phone}"' in entered and f'href="/activities/{w.activity1}"' not in entered


def test_a_ticked_entry_for_another_towns_pairing_shows_none_of_its_visits(site: Site) -> None:
    """The form refused for its pairing (not the visitor's) came back with the likely-twin box asked
    afresh, outside the write rules: a station that ticked the box beside another town's pairing read
    its visits of the day, who made them and the first words of 过程记录."""
    w = site.w
    answer = site.as_(w.staff_st11).post("/activities/new", _form(w.pairing3, kind="home_visit", another_visit="x"))
    assert answer.status_code == 400
    said = sentence(answer.text)
    assert "找不到结对" in said
    assert "张老师" not in said and "家访记录" not in said and w.activity3 not in answer.text
    assert _visits(site, w.pairing3, "2026-11-20") == 1
    assert access_rows(site, "view_likely_visits", w.pairing3) == []


def test_a_ticked_entry_refused_for_another_field_names_its_own_pairings_visits_again(site: Site) -> None:
    w = site.w
    answer = site.as_(w.staff_st11).post("/activities/new", _form(w.pairing1, duration_min="-5", another_visit="x"))
    assert answer.status_code == 400
    assert "这个结对在2026年11月20日已经有1条上门家访的帮扶记录" in sentence(answer.text)
    assert len(access_rows(site, "view_likely_visits", w.pairing1)) == 1


def _printed_twin(printed: str, record: str) -> tuple[int, int]:
    """The number of the print's entry whose words are ``record``, and the number its 可能重复 names."""
    entry = re.search(r"<h3>(\d+)\. (?:(?!<h3>).)*?【可能重复】(?:(?!<h3>).)*?（第 (\d+) 条，(?:(?!<h3>).)*?"
                      + re.escape(record), printed, re.S)
    assert entry, record
    return int(entry.group(1)), int(entry.group(2))


def test_the_archive_print_marks_likely_twins_in_words_each_naming_the_other_by_its_number(site: Site) -> None:
    """The county inspects the printed archive: a paper copy without the screen's mark counts both."""
    w = site.w
    entered, phone = _entered_then_sent_from_the_phone(site)
    staff = site.as_(w.staff_st11)
    printed = staff.get(f"/pairings/{w.pairing2}/print").text
    assert printed.count("【可能重复】") == 2 and MARK not in printed.replace("【可能重复】", "")
    assert "这个结对同一天还有一条面对面谈心（第" in sentence(printed)
    assert "可能是同一次帮扶记了两次，还没有核实" in sentence(printed)
    assert "记录人李老师，站员一一代录）" in sentence(printed) and "记录人李老师，手机上记的）" in sentence(printed)
    phone_n, names = _printed_twin(printed, "晚上在手机上记的")
    entered_n, names_back = _printed_twin(printed, "李老师电话里说的")
    assert (names, names_back) == (entered_n, phone_n), "each names the other's number"
    child = staff.get(f"/mentees/{w.mentee2}/print").text
    assert child.count("【可能重复】") == 2
    phone_n, names = _printed_twin(child, "晚上在手机上记的")
    entered_n, names_back = _printed_twin(child, "李老师电话里说的")
    assert (names, names_back) == (entered_n, phone_n), "numbered as the child's print numbers"


def test_the_print_marks_no_visit_of_another_day_nor_one_said_to_be_two(site: Site) -> None:
    w = site.w
    assert "【可能重复】" not in site.as_(w.staff_st11).get(f"/pairings/{w.pairing1}/print").text
    staff = site.as_(w.staff_st11)
    form = _form(w.pairing1)
    saved = staff.post("/activities/new", {**form, "another_visit": _tick(staff.post("/activities/new", form).text)})
    assert saved.status_code == 303
    assert "【可能重复】" not in staff.get(f"/pairings/{w.pairing1}/print").text


def test_the_check_code_changes_when_printed_twins_are_said_to_be_two(site: Site) -> None:
    """A paper copy marked 【可能重复】 is no longer the archive once the station says the visits are two:
    its check code says so. The archive with no mark at all keeps the code it had."""
    w = site.w
    code = re.compile(r'核对码 <span class="code">(\w{8})<')
    staff = site.as_(w.staff_st11)
    other = code.findall(staff.get(f"/pairings/{w.pairing1}/print").text)
    entered, phone = _entered_then_sent_from_the_phone(site)
    path = f"/pairings/{w.pairing2}/print"
    marked = code.findall(staff.get(path).text)
    here = f"/activities/{phone}"
    said = staff.post(f"{here}/not-twin", {"twins": entered, "confirm": "two"}, form_page=here)
    assert said.status_code == 303
    assert "【可能重复】" not in staff.get(path).text
    assert code.findall(staff.get(path).text) != marked, "the paper changed: so must its code"
    assert code.findall(staff.get(f"/pairings/{w.pairing2}").text)[0] == code.findall(staff.get(path).text)[0]
    assert code.findall(staff.get(f"/pairings/{w.pairing1}/print").text) == other
