"""Stopping a volunteer ends their pairings too, when the stop form's box is ticked: the account and
every pairing the form listed change in one write (both or neither), each pairing ended through the
write path (closed, end date, outcome 志愿者停止服务, audited) so the archive and the phones see it.
A pairing changed since the page showed it, a pairing out of the station's reach and a tampered
form are each answered in words, with nothing half-written."""
from __future__ import annotations

import re
from typing import Any

import pytest

from server.pages.stopping import read_end
from sync import NotAllowed
from sync.stopping import end_pairings
from sync.timeutil import local_today

from ...factories import make_county_staff, make_pairing, mutate, row
from .conftest import Browser, Site


def stop_form(browser: Browser, path: str) -> dict[str, Any]:
    """What the page's stop form submits as it stands (the box checked by default)."""
    page = browser.get(path).text
    at = page.index('value="deactivate"')
    form = page[page.rindex("<form", 0, at):page.index("</form>", at)]
    fields: dict[str, Any] = {"action": "deactivate",
                              "pairing": re.findall(r'name="pairing" value="([^"]+)"', form)}
    if re.search(r'name="end_pairings" value="1" checked', form):
        fields["end_pairings"] = "1"
    date = re.search(r'name="end_date" type="date" value="([^"]*)"', form)
    if date:
        fields["end_date"] = date.group(1)
    return fields


def pairing_row(site: Site, pairing_id: str) -> dict[str, Any]:
    found = site.read(lambda db: row(db, "pairing", pairing_id))
    assert found is not None
    return dict(found)


def is_active(site: Site, user_id: str) -> bool:
    return bool(site.read(lambda db: db.execute("SELECT active FROM users WHERE id = ?", [user_id]).fetchone()[0]))


def audit(site: Site, record_id: str) -> list[tuple[Any, ...]]:
    return list(site.read(lambda db: db.execute(
        "SELECT user_id, entity, op, status, changes FROM sync_audit WHERE record_id = ? ORDER BY id",
        [record_id]).fetchall()))


def second_pairing(site: Site) -> str:
    """Mentor 1 takes on 小刚 too: two active pairings in station 1-1."""
    w = site.w
    return str(site.write(lambda db: make_pairing(db, w.staff_st11, w.mentor1, w.mentee_unpaired,
                                                  start_date="2026-10-01")))


def test_stopping_a_volunteer_with_the_box_ticked_ends_every_pairing_in_the_same_audited_write(site: Site) -> None:
    w = site.w
    other = second_pairing(site)
    path = f"/mentors/{w.mentor1.user_id}"
    staff = site.as_(w.staff_st11)
    page = staff.get(path).text
    assert "同时结束这 2 个结对" in page and "小明" in page and "小刚" in page
    form = stop_form(staff, path)
    assert form["end_pairings"] == "1" and len(form["pairing"]) == 2  # ticked unless the person unticks it
    before = {p: pairing_row(site, p)["version"] for p in (w.pairing1, other)}
    today = local_today().isoformat()
    assert form["end_date"] == today

    stopped = staff.post(path, form)

    assert stopped.status_code == 303
    assert not is_active(site, w.mentor1.user_id)
    for pairing_id in (w.pairing1, other):
        ended = pairing_row(site, pairing_id)
        assert (ended["status"], ended["end_date"], ended["outcome"]) == ("closed", today, "mentor_left")
        assert ended["version"] == before[pairing_id] + 1
        (who, entity, op, status, changes), = [a for a in audit(site, pairing_id) if a[2] == "update"]
        assert (who, entity, status) == (w.staff_st11.user_id, "pairing", "applied")
        assert '"outcome": [null, "mentor_left"]' in changes and f'"end_date": [null, "{today}"]' in changes
    assert (w.staff_st11.user_id, "user", "update", "applied", '{"active": [true, false]}') in audit(
        site, w.mentor1.user_id)
    shown = staff.get(path).text
    assert "已同时结束 2 个结对（结束原因：志愿者停止服务），这些孩子现在显示为“未结对”" in shown
    assert f'href="/pairings/new?mentee_id={w.mentee1}">另找志愿者</a>' in shown
    assert f'href="/pairings/new?mentee_id={w.mentee_unpaired}">另找志愿者</a>' in shown
    assert "志愿者停止服务" in staff.get(f"/pairings/{w.pairing1}").text  # the archive says why it ended
    assert staff.get("/mentees").text.count("未结对") >= 2
    # The same form sent again (a double tap, a second tab) changes nothing more.
    again = staff.post(path, form)
    assert again.status_code == 303 and pairing_row(site, other)["version"] == before[other] + 1


