"""A volunteer whose account was stopped (停用) with a pairing left running is marked 已停用 beside
their name wherever staff, the admin and the county see them next to a child or a pairing: the
pairings list and its print, the archive and its print, the child's page and print, the review
queue, the end-pairing form. The archive says the child has nobody and offers staff the new
pairing that ends the old one; a stopped volunteer's pairing is never offered for a 代录, and one
posted anyway is refused in words with nothing saved.
"""
from __future__ import annotations

from typing import Any

from sync import Actor
from sync.stopping import deactivate_user
from sync.users import create_user

from ...factories import make_activity, make_mentee, make_pairing
from .conftest import Site, sentence
from .station import record_id_on

MARK = "赵老师 已停用"


def _stopped_volunteer(site: Site, *, stop: bool = True) -> dict[str, str]:
    """A child of st11 paired with 赵老师, who made one visit, then was stopped (pairing left running)."""
    w = site.w

    def build(db: Any) -> dict[str, str]:
        mentor = Actor(create_user(db, login="sv-zhao", name="赵老师", role="mentor", unit_id=w.st11,
                                   password_hash=None, must_change_password=False), "mentor", w.st11)
        child = make_mentee(db, w.staff_st11, w.st11, code="SV-ZHAO", name="小军")
        pairing = make_pairing(db, w.staff_st11, mentor, child)
        visit = make_activity(db, mentor, pairing)
        if stop:
            deactivate_user(db, w.staff_st11, mentor.user_id)
        return {"child": child, "pairing": pairing, "visit": visit, "mentor": mentor.user_id}

    made: dict[str, str] = site.write(build)
    return made


def test_a_stopped_volunteer_is_marked_beside_their_pairing_on_every_office_page(site: Site) -> None:
    w = site.w
    old = _stopped_volunteer(site)
    pages = ["/pairings", "/pairings?q=SV-ZHAO", "/pairings?print=1", f"/pairings/{old['pairing']}",
             f"/pairings/{old['pairing']}/print", f"/mentees/{old['child']}", f"/mentees/{old['child']}/print",
             "/review"]
    for who in (w.staff_st11, w.admin, w.reviewer):
        browser = site.as_(who)
        for path in pages:
            response = browser.get(path)
            assert response.status_code == 200, (who.role, path)
            assert MARK in sentence(response.text), (who.role, path)
    end = site.as_(w.staff_st11).get(f"/pairings/{old['pairing']}/end").text
    assert f"← {MARK}" in sentence(end)
    # A volunteer in service is never marked.
    for path in (f"/pairings/{w.pairing1}", f"/pairings/{w.pairing1}/print", f"/mentees/{w.mentee1}"):
        assert "已停用" not in sentence(site.as_(w.staff_st11).get(path).text), path


def test_a_stopped_volunteers_running_pairing_offers_staff_a_new_volunteer_for_the_child(site: Site) -> None:
    w = site.w
    old = _stopped_volunteer(site)
    archive = site.as_(w.staff_st11).get(f"/pairings/{old['pairing']}").text
    assert "志愿者赵老师的账号已停用，不会再去看这个孩子" in sentence(archive)
    assert f'href="/pairings/new?mentee_id={old["child"]}">为这个孩子另找志愿者</a>' in archive
    assert f'href="/pairings/{old["pairing"]}/end">结束这个结对</a>' in archive
    assert f"/activities/new?pairing_id={old['pairing']}" not in archive
    child = site.as_(w.staff_st11).get(f"/mentees/{old['child']}").text
    assert "代录一次帮扶（赵老师）" not in child and f"/pairings/new?mentee_id={old['child']}" in child
    # The county cannot pair: it is told who must, with no link it may not follow.
    county = site.as_(w.reviewer).get(f"/pairings/{old['pairing']}").text
    assert "请孩子所在的辅导站或学校为这个孩子另找志愿者" in sentence(county) and "/pairings/new" not in county
    # A volunteer in service: no warning, 代录 offered as before.
    plain = site.as_(w.staff_st11).get(f"/pairings/{w.pairing1}").text
    assert "账号已停用" not in plain and f"/activities/new?pairing_id={w.pairing1}" in plain


def test_a_stopped_volunteers_pairing_is_not_offered_for_a_visit_and_one_posted_is_refused(site: Site) -> None:
    w = site.w
    old = _stopped_volunteer(site)
    browser = site.as_(w.staff_st11)
    form = browser.get("/activities/new").text
    assert f'value="{old["pairing"]}"' not in form and f'value="{w.pairing1}"' in form
    data = {"record_id": record_id_on(form), "pairing_id": old["pairing"], "kind": "home_visit",
            "date": "2026-11-26", "record": "电话口述的家访"}
    refused = browser.post("/activities/new", data)
    assert refused.status_code == 400
    said = sentence(refused.text)  # once, with the ways on: not a second time beside the picker
    assert said.count("赵老师的账号已停用") == 1 and "不能再为这个结对代录帮扶" in said
    assert "结束这个结对" in said and "补录帮扶记录" in said
    saved = site.read(lambda db: db.execute("SELECT count(*) FROM activities WHERE pairing_id = ?",
                                            [old["pairing"]]).fetchone()[0])
    assert saved == 1  # only the visit made before the stop


def test_stopping_the_volunteer_changes_the_archives_check_code(site: Site) -> None:
    w = site.w
    old = _stopped_volunteer(site, stop=False)
    path = f"/pairings/{old['pairing']}/print"
    before = site.as_(w.reviewer).get(path).text
    site.write(lambda db: deactivate_user(db, w.staff_st11, old["mentor"]))
    after = site.as_(w.reviewer).get(path).text
    code = r'核对码 <span class="code">'
    assert MARK in sentence(after) and MARK not in sentence(before)
    assert after.split(code)[1][:8] != before.split(code)[1][:8]
