"""Role × page × foreign record, for every page of the station archive, review and referral families.

The records under test belong to station 1-1. Its staff and the staff of its town see them; the
staff of the sibling school (1-2) and of the other town do not, and get the same 404 as for a record
that does not exist — never the data, never a hint that it exists. The county reviewer reads the
archive pages but not the station's working pages (403); the admin sees everything.
"""
from __future__ import annotations

from typing import Any

import pytest

from ...factories import table_counts
from .conftest import Site
from .station import activity_form, conflict_on_activity1

ROLES = ("staff_st11", "staff_town1", "staff_st12", "staff_town2", "reviewer", "admin")
SEES = {"staff_st11", "staff_town1", "admin"}  # station 1-1's records are theirs
READS = SEES | {"reviewer"}

# page path template -> who may open it at all (the rest get 403); {x} is filled per test.
RECORD_PAGES = {
    "/pairings/{pairing}": "office",
    "/pairings/{pairing}/print": "office",
    "/pairings/{pairing}/edit": "staff",
    "/pairings/{pairing}/end": "staff",
    "/activities/{activity}": "office",
    "/activities/{activity}/edit": "staff",
    "/events/{event}": "office",  # the county reads the lectures its coverage counts
    "/referrals/{referral}": "office",
    "/conflicts/{conflict}": "staff",
}
RECORD_FORMS = {  # POST path -> a form that would change the record if the role could
    "/pairings/{pairing}/edit": lambda ids: {"goals": "别人改的目标", "start_date": "2026-09-01",
                                             "mentor_id": ids["mentor"], "base_version": "1"},
    "/pairings/{pairing}/end": lambda ids: {"end_date": "2026-11-30", "outcome": "stable", "base_version": "1"},
    "/activities/{activity}/edit": lambda ids: {**ids["activity_form"], "record": "别人改的", "base_version": "3"},
    "/events/{event}": lambda ids: {"unit_id": ids["unit"], "kind": "lecture", "date": "2026-10-10",
                                    "title": "别人改的", "participants": "1", "base_version": "1"},
    "/events/{event}/delete": lambda ids: {"base_version": "1"},
    "/referrals/{referral}": lambda ids: {"status": "received", "received_on": "2026-11-05", "target": "medical",
                                          "referred_on": "2026-11-02", "base_version": "1"},
    "/conflicts/{conflict}": lambda ids: {"choice": "other"},
}
# /events lists the year the suite runs in unless told: from= to= (no bound) holds the fixture's 2026 events any year.
EVENTS = "/events?from=&to="
LIST_PAGES = ("/pairings", "/review", "/conflicts", "/referrals", EVENTS, "/enrolments", "/pairings/new",
              "/activities/new", "/referrals/new", "/events/new")
STAFF_ONLY = {"/conflicts", "/enrolments", "/pairings/new", "/activities/new", "/referrals/new",
              "/events/new"}


@pytest.fixture
def ids(site: Site) -> dict[str, Any]:
    w = site.w
    staff = site.as_(w.staff_st11)
    conflict = conflict_on_activity1(site, staff)
    return {"pairing": w.pairing1, "activity": w.activity1, "event": w.event1, "referral": w.referral1,
            "conflict": conflict, "mentor": w.mentor1.user_id, "unit": w.st11,
            "activity_form": activity_form(site, w.activity1)}


def expected(role: str, who_may: str) -> int:
    if who_may == "staff" and role == "reviewer":
        return 403
    return 200 if role in SEES or (role == "reviewer" and who_may == "office") else 404


def test_record_pages_answer_404_for_another_units_record(site: Site, ids: dict[str, Any]) -> None:
    for role in ROLES:
        _record_pages(site, ids, role)


def _record_pages(site: Site, ids: dict[str, Any], role: str) -> None:
    browser = site.as_(getattr(site.w, role))
    for template, who_may in RECORD_PAGES.items():
        path = template.format(**ids)
        response = browser.get(path)
        assert response.status_code == expected(role, who_may), (role, path, response.status_code)
        if response.status_code != 200:
            # Nothing of the record leaks: not the child's code, not its text, not its id.
            code = site.read(lambda db: db.execute("SELECT code FROM mentees WHERE id = ?",
                                                   [site.w.mentee1]).fetchone()[0])
            assert code not in response.text and "家访记录" not in response.text
            assert response.headers.get("cache-control") != "public"


