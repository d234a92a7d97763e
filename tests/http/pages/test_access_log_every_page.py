"""Every page that shows a child's name, code, risk level, record text or follow-up writes its view
to the access log, lists included, found by walking the URL map: a new page is either named here
with who opens it and what it logs, or among the pages that show no child, or this file fails."""
from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.routing import Route

from server.config import Settings
from server.pages.admin_system import ACTIONS
from server.paths import resolve
from server.routes import build_routes
from sync import new_id
from sync.timeutil import local_today

from ...factories import end_pairing, make_activity, make_pairing, mutate
from .conftest import Site
from .station import conflict_on_activity1
from .test_phone_refusals import phone_sends_visit

PERIOD = "from=2026-01-01&to=2026-12-31"

# Pages that show no child's record (units, volunteers, group events, figures, blank forms, the
# import templates). The admin's access log names children by code, but only of records others
# opened: reading the log is the audit itself and is not logged again.
SHOWS_NO_CHILD = {
    "/", "/favicon.ico", "/login", "/account", "/account/new-password", "/mentees/import",
    "/mentees/import/template.xlsx", "/mentors/import", "/mentors/import/template.xlsx", "/mentees/new", "/mentors",
    "/mentors/new", "/mentors/{mentor_id}/edit", "/events", "/events/new", "/events/{event_id}", "/enrolments",
    "/reports/stats", "/returns", "/returns/deadlines", "/returns/{return_id}", "/coverage", "/inspections",
    "/inspections/new", "/inspections/units/{unit_id}", "/inspections/{inspection_id}",
    "/inspections/{inspection_id}/edit", "/brief", "/brief.png", "/summary", "/summary/print", "/admin/units",
    "/admin/units/{unit_id}", "/admin/users", "/admin/users/new", "/admin/access-log", "/admin/backup",
    # The 骨干学生 register names the pupils who help a class, not a child in care (no file, no risk): read
    # by staff only (the county sees counts and ticks, test_peer_pages.py), like a unit's own records.
    "/peers", "/peers/units/{unit_id}", "/peers/{peer_id}",
    # 全部转出 counts a unit's children (their ids ride hidden in the form, no code or name); the answer to
    # its post, naming each child not moved, is logged as a list (test_bulk_move.py).
    "/units/{unit_id}/move-children",
}


def _risk_flag(site: Site) -> dict[str, str]:
    """An open self-harm flag: the dashboard's and the station home's most sensitive list."""
    w = site.w
    site.write(lambda db: make_activity(db, w.mentor1, w.pairing1, risk_flag=True, date="2026-11-25"))
    return {}


def _quiet_pairing(site: Site) -> dict[str, str]:
    """A running pairing begun a year ago that nobody has visited: 久未帮扶 whatever today is."""
    w = site.w
    start = (local_today() - datetime.timedelta(days=365)).isoformat()
    site.write(lambda db: make_pairing(db, w.staff_st11, w.mentor2, w.mentee_unpaired, start_date=start))
    return {}


def _conflict(site: Site) -> dict[str, str]:
    return {"conflict_id": conflict_on_activity1(site, site.as_(site.w.staff_st11))}


def _refused_visit(site: Site) -> dict[str, str]:
    w = site.w
    site.write(lambda db: end_pairing(db, w.staff_st11, w.pairing1, end_date="2026-11-24"))
    phone_sends_visit(site, w.mentor1, w.pairing1, new_id())
    return {}


def _leaving_class(site: Site) -> dict[str, str]:
    """A 九年级 child at the station: the 升年级 page names her (code and name) among the 毕业班."""
    w = site.w
    site.write(lambda db: mutate(db, w.staff_st11, "mentee", {"grade": "九年级"}, w.mentee1,
                                 base_version=db.execute("SELECT version FROM mentees WHERE id = ?",
                                                         [w.mentee1]).fetchone()[0]))
    return {"unit_id": w.st11}


