"""Admin pages: the unit tree (create, move, delete), accounts (create, edit, reset, deactivate),
the access log and the backup download. Only the admin may use them."""
from __future__ import annotations

import datetime
import html
import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from sync import new_id
from sync.users import create_user

from ...factories import make_county_staff, make_mentee, mutate, pull_all, row
from .conftest import PASSWORD, Site, password_hash, sentence
from .test_mentors import FormFields, edit_form

ADMIN_GETS = ["/admin/units", "/admin/units/{unit}", "/admin/users", "/admin/users/new", "/admin/users/{user}",
              "/admin/access-log", "/admin/backup"]
ADMIN_POSTS = ["/admin/units", "/admin/units/{unit}", "/admin/users/new", "/admin/users/{user}", "/admin/backup"]


def _path(site: Site, template: str) -> str:
    return template.format(unit=site.w.st11, user=site.w.staff_st11.user_id)


@pytest.mark.parametrize("who", ["reviewer", "staff_town1", "staff_st11"])
@pytest.mark.parametrize("page", ADMIN_GETS)
def test_admin_pages_refuse_everyone_but_the_admin(site: Site, who: str, page: str) -> None:
    response = site.as_(getattr(site.w, who)).get(_path(site, page))
    assert response.status_code == 403
    assert "掘港小学辅导站" not in response.text


@pytest.mark.parametrize("who", ["reviewer", "staff_town1"])
@pytest.mark.parametrize("page", ADMIN_POSTS)
def test_admin_forms_refuse_everyone_but_the_admin(site: Site, who: str, page: str) -> None:
    before = site.read(lambda db: db.execute("SELECT count(*), max(version) FROM units").fetchone())
    response = site.as_(getattr(site.w, who)).post(
        _path(site, page), {"name": "改名", "kind": "school", "action": "deactivate"}, form_page="/account")
    assert response.status_code == 403
    assert site.read(lambda db: db.execute("SELECT count(*), max(version) FROM units").fetchone()) == before
    assert site.read(lambda db: row_active(db, site.w.staff_st11.user_id))


def row_active(db: Any, user_id: str) -> bool:
    return bool(db.execute("SELECT active FROM users WHERE id = ?", [user_id]).fetchone()[0])


# --- units ------------------------------------------------------------------------------------

def test_admin_creates_a_school_that_reaches_the_towns_pull(site: Site) -> None:
    w = site.w
    response = site.as_(w.admin).post("/admin/units", {"name": "掘港第二小学", "kind": "school", "parent_id": w.town1})
    assert response.status_code == 303
    unit_id = site.read(lambda db: db.execute("SELECT id FROM units WHERE name = '掘港第二小学'").fetchone()[0])
    held, _, _ = site.read(lambda db: pull_all(db, w.staff_town1))
    assert held[("unit", unit_id)]["fields"]["parent_id"] == w.town1
    assert "掘港第二小学" in site.as_(w.admin).get("/admin/units").text


def test_the_new_unit_form_sent_twice_makes_one_unit(site: Site) -> None:
    # A double click on 新建单位 (or the form sent again from the back button) must not put two
    # 掘港第二小学 in the tree, the second a row of zeros on every statistics form.
    w = site.w
    admin = site.as_(w.admin)
    form = admin.get("/admin/units").text
    record_id = re.search(r'name="record_id" value="([0-9a-f-]{36})"', form).group(1)
    fields = {"name": "掘港第二小学", "kind": "school", "parent_id": w.town1, "record_id": record_id}
    for _ in range(2):
        sent = admin.post("/admin/units", fields)
        assert sent.status_code == 303 and sent.headers["location"] == "/admin/units"
    assert site.read(lambda db: db.execute("SELECT id FROM units WHERE name = '掘港第二小学'").fetchall()) == \
        [(record_id,)]
    assert f'name="record_id" value="{record_id}"' not in admin.get("/admin/units").text  # the next form is new


def test_a_second_unit_of_a_name_in_use_is_refused_beside_the_name_and_keeps_what_was_typed(site: Site) -> None:
    """A second 新店镇中心小学 was made without a word: the account and unit pickers then showed the
    name twice, and every import naming it was refused with 有 2 个单位都叫…，请联系管理员区分."""
    w = site.w
    admin = site.as_(w.admin)
    count = "SELECT count(*) FROM units WHERE replace(name, ' ', '') = '掘港中学'"
    made = admin.post("/admin/units", {"name": "掘港 中学", "kind": "school", "parent_id": w.town2,
                                       "phone": "0513-8765432"})
    assert made.status_code == 400
    text = re.sub(r"<[^>]+>", "", made.text)
    assert "已有一个名为“掘港中学”的单位" in text and "请换一个名称" in text
    assert 'value="0513-8765432"' in made.text and 'value="掘港 中学"' in made.text
    assert site.read(lambda db: db.execute(count).fetchone()[0]) == 1
    renamed = admin.post(f"/admin/units/{w.st11}", {"name": "掘港中学", "kind": "station", "parent_id": w.town1,
                                                     "base_version": _unit_version(site, w.st11)})
    assert renamed.status_code == 400 and "已有一个名为“掘港中学”的单位" in re.sub(r"<[^>]+>", "", renamed.text)
    assert site.read(lambda db: row(db, "unit", w.st11))["name"] == "掘港小学辅导站"
    # Its own name kept while another field changes is no namesake.
    kept = admin.post(f"/admin/units/{w.st12}", {"name": "掘港中学", "kind": "school", "parent_id": w.town1,
                                                  "phone": "0513-1111111", "base_version": _unit_version(site, w.st12)})
    assert kept.status_code == 303


