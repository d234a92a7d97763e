"""Pairing a child anew whose volunteer was stopped (the stop form left the pairing running) ends the
old pairing in the write that creates the new one: /pairings/new shows the child's pairings with
stopped volunteers under a box 同时结束与 XX（已停用）的结对, ticked, and an end date (today).

Only pairings whose volunteer's account is stopped, in the person's scope, exactly those the form
showed at the versions it showed; anything else refuses the whole write (nothing saved). A post
again creates nothing and ends nothing.
"""
from __future__ import annotations

import re
from typing import Any

from server.queries.mentees import count_waiting
from sync import Actor, load_scope
from sync.stopping import deactivate_user
from sync.timeutil import local_today
from sync.users import create_user

from ...factories import make_mentee, make_pairing, mutate
from .conftest import Site, sentence
from .station import record_id_on

BOX = "同时结束与 赵老师（已停用）的结对"


def _stopped_volunteer(site: Site, unit: str, staff: Actor, login: str, name: str) -> dict[str, str]:
    """A child of ``unit`` paired with a volunteer ``name`` whose account was then stopped with the
    pairing left running (the stop form's box unticked)."""

    def build(db: Any) -> dict[str, str]:
        mentor = Actor(create_user(db, login=login, name=name, role="mentor", unit_id=unit,
                                   password_hash=None, must_change_password=False), "mentor", unit)
        child = make_mentee(db, staff, unit, code=f"RS-{login}")
        pairing = make_pairing(db, staff, mentor, child)
        deactivate_user(db, staff, mentor.user_id)
        return {"child": child, "pairing": pairing}

    made: dict[str, str] = site.write(build)
    return made


def _pairing(site: Site, pairing_id: str) -> dict[str, Any]:
    return dict(site.read(lambda db: next(db.query(
        "SELECT status, end_date, outcome, version FROM pairings WHERE id = ?", [pairing_id]))))


def _pairings_of(site: Site, child: str) -> list[str]:
    return [r[0] for r in site.read(lambda db: db.execute(
        "SELECT id FROM pairings WHERE mentee_id = ? ORDER BY id", [child]).fetchall())]


def _form(site: Site, child: str, ticked: bool = True, **extra: Any) -> dict[str, Any]:
    """What /pairings/new?mentee_id= posts for ``child`` with 李老师 chosen, box as ``ticked``."""
    page = site.as_(site.w.staff_st11).get(f"/pairings/new?mentee_id={child}").text
    items = re.findall(r'name="pairing" value="([^"]+)"', page)
    data = {"record_id": record_id_on(page), "mentor_id": site.w.mentor2.user_id, "mentee_id": child,
            "approach": "fuxin", "start_date": local_today().isoformat(), "goals": "",
            "stopped_for": child, "pairing": items, "end_date": local_today().isoformat()}
    if ticked:
        data["end_pairings"] = "1"
    return {**data, **extra}


def test_the_new_pairing_form_offers_to_end_the_childs_pairing_with_a_stopped_volunteer(site: Site) -> None:
    w = site.w
    old = _stopped_volunteer(site, w.st11, w.staff_st11, "rs-zhao", "赵老师")
    page = site.as_(w.staff_st11).get(f"/pairings/new?mentee_id={old['child']}").text
    text = sentence(page)
    assert BOX in text
    assert "志愿者赵老师已停用，等待新的志愿者" in text  # the child picker says so too, not a plain 已与赵老师结对
    assert re.search(r'<input type="checkbox" name="end_pairings" value="1" checked>', page)
    assert f'name="pairing" value="{old["pairing"]}:{_pairing(site, old["pairing"])["version"]}"' in page
    assert "原结对的结束日期" in text and f'name="end_date" type="date" value="{local_today().isoformat()}"' in page
    # A child whose volunteer is in service gets no box: only a stopped volunteer's pairing is offered.
    plain = site.as_(w.staff_st11).get(f"/pairings/new?mentee_id={w.mentee1}").text
    assert "同时结束" not in plain and 'name="pairing"' not in plain


