"""The routes of 撤点并校, 可能重复 and the posted list search, tried from outside as an attacker and a
careless person would: every role and another town's staff, wrong methods, a missing or foreign CSRF
token, ids of other units' records, of deleted records and closed units, huge and malformed ids, a
form sent twice or by two at once, another person's or a day-old draft, and hostile strings. Each must
answer a Chinese 4xx (never a 500), write nothing when it refuses, show no child outside the visitor's
scope, and log the views that show children and audit the writes it makes."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote_from_bytes

import pytest

from server.unit_closing import close_unit
from sync.timeutil import local_today

from ...factories import make_activity, make_unit, remove, row
from .conftest import Browser, Site, at_once, sentence
from .fuzzing import as_bytes

HOSTILE = ["x" * 20_000, "a\x00b", "\ud800", "\x01\x1b[31m\x7f", "'; DROP TABLE mentees; --", "<script>1</script>"]
HUGE = ["99999999999999999999999999999999", "-1", "abc", "0x10", "%00", "1e9", "..%2f..%2fetc"]


def _written(site: Site) -> tuple[Any, ...]:
    """What a refusal must leave as it was: every table a write of these routes touches."""
    return site.read(lambda db: tuple(db.execute(sql).fetchall() for sql in (
        "SELECT count(*), max(id) FROM sync_audit WHERE status IN ('applied', 'merged', 'conflict')",
        "SELECT id, unit_id, version, deleted FROM mentees ORDER BY id",
        "SELECT id, version, deleted FROM activities ORDER BY id",
        "SELECT id, unit_id, version FROM pairings ORDER BY id",
        "SELECT * FROM unit_closures ORDER BY unit_id",
        "SELECT * FROM distinct_visits ORDER BY activity_id, other_id",
    )))


def _chinese_refusal(response: Any, *codes: int) -> str:
    assert response.status_code in codes, (response.status_code, response.text[:400])
    text = sentence(response.text)
    assert re.search(r"[\u4e00-\u9fff]", text) and "Traceback" not in text
    return text


def _post(browser: Browser, path: str, fields: list[tuple[str, str]], form_page: str | None = None) -> Any:
    """Post ``fields`` as a broken client would: a lone surrogate goes as its bytes (no browser sends
    them, an attacker may)."""
    token = browser.token(form_page or path)
    body = "&".join(quote_from_bytes(as_bytes(k)) + "=" + quote_from_bytes(as_bytes(v))
                    for k, v in [("csrf_token", token), *fields])
    return browser.client.post(path, content=body.encode(), follow_redirects=False,
                               headers={"content-type": "application/x-www-form-urlencoded"})


def _twin(site: Site) -> str:
    """A second visit of pairing1 on activity1's day: both are marked 可能重复."""
    w = site.w
    return str(site.write(lambda db: make_activity(db, w.mentor1, w.pairing1, record="同一次家访")))


# --- 全部转出: /units/{id}/move-children ------------------------------------------------------


def _move_path(site: Site) -> str:
    return f"/units/{site.w.st11}/move-children"


def _move_form(browser: Browser, path: str) -> dict[str, Any]:
    page = browser.get(path)
    assert page.status_code == 200, page.text
    return {"child": re.findall(r'name="child" value="([^"]+)"', page.text)}


@pytest.mark.parametrize("who", ["reviewer", "staff_town2", "staff_st21", "staff_st12"])
def test_the_move_of_a_towns_children_is_refused_to_those_outside_it_and_writes_nothing(site: Site, who: str) -> None:
    w = site.w
    path = _move_path(site)
    form = {**_move_form(site.as_(w.staff_town1), path), "to_unit": w.st12, "confirm": "yes"}
    before = _written(site)
    outsider = site.as_(getattr(w, who))
    shown = outsider.get(path)
    posted = outsider.post(path, form, form_page="/mentees")
    for answer in (shown, posted):
        text = _chinese_refusal(answer, 400, 403, 404)
        assert "小明" not in text and "小红" not in text
    assert _written(site) == before


