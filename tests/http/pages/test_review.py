"""The review queue: what waits in scope, approving (locks the activity), returning with a comment
(which reaches the volunteer's phone), and the engine's refusals shown in words."""
from __future__ import annotations

import html
import json
import re
from typing import Any

from ...factories import make_activity, make_mentee, make_pairing, mutate, row
from .conftest import Site
from .station import back_after_sign_in, phone_pull


def test_the_queue_lists_what_waits_in_scope_with_risk_flags_first(site: Site) -> None:
    w = site.w
    urgent = site.write(lambda db: make_activity(db, w.mentor2, w.pairing2, risk_flag=True, date="2026-11-25"))
    page = site.as_(w.staff_st11).get("/review")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    text = page.text
    assert urgent in text and w.activity2 in text and w.activity1 in text and w.activity3 not in text
    assert text.index(urgent) < text.index(w.activity2), "the urgent flag comes first"
    assert "已退回，等志愿者修改" in text, "activity 1 was returned and not changed since"
    assert w.pairing1 in text and w.pairing2 in text and w.pairing3 not in text


def test_the_queue_heads_with_the_number_the_station_home_sends_there(site: Site) -> None:
    """The home's tile said 18 条帮扶记录等待审核 and its 去审核 opened 20 条待处理: the two visits
    returned to their volunteers were counted in one number and not the other."""
    w = site.w
    site.write(lambda db: make_activity(db, w.mentor2, w.pairing2, date="2026-11-25"))
    browser = site.as_(w.staff_st11)
    home = browser.get("/staff").text
    figure = re.search(r'<p class="figure">(\d+)</p>\s*<p>条帮扶记录等待审核', home)
    assert figure, home
    heading = re.search(r"<h2>帮扶活动（([^<]*)）</h2>", browser.get("/review").text)
    assert heading, "no heading"
    waiting = site.read(lambda db: db.execute(
        "SELECT sum(review_status = 'pending'), sum(review_status = 'returned') FROM activities"
        " WHERE unit_id = ? AND deleted = 0", [w.st11]).fetchone())
    assert waiting[1] >= 1, "the county has a returned visit (activity 1)"
    assert int(figure.group(1)) == waiting[0]
    assert heading.group(1) == f"{waiting[0]} 条待审核，另有 {waiting[1]} 条已退回、等修改"


def test_approving_locks_the_activity_and_the_phone_learns_it(site: Site) -> None:
    w = site.w
    _, _, cursor = phone_pull(site, w.mentor2)
    browser = site.as_(w.staff_st11)
    response = browser.post("/review", {"target_entity": "activity", "target_id": w.activity2,
                                        "decision": "approve", "comment": ""})
    assert response.status_code == 303 and response.headers["location"] == "/review"
    assert "已通过这条帮扶活动，记录已锁定" in browser.get("/review").text
    assert site.read(lambda db: row(db, "activity", w.activity2))["review_status"] == "approved"
    changes, _, _ = phone_pull(site, w.mentor2, cursor)
    assert changes[("activity", w.activity2)]["fields"]["review_status"] == "approved"
    assert w.activity2 not in browser.get("/review").text
    # the lock holds against the volunteer's phone too
    version = site.read(lambda db: row(db, "activity", w.activity2))["version"]
    from sync import apply_batch, mutations

    push = mutations.upsert("activity", {"record": "改一下"}, w.activity2, base_version=version, mutation_id=1)
    answer = site.write(lambda db: apply_batch(db, w.mentor2, {"mutations": [push]})).results[0]
    assert answer["status"] == "rejected" and "锁定" in answer["reason"]