def test_two_new_unit_forms_of_one_name_posted_at_once_make_one_unit(site: Site) -> None:
    """Each post looked for a namesake in a read, then wrote: two at once (two tabs, two admins) both
    found none, and most rounds made two 新店镇第N小学. The write itself now refuses the second."""
    w = site.w
    for round_ in range(5):
        name = f"新店镇第{round_}小学"
        form = {"name": name, "kind": "school", "parent_id": w.town1}
        tabs = (site.as_(w.admin), site.as_(w.admin))
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda tab, form=form: tab.post("/admin/units", form), tabs))
        assert sorted(a.status_code for a in answers) == [303, 400]
        refused = next(a for a in answers if a.status_code == 400)
        assert f"已有一个名为“{name}”的单位" in re.sub(r"<[^>]+>", "", refused.text)
        assert site.read(lambda db, name=name: db.execute(
            "SELECT count(*) FROM units WHERE name = ?", [name]).fetchone()[0]) == 1


def _unit_version(site: Site, unit_id: str) -> int:
    return int(site.read(lambda db: row(db, "unit", unit_id))["version"])


def test_a_stale_unit_form_keeps_a_change_made_since_and_sends_only_its_own(site: Site) -> None:
    w = site.w
    admin = site.as_(w.admin)
    seen = _unit_version(site, w.st12)
    assert f'name="base_version" value="{seen}"' in admin.get(f"/admin/units/{w.st12}").text
    form = {k: site.read(lambda db: row(db, "unit", w.st12))[k] for k in ("name", "kind", "parent_id")}
    # Someone renames the school after the admin opened its page ...
    site.write(lambda db: mutate(db, w.admin, "unit", {"name": "掘港中学（新名）"}, w.st12, seen))
    # ... and the admin, from the page as it was, moves it to another town.
    response = admin.post(f"/admin/units/{w.st12}", {**form, "parent_id": w.town2, "base_version": seen})
    assert response.status_code == 303
    unit = site.read(lambda db: row(db, "unit", w.st12))
    assert (unit["name"], unit["parent_id"]) == ("掘港中学（新名）", w.town2)


def test_unit_tree_keeps_its_shape(site: Site) -> None:
    w = site.w
    admin = site.as_(w.admin)
    under_station = admin.post("/admin/units", {"name": "错挂的学校", "kind": "school", "parent_id": w.st11})
    assert under_station.status_code == 400 and "上级单位应是镇/街道或县" in under_station.text
    town_as_child = admin.post(f"/admin/units/{w.town1}", {"name": "掘港街道", "kind": "town", "parent_id": w.st21,
                                                           "base_version": _unit_version(site, w.town1)})
    assert town_as_child.status_code == 400 and "上级单位" in town_as_child.text
    assert site.read(lambda db: row(db, "unit", w.town1))["parent_id"] == w.county



def test_a_second_county_is_refused_beside_the_kind_on_create_and_on_edit(site: Site) -> None:
    # One database per county (docs/operations.md §4): a second 县 made here (县 is the picker's first
    # choice) was a tree of its own that the county's reviewer, its statistics form and its returns
    # never saw, while the admin's pickers offered it everywhere.
    w = site.w
    admin = site.as_(w.admin)
    units_before = site.read(lambda db: db.execute("SELECT count(*) FROM units").fetchone()[0])
    made = admin.post("/admin/units", {"name": "海安县关工委", "kind": "county", "parent_id": "", "address": "海安"})
    assert made.status_code == 400
    text = html.unescape(made.text)
    assert "系统里已有县级单位" in text
    assert 'value="海安县关工委"' in text and 'value="海安"' in text  # what was typed is kept
    assert site.read(lambda db: db.execute("SELECT count(*) FROM units").fetchone()[0]) == units_before
    town_made_county = admin.post(f"/admin/units/{w.town2}", {
        "name": row_name(site, w.town2), "kind": "county", "parent_id": "",
        "base_version": _unit_version(site, w.town2)})
    assert town_made_county.status_code == 400 and "已有县级单位" in html.unescape(town_made_county.text)
    assert site.read(lambda db: row(db, "unit", w.town2))["kind"] == "town"
    # The county itself is saved as before.
    kept = admin.post(f"/admin/units/{w.county}", {"name": row_name(site, w.county), "kind": "county", "parent_id": "",
                                                   "phone": "0513-84000000",
                                                   "base_version": _unit_version(site, w.county)})
    assert kept.status_code == 303


def row_name(site: Site, unit_id: str) -> str:
    return str(site.read(lambda db: row(db, "unit", unit_id))["name"])

def test_admin_moves_a_school_to_another_town(site: Site) -> None:
    w = site.w
    response = site.as_(w.admin).post(f"/admin/units/{w.st12}", {"name": "掘港中学（迁）", "kind": "school",
                                                                 "parent_id": w.town2,
                                                                 "base_version": _unit_version(site, w.st12)})
    assert response.status_code == 303
    moved = site.read(lambda db: row(db, "unit", w.st12))
    assert moved["parent_id"] == w.town2 and moved["name"] == "掘港中学（迁）"
    held2, _, _ = site.read(lambda db: pull_all(db, w.staff_town2))
    assert ("unit", w.st12) in held2


def test_a_unit_holding_records_is_not_deleted_an_empty_one_is(site: Site) -> None:
    w = site.w
    admin = site.as_(w.admin)
    refused = admin.post(f"/admin/units/{w.st11}", {"action": "delete", "base_version": _unit_version(site, w.st11)})
    assert refused.status_code == 400 and "不能删除" in refused.text and "请先把它们移到别的单位" in refused.text
    assert not site.read(lambda db: row(db, "unit", w.st11))["deleted"]
    admin.post("/admin/units", {"name": "空学校", "kind": "school", "parent_id": w.town2})
    empty = site.read(lambda db: db.execute("SELECT id FROM units WHERE name = '空学校'").fetchone()[0])
    assert admin.post(f"/admin/units/{empty}", {"action": "delete",
                                                 "base_version": _unit_version(site, empty)}).status_code == 303
    assert site.read(lambda db: row(db, "unit", empty))["deleted"]
    admin.get("/admin/units")  # shows the one-time message naming it
    assert "空学校" not in admin.get("/admin/units").text


