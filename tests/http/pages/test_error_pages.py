"""The error page as each person meets it: a headline in words (a bare "404" means nothing to a
volunteer of seventy), a hint that fits who is signed in, and buttons that lead somewhere useful."""
from __future__ import annotations

import html
import re

import pytest

from .conftest import PASSWORD, Site

UNKNOWN_ID = "0190a000-0000-7000-8000-000000000000"
BUTTONS = re.compile(r'<a class="button[^"]*" href="([^"]+)">([^<]+)</a>')


def _headline(text: str) -> str:
    found = re.search(r"<h1>([^<]+)</h1>", text)
    assert found, text
    return found.group(1)


def _buttons(text: str) -> list[tuple[str, str]]:
    return [(html.unescape(path), words) for path, words in BUTTONS.findall(text)]


@pytest.mark.parametrize(("path", "status", "headline"), [
    ("/no/such/page", 404, "找不到这个页面"),
    (f"/mentees/{UNKNOWN_ID}", 404, "找不到这条记录"),
    ("/admin/users", 403, "没有权限"),
    ("/account/password", 405, "这个地址不能直接打开"),
])
def test_an_error_page_says_what_happened_in_words_and_keeps_the_number_small(
        site: Site, path: str, status: int, headline: str) -> None:
    response = site.as_(site.w.staff_st11).get(path)
    assert response.status_code == status
    assert _headline(response.text) == headline
    assert f'<p class="error-code">错误代码 {status}</p>' in response.text
    assert f"<h1>{status}" not in response.text and f'"error-code">{status}<' not in response.text


def test_a_post_only_address_opened_again_by_the_browser_leads_back_to_the_page_of_its_form(site: Site) -> None:
    response = site.as_(site.w.staff_st11).get("/account/password")  # a restored tab
    assert response.status_code == 405
    text = html.unescape(response.text)
    assert "只用来提交表单" in text and "什么都没有改动" in text
    assert _buttons(response.text)[0] == ("/account", "回到刚才的页面")


def test_a_missing_record_leads_back_to_its_list_and_home_is_the_persons_own_home(site: Site) -> None:
    response = site.as_(site.w.staff_st11).get(f"/mentees/{UNKNOWN_ID}")
    assert response.status_code == 404
    assert _buttons(response.text) == [("/mentees", "返回帮扶对象"), ("/staff", "回到首页")]


def test_a_missing_record_reached_from_another_page_leads_back_to_that_page(site: Site) -> None:
    browser = site.as_(site.w.reviewer)
    response = browser.get(f"/pairings/{UNKNOWN_ID}", headers={"referer": "http://testserver/review?page=2"})
    assert response.status_code == 404
    assert _buttons(response.text) == [("/review?page=2", "返回上一页"), ("/dashboard", "回到首页")]


@pytest.mark.parametrize("referer", ["http://evil.example/review", "http://testserver/\\evil.example/review",
                                     "http://testserver//evil.example/review"])
def test_another_sites_referer_is_not_offered_as_a_way_back(site: Site, referer: str) -> None:
    browser = site.as_(site.w.reviewer)
    response = browser.get(f"/pairings/{UNKNOWN_ID}", headers={"referer": referer})
    assert all("evil" not in path for path, _ in _buttons(response.text))


def test_a_mistyped_address_sends_the_signed_in_person_to_their_own_home_not_the_public_front_page(
        site: Site) -> None:
    assert _buttons(site.as_(site.w.staff_st11).get("/no/such/page").text) == [("/staff", "回到首页")]
    assert _buttons(site.as_(site.w.reviewer).get("/no/such/page").text) == [("/dashboard", "回到首页")]
    assert _buttons(site.browser().get("/no/such/page").text) == [("/", "回到首页")]


