"""代录: staff enter a visit for a volunteer without a smartphone; the record names the volunteer as
author and the staff member as the one who entered it, reaches the volunteer's phone (if any), and
is locked once approved."""
from __future__ import annotations

import html
import json
import pathlib
import re

from server.pages.activities import CHIPS

from ...factories import mutate, remove, row
from .conftest import Site
from .station import activity_form, phone_pull, record_id_on

VISIT = {"kind": "home_visit", "date": "2026-11-26", "duration_min": "50", "place": "孩子家中",
         "preparation": "带了练习册", "record": "王老师电话口述：和奶奶聊了作业的事。", "follow_up": "周五再打电话",
         "follow_up_due": "2026-11-28", "moods": ["平稳", "愿意交流"], "moods_other": "有点害羞",
         "observations": ["作业跟不上"], "observations_other": "", "tags": ["parents", "station"]}


def test_an_activity_entered_for_a_volunteer_names_both_and_reaches_the_volunteers_phone(site: Site) -> None:
    w = site.w
    _, _, cursor = phone_pull(site, w.mentor1)
    browser = site.as_(w.staff_st11)
    form = browser.get(f"/activities/new?pairing_id={w.pairing1}").text
    assert f'value="{w.pairing1}" selected' in form and "上门家访" in form and "发现自伤自残风险" in form
    response = browser.post("/activities/new", {"pairing_id": w.pairing1, **VISIT})
    assert response.status_code == 303, response.text
    activity_id = response.headers["location"].removeprefix("/activities/")
    stored = site.read(lambda db: row(db, "activity", activity_id))
    assert (stored["author_id"], stored["entered_by"], stored["review_status"]) == (
        w.mentor1.user_id, w.staff_st11.user_id, "pending")
    assert stored["moods"] == ["平稳", "愿意交流", "有点害羞"] and stored["tags"] == ["parents", "station"]
    assert (stored["duration_min"], stored["follow_up_due"], stored["risk_flag"]) == (50, "2026-11-28", False)
    changes, _, _ = phone_pull(site, w.mentor1, cursor)
    on_phone = changes[("activity", activity_id)]["fields"]
    assert on_phone["record"] == VISIT["record"] and on_phone["entered_by"] == w.staff_st11.user_id
    page = html.unescape(browser.get(response.headers["location"]).text)
    assert "已代录" in page and "王老师（由 站员一一 代录）" in page and '站员一一，<span class="nowrap">20' in page


def test_a_visit_entered_leads_to_the_next_one_of_the_same_pairing(site: Site) -> None:
    """A station types a volunteer's paper forms in a row: after 保存 the visit's page offered 修改 and
    去审核 only, and the next form meant the menu and the picker again. It now offers 再代录一次 with
    the pairing chosen; never for an ended pairing (its own 补录 link is on the archive), nor to the county."""
    w = site.w
    browser = site.as_(w.staff_st11)
    response = browser.post("/activities/new", {"pairing_id": w.pairing1, **VISIT})
    assert response.status_code == 303, response.text
    again = f'href="/activities/new?pairing_id={w.pairing1}">为这个结对再代录一次</a>'
    assert again in browser.get(response.headers["location"]).text
    following = browser.get(f"/activities/new?pairing_id={w.pairing1}").text
    assert f'value="{w.pairing1}" selected' in following
    assert again not in site.as_(w.reviewer).get(response.headers["location"]).text
    site.write(lambda db: mutate(db, w.staff_st11, "pairing", {"status": "closed", "end_date": "2026-11-27"},
                                 w.pairing1, base_version=1))
    assert "再代录一次" not in browser.get(response.headers["location"]).text


def test_the_volunteers_without_a_smartphone_come_first_in_the_picker(site: Site) -> None:
    w = site.w
    site.write(lambda db: db.execute("UPDATE users SET smartphone = 0 WHERE id = ?", [w.mentor2.user_id]))
    page = site.as_(w.staff_st11).get("/activities/new").text
    assert page.index(w.pairing2) < page.index(w.pairing1) and "李老师（无智能手机）" in page


def test_a_visit_after_a_pairing_ended_is_refused_in_words(site: Site) -> None:
    w = site.w
    site.write(lambda db: mutate(db, w.staff_st11, "pairing", {"status": "closed", "end_date": "2026-11-20"},
                                 w.pairing1, base_version=1))
    response = site.as_(w.staff_st11).post("/activities/new", {"pairing_id": w.pairing1, **VISIT})
    assert response.status_code == 400  # the day whole on one line
    assert '这个结对已于<span class="nowrap">2026年11月20日</span>结束，只能补录结束以前的帮扶活动' in response.text
    assert "带了练习册" in response.text, "what was typed stays in the form"