def test_the_unit_page_says_before_a_delete_that_it_cannot_be_undone(site: Site) -> None:
    """删除“…” was one click under words saying what leaves the tree, not that no page brings it back
    (as 停用这台手机 now says before its click)."""
    w = site.w
    admin = site.as_(w.admin)
    admin.post("/admin/units", {"name": "空学校", "kind": "school", "parent_id": w.town2})
    empty = site.read(lambda db: db.execute("SELECT id FROM units WHERE name = '空学校'").fetchone()[0])
    page = sentence(admin.get(f"/admin/units/{empty}").text)
    assert "删除不能撤销" in page and "新建一个同名的单位" in page
    assert page.index("删除不能撤销") < page.index("删除“空学校”")  # said before the button
    assert "删除不能撤销" not in sentence(admin.get(f"/admin/units/{w.st11}").text)  # no delete offered there


def test_a_school_holding_only_group_events_is_not_deleted_and_the_page_says_why(site: Site) -> None:
    """No account, no child: only its lectures, which would then count nowhere (before, it went)."""
    w = site.w
    admin = site.as_(w.admin)
    admin.post("/admin/units", {"name": "栟茶第二小学", "kind": "school", "parent_id": w.town2})
    school = site.read(lambda db: db.execute("SELECT id FROM units WHERE name = '栟茶第二小学'").fetchone()[0])
    site.write(lambda db: mutate(db, w.staff_town2, "event", {
        "unit_id": school, "kind": "lecture", "audience": "students", "date": "2026-10-10", "participants": 300}))
    response = admin.post(f"/admin/units/{school}", {"action": "delete", "base_version": _unit_version(site, school)})
    assert response.status_code == 400
    assert "“栟茶第二小学”还有集体活动（宣讲等），不能删除" in response.text
    assert not site.read(lambda db: row(db, "unit", school))["deleted"]
    assert "栟茶第二小学" in admin.get("/admin/units").text


def test_delete_clicked_twice_deletes_the_unit_and_says_so_both_times(site: Site) -> None:
    # Not a 404 page saying "您填写的内容（没有保存）" after a deletion that succeeded.
    w = site.w
    admin = site.as_(w.admin)
    admin.post("/admin/units", {"name": "空学校", "kind": "school", "parent_id": w.town2})
    empty = site.read(lambda db: db.execute("SELECT id FROM units WHERE name = '空学校'").fetchone()[0])
    form = {"action": "delete", "base_version": _unit_version(site, empty)}
    token = admin.token(f"/admin/units/{empty}")
    sent = [admin.post(f"/admin/units/{empty}", form, token=token) for _ in range(2)]
    assert [(r.status_code, r.headers.get("location")) for r in sent] == [(303, "/admin/units")] * 2
    assert site.read(lambda db: row(db, "unit", empty))["deleted"]
    assert admin.get(f"/admin/units/{empty}").status_code == 404  # a deleted unit is still not shown


def test_a_school_holding_children_does_not_become_a_town_and_leave_the_statistics_form(site: Site) -> None:
    w = site.w
    admin = site.as_(w.admin)
    # A school directly under the county (县直) holding a child: "镇/街道" keeps the tree's shape.
    admin.post("/admin/units", {"name": "县直中学", "kind": "school", "parent_id": w.county})
    school = site.read(lambda db: db.execute("SELECT id FROM units WHERE name = '县直中学'").fetchone()[0])
    site.write(lambda db: make_mentee(db, make_county_staff(db, w.county), school))
    as_town = {"name": "县直中学", "kind": "town", "parent_id": w.county, "base_version": _unit_version(site, school)}
    refused = admin.post(f"/admin/units/{school}", as_town)
    assert refused.status_code == 400 and "不再计入统计表" in refused.text
    assert site.read(lambda db: row(db, "unit", school))["kind"] == "school"
    form = site.as_(w.reviewer).get(f"/reports/stats.csv?unit={w.county}").text
    assert "县直中学" in form
    # A station or school may still become the other row kind, and an empty one a town.
    as_station = {**as_town, "kind": "station"}
    assert admin.post(f"/admin/units/{school}", as_station).status_code == 303
    admin.post("/admin/units", {"name": "空学校", "kind": "school", "parent_id": w.county})
    empty = site.read(lambda db: db.execute("SELECT id FROM units WHERE name = '空学校'").fetchone()[0])
    assert admin.post(f"/admin/units/{empty}", {"name": "空学校", "kind": "town", "parent_id": w.county,
                                                 "base_version": _unit_version(site, empty)}).status_code == 303



def test_the_unit_tree_counts_accounts_in_use_and_says_so_as_the_units_page_and_the_accounts_list_do(
        site: Site) -> None:
    # The tree said 账号 N 个 and counted only accounts in use; the accounts list filtered by the unit
    # lists the stopped ones too, so a stopped volunteer made the two pages disagree for a clerk.
    w = site.w
    admin = site.as_(w.admin)
    assert admin.post(f"/admin/users/{w.mentor1.user_id}", {"action": "deactivate"}).status_code == 303
    in_use, every = site.read(lambda db: db.execute(
        "SELECT sum(active), count(*) FROM users WHERE unit_id = ?", [w.st11]).fetchone())
    assert in_use < every
    tree = admin.get("/admin/units").text
    line = tree[tree.index(f'href="/admin/units/{w.st11}"'):]
    assert f"在用账号 {in_use} 个" in line[:line.index("</li>")]
    assert f"在用账号 {in_use} 个" in admin.get(f"/admin/units/{w.st11}").text
    assert "已停用" in admin.get(f"/admin/users?unit={w.st11}").text

def test_unknown_unit_answers_404(site: Site) -> None:
    admin = site.as_(site.w.admin)
    assert admin.get(f"/admin/units/{new_id()}").status_code == 404
    assert admin.get("/admin/units/nonsense").status_code == 404


# --- accounts -------------------------------------------------------------------------------

def _create(site: Site, **fields: str) -> Any:
    data = {"login": "new.reviewer", "name": "新审核员", "role": "reviewer", "unit_id": site.w.county,
            "phone": "13800000000", **fields}
    return site.as_(site.w.admin).post("/admin/users/new", data)