def test_the_move_signed_out_or_without_a_token_writes_nothing(site: Site) -> None:
    w = site.w
    path = _move_path(site)
    town = site.as_(w.staff_town1)
    form = {**_move_form(town, path), "to_unit": w.st12, "confirm": "yes"}
    before = _written(site)
    stranger = site.browser()
    assert stranger.get(path).status_code in (303, 401)
    assert stranger.client.post(path, data=form, follow_redirects=False).status_code in (303, 401, 403)
    _chinese_refusal(town.client.post(path, data=form, follow_redirects=False), 400, 403)  # no token
    _chinese_refusal(town.post(path, form, token="forged.token"), 400, 403)
    other_token = site.as_(w.staff_town2).token("/mentees")  # another person's token
    _chinese_refusal(town.post(path, form, token=other_token), 400, 403)
    for method in ("put", "delete", "patch"):
        assert getattr(town.client, method)(path).status_code == 405
    assert _written(site) == before


@pytest.mark.parametrize("raw", HUGE)
def test_a_malformed_or_huge_unit_id_in_the_move_is_not_found(site: Site, raw: str) -> None:
    town = site.as_(site.w.staff_town1)
    before = _written(site)
    _chinese_refusal(town.get(f"/units/{raw}/move-children"), 404)
    _chinese_refusal(town.post(f"/units/{raw}/move-children", {"to_unit": site.w.st12, "confirm": "yes"},
                               form_page="/mentees"), 404)
    assert _written(site) == before


def test_the_move_takes_no_child_of_another_town_nor_moves_into_another_towns_or_a_closed_unit(site: Site) -> None:
    w = site.w
    path = _move_path(site)
    town = site.as_(w.staff_town1)
    form = _move_form(town, path)
    foreign = site.read(lambda db: row(db, "mentee", w.mentee3))
    before = _written(site)
    # Another town's school as the target: refused beside the list.
    _chinese_refusal(town.post(path, {**form, "to_unit": w.st21, "confirm": "yes"}), 400)
    _chinese_refusal(town.post(path, {**form, "to_unit": "9" * 40, "confirm": "yes"}), 400)
    assert _written(site) == before
    # Another town's child slipped into the form: not moved, not named.
    forged = town.post(path, {"child": [f"{w.mentee3}:{foreign['version']}"], "to_unit": w.st12, "confirm": "yes"})
    assert forged.status_code == 200 and "小芳" not in sentence(forged.text)
    assert site.read(lambda db: row(db, "mentee", w.mentee3))["unit_id"] == w.st21
    # A closed (已撤并) target, closed after the form was shown.
    for mentee in (w.mentee1, w.mentee2, w.mentee_unpaired):
        site.write(lambda db, m=mentee: db.execute("UPDATE mentees SET unit_id = ? WHERE id = ?", [w.st11, m]))
    empty = _empty_school(site)
    site.write(lambda db: close_unit(db, w.admin, {"id": empty, "name": "掘港三小"}, local_today().isoformat()))
    before = _written(site)
    _chinese_refusal(town.post(path, {**form, "to_unit": empty, "confirm": "yes"}), 400)
    assert _written(site) == before


def test_the_move_of_a_town_the_county_or_a_deleted_unit_is_not_found(site: Site) -> None:
    w = site.w
    town = site.as_(w.staff_town1)
    gone = _empty_school(site, "掘港五小")
    site.write(lambda db: remove(db, w.admin, "unit", gone))
    before = _written(site)
    for unit in (w.town1, w.county, gone):
        _chinese_refusal(town.get(f"/units/{unit}/move-children"), 404)
        _chinese_refusal(town.post(f"/units/{unit}/move-children", {"to_unit": w.st12, "confirm": "yes"},
                                   form_page="/mentees"), 404)
    assert _written(site) == before


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_strings_in_the_move_form_are_refused_in_words(site: Site, value: str) -> None:
    w = site.w
    path = _move_path(site)
    town = site.as_(w.staff_town1)
    before = _written(site)
    shown = [("child", c) for c in _move_form(town, path)["child"]]
    for form in ([("child", value), ("to_unit", w.st12), ("confirm", "yes")],
                 [("child", f"{w.mentee1}:{value}"), ("to_unit", w.st12), ("confirm", "yes")],
                 [*shown, ("to_unit", value), ("confirm", value)]):
        answer = _post(town, path, form)
        assert answer.status_code in (200, 400), answer.text[:300]
        assert "Traceback" not in answer.text
    assert _written(site) == before


