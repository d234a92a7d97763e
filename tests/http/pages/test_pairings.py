"""Pairing a volunteer with a child, changing and ending the pairing, and finding it in the archive
browser — each change reaching the volunteers' phones at their next sync."""
from __future__ import annotations

import datetime
import html
import re

import pytest
import sqlite_utils

from sync import Actor, apply_mutations, mutations
from sync.stopping import deactivate_user
from sync.timeutil import local_today

from ...factories import make_activity, make_mentee, make_pairing, mutate, row
from .conftest import TOKEN_RE, Site, sentence
from .station import phone_pull, record_id_on


def code_of(site: Site, mentee_id: str) -> str:
    return str(site.read(lambda db: db.execute("SELECT code FROM mentees WHERE id = ?", [mentee_id]).fetchone()[0]))


def test_pairing_a_volunteer_with_a_child_puts_the_child_on_the_volunteers_phone(site: Site) -> None:
    w = site.w
    _, _, cursor = phone_pull(site, w.mentor2)
    browser = site.as_(w.staff_st11)
    form = browser.get(f"/pairings/new?mentee_id={w.mentee_unpaired}")
    assert form.status_code == 200 and "小刚" in form.text
    assert re.search(r'value="fuxin" selected', form.text), "the child's category suggests the approach"
    response = browser.post("/pairings/new", {"mentor_id": w.mentor2.user_id, "mentee_id": w.mentee_unpaired,
                                              "approach": "fuxin", "start_date": "2026-11-25", "goals": "每周谈心一次"})
    assert response.status_code == 303
    pairing_id = response.headers["location"].removeprefix("/pairings/")
    stored = site.read(lambda db: row(db, "pairing", pairing_id))
    assert (stored["mentor_id"], stored["mentee_id"], stored["goals"], stored["status"]) == (
        w.mentor2.user_id, w.mentee_unpaired, "每周谈心一次", "active")
    changes, drops, _ = phone_pull(site, w.mentor2, cursor)
    assert ("pairing", pairing_id) in changes and ("mentee", w.mentee_unpaired) in changes and not drops
    assert changes[("mentee", w.mentee_unpaired)]["fields"]["name"] == "小刚"
    page = browser.get(response.headers["location"])
    assert "已结对" in page.text and "每周谈心一次" in page.text


def test_the_pickers_list_only_volunteers_and_children_in_scope(site: Site) -> None:
    w = site.w
    page = site.as_(w.staff_st11).get("/pairings/new").text
    assert w.mentor1.user_id in page and w.mentor2.user_id in page and w.mentor3.user_id not in page
    assert w.mentee_unpaired in page and w.mentee3 not in page
    # the unpaired child comes first; a paired one says with whom
    assert page.index(w.mentee_unpaired) < page.index(w.mentee1)
    assert "已与王老师结对" in page


def test_the_volunteer_picker_says_how_many_children_each_helps_now(site: Site) -> None:
    """Choosing whom to give a child, the station saw names only: how many each already helped meant
    opening 志愿者 in another tab. An ended pairing no longer counts."""
    w = site.w

    def helping(mentor: Actor) -> int:
        return int(site.read(lambda db: db.execute(
            "SELECT count(*) FROM pairings p JOIN mentees m ON m.id = p.mentee_id WHERE p.mentor_id = ?"
            " AND p.status = 'active' AND p.deleted = 0 AND m.deleted = 0", [mentor.user_id]).fetchone()[0]))

    def option(page: str, mentor: Actor) -> str:
        found = re.search(f'<option value="{mentor.user_id}"[^>]*>([^<]*)</option>', page)
        assert found, page
        return html.unescape(found.group(1))

    browser = site.as_(w.staff_st11)
    page = browser.get("/pairings/new").text
    assert helping(w.mentor1) >= 1
    assert option(page, w.mentor1).endswith(f" · 正在帮扶 {helping(w.mentor1)} 个孩子")
    edit = browser.get(f"/pairings/{w.pairing1}/edit").text
    assert option(edit, w.mentor1).endswith(f" · 正在帮扶 {helping(w.mentor1)} 个孩子")
    for pairing in site.read(lambda db: [r[0] for r in db.execute(
            "SELECT id FROM pairings WHERE mentor_id = ? AND status = 'active'", [w.mentor1.user_id])]):
        version = site.read(lambda db, pid=pairing: row(db, "pairing", pid))["version"]
        site.write(lambda db, pid=pairing, v=version: mutate(db, w.staff_st11, "pairing", {
            "status": "closed", "end_date": local_today().isoformat(), "outcome": "stable"}, pid, base_version=v))
    assert helping(w.mentor1) == 0
    assert option(browser.get("/pairings/new").text, w.mentor1).endswith(" · 还没有结对的孩子")
    assert "正在帮扶" not in option(browser.get("/pairings").text, w.mentor1), "the archive's filter names only"


