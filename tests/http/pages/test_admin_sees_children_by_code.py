"""One rule for the admin and a child's identity: need-to-know. The admin keeps units, accounts, the
access log and backups; like the county reviewer, it reads children by their pseudonymous code, on
every page, list, print and export it can open — no name, birth year, guardian, number or free-text
备注 — searches by code only, and leaves the child's file to the staff who work with the child.
"""
from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pytest

from sync import Actor, apply_mutations, mutations
from sync.users import create_user

from ...factories import make_activity, mutate, remove, row
from .conftest import Browser, Site, password_hash
from .test_every_page import SIGNED_IN_PAGES

# What names a child or the family, as the test's children hold it: none of it occurs in the demo's
# fixed words, so finding any on a page means the page showed it.
NAME, OTHER_NAME = "甄秘名", "贾秘名"
GUARDIAN, CONTACT, NOTES = "乙监护人", "13911112222", "父母离异，跟奶奶住在北村三组"
CONFLICTING = ("13600003333", "13500004444")
SCREENING_NOTES = ("摸排备注：孩子说晚上睡不着", "摸排备注改过：孩子说晚上常做噩梦")
PRIVATE = (NAME, OTHER_NAME, GUARDIAN, CONTACT, NOTES, *CONFLICTING, *SCREENING_NOTES)


def _identify_the_children(site: Site) -> dict[str, str]:
    """Children with every private field filled, a 摸排 with notes changed and then deleted, an open
    risk flag, an overdue follow-up and a sync conflict on the guardian's number: the named lists
    all have something to name."""
    w = site.w

    def write(db: Any) -> dict[str, str]:
        mutate(db, w.staff_st11, "mentee", {"name": NAME, "guardian_name": GUARDIAN, "guardian_contact": CONTACT,
                                            "notes": NOTES, "birth_year": 2013}, w.mentee1)
        mutate(db, w.staff_st21, "mentee", {"name": OTHER_NAME}, w.mentee3)
        screening = mutate(db, w.staff_st11, "screening", {"mentee_id": w.mentee1, "date": "2026-10-21",
                                                          "notes": SCREENING_NOTES[0]})
        version = row(db, "screening", screening)["version"]  # type: ignore[index]
        mutate(db, w.staff_st11, "screening", {"notes": SCREENING_NOTES[1]}, screening, version)
        remove(db, w.staff_st11, "screening", screening)
        flag = make_activity(db, w.mentor1, w.pairing1, date="2026-11-25", risk_flag=True,
                             follow_up_due="2026-11-26", record="孩子情绪低落")
        version = row(db, "mentee", w.mentee1)["version"]  # type: ignore[index]
        mutate(db, w.staff_st11, "mentee", {"guardian_contact": CONFLICTING[0]}, w.mentee1, version)
        (clash,) = apply_mutations(db, w.mentor1, [mutations.upsert("mentee", {"guardian_contact": CONFLICTING[1]},
                                                                    w.mentee1, base_version=version)])
        assert clash.status == "conflict", clash.answer()
        conflict = db.execute("SELECT id FROM sync_conflicts WHERE record_id = ?", [w.mentee1]).fetchone()[0]
        return {"flag": flag, "conflict": conflict, "screening": screening}

    return site.write(write)


def _private_words(text: str) -> list[str]:
    return [word for word in PRIVATE if word in text]


def _open(browser: Browser, path: str) -> str:
    """The page's text; a workbook's (an .xlsx export or template) is the text of its sheets' XML."""
    response = browser.get(path)
    assert response.status_code < 500, f"{path} answered {response.status_code}"
    if response.content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(response.content)) as book:
            return "".join(book.read(name).decode() for name in book.namelist() if name.endswith(".xml"))
    return response.text


@pytest.fixture
def identified(site: Site) -> dict[str, str]:
    return _identify_the_children(site)


def test_the_staff_who_work_with_the_child_see_what_the_test_hides_from_the_admin(
        site: Site, identified: dict[str, str]) -> None:
    """The words this file looks for are on the pages: their absence for the admin is the rule."""
    staff = site.as_(site.w.staff_st11)
    text = staff.get(f"/mentees/{site.w.mentee1}").text
    assert NAME in text and GUARDIAN in text and NOTES in text
    assert NAME in staff.get("/staff").text and NAME in staff.get(f"/mentees?q={NAME}").text


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_no_page_of_the_url_map_shows_the_admin_a_childs_identity(
        site: Site, identified: dict[str, str], path: str) -> None:
    admin = site.as_(site.w.admin)
    assert not _private_words(_open(admin, path)), path


# Every page that shows one child, pairing or record, and the searches and list filters.
RECORD_PAGES = (
    "/mentees/{mentee1}", "/mentees/{mentee1}/print", "/mentees/{mentee3}",
    "/mentees?status=all", "/mentees?status=deleted", "/mentees?screening=due",
    "/pairings/{pairing1}", "/pairings/{pairing1}/print", "/pairings?status=all",
    "/activities/{activity1}", "/activities/{flag}", "/referrals/{referral1}", "/referrals?status=all",
    "/conflicts", "/conflicts/{conflict}", "/mentors/{mentor1_id}", "/admin/users/{mentor1_id}",
    "/admin/units/{st11}", "/pairings/new?mentee_id={mentee1}", "/referrals/new?mentee_id={mentee1}",
    "/activities/new?pairing_id={pairing1}", "/admin/access-log", "/pairings/{pairing1}/edit",
    "/pairings/{pairing1}/end", "/activities/{activity1}/edit", "/returns/{stats_return1}",
    "/returns/{stats_return1}.csv", "/inspections/units/{st11}",
    "/reports/stats/records?measure=screened&unit={st11}&from=2026-01-01&to=2026-12-31",
    "/reports/stats/records?measure=helped&unit={st11}&from=2026-01-01&to=2026-12-31",
)