def test_two_moves_sent_at_once_move_each_child_once(site: Site) -> None:
    w = site.w
    path = _move_path(site)
    a, b = site.as_(w.staff_town1), site.as_(w.staff_town1)
    form = {**_move_form(a, path), "to_unit": w.st12, "confirm": "yes"}
    tokens = {id(a): a.token(path), id(b): b.token(path)}
    answers = at_once(*(lambda x=x: x.post(path, form, token=tokens[id(x)]) for x in (a, b)))
    assert sorted(r.status_code for r in answers) == [200, 200]
    children = (w.mentee1, w.mentee2, w.mentee_unpaired)
    versions = site.read(lambda db: [row(db, "mentee", m)["version"] for m in children])
    moves = site.read(lambda db: db.execute(
        "SELECT count(*) FROM sync_audit WHERE entity = 'mentee' AND record_id IN (?, ?, ?)",
        [w.mentee1, w.mentee2, w.mentee_unpaired]).fetchone()[0])
    assert all(row_unit == w.st12 for row_unit in site.read(lambda db: [
        row(db, "mentee", m)["unit_id"] for m in (w.mentee1, w.mentee2, w.mentee_unpaired)]))
    assert moves - 3 == 3, versions  # three made, three moved: none moved twice


# --- 撤并 and 恢复 on /admin/units/{id} -------------------------------------------------------


def _empty_school(site: Site, name: str = "掘港三小") -> str:
    return str(site.write(lambda db: make_unit(db, name, "school", site.w.town1)))


@pytest.mark.parametrize("who", ["reviewer", "staff_town1", "staff_st11"])
def test_closing_and_reopening_a_unit_is_the_admins_alone(site: Site, who: str) -> None:
    school = _empty_school(site)
    path = f"/admin/units/{school}"
    before = _written(site)
    other = site.as_(getattr(site.w, who))
    token = other.token("/mentees")
    for action in ("close", "reopen"):
        _chinese_refusal(other.post(path, {"action": action, "closed_on": "2026-09-01"}, token=token), 403, 404)
    assert _written(site) == before


@pytest.mark.parametrize("typed", [*HOSTILE, "2026-02-30", "9999-12-31", ""])
def test_a_closing_day_that_is_no_day_or_hostile_is_refused_and_writes_nothing(site: Site, typed: str) -> None:
    school = _empty_school(site)
    admin = site.as_(site.w.admin)
    before = _written(site)
    text = _chinese_refusal(_post(admin, f"/admin/units/{school}", [("action", "close"), ("closed_on", typed)]), 400)
    assert "单位没有改动" in text
    assert _written(site) == before


def test_closing_twice_at_once_audits_one_closing_and_reopening_a_deleted_unit_is_not_found(site: Site) -> None:
    school = _empty_school(site)
    path = f"/admin/units/{school}"
    a, b = site.as_(site.w.admin), site.as_(site.w.admin)
    tokens = [a.token(path), b.token(path)]
    answers = at_once(*(lambda x=x, token=token: x.post(path, {"action": "close", "closed_on": "2026-09-01"},
                                                        token=token)
                        for x, token in zip((a, b), tokens, strict=True)))
    assert sorted(r.status_code for r in answers) == [303, 303]
    audits = site.read(lambda db: db.execute(
        "SELECT count(*) FROM sync_audit WHERE entity = 'unit_closure' AND record_id = ?", [school]).fetchone()[0])
    assert audits == 1
    deleted = _empty_school(site, "掘港四小")
    site.write(lambda db: remove(db, site.w.admin, "unit", deleted))
    before = _written(site)
    _chinese_refusal(a.post(f"/admin/units/{deleted}", {"action": "reopen"}), 404)
    _chinese_refusal(a.post(f"/admin/units/{deleted}", {"action": "close", "closed_on": "2026-09-01"}), 404)
    assert _written(site) == before


# --- POST /activities/{id}/delete ---------------------------------------------------------------


def _version(site: Site, activity_id: str) -> int:
    return int(site.read(lambda db: row(db, "activity", activity_id))["version"])