def test_a_forged_volunteer_of_another_station_is_refused_in_words(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    response = browser.post("/pairings/new", {"mentor_id": w.mentor3.user_id, "mentee_id": w.mentee_unpaired,
                                              "start_date": "2026-11-25"})
    assert response.status_code == 400 and "找不到这位五老志愿者：" in response.text
    assert "请刷新页面后重新选择" in response.text and f"（{w.mentor3.user_id}）" not in response.text
    assert site.read(lambda db: db.execute("SELECT count(*) FROM pairings WHERE mentee_id = ?",
                                           [w.mentee_unpaired]).fetchone()[0]) == 0


def test_a_child_already_paired_with_a_volunteer_is_not_paired_with_them_again(site: Site) -> None:
    """A second form for the same two and the same approach (another tab, pairing again by mistake)
    would put the child twice on the volunteer's phone and split the visits between two archives:
    refused in words, whether made new or by passing another pairing of that child to the same
    volunteer. Once the first has ended, the two may be paired again."""
    w = site.w
    browser = site.as_(w.staff_st11)
    before = site.read(lambda db: db.execute("SELECT count(*) FROM pairings").fetchone()[0])
    again = browser.post("/pairings/new", {"mentor_id": w.mentor1.user_id, "mentee_id": w.mentee1,
                                           "approach": "fuxin", "start_date": "2026-11-25"})
    assert again.status_code == 400 and "不能重复结对" in again.text
    second = make_pairing_of(site, w.mentor2, w.mentee1)
    moved = browser.post(f"/pairings/{second}/edit", {"mentor_id": w.mentor1.user_id, "approach": "fuxin",
                                                      "start_date": "2026-09-01", "goals": "", "base_version": "1"})
    assert moved.status_code == 400 and "不能重复结对" in moved.text
    assert site.read(lambda db: db.execute("SELECT count(*) FROM pairings").fetchone()[0]) == before + 1
    assert site.read(lambda db: row(db, "pairing", second))["mentor_id"] == w.mentor2.user_id  # type: ignore[index]
    ended = browser.post(f"/pairings/{w.pairing1}/end", {"end_date": "2026-11-20", "outcome": "stable",
                                                         "base_version": "1"})
    assert ended.status_code == 303
    anew = browser.post("/pairings/new", {"mentor_id": w.mentor1.user_id, "mentee_id": w.mentee1,
                                          "approach": "fuxin", "start_date": "2026-11-25"})
    assert anew.status_code == 303


def make_pairing_of(site: Site, mentor: Actor, mentee_id: str) -> str:
    return str(site.write(lambda db: make_pairing(db, site.w.staff_st11, mentor, mentee_id)))


def test_a_pairing_needs_a_volunteer_a_child_and_a_start_date(site: Site) -> None:
    response = site.as_(site.w.staff_st11).post("/pairings/new", {"mentor_id": "", "mentee_id": "",
                                                                 "start_date": ""})
    assert response.status_code == 400 and "缺少必填字段" in response.text


def test_ending_a_pairing_drops_the_child_from_the_volunteers_phone(site: Site) -> None:
    w = site.w
    _, _, cursor = phone_pull(site, w.mentor1)
    browser = site.as_(w.staff_st11)
    version = site.read(lambda db: row(db, "pairing", w.pairing1))["version"]
    response = browser.post(f"/pairings/{w.pairing1}/end", {"end_date": "2026-11-30", "outcome": "improved",
                                                           "base_version": str(version)})
    assert response.status_code == 303 and response.headers["location"] == f"/pairings/{w.pairing1}"
    stored = site.read(lambda db: row(db, "pairing", w.pairing1))
    assert (stored["status"], stored["end_date"], stored["outcome"]) == ("closed", "2026-11-30", "improved")
    changes, drops, _ = phone_pull(site, w.mentor1, cursor)
    assert {("pairing", w.pairing1), ("mentee", w.mentee1), ("activity", w.activity1)} <= set(drops)
    assert not [k for k in changes if k[1] in (w.pairing1, w.mentee1)]
    page = browser.get(f"/pairings/{w.pairing1}").text
    assert "已结束" in page and "好转" in page and "结束结对" not in page


def test_ending_with_referral_goes_on_to_register_the_referral(site: Site) -> None:
    w = site.w
    response = site.as_(w.staff_st11).post(f"/pairings/{w.pairing2}/end", {
        "end_date": "2026-11-30", "outcome": "referred", "base_version": "1"})
    assert response.status_code == 303 and response.headers["location"] == f"/referrals/new?mentee_id={w.mentee2}"


def test_ending_needs_an_outcome_and_a_date_not_before_the_start(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    response = browser.post(f"/pairings/{w.pairing1}/end", {"end_date": "2026-11-30", "base_version": "1"})
    assert response.status_code == 400 and "请填写“结束时的情况”" in response.text
    response = browser.post(f"/pairings/{w.pairing1}/end", {"end_date": "2026-08-01", "outcome": "stable",
                                                           "base_version": "1"})
    assert (response.status_code == 400  # the day whole on one line, as in the templates' own words
            and '结束日期不能早于开始日期（<span class="nowrap">2026年9月1日</span>）' in response.text)
    assert site.read(lambda db: row(db, "pairing", w.pairing1))["status"] == "active"


def test_a_pairing_cannot_be_ended_on_a_day_still_to_come(site: Site) -> None:
    """Ending closes the pairing now; 2062 typed for 2026 would count its outcome (好转) in a
    statistics period decades away and leave it out of this one."""
    w = site.w
    tomorrow = (local_today() + datetime.timedelta(days=1)).isoformat()
    for day in (tomorrow, "2062-11-30"):
        response = site.as_(w.staff_st11).post(f"/pairings/{w.pairing1}/end", {
            "end_date": day, "outcome": "improved", "base_version": "1"})
        assert response.status_code == 400 and "结束日期不能晚于今天" in response.text
    assert site.read(lambda db: row(db, "pairing", w.pairing1))["status"] == "active"


def test_ending_on_a_day_that_does_not_exist_says_so_and_a_full_width_today_ends_today(site: Site) -> None:
    """2026-02-30 was told 结束日期不能早于开始日期, and today typed in an input method's full-width
    digits (２０２６-１２-０７) 不能晚于今天: the form compared the words as typed before anyone read them
    as a day. A day that does not exist is said so; full-width digits are the day they show."""
    w = site.w
    browser = site.as_(w.staff_st11)
    response = browser.post(f"/pairings/{w.pairing1}/end", {"end_date": "2026-02-30", "outcome": "stable",
                                                           "base_version": "1"})
    assert response.status_code == 400 and "“结束日期”没有这一天（2026-02-30）" in sentence(response.text)
    assert "不能早于开始日期" not in response.text
    assert site.read(lambda db: row(db, "pairing", w.pairing1))["status"] == "active"
    today = local_today().isoformat()
    typed = today.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    response = browser.post(f"/pairings/{w.pairing1}/end", {"end_date": typed, "outcome": "stable",
                                                           "base_version": "1"})
    assert response.status_code == 303
    stored = site.read(lambda db: row(db, "pairing", w.pairing1))
    assert (stored["status"], stored["end_date"]) == ("closed", today)


def test_moving_a_closed_pairings_start_past_its_end_is_refused_beside_the_start_date(site: Site) -> None:
    """The edit page offers 开始日期 on an ended pairing: a start after the end made an archive that
    ends before it begins. The refusal stands beside the start date, and nothing changes."""
    w = site.w
    browser = site.as_(w.staff_st11)
    assert browser.post(f"/pairings/{w.pairing1}/end", {"end_date": "2026-11-30", "outcome": "stable",
                                                       "base_version": "1"}).status_code == 303
    response = browser.post(f"/pairings/{w.pairing1}/edit", {
        "mentor_id": w.mentor1.user_id, "approach": "fuxin", "start_date": "2026-12-01", "goals": "",
        "base_version": "2"})
    assert response.status_code == 400
    assert "“开始日期”（2026年12月1日）不能晚于“结束日期”（2026年11月30日）" in sentence(response.text)
    assert site.read(lambda db: row(db, "pairing", w.pairing1))["start_date"] == "2026-09-01"


def test_moving_a_pairings_start_past_its_visits_or_ending_it_before_them_is_refused_naming_their_dates(
        site: Site) -> None:
    """A start (开始日期) moved after visits already recorded, or an end before them, left visits outside
    their pairing. The page says which visit dates are in the way, beside the date, and nothing changes."""
    w = site.w
    browser = site.as_(w.staff_st11)
    response = browser.post(f"/pairings/{w.pairing1}/edit", {
        "mentor_id": w.mentor1.user_id, "approach": "fuxin", "start_date": "2026-11-21", "goals": "",
        "base_version": "1"})
    assert response.status_code == 400 and "2026年11月20日 有帮扶活动记录" in sentence(response.text), response.text
    assert "“开始日期”（2026年11月21日）不能晚于这些日期" in sentence(response.text)
    response = browser.post(f"/pairings/{w.pairing1}/end", {"end_date": "2026-11-19", "outcome": "stable",
                                                           "base_version": "1"})
    assert response.status_code == 400, response.text
    assert "有这条帮扶活动记在结束日期（2026年11月19日）以后" in sentence(response.text)
    assert "2026年11月20日" in response.text and "请把结束日期定在这些活动之后" in response.text
    pairing = site.read(lambda db: row(db, "pairing", w.pairing1))
    assert (pairing["start_date"], pairing["status"], pairing["version"]) == ("2026-09-01", "active", 1)


def test_a_closed_pairing_cannot_be_ended_twice(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    assert browser.post(f"/pairings/{w.pairing1}/end", {"end_date": "2026-11-30", "outcome": "stable",
                                                       "base_version": "1"}).status_code == 303
    response = browser.post(f"/pairings/{w.pairing1}/end", {"end_date": "2026-12-01", "outcome": "improved",
                                                           "base_version": "2"})
    assert response.status_code == 400 and response.text.count("这个结对已经结束了") == 1, "said once"
    assert site.read(lambda db: row(db, "pairing", w.pairing1))["outcome"] == "stable"
    assert browser.get(f"/pairings/{w.pairing1}/end").text.count("这个结对已经结束了") == 1


def test_passing_a_pairing_to_another_volunteer_moves_the_child_between_phones(site: Site) -> None:
    w = site.w
    _, _, old_cursor = phone_pull(site, w.mentor1)
    _, _, new_cursor = phone_pull(site, w.mentor2)
    browser = site.as_(w.staff_st11)
    response = browser.post(f"/pairings/{w.pairing1}/edit", {
        "mentor_id": w.mentor2.user_id, "approach": "fuxin", "start_date": "2026-09-01", "goals": "",
        "base_version": "1"})
    assert response.status_code == 303
    _, old_drops, _ = phone_pull(site, w.mentor1, old_cursor)
    new_changes, _, _ = phone_pull(site, w.mentor2, new_cursor)
    assert ("mentee", w.mentee1) in old_drops and ("activity", w.activity1) in old_drops
    assert {("mentee", w.mentee1), ("pairing", w.pairing1), ("activity", w.activity1)} <= set(new_changes)


def test_passing_a_pairing_to_another_volunteer_says_which_phone_drops_the_child_and_which_receives_them(
        site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    goals = browser.post(f"/pairings/{w.pairing1}/edit", {
        "mentor_id": w.mentor1.user_id, "approach": "fuxin", "start_date": "2026-09-01", "goals": "按时上学",
        "base_version": "1"})
    assert "改由" not in sentence(browser.get(goals.headers["location"]).text)
    version = site.read(lambda db: row(db, "pairing", w.pairing1))["version"]
    response = browser.post(f"/pairings/{w.pairing1}/edit", {
        "mentor_id": w.mentor2.user_id, "approach": "fuxin", "start_date": "2026-09-01", "goals": "按时上学",
        "base_version": str(version)})
    assert response.status_code == 303
    page = sentence(browser.get(response.headers["location"]).text)
    assert ("已保存。孩子改由李老师帮扶：王老师的手机下次同步时不再有这个孩子的档案，"
            "李老师的手机下次同步时收到孩子和以往的帮扶记录；以往的帮扶记录仍记在王老师名下。") in page


def test_an_edit_sends_only_what_the_person_changed(site: Site) -> None:
    """Someone else changed the goals after this form was opened; changing only the start date keeps
    their goals (the form's stale goals are not sent back)."""
    w = site.w
    browser = site.as_(w.staff_st11)
    form = browser.get(f"/pairings/{w.pairing1}/edit").text
    shown = int(re.search(r'name="base_version" value="(\d+)"', form).group(1))  # type: ignore[union-attr]
    site.write(lambda db: mutate(db, w.staff_town1, "pairing", {"goals": "街道补充的目标"}, w.pairing1,
                                 base_version=shown))
    response = browser.post(f"/pairings/{w.pairing1}/edit", {
        "mentor_id": w.mentor1.user_id, "approach": "fuxin", "start_date": "2026-09-08", "goals": "",
        "base_version": str(shown)})
    assert response.status_code == 303
    stored = site.read(lambda db: row(db, "pairing", w.pairing1))
    assert (stored["goals"], stored["start_date"]) == ("街道补充的目标", "2026-09-08")
    assert site.read(lambda db: db.execute("SELECT count(*) FROM sync_conflicts").fetchone()[0]) == 0


def test_a_clash_on_the_same_field_becomes_a_conflict_not_a_silent_overwrite(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    site.write(lambda db: mutate(db, w.staff_town1, "pairing", {"goals": "街道的目标"}, w.pairing1, base_version=1))
    response = browser.post(f"/pairings/{w.pairing1}/edit", {
        "mentor_id": w.mentor1.user_id, "approach": "fuxin", "start_date": "2026-09-01", "goals": "站里的目标",
        "base_version": "1"})
    assert response.status_code == 303
    assert "有冲突" in browser.get(response.headers["location"]).text
    assert site.read(lambda db: row(db, "pairing", w.pairing1))["goals"] == "街道的目标"
    kept, other = site.read(lambda db: db.execute("SELECT kept_value, other_value FROM sync_conflicts").fetchone())
    assert (kept, other) == ('"街道的目标"', '"站里的目标"')


def test_the_archive_browser_finds_pairings_by_each_filter(site: Site) -> None:
    w = site.w
    site.write(lambda db: mutate(db, w.staff_st11, "mentee", {"risk_level": "key", "categories": ["hardship"]},
                                 w.mentee2, base_version=1))
    browser = site.as_(w.reviewer)

    def found(**query: str) -> set[str]:
        text = browser.get("/pairings", params=query).text
        return {p for p in (w.pairing1, w.pairing2, w.pairing3) if p in text}

    assert found() == {w.pairing1, w.pairing2, w.pairing3}
    assert found(town=w.town2) == {w.pairing3}
    assert found(unit=w.st11) == {w.pairing1, w.pairing2}
    assert found(unit=w.st12) == set()
    assert found(mentor=w.mentor2.user_id) == {w.pairing2}
    assert found(category="hardship") == {w.pairing2}
    assert found(category="psych") == {w.pairing1, w.pairing3}
    assert found(risk="key") == {w.pairing2}
    assert found(status="closed") == set()
    assert found(q=code_of(site, w.mentee3)) == {w.pairing3}
    assert found(town=w.town1, risk="key") == {w.pairing2}



def test_the_archive_browsers_volunteer_filter_offers_a_stopped_volunteer_whose_archives_it_lists(site: Site) -> None:
    """The list names 李老师 已停用 beside her pairing, but the filter offered only volunteers in
    service: the county inspecting a stopped volunteer's archives could not ask for them alone."""
    w = site.w
    site.write(lambda db: deactivate_user(db, w.staff_st11, w.mentor2.user_id))
    browser = site.as_(w.reviewer)
    page = browser.get("/pairings").text
    picker = re.search(r'<select[^>]*name="mentor".*?</select>', page, re.S)
    assert picker, page
    options = dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', picker.group(0)))
    assert options.get(w.mentor2.user_id, "").startswith("李老师"), options
    assert "已停用" in options[w.mentor2.user_id] and "已停用" not in options[w.mentor1.user_id]
    chosen = browser.get("/pairings", params={"mentor": w.mentor2.user_id}).text
    assert w.pairing2 in chosen and w.pairing1 not in chosen
    assert re.search(rf'<option value="{w.mentor2.user_id}" selected', chosen)

def test_names_show_only_to_station_staff_and_cannot_be_searched_by_others(site: Site) -> None:
    w = site.w
    assert "小明" in site.as_(w.staff_st11).get("/pairings").text
    county = site.as_(w.reviewer)
    page = county.get("/pairings").text
    assert code_of(site, w.mentee1) in page and "小明" not in page
    assert w.pairing1 not in county.get("/pairings", params={"q": "小明"}).text
    assert "小明" not in county.get(f"/pairings/{w.pairing1}").text
    assert w.pairing1 in site.as_(w.staff_st11).get("/pairings", params={"q": "小明"}).text


def test_the_archive_browser_pages_through_many_pairings(site: Site) -> None:
    w = site.w

    def many(db: sqlite_utils.Database) -> None:
        for n in range(55):
            mentee = make_mentee(db, w.staff_st11, w.st11, code=f"P-{n:03d}")
            make_pairing(db, w.staff_st11, w.mentor2, mentee, start_date="2026-10-01")

    site.write(many)
    browser = site.as_(w.staff_st11)
    first = browser.get("/pairings", params={"unit": w.st11}).text
    assert "共 57 个结对，第 1 / 2 页" in first and "下一页" in first
    second = browser.get("/pairings", params={"unit": w.st11, "page": "2"}).text
    assert "上一页" in second and second.count('data-label="帮扶对象"') == 7
    for unreadable in ("0", "00", "-1", "x", "²", "３"):  # the first page, whose "next" leads to the second
        page = browser.get("/pairings", params={"unit": w.st11, "page": unreadable}).text
        # The forms' CSRF tokens carry the second they were signed in.
        assert TOKEN_RE.sub("", page) == TOKEN_RE.sub("", first), unreadable


def test_a_pairing_form_posted_twice_pairs_once(site: Site) -> None:
    """The same form posted again (a double tap, the back button) must not leave two active
    pairings of one volunteer and one child; both answers lead to the one pairing."""
    w = site.w
    browser = site.as_(w.staff_st11)
    record_id = record_id_on(browser.get(f"/pairings/new?mentee_id={w.mentee_unpaired}").text)
    data = {"record_id": record_id, "mentor_id": w.mentor2.user_id, "mentee_id": w.mentee_unpaired,
            "approach": "fuxin", "start_date": "2026-11-25", "goals": "每周谈心一次"}
    refused = browser.post("/pairings/new", {**data, "start_date": ""})
    assert refused.status_code == 400 and record_id_on(refused.text) == record_id
    answers = [browser.post("/pairings/new", data) for _ in range(2)]
    assert [(a.status_code, a.headers["location"]) for a in answers] == [(303, f"/pairings/{record_id}")] * 2
    assert site.read(lambda db: [r[0] for r in db.execute("SELECT id FROM pairings WHERE mentee_id = ?",
                                                          [w.mentee_unpaired]).fetchall()]) == [record_id]


def test_an_ended_pairing_keeps_the_volunteer_who_visited_the_child(site: Site) -> None:
    w = site.w
    version = site.read(lambda db: row(db, "pairing", w.pairing2))["version"]
    site.write(lambda db: mutate(db, w.staff_st11, "pairing", {"status": "closed", "end_date": "2026-11-30"},
                                 w.pairing2, version))
    (late,) = site.write(lambda db: apply_mutations(db, w.staff_town1, [mutations.upsert(
        "pairing", {"mentor_id": w.mentor1.user_id}, w.pairing2, base_version=version)]))
    assert late.status == "rejected" and "已结束" in str(late.reason)
    assert site.read(lambda db: row(db, "pairing", w.pairing2))["mentor_id"] == w.mentor2.user_id


@pytest.mark.parametrize(("form", "entity", "action", "words"), [
    ("/mentees/{}/edit", "mentee", "edit_mentee", "打开帮扶对象修改页"),
    ("/activities/{}/edit", "activity", "edit_activity", "打开帮扶活动修改页"),
    ("/pairings/{}/edit", "pairing", "edit_pairing", "打开结对修改页"),
])
def test_opening_any_edit_form_of_a_childs_record_is_in_the_access_log(site: Site, form: str, entity: str,
                                                                        action: str, words: str) -> None:
    # Each of these forms shows the child's file (the pairing's: its 帮扶目标) as the record's own page
    # does; the access log must answer for every one of them, in the admin's words.
    w = site.w
    target = {"mentee": w.mentee1, "activity": w.activity1, "pairing": w.pairing1}[entity]
    assert site.as_(w.staff_st11).get(form.format(target)).status_code == 200
    logged = site.read(lambda db: db.execute("SELECT user_id, target FROM access_log WHERE action = ?",
                                             [action]).fetchall())
    assert [tuple(r) for r in logged] == [(w.staff_st11.user_id, target)]
    assert words in site.as_(w.admin).get("/admin/access-log").text


def test_ending_clicked_twice_is_answered_as_the_first_and_still_leads_to_the_referral(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    token = browser.token(f"/pairings/{w.pairing2}/end")
    form = {"end_date": "2026-11-30", "outcome": "referred", "base_version": "1"}
    sent = [browser.post(f"/pairings/{w.pairing2}/end", form, token=token) for _ in range(2)]
    assert [r.status_code for r in sent] == [303, 303], sent[1].text
    assert sent[1].headers["location"] == f"/referrals/new?mentee_id={w.mentee2}"
    assert site.read(lambda db: row(db, "pairing", w.pairing2))["version"] == 2
    # Another person's form, shown before the pairing ended, is still told it has ended.
    other = site.as_(w.staff_town1).post(f"/pairings/{w.pairing2}/end", {**form, "outcome": "stable"})
    assert other.status_code == 400 and "已经结束了" in other.text


def test_a_visit_dated_ahead_by_mistake_is_named_on_the_end_form_and_once_corrected_the_pairing_ends_today(
        site: Site) -> None:
    """A volunteer's phone took a visit dated ten days ahead (a slip of the day; a phone may date a
    month ahead). Ending the pairing today was refused with only a date, so the station could not
    tell which record, whose, or what to do. The end form now lists it (day, volunteer, kind, a link)
    before anything is sent, the refusal names it and says to correct its date; once corrected, the
    pairing ends today."""
    w = site.w
    today = local_today()
    ahead = (today + datetime.timedelta(days=10)).isoformat()
    visit = site.write(lambda db: mutate(db, w.mentor1, "activity", {
        "pairing_id": w.pairing1, "kind": "talk", "date": ahead, "record": "谈心"}))
    volunteer = site.read(lambda db: db.execute("SELECT name FROM users WHERE id = ?",
                                                [w.mentor1.user_id]).fetchone()[0])
    day = datetime.date.fromisoformat(ahead)
    named = f"{day.year}年{day.month}月{day.day}日"
    browser = site.as_(w.staff_st11)
    form = browser.get(f"/pairings/{w.pairing1}/end")
    assert form.status_code == 200 and f"/activities/{visit}" in form.text
    assert volunteer in form.text and "面对面谈心" in form.text and "日期在今天以后" in form.text

    response = browser.post(f"/pairings/{w.pairing1}/end", {"end_date": today.isoformat(), "outcome": "stable",
                                                           "base_version": "1"})
    assert response.status_code == 400
    assert f"{named}{volunteer}的面对面谈心" in sentence(response.text), response.text
    assert "把日期改成实际做的那一天" in response.text
    assert site.read(lambda db: row(db, "pairing", w.pairing1))["status"] == "active"

    version = site.read(lambda db: row(db, "activity", visit))["version"]
    site.write(lambda db: mutate(db, w.staff_st11, "activity", {"date": today.isoformat()}, visit,
                                 base_version=version))
    assert f"/activities/{visit}" not in browser.get(f"/pairings/{w.pairing1}/end").text
    response = browser.post(f"/pairings/{w.pairing1}/end", {"end_date": today.isoformat(), "outcome": "stable",
                                                           "base_version": "1"})
    assert response.status_code == 303
    assert site.read(lambda db: row(db, "pairing", w.pairing1))["end_date"] == today.isoformat()


def _listed(page_html: str) -> set[str]:
    """The pairings a list page links to."""
    return set(re.findall(r'href="/pairings/([0-9a-f-]{36})"', page_html))


def test_the_archive_list_finds_every_overdue_follow_up_the_dashboard_and_the_station_home_count(site: Site) -> None:
    w = site.w
    today = local_today()
    ago = lambda n: (today - datetime.timedelta(days=n)).isoformat()  # noqa: E731
    ahead = (today + datetime.timedelta(days=3)).isoformat()
    site.write(lambda db: make_activity(db, w.mentor1, w.pairing1, date=ago(9), follow_up_due=ago(6)))
    site.write(lambda db: make_activity(db, w.mentor3, w.pairing3, date=ago(9), follow_up_due=ago(1)))
    # Pairing 2's overdue date was answered by a later visit; a follow-up due today is not overdue yet.
    site.write(lambda db: make_activity(db, w.mentor2, w.pairing2, date=ago(20), follow_up_due=ago(10)))
    site.write(lambda db: make_activity(db, w.mentor2, w.pairing2, date=ago(8), follow_up_due=ahead))
    due_today = site.write(lambda db: make_pairing(db, w.staff_st11, w.mentor2, w.mentee_unpaired))
    site.write(lambda db: make_activity(db, w.mentor2, due_today, date=ago(3), follow_up_due=today.isoformat()))

    county = site.as_(w.reviewer)
    dashboard = html.unescape(county.get("/dashboard").text)
    overdue = dashboard[dashboard.index('id="overdue"'):dashboard.index("</section>", dashboard.index('id="overdue"'))]
    assert "跟踪逾期（2 个结对）" in overdue and 'href="/pairings?follow_up=overdue"' in overdue
    found = county.get("/pairings?follow_up=overdue")
    assert found.status_code == 200 and "共 2 个结对" in found.text
    assert _listed(found.text) == _listed(overdue) == {w.pairing1, w.pairing3}
    assert re.search(r'<option value="overdue" selected>跟踪逾期</option>', found.text)
    # With the town picked, the county narrows it to that town's.
    assert _listed(county.get(f"/pairings?follow_up=overdue&town={w.town1}").text) == {w.pairing1}
    # The station sees its own: the same as its home page's 逾期未跟踪.
    station = site.as_(w.staff_st11)
    home = station.get("/staff").text
    assert _listed(station.get("/pairings?follow_up=overdue").text) == {w.pairing1}
    home_overdue = home.split("逾期未跟踪")[1].split("本周到期")[0]
    assert _listed(home_overdue) == {w.pairing1} and due_today not in home_overdue
    # An ended pairing owes no follow-up, whatever its last visit said.
    version = site.read(lambda db: (row(db, "pairing", w.pairing1) or {})["version"])
    site.write(lambda db: mutate(db, w.staff_st11, "pairing", {"status": "closed", "end_date": today.isoformat(),
                                                              "outcome": "stable"}, w.pairing1, version))
    assert _listed(county.get("/pairings?follow_up=overdue").text) == {w.pairing3}


def test_the_archive_browser_writes_its_days_as_the_other_pages_do(site: Site) -> None:
    """开始 and 最近一次 said 2026-09-01 where every other page says 2026年9月1日 (``chinese_date``)."""
    w = site.w
    text = site.as_(w.reviewer).get("/pairings").text
    # Each day is whole, or in its two whole parts (2026年 / 9月1日) that may part at 1024 px only.
    day = r'<span class="nowrap parts"><span class="nowrap">(\d+年)</span><span class="nowrap">([^<]*)</span></span>'
    starts = ["".join(d) for d in re.findall(rf'<td data-label="开始" class="date joined">{day}</td>', text)]
    lasts = ["".join(d) for d in re.findall(rf'<td data-label="最近一次" class="date joined">{day}</td>', text)]
    assert starts and len(starts) == len(lasts) == 3
    assert set(starts) == {"2026年9月1日"}
    assert set(lasts) == {"2026年11月20日"}
    assert not re.search(r"\d{4}-\d{2}-\d{2}", "".join(starts + lasts))


SHOWN_AT_RE = re.compile(r'name="shown_at" value="([^"]+)"')


def carried(form: str) -> dict[str, str]:
    """What a new pairing form carries: its record's id, and when it was first shown."""
    return {"record_id": record_id_on(form), "shown_at": SHOWN_AT_RE.findall(form)[0]}


def test_two_staff_pairing_one_waiting_child_at_once_both_save_and_the_second_is_told_who_paired_whom_meanwhile(
    site: Site,
) -> None:
    """A child may have several volunteers, so neither save is refused; but the second must not pass
    for the only one: it names the volunteer paired meanwhile and who paired them, and links the
    child's file to end one if it was a mistake."""
    w = site.w
    station, town = site.as_(w.staff_st11), site.as_(w.staff_town1)
    child = w.mentee_unpaired
    pair = {"mentee_id": child, "approach": "fuxin", "start_date": "2026-11-25"}
    forms = [b.get(f"/pairings/new?mentee_id={child}").text for b in (station, town)]
    first = town.post("/pairings/new", {**pair, "mentor_id": w.mentor1.user_id, **carried(forms[1])})
    assert first.status_code == 303
    assert "注意" not in town.get(first.headers["location"]).text, "the first knew of no other"

    second = station.post("/pairings/new", {**pair, "mentor_id": w.mentor2.user_id, **carried(forms[0])})

    assert second.status_code == 303
    running = site.read(lambda db: sorted(r[0] for r in db.execute(
        "SELECT mentor_id FROM pairings WHERE mentee_id = ? AND status = 'active'", [child])))
    assert running == sorted([w.mentor1.user_id, w.mentor2.user_id]), "nothing refused, nothing lost"
    told = sentence(station.get(second.headers["location"]).text)
    assert "在您填写这张结对表的时候，街道干事给这个孩子结对了志愿者王老师" in told, told
    assert "这个孩子现在有 2 位志愿者在帮扶" in told and "结束其中一个结对" in told, told


def test_a_pairing_made_meanwhile_is_told_after_a_refused_post_too_and_the_warning_links_the_childs_file(
    site: Site,
) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    form = browser.get(f"/pairings/new?mentee_id={w.mentee_unpaired}").text
    make_pairing_of(site, w.mentor1, w.mentee_unpaired)
    refused = browser.post("/pairings/new", {"mentee_id": w.mentee_unpaired, "start_date": "", **carried(form)})
    assert refused.status_code == 400
    assert SHOWN_AT_RE.findall(refused.text) == SHOWN_AT_RE.findall(form), "kept from the form first shown"
    saved = browser.post("/pairings/new", {"mentee_id": w.mentee_unpaired, "mentor_id": w.mentor2.user_id,
                                           "approach": "fuxin", "start_date": "2026-11-25", **carried(form)})
    page = browser.get(saved.headers["location"]).text
    assert re.search(rf'class="flash warn"[^>]*>.*<a href="/mentees/{w.mentee_unpaired}">打开孩子的档案</a></p>', page)