def test_admin_creates_an_account_that_can_sign_in(site: Site) -> None:
    response = _create(site, password="a-long-password")
    assert response.status_code == 303
    browser = site.browser()
    signed_in = browser.post("/login", {"username": "new.reviewer", "password": "a-long-password"}, form_page="/login")
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/dashboard"
    audit = site.read(lambda db: db.execute(
        "SELECT user_id, op FROM sync_audit WHERE entity = 'user' AND record_id = "
        "(SELECT id FROM users WHERE login = 'new.reviewer')").fetchall())
    assert [tuple(a) for a in audit] == [(site.w.admin.user_id, "create")]


def test_the_new_account_form_sent_twice_makes_one_account_and_says_so(site: Site) -> None:
    # The first answer showed the generated password; a second click must not cover it with
    # "用户名已被使用" as if nothing had been made, nor make a second account.
    admin = site.as_(site.w.admin)
    record_id = re.search(r'name="record_id" value="([0-9a-f-]{36})"', admin.get("/admin/users/new").text).group(1)
    fields = {"login": "gen.staff", "name": "新站员", "role": "staff", "unit_id": site.w.st21, "record_id": record_id}
    first = admin.post("/admin/users/new", fields)
    assert first.status_code == 200 and '<p class="one-time">' in first.text
    again = admin.post("/admin/users/new", fields)
    assert again.status_code == 303 and again.headers["location"] == f"/admin/users/{record_id}"
    page = admin.get(again.headers["location"]).text
    assert "只建了一个账号" in page and "请在下方重置密码" in page
    assert site.read(lambda db: db.execute("SELECT id FROM users WHERE login = 'gen.staff'").fetchall()) == \
        [(record_id,)]


def test_the_new_account_form_sent_again_with_a_change_or_another_password_is_told_it_was_not_saved(
        site: Site) -> None:
    """Back, the name corrected or another password typed, 保存: answered "已建立" as the same form
    again, the admin then handed out a password the account never had. Now 409 with what was not
    saved (the password never shown back); one account, its first password still the one that works."""
    from server.auth import verify_password

    admin = site.as_(site.w.admin)
    record_id = re.search(r'name="record_id" value="([0-9a-f-]{36})"', admin.get("/admin/users/new").text).group(1)
    fields = {"login": "typed.staff", "name": "新站员", "role": "staff", "unit_id": site.w.st21,
              "password": "first-password-1", "record_id": record_id}
    assert admin.post("/admin/users/new", fields).status_code == 303
    assert admin.post("/admin/users/new", fields).status_code == 303  # the same again: as the first
    for changed, shown in (({"name": "新站员乙"}, "新站员乙"), ({"password": "second-password-2"}, "另填的密码")):
        response = admin.post("/admin/users/new", {**fields, **changed})
        assert response.status_code == 409 and "没有保存" in response.text and shown in response.text, response.text
        assert "second-password-2" not in response.text and f'href="/admin/users/{record_id}"' in response.text
    stored = site.read(lambda db: db.execute("SELECT name, password_hash FROM users WHERE login = 'typed.staff'")
                       .fetchall())
    assert len(stored) == 1 and stored[0][0] == "新站员" and verify_password(stored[0][1], "first-password-1")


def test_an_account_search_that_finds_no_one_says_so_and_what_to_try_not_an_empty_table(site: Site) -> None:
    page = site.as_(site.w.admin).get("/admin/users", params={"q": "没有这个人"}).text
    assert "共 0 个账号" in page and "<table" not in page
    assert "没有符合条件的账号。请换一个姓名、用户名或电话" in page


def test_the_accounts_page_leads_to_the_volunteers_excel_import(site: Site) -> None:
    """The import of accounts from Excel was only on 志愿者, a page an admin adding accounts at 账号
    had no reason to open."""
    admin = site.as_(site.w.admin)
    page = admin.get("/admin/users").text
    assert '<a class="button" href="/mentors/import">从 Excel 导入五老志愿者</a>' in page
    assert admin.get("/mentors/import").status_code == 200


def test_a_generated_password_is_shown_once_and_works(site: Site) -> None:
    response = _create(site, login="gen.staff", role="staff", unit_id=site.w.st21)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    password = re.search(r'<p class="one-time">([a-z0-9-]+)</p>', response.text)
    assert password
    browser = site.browser()
    assert browser.post("/login", {"username": "gen.staff", "password": password.group(1)},
                        form_page="/login").status_code == 303


def test_account_errors_are_sentences_beside_the_form(site: Site) -> None:
    taken = _create(site, login=site.login_of(site.w.reviewer), password="a-long-password")
    assert taken.status_code == 400 and "已被使用" in taken.text
    short = _create(site, password="short")
    assert short.status_code == 400 and "至少 8 位" in short.text


def test_deactivating_an_account_stops_its_sessions_and_phones(site: Site) -> None:
    w = site.w
    staff = site.as_(w.staff_st11)
    assert staff.get("/account").status_code == 200
    token = site.app.state.banxing.signers.device_token(w.mentor1.device_id, w.mentor1.user_id)
    phone = site.browser()
    headers = {"Authorization": "Bearer " + token}
    assert phone.client.get("/api/sync/pull", headers=headers).status_code == 200
    admin = site.as_(w.admin)
    for who in (w.staff_st11, w.mentor1):
        assert admin.post(f"/admin/users/{who.user_id}", {"action": "deactivate"}).status_code == 303
    assert staff.get("/account").status_code == 303  # back to /login
    refused = phone.client.get("/api/sync/pull", headers=headers)
    assert refused.status_code == 401 and refused.json()["code"] == "user_inactive"
    again = site.browser().post("/login", {"username": site.login_of(w.staff_st11), "password": PASSWORD},
                                form_page="/login")
    assert again.status_code == 403 and "已停用" in again.text
    assert admin.post(f"/admin/users/{w.staff_st11.user_id}", {"action": "activate"}).status_code == 303
    assert site.as_(w.staff_st11).get("/account").status_code == 200