@pytest.mark.parametrize("who", ["reviewer", "staff_town2", "staff_st21", "staff_st12"])
def test_a_twins_delete_is_refused_to_those_who_may_not_and_writes_nothing(site: Site, who: str) -> None:
    twin = _twin(site)
    before = _written(site)
    other = site.as_(getattr(site.w, who))
    answer = other.post(f"/activities/{twin}/delete", {"confirm": "twin", "base_version": _version(site, twin)},
                        form_page="/mentees")
    text = _chinese_refusal(answer, 403, 404)
    assert "同一次家访" not in text and "小明" not in text
    assert _written(site) == before


def test_a_twins_delete_without_token_by_get_or_signed_out_writes_nothing(site: Site) -> None:
    twin = _twin(site)
    path = f"/activities/{twin}/delete"
    station = site.as_(site.w.staff_st11)
    form = {"confirm": "twin", "base_version": _version(site, twin)}
    before = _written(site)
    _chinese_refusal(station.client.post(path, data=form, follow_redirects=False), 400, 403)
    _chinese_refusal(station.post(path, form, token="x"), 400, 403)
    assert station.get(path).status_code == 405
    assert site.browser().client.post(path, data=form, follow_redirects=False).status_code in (303, 401, 403)
    assert _written(site) == before


@pytest.mark.parametrize("raw", HUGE)
def test_a_twins_delete_of_a_malformed_id_is_not_found(site: Site, raw: str) -> None:
    station = site.as_(site.w.staff_st11)
    before = _written(site)
    _chinese_refusal(station.post(f"/activities/{raw}/delete", {"confirm": "twin", "base_version": "1"},
                                  form_page="/mentees"), 404)
    assert _written(site) == before


@pytest.mark.parametrize("version", [*HOSTILE, "", "99999999999999999999999", "-3"])
def test_a_twins_delete_with_a_hostile_version_is_refused_in_words(site: Site, version: str) -> None:
    twin = _twin(site)
    station = site.as_(site.w.staff_st11)
    before = _written(site)
    answer = _post(station, f"/activities/{twin}/delete", [("confirm", "twin"), ("base_version", version)],
                   form_page=f"/activities/{twin}")
    assert answer.status_code in (303, 400), answer.text[:300]
    assert "Traceback" not in answer.text
    assert _written(site) == before


def test_two_deletes_of_twins_at_once_leave_one_visit_of_the_day(site: Site) -> None:
    """Each clerk deletes the other's copy at the same moment: one delete is taken, the other is told
    there is no twin left. A day's visit never vanishes altogether."""
    w = site.w
    twin = _twin(site)
    a, b = site.as_(w.staff_st11), site.as_(w.staff_town1)
    jobs = [(a, w.activity1, a.token(f"/activities/{w.activity1}")), (b, twin, b.token(f"/activities/{twin}"))]
    versions = {w.activity1: _version(site, w.activity1), twin: _version(site, twin)}
    answers = at_once(*(lambda x=x, activity=activity, token=token: x.post(
        f"/activities/{activity}/delete", {"confirm": "twin", "base_version": versions[activity]}, token=token)
        for x, activity, token in jobs))
    assert all(r.status_code == 303 for r in answers)
    live = site.read(lambda db: db.execute("SELECT count(*) FROM activities WHERE id IN (?, ?) AND deleted = 0",
                                           [w.activity1, twin]).fetchone()[0])
    assert live == 1


def test_a_replayed_delete_of_a_twin_is_answered_as_the_first_and_audited_once(site: Site) -> None:
    twin = _twin(site)
    station = site.as_(site.w.staff_st11)
    token = station.token(f"/activities/{twin}")
    form = {"confirm": "twin", "base_version": _version(site, twin)}
    first = station.post(f"/activities/{twin}/delete", form, token=token)
    again = station.post(f"/activities/{twin}/delete", form, token=token)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    audits = site.read(lambda db: db.execute(
        "SELECT count(*) FROM sync_audit WHERE entity = 'activity' AND record_id = ? AND op = 'delete'",
        [twin]).fetchone()[0])
    assert audits == 1