def _donation(site: Site) -> dict[str, str]:
    """A 爱心捐助 to child 1: what a family in hardship was given is a child's record."""
    w = site.w
    return {"donation_id": site.write(lambda db: mutate(db, w.staff_st11, "donation", {
        "mentee_id": w.mentee1, "date": "2026-11-03", "amount_fen": 50_000}))}


@dataclass(frozen=True)
class Seen:
    path: str
    who: str
    action: str
    query: str = ""
    setup: Callable[[Site], dict[str, str]] | None = None

    def __str__(self) -> str:
        return f"{self.who}:{self.path}"


SEEN = [
    *(Seen(path, who, action) for path, action in (
        ("/mentees", "view_mentee_list"), ("/mentees/{mentee_id}", "view_mentee"),
        ("/pairings", "view_pairing_list"), ("/pairings/{pairing_id}", "view_pairing"),
        ("/pairings/{pairing_id}/print", "print_pairing"), ("/mentees/{mentee_id}/print", "print_mentee"),
        ("/activities/{activity_id}", "view_activity"),
        ("/review", "view_review_queue"), ("/referrals", "view_referral_list"),
        ("/referrals/{referral_id}", "view_referral"),
    ) for who in ("staff_st11", "reviewer")),
    Seen("/dashboard", "staff_st11", "view_dashboard", setup=_risk_flag),
    Seen("/dashboard", "reviewer", "view_dashboard", setup=_risk_flag),
    Seen("/staff", "staff_st11", "view_staff_home"),
    Seen("/quiet", "staff_st11", "view_quiet_pairings", setup=_quiet_pairing),
    Seen("/quiet", "reviewer", "view_quiet_pairings", setup=_quiet_pairing),
    Seen("/staff", "staff_town1", "view_risk_flags", setup=_risk_flag),
    Seen("/risk-flags", "reviewer", "view_risk_flags", setup=_risk_flag),
    Seen("/risk-flags", "staff_town1", "view_risk_flags", setup=_risk_flag),
    Seen("/mentees/{mentee_id}/edit", "staff_st11", "edit_mentee"),
    Seen("/mentors/{mentor_id}", "staff_st11", "view_mentor_pairings"),
    Seen("/pairings/new", "staff_st11", "view_mentee_choices"),
    Seen("/pairings/{pairing_id}/edit", "staff_st11", "edit_pairing"),
    Seen("/pairings/{pairing_id}/end", "staff_st11", "end_pairing"),
    Seen("/mentees/{mentee_id}/leave", "staff_st11", "leave_care"),
    Seen("/units/{unit_id}/promote-grades", "staff_st11", "view_mentee_list", setup=_leaving_class),
    Seen("/activities/new", "staff_st11", "view_mentee_choices"),
    Seen("/activities/{activity_id}/edit", "staff_st11", "edit_activity"),
    Seen("/activities/phone-import", "staff_st11", "view_phone_refusals", setup=_refused_visit),
    Seen("/conflicts", "staff_st11", "view_conflicts", setup=_conflict),
    Seen("/conflicts/{conflict_id}", "staff_st11", "view_conflict", setup=_conflict),
    Seen("/referrals/new", "staff_st11", "view_mentee_choices"),
    Seen("/reports/stats/records", "reviewer", "view_stats_records", query=f"{PERIOD}&measure=talks"),
    Seen("/reports/stats.xlsx", "reviewer", "export_stats_xlsx", query=PERIOD),
    Seen("/reports/stats.csv", "reviewer", "export_stats_csv", query=PERIOD),
    Seen("/returns/{return_id}.xlsx", "staff_st11", "export_return_xlsx"),
    Seen("/returns/{return_id}.csv", "staff_st11", "export_return_csv"),
    Seen("/admin/users/{user_id}", "admin", "view_mentor_pairings"),
    *(Seen(path, who, action, query=query, setup=_donation) for path, action, query in (
        ("/donations", "view_donation_totals", "year=2026"), ("/donations/{donation_id}", "view_donation", ""),
    ) for who in ("staff_st11", "reviewer")),
    Seen("/donations/new", "staff_st11", "view_mentee_choices"),
]