def test_admin_cannot_deactivate_or_demote_themselves(site: Site) -> None:
    w = site.w
    admin = site.as_(w.admin)
    assert admin.post(f"/admin/users/{w.admin.user_id}", {"action": "deactivate"}).status_code == 400
    demote = admin.post(f"/admin/users/{w.admin.user_id}", {"login": site.login_of(w.admin), "name": "管理员",
                                                            "role": "staff", "unit_id": w.county})
    assert demote.status_code == 400
    assert site.read(lambda db: db.execute("SELECT role, active FROM users WHERE id = ?",
                                           [w.admin.user_id]).fetchone()) == ("admin", 1)


def test_password_reset_ends_old_sessions_and_the_old_password(site: Site) -> None:
    w = site.w
    staff = site.as_(w.staff_st12)
    response = site.as_(w.admin).post(f"/admin/users/{w.staff_st12.user_id}",
                                      {"action": "password", "new_password": "brand-new-pass"})
    assert response.status_code == 303
    assert staff.get("/account").status_code == 303
    login = site.login_of(w.staff_st12)
    old = site.browser().post("/login", {"username": login, "password": PASSWORD}, form_page="/login")
    assert old.status_code == 400 and "用户名或密码不对" in old.text
    new = site.browser().post("/login", {"username": login, "password": "brand-new-pass"}, form_page="/login")
    assert new.status_code == 303 and new.headers["location"] != "/login"


def test_admin_edits_role_and_unit(site: Site) -> None:
    w = site.w
    response = site.as_(w.admin).post(f"/admin/users/{w.staff_st21.user_id}", {
        "login": site.login_of(w.staff_st21), "name": "站员二一", "role": "staff", "unit_id": w.town2})
    assert response.status_code == 303
    assert site.read(lambda db: db.execute("SELECT unit_id FROM users WHERE id = ?",
                                           [w.staff_st21.user_id]).fetchone()[0]) == w.town2


def test_a_volunteer_with_pairings_running_is_not_made_staff(site: Site) -> None:
    # Their children would keep a "volunteer" who is no volunteer: off every volunteer list, no phone
    # scope of a volunteer, and nobody offered to end the pairings or hand them on.
    w = site.w
    login = site.login_of(w.mentor1)
    mentor_form = {"login": login, "name": "王老师", "unit_id": w.st11, "smartphone": "1"}
    admin = site.as_(w.admin)
    refused = admin.post(f"/admin/users/{w.mentor1.user_id}", {**mentor_form, "role": "staff"})
    assert refused.status_code == 400 and "还有 1 个进行中的结对" in refused.text
    assert site.read(lambda db: db.execute("SELECT role FROM users WHERE id = ?",
                                           [w.mentor1.user_id]).fetchone()[0]) == "mentor"
    version = site.read(lambda db: row(db, "pairing", w.pairing1))["version"]
    site.write(lambda db: mutate(db, w.staff_st11, "pairing", {"status": "closed", "end_date": "2026-11-30"},
                                 w.pairing1, version))
    made = admin.post(f"/admin/users/{w.mentor1.user_id}", {**mentor_form, "role": "staff"})
    assert made.status_code == 200 and 'class="one-time"' in made.text


def _second_admin(site: Site) -> Any:
    site.write(lambda db: create_user(db, login="admin.two", name="管理员二", role="admin", unit_id=site.w.county,
                                      password_hash=password_hash(), must_change_password=False))
    browser = site.browser()
    browser.login("admin.two")
    return browser


def _account_row(site: Site, user_id: str) -> Any:
    return site.read(lambda db: db.execute("SELECT unit_id, phone, smartphone FROM users WHERE id = ?",
                                           [user_id]).fetchone())


def test_account_form_carries_the_values_it_shows_but_never_a_password(site: Site) -> None:
    w = site.w
    form = edit_form(site.as_(w.admin), f"/admin/users/{w.staff_st21.user_id}")
    shown = {k: v for k, v in form.items() if k.startswith("shown_")}
    assert shown == {"shown_login": site.login_of(w.staff_st21), "shown_name": "站员二一", "shown_role": "staff",
                     "shown_unit_id": w.st21, "shown_phone": "", "shown_about": "", "shown_smartphone": "1"}


def test_two_admins_changing_different_fields_of_one_account_keep_both_changes(site: Site) -> None:
    w = site.w
    path = f"/admin/users/{w.staff_st21.user_id}"
    a, b = site.as_(w.admin), _second_admin(site)
    form_a, form_b = edit_form(a, path), edit_form(b, path)
    assert a.post(path, {**form_a, "unit_id": w.st22}).status_code == 303
    del form_b["smartphone"]  # B unticks the box
    assert b.post(path, {**form_b, "phone": "13900001111"}).status_code == 303
    assert _account_row(site, w.staff_st21.user_id) == (w.st22, "13900001111", 0)


def test_the_second_of_two_admins_changing_the_same_account_field_is_refused_in_words(site: Site) -> None:
    w = site.w
    path = f"/admin/users/{w.staff_st21.user_id}"
    a, b = site.as_(w.admin), _second_admin(site)
    form_a, form_b = edit_form(a, path), edit_form(b, path)
    assert a.post(path, {**form_a, "unit_id": w.st22}).status_code == 303
    refused = b.post(path, {**form_b, "unit_id": w.town2, "phone": "13900001111"})
    assert refused.status_code == 409
    assert "“所属单位”已被别人改过（现在是 栟茶中学），请看过现在的内容再改。" in refused.text
    assert _account_row(site, w.staff_st21.user_id) == (w.st22, None, 1)
    again = FormFields()
    again.feed(refused.text)
    assert (again.fields["unit_id"], again.fields["shown_unit_id"], again.fields["phone"]) == \
        (w.st22, w.st22, "13900001111")


# --- access log ----------------------------------------------------------------------------

