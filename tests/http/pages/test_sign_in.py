"""Signing in and staying safe: sessions, lockout, CSRF, logout, expiry that keeps a form."""
from __future__ import annotations

import re

from sync.system import SYSTEM
from sync.users import deactivate_user

from .conftest import PASSWORD, Site


def test_pages_redirect_to_login_and_back_after_signing_in(site: Site) -> None:
    browser = site.browser()
    response = browser.get("/account")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/account"
    login = site.login_of(site.w.staff_st11)
    response = browser.post("/login", {"username": login, "password": PASSWORD, "next": "/account"},
                            form_page="/login?next=/account")
    assert response.status_code == 303 and response.headers["location"] == "/account"
    page = browser.get("/account")
    assert page.status_code == 200 and "站员一一" in page.text and login in page.text


def test_session_cookie_is_httponly_samesite_lax_and_secure_over_https(site: Site) -> None:
    browser = site.browser()
    response = browser.login(site.login_of(site.w.staff_st11))
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("bx_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    secure = site.browser()
    secure.client.base_url = secure.client.base_url.copy_with(scheme="https")
    response = secure.login(site.login_of(site.w.staff_st11))
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("bx_session="))
    assert "Secure" in cookie


def test_next_never_leaves_the_site(site: Site) -> None:
    browser = site.browser()
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = browser.post("/login", {"username": site.login_of(site.w.reviewer), "password": PASSWORD,
                                           "next": target})
        assert response.status_code == 303
        assert response.headers["location"].startswith("/") and not response.headers["location"].startswith("//")
        browser.post("/logout", {}, form_page="/account")


def test_wrong_password_is_refused_in_words_and_the_account_locks_after_five(site: Site) -> None:
    browser = site.browser()
    login = site.login_of(site.w.staff_st11)
    for _ in range(4):
        response = browser.post("/login", {"username": login, "password": "wrong"})
        assert response.status_code == 400 and "用户名或密码不对" in response.text
    response = browser.post("/login", {"username": login, "password": "wrong"})
    assert response.status_code == 429 and "已锁定" in response.text
    assert re.search(r"请 10 分钟后再试", response.text), response.text
    assert int(response.headers["retry-after"]) == 600
    # Even the right password waits out the lockout; nothing else gets in.
    response = browser.post("/login", {"username": login, "password": PASSWORD})
    assert response.status_code == 429 and browser.get("/account").status_code == 303


def test_each_further_lockout_lasts_twice_as_long(site: Site) -> None:
    browser = site.browser()
    login = site.login_of(site.w.staff_st12)
    for _ in range(5):
        browser.post("/login", {"username": login, "password": "wrong"})
    site.write(lambda db: db.execute("UPDATE login_failures SET locked_until = '2000-01-01T00:00:00.000Z'"))
    for _ in range(5):
        response = browser.post("/login", {"username": login, "password": "wrong"})
    assert response.status_code == 429 and "请 20 分钟后再试" in response.text


def test_unknown_login_gets_the_same_answer_as_a_wrong_password(site: Site) -> None:
    response = site.browser().post("/login", {"username": "nobody", "password": "x"})
    assert response.status_code == 400 and "用户名或密码不对" in response.text


def test_volunteers_are_sent_to_the_phone_app(site: Site) -> None:
    response = site.browser().post("/login", {"username": site.login_of(site.w.mentor1), "password": PASSWORD})
    assert response.status_code == 403 and "手机" in response.text and "bx_session" not in response.headers.get(
        "set-cookie", "")


def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    for token in ("", "forged", site.browser().token()):  # missing, forged, another browser's
        response = browser.post("/account", {"phone": "13800000000"}, token=token)
        assert response.status_code == 403 and "表单已失效" in response.text
    phone = site.read(lambda db: db.execute("SELECT phone FROM users WHERE id = ?",
                                            [site.w.staff_st11.user_id]).fetchone()[0])
    assert phone is None
    assert browser.post("/account", {"phone": "13800000000"}).status_code == 303