def test_stopping_a_volunteer_with_the_box_unticked_leaves_the_pairings_running(site: Site) -> None:
    w = site.w
    other = second_pairing(site)
    path = f"/mentors/{w.mentor1.user_id}"
    staff = site.as_(w.staff_st11)
    offered = stop_form(staff, path)
    assert offered["end_pairings"] == "1"  # the box is there, ticked; the person unticks it
    form = {k: v for k, v in offered.items() if k != "end_pairings"}
    before = [pairing_row(site, p) for p in (w.pairing1, other)]

    stopped = staff.post(path, form)

    assert stopped.status_code == 303 and not is_active(site, w.mentor1.user_id)
    assert [pairing_row(site, p) for p in (w.pairing1, other)] == before
    assert "注意：这位志愿者还有 2 个进行中的结对" in staff.get(path).text


def end_form(browser: Browser, path: str) -> dict[str, Any]:
    """What a stopped volunteer's page submits to end the pairings left running."""
    page = browser.get(path).text
    at = page.index('value="end_pairings"')
    form = page[page.rindex("<form", 0, at):page.index("</form>", at)]
    date = re.search(r'name="end_date" type="date" value="([^"]*)"', form)
    assert date is not None
    return {"action": "end_pairings", "pairing": re.findall(r'name="pairing" value="([^"]+)"', form),
            "end_date": date.group(1)}


def test_a_volunteer_stopped_with_pairings_left_running_has_them_ended_later_from_the_same_list(site: Site) -> None:
    w = site.w
    other = second_pairing(site)
    path = f"/mentors/{w.mentor1.user_id}"
    staff = site.as_(w.staff_st11)
    form = {k: v for k, v in stop_form(staff, path).items() if k != "end_pairings"}
    assert staff.post(path, form).status_code == 303  # stopped, the pairings left running
    page = staff.get(path).text
    assert "结束这 2 个结对" in page and "恢复账号" in page

    ended = staff.post(path, end_form(staff, path))

    assert ended.status_code == 303
    for pairing_id in (w.pairing1, other):
        pairing = pairing_row(site, pairing_id)
        assert (pairing["status"], pairing["outcome"], pairing["end_date"]) == (
            "closed", "mentor_left", local_today().isoformat())
        assert audit(site, pairing_id)[-1][:4] == (w.staff_st11.user_id, "pairing", "update", "applied")
    page = staff.get(path).text
    assert "已结束 2 个结对" in page and "结束这 2 个结对" not in page
    assert not is_active(site, w.mentor1.user_id)


def test_ending_a_stopped_volunteers_pairings_refuses_a_list_changed_since_and_an_active_account(site: Site) -> None:
    w = site.w
    path = f"/mentors/{w.mentor1.user_id}"
    staff = site.as_(w.staff_st11)
    refused = staff.post(path, {"action": "end_pairings", "pairing": [], "end_date": local_today().isoformat()})
    assert refused.status_code == 400 and "还在使用" in refused.text
    assert pairing_row(site, w.pairing1)["status"] == "active"

    other = second_pairing(site)
    form = {k: v for k, v in stop_form(staff, path).items() if k != "end_pairings"}
    assert staff.post(path, form).status_code == 303
    shown = end_form(staff, path)
    version = pairing_row(site, other)["version"]
    # The town's staff set the goals of 小刚's pairing after the page was shown.
    site.write(lambda db: mutate(db, w.staff_town1, "pairing", {"goals": "每周家访一次"}, other, base_version=version))

    changed = staff.post(path, shown)

    assert changed.status_code == 409 and "有了变动" in changed.text
    assert [pairing_row(site, p)["status"] for p in (w.pairing1, other)] == ["active", "active"]


