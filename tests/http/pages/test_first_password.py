"""A password someone else set (an admin's new account or reset, the CLI) must give way to the
person's own at the next web sign-in, before any other page opens (``/account/new-password``)."""
from __future__ import annotations

import re
from typing import Any

from sync.system import SYSTEM
from sync.users import save_user

from .conftest import Browser, Site

NEW = "/account/new-password"


def _flag(site: Site, login: str) -> Any:
    return site.read(lambda db: db.execute("SELECT must_change_password FROM users WHERE login = ?",
                                           [login]).fetchone()[0])


def _generated_account(site: Site, login: str = "gen.staff") -> str:
    """A staff account the admin made with a generated password; returns that password."""
    made = site.as_(site.w.admin).post("/admin/users/new", {
        "login": login, "name": "新站员", "role": "staff", "unit_id": site.w.st21, "phone": ""})
    assert made.status_code == 200
    found = re.search(r'<p class="one-time">([a-z0-9-]+)</p>', made.text)
    assert found
    return found.group(1)


def _signed_in(site: Site, login: str, password: str) -> Browser:
    browser = site.browser()
    browser.login(login, password)
    return browser


def test_an_account_an_admin_made_opens_no_page_until_it_chooses_its_own_password(site: Site) -> None:
    given = _generated_account(site)
    browser = site.browser()
    signed_in = browser.post("/login", {"username": "gen.staff", "password": given}, form_page="/login")
    assert signed_in.status_code == 303
    home = signed_in.headers["location"]
    assert browser.get(home).headers["location"] == f"{NEW}?next={home}"
    for page in ("/account", "/mentees", "/pairings?q=x"):
        answer = browser.get(page)
        assert answer.status_code == 303 and answer.headers["location"].startswith(NEW), page
    # A form posted meanwhile writes nothing under the password someone else knows.
    posted = browser.post("/account", {"phone": "13900000000"}, token=browser.token(NEW))
    assert posted.status_code == 303 and posted.headers["location"].startswith(NEW)
    assert site.read(lambda db: db.execute("SELECT phone FROM users WHERE login = 'gen.staff'").fetchone()[0]) is None

    page = browser.get(f"{NEW}?next={home}")
    assert page.status_code == 200 and "请先设置自己的密码" in page.text and "不能和管理员给您的密码一样" in page.text
    assert 'class="nav' not in page.text  # no menu to pages that would only send the person back
    assert "管理员给您的密码" in page.text
    for fields, words in (({"new_password": "short", "new_password_again": "short"}, "至少要 8 位"),
                          ({"new_password": "my-own-pass-1", "new_password_again": "my-own-pass-2"}, "两次输入"),
                          ({"new_password": given, "new_password_again": given}, "不能和管理员给您的密码一样")):
        refused = browser.post(NEW, {"given_password": given, **fields, "next": home})
        assert refused.status_code == 400 and words in refused.text
        assert _flag(site, "gen.staff") == 1
    chosen = browser.post(NEW, {"given_password": given, "new_password": "my-own-pass-1",
                                "new_password_again": "my-own-pass-1", "next": home})
    assert chosen.status_code == 303 and chosen.headers["location"] == home
    assert browser.get(home).status_code == 200
    assert _flag(site, "gen.staff") == 0
    again = site.browser().post("/login", {"username": "gen.staff", "password": "my-own-pass-1"}, form_page="/login")
    assert again.status_code == 303
    old = site.browser().post("/login", {"username": "gen.staff", "password": given}, form_page="/login")
    assert old.status_code == 400


def test_choosing_ones_password_ends_the_other_sessions_opened_with_the_given_one(site: Site) -> None:
    given = _generated_account(site)
    here, elsewhere = _signed_in(site, "gen.staff", given), _signed_in(site, "gen.staff", given)
    assert here.post(NEW, {"given_password": given, "new_password": "my-own-pass-1",
                           "new_password_again": "my-own-pass-1"}).status_code == 303
    assert here.get("/account").status_code == 200
    gone = elsewhere.get("/account")
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")


