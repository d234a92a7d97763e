"""Volunteer pages: who may open which volunteer (role × page × foreign record), accounts created
and changed through the audited path, enrolment codes as 8 digits and as a QR code of the enrol
link, revoking a lost phone (its next pull gets 401 device_revoked), deactivating an account."""
from __future__ import annotations

import dataclasses
import datetime
import hashlib
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from server.qr import qr_svg

from ...factories import make_county_staff, mutate, row, table_counts
from .conftest import Site, sentence
from .station import record_id_on

PAGES = ["/mentors/{id}", "/mentors/{id}/edit"]
MATRIX = [  # (who, mentor1 of station 1-1, mentor3 of station 2-1)
    ("staff_st11", 200, 404),
    ("staff_town1", 200, 404),
    ("staff_st21", 404, 200),
    ("staff_st12", 404, 404),
    ("admin", 200, 200),
    ("reviewer", 403, 403),
]
BASE_URL = "http://127.0.0.1:8000"  # Settings(): no public_url, the default host and port


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(("who", "own", "foreign"), MATRIX)
def test_volunteer_pages_answer_by_unit_and_never_leak_another_units_volunteer(
        site: Site, page: str, who: str, own: int, foreign: int) -> None:
    w = site.w
    browser = site.as_(getattr(w, who))
    for mentor, expected, name in ((w.mentor1, own, "王老师"), (w.mentor3, foreign, "张老师")):
        response = browser.get(page.format(id=mentor.user_id))
        assert response.status_code == expected, (who, page, response.status_code)
        assert (name in response.text) == (expected == 200)


@pytest.mark.parametrize("who", ["staff_st11", "staff_town2", "admin"])
def test_volunteer_list_shows_exactly_the_volunteers_in_scope(site: Site, who: str) -> None:
    actor = getattr(site.w, who)
    units = site.read(lambda db: {r[0] for r in db.execute(
        "WITH RECURSIVE t(id) AS (SELECT ? UNION SELECT u.id FROM units u JOIN t ON u.parent_id = t.id)"
        " SELECT id FROM t", [actor.unit_id]).fetchall()})
    mentors = site.read(lambda db: list(db.query("SELECT id, unit_id FROM users WHERE role = 'mentor'")))
    page = site.as_(actor).get("/mentors").text
    assert set(re.findall(r'href="/mentors/([0-9a-f-]{36})"', page)) == {
        m["id"] for m in mentors if actor.role == "admin" or m["unit_id"] in units}


