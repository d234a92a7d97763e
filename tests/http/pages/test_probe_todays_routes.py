"""Today's routes tried from outside as an attacker and a careless person would: 结束帮扶
(/mentees/{id}/leave), 不是重复 (/activities/{id}/not-twin) and the widened delete of a twin, 升年级
(/units/{id}/promote-grades) and 全部转出 of one grade (/units/{id}/move-children?grade=…). Every role and
another town's staff, wrong methods, a missing or foreign token, ids of other units' records, of deleted
records and children, huge and malformed ids, forms sent twice and by two at once, forged hidden fields and
hostile strings; and the routes one after another on one child. Each must answer a Chinese 4xx (never a
500), write nothing when it refuses, show no child outside the visitor's scope, log the views that show
children and audit each write once."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote_from_bytes

import pytest

from server.devices import issue_code
from sync.timeutil import local_today

from ...factories import make_activity, make_mentee, mutate, remove, row
from .conftest import Browser, Site, at_once, sentence
from .fuzzing import as_bytes
from .test_grade_promotion import SEPTEMBER, _today, last_school_year
from .test_probe_recent_routes import HOSTILE, HUGE, _chinese_refusal, _post, _twin, _written

ROLES = ["admin", "reviewer", "staff_town2", "staff_st12", "staff_st21"]


def _written_too(site: Site) -> tuple[Any, ...]:
    """The tables of today's writes beyond those ``_written`` reads."""
    return (*_written(site), *site.read(lambda db: tuple(db.execute(sql).fetchall() for sql in (
        "SELECT * FROM grade_promotions ORDER BY unit_id, school_year",
        "SELECT * FROM promoted_children ORDER BY mentee_id, school_year",
        "SELECT id, grade, status FROM mentees ORDER BY id",
        "SELECT id, status, end_date, outcome FROM pairings ORDER BY id",
    ))))


def _leave_form(browser: Browser, mentee_id: str) -> dict[str, Any]:
    page = browser.get(f"/mentees/{mentee_id}/leave")
    assert page.status_code == 200, page.text[:300]
    return {"base_version": re.search(r'name="base_version" value="(\d+)"', page.text)[1],  # type: ignore[index]
            "pairing": re.findall(r'name="pairing" value="([^"]+)"', page.text),
            "end_date": local_today().isoformat(), "outcome": "stable", "reason": "graduated"}


def _accesses(site: Site, action: str) -> int:
    return int(site.read(lambda db: db.execute("SELECT count(*) FROM access_log WHERE action = ?",
                                               [action]).fetchone()[0]))


# --- 结束帮扶: /mentees/{id}/leave ---------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_leaving_care_is_refused_to_those_outside_the_childs_file_and_names_nothing(site: Site, who: str) -> None:
    w = site.w
    path = f"/mentees/{w.mentee1}/leave"
    form = _leave_form(site.as_(w.staff_st11), w.mentee1)
    before = _written_too(site)
    other = site.as_(getattr(w, who))
    for answer in (other.get(path), other.post(path, form, form_page="/mentees")):
        text = _chinese_refusal(answer, 403, 404)
        assert "小明" not in text and "王老师" not in text
    assert _written_too(site) == before


def test_leaving_care_signed_out_without_a_token_or_by_a_wrong_method_writes_nothing(site: Site) -> None:
    w = site.w
    path = f"/mentees/{w.mentee1}/leave"
    station = site.as_(w.staff_st11)
    form = _leave_form(station, w.mentee1)
    before = _written_too(site)
    stranger = site.browser()
    assert stranger.get(path).status_code in (303, 401)
    assert stranger.client.post(path, data=form, follow_redirects=False).status_code in (303, 401, 403)
    _chinese_refusal(station.client.post(path, data=form, follow_redirects=False), 400, 403)
    _chinese_refusal(station.post(path, form, token="forged.token"), 400, 403)
    _chinese_refusal(station.post(path, form, token=site.as_(w.staff_st12).token("/mentees")), 400, 403)
    for method in ("put", "delete", "patch"):
        assert getattr(station.client, method)(path).status_code == 405
    assert _written_too(site) == before