def test_a_deleted_visit_of_another_town_is_not_said_deleted_to_an_outsider(site: Site) -> None:
    w = site.w
    site.write(lambda db: remove(db, w.mentor3, "activity", w.activity3))
    answer = site.as_(w.staff_town1).post(f"/activities/{w.activity3}/delete", {"confirm": "twin",
                                                                                 "base_version": "1"},
                                          form_page="/mentees")
    _chinese_refusal(answer, 404)


# --- 代录's another_visit tick --------------------------------------------------------------------


@pytest.mark.parametrize("tick", [*HOSTILE, "+", "x+y"])
def test_a_forged_or_hostile_tick_lets_no_twin_through(site: Site, tick: str) -> None:
    w = site.w
    station = site.as_(w.staff_st11)
    before = _written(site)
    answer = _post(station, "/activities/new", [("pairing_id", w.pairing1), ("kind", "home_visit"),
                                                ("date", "2026-11-20"), ("record", "又一次"), ("another_visit", tick)])
    assert answer.status_code == 409, answer.text[:300]
    assert _written(site) == before


def test_the_entry_form_opened_at_another_towns_pairing_names_none_of_it(site: Site) -> None:
    w = site.w
    page = site.as_(w.staff_st11).get(f"/activities/new?pairing_id={w.pairing3}")
    assert page.status_code == 200
    text = sentence(page.text)
    assert "小芳" not in text and "张老师" not in text and w.pairing3 not in page.text


# --- the posted search's draft -----------------------------------------------------------------


def test_another_persons_draft_on_the_entry_form_fills_nothing(site: Site) -> None:
    w = site.w
    station = site.as_(w.staff_st11)
    typed = station.post("/activities/new", {"pairing_id": w.pairing1, "q": "小明", "find": "1",
                                              "record": "奶奶说孩子最近不说话"})
    assert typed.status_code == 303, typed.text[:300]
    where = typed.headers["location"]
    assert "draft=" in where
    for other in (w.staff_st12, w.staff_town2, w.admin):
        page = site.as_(other).get(where)
        assert page.status_code in (200, 403), page.text[:300]
        assert "奶奶说孩子最近不说话" not in page.text and 'value="小明"' not in page.text


@pytest.mark.parametrize("path", ["/mentees", "/pairings"])
def test_a_draft_of_the_other_list_or_a_form_narrows_nothing(site: Site, path: str) -> None:
    station = site.as_(site.w.staff_st11)
    other = "/pairings" if path == "/mentees" else "/mentees"
    draft = station.post(other, {"q": "小明"}).headers["location"].split("draft=")[1]
    shown = station.get(f"{path}?draft={draft}")
    assert shown.status_code == 200 and 'value="小明"' not in shown.text


@pytest.mark.parametrize("path", ["/mentees", "/pairings"])
@pytest.mark.parametrize("value", [*HOSTILE, "'", "%"])
def test_hostile_search_words_and_draft_ids_are_answered_without_a_fault(site: Site, path: str, value: str) -> None:
    station = site.as_(site.w.staff_st11)
    posted = _post(station, path, [("q", value), ("category", value), ("unit", value)])
    assert posted.status_code in (303, 400), posted.text[:300]
    if posted.status_code == 303:
        assert len(posted.headers["location"]) < 2000
        assert station.get(posted.headers["location"]).status_code in (200, 400)
    raw = quote_from_bytes(as_bytes(value))
    assert station.get(f"{path}?draft={raw}").status_code in (200, 400)


@pytest.mark.parametrize("path", ["/mentees", "/pairings"])
def test_the_list_search_is_posted_by_the_office_alone_with_its_token(site: Site, path: str) -> None:
    before = site.read(lambda db: db.execute("SELECT count(*) FROM form_drafts").fetchone()[0])
    stranger = site.browser()
    assert stranger.client.post(path, data={"q": "小明"}, follow_redirects=False).status_code in (303, 401, 403)
    station = site.as_(site.w.staff_st11)
    _chinese_refusal(station.client.post(path, data={"q": "小明"}, follow_redirects=False), 400, 403)
    assert site.read(lambda db: db.execute("SELECT count(*) FROM form_drafts").fetchone()[0]) == before
