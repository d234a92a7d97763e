"""Referring a child (转介) and tracking it to its return; the open ones for the station home page."""
from __future__ import annotations

import datetime
import html

from server.queries.referrals import open_referrals
from sync import load_scope
from sync.timeutil import local_today

from ...factories import make_activity, make_mentee, mutate, remove, row
from .conftest import Site, sentence
from .station import access_rows, phone_pull, record_id_on


def test_a_referral_is_made_from_a_child_and_tracked_to_its_conclusion(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    form = browser.get(f"/referrals/new?mentee_id={w.mentee2}").text
    assert f'value="{w.mentee2}" selected' in form and "学校心理辅导室" in form and "医疗机构" in form
    response = browser.post("/referrals/new", {"mentee_id": w.mentee2, "target": "counselling_room",
                                               "institution": "掘港小学心理辅导室", "contact": "陈老师 13900000000",
                                               "reason": "考试焦虑，夜里睡不着", "referred_on": "2026-11-20"})
    assert response.status_code == 303
    referral_id = response.headers["location"].removeprefix("/referrals/")
    stored = site.read(lambda db: row(db, "referral", referral_id))
    assert (stored["status"], stored["unit_id"], stored["author_id"]) == ("referred", w.st11, w.staff_st11.user_id)

    track = {"target": "counselling_room", "institution": "掘港小学心理辅导室", "contact": "陈老师 13900000000",
             "reason": "考试焦虑，夜里睡不着", "referred_on": "2026-11-20", "outcome": ""}
    response = browser.post(response.headers["location"], {**track, "status": "received",
                                                           "received_on": "2026-11-22", "base_version": "1"},
                            form_page="/account")
    assert response.status_code == 303
    response = browser.post(f"/referrals/{referral_id}", {
        **track, "status": "concluded", "received_on": "2026-11-22", "concluded_on": "2026-12-01",
        "outcome": "辅导六次，睡眠恢复正常", "base_version": "2"}, form_page="/account")
    assert response.status_code == 303
    stored = site.read(lambda db: row(db, "referral", referral_id))
    assert (stored["status"], stored["received_on"], stored["concluded_on"], stored["outcome"]) == (
        "concluded", "2026-11-22", "2026-12-01", "辅导六次，睡眠恢复正常")
    page = html.unescape(browser.get(f"/referrals/{referral_id}").text)
    assert "状态：已接收 → 已结束" in page and "辅导六次，睡眠恢复正常" in page
    # one view: the page after the redirect (the saves themselves show nothing)
    assert [r["user_id"] for r in access_rows(site, "view_referral", referral_id)] == [w.staff_st11.user_id]


def test_a_referral_made_for_a_flagged_child_leads_back_to_writing_the_flags_handling(site: Site) -> None:
    """The risk flag's card on the station home offers 登记转介; the referral's page it led to had no
    way back, while the flag stays open until its handling is written on that card. The page says so
    and links to the card, until the handling is written."""
    w = site.w
    today = local_today().isoformat()
    flag = site.write(lambda db: make_activity(db, w.mentor1, w.pairing1, date=today, risk_flag=True,
                                               record="手腕有划痕"))
    browser = site.as_(w.staff_st11)
    response = browser.post("/referrals/new", {"mentee_id": w.mentee1, "target": "medical",
                                               "institution": "县人民医院心理门诊", "referred_on": today})
    assert response.status_code == 303
    page = browser.get(response.headers["location"]).text
    assert f'href="/staff#flag-{flag}"' in page
    assert "这个孩子的自伤自残风险提示还没有记录处理情况" in sentence(page)
    site.write(lambda db: mutate(db, w.staff_st11, "activity", {"risk_action": "联系了家长，已转介",
                                                                "risk_action_on": today}, flag, 1))
    page = browser.get(response.headers["location"]).text
    assert "/staff#flag-" not in page and "还没有记录处理情况" not in page


def test_a_referral_form_posted_twice_refers_the_child_once(site: Site) -> None:
    """The same form posted again (a double tap, the back button) makes one referral to track, and
    both answers lead to it; the form keeps its id when it comes back with an error."""
    w = site.w
    browser = site.as_(w.staff_st11)
    record_id = record_id_on(browser.get(f"/referrals/new?mentee_id={w.mentee2}").text)
    data = {"record_id": record_id, "mentee_id": w.mentee2, "target": "counselling_room",
            "institution": "掘港小学心理辅导室", "reason": "考试焦虑", "referred_on": "2026-11-20"}
    refused = browser.post("/referrals/new", {**data, "referred_on": "十一月"})
    assert refused.status_code == 400 and record_id_on(refused.text) == record_id
    answers = [browser.post("/referrals/new", data) for _ in range(2)]
    assert [(a.status_code, a.headers["location"]) for a in answers] == [(303, f"/referrals/{record_id}")] * 2
    assert site.read(lambda db: [r[0] for r in db.execute("SELECT id FROM referrals WHERE mentee_id = ?",
                                                          [w.mentee2]).fetchall()]) == [record_id]


def test_a_status_without_its_date_is_refused_in_words(site: Site) -> None:
    w = site.w
    response = site.as_(w.staff_st11).post(f"/referrals/{w.referral1}", {
        "status": "received", "received_on": "", "target": "medical", "referred_on": "2026-11-02",
        "base_version": "1"})
    assert response.status_code == 400 and "请填写接收日期" in response.text
    assert site.read(lambda db: row(db, "referral", w.referral1))["status"] == "referred"


def test_the_list_shows_open_referrals_first_and_filters(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    assert w.referral1 in browser.get("/referrals").text
    assert w.referral1 not in browser.get("/referrals", params={"status": "concluded"}).text
    assert w.referral1 in browser.get("/referrals", params={"target": "medical"}).text
    assert w.referral1 not in browser.get("/referrals", params={"target": "counselling_room"}).text


def test_the_county_reads_referrals_by_code_and_cannot_change_them(site: Site) -> None:
    w = site.w
    county = site.as_(w.reviewer)
    page = county.get(f"/referrals/{w.referral1}").text
    assert "县人民医院心理门诊" in page and "小明" not in page and 'name="status"' not in page
    assert county.get("/referrals/new").status_code == 403


def test_open_referrals_for_the_home_page_are_the_unconcluded_ones_in_scope(site: Site) -> None:
    w = site.w
    mine = site.read(lambda db: open_referrals(db, load_scope(db, w.staff_st11)))
    assert [r["id"] for r in mine] == [w.referral1]
    assert mine[0]["mentee_name"] == "小明" and mine[0]["pairing_id"] == w.pairing1
    assert site.read(lambda db: open_referrals(db, load_scope(db, w.staff_st21))) == []
    county = site.read(lambda db: open_referrals(db, load_scope(db, w.reviewer)))
    assert [r["id"] for r in county] == [w.referral1] and county[0]["mentee_name"] is None
    site.as_(w.staff_st11).post(f"/referrals/{w.referral1}", {
        "status": "concluded", "received_on": "2026-11-05", "concluded_on": "2026-11-30", "target": "medical",
        "referred_on": "2026-11-02", "base_version": "1"})
    assert site.read(lambda db: open_referrals(db, load_scope(db, w.staff_st11))) == []


def test_a_referral_never_reaches_the_volunteers_phone(site: Site) -> None:
    w = site.w
    _, _, cursor = phone_pull(site, w.mentor1)
    site.as_(w.staff_st11).post("/referrals/new", {"mentee_id": w.mentee1, "target": "medical",
                                                   "referred_on": "2026-11-21"})
    changes, drops, _ = phone_pull(site, w.mentor1, cursor)
    assert not [k for k in changes if k[0] == "referral"] and not drops


def test_the_station_home_lists_open_referrals_until_they_end(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    home = html.unescape(browser.get("/staff").text)
    assert "未结束的转介" in home and f"/referrals/{w.referral1}" in home and "医疗机构：县人民医院心理门诊" in home
    assert f"/referrals/{w.referral1}" not in site.as_(w.staff_st21).get("/staff").text
    browser.post(f"/referrals/{w.referral1}", {
        "status": "concluded", "received_on": "2026-11-05", "concluded_on": "2026-11-30", "target": "medical",
        "referred_on": "2026-11-02", "base_version": "1"}, form_page="/account")
    assert "没有未结束的转介" in browser.get("/staff").text


def test_a_referral_dated_after_today_is_refused_in_words(site: Site) -> None:
    # A referral dated after today would count in the statistics of a period still to come.
    w = site.w
    browser = site.as_(w.staff_st11)
    ahead = (local_today() + datetime.timedelta(days=2)).isoformat()
    data = {"mentee_id": w.mentee2, "target": "counselling_room", "institution": "掘港小学心理辅导室",
            "reason": "考试焦虑", "referred_on": ahead}
    refused = browser.post("/referrals/new", data)
    assert refused.status_code == 400 and "转介日期" in refused.text and "不能晚于今天" in refused.text
    assert site.read(lambda db: db.execute("SELECT count(*) FROM referrals WHERE mentee_id = ?",
                                           [w.mentee2]).fetchone()) == (0,)
    made = browser.post("/referrals/new", {**data, "referred_on": local_today().isoformat()})
    assert made.status_code == 303
    track = {**data, "status": "referred", "received_on": "", "concluded_on": "", "outcome": "", "base_version": "1"}
    later = browser.post(made.headers["location"], track, form_page="/account")
    assert later.status_code == 400 and "不能晚于今天" in later.text


def test_a_referral_received_or_concluded_after_today_is_refused_in_words(site: Site) -> None:
    """The tracking page took 2062 typed for 2026 as the day the institution received the child or
    ended: a referral "已结束" decades ahead, checked only by its 转介日期."""
    w = site.w
    browser = site.as_(w.staff_st11)
    ahead = (local_today() + datetime.timedelta(days=2)).isoformat()
    track = {"target": "counselling_room", "institution": "掘港小学心理辅导室", "contact": "", "outcome": "",
             "reason": "考试焦虑", "referred_on": "2026-11-02", "base_version": "1"}
    made = browser.post("/referrals/new", {**track, "mentee_id": w.mentee2})
    assert made.status_code == 303
    for fields, label in (({"status": "received", "received_on": ahead, "concluded_on": ""}, "接收日期"),
                          ({"status": "concluded", "received_on": "2026-11-05", "concluded_on": "2062-11-30",
                            "outcome": "好转"}, "结束日期")):
        refused = browser.post(made.headers["location"], {**track, **fields}, form_page="/account")
        assert refused.status_code == 400 and f"{label}（" in refused.text and "不能晚于今天" in refused.text
    stored = site.read(lambda db: row(db, "referral", made.headers["location"].removeprefix("/referrals/")))
    assert (stored["status"], stored["received_on"], stored["concluded_on"]) == ("referred", None, None)


def test_a_referral_for_a_child_deleted_while_the_form_was_open_names_the_child_and_what_to_do(site: Site) -> None:
    w = site.w
    child = site.write(lambda db: make_mentee(db, w.staff_st11, w.st11, name="小林", code="BX-2026-0777"))
    browser = site.as_(w.staff_st11)
    record_id = record_id_on(browser.get(f"/referrals/new?mentee_id={child}").text)
    site.write(lambda db: remove(db, w.staff_st11, "mentee", child))
    response = browser.post("/referrals/new", {"record_id": record_id, "mentee_id": child,
                                               "target": "counselling_room", "referred_on": "2026-11-20"})
    assert response.status_code == 400
    said = html.unescape(response.text)
    assert "帮扶对象 BX-2026-0777 的档案已被删除" in sentence(response.text) and "请重新选择" in said
    assert child not in said.replace(f'value="{child}"', "")  # no raw id in the words


def test_the_list_writes_a_referrals_days_in_words(site: Site) -> None:
    """转介日期 and 接收 / 结束 read 2026-11-02 where the other pages write 2026年11月2日."""
    w = site.w
    site.write(lambda db: db.execute("UPDATE referrals SET received_on = '2026-11-05' WHERE id = ?", [w.referral1]))
    page = site.as_(w.staff_st11).get("/referrals").text
    assert '<td data-label="转介日期" class="date"><span class="nowrap">2026年11月2日</span></td>' in page
    assert '<td data-label="接收 / 结束"><span class="nowrap">2026年11月5日</span> / —</td>' in page


def test_the_referral_forms_lead_cites_no_other_countys_notice(site: Site) -> None:
    """The lead ended with （开州通知 五(三)）, a paragraph of a Chongqing district's notice that a
    station in any other county has never seen; it now says what a referral is and who sees it."""
    page = site.as_(site.w.staff_st11).get(f"/referrals/new?mentee_id={site.w.mentee2}").text
    assert "转介到学校心理辅导室或专业医疗机构" in page and "开州" not in page