@pytest.mark.parametrize("meanwhile", ["edited", "started", "ended"])
def test_a_pairing_changed_since_the_page_showed_it_stops_the_whole_write_in_words(
        site: Site, meanwhile: str) -> None:
    w = site.w
    other = second_pairing(site)
    path = f"/mentors/{w.mentor1.user_id}"
    staff = site.as_(w.staff_st11)
    form = stop_form(staff, path)
    version = pairing_row(site, other)["version"]
    if meanwhile == "edited":  # the town's staff set the goals of 小刚's pairing
        site.write(lambda db: mutate(db, w.staff_town1, "pairing", {"goals": "每周家访一次"}, other,
                                     base_version=version))
    elif meanwhile == "started":  # a new pairing the page never listed
        third = site.write(lambda db: mutate(db, w.staff_st11, "mentee", {"unit_id": w.st11, "code": "RD-009",
                                                                          "name": "小军"}))
        site.write(lambda db: make_pairing(db, w.staff_st11, w.mentor1, third))
    else:  # someone ended 小刚's pairing by hand
        site.write(lambda db: mutate(db, w.staff_town1, "pairing", {"status": "closed", "outcome": "stable",
                                                                    "end_date": "2026-11-01"}, other,
                                     base_version=version))
    before = {p: pairing_row(site, p) for p in (w.pairing1, other)}

    refused = staff.post(path, form)

    assert refused.status_code == 409
    assert "您打开这个页面以后，这位志愿者的结对有了变动" in refused.text and "所以这次什么都没有改" in refused.text
    said = {"edited": "已被别人修改", "started": "新增了", "ended": "1 个结对已经结束、删除或转出了您的管理范围"}
    assert said[meanwhile] in refused.text
    assert is_active(site, w.mentor1.user_id)
    assert {p: pairing_row(site, p) for p in (w.pairing1, other)} == before
    # The page now lists the pairings as they are; sent again from it, the stop goes through.
    assert staff.post(path, stop_form(staff, path)).status_code == 303
    assert pairing_row(site, w.pairing1)["status"] == "closed" and not is_active(site, w.mentor1.user_id)


def test_pairings_of_children_out_of_the_stations_reach_are_named_and_left_untouched(site: Site) -> None:
    # 小明 moved to a school in another town and kept the volunteer: station 1-1 may not end that
    # pairing, but may still stop its own volunteer and end 小刚's.
    w = site.w
    other = second_pairing(site)
    version = site.read(lambda db: row(db, "mentee", w.mentee1))["version"]
    mover = site.write(lambda db: make_county_staff(db, w.county))  # the admin writes no child's file
    site.write(lambda db: mutate(db, mover, "mentee", {"unit_id": w.st21}, w.mentee1, base_version=version))
    path = f"/mentors/{w.mentor1.user_id}"
    staff = site.as_(w.staff_st11)
    page = staff.get(path).text
    assert "同时结束这 1 个结对" in page and "小明" not in page
    assert "另有 1 个结对的孩子在您管理范围以外的单位，这里不能结束" in page
    away = pairing_row(site, w.pairing1)

    stopped = staff.post(path, stop_form(staff, path))

    assert stopped.status_code == 303 and not is_active(site, w.mentor1.user_id)
    assert pairing_row(site, w.pairing1) == away
    assert pairing_row(site, other)["status"] == "closed"
    assert "注意：另有 1 个结对的孩子在您管理范围以外的单位，没有结束" in staff.get(path).text


BAD_FORMS = [  # (what the form got wrong, how, what the page says)
    ("no end date", {"end_date": ""}, "请填写结对的结束日期。"),
    ("garbled end date", {"end_date": "2026-02-30"}, "不是真实存在的日期"),
    ("end date after today", {"end_date": "2099-01-01"}, "结对的结束日期不能晚于今天。"),
    # the start in words and whole on one line (it read 开始日期（2026-10-01）)
    ("end date before a start", {"end_date": "2026-09-15"},
     '的结对开始日期（<span class="nowrap">2026年10月1日</span>）。'),
    ("garbled pairing", {"pairing": ["not-a-pairing:1"]}, "表单里的结对信息不完整"),
    ("pairing without version", {"pairing": "{pairing1}"}, "表单里的结对信息不完整"),
]


@pytest.mark.parametrize(("case", "change", "words"), BAD_FORMS, ids=[c[0] for c in BAD_FORMS])
def test_a_stop_form_that_cannot_be_taken_as_it_is_gets_words_and_writes_nothing(
        site: Site, case: str, change: dict[str, Any], words: str) -> None:
    w = site.w
    other = second_pairing(site)  # starts 2026-10-01, so 2026-09-15 is before it
    path = f"/mentors/{w.mentor1.user_id}"
    staff = site.as_(w.staff_st11)
    form = {**stop_form(staff, path), **{k: v.format(pairing1=w.pairing1) if isinstance(v, str) else v
                                         for k, v in change.items()}}
    before = {p: pairing_row(site, p) for p in (w.pairing1, other)}

    refused = staff.post(path, form)

    assert refused.status_code == 400, case
    assert words in refused.text and "同时结束这 2 个结对" in refused.text  # the form is back, as it was
    assert is_active(site, w.mentor1.user_id)
    assert {p: pairing_row(site, p) for p in (w.pairing1, other)} == before


