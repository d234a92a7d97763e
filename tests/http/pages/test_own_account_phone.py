"""``/account``'s 联系电话 form against a change made meanwhile by someone else (the admin on
``/admin/users/{id}``): the form carries the number it showed (``shown_phone``), so a form opened
before the admin's change neither puts the old number back when sent unchanged nor replaces the
admin's number without the person seeing it — the rule the other account forms follow
(docs/pages.md, "Account forms ... carry the values they showed")."""
from __future__ import annotations

import re

from sync.system import SYSTEM
from sync.users import save_user

from .conftest import Site

OLD, ADMINS, TYPED = "13311112222", "13900001111", "13700002222"


def _phone_form(page: str) -> dict[str, str]:
    """What the 联系电话 form of ``/account`` sends as it stands."""
    form = re.search(r'<form method="post" action="/account" class="form">(.*?)</form>', page, re.S)
    assert form, page
    return dict(re.findall(r'<input[^>]* name="([^"]+)" value="([^"]*)"', form.group(1)))


def _phone(site: Site, user_id: str) -> str | None:
    return site.read(lambda db: db.execute("SELECT phone FROM users WHERE id = ?", [user_id]).fetchone()[0])


def _admin_sets_phone(site: Site, user_id: str, phone: str) -> None:
    site.write(lambda db: save_user(db, SYSTEM, {"phone": phone}, user_id=user_id))


def test_an_account_form_opened_before_the_admin_changed_the_phone_sent_unchanged_keeps_the_admins_number(
        site: Site) -> None:
    me = site.w.staff_st11
    _admin_sets_phone(site, me.user_id, OLD)
    browser = site.as_(me)
    form = _phone_form(browser.get("/account").text)
    assert form["phone"] == OLD
    _admin_sets_phone(site, me.user_id, ADMINS)
    sent = browser.post("/account", form)
    assert sent.status_code == 303, sent.text
    assert _phone(site, me.user_id) == ADMINS
    assert "联系电话没有改动" in browser.get("/account").text


def test_an_account_form_changing_a_phone_the_admin_changed_meanwhile_is_refused_with_the_number_now(
        site: Site) -> None:
    me = site.w.staff_st11
    _admin_sets_phone(site, me.user_id, OLD)
    browser = site.as_(me)
    form = _phone_form(browser.get("/account").text)
    _admin_sets_phone(site, me.user_id, ADMINS)
    refused = browser.post("/account", {**form, "phone": TYPED})
    assert refused.status_code == 409, refused.text
    assert f"“手机号”已被别人改过（现在是 {ADMINS}），请看过现在的内容再改。" in refused.text
    assert _phone(site, me.user_id) == ADMINS
    # The typed number stays in the box, against the number there is now: sent again, it is saved.
    again = _phone_form(refused.text)
    assert (again["phone"], again["shown_phone"]) == (TYPED, ADMINS)
    assert browser.post("/account", again).status_code == 303
    assert _phone(site, me.user_id) == TYPED


def test_an_account_form_changing_the_phone_nobody_else_changed_saves_it(site: Site) -> None:
    me = site.w.staff_st11
    _admin_sets_phone(site, me.user_id, OLD)
    browser = site.as_(me)
    form = _phone_form(browser.get("/account").text)
    assert browser.post("/account", {**form, "phone": TYPED}).status_code == 303
    assert _phone(site, me.user_id) == TYPED
    assert "联系电话已保存" in browser.get("/account").text