@pytest.mark.parametrize("raw", HUGE)
def test_leaving_care_of_a_malformed_or_huge_id_is_not_found(site: Site, raw: str) -> None:
    station = site.as_(site.w.staff_st11)
    before = _written_too(site)
    _chinese_refusal(station.get(f"/mentees/{raw}/leave"), 404)
    _chinese_refusal(station.post(f"/mentees/{raw}/leave", {"end_date": "2026-12-01", "outcome": "stable"},
                                  form_page="/mentees"), 404)
    assert _written_too(site) == before


def test_leaving_care_of_a_deleted_child_or_another_towns_is_not_found(site: Site) -> None:
    w = site.w
    gone = site.write(lambda db: make_mentee(db, w.staff_st11, w.st11, name="小丽"))
    site.write(lambda db: remove(db, w.staff_st11, "mentee", gone))
    station = site.as_(w.staff_st11)
    before = _written_too(site)
    for child in (gone, w.mentee3):
        _chinese_refusal(station.get(f"/mentees/{child}/leave"), 404)
        text = _chinese_refusal(station.post(f"/mentees/{child}/leave", {"end_date": "2026-12-01",
                                                                          "outcome": "stable"},
                                             form_page="/mentees"), 404)
        assert "小丽" not in text and "小芳" not in text
    assert _written_too(site) == before


@pytest.mark.parametrize("field", ["end_date", "outcome", "base_version", "pairing"])
@pytest.mark.parametrize("value", [*HOSTILE, "2026-02-30", "9999-12-31", "referred", "mentor_left"])
def test_hostile_or_forged_fields_in_leaving_care_are_refused_in_words(site: Site, field: str, value: str) -> None:
    w = site.w
    station = site.as_(w.staff_st11)
    form = _leave_form(station, w.mentee1)
    before = _written_too(site)
    fields = [(k, v) for k, v in form.items() if k != field and k != "pairing"]
    fields += [("pairing", p) for p in form["pairing"]] if field != "pairing" else [("pairing", value)]
    fields.append((field, value)) if field != "pairing" else None
    answer = _post(station, f"/mentees/{w.mentee1}/leave", fields)
    assert answer.status_code in (400, 409), answer.text[:300]
    _chinese_refusal(answer, 400, 409)
    assert _written_too(site) == before


def test_a_pairing_of_another_child_or_town_slipped_into_leaving_care_ends_nothing(site: Site) -> None:
    w = site.w
    station = site.as_(w.staff_st11)
    form = _leave_form(station, w.mentee1)
    before = _written_too(site)
    for foreign in (w.pairing2, w.pairing3):
        version = site.read(lambda db, p=foreign: row(db, "pairing", p)["version"])
        answer = station.post(f"/mentees/{w.mentee1}/leave", {**form, "pairing": [*form["pairing"],
                                                                                  f"{foreign}:{version}"]})
        text = _chinese_refusal(answer, 409)
        assert "张老师" not in text and "小芳" not in text
    assert _written_too(site) == before


def test_two_clerks_ending_care_at_once_write_it_once(site: Site) -> None:
    w = site.w
    path = f"/mentees/{w.mentee1}/leave"
    a, b = site.as_(w.staff_st11), site.as_(w.staff_town1)
    forms = [(a, _leave_form(a, w.mentee1), a.token(path)), (b, _leave_form(b, w.mentee1), b.token(path))]
    answers = at_once(*(lambda x=x, form=form, token=token: x.post(path, form, token=token)
                        for x, form, token in forms))
    assert all(r.status_code in (303, 409) for r in answers), [r.text[:300] for r in answers]
    audits = site.read(lambda db: db.execute(
        "SELECT entity, count(*) FROM sync_audit WHERE record_id IN (?, ?) AND op != 'create' GROUP BY entity",
        [w.mentee1, w.pairing1]).fetchall())
    assert sorted(tuple(r) for r in audits) == [("mentee", 1), ("pairing", 1)]


def test_the_leave_page_logs_the_view_of_the_child(site: Site) -> None:
    before = _accesses(site, "leave_care")
    assert site.as_(site.w.staff_st11).get(f"/mentees/{site.w.mentee1}/leave").status_code == 200
    assert _accesses(site, "leave_care") == before + 1


