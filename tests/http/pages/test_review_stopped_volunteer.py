"""A visit whose volunteer's account is stopped (停用) is never returned to her: she can no longer
see or fix it, so it would wait as 已退回 for ever. The queue offers no 退回 on it and says what to do
instead (approve it, or have the station correct it on its own page); a return posted anyway is
refused in words with nothing written; one returned before the stop says nobody will correct it.
A 代录 visit goes back to its 代录人, who is still at work, so it may be returned as before.
"""
from __future__ import annotations

import re
from typing import Any

from sync import Actor
from sync.stopping import deactivate_user
from sync.users import create_user

from ...factories import make_activity, make_mentee, make_pairing, mutate, row
from .conftest import Site, sentence


def _card(page: str, visit: str) -> str:
    """The queue's card of ``visit``, tags and all."""
    found = re.search(rf'<article class="card[^"]*" id="{visit}">(.*?)</article>', page, re.S)
    assert found is not None, visit
    return found.group(1)


def _stopped_volunteers_visit(site: Site, *, returned: bool = False, entered: bool = False) -> dict[str, str]:
    """A visit of st11's 赵老师 waiting in the queue (returned to her first with ``returned``; typed in
    by the station with ``entered``), then her account stopped with her pairing left running."""
    w = site.w

    def build(db: Any) -> dict[str, str]:
        mentor = Actor(create_user(db, login="rs-zhao", name="赵老师", role="mentor", unit_id=w.st11,
                                   password_hash=None, must_change_password=False), "mentor", w.st11)
        child = make_mentee(db, w.staff_st11, w.st11, code="RS-ZHAO", name="小军")
        pairing = make_pairing(db, w.staff_st11, mentor, child)
        visit = make_activity(db, w.staff_st11 if entered else mentor, pairing)
        if returned:
            mutate(db, w.reviewer, "review", {"target_entity": "activity", "target_id": visit,
                                              "decision": "return", "comment": "请补上下次跟踪日期"})
        deactivate_user(db, w.staff_st11, mentor.user_id)
        return {"visit": visit, "mentor": mentor.user_id}

    made: dict[str, str] = site.write(build)
    return made


def test_the_queue_offers_no_return_to_a_stopped_volunteer_and_says_what_to_do(site: Site) -> None:
    w = site.w
    made = _stopped_volunteers_visit(site)
    card = _card(site.as_(w.staff_st11).get("/review").text, made["visit"])
    assert 'value="approve"' in card and 'value="return"' not in card
    words = sentence(card)
    assert "志愿者的账号已停用，不能再退回给志愿者。请审核通过；内容要改的，请打开修改页由工作人员修改" in words
    assert f'/activities/{made["visit"]}/edit' in card
    # Another volunteer's visit keeps its 退回.
    assert 'value="return"' in _card(site.as_(w.staff_st11).get("/review").text, w.activity2)


def test_a_return_posted_for_a_stopped_volunteers_visit_is_refused_in_words_and_nothing_is_written(
        site: Site) -> None:
    w = site.w
    made = _stopped_volunteers_visit(site)
    before = site.read(lambda db: row(db, "activity", made["visit"]))
    response = site.as_(w.staff_st11).post("/review", {
        "target_entity": "activity", "target_id": made["visit"], "target_version": str(before["version"]),
        "decision": "return", "comment": "请补上下次跟踪日期"})
    assert response.status_code == 400
    assert "没有保存：这条帮扶记录的志愿者账号已停用，退回后没有人会修改它，所以不能退回。" in sentence(response.text)
    after = site.read(lambda db: row(db, "activity", made["visit"]))
    assert (after["review_status"], after["version"], after["review_comment"]) == ("pending", before["version"], None)
    assert site.read(lambda db: db.execute("SELECT count(*) FROM reviews WHERE target_id = ?",
                                           [made["visit"]]).fetchone()[0]) == 0


def test_a_visit_returned_before_its_volunteer_was_stopped_says_nobody_will_correct_it_and_may_be_approved(
        site: Site) -> None:
    w = site.w
    made = _stopped_volunteers_visit(site, returned=True)
    browser = site.as_(w.staff_st11)
    words = sentence(_card(browser.get("/review").text, made["visit"]))
    assert "已退回，但志愿者的账号已停用，不会再修改。退回意见：请补上下次跟踪日期" in words
    assert "等志愿者修改" not in words
    version = site.read(lambda db: row(db, "activity", made["visit"]))["version"]
    response = browser.post("/review", {"target_entity": "activity", "target_id": made["visit"],
                                        "target_version": str(version), "decision": "approve", "comment": ""})
    assert response.status_code == 303
    assert site.read(lambda db: row(db, "activity", made["visit"]))["review_status"] == "approved"


def test_a_county_reviewer_is_told_the_station_corrects_a_stopped_volunteers_visit(site: Site) -> None:
    made = _stopped_volunteers_visit(site)
    card = _card(site.as_(site.w.reviewer).get("/review").text, made["visit"])
    assert "请辅导站的工作人员在这条记录的页面上修改" in sentence(card) and "/edit" not in card


def test_a_visit_entered_for_a_stopped_volunteer_is_still_returned_to_its_entering_staff(site: Site) -> None:
    w = site.w
    made = _stopped_volunteers_visit(site, entered=True)
    browser = site.as_(w.reviewer)
    assert 'value="return"' in _card(browser.get("/review").text, made["visit"])
    version = site.read(lambda db: row(db, "activity", made["visit"]))["version"]
    response = browser.post("/review", {"target_entity": "activity", "target_id": made["visit"],
                                        "target_version": str(version), "decision": "return", "comment": "请补全"})
    assert response.status_code == 303
    assert site.read(lambda db: row(db, "activity", made["visit"]))["review_status"] == "returned"


def test_an_approved_visit_of_a_stopped_volunteer_may_still_be_returned_so_the_station_can_correct_it(
        site: Site) -> None:
    """Approved, a visit is locked; its return is the only way to open it again, for the station to
    correct it on its own page (a pending one is corrected there directly)."""
    w = site.w
    made = _stopped_volunteers_visit(site)
    browser = site.as_(w.staff_st11)
    version = site.read(lambda db: row(db, "activity", made["visit"]))["version"]
    approved = browser.post("/review", {"target_entity": "activity", "target_id": made["visit"],
                                        "target_version": str(version), "decision": "approve", "comment": ""})
    assert approved.status_code == 303
    version = site.read(lambda db: row(db, "activity", made["visit"]))["version"]
    response = browser.post("/review", {"target_entity": "activity", "target_id": made["visit"],
                                        "target_version": str(version), "decision": "return", "comment": "日期写错了"})
    assert response.status_code == 303, sentence(response.text)
    assert site.read(lambda db: row(db, "activity", made["visit"]))["review_status"] == "returned"