def test_approve_clicked_twice_in_the_queue_is_approved_once_and_says_so(site: Site) -> None:
    """Each decision form names the review it makes: its second post (a double tap) makes nothing
    more and is answered with the first post's decision, not "又被改过"."""
    w = site.w
    browser = site.as_(w.staff_st11)
    form = _decision_form(site, browser, "approve")
    token = browser.token("/review")
    sent = [browser.post("/review", form, token=token), browser.post("/review", form, token=token)]
    assert [r.status_code for r in sent] == [303, 303]
    page = html.unescape(browser.get("/review").text)
    assert "已通过这条帮扶活动" in page and "又被改过" not in page
    assert site.read(lambda db: db.execute("SELECT decision FROM reviews WHERE target_id = ?",
                                           [w.activity2]).fetchall()) == [("approve",)]


def test_a_decision_form_posted_again_as_a_return_is_told_the_return_was_not_saved(site: Site) -> None:
    """通过, then back, 退回 with a comment and 提交: the second was answered "已通过" as if it were the
    same post, the comment dropped in silence while the reviewer believed the visit returned. Now
    the shared rule of a new form posted again: 409, what was not saved, a link to the visit."""
    w = site.w
    browser = site.as_(w.staff_st11)
    form = _decision_form(site, browser, "approve")
    token = browser.token("/review")
    assert browser.post("/review", form, token=token).status_code == 303
    response = browser.post("/review", {**form, "decision": "return", "comment": "再看看"}, token=token)
    text = html.unescape(response.text)
    assert response.status_code == 409 and "没有保存" in text and "退回" in text and "再看看" in text, text
    assert f'href="/activities/{w.activity2}"' in text
    assert site.read(lambda db: db.execute("SELECT decision, comment FROM reviews WHERE target_id = ?",
                                           [w.activity2]).fetchall()) == [("approve", None)]


def _decision_form(site: Site, browser: Any, decision: str) -> dict[str, str]:
    w = site.w
    seen = site.read(lambda db: row(db, "activity", w.activity2))["version"]
    queue = browser.get("/review").text
    item = re.search(rf'name="target_id" value="{w.activity2}".*?name="record_id" value="([^"]+)"', queue, re.S)
    assert item is not None
    return {"target_entity": "activity", "target_id": w.activity2, "decision": decision,
            "target_version": str(seen), "record_id": item.group(1)}


def test_a_returned_activity_reaches_the_volunteers_phone_with_the_comment(site: Site) -> None:
    w = site.w
    _, _, cursor = phone_pull(site, w.mentor2)
    response = site.as_(w.staff_st11).post("/review", {"target_entity": "activity", "target_id": w.activity2,
                                                      "decision": "return", "comment": "请写清楚下次跟踪的日期"})
    assert response.status_code == 303
    changes, _, _ = phone_pull(site, w.mentor2, cursor)
    on_phone = changes[("activity", w.activity2)]["fields"]
    assert (on_phone["review_status"], on_phone["review_comment"]) == ("returned", "请写清楚下次跟踪的日期")


def test_a_return_needs_a_comment(site: Site) -> None:
    w = site.w
    response = site.as_(w.staff_st11).post("/review", {"target_entity": "activity", "target_id": w.activity2,
                                                      "decision": "return", "comment": "  "})
    assert response.status_code == 400 and "退回时请写明原因" in response.text
    assert site.read(lambda db: row(db, "activity", w.activity2))["review_status"] == "pending"


def test_a_resubmitted_activity_says_so_in_the_queue(site: Site) -> None:
    w = site.w
    version = site.read(lambda db: row(db, "activity", w.activity1))["version"]
    site.write(lambda db: mutate(db, w.mentor1, "activity", {"record": "补充了过程"}, w.activity1,
                                 base_version=version))
    assert site.read(lambda db: row(db, "activity", w.activity1))["review_status"] == "pending"
    assert "已按退回意见修改，请再次审核。当时的退回意见：请补充过程记录" in site.as_(w.staff_st11).get("/review").text


def test_approving_a_pairing(site: Site) -> None:
    w = site.w
    response = site.as_(w.staff_town1).post("/review", {"target_entity": "pairing", "target_id": w.pairing1,
                                                       "decision": "approve", "comment": "同意"})
    assert response.status_code == 303
    assert site.read(lambda db: row(db, "pairing", w.pairing1))["review_status"] == "approved"