def test_saving_the_new_pairing_ends_the_stopped_ones_in_the_same_write(site: Site) -> None:
    w = site.w
    old = _stopped_volunteer(site, w.st11, w.staff_st11, "rs-zhao", "赵老师")
    staff = site.as_(w.staff_st11)
    waiting_before = site.read(lambda db: count_waiting(db, load_scope(db, w.staff_st11)))
    data = _form(site, old["child"])
    response = staff.post("/pairings/new", data)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/pairings/{data['record_id']}"
    assert _pairing(site, old["pairing"]) == {"status": "closed", "end_date": local_today().isoformat(),
                                              "outcome": "mentor_left", "version": 2}
    assert _pairing(site, data["record_id"])["status"] == "active"
    audited = site.read(lambda db: db.execute(
        "SELECT user_id, op, status FROM sync_audit WHERE entity = 'pairing' AND record_id = ? ORDER BY rowid",
        [old["pairing"]]).fetchall())
    assert [tuple(r) for r in audited][-1] == (w.staff_st11.user_id, "update", "applied")
    # The child no longer waits: the station home's tile drops by one, its stopped figure to none.
    waiting_after = site.read(lambda db: count_waiting(db, load_scope(db, w.staff_st11)))
    assert waiting_after == {"all": waiting_before["all"] - 1, "stopped": 0}
    assert waiting_before["stopped"] == 1
    home = sentence(staff.get("/staff").text)
    assert "志愿者已停用" not in home


def test_left_unticked_only_the_new_pairing_is_made(site: Site) -> None:
    w = site.w
    old = _stopped_volunteer(site, w.st11, w.staff_st11, "rs-zhao", "赵老师")
    data = _form(site, old["child"], ticked=False)
    assert site.as_(w.staff_st11).post("/pairings/new", data).status_code == 303
    assert _pairing(site, old["pairing"])["status"] == "active"
    assert _pairing(site, data["record_id"])["status"] == "active"


def test_a_child_picked_in_the_list_whose_volunteer_was_stopped_is_asked_about_before_saving(site: Site) -> None:
    """The box shows only once the server knows the child; picked in the list and saved at once, the
    child would have kept the stopped volunteer's pairing running beside the new one. The form comes
    back with the box, nothing saved; saved from there, the old pairing ends with the new one made."""
    w = site.w
    old = _stopped_volunteer(site, w.st11, w.staff_st11, "rs-zhao", "赵老师")
    page = site.as_(w.staff_st11).get("/pairings/new").text
    data = {"record_id": record_id_on(page), "mentor_id": w.mentor2.user_id, "mentee_id": old["child"],
            "approach": "fuxin", "start_date": local_today().isoformat(), "goals": ""}
    response = site.as_(w.staff_st11).post("/pairings/new", data)
    assert response.status_code == 409 and BOX in sentence(response.text)
    assert "这次什么都没有保存" in sentence(response.text)
    assert _pairings_of(site, old["child"]) == [old["pairing"]]
    items = re.findall(r'name="pairing" value="([^"]+)"', response.text)
    again = {**data, "stopped_for": old["child"], "pairing": items, "end_pairings": "1",
             "end_date": local_today().isoformat()}
    assert site.as_(w.staff_st11).post("/pairings/new", again).status_code == 303
    assert _pairing(site, old["pairing"])["status"] == "closed"
    assert _pairing(site, data["record_id"])["status"] == "active"
    # A child with no pairing to a stopped volunteer is saved at once, as before.
    plain = site.as_(w.staff_st11).get("/pairings/new").text
    fresh = site.write(lambda db: make_mentee(db, w.staff_st11, w.st11, code="RS-fresh"))
    assert site.as_(w.staff_st11).post("/pairings/new", {**data, "record_id": record_id_on(plain),
                                                          "mentee_id": fresh}).status_code == 303


def test_a_pairing_changed_meanwhile_refuses_the_whole_write(site: Site) -> None:
    w = site.w
    old = _stopped_volunteer(site, w.st11, w.staff_st11, "rs-zhao", "赵老师")
    data = _form(site, old["child"])
    site.write(lambda db: mutate(db, w.staff_st11, "pairing", {"goals": "改过的目标"}, old["pairing"],
                                 base_version=1))
    response = site.as_(w.staff_st11).post("/pairings/new", data)
    assert response.status_code == 409
    assert "与 赵老师 的结对已被别人修改" in sentence(response.text) and "什么都没有保存" in response.text
    assert _pairings_of(site, old["child"]) == [old["pairing"]]
    assert _pairing(site, old["pairing"])["status"] == "active"
    # Shown again with the pairing as it is now, the box as the person left it, the same record id.
    assert f'name="pairing" value="{old["pairing"]}:2"' in response.text and BOX in sentence(response.text)
    assert record_id_on(response.text) == data["record_id"]