def test_record_forms_change_nothing_of_another_units_record(site: Site, ids: dict[str, Any]) -> None:
    for role in ROLES:
        if role not in SEES:  # their writes are the behaviour tests of each page family
            _record_forms(site, ids, role)


def _record_forms(site: Site, ids: dict[str, Any], role: str) -> None:
    browser = site.as_(getattr(site.w, role))
    for template, fields in RECORD_FORMS.items():
        path = template.format(**ids)
        before = site.read(table_counts), site.read(_content)
        response = browser.post(path, fields(ids), form_page="/account")
        # Every record form is a station form: the county is refused by role, other units by scope.
        assert response.status_code == (403 if role == "reviewer" else 404), (role, path, response.status_code)
        after = site.read(table_counts), site.read(_content)
        assert {t: n for t, n in after[0].items() if t not in ("web_sessions", "access_log")} == {
            t: n for t, n in before[0].items() if t not in ("web_sessions", "access_log")}, (role, path)
        assert after[1] == before[1], (role, path)


def _content(db: Any) -> list[Any]:
    return [db.execute(f"SELECT * FROM {t} ORDER BY id").fetchall()
            for t in ("pairings", "activities", "events", "referrals", "sync_conflicts")]


def test_lists_and_pickers_hold_only_records_in_scope(site: Site, ids: dict[str, Any]) -> None:
    for role in ROLES:
        _lists(site, ids, role)


def _lists(site: Site, ids: dict[str, Any], role: str) -> None:
    w = site.w
    browser = site.as_(getattr(site.w, role))
    code1 = site.read(lambda db: db.execute("SELECT code FROM mentees WHERE id = ?", [w.mentee1]).fetchone()[0])
    for path in LIST_PAGES:
        response = browser.get(path)
        if path in STAFF_ONLY and role == "reviewer":
            assert response.status_code == 403, path
            continue
        assert response.status_code == 200, (role, path)
        text = response.text
        leaked = [x for x in (code1, w.pairing1, w.activity1, w.event1, w.referral1, ids["conflict"],
                              w.mentor1.user_id) if x in text]
        if role in READS:
            continue
        assert not leaked, f"{role} sees station 1-1's records on {path}: {leaked}"


def test_list_pages_of_another_unit_show_their_own_records(site: Site, ids: dict[str, Any]) -> None:
    """The negative checks above can fail: station 1-1's own lists do hold its records."""
    w = site.w
    browser = site.as_(w.staff_st11)
    assert w.pairing1 in browser.get("/pairings").text
    assert w.activity1 in browser.get("/review").text
    assert ids["conflict"] in browser.get("/conflicts").text
    assert w.referral1 in browser.get("/referrals").text
    assert w.event1 in browser.get(EVENTS).text
    assert w.pairing1 in browser.get("/activities/new").text
    assert w.mentor1.user_id in browser.get("/pairings/new").text


@pytest.mark.parametrize("path", ["/pairings/{x}", "/pairings/{x}/print", "/activities/{x}", "/events/{x}",
                                  "/referrals/{x}", "/conflicts/{x}", "/pairings/{x}/edit"])
def test_a_garbled_or_unknown_id_is_the_same_404(site: Site, path: str) -> None:
    browser = site.as_(site.w.admin)
    for x in ("not-a-uuid", "01900000-0000-7000-8000-000000000000", site.w.mentee1):
        response = browser.get(path.format(x=x))
        assert response.status_code == 404 and "找不到" in response.text, (path, x)


def test_prefilled_pickers_ignore_another_units_records(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st21)
    code1 = site.read(lambda db: db.execute("SELECT code FROM mentees WHERE id = ?", [w.mentee1]).fetchone()[0])
    for path in (f"/pairings/new?mentee_id={w.mentee1}&mentor_id={w.mentor1.user_id}",
                 f"/activities/new?pairing_id={w.pairing1}", f"/referrals/new?mentee_id={w.mentee1}",
                 f"/enrolments?unit={w.st11}&year=2026"):
        response = browser.get(path)
        assert response.status_code == 200
        assert code1 not in response.text and "小明" not in response.text and 'value="800"' not in response.text, path