@pytest.mark.parametrize("page", RECORD_PAGES)
def test_a_childs_own_pages_show_the_admin_the_code_only(site: Site, identified: dict[str, str], page: str) -> None:
    w = site.w
    path = page.format(**{**vars(w), **identified, "mentor1_id": w.mentor1.user_id})
    admin = site.as_(w.admin)
    text = _open(admin, path)
    assert not _private_words(text), (path, _private_words(text))


@pytest.mark.parametrize("page", ["/mentees?q={name}", "/pairings?q={name}", "/mentees?q={name}&status=all"])
def test_the_admin_cannot_find_a_child_by_name(site: Site, identified: dict[str, str], page: str) -> None:
    w = site.w
    code = site.read(lambda db: row(db, "mentee", w.mentee1))["code"]
    admin = site.as_(w.admin)
    assert code not in admin.get(page.format(name=NAME)).text
    assert code in admin.get(page.format(name=code)).text  # the search by code finds the child


@pytest.mark.parametrize("page", ["/mentees/new", "/mentees/{mentee1}/edit", "/mentees/import",
                                  "/mentees/import/template.xlsx", "/activities/phone-import"])
def test_the_admin_opens_no_form_of_a_childs_file(site: Site, page: str) -> None:
    response = site.as_(site.w.admin).get(page.format(mentee1=site.w.mentee1))
    assert response.status_code == 403
    assert not _private_words(response.text)


def test_the_admin_writes_nothing_to_a_childs_file(site: Site) -> None:
    w = site.w
    admin = site.as_(w.admin)
    before = site.read(lambda db: row(db, "mentee", w.mentee1))
    screenings = site.read(lambda db: db.execute("SELECT count(*) FROM screenings").fetchone()[0])
    posts = {
        "/mentees/new": {"unit_id": w.st11, "name": "新孩子", "risk_level": "normal"},
        f"/mentees/{w.mentee1}/edit": {"base_version": str(before["version"]), "unit_id": w.st11,  # type: ignore[index]
                                       "name": "改名", "risk_level": "normal", "status": "active"},
        f"/mentees/{w.mentee1}": {"date": "2026-11-30", "notes": "管理员的摸排"},
    }
    for path, form in posts.items():
        assert admin.post(path, form, form_page="/admin/units").status_code == 403, path
    assert site.read(lambda db: row(db, "mentee", w.mentee1)) == before
    assert site.read(lambda db: db.execute("SELECT count(*) FROM screenings").fetchone()[0]) == screenings
    assert not site.read(lambda db: db.execute("SELECT count(*) FROM mentees WHERE name = '新孩子'").fetchone()[0])


def test_the_admins_list_of_children_offers_no_register_edit_or_import(site: Site) -> None:
    text = site.as_(site.w.admin).get("/mentees").text
    assert not re.search(r'href="/mentees/(new|import|[^"/]+/edit)"', text)


def test_the_admin_is_not_led_to_the_entry_of_a_phones_file(site: Site) -> None:
    """The staff home and a stopped volunteer's page link 录入导出的文件 for staff; the admin, who
    may not open it, is told where the file goes without a link to a 403."""
    w = site.w
    staff, admin = site.as_(w.staff_st11), site.as_(w.admin)
    assert staff.post(f"/mentors/{w.mentor1.user_id}", {"action": "deactivate"}).status_code == 303
    for path in ("/staff", f"/mentors/{w.mentor1.user_id}"):
        assert 'href="/activities/phone-import"' in staff.get(path).text, path
        page = admin.get(path)
        assert page.status_code == 200 and "/activities/phone-import" not in page.text, path
    assert "录入导出的文件" in admin.get(f"/mentors/{w.mentor1.user_id}").text


def test_a_child_moving_to_another_towns_school_is_moved_by_county_staff_not_the_admin(site: Site) -> None:
    """What the admin gave up that staff of one town cannot do: the admin makes a staff account at
    the county (its job: accounts), and that account, which reads names, moves the child."""
    w = site.w
    made = site.write(lambda db: create_user(db, login="county-staff", name="县直干事", role="staff", unit_id=w.county,
                                             password_hash=password_hash(), must_change_password=False))
    county_staff = Actor(made, "staff", w.county, None, "县直干事")
    version = site.read(lambda db: row(db, "mentee", w.mentee1))["version"]
    browser = site.as_(county_staff)
    moved = browser.post(f"/mentees/{w.mentee1}/edit", {
        "base_version": str(version), "unit_id": w.st21, "name": "小明", "risk_level": "normal",
        "status": "active", "categories": ["psych"]})
    assert moved.status_code == 303, moved.text
    assert site.read(lambda db: row(db, "mentee", w.mentee1))["unit_id"] == w.st21


def test_the_admins_conflict_count_is_the_conflicts_it_is_listed(site: Site, identified: dict[str, str]) -> None:
    """The guardian's-number conflict is the staff's to decide: the admin's home counts what its
    /conflicts lists (none of it), the station's counts it."""
    w = site.w

    def conflicts_figure(browser: Browser) -> int:
        page = browser.get("/staff").text
        todo = page[page.index('id="todo-h"'):]
        return int(re.findall(r'<p class="figure">(\d+)</p>', todo)[1])

    admin, staff = site.as_(w.admin), site.as_(w.staff_st11)
    assert identified["conflict"] not in admin.get("/conflicts").text
    assert conflicts_figure(admin) == 0
    assert identified["conflict"] in staff.get("/conflicts").text and conflicts_figure(staff) == 1