def test_an_admins_reset_makes_the_account_choose_again_but_their_own_reset_does_not(site: Site) -> None:
    w = site.w
    login = site.login_of(w.staff_st12)
    admin = site.as_(w.admin)
    assert admin.post(f"/admin/users/{w.staff_st12.user_id}",
                      {"action": "password", "new_password": "typed-by-admin"}).status_code == 303
    assert _flag(site, login) == 1
    staff = _signed_in(site, login, "typed-by-admin")
    assert staff.get("/account").headers["location"].startswith(NEW)
    # The admin resetting their own account chose that password: nothing to change.
    assert admin.post(f"/admin/users/{w.admin.user_id}",
                      {"action": "password", "new_password": "admins-own-pass"}).status_code == 303
    assert _flag(site, site.login_of(w.admin)) == 0
    assert admin.get("/admin/users").status_code == 200


def test_a_password_set_by_the_system_must_be_changed_and_one_chosen_by_its_owner_need_not(site: Site) -> None:
    w = site.w
    login = site.login_of(w.reviewer)
    site.write(lambda db: save_user(db, SYSTEM, {"password_hash": "x"}, user_id=w.reviewer.user_id))
    assert _flag(site, login) == 1
    site.write(lambda db: save_user(db, w.reviewer, {"password_hash": "y"}, user_id=w.reviewer.user_id))
    assert _flag(site, login) == 0


def test_the_sign_in_lockout_still_holds_for_an_account_that_must_choose_its_password(site: Site) -> None:
    given = _generated_account(site)
    browser = site.browser()
    for _ in range(5):
        browser.post("/login", {"username": "gen.staff", "password": "wrong"}, form_page="/login")
    locked = browser.post("/login", {"username": "gen.staff", "password": given}, form_page="/login")
    assert locked.status_code == 429
    # The page that sets a password is no way around it: it needs a signed-in session.
    assert browser.get(NEW).headers["location"].startswith("/login")
    posted = browser.post(NEW, {"given_password": given, "new_password": "my-own-pass-1",
                                "new_password_again": "my-own-pass-1"}, token=browser.token("/login"))
    assert posted.headers["location"].startswith("/login") and _flag(site, "gen.staff") == 1


def test_a_session_left_open_on_the_page_cannot_set_a_password_without_the_given_one(site: Site) -> None:
    # An admin who signed in for a new colleague, or a shared station PC: whoever sits down next
    # must not make the account theirs, nor learn whether a guess is the given password.
    given = _generated_account(site)
    browser = _signed_in(site, "gen.staff", given)
    new = {"new_password": "taken-over-1", "new_password_again": "taken-over-1"}
    for fields in ({}, {"given_password": "a-guess-1"}):
        refused = browser.post(NEW, {**fields, **new})
        assert refused.status_code == 400 and "管理员给您的密码不对" in refused.text
    # A guess typed as the new password too is told only that the given one is wrong.
    guess = browser.post(NEW, {"given_password": "a-guess-2", "new_password": "a-guess-2",
                               "new_password_again": "a-guess-2"})
    said = re.search(r'<p class="error" role="alert">(.*?)</p>', guess.text, re.S)
    assert guess.status_code == 400 and said and "管理员给您的密码不对" in said.group(1)
    assert "一样" not in said.group(1)
    assert _flag(site, "gen.staff") == 1
    assert site.browser().post("/login", {"username": "gen.staff", "password": given},
                               form_page="/login").status_code == 303


def test_wrong_given_passwords_on_the_page_lock_the_account_like_wrong_sign_ins(site: Site) -> None:
    given = _generated_account(site)
    browser = _signed_in(site, "gen.staff", given)
    new = {"new_password": "my-own-pass-1", "new_password_again": "my-own-pass-1"}
    for attempt in range(4):
        refused = browser.post(NEW, {"given_password": f"guess-{attempt}", **new})
        assert refused.status_code == 400
    locked = browser.post(NEW, {"given_password": "guess-4", **new})
    assert locked.status_code == 429 and "已锁定" in locked.text and "请 10 分钟后再试" in locked.text
    assert int(locked.headers["retry-after"]) == 600
    # Locked, even the right one sets nothing, and the sign-in waits out the same lockout.
    still = browser.post(NEW, {"given_password": given, **new})
    assert still.status_code == 429 and "密码没有设置" in still.text
    assert _flag(site, "gen.staff") == 1
    assert site.browser().post("/login", {"username": "gen.staff", "password": given},
                               form_page="/login").status_code == 429
    site.write(lambda db: db.execute("UPDATE login_failures SET locked_until = '2000-01-01T00:00:00.000Z'"))
    assert site.browser().post("/login", {"username": "gen.staff", "password": given},
                               form_page="/login").status_code == 303