def test_access_log_lists_who_viewed_which_child(site: Site) -> None:
    w = site.w
    code = site.read(lambda db: db.execute("SELECT code FROM mentees WHERE id = ?", [w.mentee1]).fetchone()[0])
    assert site.as_(w.staff_st11).get(f"/mentees/{w.mentee1}").status_code == 200
    admin = site.as_(w.admin)
    page = admin.get("/admin/access-log")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "查看帮扶对象" in page.text and f"帮扶对象 {code}" in page.text and "站员一一" in page.text
    by_code = admin.get(f"/admin/access-log?target={code}").text
    assert f"帮扶对象 {code}" in by_code and "共 1 条" in by_code
    # Asked about the child, the log answers for every record of theirs that was shown.
    assert site.as_(w.reviewer).get(f"/pairings/{w.pairing1}").status_code == 200
    assert site.as_(w.staff_st11).get(f"/activities/{w.activity1}").status_code == 200
    assert "共 3 条" in admin.get(f"/admin/access-log?target={code}").text
    assert "共 1 条" in admin.get(f"/admin/access-log?target={w.pairing1}").text
    assert "共 0 条" in admin.get(f"/admin/access-log?user={w.reviewer.user_id}&target={w.mentee3}").text
    site.as_(w.staff_st11).get(f"/pairings/{w.pairing1}")  # the log now holds more than the first view
    by_person = admin.get(f"/admin/access-log?user={w.reviewer.user_id}").text
    assert "共 1 条" in by_person
    future = admin.get("/admin/access-log?from=2099-01-01").text
    assert "共 0 条" in future
    today = admin.get("/admin/access-log?from=2000-01-01&to=2099-12-31").text
    assert "共 4 条" in today
    for far in ("to=9999-12-31", "from=0001-01-01", "from=9999-12-31&to=0001-01-01"):
        unfiltered = admin.get(f"/admin/access-log?{far}")  # no next midnight to compare with: no filter
        assert unfiltered.status_code == 200 and "共 4 条" in unfiltered.text, far



def test_access_log_asked_about_a_child_says_the_lists_that_showed_them_are_logged_by_unit(site: Site) -> None:
    # "Who looked at this child last week?": the answer lists the file's views, while the station's
    # list of children (names shown) and the volunteer's phone pulls are logged on the unit. Unsaid,
    # the clerk answers "only these people" for a child whose name a whole list showed.
    w = site.w
    code, unit = site.read(lambda db: db.execute(
        "SELECT m.code, u.name FROM mentees m JOIN units u ON u.id = m.unit_id WHERE m.id = ?", [w.mentee1]).fetchone())
    assert site.as_(w.staff_st11).get("/mentees").status_code == 200  # the list: logged on the unit
    admin = site.as_(w.admin)
    by_code = html.unescape(admin.get(f"/admin/access-log?target={code}").text)
    assert "共 0 条" in by_code
    assert f"名单页面和手机同步也会显示这个孩子，但记在孩子所在的单位“{unit}”下" in by_code
    assert "名单页面和手机同步也会显示" not in admin.get("/admin/access-log").text

def test_access_log_filtered_by_a_login_or_a_name_finds_the_person_and_one_that_names_nobody_says_so(
        site: Site) -> None:
    """?user=<login> was ignored (the filter took an account id) and the whole log was listed as if it
    were that person's views."""
    w = site.w
    assert site.as_(w.reviewer).get(f"/pairings/{w.pairing1}").status_code == 200
    assert site.as_(w.staff_st11).get(f"/mentees/{w.mentee1}").status_code == 200
    login = site.read(lambda db: db.execute("SELECT login FROM users WHERE id = ?", [w.reviewer.user_id]).fetchone()[0])
    admin = site.as_(w.admin)
    for typed in (login, login.upper(), "县关工委", w.reviewer.user_id):
        page = admin.get("/admin/access-log", params={"user": typed}).text
        assert "共 1 条" in page and "站员一一" not in page.split("共 1 条")[1], typed
        assert f'<option value="{w.reviewer.user_id}" selected>' in page, typed
    nobody = admin.get("/admin/access-log", params={"user": "no.such.person"})
    assert nobody.status_code == 200
    text = sentence(nobody.text)
    assert "没有用户名或姓名为“no.such.person”的账号" in text and "共 0 条" in text
    assert "县关工委" not in text.split("共 0 条")[1] and "站员一一" not in text.split("共 0 条")[1]
    site.write(lambda db: create_user(db, login="lin.a", name="林老师", role="staff", unit_id=w.st11))
    site.write(lambda db: create_user(db, login="lin.b", name="林老师", role="staff", unit_id=w.st12))
    two = sentence(admin.get("/admin/access-log", params={"user": "林老师"}).text)
    assert "有 2 个账号都叫“林老师”" in two and "lin.a" in two and "lin.b" in two and "共 0 条" in two


def test_access_log_filtered_by_a_name_finds_it_as_stored_with_an_ideographic_space_or_typed_otherwise(
        site: Site) -> None:
    """An account named 王　雨欣 (an IME's ideographic space, as many are typed) was not found by its own
    name copied from the accounts list: the typed name lost every space, the stored one only ASCII ones,
    and the page said no account had that name. Names compare as the imports compare them."""
    w = site.w
    site.write(lambda db: db.execute("UPDATE users SET name = '王\u3000雨欣' WHERE id = ?", [w.reviewer.user_id]))
    assert site.as_(w.reviewer).get(f"/pairings/{w.pairing1}").status_code == 200
    admin = site.as_(w.admin)
    for typed in ("王\u3000雨欣", "王雨欣", " 王 雨欣", "王\u200b雨欣"):
        page = admin.get("/admin/access-log", params={"user": typed}).text
        assert "共 1 条" in page and f'<option value="{w.reviewer.user_id}" selected>' in page, typed