def _get_pages() -> set[str]:
    return {r.path for r in build_routes(Settings(), resolve())
            if isinstance(r, Route) and "GET" in (r.methods or ())}


def test_every_page_is_either_logged_here_or_shows_no_child() -> None:
    pages = _get_pages()
    unsorted = pages - SHOWS_NO_CHILD - {s.path for s in SEEN}
    assert not unsorted, f"say whether these pages show a child and test their access-log row: {unsorted}"
    assert not (SHOWS_NO_CHILD | {s.path for s in SEEN}) - pages, "a page listed here is no longer in the URL map"


@pytest.mark.parametrize("seen", SEEN, ids=str)
def test_each_look_at_childrens_records_writes_who_what_and_how_many(site: Site, seen: Seen) -> None:
    w = site.w
    ids = {"mentee_id": w.mentee1, "pairing_id": w.pairing1, "activity_id": w.activity1,
           "referral_id": w.referral1, "mentor_id": w.mentor1.user_id, "user_id": w.mentor1.user_id,
           "return_id": w.stats_return1, **(seen.setup(site) if seen.setup else {})}
    actor = getattr(w, seen.who)
    before = site.read(lambda db: db.execute("SELECT max(id) FROM access_log").fetchone()[0]) or 0
    response = site.as_(actor).get(seen.path.format(**ids) + (f"?{seen.query}" if seen.query else ""))
    assert response.status_code == 200, response.text[:500]
    rows: list[dict[str, Any]] = site.read(lambda db: list(db.query(
        "SELECT user_id, action, target, record_count, entities, ip FROM access_log WHERE id > ?", [before])))
    assert [(r["user_id"], r["action"]) for r in rows] == [(actor.user_id, seen.action)], rows
    (logged,) = rows
    if seen.action.startswith("export_"):
        return  # a statistics file holds figures only; its row says who took it and when
    assert logged["target"] and logged["record_count"] >= 1 and logged["ip"]
    assert sum(json.loads(logged["entities"]).values()) == logged["record_count"]
    assert seen.action in ACTIONS, "the admin's access-log page says each kind of view in words"


def test_a_list_that_shows_no_child_writes_nothing_and_the_admin_reads_each_new_kind_in_words(site: Site) -> None:
    w = site.w
    staff = site.as_(w.staff_st11)
    assert staff.get("/mentees?q=没有这个孩子").status_code == 200
    assert staff.get("/referrals?status=closed").status_code == 200
    assert site.read(lambda db: db.execute("SELECT count(*) FROM access_log").fetchone()[0]) == 0
    for path in ("/mentees", f"/mentees?unit={w.st11}", "/pairings", "/referrals", "/staff",
                 f"/mentors/{w.mentor1.user_id}", "/pairings/new"):
        assert staff.get(path).status_code == 200
    logged = site.read(lambda db: list(db.query("SELECT action, target, entities FROM access_log ORDER BY id")))
    assert [(r["action"], r["target"]) for r in logged] == [
        ("view_mentee_list", w.st11), ("view_mentee_list", w.st11), ("view_pairing_list", w.st11),
        ("view_referral_list", w.st11), ("view_staff_home", w.st11),
        ("view_mentor_pairings", w.mentor1.user_id), ("view_mentee_choices", w.st11)]
    assert json.loads(logged[0]["entities"]) == {"mentee": 3} and json.loads(logged[2]["entities"]) == {"pairing": 2}
    page = site.as_(w.admin).get("/admin/access-log").text
    for words in ("查看帮扶对象名单", "查看结对档案列表", "查看转介列表", "查看工作台的跟踪和转介",
                  "查看志愿者结对的孩子", "打开列出孩子的登记表", "单位 掘港小学辅导站"):
        assert words in page, words