def test_a_stop_form_naming_another_volunteers_pairing_or_volunteer_ends_nothing(site: Site) -> None:
    w = site.w
    staff = site.as_(w.staff_st11)
    path = f"/mentors/{w.mentor1.user_id}"
    # 张老师's pairing (another town) slipped into 王老师's form: not the list the page showed.
    tampered = {**stop_form(staff, path), "pairing": [f"{w.pairing1}:1", f"{w.pairing3}:1"]}
    refused = staff.post(path, tampered)
    assert refused.status_code == 409 and "1 个结对已经结束、删除或转出了您的管理范围" in refused.text
    assert is_active(site, w.mentor1.user_id) and pairing_row(site, w.pairing1)["status"] == "active"
    # Another station's volunteer, one that does not exist, an id that is no id: not found, as anywhere.
    for other in (w.mentor3.user_id, "0192a4c4-0000-7000-8000-000000000000", "nonsense"):
        assert staff.post(f"/mentors/{other}", tampered, form_page="/mentors").status_code == 404
    assert is_active(site, w.mentor3.user_id) and pairing_row(site, w.pairing3)["status"] == "active"


def test_the_admin_stops_a_volunteer_and_ends_their_pairings_from_the_account_page(site: Site) -> None:
    w = site.w
    path = f"/admin/users/{w.mentor1.user_id}"
    admin = site.as_(w.admin)
    page = admin.get(path).text
    code = site.read(lambda db: row(db, "mentee", w.mentee1))["code"]
    # The county sees the child's code, not the name (docs/design.md §6).
    assert "同时结束这 1 个结对" in page and code in page and "小明" not in page

    stopped = admin.post(path, stop_form(admin, path))

    assert stopped.status_code == 303 and not is_active(site, w.mentor1.user_id)
    ended = pairing_row(site, w.pairing1)
    assert (ended["status"], ended["outcome"]) == ("closed", "mentor_left")
    assert "已同时结束 1 个结对" in admin.get(path).text
    # A staff account has no pairings: its stop form is as before.
    assert "同时结束" not in admin.get(f"/admin/users/{w.staff_st12.user_id}").text


def test_the_admin_stops_a_volunteer_leaving_pairings_running_and_ends_them_from_the_same_page(site: Site) -> None:
    # The words after the stop send the admin "below on this page" to end the pairings left running:
    # the account page must offer that list, as the volunteer page does.
    w = site.w
    path = f"/admin/users/{w.mentor1.user_id}"
    admin = site.as_(w.admin)
    form = {k: v for k, v in stop_form(admin, path).items() if k != "end_pairings"}
    stopped = admin.post(path, form)
    assert stopped.status_code == 303 and not is_active(site, w.mentor1.user_id)
    page = admin.get(path).text
    assert "注意：这位志愿者还有 1 个进行中的结对，可以在本页下方一次结束" in page and "结束这 1 个结对" in page

    ended = admin.post(path, end_form(admin, path))

    assert ended.status_code == 303
    pairing = pairing_row(site, w.pairing1)
    assert (pairing["status"], pairing["outcome"]) == ("closed", "mentor_left")
    assert "已结束 1 个结对" in admin.get(path).text and not is_active(site, w.mentor1.user_id)
    # Not for an account in use, nor one that is no volunteer's: words, and nothing written.
    for other in (w.mentor2.user_id, w.staff_st12.user_id):
        refused = admin.post(f"/admin/users/{other}", {"action": "end_pairings", "pairing": [],
                                                        "end_date": local_today().isoformat()})
        assert refused.status_code == 400 and "还在使用" in refused.text
    assert pairing_row(site, w.pairing2)["status"] == "active"