def test_access_log_a_reversed_date_range_is_refused_in_words_not_answered_with_no_records(site: Site) -> None:
    """从 2026-12-06 到 2026-12-01 answered 共 0 条 and 没有符合条件的记录: an admin checking who looked at
    a child in those days read that nobody had."""
    w = site.w
    assert site.as_(w.reviewer).get(f"/pairings/{w.pairing1}").status_code == 200
    admin = site.as_(w.admin)
    page = admin.get("/admin/access-log?from=2099-12-31&to=2000-01-01")
    assert page.status_code == 400 and "没有符合条件的记录" not in page.text
    assert "起始日期2099年12月31日晚于截止日期2000年1月1日，请调换后再试。" in re.sub(r"<[^>]+>", "", page.text)
    assert "共 1 条" in admin.get("/admin/access-log?from=2000-01-01&to=2099-12-31").text


def test_access_log_finds_a_child_by_a_code_typed_in_lower_case_and_says_when_no_child_has_it(site: Site) -> None:
    """bx-2026-0029 (or BX-2026-9999, mistyped) answered 共 0 条 and 没有符合条件的记录: an admin asked
    who read a child's file read that nobody had."""
    w = site.w
    code = site.read(lambda db: db.execute("SELECT code FROM mentees WHERE id = ?", [w.mentee1]).fetchone()[0])
    assert site.as_(w.staff_st11).get(f"/mentees/{w.mentee1}").status_code == 200
    admin = site.as_(w.admin)
    for typed in (code.lower(), f" {code.lower()} "):
        page = admin.get("/admin/access-log", params={"target": typed}).text
        assert "共 1 条" in page and f"帮扶对象 {code}" in page, typed
    unknown = admin.get("/admin/access-log", params={"target": "BX-1999-9999"}).text
    assert "没有符合条件的记录" not in unknown
    assert "系统里没有编号为“BX-1999-9999”的帮扶对象" in unknown and "请核对编号" in unknown


def test_access_log_names_every_action_and_target_in_words(site: Site) -> None:
    # Each page that logs a look at children's records or an export says so in the admin's words:
    # "export_stats_xlsx" or a return's bare id in the log tells the admin nothing.
    w = site.w
    ret = site.write(lambda db: mutate(db, w.staff_st11, "stats_return", {
        "unit_id": w.st11, "period_from": "2026-10-01", "period_to": "2026-10-31"}))
    station = site.as_(w.staff_st11)
    period = f"unit={w.st11}&from=2026-01-01&to=2026-12-31"
    for path in (f"/reports/stats.xlsx?{period}", f"/reports/stats.csv?{period}",
                 f"/reports/stats/records?{period}&measure=talks", f"/reports/stats/records?{period}&measure=helped",
                 f"/returns/{ret}.xlsx", f"/returns/{ret}.csv", f"/activities/{w.activity1}",
                 f"/referrals/{w.referral1}"):
        assert station.get(path).status_code == 200, path
    page = site.as_(w.admin).get("/admin/access-log").text
    cells = re.findall(r'<td data-label="(操作|对象|记录数)"[^>]*>(.*?)</td>', page, re.S)
    assert len(cells) >= 3 * 7  # 成功干预 lists no child here, and an empty drill-down writes no row
    codes = site.read(lambda db: [r[0] for r in db.execute("SELECT code FROM mentees").fetchall()])
    shown = [re.sub("|".join(["Excel", "CSV", *map(re.escape, codes)]), "", text) for _, text in cells]
    raw = [text for text in shown if re.search(r"[A-Za-z]|[0-9a-f]{8}-", text)]
    assert not raw, raw
    words = {text.strip() for label, text in cells if label == "操作"}
    assert {"导出统计表（Excel）", "导出统计表（CSV）", "查看统计表数字依据的记录", "导出报送的统计表（Excel）",
            "查看帮扶活动", "查看转介"} <= words
    assert "统计表报送 掘港小学辅导站（2026-10-01至2026-10-31）" in page


# --- backup -------------------------------------------------------------------------------

def test_backup_download_is_a_sound_database_and_is_logged(site: Site, tmp_path: Any) -> None:
    w = site.w
    site.write(lambda db: make_mentee(db, w.staff_st11, w.st11, code="BACKUP-1"))
    admin = site.as_(w.admin)
    assert "下载备份" in admin.get("/admin/backup").text
    response = admin.post("/admin/backup", {})
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    copy = tmp_path / "copy.db"
    copy.write_bytes(response.content)
    db = sqlite3.connect(copy)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT count(*) FROM mentees WHERE code = 'BACKUP-1'").fetchone()[0] == 1
    finally:
        db.close()
    logged = site.read(lambda db: db.execute("SELECT user_id FROM access_log WHERE action = 'backup'").fetchall())
    assert [r[0] for r in logged] == [w.admin.user_id]
    assert "下载备份" in admin.get("/admin/access-log").text


def test_a_volunteer_account_gets_no_password_to_print(site: Site) -> None:
    # Volunteers never sign in on the web (/login sends them to the phone app); the phone enrols
    # with a one-time code and unlocks with a PIN, so a password would only be printed and kept.
    admin = site.as_(site.w.admin)
    fields = {"login": "new.laoshi", "name": "新志愿者", "role": "mentor", "unit_id": site.w.st11, "phone": "",
              "smartphone": "1"}
    typed = admin.post("/admin/users/new", {**fields, "password": "a-long-password"})
    assert typed.status_code == 400 and "五老志愿者不在网页登录，没有网页密码" in typed.text
    made = admin.post("/admin/users/new", fields)
    assert made.status_code == 303 and "one-time" not in made.text
    row = site.read(lambda db: db.execute(
        "SELECT id, password_hash, must_change_password FROM users WHERE login = 'new.laoshi'").fetchone())
    assert row[1] is None and row[2] == 0
    page = admin.get(f"/admin/users/{row[0]}").text
    assert "没有网页密码" in page and 'value="password"' not in page
    reset = admin.post(f"/admin/users/{row[0]}", {"action": "password", "new_password": ""})
    assert reset.status_code == 400 and "没有网页密码" in reset.text
    assert site.read(lambda db: db.execute("SELECT password_hash FROM users WHERE id = ?",
                                           [row[0]]).fetchone()[0]) is None


