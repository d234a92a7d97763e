"""Signing in and staying safe: sessions, lockout, CSRF, logout, expiry that keeps a form."""
from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import argon2

from server import sessions
from sync.stopping import deactivate_user
from sync.system import SYSTEM

from .conftest import PASSWORD, Browser, Site, expire_session


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


def test_a_login_typed_in_full_width_with_a_capital_and_a_trailing_space_signs_in(site: Site) -> None:
    # A Chinese IME left in full-width mode, or a phone keyboard's capital first letter, types the
    # same login in other characters; refused, it read as a wrong password.
    login = site.login_of(site.w.staff_st11)
    typed = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in login).capitalize() + "\u3000"
    assert typed != login
    browser = site.browser()
    response = browser.post("/login", {"username": typed, "password": PASSWORD, "next": "/account"},
                            form_page="/login?next=/account")
    assert response.status_code == 303 and browser.get("/account").status_code == 200


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


def _post_after_expiry(site: Site, browser: Browser, phone: str) -> tuple[str, str]:
    """Post the account form after the session expired; (draft field, next field) of the 401 page."""
    token = browser.token("/account")
    expire_session(site, browser, site.settings.session_hours + 1)
    response = browser.post("/account", {"phone": phone}, token=token)
    assert response.status_code == 401 and "您刚才填写的内容已保留" in response.text
    # What was typed is kept on the server, not in the page: only its owner signing in reads it.
    assert phone not in response.text
    draft = re.search(r'name="draft" value="([^"]+)"', response.text)
    nxt = re.search(r'name="next" value="([^"]+)"', response.text)
    assert draft and nxt and nxt.group(1) == "/account"
    return draft.group(1), nxt.group(1)