def test_a_follow_up_before_the_visit_or_a_visit_before_the_pairing_began_is_refused_in_words(site: Site) -> None:
    """Either would stand as an overdue follow-up from the moment it was saved; at the form the
    station corrects it at once, with what was typed kept."""
    w = site.w
    browser = site.as_(w.staff_st11)
    count = lambda: site.read(lambda db: db.execute("SELECT count(*) FROM activities").fetchone()[0])  # noqa: E731
    before = count()
    whole = '<span class="nowrap">{}</span>'.format  # each day kept on one line
    for extra, words in (
            ({"follow_up_due": "2026-11-25"},
             f"“下次跟踪日期”（{whole('2026年11月25日')}）不能早于这次帮扶活动的日期（{whole('2026年11月26日')}）"),
            ({"date": "2026-08-31"},
             f"帮扶活动的日期（{whole('2026年8月31日')}）不能早于结对的开始日期（{whole('2026年9月1日')}）")):
        response = browser.post("/activities/new", {"pairing_id": w.pairing1, **VISIT, **extra})
        assert response.status_code == 400 and words in response.text
        assert "带了练习册" in response.text, "what was typed stays in the form"
    assert count() == before


def test_a_visit_made_before_a_pairing_ended_can_still_be_entered_by_the_station(site: Site) -> None:
    # The volunteer typed it offline; the pairing ended before the phone synced, so only the
    # station can enter it (from the phone's export file, or typed in as 代录).
    w = site.w
    site.write(lambda db: mutate(db, w.staff_st11, "pairing", {"status": "closed", "end_date": "2026-11-27"},
                                 w.pairing1, base_version=1))
    response = site.as_(w.staff_st11).post("/activities/new", {"pairing_id": w.pairing1, **VISIT})
    assert response.status_code == 303, response.text
    assert site.read(lambda db: db.execute("SELECT count(*) FROM activities WHERE pairing_id = ? AND date = ?",
                                           [w.pairing1, VISIT["date"]]).fetchone()[0]) == 1


def test_a_visit_needs_a_pairing_and_numbers_where_numbers_go(site: Site) -> None:
    browser = site.as_(site.w.staff_st11)
    response = browser.post("/activities/new", {"pairing_id": "", **VISIT})
    assert response.status_code == 400 and "请选择是哪一位志愿者" in response.text
    response = browser.post("/activities/new", {"pairing_id": site.w.pairing1, **VISIT, "duration_min": "一小时"})
    assert response.status_code == 400 and "请只用数字填写" in response.text