def test_the_engines_refusal_is_shown_in_words_and_changes_nothing(site: Site) -> None:
    w = site.w
    before = site.read(lambda db: row(db, "activity", w.activity1))
    response = site.as_(w.staff_st12).post("/review", {"target_entity": "activity", "target_id": w.activity1,
                                                      "decision": "approve", "comment": ""})
    assert response.status_code == 400
    assert "没有保存：" in html.unescape(response.text)
    assert site.read(lambda db: row(db, "activity", w.activity1)) == before
    assert site.read(lambda db: db.execute("SELECT count(*) FROM reviews").fetchone()[0]) == 1


def test_the_county_reviews_every_unit_and_can_narrow_to_one(site: Site) -> None:
    w = site.w
    county = site.as_(w.reviewer)
    text = county.get("/review").text
    assert w.activity1 in text and w.activity3 in text
    narrowed = county.get("/review", params={"unit": w.town2}).text
    assert w.activity3 in narrowed and w.activity1 not in narrowed
    response = county.post("/review?unit=" + w.town2, {"target_entity": "activity", "target_id": w.activity3,
                                                      "decision": "approve", "comment": ""},
                           form_page="/review")
    assert response.status_code == 303 and response.headers["location"] == f"/review?unit={w.town2}"


def test_approving_what_one_entered_oneself_is_refused_with_the_engines_reason(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    response = browser.post("/activities/new", {"pairing_id": w.pairing1, "kind": "talk", "date": "2026-11-27",
                                                "record": "王老师电话口述。"})
    activity = response.headers["location"].removeprefix("/activities/")
    queue = browser.get("/review").text
    assert activity in queue and "这条记录您录入或改过，不能由您审核通过" in queue
    response = browser.post("/review", {"target_entity": "activity", "target_id": activity, "decision": "approve",
                                        "comment": ""})
    assert response.status_code == 400
    assert "不能审核通过自己记录、代录、填写或改过的帮扶活动" in html.unescape(response.text)
    assert site.read(lambda db: row(db, "activity", activity))["review_status"] == "pending"
    # another member of staff (the town) may approve it
    assert site.as_(w.staff_town1).post("/review", {"target_entity": "activity", "target_id": activity,
                                                   "decision": "approve", "comment": ""}).status_code == 303


def test_a_visit_one_changed_offers_no_approval_that_the_write_path_would_refuse(site: Site) -> None:
    """The queue marked only the visits one had entered (代录); a volunteer's visit the station had
    changed (a line added, a conflict resolved) showed 通过 like any other, and tapping it was refused:
    不能审核通过自己记录、代录、填写或改过的帮扶活动. Now the card says so and offers 退回 only, for
    that person; another member of staff still approves it from the same queue."""
    w = site.w
    version = site.read(lambda db: row(db, "activity", w.activity2))["version"]
    site.write(lambda db: mutate(db, w.staff_st11, "activity", {"follow_up": "辅导站补充：下周三一起家访。"},
                                 w.activity2, base_version=version))
    card = re.compile(r'<article class="card[^"]*" id="' + w.activity2 + r'">(.*?)</article>', re.S)

    def shown(browser: Any) -> str:
        found = card.search(browser.get("/review").text)
        assert found, "the visit waits in the queue"
        return found.group(1)

    staff = site.as_(w.staff_st11)
    mine = shown(staff)
    assert 'value="approve"' not in mine and 'value="return"' in mine
    assert "这条记录您录入或改过，不能由您审核通过" in html.unescape(mine)
    refused = staff.post("/review", {"target_entity": "activity", "target_id": w.activity2, "decision": "approve",
                                     "comment": ""})
    assert refused.status_code == 400, "the write path's rule, which the card now follows"
    town = site.as_(w.staff_town1)
    theirs = shown(town)
    assert 'value="approve"' in theirs and "不能由您审核通过" not in html.unescape(theirs)
    approved = town.post("/review", {"target_entity": "activity", "target_id": w.activity2, "decision": "approve",
                                     "comment": ""})
    assert approved.status_code == 303


def test_an_activity_changed_after_the_queue_was_opened_is_not_approved_unseen(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    seen = site.read(lambda db: row(db, "activity", w.activity2))["version"]
    assert f'name="target_version" value="{seen}"' in browser.get("/review").text
    site.write(lambda db: mutate(db, w.mentor2, "activity", {"record": "志愿者刚补充的内容"}, w.activity2, seen))
    response = browser.post("/review", {"target_entity": "activity", "target_id": w.activity2,
                                        "decision": "approve", "target_version": str(seen)})
    assert response.status_code == 400 and "又被改过" in html.unescape(response.text)
    assert site.read(lambda db: row(db, "activity", w.activity2))["review_status"] != "approved"
    # Read again, it is approved, and the review keeps the version it judged.
    now = site.read(lambda db: row(db, "activity", w.activity2))["version"]
    response = browser.post("/review", {"target_entity": "activity", "target_id": w.activity2,
                                        "decision": "approve", "target_version": str(now)})
    assert response.status_code == 303
    judged = site.read(lambda db: db.execute("SELECT target_version FROM reviews WHERE target_id = ?",
                                             [w.activity2]).fetchall())
    assert judged == [(now,)]


def test_every_look_at_the_queue_which_shows_childrens_visits_whole_is_in_the_access_log(site: Site) -> None:
    # The queue shows each waiting visit's 事前准备, 过程记录 and 事后跟踪, as its own page does; opening
    # that page is logged, so reading the same words in the queue (county-wide for the reviewer) is too.
    w = site.w
    assert site.as_(w.staff_st11).get("/review").status_code == 200
    assert site.as_(w.reviewer).get(f"/review?unit={w.st11}").status_code == 200
    assert site.as_(w.staff_st22).get("/review").status_code == 200  # nothing waits there: nothing was shown
    rows = site.read(lambda db: list(db.query(
        "SELECT user_id, target, entities FROM access_log WHERE action = 'view_review_queue' ORDER BY id")))
    assert [(r["user_id"], r["target"]) for r in rows] == [(w.staff_st11.user_id, w.st11),
                                                           (w.reviewer.user_id, w.st11)]
    assert json.loads(rows[0]["entities"]) == {"activity": 2, "pairing": 2}
    assert "查看审核队列" in site.as_(w.admin).get("/admin/access-log").text


def test_a_long_return_comment_is_saved_whole_and_one_past_the_limit_is_refused_not_cut_short(site: Site) -> None:
    w = site.w
    comment = "请补充：" + "孩子最近在学校和同学相处的情况，" * 200  # 3,204 characters
    response = site.as_(w.staff_st11).post("/review", {"target_entity": "activity", "target_id": w.activity2,
                                                      "decision": "return", "comment": comment})
    assert response.status_code == 303
    assert site.read(lambda db: row(db, "activity", w.activity2))["review_comment"] == comment
    too_long = "长" * 20_001
    response = site.as_(w.staff_st11).post("/review", {"target_entity": "activity", "target_id": w.activity1,
                                                      "decision": "return", "comment": too_long})
    assert response.status_code == 400 and "审核意见太长了" in response.text and too_long in response.text
    assert site.read(lambda db: db.execute("SELECT count(*) FROM reviews WHERE target_id = ? AND comment = ?",
                                           [w.activity1, too_long[:20_000]]).fetchone()[0]) == 0


def test_a_return_comment_posted_after_sign_out_elsewhere_is_back_in_its_form_after_signing_in(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    queue = browser.get("/review").text
    form_id = re.search(rf'name="target_id" value="{w.activity2}">.*?name="record_id" value="([^"]+)"', queue,
                        re.S).group(1)
    version = site.read(lambda db: row(db, "activity", w.activity2))["version"]
    page = back_after_sign_in(site, browser, w.staff_st11, "/review", {
        "target_entity": "activity", "target_id": w.activity2, "target_version": str(version),
        "record_id": form_id, "decision": "return", "comment": "请写清楚孩子这次说了什么"})
    form = re.search(rf'name="target_id" value="{w.activity2}">.*?</form>', page, re.S).group(0)
    assert "请写清楚孩子这次说了什么" in form and "已恢复登录前填写的内容" in page
    # The same decision form as before: its id and the version it showed.
    assert f'name="record_id" value="{form_id}"' in form and f'name="target_version" value="{version}"' in form
    assert site.read(lambda db: row(db, "activity", w.activity2))["review_status"] == "pending"


def test_more_than_200_pairings_waiting_says_how_many_in_all_not_only_the_200_shown(site: Site) -> None:
    w = site.w

    def pair_many(db: Any) -> None:
        for _ in range(199):
            make_pairing(db, w.staff_st11, w.mentor1, make_mentee(db, w.staff_st11, w.st11))

    site.write(pair_many)
    text = site.as_(w.staff_st11).get("/review").text
    assert "结对（201 个待审核，先显示最早的 200 个）" in text and "审核完这些后刷新本页" in text


def _card(text: str, record_id: str) -> str:
    """The queue's card of ``record_id``: from its ``<article`` to the next one's."""
    start = text.index(f'id="{record_id}"')
    end = text.find("<article", start)
    return text[start:end if end > 0 else len(text)]


def test_the_queue_marks_a_visit_missing_its_preparation_record_or_follow_up(site: Site) -> None:
    """Rudong notice part 三: every visit has its preparation, its record and a follow-up. A visit
    without one is named on its card, outside the folded texts, so the reviewer need not read every
    visit to find it; a blank text is as missing as an empty one."""
    w = site.w
    whole = site.write(lambda db: make_activity(db, w.mentor2, w.pairing2, preparation="带两本书",
                                                record="聊了学习", follow_up="下周再去", date="2026-11-21"))
    gaps = site.write(lambda db: make_activity(db, w.mentor2, w.pairing2, preparation="",
                                               record="聊了学习", follow_up="  ", date="2026-11-22"))
    text = html.unescape(site.as_(w.staff_st11).get("/review").text)
    card = _card(text, gaps)
    assert "未写：事前准备、事后跟踪。" in card
    assert card.index("未写：") < card.index("<details"), "named on the card, not only inside the fold"
    assert card.count("未写：") == 1, "said once, not again inside the fold"
    assert "未写：" not in _card(text, whole)


def test_a_long_queue_is_paged_with_the_urgent_first_and_says_how_many_more_there_are(site: Site) -> None:
    """A county's 85 waiting visits stood one under another, each with its decision form: 45,000 px on a
    phone. The queue now shows 20 a page, the risk-flagged ones first whichever day they are of; the
    heading counts the whole queue and its urgent ones, the page says which it holds and how many follow,
    and a decision made on page 2 comes back to page 2."""
    w = site.w
    days = [f"2026-10-{d:02d}" for d in range(1, 24)]
    site.write(lambda db: [make_activity(db, w.mentor2, w.pairing2, date=day) for day in days])
    urgent = [site.write(lambda db, d=d: make_activity(db, w.mentor2, w.pairing2, risk_flag=True, date=d))
              for d in ("2026-11-20", "2026-11-21")]
    browser = site.as_(w.staff_st11)
    first = browser.get("/review").text
    cards = re.findall(r'<article class="card(?: risk)?" id="([^"]+)">', first)
    assert len(cards) == 20 + 2  # 20 visits and the two pairings that wait, on the first page only
    assert cards[:2] == urgent
    heading = re.search(r"<h2>帮扶活动（([^<]*)）</h2>", first)
    assert heading and heading.group(1) == "26 条待审核，其中 2 条发现自伤自残风险，另有 1 条已退回、等修改"
    assert "本页是第 1–20 条（第 1 / 2 页）。后面还有 7 条，请翻到下一页。" in first
    assert 'href="?page=2">下一页</a>' in first
    second = browser.get("/review?page=2").text
    rest = re.findall(r'<article class="card(?: risk)?" id="([^"]+)">', second)
    assert len(rest) == 7 and not set(rest) & set(cards) and w.activity1 == rest[-1]  # the returned one last
    assert "本页是第 21–27 条（第 2 / 2 页）。" in second and 'href="?page=1">上一页</a>' in second
    assert "等待审核的结对在" in second and w.pairing2 not in second
    assert browser.get("/review?page=99").text.count('<article class="card') == 7  # past the end: the last page
    assert browser.get("/review?page=abc").status_code == 200
    response = browser.post("/review?page=2", {"target_entity": "activity", "target_id": rest[0],
                                               "decision": "approve"}, form_page="/review?page=2")
    assert response.status_code == 303 and response.headers["location"] == "/review?page=2"


def test_the_county_and_a_station_page_through_45_mixed_visits_each_once_the_urgent_first(site: Site) -> None:
    """The county reads the queue by its ordered index, a station by unit and sorted: both cut pages
    of 20 from one order, so paging on shows every waiting visit once, the risk-flagged ones first."""
    w = site.w
    people = [(w.mentor1, w.pairing1), (w.mentor2, w.pairing2), (w.mentor3, w.pairing3)]

    def make(db: Any) -> None:
        for n in range(45):
            mentor, pairing = people[n % 3]
            urgent = n % 4 == 1
            make_activity(db, mentor, pairing, risk_flag=urgent, date=f"2026-{9 + n % 3:02d}-{10 + n % 17}")

    site.write(make)
    waiting = site.read(lambda db: {r[0]: bool(r[1]) for r in db.execute(
        "SELECT id, risk_flag FROM activities WHERE review_status IN ('pending', 'returned')")})
    for who, unit in (("reviewer", None), ("staff_st11", w.st11)):
        browser = site.as_(getattr(w, who))
        expected = {a for a in waiting if unit in (None, site.read(lambda db, a=a: row(db, "activity", a))["unit_id"])}
        seen: list[str] = []
        for number in range(1, -(-len(expected) // 20) + 1):
            text = browser.get(f"/review?page={number}").text
            seen += [i for i in re.findall(r'<article class="card(?: risk)?" id="([^"]+)">', text) if i in waiting]
        assert len(seen) == len(set(seen)) and set(seen) == expected, who
        flags = [waiting[i] for i in seen]
        assert flags == sorted(flags, reverse=True), who  # every urgent visit before any other


def test_a_visit_entered_for_a_volunteer_is_returned_to_whoever_entered_it_in_words(site: Site) -> None:
    """A 代录 visit is typed by the station for a volunteer who often has no smartphone: the town's
    queue offered 退回给志愿者 and, once returned, said 等志愿者修改 — a return nobody would act on.
    The card names the person who entered it, who corrects it on the web."""
    w = site.w
    entered = site.as_(w.staff_st11).post("/activities/new", {"pairing_id": w.pairing1, "kind": "talk",
                                                             "date": "2026-11-27", "record": "王老师电话口述。"})
    activity = entered.headers["location"].removeprefix("/activities/")
    card = re.compile(r'<article class="card[^"]*" id="' + activity + r'">(.*?)</article>', re.S)
    town = site.as_(w.staff_town1)
    found = card.search(town.get("/review").text)
    assert found and "退回给代录人" in found.group(1) and "退回给志愿者" not in found.group(1)
    assert town.post("/review", {"target_entity": "activity", "target_id": activity, "decision": "return",
                                 "comment": "请写明谈话地点"}).status_code == 303
    queue = town.get("/review").text
    found = card.search(queue)
    assert found and "已退回，等代录人站员一一修改" in html.unescape(found.group(1))
    # The heading counts it among the returned ones without saying it waits for the volunteer.
    heading = re.search(r"<h2>帮扶活动（([^<]*)）</h2>", queue)
    assert heading and "已退回、等修改" in heading.group(1) and "等志愿者" not in heading.group(1), heading
