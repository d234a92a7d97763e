"""One rule: every look at a child's record, whatever page or pull shows it, is in the access log with
who looked and how many records of which kind (docs/design.md §6). A record's own page was logged;
these are the other places the same words are shown: lists, the station home, an import's preview,
a staff phone's pull, and the referral (转介) a child was sent on, which is a child's record too.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from server.devices import issue_code
from sync import apply_mutations, mutations

from ...factories import mutate, row
from .conftest import Site
from .station import conflict_on_activity1
from .test_imports import MENTEE_HEADERS, upload, xlsx


def _conflict_list(site: Site) -> tuple[str, dict[str, int]]:
    # The list shows the visit's 过程记录 twice, as kept and as sent second, like the conflict's own page.
    w = site.w
    conflict_on_activity1(site, site.as_(w.staff_st11))
    assert site.as_(w.staff_st11).get("/conflicts").status_code == 200
    return "view_conflicts", {"activity": 1}


def _handled_flags(site: Site) -> tuple[str, dict[str, int]]:
    # No flag is open, so the home quotes no visit; it still quotes what was done about a child at risk.
    w = site.w
    flagged = site.write(lambda db: mutate(db, w.mentor1, "activity", {
        "pairing_id": w.pairing1, "kind": "home_visit", "date": "2026-11-01", "risk_flag": True}))
    site.write(lambda db: mutate(db, w.staff_st11, "activity", {"risk_action": "已联系家长，陪同去心理门诊"},
                                 flagged, 1))
    page = site.as_(w.staff_st11).get("/staff")
    assert "已联系家长，陪同去心理门诊" in page.text
    # With no flag open the home's one row is named for the home, counting the handled flag's visit
    # and the world's open referral it lists too.
    return "view_staff_home", {"activity": 1, "referral": 1}


def _import_preview(site: Site) -> tuple[str, dict[str, int]]:
    # A row naming a registered child shows what the file would change, from the child's stored values.
    w = site.w
    code = site.read(lambda db: row(db, "mentee", w.mentee1))["code"]
    site.write(lambda db: mutate(db, w.staff_st11, "mentee", {"guardian_contact": "13900001111"}, w.mentee1, 1))
    sheet = xlsx(MENTEE_HEADERS, [[code, "小明", "掘港小学辅导站", "", "", "", "", "", "", "", "", "13800002222", ""]])
    preview = upload(site.as_(w.staff_st11), "/mentees/import", sheet)
    assert preview.status_code == 200 and "13900001111" in preview.text
    return "view_import_preview", {"mentee": 1}


def _referral_conflict(site: Site) -> tuple[str, dict[str, int]]:
    # Two people changed why the child was referred: the conflict's page shows both reasons.
    w = site.w
    site.write(lambda db: mutate(db, w.staff_st11, "referral", {"reason": "孩子夜里失眠"}, w.referral1, 1))
    (answer,) = site.write(lambda db: apply_mutations(db, w.staff_town1, [
        mutations.upsert("referral", {"reason": "孩子在家不说话"}, w.referral1, base_version=1)]))
    assert answer.status == "conflict"
    conflict = site.read(lambda db: db.execute("SELECT id FROM sync_conflicts WHERE record_id = ?",
                                               [w.referral1]).fetchone()[0])
    assert site.as_(w.staff_st11).get(f"/conflicts/{conflict}").status_code == 200
    return "view_conflict", {"referral": 1}


def _referral_pull(site: Site) -> tuple[str, dict[str, int]]:
    # A station's own phone, up to date, pulls the one change since: a referral's new reason.
    w = site.w
    code = site.write(lambda db: issue_code(db, site.login_of(w.staff_st11), hours=1))["code"]
    phone = site.browser().client
    token = phone.post("/api/enrol", json={"code": code, "device_name": "站里的手机"}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    cursor = phone.get("/api/sync/pull", headers=headers).json()["cursor"]
    site.write(lambda db: mutate(db, w.staff_st11, "referral", {"reason": "孩子夜里失眠"}, w.referral1, 1))
    page = phone.get(f"/api/sync/pull?cursor={cursor}", headers=headers).json()
    assert [c["entity"] for c in page["changes"]] == ["referral"]
    return "pull", {"referral": 1}


LOOKS: dict[str, Callable[[Site], tuple[str, dict[str, int]]]] = {
    "the conflict list": _conflict_list,
    "the station home's handled risk flags": _handled_flags,
    "an import preview of registered children": _import_preview,
    "a conflict on a referral": _referral_conflict,
    "a staff phone's pull of a referral": _referral_pull,
}


@pytest.mark.parametrize("look", list(LOOKS))
def test_a_look_at_a_childs_record_on_any_page_or_pull_is_in_the_access_log(site: Site, look: str) -> None:
    before = site.read(lambda db: db.execute("SELECT max(id) FROM access_log").fetchone()[0]) or 0
    action, shown = LOOKS[look](site)
    rows: list[dict[str, Any]] = site.read(lambda db: list(db.query(
        "SELECT user_id, action, entities FROM access_log WHERE id > ? AND action = ?", [before, action])))
    assert [json.loads(r["entities"]) for r in rows][-1:] == [shown], f"{look}: {rows}"
    assert rows[-1]["user_id"] == site.w.staff_st11.user_id