def test_a_form_posted_after_the_session_expired_comes_back_filled_in_after_signing_in(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    draft, nxt = _post_after_expiry(site, browser, "0513-8888 6666")
    response = browser.post("/login", {"username": site.login_of(site.w.staff_st11), "password": PASSWORD,
                                       "next": nxt, "draft": draft})
    assert response.status_code == 303 and response.headers["location"] == f"/account?draft={draft}"
    page = browser.get(response.headers["location"])
    assert 'value="0513-8888 6666"' in page.text and "已恢复登录前填写的内容" in page.text
    # Nothing was saved behind the person's back: they check and submit again.
    assert site.read(lambda db: db.execute("SELECT phone FROM users WHERE id = ?",
                                           [site.w.staff_st11.user_id]).fetchone()[0]) is None


def test_a_form_kept_at_expiry_is_not_given_to_the_next_person_who_signs_in_on_that_computer(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    draft, nxt = _post_after_expiry(site, browser, "0513-8888 6666")
    # A colleague sits down at the shared station computer and signs in from that page.
    response = browser.post("/login", {"username": site.login_of(site.w.staff_st12), "password": PASSWORD,
                                       "next": nxt, "draft": draft})
    assert response.status_code == 303 and response.headers["location"] == "/account"
    page = browser.get("/account")
    assert "0513-8888 6666" not in page.text and "已恢复" not in page.text
    assert "0513-8888 6666" not in browser.get(f"/account?draft={draft}").text
    # The owner still gets it back when they sign in again.
    owner = site.browser()
    response = owner.post("/login", {"username": site.login_of(site.w.staff_st11), "password": PASSWORD,
                                     "next": nxt, "draft": draft}, form_page="/login")
    assert response.headers["location"] == f"/account?draft={draft}"
    assert 'value="0513-8888 6666"' in owner.get(response.headers["location"]).text


def test_a_form_posted_after_a_password_change_elsewhere_comes_back_to_its_owner(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    token = browser.token("/account")
    site.write(lambda db: sessions.end_user_sessions(db, site.w.staff_st11.user_id))  # signed out from elsewhere
    response = browser.post("/account", {"phone": "0513-7777 5555"}, token=token)
    assert response.status_code == 401 and "您刚才填写的内容已保留" in response.text
    draft = re.search(r'name="draft" value="([^"]+)"', response.text)
    assert draft
    response = browser.post("/login", {"username": site.login_of(site.w.staff_st11), "password": PASSWORD,
                                       "next": "/account", "draft": draft.group(1)})
    assert 'value="0513-7777 5555"' in browser.get(response.headers["location"]).text


def test_a_form_posted_with_no_trace_of_its_session_shows_the_words_on_that_page_only(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    token = browser.token("/account")
    browser.client.cookies.delete("bx_session")  # cleared, or a day past the session's end
    response = browser.post("/account", {"name": "王老师改名", "phone": "0513-6666"}, token=token)
    assert response.status_code == 401 and "没能保留" in response.text and "王老师改名" in response.text
    assert response.headers["cache-control"] == "no-store"
    assert 'name="draft" value=""' in response.text
    assert site.read(lambda db: db.execute("SELECT count(*) FROM form_drafts").fetchone()[0]) == 0


def test_the_session_cookie_outlives_the_session_by_a_day_to_name_whose_form_it_was(site: Site) -> None:
    response = site.browser().login(site.login_of(site.w.staff_st11))
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("bx_session="))
    assert f"Max-Age={site.settings.session_hours * 3600 + 24 * 3600}" in cookie
    browser = site.as_(site.w.staff_st11)
    expire_session(site, browser, site.settings.session_hours + 0.5)
    assert browser.get("/account").status_code == 303  # past session_hours it signs nobody in
    assert browser.get("/login").status_code == 200


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


def test_a_password_form_posted_after_expiry_keeps_no_password_and_comes_back_to_the_account_page(
        site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    token = browser.token("/account")
    site.write(lambda db: sessions.end_user_sessions(db, site.w.staff_st11.user_id))
    response = browser.post("/account/password", {"old_password": PASSWORD, "new_password": "新密码-2026-abc",
                                                  "new_password_again": "新密码-2026-abc"}, token=token)
    assert response.status_code in (303, 401) and "新密码-2026-abc" not in response.text
    kept = site.read(lambda db: db.execute("SELECT fields FROM form_drafts").fetchall())
    assert not any("新密码-2026-abc" in f or PASSWORD in f for (f,) in kept), kept
    response = browser.post("/login", {"username": site.login_of(site.w.staff_st11), "password": PASSWORD,
                                       "next": login_next(response)}, form_page="/login")
    assert response.status_code == 303 and browser.get(response.headers["location"]).status_code == 200


def login_next(response: Any) -> str:
    """Where the sign-in page (or the redirect to it) will send the person back to."""
    if response.status_code == 303:
        return str(parse_qs(urlsplit(response.headers["location"]).query)["next"][0])
    found = re.search(r'name="next" value="([^"]+)"', response.text)
    assert found
    return html.unescape(found.group(1))


def test_a_return_review_posted_after_expiry_comes_back_to_the_returns_page_not_a_405(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_town1)
    path = f"/returns/{w.stats_return1}"
    token = browser.token(path)
    site.write(lambda db: sessions.end_user_sessions(db, w.staff_town1.user_id))
    response = browser.post(path + "/review", {"decision": "return", "comment": "请核对面对面谈心的场次"},
                            token=token)
    assert response.status_code == 401 and login_next(response) == path


def _drop_csrf_cookie(browser: Browser) -> None:
    """The browser lost its CSRF cookie (a phone's browser restarted under an open page) and got a new one."""
    jar = browser.client.cookies.jar
    kept = next(c for c in jar if c.name == "bx_csrf")
    jar.clear(kept.domain, kept.path, kept.name)
    assert browser.get("/account").status_code == 200 and "bx_csrf" in browser.client.cookies


def test_a_form_of_this_site_with_a_stale_token_comes_back_filled_in_and_creates_nothing(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    token = browser.token("/mentees/new")
    _drop_csrf_cookie(browser)
    typed = {"name": "李小华", "notes": "奶奶说孩子最近晚上睡不好，写了半个小时的情况。", "csrf_token": token}
    response = browser.client.post("/mentees/new", data=typed, headers={"sec-fetch-site": "same-origin"},
                                   follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/mentees/new?draft=")
    page = browser.get(response.headers["location"]).text
    assert "奶奶说孩子最近晚上睡不好" in page and 'value="李小华"' in page
    assert re.search(r'class="flash warn"[^>]*><span aria-hidden="true">⚠</span> 这张表单打开太久已失效', page)
    assert site.read(lambda db: db.execute("SELECT count(*) FROM mentees WHERE name = '李小华'").fetchone()[0]) == 0


def test_a_post_from_another_site_keeps_nothing_and_is_refused(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    for headers in ({"sec-fetch-site": "cross-site"}, {"origin": "https://evil.example"}, {}):
        response = browser.client.post("/mentees/new", data={"name": "李小华", "csrf_token": "forged"},
                                       headers=headers, follow_redirects=False)
        assert response.status_code == 403 and "表单已失效" in response.text
    assert site.read(lambda db: db.execute("SELECT count(*) FROM form_drafts").fetchone()[0]) == 0


def test_an_account_form_posted_without_its_phone_field_clears_nothing(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    assert browser.post("/account", {"phone": "0513-8888 6666"}).status_code == 303
    response = browser.post("/account", {})
    assert response.status_code == 400 and "表单不完整" in response.text
    assert site.read(lambda db: db.execute("SELECT phone FROM users WHERE id = ?",
                                           [site.w.staff_st11.user_id]).fetchone()[0]) == "0513-8888 6666"


def test_the_account_page_refuses_the_current_password_as_the_new_one(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    response = browser.post("/account/password", {"old_password": PASSWORD, "new_password": PASSWORD,
                                                  "new_password_again": PASSWORD}, form_page="/account")
    assert response.status_code == 400 and "新密码不能和原密码一样" in response.text
    audit = site.read(lambda db: db.execute(
        "SELECT count(*) FROM sync_audit WHERE entity = 'user' AND op = 'update' AND record_id = ?",
        [site.w.staff_st11.user_id]).fetchone()[0])
    assert audit == 0


def test_wrong_old_passwords_on_the_account_page_lock_the_account_like_wrong_sign_ins(site: Site) -> None:
    # Someone at a session left open on an unattended PC must not guess the password there without limit.
    browser = site.as_(site.w.staff_st11)
    guess = {"new_password": "new-pass-123", "new_password_again": "new-pass-123"}
    for attempt in range(4):
        response = browser.post("/account/password", {"old_password": f"guess-{attempt}", **guess},
                                form_page="/account")
        assert response.status_code == 400 and "原密码不对" in response.text
    response = browser.post("/account/password", {"old_password": "guess-4", **guess}, form_page="/account")
    assert response.status_code == 429 and "已锁定" in response.text and "请 10 分钟后再试" in response.text
    assert int(response.headers["retry-after"]) == 600
    # Locked, even the right one changes nothing, and the sign-in waits out the same lockout.
    response = browser.post("/account/password", {"old_password": PASSWORD, **guess}, form_page="/account")
    assert response.status_code == 429 and "密码没有修改" in response.text
    login = site.login_of(site.w.staff_st11)
    assert site.browser().post("/login", {"username": login, "password": PASSWORD}).status_code == 429
    site.write(lambda db: db.execute("UPDATE login_failures SET locked_until = '2000-01-01T00:00:00.000Z'"))
    assert site.browser().post("/login", {"username": login, "password": PASSWORD}).status_code == 303
    assert site.read(lambda db: db.execute(
        "SELECT count(*) FROM sync_audit WHERE entity = 'user' AND op = 'update' AND record_id = ?",
        [site.w.staff_st11.user_id]).fetchone()[0]) == 0


def test_the_right_old_password_on_the_account_page_forgets_earlier_wrong_ones(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    guess = {"new_password": "new-pass-123", "new_password_again": "new-pass-123"}
    for attempt in range(4):
        browser.post("/account/password", {"old_password": f"guess-{attempt}", **guess}, form_page="/account")
    assert browser.post("/account/password", {"old_password": PASSWORD, **guess},
                        form_page="/account").status_code == 303
    assert site.read(lambda db: db.execute("SELECT count(*) FROM login_failures").fetchone()[0]) == 0


def _refusal(response: Any) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', response.text, re.S)
    assert found, response.text
    return found.group(1)


def test_a_volunteer_without_a_password_is_told_to_use_the_phone_in_words_that_reveal_no_account(
        site: Site) -> None:
    answers = [site.browser().post("/login", {"username": login, "password": "a-guess"})
               for login in (site.login_of(site.w.mentor1), "nobody.at.all", site.login_of(site.w.staff_st11))]
    assert [a.status_code for a in answers] == [400, 400, 400]
    said = {_refusal(a) for a in answers}
    assert len(said) == 1, said  # a volunteer, nobody and a staff member with a wrong password: one answer
    (words,) = said
    assert "五老志愿者不用在这里登录" in words and "手机" in words and "伴行" in words and "登记码" in words
    # The password every other demo account has opens nothing for a volunteer either: same words, no session.
    tried = site.browser().post("/login", {"username": site.login_of(site.w.mentor1), "password": PASSWORD})
    assert tried.status_code == 400 and _refusal(tried) == words
    assert "bx_session" not in tried.headers.get("set-cookie", "")


def test_a_login_without_a_password_is_refused_after_the_same_password_check_as_one_with(
    site: Site, monkeypatch: Any
) -> None:
    # Answered without argon2 (about 0.7 s), a password-less login would tell a guesser by its speed
    # which logins are volunteers: each refusal runs exactly one argon2 verification, whoever it is.
    checked: list[str] = []
    verify = argon2.PasswordHasher.verify

    def counted(self: argon2.PasswordHasher, stored: str, password: str) -> bool:
        checked.append(password)
        return verify(self, stored, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", counted)
    for login in (site.login_of(site.w.mentor1), "nobody.at.all", site.login_of(site.w.staff_st11)):
        browser = site.browser()
        answer = browser.post("/login", {"username": login, "password": "a-guess"}, token=browser.token("/login"))
        assert "用户名或密码不对" in answer.text
    assert checked == ["a-guess"] * 3

def test_the_front_page_offers_a_signed_in_clerk_her_own_home_and_anyone_else_the_login(site: Site) -> None:
    """Opened from a bookmark while signed in, the front page said 登录 (which only sent her on): it now
    names her and leads to the page she starts her work on, and its header lets her sign out."""
    anonymous = site.browser().get("/").text
    assert 'href="/login"' in anonymous and "您已经登录" not in anonymous and "退出登录" not in anonymous
    for who, home in ((site.w.staff_st11, "/staff"), (site.w.reviewer, "/dashboard")):
        browser = site.browser()
        browser.login(site.login_of(who))
        page = browser.get("/")
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        assert "您已经登录" in page.text and f'href="{home}">进入我的工作页面' in page.text, who
        assert 'href="/login"' not in page.text and "退出登录" in page.text
