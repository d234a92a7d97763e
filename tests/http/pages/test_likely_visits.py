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

from sync.ids import new_id

from ...factories import make_activity, push, remove, upsert
from .conftest import Site, sentence

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