def test_login_form_itself_needs_the_token(site: Site) -> None:
    browser = site.browser()
    response = browser.post("/login", {"username": site.login_of(site.w.staff_st11), "password": PASSWORD},
                            token="nope")
    assert response.status_code == 403 and browser.get("/account").status_code == 303


def test_logout_ends_the_session_even_for_a_copied_cookie(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    stolen = browser.client.cookies.get("bx_session")
    assert browser.post("/logout", {}, form_page="/account").status_code == 303
    thief = site.browser()
    thief.client.cookies.set("bx_session", stolen)
    assert thief.get("/account").status_code == 303


def test_a_deactivated_account_is_signed_out_at_its_next_page(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    assert browser.get("/account").status_code == 200
    site.write(lambda db: deactivate_user(db, SYSTEM, site.w.staff_st11.user_id))
    assert browser.get("/account").status_code == 303
    response = site.browser().post("/login", {"username": site.login_of(site.w.staff_st11), "password": PASSWORD})
    assert response.status_code == 403 and "已停用" in response.text


def test_a_form_posted_after_the_session_expired_comes_back_filled_in_after_signing_in(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    token = browser.token("/account")
    browser.client.cookies.delete("bx_session")  # the session expired while the form was open
    response = browser.post("/account", {"phone": "0513-8888 6666"}, token=token)
    assert response.status_code == 401 and "你刚才填写的内容已保留" in response.text
    stash = re.search(r'name="stash" value="([^"]+)"', response.text)
    nxt = re.search(r'name="next" value="([^"]+)"', response.text)
    assert stash and nxt and nxt.group(1) == "/account"
    response = browser.post("/login", {"username": site.login_of(site.w.staff_st11), "password": PASSWORD,
                                       "next": nxt.group(1), "stash": stash.group(1)})
    assert response.status_code == 303 and response.headers["location"].startswith("/account?draft=")
    page = browser.get(response.headers["location"])
    assert 'value="0513-8888 6666"' in page.text and "已恢复登录前填写的内容" in page.text
    # Nothing was saved behind the person's back: they check and submit again.
    assert site.read(lambda db: db.execute("SELECT phone FROM users WHERE id = ?",
                                           [site.w.staff_st11.user_id]).fetchone()[0]) is None


def test_changing_ones_password_checks_the_old_one_and_is_audited(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    response = browser.post("/account/password", {"old_password": "nope", "new_password": "new-pass-123",
                                                  "new_password_again": "new-pass-123"}, form_page="/account")
    assert response.status_code == 400 and "原密码不对" in response.text
    response = browser.post("/account/password", {"old_password": PASSWORD, "new_password": "new-pass-123",
                                                  "new_password_again": "new-pass-123"}, form_page="/account")
    assert response.status_code == 303
    assert site.browser().post("/login", {"username": site.login_of(site.w.staff_st11),
                                          "password": "new-pass-123"}).status_code == 303
    audit = site.read(lambda db: db.execute(
        "SELECT changes FROM sync_audit WHERE entity = 'user' AND record_id = ? AND op = 'update'",
        [site.w.staff_st11.user_id]).fetchall())
    assert any('"password_hash": ["***", "***"]' in row[0] for row in audit)


def test_changing_ones_password_signs_out_ones_other_sessions(site: Site) -> None:
    # A session left open on a shared station PC, or a stolen cookie, must not outlive the
    # password its owner changed to get rid of it; the tab that changed it stays signed in.
    here = site.as_(site.w.staff_st11)
    elsewhere = site.as_(site.w.staff_st11)
    response = here.post("/account/password", {"old_password": PASSWORD, "new_password": "new-pass-123",
                                               "new_password_again": "new-pass-123"}, form_page="/account")
    assert response.status_code == 303
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 303


def test_an_admin_resetting_their_own_password_signs_out_their_other_sessions(site: Site) -> None:
    w = site.w
    here, elsewhere = site.as_(w.admin), site.as_(w.admin)
    response = here.post(f"/admin/users/{w.admin.user_id}", {"action": "password", "new_password": "brand-new-pass"})
    assert response.status_code in (200, 303)
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 303