def test_ending_the_pairings_of_an_account_restored_meanwhile_ends_none(site: Site) -> None:
    w = site.w
    path = f"/mentors/{w.mentor1.user_id}"
    staff = site.as_(w.staff_st11)
    form = {k: v for k, v in stop_form(staff, path).items() if k != "end_pairings"}
    assert staff.post(path, form).status_code == 303
    shown = end_form(staff, path)
    # The account is restored between the page's check and the write (another tab, another person).
    site.write(lambda db: db.execute("UPDATE users SET active = 1 WHERE id = ?", [w.mentor1.user_id]))
    with pytest.raises(NotAllowed, match="还在使用"):
        site.write(lambda db: end_pairings(db, w.staff_st11, w.mentor1.user_id,
                                           read_end({**shown, "end_pairings": "1"})))
    assert pairing_row(site, w.pairing1)["status"] == "active"


def test_stopping_a_volunteer_with_an_enrolled_phone_tells_the_station_to_collect_its_unsent_records(
        site: Site) -> None:
    # The stopped phone keeps what it had not sent and offers it as a file; a station not told so
    # sees the phone as 在用 and never asks for the file, and those visits never reach the archive.
    w = site.w
    path = f"/mentors/{w.mentor1.user_id}"
    staff = site.as_(w.staff_st11)
    assert staff.post(path, stop_form(staff, path)).status_code == 303
    shown = staff.get(path).text
    assert "它登记过的 1 台手机上如果还有没同步的记录" in shown and "“录入导出的文件”里录入" in shown
    phones = shown[shown.index('id="phones-h"'):]
    assert "在用" not in phones and "不能同步" in phones and 'href="/activities/phone-import"' in phones
    admin = site.as_(w.admin)
    assert admin.post(f"/admin/users/{w.mentor3.user_id}", {"action": "deactivate"}).status_code == 303
    assert "它登记过的 1 台手机上如果还有没同步的记录" in admin.get(f"/admin/users/{w.mentor3.user_id}").text


@pytest.mark.parametrize("where", ["admin", "station"])
def test_restoring_a_stopped_volunteer_says_the_pairings_the_stop_ended_stay_ended(site: Site, where: str) -> None:
    # A volunteer stopped by mistake (the box is ticked by default) and restored: the account comes
    # back, the pairings the stop ended do not. Told only 已恢复, the clerk believes the mistake undone
    # while the children wait, 未结对, for visits nobody will make.
    w = site.w
    if where == "admin":
        path, browser, restore = f"/admin/users/{w.mentor1.user_id}", site.as_(w.admin), "activate"
    else:
        path, browser, restore = f"/mentors/{w.mentor1.user_id}", site.as_(w.staff_st11), "reactivate"
    before = browser.get(path).text
    assert "恢复账号不会恢复这些结对" in before  # said before the click, beside the ticked box
    # Stopped with the box unticked, nothing was ended: the restore has nothing more to say.
    unticked = {k: v for k, v in stop_form(browser, path).items() if k != "end_pairings"}
    assert browser.post(path, unticked).status_code == 303
    assert browser.post(path, {"action": restore}).status_code == 303
    assert "没有随账号恢复" not in browser.get(path).text
    assert browser.post(path, stop_form(browser, path)).status_code == 303
    assert pairing_row(site, w.pairing1)["status"] == "closed"

    assert browser.post(path, {"action": restore}).status_code == 303

    page = browser.get(path).text
    assert is_active(site, w.mentor1.user_id) and pairing_row(site, w.pairing1)["status"] == "closed"
    assert "停用时结束的 1 个结对没有随账号恢复" in page and "另找志愿者" in page
    # Their phone, told 这个账号已停用 if it went online meanwhile, comes back by itself (pwa main.js unstop).
    assert "手机联网并解锁后会自己恢复" in page and "一直显示" not in page


@pytest.mark.parametrize("page", ["/admin/users/{id}", "/mentors/{id}"])
def test_the_admin_stopping_a_volunteer_with_a_phone_is_told_who_enters_its_file_not_sent_to_a_page_it_cannot_open(
        site: Site, page: str) -> None:
    # The phone-import page is the stations' (the file holds the children's records in full): the
    # admin sent there to enter the file met a 403, and nobody told the station to collect it.
    w = site.w
    admin = site.as_(w.admin)
    path = page.format(id=w.mentor3.user_id)
    assert admin.post(path, {"action": "deactivate"}).status_code == 303
    shown = admin.get(path).text
    assert "它登记过的 1 台手机上如果还有没同步的记录" in shown
    assert "请把导出的文件收来" not in shown and "请告诉这位志愿者所在单位的工作人员" in shown
    assert admin.get("/activities/phone-import").status_code == 403