def new_volunteer(site: Site, admin: Any) -> tuple[dict[str, str], str]:
    """A volunteer account the admin made (no password: phones enrol with a code): its form and id."""
    fields = {"login": "lao.zhou", "name": "周老师", "role": "mentor", "unit_id": site.w.st11, "phone": "",
              "smartphone": "1"}
    assert admin.post("/admin/users/new", fields).status_code == 303
    return fields, site.read(lambda db: db.execute("SELECT id FROM users WHERE login = 'lao.zhou'").fetchone()[0])


def test_a_volunteer_made_staff_gets_a_password_shown_once_that_must_be_changed(site: Site) -> None:
    # A volunteer has no password (phones enrol with a code); made staff without one, the account
    # could not sign in at all until someone thought to reset it.
    admin = site.as_(site.w.admin)
    fields, user_id = new_volunteer(site, admin)
    made = admin.post(f"/admin/users/{user_id}", {**fields, "role": "staff"})
    assert made.status_code == 200 and "账号已改为辅导站工作人员" in made.text
    found = re.search(r'<p class="one-time">([a-z0-9-]+)</p>', made.text)
    assert found
    assert site.read(lambda db: db.execute("SELECT role, must_change_password FROM users WHERE id = ?",
                                           [user_id]).fetchone()) == ("staff", 1)
    browser = site.browser()
    signed_in = browser.post("/login", {"username": "lao.zhou", "password": found.group(1)}, form_page="/login")
    assert signed_in.status_code == 303
    assert browser.get("/account").headers["location"].startswith("/account/new-password")


def test_staff_made_a_volunteer_loses_the_password_and_the_web_sessions(site: Site) -> None:
    w = site.w
    login = site.login_of(w.staff_st21)
    staff = site.as_(w.staff_st21)
    made = site.as_(w.admin).post(f"/admin/users/{w.staff_st21.user_id}", {
        "login": login, "name": "站员二一", "role": "mentor", "unit_id": w.st21, "smartphone": "1"})
    assert made.status_code == 303
    assert site.read(lambda db: db.execute("SELECT role, password_hash, must_change_password FROM users WHERE id = ?",
                                           [w.staff_st21.user_id]).fetchone()) == ("mentor", None, 0)
    assert staff.get("/account").status_code == 303  # the session open as staff has ended
    refused = site.browser().post("/login", {"username": login, "password": PASSWORD})
    assert refused.status_code == 400 and "bx_session" not in refused.headers.get("set-cookie", "")
    audit = site.read(lambda db: db.execute(
        "SELECT changes FROM sync_audit WHERE entity = 'user' AND op = 'update' AND record_id = ?",
        [w.staff_st21.user_id]).fetchall())
    assert any('"password_hash": ["***", "***"]' in changes for (changes,) in audit)


def test_a_volunteers_role_change_sent_twice_says_where_the_password_went(site: Site) -> None:
    admin = site.as_(site.w.admin)
    _, user_id = new_volunteer(site, admin)
    form = {**edit_form(admin, f"/admin/users/{user_id}"), "role": "reviewer"}
    first = admin.post(f"/admin/users/{user_id}", form)
    assert first.status_code == 200 and 'class="one-time"' in first.text
    second = admin.post(f"/admin/users/{user_id}", form)
    assert second.status_code == 303
    page = admin.get(second.headers["location"]).text
    assert "这张表提交了两次" in page and "请在下方重置密码" in page


def test_the_accounts_last_sign_in_and_the_access_logs_times_are_written_in_words(site: Site) -> None:
    """最近登录 read 2026-12-04 23:32 and the log's 时间 2026-12-04 23:32:07; the other pages write 2026年12月4日
    (the log keeps its seconds: two reads of one file a moment apart are two lines)."""
    w = site.w
    admin = site.as_(w.admin)
    site.write(lambda db: db.execute("UPDATE web_sessions SET created_at = '2026-12-04T15:32:00.000Z'"
                                     " WHERE user_id = ?", [w.admin.user_id]))
    users = admin.get("/admin/users").text
    assert '<td data-label="最近登录／手机同步"><span class="nowrap">2026年12月4日 23:32</span></td>' in users, users
    admin.get(f"/pairings/{w.pairing1}")  # a read that is logged
    at = site.read(lambda db: db.execute("SELECT at FROM access_log ORDER BY id DESC LIMIT 1").fetchone()[0])
    local = datetime.datetime.fromisoformat(at.replace("Z", "+00:00")) + datetime.timedelta(hours=8)
    log = admin.get("/admin/access-log").text
    shown = f"{local.year}年{local.month}月{local.day}日 {local:%H:%M:%S}"
    assert f'<td data-label="时间" class="date"><span class="nowrap">{shown}</span></td>' in log, log
    for page in (users, log):
        assert not re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", page)


def test_a_unit_delete_kept_as_a_conflict_is_answered_as_kept_not_as_refused(site: Site) -> None:
    """The unit was renamed after the admin opened its page: the write path keeps it and stores the
    delete as a conflict. The page answered 400 as if nothing had been written."""
    w = site.w
    admin = site.as_(w.admin)
    admin.post("/admin/units", {"name": "空学校", "kind": "school", "parent_id": w.town2})
    empty = site.read(lambda db: db.execute("SELECT id FROM units WHERE name = '空学校'").fetchone()[0])
    seen = _unit_version(site, empty)
    site.write(lambda db: mutate(db, w.admin, "unit", {"name": "空学校（新名）"}, empty, seen))
    response = admin.post(f"/admin/units/{empty}", {"action": "delete", "base_version": seen})
    assert site.read(lambda db: db.execute("SELECT count(*) FROM sync_conflicts WHERE record_id = ?",
                                           [empty]).fetchone()[0]) == 1
    assert response.status_code == 303 and response.headers["location"] == f"/admin/units/{empty}"
    assert not site.read(lambda db: row(db, "unit", empty))["deleted"]
