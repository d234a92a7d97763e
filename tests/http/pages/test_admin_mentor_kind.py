"""The admin's account form shows and sets a volunteer's kind (users.mentor_kind) with the picker and
the checks of the volunteer's own form (/mentors); an account of another role has no kind to set."""
from __future__ import annotations

import re
from typing import Any

from sync.users import create_user

from .conftest import Site
from .test_mentors import edit_form

KIND_REFUSED = "志愿者类别应为 老干部、老战士、老专家、老教师、老模范、学校教师、社会各界人士 之一"


def _kind(site: Site, user_id: str) -> str | None:
    return site.read(lambda db: db.execute("SELECT mentor_kind FROM users WHERE id = ?", [user_id]).fetchone()[0])


def _new_account(site: Site, **fields: Any) -> Any:
    admin = site.as_(site.w.admin)
    record_id = re.search(r'name="record_id" value="([0-9a-f-]{36})"', admin.get("/admin/users/new").text).group(1)
    return admin.post("/admin/users/new", {"login": "kind.test", "name": "钱老", "unit_id": site.w.st11,
                                           "record_id": record_id, **fields})


def test_the_admin_sees_and_sets_a_volunteers_kind_on_the_account_form(site: Site) -> None:
    w = site.w
    admin = site.as_(w.admin)
    path = f"/admin/users/{w.mentor1.user_id}"
    page = admin.get(path).text
    for text in ("老干部", "老战士", "老专家", "老教师", "老模范", "学校教师", "社会各界人士", "未填"):
        assert f"<span>{text}</span>" in page
    form = edit_form(admin, path)
    assert form["mentor_kind"] == ""
    assert admin.post(path, {**form, "mentor_kind": "veteran"}).status_code == 303
    assert _kind(site, w.mentor1.user_id) == "veteran"
    form = edit_form(admin, path)
    assert form["mentor_kind"] == "veteran" and form["shown_mentor_kind"] == "veteran"
    # The volunteer's own page shows what the admin set.
    assert "<dt>志愿者类别</dt><dd>老战士</dd>" in site.as_(w.staff_st11).get(f"/mentors/{w.mentor1.user_id}").text
    assert admin.post(path, {**form, "mentor_kind": ""}).status_code == 303
    assert _kind(site, w.mentor1.user_id) is None


def test_a_kind_not_on_the_list_is_refused_on_the_admins_form_as_on_the_volunteers(site: Site) -> None:
    w = site.w
    admin = site.as_(w.admin)
    path = f"/admin/users/{w.mentor1.user_id}"
    for bad in ("boss", "老干部", ["model", "model3"]):
        response = admin.post(path, {**edit_form(admin, path), "mentor_kind": bad, "phone": "13900001111"})
        assert response.status_code == 400 and KIND_REFUSED in response.text, bad
    assert _kind(site, w.mentor1.user_id) is None
    answer = _new_account(site, role="mentor", mentor_kind="boss")
    assert answer.status_code == 400 and KIND_REFUSED in answer.text


def test_a_new_volunteer_account_is_made_with_its_kind(site: Site) -> None:
    response = _new_account(site, role="mentor", mentor_kind="expert")
    assert response.status_code == 303
    assert _kind(site, response.headers["location"].rsplit("/", 1)[1]) == "expert"


def test_a_staff_account_has_no_kind_to_set_and_a_kind_picked_for_another_role_is_refused(site: Site) -> None:
    w = site.w
    assert 'name="mentor_kind"' not in site.as_(w.admin).get(f"/admin/users/{w.staff_st21.user_id}").text
    response = _new_account(site, role="staff", mentor_kind="cadre")
    assert response.status_code == 400 and "志愿者类别只用于五老志愿者" in response.text
    assert site.read(lambda db: db.execute("SELECT count(*) FROM users WHERE login = 'kind.test'").fetchone()[0]) == 0
    made = _new_account(site, role="staff", mentor_kind="")
    assert made.status_code in (200, 303)
    assert site.read(lambda db: db.execute("SELECT mentor_kind FROM users WHERE login = 'kind.test'").fetchone()) \
        == (None,)


def test_a_volunteer_with_a_kind_is_made_staff_without_a_refusal(site: Site) -> None:
    """The picker shows the stored kind and sends it back: made staff, that is no kind picked anew."""
    w = site.w
    user_id = site.write(lambda db: create_user(db, login="kind.made", name="孙老", role="mentor", unit_id=w.st11,
                                                mentor_kind="cadre"))
    admin = site.as_(w.admin)
    path = f"/admin/users/{user_id}"
    form = edit_form(admin, path)
    assert form["mentor_kind"] == "cadre"
    answer = admin.post(path, {**form, "role": "staff"})
    assert answer.status_code == 200 and '<p class="one-time">' in answer.text  # its generated password
    assert site.read(lambda db: db.execute("SELECT role FROM users WHERE id = ?", [user_id]).fetchone()[0]) == "staff"
