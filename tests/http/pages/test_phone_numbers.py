"""A telephone typed in full-width digits (１３９…, a Chinese input method's full-width mode) is stored
in ASCII whether it comes from a station's web form or the volunteer's phone app over
/api/sync/push, so the volunteers' list finds it by 139 and its ``tel:`` link dials it; the phone
pulls the stored form (``sync.phones.phone_form``)."""
from __future__ import annotations

import re

from ..conftest import County
from .conftest import Site

FULL_WIDTH = "１３９　０５１３－７７７７"
STORED = "139 0513-7777"
DIALLED = "13905137777"  # the tel: link holds only the digits (tests/http/pages/test_tel_links.py)


def test_a_full_width_phone_from_the_web_forms_is_stored_in_ascii_found_and_dialled(site: Site) -> None:
    w = site.w
    staff = site.as_(w.staff_st11)
    added = staff.post("/mentors/new", {"name": "赵老师", "phone": FULL_WIDTH, "unit_id": w.st11,
                                        "about": "退休教师", "smartphone": "1"})
    assert added.status_code == 303, added.text
    mentor_id = added.headers["location"].rsplit("/", 1)[1]
    assert site.read(lambda db: db.execute("SELECT phone FROM users WHERE id = ?", [mentor_id]).fetchone()[0]) == STORED
    assert mentor_id in staff.get("/mentors", params={"q": "139 0513"}).text
    assert f'href="tel:{DIALLED}">{STORED}</a>' in staff.get(f"/mentors/{mentor_id}").text
    child = staff.post("/mentees/new", {
        "unit_id": w.st11, "name": "陈晓华", "grade": "五年级", "gender": "female", "categories": ["psych"],
        "risk_level": "watch", "guardian_name": "外婆", "guardian_contact": FULL_WIDTH, "plan": "每两周家访一次"})
    assert child.status_code == 303, child.text
    mentee_id = child.headers["location"].rsplit("/", 1)[1]
    stored = site.read(lambda db: db.execute("SELECT guardian_contact FROM mentees WHERE id = ?",
                                             [mentee_id]).fetchone()[0])
    assert stored == STORED
    assert f'href="tel:{DIALLED}">{STORED}</a>' in staff.get(f"/mentees/{mentee_id}").text


def test_a_full_width_phone_pushed_by_the_phone_app_is_stored_in_ascii_and_pulled_so(county: County) -> None:
    phone = county.auth("mentor")
    version = county.store_write(lambda db: db.execute("SELECT version FROM mentees WHERE id = ?",
                                                       [county.mentee]).fetchone()[0])
    pushed = county.client.post("/api/sync/push", headers=phone, json={"mutations": [{
        "mutation_id": 1, "entity": "mentee", "record_id": county.mentee, "op": "upsert",
        "base_version": version, "fields": {"guardian_contact": FULL_WIDTH}}]})
    assert pushed.status_code == 200 and pushed.json()["results"][0]["status"] == "applied", pushed.text
    pulled = county.client.get("/api/sync/pull", headers=phone, params={"limit": 1000}).json()
    mine = [c for c in pulled["changes"] if c["entity"] == "mentee" and c["record_id"] == county.mentee]
    assert mine and mine[-1]["fields"]["guardian_contact"] == STORED
    assert not re.search("[０-９]", str(pulled))
