"""A refused post shows the child's record again (the form with the record's words, its history, both
sides of a conflict): a look like its page's, so it writes the access-log row the page's GET writes.
Without it a post with a bad date read a child's referral, visit or file past the log."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from ...factories import make_activity, row
from .conftest import Browser, Site
from .station import activity_form, conflict_on_activity1

BAD_DATE = "2026-13-45"


@dataclass(frozen=True)
class Refused:
    name: str
    # The page's path and a form it refuses (400), from the county and the staff browser.
    make: Callable[[Site, Browser], tuple[str, dict[str, Any]]]

    def __str__(self) -> str:
        return self.name


def _version(site: Site, entity: str, record_id: str) -> str:
    return str(site.read(lambda db: row(db, entity, record_id))["version"])


def _referral(site: Site, staff: Browser) -> tuple[str, dict[str, Any]]:
    w = site.w
    return f"/referrals/{w.referral1}", {"base_version": _version(site, "referral", w.referral1),
                                         "status": "received", "received_on": BAD_DATE}


def _activity_edit(site: Site, staff: Browser) -> tuple[str, dict[str, Any]]:
    w = site.w
    return f"/activities/{w.activity1}/edit", {**activity_form(site, w.activity1), "date": BAD_DATE,
                                               "base_version": _version(site, "activity", w.activity1)}


def _mentee_edit(site: Site, staff: Browser) -> tuple[str, dict[str, Any]]:
    w = site.w
    return f"/mentees/{w.mentee1}/edit", {"base_version": _version(site, "mentee", w.mentee1), "name": "小明",
                                          "unit_id": w.st11, "birth_year": "去年", "guardian_contact": "13900001111"}


def _pairing_edit(site: Site, staff: Browser) -> tuple[str, dict[str, Any]]:
    w = site.w
    return f"/pairings/{w.pairing1}/edit", {"base_version": _version(site, "pairing", w.pairing1),
                                            "mentor_id": w.mentor1.user_id, "start_date": BAD_DATE}


def _pairing_end(site: Site, staff: Browser) -> tuple[str, dict[str, Any]]:
    w = site.w
    return f"/pairings/{w.pairing1}/end", {"base_version": _version(site, "pairing", w.pairing1),
                                           "end_date": BAD_DATE, "outcome": "stable"}


def _screening(site: Site, staff: Browser) -> tuple[str, dict[str, Any]]:
    return f"/mentees/{site.w.mentee1}", {"date": BAD_DATE, "needs": "想要学习用品"}


def _conflict(site: Site, staff: Browser) -> tuple[str, dict[str, Any]]:
    return f"/conflicts/{conflict_on_activity1(site, staff)}", {"choice": ""}  # no choice picked


# Forms that were logged from their renderer already, kept so: a new record's form names every child
# in its picker, the station home quotes each open flag's visit, the queue each waiting visit.
def _new_referral(site: Site, staff: Browser) -> tuple[str, dict[str, Any]]:
    return "/referrals/new", {"mentee_id": site.w.mentee1, "target": "medical", "referred_on": BAD_DATE}


def _new_activity(site: Site, staff: Browser) -> tuple[str, dict[str, Any]]:
    return "/activities/new", {"pairing_id": site.w.pairing1, "kind": "home_visit", "date": BAD_DATE}


def _new_pairing(site: Site, staff: Browser) -> tuple[str, dict[str, Any]]:
    w = site.w
    return "/pairings/new", {"mentor_id": w.mentor2.user_id, "mentee_id": w.mentee_unpaired, "start_date": BAD_DATE}


def _risk_action(site: Site, staff: Browser) -> tuple[str, dict[str, Any]]:
    w = site.w
    flagged = site.write(lambda db: make_activity(db, w.mentor1, w.pairing1, risk_flag=True, date="2026-11-25"))
    return "/staff", {"activity_id": flagged, "risk_action": ""}  # what was done is not said


def _review(site: Site, staff: Browser) -> tuple[str, dict[str, Any]]:
    return "/review", {"target_entity": "activity", "target_id": site.w.activity1, "decision": "return",
                       "comment": ""}  # a return without its reason


REFUSED = [
    Refused("referral", _referral),
    Refused("activity_edit", _activity_edit),
    Refused("mentee_edit", _mentee_edit),
    Refused("pairing_edit", _pairing_edit),
    Refused("pairing_end", _pairing_end),
    Refused("screening", _screening),
    Refused("conflict", _conflict),
    Refused("new_referral", _new_referral),
    Refused("new_activity", _new_activity),
    Refused("new_pairing", _new_pairing),
    Refused("risk_action", _risk_action),
    Refused("review", _review),
]


def _logged_by(site: Site, act: Callable[[], int]) -> list[tuple[Any, ...]]:
    before = site.read(lambda db: db.execute("SELECT max(id) FROM access_log").fetchone()[0]) or 0
    assert act() in (200, 400)
    return [tuple(r) for r in site.read(lambda db: db.execute(
        "SELECT user_id, action, target, record_count, entities FROM access_log WHERE id > ? ORDER BY id",
        [before]).fetchall())]


@pytest.mark.parametrize("refused", REFUSED, ids=str)
def test_a_refused_post_shown_again_writes_the_access_log_row_its_page_writes(site: Site, refused: Refused) -> None:
    staff = site.as_(site.w.staff_st11)
    path, form = refused.make(site, staff)
    token = staff.token("/account")  # a page that shows no child: the token's GET logs nothing
    page = _logged_by(site, lambda: staff.get(path).status_code)
    assert page, f"{path} shows a child's record and is logged"

    def post() -> int:
        response = staff.post(path, form, token=token)
        assert response.status_code == 400, response.text[:500]
        return response.status_code

    assert _logged_by(site, post) == page