def test_station_staff_are_not_told_to_hand_their_unsaved_words_to_the_station(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    token = browser.token(f"/activities/new?pairing_id={w.pairing1}")
    browser.login(site.login_of(w.staff_town1))  # another tab: the form was shown to someone else
    response = browser.post("/activities/new", {"pairing_id": w.pairing1, "kind": "home_visit",
                                                "date": "2026-11-26", "record": "和奶奶聊了作业的事。"}, token=token)
    assert response.status_code == 409
    text = html.unescape(response.text)
    assert "和奶奶聊了作业的事。" in text and "您填写的内容（没有保存）" in text
    assert "交给辅导站" not in text and "可以复制下来，找到记录后重新填写。" in text
    assert _headline(response.text) == "登录的账号已经换了"


def test_a_form_that_cannot_be_read_offers_the_form_again(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    response = browser.client.post("/mentees/new", content=b"garbage", follow_redirects=False,
                                   headers={"content-type": "multipart/form-data; boundary=xx"})
    assert response.status_code == 400
    assert _headline(response.text) == "提交的内容无法读取"
    assert _buttons(response.text)[0] == ("/mentees/new", "重新打开这张表单")


def test_a_query_that_cannot_be_read_is_called_a_query_not_something_submitted(site: Site) -> None:
    response = site.as_(site.w.staff_st11).get("/reports/stats?from=2026-99-99")
    assert response.status_code == 400
    assert _headline(response.text) == "查询条件有误"
    assert _buttons(response.text)[0] == ("/reports/stats", "返回统计表")


def test_a_wrong_address_of_the_phone_app_leads_back_to_the_app_not_the_front_page(site: Site) -> None:
    response = site.browser().get("/app/no-such-screen")
    assert response.status_code == 404
    assert _buttons(response.text) == [("/app/", "回到首页")]


def test_a_signed_in_person_keeps_their_name_sign_out_and_menu_on_an_error_page(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    for path in ("/no/such/page", f"/mentees/{UNKNOWN_ID}"):
        response = browser.get(path)
        assert response.status_code == 404
        assert "站员一一" in response.text and "退出登录" in response.text
        assert 'aria-label="主要页面"' in response.text and 'href="/review"' in response.text
    assert "退出登录" not in site.browser().get("/no/such/page").text


def test_signing_out_from_an_error_page_works(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/no/such/page").text)
    assert token is not None
    response = browser.post("/logout", token=token.group(1))
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert browser.get("/staff").status_code == 303  # signed out


def test_a_post_to_a_page_that_takes_none_is_not_told_it_opened_a_form_address(site: Site) -> None:
    browser = site.as_(site.w.reviewer)
    response = browser.client.post("/dashboard", data={"x": "1"}, follow_redirects=False)
    assert response.status_code == 405
    assert _headline(response.text) == "无法这样提交"
    assert "只用来提交表单" not in html.unescape(response.text)


def test_a_refused_page_says_who_may_use_it(site: Site) -> None:
    w = site.w
    to_staff = html.unescape(site.as_(w.staff_st11).get("/admin/users").text)
    assert "只有县关工委的系统管理员可以使用" in to_staff
    to_county = html.unescape(site.as_(w.reviewer).get("/mentors").text)
    assert "辅导站、学校和镇（街道）关工委的工作人员" in to_county and "“总览”" in to_county


def test_a_signed_out_deep_link_with_a_query_comes_back_whole_after_signing_in(site: Site) -> None:
    browser = site.browser()
    deep = "/pairings?status=active&q=%E5%B0%8F&page=1"
    response = browser.get(deep)
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
    form = browser.get(response.headers["location"]).text
    carried = re.search(r'name="next" value="([^"]*)"', form)
    assert carried is not None and html.unescape(carried.group(1)) == deep
    response = browser.post("/login", {"username": site.login_of(site.w.staff_st11), "password": PASSWORD,
                                       "next": html.unescape(carried.group(1))},
                            form_page=response.headers["location"])
    assert response.status_code == 303 and response.headers["location"] == deep


def test_a_form_posted_by_a_role_that_may_not_use_it_shows_the_typed_words_back(site: Site) -> None:
    """The county may read a child's file but not register one: its refusal (403) keeps what was typed,
    as every other refusal of a post does, so the words can be copied to whoever registers the child."""
    w = site.w
    response = site.as_(w.reviewer).post("/mentees/new", {
        "unit_id": w.st11, "name": "小东", "plan": "每周家访一次，陪他写作业。"}, form_page="/account")
    assert response.status_code == 403
    text = html.unescape(response.text)
    assert "每周家访一次，陪他写作业。" in text and "您填写的内容（没有保存）" in text