def test_a_correction_reaches_the_phone_and_an_approved_visit_is_locked(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    _, _, cursor = phone_pull(site, w.mentor1)
    version = site.read(lambda db: row(db, "activity", w.activity1))["version"]
    response = browser.post(f"/activities/{w.activity1}/edit", {**activity_form(site, w.activity1),
                                                               "follow_up": "周末再去", "base_version": str(version)})
    assert response.status_code == 303
    changes, _, _ = phone_pull(site, w.mentor1, cursor)
    assert changes[("activity", w.activity1)]["fields"]["follow_up"] == "周末再去"
    site.write(lambda db: mutate(db, w.staff_town1, "review", {"target_entity": "activity", "target_id": w.activity1,
                                                              "decision": "approve"}))
    locked = site.read(lambda db: row(db, "activity", w.activity1))
    page = browser.get(f"/activities/{w.activity1}/edit").text
    assert "已审核通过并锁定" in page and 'name="record"' not in page
    assert "/edit" not in browser.get(f"/activities/{w.activity1}").text
    form = {**activity_form(site, w.activity1), "record": "想改", "base_version": str(locked["version"])}
    response = browser.post(f"/activities/{w.activity1}/edit", form)
    assert response.status_code == 400 and "已审核通过并锁定" in response.text
    assert site.read(lambda db: row(db, "activity", w.activity1)) == locked
    # What the person typed is shown back, not dropped: they can pass it to the reviewer.
    assert "您刚才填写的内容（没有保存）" in response.text and "<p class=\"value\">想改</p>" in response.text


def test_saving_an_unchanged_form_writes_nothing(site: Site) -> None:
    w = site.w
    before = site.read(lambda db: row(db, "activity", w.activity1))
    response = site.as_(w.staff_st11).post(f"/activities/{w.activity1}/edit", {
        **activity_form(site, w.activity1), "base_version": str(before["version"])})
    assert response.status_code == 303
    assert site.read(lambda db: row(db, "activity", w.activity1)) == before


def test_an_activity_form_posted_twice_is_entered_once(site: Site) -> None:
    """A double tap, the back button or a second tab posts the same form again: one visit, and
    both answers lead to it. The form keeps its id when it comes back with an error."""
    w = site.w
    browser = site.as_(w.staff_st11)
    record_id = record_id_on(browser.get(f"/activities/new?pairing_id={w.pairing1}").text)
    data = {"record_id": record_id, "pairing_id": w.pairing1, **VISIT}
    refused = browser.post("/activities/new", {**data, "duration_min": "一小时"})
    assert refused.status_code == 400 and record_id_on(refused.text) == record_id
    answers = [browser.post("/activities/new", data) for _ in range(2)]
    assert [(a.status_code, a.headers["location"]) for a in answers] == [(303, f"/activities/{record_id}")] * 2
    entered = site.read(lambda db: db.execute("SELECT id FROM activities WHERE record = ?",
                                              [VISIT["record"]]).fetchall())
    assert [r[0] for r in entered] == [record_id]


def test_an_activity_form_with_another_persons_record_id_neither_changes_nor_confirms_it(site: Site) -> None:
    """The double-tap guard only takes the person's own record again. Another's id, whether in the
    person's scope (the volunteer's visit at this station) or not, gets the one sentence for "not
    found or not yours": not a link to it, not an edit of it, no conflict parked on it."""
    w = site.w
    before = site.read(lambda db: row(db, "activity", w.activity1))
    for who in (w.staff_st11, w.staff_st21):
        response = site.as_(who).post("/activities/new", {"record_id": w.activity1, "pairing_id": w.pairing1,
                                                           **VISIT}, form_page="/activities/new")
        assert response.status_code == 400 and "location" not in response.headers
        assert "可能不存在、已被删除、尚未同步，或不在您的管理范围内" in response.text
        assert (before["record"] or "") not in response.text and "带了练习册" in response.text
    assert site.read(lambda db: row(db, "activity", w.activity1)) == before
    assert site.read(lambda db: db.execute("SELECT count(*) FROM sync_conflicts").fetchone()[0]) == 0
    assert site.read(lambda db: db.execute("SELECT count(*) FROM activities WHERE record = ?",
                                           [VISIT["record"]]).fetchone()[0]) == 0


def test_an_edit_posted_after_someone_deleted_the_visit_shows_the_typed_words_back(site: Site) -> None:
    w = site.w
    version = site.read(lambda db: row(db, "activity", w.activity2))["version"]
    form = {**activity_form(site, w.activity2), "record": "站里补充：孩子这周按时完成了作业。",
            "base_version": str(version)}
    site.write(lambda db: remove(db, w.mentor2, "activity", w.activity2))
    response = site.as_(w.staff_st11).post(f"/activities/{w.activity2}/edit", form,
                                          form_page=f"/activities/{w.activity1}/edit")
    assert response.status_code == 404 and "您填写的内容（没有保存）" in response.text
    assert "站里补充：孩子这周按时完成了作业。" in response.text
    assert "csrf" not in response.text.split("您填写的内容")[1].lower()


def test_one_persons_two_tabs_saving_the_same_words_meet_as_a_conflict_not_an_overwrite(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    version = site.read(lambda db: row(db, "activity", w.activity2))["version"]
    shown = {**activity_form(site, w.activity2), "base_version": str(version)}  # both tabs opened it here
    for text in ("第一个标签页里写的", "第二个标签页里写的"):
        assert browser.post(f"/activities/{w.activity2}/edit", {**shown, "record": text}).status_code == 303
    assert site.read(lambda db: row(db, "activity", w.activity2))["record"] == "第一个标签页里写的"
    parked = site.read(lambda db: db.execute("SELECT other_value FROM sync_conflicts WHERE record_id = ?",
                                             [w.activity2]).fetchall())
    assert parked == [('"第二个标签页里写的"',)]


def test_a_visits_page_is_titled_with_its_day_in_words(site: Site) -> None:
    """The tab and the phone's history read 帮扶活动 2026-11-20 where the page itself writes 2026年11月20日."""
    page = site.as_(site.w.staff_st11).get(f"/activities/{site.w.activity1}").text
    assert "<title>帮扶活动 2026年11月20日 · 伴行</title>" in page, page[:400]


def test_the_follow_up_days_hint_names_the_station_homes_list_as_it_is_headed(site: Site) -> None:
    """下次跟踪日期's hint sent the station to the home's “逾期跟踪”, a list the home does not have:
    it is headed 逾期未跟踪."""
    browser = site.as_(site.w.staff_st11)
    form = html.unescape(browser.get("/activities/new").text)
    named = form.split("会出现在工作台的“")[1].split("”")[0]
    assert f'<h2 id="overdue-h">{named}</h2>' in browser.get("/staff").text


def test_every_pick_the_phone_offers_is_a_chip_of_the_stations_visit_form() -> None:
    """A visit a volunteer's phone recorded (情绪 平稳, 观察 作业完成好) and a clerk opens on the visit form
    shows the same picks ticked, in the same words; the county never reads 平静 from phones and 平稳 from
    the stations for one mood."""
    strings = (pathlib.Path(__file__).parents[3] / "pwa/js/strings.js").read_text(encoding="utf-8")
    for name, field in (("MOODS", "moods"), ("OBSERVATIONS", "observations")):
        found = re.search(name + r" = (\[[^\]]*\])", strings)
        assert found, name
        phone = json.loads(found.group(1).replace("'", '"'))
        assert phone and set(phone) <= set(CHIPS[field]), (name, set(phone) - set(CHIPS[field]))