def test_the_volunteers_phone_loses_a_child_who_left_care_at_its_next_pull(site: Site) -> None:
    w = site.w
    code = site.write(lambda db: issue_code(db, site.login_of(w.mentor1), hours=1))["code"]
    phone = site.browser().client
    token = phone.post("/api/enrol", json={"code": code, "device_name": "王老师的手机"}).json()["token"]
    auth = {"Authorization": "Bearer " + token}
    first = phone.get("/api/sync/pull", headers=auth).json()
    assert any(c["record_id"] == w.mentee1 for c in first["changes"])
    station = site.as_(w.staff_st11)
    assert station.post(f"/mentees/{w.mentee1}/leave", _leave_form(station, w.mentee1)).status_code == 303
    later = phone.get("/api/sync/pull", headers=auth, params={"cursor": first["cursor"]}).json()
    dropped = {(d["entity"], d["record_id"]) for d in later["drop"]}
    assert ("mentee", w.mentee1) in dropped and ("pairing", w.pairing1) in dropped, later
    assert ("activity", w.activity1) in dropped, later
    assert not any(c["record_id"] in (w.mentee1, w.pairing1) for c in later["changes"]), later


# --- the routes one after another on a child who left care ---------------------------------


def test_a_child_who_left_care_is_neither_promoted_nor_listed_to_leave_again(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """In July a 六年级 girl left care (毕业离校) and her file stays at the school, closed, for the
    county's inspection. September's 升年级 must not rewrite her closed archive as 七年级, nor list a
    九年级 leaver who left care already among the 毕业班 with 结束帮扶 beside her, year after year."""
    w = site.w
    for mentee, grade in ((w.mentee1, "六年级"), (w.mentee2, "九年级"), (w.mentee_unpaired, "三年级")):
        site.write(lambda db, m=mentee, g=grade: mutate(db, w.staff_st11, "mentee", {"grade": g}, m,
                                                        base_version=row(db, "mentee", m)["version"]))
    last_school_year(site)  # last year's grades
    station = site.as_(w.staff_st11)
    for mentee in (w.mentee1, w.mentee2):
        assert station.post(f"/mentees/{mentee}/leave", _leave_form(station, mentee)).status_code == 303
    _today(monkeypatch, SEPTEMBER)
    path = f"/units/{w.st11}/promote-grades"
    page = station.get(path)
    assert page.status_code == 200
    shown = re.findall(r'name="child" value="([^":]+):', page.text)
    assert shown == [w.mentee_unpaired], shown
    text = sentence(page.text)
    assert "小红" not in text and "小明" not in text
    # A form forged with the closed children's ids and versions promotes them no more than the page did.
    forged = [f"{m}:{site.read(lambda db, m=m: row(db, 'mentee', m)['version'])}" for m in (w.mentee1, w.mentee2)]
    answer = station.post(path, {"child": [*re.findall(r'name="child" value="([^"]+)"', page.text), *forged],
                                 "confirm": "yes"})
    assert answer.status_code == 200, answer.text[:300]
    grades = site.read(lambda db: [row(db, "mentee", m)["grade"] for m in (w.mentee1, w.mentee2, w.mentee_unpaired)])
    assert grades == ["六年级", "九年级", "四年级"]


def test_a_child_who_left_care_after_the_promotion_form_was_shown_is_named_and_not_promoted(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    w = site.w
    for mentee, grade in ((w.mentee1, "六年级"), (w.mentee2, "三年级")):
        site.write(lambda db, m=mentee, g=grade: mutate(db, w.staff_st11, "mentee", {"grade": g}, m,
                                                        base_version=row(db, "mentee", m)["version"]))
    last_school_year(site)  # last year's grades
    station = site.as_(w.staff_st11)
    leave = _leave_form(station, w.mentee1)
    _today(monkeypatch, SEPTEMBER)
    path = f"/units/{w.st11}/promote-grades"
    form = {"child": re.findall(r'name="child" value="([^"]+)"', station.get(path).text), "confirm": "yes"}
    assert len(form["child"]) == 2
    assert station.post(f"/mentees/{w.mentee1}/leave", leave).status_code == 303
    answer = station.post(path, form)
    assert answer.status_code == 200, answer.text[:300]
    assert "打开页面后已结束帮扶" in sentence(answer.text)
    assert site.read(lambda db: [row(db, "mentee", m)["grade"] for m in (w.mentee1, w.mentee2)]) == ["六年级", "四年级"]


def test_leaving_care_again_writes_nothing_and_the_leave_page_says_she_left(site: Site) -> None:
    w = site.w
    station = site.as_(w.staff_st11)
    form = _leave_form(station, w.mentee1)
    assert station.post(f"/mentees/{w.mentee1}/leave", form).status_code == 303
    before = _written_too(site)
    again = station.get(f"/mentees/{w.mentee1}/leave")
    assert again.status_code in (200, 303, 400, 409)
    assert station.post(f"/mentees/{w.mentee1}/leave", form).status_code == 303
    assert _written_too(site) == before


# --- 不是重复: POST /activities/{id}/not-twin ---------------------------------------------------


def _key(browser: Browser, activity_id: str) -> str:
    found = re.search(r'name="twins" value="([^"]+)"', browser.get(f"/activities/{activity_id}").text)
    assert found
    return found.group(1)


@pytest.mark.parametrize("who", ["staff_town2", "staff_st12", "staff_st21"])
def test_not_twin_is_refused_outside_the_visits_scope_and_names_nothing(site: Site, who: str) -> None:
    w = site.w
    twin = _twin(site)
    key = _key(site.as_(w.staff_st11), twin)
    before = _written_too(site)
    other = site.as_(getattr(w, who))
    text = _chinese_refusal(other.post(f"/activities/{twin}/not-twin", {"twins": key, "confirm": "two"},
                                       form_page="/mentees"), 403, 404)
    assert "同一次家访" not in text and "小明" not in text
    assert _written_too(site) == before


def test_not_twin_signed_out_without_a_token_or_by_get_writes_nothing(site: Site) -> None:
    w = site.w
    twin = _twin(site)
    path = f"/activities/{twin}/not-twin"
    station = site.as_(w.staff_st11)
    form = {"twins": _key(station, twin), "confirm": "two"}
    before = _written_too(site)
    assert site.browser().client.post(path, data=form, follow_redirects=False).status_code in (303, 401, 403)
    _chinese_refusal(station.client.post(path, data=form, follow_redirects=False), 400, 403)
    _chinese_refusal(station.post(path, form, token="x.y"), 400, 403)
    _chinese_refusal(station.post(path, form, token=site.as_(w.staff_st12).token("/mentees")), 400, 403)
    assert station.get(path).status_code == 405
    assert _written_too(site) == before


@pytest.mark.parametrize("raw", HUGE)
def test_not_twin_of_a_malformed_id_is_not_found(site: Site, raw: str) -> None:
    station = site.as_(site.w.staff_st11)
    before = _written_too(site)
    _chinese_refusal(station.post(f"/activities/{raw}/not-twin", {"twins": site.w.activity1, "confirm": "two"},
                                  form_page="/mentees"), 404)
    assert _written_too(site) == before


@pytest.mark.parametrize("twins", [*HOSTILE, "+", "++", "x+y", "9" * 40])
def test_hostile_twin_keys_write_nothing(site: Site, twins: str) -> None:
    twin = _twin(site)
    station = site.as_(site.w.staff_st11)
    before = _written_too(site)
    answer = _post(station, f"/activities/{twin}/not-twin", [("twins", twins), ("confirm", "two")],
                   form_page=f"/activities/{twin}")
    assert answer.status_code in (303, 400), answer.text[:300]
    assert "Traceback" not in answer.text
    assert _written_too(site) == before


def test_twin_ids_of_another_pairing_or_town_say_nothing_of_them(site: Site) -> None:
    """A forged key naming visits of another pairing and another town beside the real twin: only the
    real pair is kept, and no other visit is said to be two with it."""
    w = site.w
    twin = _twin(site)
    station = site.as_(w.staff_st11)
    answer = station.post(f"/activities/{twin}/not-twin",
                          {"twins": f"{w.activity1}+{w.activity2}+{w.activity3}", "confirm": "two"},
                          form_page=f"/activities/{twin}")
    assert answer.status_code == 303
    pairs = site.read(lambda db: db.execute("SELECT activity_id, other_id FROM distinct_visits").fetchall())
    assert sorted(tuple(p) for p in pairs) == sorted([(twin, w.activity1), (w.activity1, twin)])
    # Only the foreign ones: nothing kept, nothing said of them.
    before = _written_too(site)
    lone = _twin(site)
    site.write(lambda db: remove(db, w.staff_st11, "activity", lone))
    for key in (f"{w.activity3}", f"{w.activity2}+{w.activity3}"):
        answer = station.post(f"/activities/{w.activity2}/not-twin", {"twins": key, "confirm": "two"},
                              form_page="/mentees")
        assert answer.status_code in (303, 400)
        page = sentence(station.get(answer.headers.get("location", "/")).text) if answer.status_code == 303 else ""
        assert "张老师" not in page and "小芳" not in page
    assert _written_too(site)[-4:] == before[-4:]


def test_two_saying_not_twin_at_once_keep_it_once_and_audit_once(site: Site) -> None:
    w = site.w
    twin = _twin(site)
    a, b = site.as_(w.staff_st11), site.as_(w.staff_town1)
    jobs = [(a, twin, _key(a, twin), a.token(f"/activities/{twin}")),
            (b, w.activity1, _key(b, w.activity1), b.token(f"/activities/{w.activity1}"))]
    answers = at_once(*(lambda x=x, activity=activity, key=key, token=token: x.post(
        f"/activities/{activity}/not-twin", {"twins": key, "confirm": "two"}, token=token)
        for x, activity, key, token in jobs))
    assert [r.status_code for r in answers] == [303, 303]
    audits = site.read(lambda db: db.execute(
        "SELECT count(*) FROM sync_audit WHERE entity = 'distinct_visits'").fetchone()[0])
    rows = site.read(lambda db: db.execute("SELECT count(*) FROM distinct_visits").fetchone()[0])
    assert (audits, rows) == (1, 2)


def test_said_not_twin_then_deleted_then_its_twin_deleted_leaves_the_days_visit(site: Site) -> None:
    """不是重复 said, then the extra one deleted as the same visit after all: the one left has no twin, and
    its own delete is refused in words, so the day never loses both."""
    w = site.w
    twin = _twin(site)
    station = site.as_(w.staff_st11)
    assert station.post(f"/activities/{twin}/not-twin", {"twins": _key(station, twin), "confirm": "two"},
                        form_page=f"/activities/{twin}").status_code == 303
    version = site.read(lambda db: row(db, "activity", twin)["version"])
    assert station.post(f"/activities/{twin}/delete", {"confirm": "twin", "base_version": version},
                        form_page=f"/activities/{twin}").status_code == 303
    assert site.read(lambda db: row(db, "activity", twin)["deleted"])
    before = _written_too(site)
    version = site.read(lambda db: row(db, "activity", w.activity1)["version"])
    answer = station.post(f"/activities/{w.activity1}/delete", {"confirm": "twin", "base_version": version},
                          form_page=f"/activities/{w.activity1}")
    assert answer.status_code == 303
    assert "不是重复的" in sentence(station.get(answer.headers["location"]).text)
    assert _written_too(site) == before
    page = sentence(station.get(f"/activities/{w.activity1}").text)
    assert "可能重复" not in page and "不是重复（确实是两次帮扶）" not in page
    # Said not-twin again on the one left: nothing to say, nothing written.
    answer = station.post(f"/activities/{w.activity1}/not-twin", {"twins": twin, "confirm": "two"},
                          form_page=f"/activities/{w.activity1}")
    assert answer.status_code == 303
    assert _written_too(site) == before


def test_a_visit_of_another_sort_or_day_is_no_twin_to_delete_by(site: Site) -> None:
    w = site.w
    call = site.write(lambda db: make_activity(db, w.mentor1, w.pairing1, kind="remote", record="电话"))
    other_day = site.write(lambda db: make_activity(db, w.mentor1, w.pairing1, date="2026-11-21"))
    station = site.as_(w.staff_st11)
    before = _written_too(site)
    for visit in (call, other_day, w.activity1):
        version = site.read(lambda db, v=visit: row(db, "activity", v)["version"])
        answer = station.post(f"/activities/{visit}/delete", {"confirm": "twin", "base_version": version},
                              form_page=f"/activities/{visit}")
        assert answer.status_code == 303
    assert _written_too(site) == before


# --- 升年级: /units/{id}/promote-grades ---------------------------------------------------------


@pytest.fixture
def september(monkeypatch: pytest.MonkeyPatch) -> None:
    _today(monkeypatch, SEPTEMBER)


def _grades(site: Site, **grades: str) -> None:
    w = site.w
    for name, grade in grades.items():
        mentee_id = getattr(w, name)
        site.write(lambda db, m=mentee_id, g=grade: mutate(db, w.staff_st11, "mentee", {"grade": g}, m,
                                                           base_version=row(db, "mentee", m)["version"]))
    last_school_year(site)  # typed last school year: a promotion moves them up


def _promotion_form(browser: Browser, unit: str) -> dict[str, Any]:
    page = browser.get(f"/units/{unit}/promote-grades")
    assert page.status_code == 200, page.text[:300]
    return {"child": re.findall(r'name="child" value="([^"]+)"', page.text), "confirm": "yes"}


@pytest.mark.parametrize("who", ["reviewer", "staff_town2", "staff_st12", "staff_st21"])
def test_promotion_is_refused_outside_the_units_scope_and_names_nothing(site: Site, september: None,
                                                                      who: str) -> None:
    w = site.w
    _grades(site, mentee1="五年级", mentee2="七年级（3）班")
    path = f"/units/{w.st11}/promote-grades"
    form = _promotion_form(site.as_(w.staff_st11), w.st11)
    before = _written_too(site)
    other = site.as_(getattr(w, who))
    for answer in (other.get(path), other.post(path, form, form_page="/mentees")):
        text = _chinese_refusal(answer, 403, 404)
        assert "小明" not in text and "小红" not in text
    assert _written_too(site) == before


def test_promotion_signed_out_without_a_token_by_a_wrong_method_or_of_a_town_writes_nothing(
        site: Site, september: None) -> None:
    w = site.w
    _grades(site, mentee1="五年级")
    path = f"/units/{w.st11}/promote-grades"
    station = site.as_(w.staff_st11)
    form = _promotion_form(station, w.st11)
    before = _written_too(site)
    assert site.browser().client.post(path, data=form, follow_redirects=False).status_code in (303, 401, 403)
    _chinese_refusal(station.client.post(path, data=form, follow_redirects=False), 400, 403)
    _chinese_refusal(station.post(path, form, token=site.as_(w.staff_st12).token("/mentees")), 400, 403)
    for method in ("put", "delete", "patch"):
        assert getattr(station.client, method)(path).status_code == 405
    town = site.as_(w.staff_town1)
    for unit in (w.town1, w.county):
        _chinese_refusal(town.get(f"/units/{unit}/promote-grades"), 404)
        _chinese_refusal(town.post(f"/units/{unit}/promote-grades", form, form_page="/mentees"), 404)
    assert _written_too(site) == before


def test_a_forged_child_of_another_unit_or_town_is_not_promoted_nor_named(site: Site, september: None) -> None:
    w = site.w
    _grades(site, mentee1="五年级")
    site.write(lambda db: mutate(db, w.staff_st21, "mentee", {"grade": "三年级"}, w.mentee3,
                                 base_version=row(db, "mentee", w.mentee3)["version"]))
    station = site.as_(w.staff_st11)
    version = site.read(lambda db: row(db, "mentee", w.mentee3)["version"])
    answer = station.post(f"/units/{w.st11}/promote-grades",
                          {"child": [f"{w.mentee3}:{version}", f"{w.mentee3}:1"], "confirm": "yes"})
    assert answer.status_code in (200, 400), answer.text[:300]
    assert "小芳" not in sentence(answer.text)
    assert site.read(lambda db: row(db, "mentee", w.mentee3)["grade"]) == "三年级"


@pytest.mark.parametrize("value", [*HOSTILE, "1:1", ":", "x:99999999999999999999"])
def test_hostile_children_in_the_promotion_form_are_refused_in_words(site: Site, september: None,
                                                                     value: str) -> None:
    w = site.w
    _grades(site, mentee1="五年级")
    station = site.as_(w.staff_st11)
    before = _written_too(site)
    for fields in ([("child", value), ("confirm", "yes")],
                   [("child", f"{w.mentee1}:{value}"), ("confirm", "yes")],
                   [("child", value), ("confirm", value)]):
        answer = _post(station, f"/units/{w.st11}/promote-grades", fields)
        assert answer.status_code in (200, 400), answer.text[:300]
        assert "Traceback" not in answer.text
    assert _written_too(site) == before


@pytest.mark.parametrize("grade", ["初一", "七年级", "初三", "学前班", "九年级（2）班", "高三", "七" * 30,
                                   "<b>六年级</b>"])
def test_every_grade_as_typed_is_promoted_or_named_and_nothing_breaks(site: Site, september: None,
                                                                     grade: str) -> None:
    w = site.w
    _grades(site, mentee1=grade)
    station = site.as_(w.staff_st11)
    form = _promotion_form(station, w.st11)
    answer = station.post(f"/units/{w.st11}/promote-grades", {**form, "confirm": "yes"})
    assert answer.status_code in (200, 400), answer.text[:300]
    assert "Traceback" not in answer.text and "<b>六年级</b>" not in answer.text


def test_two_clerks_promoting_at_once_promote_once_with_one_audit(site: Site, september: None) -> None:
    w = site.w
    _grades(site, mentee1="五年级", mentee2="三年级")
    path = f"/units/{w.st11}/promote-grades"
    a, b = site.as_(w.staff_st11), site.as_(w.staff_town1)
    jobs = [(a, _promotion_form(a, w.st11), a.token(path)), (b, _promotion_form(b, w.st11), b.token(path))]
    answers = at_once(*(lambda x=x, form=form, token=token: x.post(path, form, token=token)
                        for x, form, token in jobs))
    assert sorted(r.status_code for r in answers) == [200, 409]
    assert site.read(lambda db: [row(db, "mentee", m)["grade"] for m in (w.mentee1, w.mentee2)]) == ["六年级", "四年级"]
    audits = site.read(lambda db: db.execute(
        "SELECT count(*) FROM sync_audit WHERE entity = 'grade_promotion'").fetchone()[0])
    assert audits == 1


def test_the_promotion_page_logs_the_list_it_shows(site: Site, september: None) -> None:
    _grades(site, mentee1="九年级")
    before = _accesses(site, "view_mentee_list")
    assert site.as_(site.w.staff_st11).get(f"/units/{site.w.st11}/promote-grades").status_code == 200
    assert _accesses(site, "view_mentee_list") == before + 1


def test_promotion_after_a_grade_was_moved_out_promotes_those_left_and_the_moved_class_at_its_new_school(
        site: Site, september: None) -> None:
    w = site.w
    _grades(site, mentee1="六年级", mentee2="三年级", mentee_unpaired="六年级")
    town = site.as_(w.staff_town1)
    path = f"/units/{w.st11}/move-children?grade=六年级"
    page = town.get(path)
    children = re.findall(r'name="child" value="([^"]+)"', page.text)
    moved = town.post(path, {"child": children, "to_unit": w.st12, "confirm": "yes", "grade": "六年级"})
    assert moved.status_code == 200
    assert site.read(lambda db: row(db, "mentee", w.mentee1)["unit_id"]) == w.st12
    station = site.as_(w.staff_st11)
    form = _promotion_form(station, w.st11)
    assert len(form["child"]) == 1
    assert station.post(f"/units/{w.st11}/promote-grades", form).status_code == 200
    assert town.post(f"/units/{w.st12}/promote-grades", _promotion_form(town, w.st12)).status_code == 200
    grades = site.read(lambda db: [row(db, "mentee", m)["grade"] for m in (w.mentee1, w.mentee2, w.mentee_unpaired)])
    assert grades == ["七年级", "四年级", "七年级"]


# --- 全部转出 of one grade: /units/{id}/move-children?grade=… ------------------------------------


@pytest.mark.parametrize("grade", [*HOSTILE, "七" * 30, "初一", "十年级", "%", "'"])
def test_a_grade_hostile_long_or_unknown_in_the_move_is_answered_in_words(site: Site, grade: str) -> None:
    w = site.w
    _grades(site, mentee1="七年级", mentee2="八年级")
    town = site.as_(w.staff_town1)
    path = f"/units/{w.st11}/move-children"
    before = _written_too(site)
    shown = town.get(f"{path}?grade={quote_from_bytes(as_bytes(grade))}")
    assert shown.status_code in (200, 400), shown.text[:300]
    assert "Traceback" not in shown.text
    children = re.findall(r'name="child" value="([^"]+)"', town.get(path).text)
    answer = _post(town, path, [*(("child", c) for c in children), ("to_unit", w.st12), ("confirm", "yes"),
                                ("grade", grade)])
    assert answer.status_code in (200, 400), answer.text[:300]
    assert "Traceback" not in answer.text
    if grade != "初一":
        assert _written_too(site) == before
    else:  # 初一 is 七年级: only that grade moves
        units = site.read(lambda db: [row(db, "mentee", m)["unit_id"] for m in (w.mentee1, w.mentee2)])
        assert units == [w.st12, w.st11]


@pytest.mark.parametrize("who", ["reviewer", "staff_town2", "staff_st21", "staff_st12"])
def test_the_move_of_one_grade_shows_outsiders_nothing(site: Site, who: str) -> None:
    w = site.w
    _grades(site, mentee1="七年级")
    text = _chinese_refusal(site.as_(getattr(w, who)).get(f"/units/{w.st11}/move-children?grade=七年级"),
                            400, 403, 404)
    assert "小明" not in text and "七年级" not in text


def test_a_child_named_twice_at_two_versions_in_a_forged_promotion_is_promoted_once(site: Site,
                                                                                   september: None) -> None:
    w = site.w
    _grades(site, mentee1="五年级", mentee2="三年级")
    site.write(lambda db: mutate(db, w.staff_st11, "mentee", {"school": "掘港小学"}, w.mentee1,
                                 base_version=row(db, "mentee", w.mentee1)["version"]))
    station = site.as_(w.staff_st11)
    form = _promotion_form(station, w.st11)
    version = site.read(lambda db: row(db, "mentee", w.mentee1)["version"])
    answer = station.post(f"/units/{w.st11}/promote-grades",
                          {**form, "child": [*form["child"], f"{w.mentee1}:{version - 1}"]})
    assert answer.status_code == 200, answer.text[:300]
    assert site.read(lambda db: row(db, "mentee", w.mentee1)["grade"]) == "六年级"
    assert sentence(answer.text).count("小明") == 1


def test_a_child_named_twice_at_two_versions_in_a_forged_move_is_moved_and_said_once(site: Site) -> None:
    w = site.w
    site.write(lambda db: mutate(db, w.staff_st11, "mentee", {"school": "掘港小学"}, w.mentee1,
                                 base_version=row(db, "mentee", w.mentee1)["version"]))
    town = site.as_(w.staff_town1)
    path = f"/units/{w.st11}/move-children"
    children = re.findall(r'name="child" value="([^"]+)"', town.get(path).text)
    version = site.read(lambda db: row(db, "mentee", w.mentee1)["version"])
    answer = town.post(path, {"child": [*children, f"{w.mentee1}:{version - 1}"], "to_unit": w.st12,
                              "confirm": "yes"})
    assert answer.status_code == 200, answer.text[:300]
    said = sentence(answer.text)
    assert "已把 3 名帮扶对象" in said and "2 个结对（其中 2 个进行中）、2 条帮扶记录、2 条摸排" in said, said[-600:]
    audits = site.read(lambda db: db.execute(
        "SELECT count(*) FROM sync_audit WHERE entity = 'mentee' AND record_id = ? AND op != 'create'",
        [w.mentee1]).fetchone()[0])
    assert audits == 2  # the school written, then the move