def test_a_posted_pairing_of_another_stations_child_or_of_an_active_volunteer_is_never_ended(site: Site) -> None:
    w = site.w
    old = _stopped_volunteer(site, w.st11, w.staff_st11, "rs-zhao", "赵老师")
    away = _stopped_volunteer(site, w.st21, w.staff_st21, "rs-qian", "钱老师")
    data = _form(site, old["child"])
    for forged in (f"{away['pairing']}:1", f"{w.pairing1}:1", f"{w.pairing3}:1"):
        response = site.as_(w.staff_st11).post("/pairings/new", {**data, "pairing": [*data["pairing"], forged]})
        assert response.status_code == 409, forged
        assert "什么都没有保存" in response.text
    for kept in (away["pairing"], w.pairing1, w.pairing3, old["pairing"]):
        assert _pairing(site, kept)["status"] == "active"
    assert _pairings_of(site, old["child"]) == [old["pairing"]]


def test_a_form_posted_twice_pairs_once_and_ends_the_old_pairing_once(site: Site) -> None:
    w = site.w
    old = _stopped_volunteer(site, w.st11, w.staff_st11, "rs-zhao", "赵老师")
    data = _form(site, old["child"])
    staff = site.as_(w.staff_st11)
    answers = [staff.post("/pairings/new", data) for _ in range(2)]
    assert [(a.status_code, a.headers["location"]) for a in answers] == [(303, f"/pairings/{data['record_id']}")] * 2
    assert sorted(_pairings_of(site, old["child"])) == sorted([old["pairing"], data["record_id"]])
    ends = site.read(lambda db: db.execute(
        "SELECT count(*) FROM sync_audit WHERE entity = 'pairing' AND record_id = ? AND changes LIKE '%mentor_left%'",
        [old["pairing"]]).fetchone()[0])
    assert ends == 1 and _pairing(site, old["pairing"])["version"] == 2


def test_the_box_stays_as_left_after_a_refusal_or_a_find(site: Site) -> None:
    w = site.w
    old = _stopped_volunteer(site, w.st11, w.staff_st11, "rs-zhao", "赵老师")
    staff = site.as_(w.staff_st11)
    data = _form(site, old["child"], ticked=False)
    refused = staff.post("/pairings/new", {**data, "start_date": ""})
    assert refused.status_code == 400 and BOX in sentence(refused.text)
    assert 'name="end_pairings" value="1">' in refused.text  # not checked
    found = staff.post("/pairings/new", {**data, "find": "1", "q_mentor": "李"})
    assert found.status_code == 303
    again = staff.get(found.headers["location"]).text
    assert BOX in sentence(again) and 'name="end_pairings" value="1">' in again
    assert _pairing(site, old["pairing"])["status"] == "active"


def test_a_child_chosen_after_the_box_was_shown_does_not_end_what_the_form_never_listed(site: Site) -> None:
    w = site.w
    first = _stopped_volunteer(site, w.st11, w.staff_st11, "rs-zhao", "赵老师")
    second = _stopped_volunteer(site, w.st11, w.staff_st11, "rs-sun", "孙老师")
    data = _form(site, first["child"])
    response = site.as_(w.staff_st11).post("/pairings/new", {**data, "mentee_id": second["child"]})
    # Asked about before any write: the form never listed 孙老师's pairing, whatever it said of 赵老师's.
    assert response.status_code == 409 and "这个孩子还在与账号已停用的志愿者结对" in sentence(response.text)
    assert "同时结束与 孙老师（已停用）的结对" in sentence(response.text)
    assert _pairing(site, first["pairing"])["status"] == _pairing(site, second["pairing"])["status"] == "active"
    assert _pairings_of(site, second["child"]) == [second["pairing"]]


def test_a_garbled_or_future_end_is_refused_in_words_and_saves_nothing(site: Site) -> None:
    w = site.w
    old = _stopped_volunteer(site, w.st11, w.staff_st11, "rs-zhao", "赵老师")
    data = _form(site, old["child"])
    for bad, words in (({"pairing": "not-a-pairing"}, "表单里的结对信息不完整"),
                       ({"end_date": "2099-01-01"}, "结束日期不能晚于今天"),
                       ({"end_date": "2026-02-30"}, "结束日期"), ({"end_date": ""}, "请填写结对的结束日期")):
        response = site.as_(w.staff_st11).post("/pairings/new", {**data, **bad})
        assert response.status_code == 400 and words in sentence(response.text), bad
    assert _pairings_of(site, old["child"]) == [old["pairing"]]
    assert _pairing(site, old["pairing"])["status"] == "active"