def test_a_volunteer_is_added_with_a_generated_login_and_the_change_is_audited(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    response = browser.post("/mentors/new", {"name": "赵老师", "phone": "139 0513 7777", "unit_id": w.st11,
                                             "about": "退休教师", "smartphone": "1"})
    assert response.status_code == 303
    user_id = response.headers["location"].rsplit("/", 1)[1]
    user = site.read(lambda db: next(db.query("SELECT * FROM users WHERE id = ?", [user_id])))
    assert (user["login"], user["role"], user["unit_id"], user["about"], user["smartphone"], user["password_hash"]) \
        == ("m13905137777", "mentor", w.st11, "退休教师", 1, None)
    audit = site.read(lambda db: list(db.query("SELECT user_id, op FROM sync_audit WHERE record_id = ?", [user_id])))
    assert audit == [{"user_id": w.staff_st11.user_id, "op": "create"}]
    assert user_id in browser.get("/mentors").text


def test_the_word_after_adding_a_volunteer_fits_a_woman_as_well_as_a_man(site: Site) -> None:
    """A volunteer's account keeps no gender: 为他的手机发登记码 was said after adding 王阿姨."""
    browser = site.as_(site.w.staff_st11)
    response = browser.post("/mentors/new", {"name": "王阿姨", "unit_id": site.w.st11, "smartphone": "1"})
    assert response.status_code == 303
    said = browser.get(response.headers["location"]).text
    assert "已添加志愿者。请在下方为这位志愿者的手机发登记码。" in said and "为他的手机" not in said


def test_a_volunteer_whose_mobile_is_typed_in_full_width_digits_gets_it_as_the_login(site: Site) -> None:
    """A Chinese IME types １３９…: the same number, so the same login as ASCII digits, not m0001."""
    w = site.w
    response = site.as_(w.staff_st11).post("/mentors/new", {"name": "钱老师", "phone": "１３９ ０５１３ ７７７６",
                                                             "unit_id": w.st11, "smartphone": "1"})
    assert response.status_code == 303
    user_id = response.headers["location"].rsplit("/", 1)[1]
    assert site.read(lambda db: db.execute("SELECT login FROM users WHERE id = ?", [user_id]).fetchone()[0]) \
        == "m13905137776"


def test_the_add_volunteer_form_posted_twice_adds_one_account(site: Site) -> None:
    """A double tap on 保存 (or the back button and 保存 again) is one volunteer, not two accounts to
    pair children with; another staff member's post of a form naming that account changes nothing."""
    w = site.w
    browser = site.as_(w.staff_st11)
    form = browser.get("/mentors/new").text
    fields = {"name": "赵老师", "unit_id": w.st11, "about": "退休教师", "smartphone": "1",
              "record_id": record_id_on(form)}
    before = site.read(table_counts)["users"]
    first = browser.post("/mentors/new", fields)
    again = browser.post("/mentors/new", fields)
    assert first.status_code == again.status_code == 303
    assert again.headers["location"] == first.headers["location"]
    assert site.read(table_counts)["users"] == before + 1
    other = site.as_(w.staff_town1).post("/mentors/new", {**fields, "name": "钱老师"})
    assert other.status_code == 400 and "刷新页面" in other.text
    assert site.read(table_counts)["users"] == before + 1


def test_the_add_volunteer_form_posted_again_with_a_change_is_told_the_change_was_not_saved(site: Site) -> None:
    """Back, the phone number corrected (or the 简介 emptied), 保存: answered "已添加" as the same form
    again, the correction was dropped in silence. Now the shared answer: 409, what was not saved, a
    link to the volunteer's page; still one account, as first added."""
    w = site.w
    browser = site.as_(w.staff_st11)
    fields = {"name": "赵老师", "unit_id": w.st11, "about": "退休教师", "phone": "13800002222", "smartphone": "1",
              "record_id": record_id_on(browser.get("/mentors/new").text)}
    first = browser.post("/mentors/new", fields)
    assert first.status_code == 303
    user_id = fields["record_id"]
    before = site.read(table_counts)["users"]
    for changed, shown in (({"phone": "13900003333"}, "13900003333"), ({"about": ""}, "（清空）")):
        response = browser.post("/mentors/new", {**fields, **changed})
        assert response.status_code == 409 and "没有保存" in response.text and shown in response.text, response.text
        assert f'href="/mentors/{user_id}"' in response.text
    assert site.read(table_counts)["users"] == before
    stored = site.read(lambda db: db.execute("SELECT phone, about FROM users WHERE id = ?", [user_id]).fetchone())
    assert stored == ("13800002222", "退休教师")


def test_staff_cannot_add_a_volunteer_to_another_units_station(site: Site) -> None:
    w = site.w
    before = site.read(table_counts)["users"]
    response = site.as_(w.staff_st11).post("/mentors/new", {"name": "钱老师", "unit_id": w.st21})
    assert response.status_code == 400 and "不在您的管理范围内" in response.text
    assert site.read(table_counts)["users"] == before


def test_smartphone_and_background_are_shown_and_editable(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    login = site.login_of(w.mentor1)
    response = browser.post(f"/mentors/{w.mentor1.user_id}/edit", {
        "name": "王老师", "login": login, "unit_id": w.st11, "about": "老战士（用老人机）", "phone": "13311112222"})
    assert response.status_code == 303
    page = browser.get(f"/mentors/{w.mentor1.user_id}").text
    assert "老战士（用老人机）" in page and "没有，帮扶记录由辅导站代录" in page
    assert site.read(lambda db: db.execute("SELECT smartphone FROM users WHERE id = ?",
                                           [w.mentor1.user_id]).fetchone()[0]) == 0


def _issue(site: Site, browser: Any, mentor_id: str) -> tuple[str, str]:
    response = browser.post(f"/mentors/{mentor_id}", {"action": "enrol_code"})
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    digits = re.search(r'id="enrol-code">(\d{4}) (\d{4})<', response.text)
    assert digits, response.text
    return digits.group(1) + digits.group(2), response.text


def test_an_enrolment_code_is_shown_as_8_digits_and_as_a_qr_code_of_the_enrol_link(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    code, page = _issue(site, browser, w.mentor1.user_id)
    stored = site.read(lambda db: db.execute("SELECT user_id FROM enrol_codes WHERE code_hash = ?",
                                             [hashlib.sha256(code.encode()).hexdigest()]).fetchone())
    assert stored == (w.mentor1.user_id,)
    link = f"{BASE_URL}/app/?code={code}"
    assert f'id="enrol-link">{link}<' in page
    svg = re.search(r"<svg.*?</svg>", page, flags=re.S).group(0)  # type: ignore[union-attr]
    # segno cannot decode, so compare with the QR of the expected link, and check another code differs.
    assert svg == qr_svg(link)
    assert svg != qr_svg(f"{BASE_URL}/app/?code={int(code) ^ 1:08d}")
    # The code enrols the volunteer's phone exactly once.
    enrol = browser.client.post("/api/enrol", json={"code": code, "device_name": "王老师的手机"})
    assert enrol.status_code == 200 and enrol.json()["user"]["id"] == w.mentor1.user_id
    assert browser.client.post("/api/enrol", json={"code": code, "device_name": "x"}).status_code == 400


def test_a_server_on_every_address_without_a_public_url_shows_no_qr_code_that_scans_to_nowhere(site: Site) -> None:
    """Listening on 0.0.0.0 without BANXING_PUBLIC_URL, the QR code said http://0.0.0.0:8000/app/?code=…"""
    browser = site.as_(site.w.staff_st11)  # its client's lifespan sets the app's state: change it after
    state = site.app.state.banxing
    site.app.state.banxing = dataclasses.replace(
        state, settings=dataclasses.replace(state.settings, host="0.0.0.0", public_url=""))
    code, page = _issue(site, browser, site.w.mentor1.user_id)
    assert "<svg" not in page and "0.0.0.0" not in page and 'id="enrol-link"' not in page
    assert 'id="no-qr"' in page and "BANXING_PUBLIC_URL" in page
    assert f'id="enrol-code">{code[:4]} {code[4:]}<' in page  # the digits still enrol a phone


def test_an_enrolment_codes_expiry_is_written_as_the_other_pages_write_times(site: Site) -> None:
    """It said 2026-12-05 23:32 前有效 where the other pages write 2026年12月5日."""
    w = site.w
    code, page = _issue(site, site.as_(w.staff_st11), w.mentor1.user_id)
    stored = site.read(lambda db: db.execute("SELECT expires_at FROM enrol_codes WHERE code_hash = ?",
                                             [hashlib.sha256(code.encode()).hexdigest()]).fetchone()[0])
    ends = datetime.datetime.fromisoformat(stored.replace("Z", "+00:00")) + datetime.timedelta(hours=8)
    words = f"{ends.year}年{ends.month}月{ends.day}日 {ends:%H:%M}"
    assert f'<p><span class="nowrap">{words}</span> 前有效，只能用一次。' in page
    assert not re.search(r"\d{4}-\d\d-\d\d", page.split('id="enrol-link"')[1])


def test_a_second_enrolment_code_says_the_earlier_unused_one_no_longer_works_and_it_does_not(site: Site) -> None:
    """Issuing a code twice left both valid: a code shown earlier, lost or photographed, still
    enrolled a phone as the volunteer until it expired."""
    w = site.w
    browser = site.as_(w.staff_st11)
    first, page = _issue(site, browser, w.mentor1.user_id)
    assert 'id="code-replaced"' not in page  # nothing was replaced by the first code
    second, page = _issue(site, browser, w.mentor1.user_id)
    notice = re.search(r'id="code-replaced"[^>]*>(.*?)</p>', page, flags=re.S)
    assert notice and "之前给王老师的登记码已经作废，不能再用来登记" in notice.group(1), page
    refused = browser.client.post("/api/enrol", json={"code": first, "device_name": "捡到的手机"})
    assert refused.status_code == 400 and "换成了新的" in refused.json()["error"]
    assert browser.client.post("/api/enrol", json={"code": second, "device_name": "王老师的手机"}).status_code == 200
    # Once the newest code is spent, a third replaces nothing that could still enrol: no notice.
    _, page = _issue(site, browser, w.mentor1.user_id)
    assert 'id="code-replaced"' not in page


def test_a_revoked_phone_gets_401_device_revoked_on_its_next_pull(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    code, _ = _issue(site, browser, w.mentor1.user_id)
    enrolled = browser.client.post("/api/enrol", json={"code": code, "device_name": "王老师的红米"}).json()
    headers = {"authorization": f"Bearer {enrolled['token']}"}
    assert browser.client.get("/api/sync/pull", headers=headers).status_code == 200
    page = browser.get(f"/mentors/{w.mentor1.user_id}").text
    assert "王老师的红米" in page and "在用" in page and "/activities/phone-import" not in page
    refused = browser.post(f"/mentors/{w.mentor1.user_id}", {"action": "revoke", "device_id": enrolled["device_id"],
                                                              "reason": ""})
    assert refused.status_code == 400 and "请写明停用原因" in refused.text
    assert browser.client.get("/api/sync/pull", headers=headers).status_code == 200
    response = browser.post(f"/mentors/{w.mentor1.user_id}", {"action": "revoke", "device_id": enrolled["device_id"],
                                                               "reason": "手机丢失"})
    assert response.status_code == 303
    pull = browser.client.get("/api/sync/pull", headers=headers)
    assert pull.status_code == 401 and pull.json()["code"] == "device_revoked" and "手机丢失" in pull.json()["error"]
    stopped = browser.get(f"/mentors/{w.mentor1.user_id}").text
    assert "已停用" in stopped and "/activities/phone-import" in stopped  # where the phone's export is entered
    audit = site.read(lambda db: db.execute("SELECT user_id, op FROM sync_audit WHERE record_id = ?",
                                            [enrolled["device_id"]]).fetchall())
    assert audit == [(w.staff_st11.user_id, "revoke")]


def test_the_phone_list_says_before_a_revoke_that_it_cannot_be_undone(site: Site) -> None:
    """停用这台手机 was one click under a reason field, and only the message after it said what it did
    (the phone cleared, a found phone enrolled anew)."""
    w = site.w
    browser = site.as_(w.admin)
    code, _ = _issue(site, browser, w.mentor1.user_id)
    enrolled = browser.client.post("/api/enrol", json={"code": code, "device_name": "王老师的红米"}).json()
    before = sentence(browser.get(f"/mentors/{w.mentor1.user_id}").text)
    assert "停用手机不能撤销" in before and "用新的登记码重新登记" in before
    live = site.read(lambda db: [r[0] for r in db.execute(
        "SELECT id FROM sync_devices WHERE user_id = ? AND revoked_at IS NULL", [w.mentor1.user_id])])
    assert enrolled["device_id"] in live
    for device_id in live:
        assert browser.post(f"/mentors/{w.mentor1.user_id}", {"action": "revoke", "device_id": device_id,
                                                              "reason": "手机丢失"}).status_code == 303
    assert "停用手机不能撤销" not in browser.get(f"/mentors/{w.mentor1.user_id}").text  # no phone left to stop


def test_another_volunteers_phone_cannot_be_revoked_through_this_page(site: Site) -> None:
    w = site.w
    response = site.as_(w.staff_st11).post(f"/mentors/{w.mentor1.user_id}", {
        "action": "revoke", "device_id": w.mentor3.device_id, "reason": "手机丢失"})
    assert response.status_code == 404
    assert site.read(lambda db: db.execute("SELECT revoked_at FROM sync_devices WHERE id = ?",
                                           [w.mentor3.device_id]).fetchone()[0]) is None
    foreign = site.as_(w.staff_st11).post(f"/mentors/{w.mentor3.user_id}", {"action": "enrol_code"},
                                          form_page="/mentors")
    assert foreign.status_code == 404 and site.read(table_counts)["enrol_codes"] == 0


def test_no_enrolment_code_for_a_volunteer_whose_paired_child_moved_out_of_the_stations_reach(site: Site) -> None:
    # The child moved to another town and kept the volunteer: a code would let the old station
    # enrol a "phone" of its own and pull a child's file its pages answer 404 for.
    w = site.w
    version = site.read(lambda db: row(db, "mentee", w.mentee1))["version"]
    mover = site.write(lambda db: make_county_staff(db, w.county))  # the admin writes no child's file
    site.write(lambda db: mutate(db, mover, "mentee", {"unit_id": w.st21}, w.mentee1, base_version=version))
    for who in (w.staff_st11, w.staff_town1):
        browser = site.as_(who)
        assert browser.get(f"/mentees/{w.mentee1}").status_code == 404
        refused = browser.post(f"/mentors/{w.mentor1.user_id}", {"action": "enrol_code"})
        assert refused.status_code == 400 and "不在您的管理范围内" in refused.text
        assert "小明" not in refused.text and 'id="enrol-code"' not in refused.text
    assert site.read(table_counts)["enrol_codes"] == 0
    # A volunteer whose children are all in reach still gets one; so does this one, from the county.
    _issue(site, site.as_(w.staff_st11), w.mentor2.user_id)
    _issue(site, site.as_(w.admin), w.mentor1.user_id)


def test_a_deactivated_volunteers_phone_stops_and_reactivating_restores_it(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    code, _ = _issue(site, browser, w.mentor2.user_id)
    token = browser.client.post("/api/enrol", json={"code": code, "device_name": "李老师的手机"}).json()["token"]
    headers = {"authorization": f"Bearer {token}"}
    stopped = browser.post(f"/mentors/{w.mentor2.user_id}", {"action": "deactivate"})
    assert stopped.status_code == 303
    # The children still paired with them are not left waiting unnoticed.
    assert "还有 1 个进行中的结对" in browser.get(stopped.headers["location"]).text
    pull = browser.client.get("/api/sync/pull", headers=headers)
    assert pull.status_code == 401 and pull.json()["code"] == "user_inactive"
    assert "账号恢复后，手机联网、解锁就会自己恢复" in pull.json()["error"]  # ask before clearing the phone
    refused = browser.post(f"/mentors/{w.mentor2.user_id}", {"action": "enrol_code"})
    assert refused.status_code == 400 and "已停用" in refused.text
    assert w.mentor2.user_id not in browser.get("/mentors").text  # the list shows volunteers in service
    assert w.mentor2.user_id in browser.get("/mentors?active=0").text
    assert browser.post(f"/mentors/{w.mentor2.user_id}", {"action": "reactivate"}).status_code == 303
    assert browser.client.get("/api/sync/pull", headers=headers).status_code == 200


def test_a_pin_recovery_code_from_the_volunteer_page_releases_that_phones_key_once(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    code, _ = _issue(site, browser, w.mentor1.user_id)
    enrolled = browser.client.post("/api/enrol", json={"code": code, "device_name": "王老师的红米"}).json()
    headers = {"authorization": f"Bearer {enrolled['token']}"}
    page = browser.get(f"/mentors/{w.mentor1.user_id}").text
    assert "发恢复码" not in page  # no PIN set yet: the server holds no key, a code could not help
    key = "k" * 43
    assert browser.client.put("/api/device/recovery-key", json={"recovery_key": key},
                              headers=headers).status_code == 200
    page = browser.get(f"/mentors/{w.mentor1.user_id}").text
    assert "忘记手机密码：发恢复码" in page
    response = browser.post(f"/mentors/{w.mentor1.user_id}", {"action": "recovery_code",
                                                               "device_id": enrolled["device_id"]})
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    digits = re.search(r'id="recovery-code">(\d{4}) (\d{4})<', response.text)
    assert digits and "王老师的红米" in response.text
    recovery = {"authorization": f"Bearer {enrolled['recovery_token']}"}
    released = browser.client.post("/api/recovery", json={"code": digits.group(1) + digits.group(2)},
                                   headers=recovery)
    assert released.status_code == 200 and released.json() == {"recovery_key": key}
    audit = site.read(lambda db: db.execute("SELECT user_id, op FROM sync_audit WHERE record_id = ?",
                                            [enrolled["device_id"]]).fetchall())
    assert audit == [(w.staff_st11.user_id, "recovery_code")]
    # Another volunteer's phone cannot be helped through this page.
    foreign = browser.post(f"/mentors/{w.mentor1.user_id}", {"action": "recovery_code",
                                                              "device_id": w.mentor3.device_id})
    assert foreign.status_code == 404



def _phone_with_a_pin(site: Site, browser: Any, mentor_id: str, device_name: str) -> dict[str, Any]:
    """A phone enrolled with the station's code whose volunteer has set a PIN (the server holds its
    recovery key, so the volunteer page offers 发恢复码 for it): the enrolment's answer."""
    code, _ = _issue(site, browser, mentor_id)
    enrolled: dict[str, Any] = browser.client.post("/api/enrol", json={"code": code, "device_name": device_name}).json()
    assert browser.client.put("/api/device/recovery-key", json={"recovery_key": "k" * 43},
                              headers={"authorization": f"Bearer {enrolled['token']}"}).status_code == 200
    return enrolled


def test_the_recovery_code_page_names_the_pin_with_the_phones_own_word_password(site: Site) -> None:
    """The phone says 密码 and 忘记密码, the phone's row says 忘记手机密码：发恢复码: the page the clerk reads out
    from says the same word, not PIN (a word neither she nor a volunteer of 70 may know)."""
    w = site.w
    browser = site.as_(w.staff_st11)
    enrolled = _phone_with_a_pin(site, browser, w.mentor1.user_id, "王老师的红米")
    page = browser.post(f"/mentors/{w.mentor1.user_id}", {"action": "recovery_code",
                                                           "device_id": enrolled["device_id"]}).text
    assert "的手机密码恢复码</h1>" in page and "<title>手机密码恢复码" in page
    assert "PIN" not in page


def test_a_phones_pin_recovery_comes_first_and_its_irreversible_stop_stands_apart_for_a_lost_phone(
        site: Site) -> None:
    """停用这台手机 sat directly above 忘记手机密码：发恢复码: a clerk helping an old man who forgot his PIN
    could press the stop, which cannot be undone. The recovery comes first; the stop is a form of its own
    below it, headed as for a lost phone and drawn apart (station.css form.lost-phone)."""
    w = site.w
    browser = site.as_(w.staff_st11)
    _phone_with_a_pin(site, browser, w.mentor1.user_id, "王老师的红米")
    page = browser.get(f"/mentors/{w.mentor1.user_id}").text
    row = page[page.index("王老师的红米"):]
    row = row[:row.index("</tr>")]
    recovery, revoke = row.index("忘记手机密码：发恢复码"), row.index("停用这台手机")
    assert recovery < revoke
    lost = re.search(r'<form[^>]*class="inline-form lost-phone"[^>]*>(.*?)</form>', row, re.S)
    assert lost and 'value="revoke"' in lost.group(1) and "停用这台手机" in lost.group(1)
    assert "发恢复码" not in lost.group(1)  # the two are separate forms, the stop alone in its own
    assert "手机丢了" in sentence(lost.group(1)) and "不能撤销" in sentence(lost.group(1))
    assert row.index("手机丢了") < revoke  # read before the button, not after it


def test_the_station_finds_a_phone_by_the_number_its_forgotten_pin_screen_says(site: Site) -> None:
    """The volunteer reads out 这台手机的编号 as the phone writes it, A7C2-351A (pwa/js/ui/settings.js shortId,
    tests/e2e/test_pwa_recovery.py); the volunteer page and the recovery code's page write it the same way,
    so the station matches the phone it is asked about without turning a7c2351a into it in their head."""
    w = site.w
    browser = site.as_(w.staff_st11)
    enrolled = _phone_with_a_pin(site, browser, w.mentor1.user_id, "伴行手机")
    tail = enrolled["device_id"].replace("-", "")[-8:].upper()
    said = f"手机编号 {tail[:4]}-{tail[4:]}"
    page = browser.get(f"/mentors/{w.mentor1.user_id}").text
    assert said in sentence(page)
    assert f'<span class="nowrap">{said}</span>' in page  # whole on its line, never 手机编 / 号 at a phone's edge
    issued = browser.post(f"/mentors/{w.mentor1.user_id}",
                          {"action": "recovery_code", "device_id": enrolled["device_id"]})
    assert issued.status_code == 200 and said in sentence(issued.text)

# --- two people editing one account --------------------------------------------------------------

class FormFields(HTMLParser):
    """What the first ``form.form`` of a page submits as it stands (checked boxes, selected options)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.state = "before"  # → "in" → "after"
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and self.state == "before" and "form" in a.get("class", "").split():
            self.state = "in"
        elif self.state != "in":
            return
        elif tag == "input" and a.get("name") and (a.get("type") not in ("checkbox", "radio") or "checked" in a):
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self.select = a.get("name")
        elif tag == "option" and self.select and "selected" in a:
            self.fields[self.select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.state == "in":
            self.state = "after"


def edit_form(browser: Any, path: str) -> dict[str, str]:
    parser = FormFields()
    parser.feed(browser.get(path).text)
    return parser.fields


def _account(site: Site, user_id: str) -> dict[str, Any]:
    return dict(site.read(lambda db: next(db.query("SELECT * FROM users WHERE id = ?", [user_id]))))


def test_volunteer_edit_form_carries_the_values_it_shows(site: Site) -> None:
    w = site.w
    site.as_(w.staff_st11).post(f"/mentors/{w.mentor1.user_id}/edit", {
        "name": "王老师", "login": site.login_of(w.mentor1), "unit_id": w.st11, "phone": "13311112222",
        "about": "退休教师", "smartphone": "1"})
    form = edit_form(site.as_(w.staff_town1), f"/mentors/{w.mentor1.user_id}/edit")
    shown = {k: v for k, v in form.items() if k.startswith("shown_")}
    assert shown == {"shown_name": "王老师", "shown_login": site.login_of(w.mentor1), "shown_phone": "13311112222",
                     "shown_unit_id": w.st11, "shown_about": "退休教师", "shown_mentor_kind": "",
                     "shown_smartphone": "1"}


def test_two_staff_changing_different_fields_of_one_volunteer_keep_both_changes(site: Site) -> None:
    w = site.w
    path = f"/mentors/{w.mentor1.user_id}/edit"
    a, b = site.as_(w.staff_st11), site.as_(w.staff_town1)
    form_a, form_b = edit_form(a, path), edit_form(b, path)
    assert a.post(path, {**form_a, "phone": "13900001111"}).status_code == 303
    assert b.post(path, {**form_b, "about": "老干部"}).status_code == 303
    account = _account(site, w.mentor1.user_id)
    assert (account["phone"], account["about"]) == ("13900001111", "老干部")


def test_the_second_of_two_staff_changing_the_same_volunteer_field_is_refused_in_words(site: Site) -> None:
    w = site.w
    path = f"/mentors/{w.mentor1.user_id}/edit"
    a, b = site.as_(w.staff_st11), site.as_(w.staff_town1)
    form_a, form_b = edit_form(a, path), edit_form(b, path)
    assert a.post(path, {**form_a, "phone": "13900001111"}).status_code == 303
    refused = b.post(path, {**form_b, "phone": "13700002222", "about": "老干部"})
    assert refused.status_code == 409
    assert "“手机号”已被别人改过（现在是 13900001111），请看过现在的内容再改。" in refused.text
    account = _account(site, w.mentor1.user_id)
    assert (account["phone"], account["about"]) == ("13900001111", None)  # nothing of B's save was written
    again = FormFields()
    again.feed(refused.text)
    # The form now shows the phone as it is and keeps B's other change; sent again, it saves just that.
    assert (again.fields["phone"], again.fields["shown_phone"], again.fields["about"]) == \
        ("13900001111", "13900001111", "老干部")
    assert b.post(path, again.fields).status_code == 303
    account = _account(site, w.mentor1.user_id)
    assert (account["phone"], account["about"]) == ("13900001111", "老干部")


def test_the_admin_sees_a_volunteers_children_by_code_only(site: Site) -> None:
    # Names only where the role works with the child (docs/design.md §6): the station, not the county.
    w = site.w
    code = site.read(lambda db: row(db, "mentee", w.mentee1))["code"]
    path = f"/mentors/{w.mentor1.user_id}"
    assert "小明" in site.as_(w.staff_st11).get(path).text
    page = site.as_(w.admin).get(path).text
    assert code in page and "小明" not in page


def test_a_volunteers_phones_and_last_sync_are_written_in_words_on_the_page_and_the_list(site: Site) -> None:
    """登记时间, 最近同步 and a stopped phone's time said 2026-12-04 23:32 where the other pages write 2026年12月4日."""
    w = site.w
    site.write(lambda db: db.execute(
        "UPDATE sync_devices SET created_at = '2026-11-19T01:05:00.000Z', last_seen_at = '2026-12-04T15:32:00.000Z',"
        " revoked_at = '2026-12-05T02:10:00.000Z', revoked_reason = '手机丢失' WHERE id = ?", [w.mentor1.device_id]))
    browser = site.as_(w.staff_st11)
    page = browser.get(f"/mentors/{w.mentor1.user_id}").text
    assert '<td data-label="登记时间"><span class="nowrap">2026年11月19日 09:05</span></td>' in page
    assert '<td data-label="最近同步"><span class="nowrap">2026年12月4日 23:32</span></td>' in page
    assert '手机丢失（<span class="nowrap">2026年12月5日 10:10</span>）' in page
    # 最近帮扶 is the day of the pairing's latest visit, as a day in words.
    last = site.read(lambda db: db.execute(
        "SELECT max(a.date) FROM activities a JOIN pairings p ON p.id = a.pairing_id"
        " WHERE p.mentor_id = ? AND a.deleted = 0", [w.mentor1.user_id]).fetchone()[0])
    day = datetime.date.fromisoformat(last)
    assert f'<td data-label="最近帮扶"><span class="nowrap">{day.year}年{day.month}月{day.day}日</span></td>' in page
    shown = re.sub(r"<[^>]+>", "", page.split("<main", 1)[1])  # what is read; a date field keeps its ISO value
    assert not re.search(r"\d{4}-\d\d-\d\d", shown)
    listing = browser.get("/mentors", params={"active": ""}).text
    assert '<td data-label="最近同步"><span class="nowrap">2026年12月4日 23:32</span></td>' in listing
    assert not re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", listing)


def test_a_station_refused_an_enrolment_code_is_told_which_office_reaches_the_moved_child(site: Site) -> None:
    # Term start: the town moved the station's child to its own school, the station's volunteer kept her.
    # The station cannot issue the code; the town can, so the refusal sends the station to the town.
    w = site.w
    version = site.read(lambda db: row(db, "mentee", w.mentee1))["version"]
    site.write(lambda db: mutate(db, w.staff_town1, "mentee", {"unit_id": w.st12}, w.mentee1, base_version=version))
    refused = site.as_(w.staff_st11).post(f"/mentors/{w.mentor1.user_id}", {"action": "enrol_code"})
    assert refused.status_code == 400 and "请联系掘港街道发放，或请掘港街道结束那个结对。" in refused.text
    assert "县关工委" not in refused.text and site.read(table_counts)["enrol_codes"] == 0
    _issue(site, site.as_(w.staff_town1), w.mentor1.user_id)
    # Moved on to another town, only the county reaches both.
    version = site.read(lambda db: row(db, "mentee", w.mentee1))["version"]
    mover = site.write(lambda db: make_county_staff(db, w.county))
    site.write(lambda db: mutate(db, mover, "mentee", {"unit_id": w.st21}, w.mentee1, base_version=version))
    for who in (w.staff_st11, w.staff_town1):
        refused = site.as_(who).post(f"/mentors/{w.mentor1.user_id}", {"action": "enrol_code"})
        assert refused.status_code == 400 and "请联系如东县发放" in refused.text
