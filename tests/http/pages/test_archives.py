"""The pairing page is the archive: the whole timeline with reviews, who wrote and who entered each
record and when, the change history; every view and print lands in the access log; the print view
is an A4 document with page numbers, the date printed and who printed it."""
from __future__ import annotations

import datetime
import html
import json
import re

import sqlite_utils

from sync import apply_mutations, mutations
from sync.timeutil import local_today

from ...factories import make_activity, make_mentee, make_pairing, mutate, row
from .conftest import Site
from .station import access_rows, conflict_on_activity1


def world_with_history(site: Site) -> dict[str, str]:
    """Pairing 1 with a 代录 visit approved by the town, the mentor's visit returned, a screening
    during the pairing, one before it, a referral, a deleted visit and a changed goal."""
    w = site.w

    def build(db: sqlite_utils.Database) -> dict[str, str]:
        entered = mutate(db, w.staff_st11, "activity", {
            "pairing_id": w.pairing1, "kind": "talk", "date": "2026-11-10", "duration_min": 45,
            "place": "辅导站谈心室", "preparation": "了解近况", "record": "王老师电话口述：孩子愿意说话了。",
            "follow_up": "下周再谈", "follow_up_due": "2026-11-17", "moods": ["平稳"], "observations": ["学习有进步"],
            "tags": ["station"], "risk_flag": True})
        mutate(db, w.staff_town1, "review", {"target_entity": "activity", "target_id": entered,
                                             "decision": "approve", "comment": "记录完整，同意。"})
        gone = mutate(db, w.mentor1, "activity", {"pairing_id": w.pairing1, "kind": "remote",
                                                  "date": "2026-11-12", "record": "误录的一条"})
        apply_mutations(db, w.mentor1, [mutations.delete("activity", gone, base_version=1)])
        before = mutate(db, w.staff_st11, "screening", {"mentee_id": w.mentee1, "date": "2026-08-01",
                                                        "needs": "开学前的摸排"})
        mutate(db, w.staff_st11, "pairing", {"goals": "每周谈心，恢复上学"}, w.pairing1, base_version=1)
        mutate(db, w.staff_town1, "review", {"target_entity": "pairing", "target_id": w.pairing1,
                                             "decision": "approve", "comment": "结对安排合理"})
        return {"entered": entered, "gone": gone, "before": before}

    return dict(site.write(build))


def test_the_archive_holds_the_whole_timeline_with_who_wrote_and_who_entered_each_record(site: Site) -> None:
    w = site.w
    ids = world_with_history(site)
    page = site.as_(w.staff_st11).get(f"/pairings/{w.pairing1}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    # read as words: each day comes whole in its own <span class="nowrap">
    text = re.sub(r'<span class="nowrap">([^<]*)</span>', r"\1", html.unescape(page.text))
    # the 代录 visit: every field, its author (the volunteer), who entered it, and its approval
    for words in ("2026年11月10日 · 面对面谈心", "45 分钟", "辅导站谈心室", "了解近况",
                  "王老师电话口述：孩子愿意说话了。", "下周再谈", "2026年11月17日", "平稳", "学习有进步",
                  "与辅导站活动结合", "发现自伤自残风险",
                  "王老师（由 站员一一 代录）", "通过</strong> · 街道干事", "记录完整，同意。"):
        assert words in text, words
    # the mentor's own visit and its return with the comment
    assert "家访记录" in text and "请补充过程记录" in text and "已退回" in text
    # the screening during the pairing, the referral, the pairing's own review; not the deleted visit
    # in the timeline, not the screening from before the pairing
    assert "2026年10月8日 · 摸排" in text and "县人民医院心理门诊" in text and "结对安排合理" in text
    assert "误录的一条" not in text[:text.index("已删除的帮扶记录")] and "开学前的摸排" not in text
    # in date order
    assert text.index("2026年10月8日 · 摸排") < text.index("2026年11月2日 · 转介") < text.index("2026年11月10日")
    # the pairing's change history: who changed which field, from what to what
    history = text[text.index("结对的修改记录"):]
    assert "帮扶目标：（空） → 每周谈心，恢复上学" in history and "站员一一" in history
    assert f"/activities/{ids['entered']}" in page.text


def test_every_view_of_an_archive_is_in_the_access_log_with_what_it_showed(site: Site) -> None:
    w = site.w
    world_with_history(site)
    site.as_(w.staff_st11).get(f"/pairings/{w.pairing1}")
    site.as_(w.reviewer).get(f"/pairings/{w.pairing1}")
    rows = access_rows(site, "view_pairing", w.pairing1)
    assert [r["user_id"] for r in rows] == [w.staff_st11.user_id, w.reviewer.user_id]
    shown = json.loads(rows[0]["entities"])  # the deleted visit's words are shown too
    assert shown == {"mentee": 1, "pairing": 1, "activity": 3, "screening": 1, "referral": 1, "review": 3}
    assert rows[0]["ip"] == "testclient" and rows[0]["record_count"] == 10


def test_a_view_refused_by_scope_is_not_logged_as_a_view(site: Site) -> None:
    w = site.w
    assert site.as_(w.staff_st21).get(f"/pairings/{w.pairing1}").status_code == 404
    assert access_rows(site, "view_pairing", w.pairing1) == []


def test_the_print_view_is_an_a4_document_with_page_numbers_and_who_printed_it_when(site: Site) -> None:
    w = site.w
    world_with_history(site)
    page = site.as_(w.reviewer).get(f"/pairings/{w.pairing1}/print")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    text = html.unescape(page.text)
    # The time in words, whole on one line, as on the other pages (it read 2026-12-04 21:08)
    assert re.search(r'打印人：县关工委（如东县）.*打印时间：<span class="nowrap">20\d\d年\d{1,2}月\d{1,2}日 \d\d:\d\d'
                     r"</span>（北京时间）", text)
    assert re.search(r'打印时间：<span class="nowrap">20\d\d年\d{1,2}月\d{1,2}日 \d\d:\d\d</span>。', text)
    # and so are the times of its change history and reviews: ISO is left only where the check code's
    # 档案数据截至 line keeps its form
    said = re.sub(r"<[^>]+>", "", text)
    assert re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d", said) == re.findall(r"截至 (\S+ \d\d:\d\d)（", said)
    assert "二、帮扶时间线（帮扶活动 2 次，摸排 1 次，转介 1 次，结对审核 1 次）" in said
    for words in ("一、结对情况", "四、结对的修改记录",
                  "王老师（由 站员一一 代录）", "录入", "记录完整，同意。", "请补充过程记录", "结对安排合理"):
        assert words in text, words
    assert "小明" not in text, "the county prints codes, not names"
    css_path = re.search(r'href="(/static/print\.css\?v=\w+)"', page.text).group(1)  # type: ignore[union-attr]
    css = site.browser().client.get(css_path).text
    assert "size: A4" in css and "counter(page)" in css and "counter(pages)" in css and "@bottom-center" in css
    (logged,) = access_rows(site, "print_pairing", w.pairing1)
    assert logged["user_id"] == w.reviewer.user_id and json.loads(logged["entities"])["activity"] == 3


def test_station_staff_print_with_the_childs_name(site: Site) -> None:
    w = site.w
    text = site.as_(w.staff_st11).get(f"/pairings/{w.pairing1}/print").text
    assert "小明" in text and "打印人：站员一一（掘港小学辅导站）" in text


def test_the_archive_page_offers_station_actions_only_to_station_staff(site: Site) -> None:
    w = site.w
    staff = site.as_(w.staff_st11).get(f"/pairings/{w.pairing1}").text
    county = site.as_(w.reviewer).get(f"/pairings/{w.pairing1}").text
    for action in ("代录一次帮扶", "修改结对", "结束结对", "登记转介"):
        assert action in staff and action not in county
    assert "打印档案" in staff and "打印档案" in county


def test_the_activity_history_shows_each_change_with_its_author(site: Site) -> None:
    w = site.w
    version = site.read(lambda db: row(db, "activity", w.activity1))["version"]
    site.write(lambda db: mutate(db, w.mentor1, "activity", {"record": "家访记录，补充了孩子的作息"}, w.activity1,
                                 base_version=version))
    text = html.unescape(site.as_(w.staff_st11).get(f"/activities/{w.activity1}").text)
    assert "过程记录：家访记录 → 家访记录，补充了孩子的作息" in text
    # Its times as the other pages write them: 2026年12月4日 23:32, not 2026-12-04 23:32.
    history = text.split("谁在什么时候改了哪一项")[1]
    assert re.search(r'data-label="时间"><span class="nowrap">20\d\d年\d{1,2}月\d{1,2}日 \d\d:\d\d</span><',
                     history), history[:600]
    assert not re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", history)
    assert "审核状态：待审核 → 已退回" in text and "审核带来的变化" in text
    assert (view := access_rows(site, "view_activity", w.activity1)) and view[0]["user_id"] == w.staff_st11.user_id


def words(page: str) -> str:
    """A page's text as read, tags taken out."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def between(text: str, start: str, end: str) -> str:
    return text[text.index(start):text.index(end, text.index(start))]


def test_a_deleted_visit_stays_in_the_archive_and_its_print_marked_with_who_deleted_it_and_when(site: Site) -> None:
    w = site.w
    world_with_history(site)
    for path in (f"/pairings/{w.pairing1}", f"/pairings/{w.pairing1}/print"):
        text = html.unescape(site.as_(w.reviewer).get(path).text)
        gone = between(text, "已删除的帮扶记录（1 条", "结对的修改记录")
        assert '<span class="nowrap">2026年11月12日</span> · 电话或线上' in gone and "误录的一条" in gone, path
        assert re.search(r'已删除</span> 王老师（手机）?删除于 '
                         r'<span class="nowrap">20\d\d年\d{1,2}月\d{1,2}日 \d\d:\d\d</span>', gone), path
        assert "已删除：否 → 是" in gone, path
        # counted nowhere: the timeline still says two visits
        assert "帮扶活动 2 次" in text and "误录的一条" not in text[:text.index("已删除的帮扶记录")], path


def test_a_sync_conflict_shows_both_versions_and_who_settled_it_on_the_archive_and_its_print(site: Site) -> None:
    w = site.w
    staff = site.as_(w.staff_st11)
    conflict_id = conflict_on_activity1(site, staff)
    county = site.as_(w.reviewer)
    for path in (f"/pairings/{w.pairing1}", f"/pairings/{w.pairing1}/print"):
        text = words(county.get(path).text)
        assert "先到并保留的：站里更正：家访一小时，孩子愿意交流。" in text, path
        assert "后到的（王老师，从手机" in text and "手机上补充：孩子说想参加兴趣小组。" in text, path
        assert "⚠ 冲突尚未处理" in text, path
    # the visit's own page too, where the county (which has no conflict pages) follows the archive's link
    visit = words(county.get(f"/activities/{w.activity1}").text)
    assert "后到的（王老师，从手机" in visit and "手机上补充：孩子说想参加兴趣小组。" in visit
    assert staff.post(f"/conflicts/{conflict_id}", {"choice": "kept"}).status_code == 303
    for path in (f"/pairings/{w.pairing1}", f"/pairings/{w.pairing1}/print"):
        text = words(county.get(path).text)
        assert re.search(r"处理：保留先到的内容 · 站员一一 · 20\d\d年\d{1,2}月\d{1,2}日 \d\d:\d\d", text), path
        assert "手机上补充：孩子说想参加兴趣小组。" in text and "冲突尚未处理" not in text, path


def test_a_visit_returned_then_corrected_with_another_date_and_approved_shows_each_step_on_screen_and_paper(
        site: Site) -> None:
    w = site.w
    world_with_history(site)
    version = site.read(lambda db: row(db, "activity", w.activity1))["version"]
    site.write(lambda db: mutate(db, w.mentor1, "activity", {"date": "2026-11-19", "record": "家访记录，补了过程"},
                                 w.activity1, base_version=version))
    site.write(lambda db: mutate(db, w.staff_town1, "review", {"target_entity": "activity", "target_id": w.activity1,
                                                               "decision": "approve", "comment": "补充后同意"}))
    for path in (f"/pairings/{w.pairing1}", f"/pairings/{w.pairing1}/print"):
        text = words(site.as_(w.reviewer).get(path).text)
        visit = between(text, "2026年11月19日 · 上门家访", "已删除的帮扶记录")
        assert "请补充过程记录" in visit and "补充后同意" in visit, path
        assert "日期：2026年11月20日 → 2026年11月19日" in visit, path
        assert "过程记录：家访记录 → 家访记录，补了过程" in visit, path
        assert "审核状态：已退回 → 待审核" in visit and "审核状态：待审核 → 已通过" in visit, path
        if "print" not in path:  # the page's history is folded away: its summary names what was changed
            assert re.search(r"这次记录的修改经过（\d 条；录入后改过：日期、过程记录）", visit)


def test_the_archive_and_its_print_name_every_pairing_of_the_child_with_its_volunteer_and_dates(site: Site) -> None:
    w = site.w

    def repair(db: sqlite_utils.Database) -> str:
        mutate(db, w.staff_st11, "pairing", {"status": "closed", "end_date": "2026-11-25", "outcome": "stable"},
               w.pairing1, base_version=row(db, "pairing", w.pairing1)["version"])
        return mutate(db, w.staff_st11, "pairing", {"mentor_id": w.mentor2.user_id, "mentee_id": w.mentee1,
                                                    "start_date": "2026-11-26", "approach": "fuxin"})

    later = site.write(repair)
    page = site.as_(w.reviewer).get(f"/pairings/{later}")
    assert f'href="/pairings/{w.pairing1}"' in page.text and f"/mentees/{w.mentee1}" in page.text
    for path in (f"/pairings/{later}", f"/pairings/{later}/print"):
        text = html.unescape(site.as_(w.reviewer).get(path).text)
        # As read: the state and its outcome sit in spans of their own, each kept on one line.
        pairings = re.sub(r"<span[^>]*>|</span>", "", between(text, "这个孩子的全部结对（2 次）", "</table>"))
        assert pairings.index("王老师") < pairings.index("李老师（本档案）"), path
        assert "2026年9月1日 至 2026年11月25日" in pairings and "已结束（稳定）" in pairings, path
        assert "2026年11月26日 至 今" in pairings, path


def test_the_screen_and_the_print_carry_the_same_check_code_which_changes_with_the_data(site: Site) -> None:
    w = site.w
    county = site.as_(w.reviewer)
    code = re.compile(r"档案数据截至 (20\d\d-\d\d-\d\d \d\d:\d\d)（北京时间，最后一次改动），"
                      r"核对码 <span class=\"code\">(\w{8})<")
    screen = code.findall(county.get(f"/pairings/{w.pairing1}").text)
    paper = code.findall(county.get(f"/pairings/{w.pairing1}/print").text)
    assert len(screen) == 1 and len(paper) == 2 and set(paper) == set(screen)
    version = site.read(lambda db: row(db, "activity", w.activity1))["version"]
    site.write(lambda db: mutate(db, w.staff_st11, "activity", {"place": "孩子家中"}, w.activity1,
                                 base_version=version))
    after_visit = code.findall(county.get(f"/pairings/{w.pairing1}").text)[0][1]
    assert after_visit != screen[0][1]
    version = site.read(lambda db: row(db, "mentee", w.mentee1))["version"]
    site.write(lambda db: mutate(db, w.staff_st11, "mentee", {"grade": "五年级"}, w.mentee1, base_version=version))
    assert code.findall(county.get(f"/pairings/{w.pairing1}").text)[0][1] != after_visit, "the child's facts too"


def test_a_pairing_or_visit_changed_after_its_approval_says_so_beside_the_approval(site: Site) -> None:
    w = site.w
    ids = world_with_history(site)  # the pairing and the 代录 visit approved by the town

    def later(db: sqlite_utils.Database) -> None:
        mutate(db, w.staff_st11, "pairing", {"goals": "每两周谈心一次"}, w.pairing1,
               base_version=row(db, "pairing", w.pairing1)["version"])
        mutate(db, w.staff_st11, "activity", {"risk_action": "已电话联系家长", "risk_action_on": "2026-11-11"},
               ids["entered"], base_version=row(db, "activity", ids["entered"])["version"])

    site.write(later)
    for path in (f"/pairings/{w.pairing1}", f"/pairings/{w.pairing1}/print"):
        text = words(site.as_(w.reviewer).get(path).text)
        assert re.search(r"结对审核已通过\s*⚠ 审核通过后又改过：帮扶目标\n", text), path
        assert "⚠ 审核通过后又改过：风险处理记录、处理日期" in text, path
    visit = words(site.as_(w.reviewer).get(f"/activities/{ids['entered']}").text)
    assert "⚠ 审核通过后又改过：风险处理记录、处理日期" in visit
    untouched = words(site.as_(w.reviewer).get(f"/pairings/{w.pairing2}").text)
    assert "审核通过后又改过" not in untouched


def test_the_archive_and_its_print_mark_and_count_visits_missing_a_part(site: Site) -> None:
    """The archive an inspector checks on site (检查项 结对帮扶档案完整（准备、记录、跟踪）) counts the
    visits missing any of the three parts the Rudong notice asks of each, and marks each one, on
    screen and on paper; a deleted visit counts nowhere."""
    w = site.w

    def build(db: sqlite_utils.Database) -> dict[str, str]:
        child = make_mentee(db, w.staff_st11, w.st11)
        pairing = make_pairing(db, w.staff_st11, w.mentor1, child)
        whole = {"pairing_id": pairing, "kind": "talk", "preparation": "带两本书", "record": "聊了学习",
                 "follow_up": "下周再去"}
        mutate(db, w.mentor1, "activity", {**whole, "date": "2026-11-02"})
        mutate(db, w.mentor1, "activity", {**whole, "date": "2026-11-09", "preparation": None})
        mutate(db, w.mentor1, "activity", {**whole, "date": "2026-11-16", "record": "", "follow_up": None})
        gone = mutate(db, w.mentor1, "activity", {**whole, "date": "2026-11-18", "preparation": None})
        apply_mutations(db, w.mentor1, [mutations.delete("activity", gone, base_version=1)])
        return {"pairing": pairing}

    pairing = site.write(build)["pairing"]
    browser = site.as_(w.staff_st11)
    screen = html.unescape(browser.get(f"/pairings/{pairing}").text)
    timeline = screen[screen.index('id="timeline"'):screen.index('id="deleted"')]
    assert "其中 2 次帮扶活动没有写全事前准备、过程记录、事后跟踪" in timeline
    assert timeline.count("未写：") == 2
    assert timeline.index("2026年11月9日") < timeline.index("未写：事前准备。") < timeline.index("2026年11月16日")
    assert timeline.index("2026年11月16日") < timeline.index("未写：过程记录、事后跟踪。")
    paper = html.unescape(browser.get(f"/pairings/{pairing}/print").text)
    assert "其中 2 次帮扶活动没有写全事前准备、过程记录、事后跟踪" in paper
    assert "未写：事前准备。" in paper and "未写：过程记录、事后跟踪。" in paper


def _facts(page_html: str) -> str:
    """The archive's 结对情况 block, in words."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", page_html))
    return re.sub(r"\s+", " ", text[text.index("结对情况"):text.index("建档")])


def test_the_archive_says_when_the_pairings_follow_up_is_due_and_how_overdue_as_the_dashboard_does(
        site: Site) -> None:
    w = site.w
    today = local_today()
    ago = lambda n: (today - datetime.timedelta(days=n)).isoformat()  # noqa: E731
    site.write(lambda db: make_activity(db, w.mentor1, w.pairing1, date=ago(9), follow_up_due=ago(6)))
    due = datetime.date.fromisoformat(ago(6))
    county = site.as_(w.reviewer)
    # The dashboard lists the pairing 6 days overdue; its archive, on screen and on paper, says the same.
    dashboard = html.unescape(county.get("/dashboard").text)
    overdue = dashboard[dashboard.index('id="overdue"'):]
    assert f"/pairings/{w.pairing1}" in overdue and "6 天" in overdue
    for path in (f"/pairings/{w.pairing1}", f"/pairings/{w.pairing1}/print"):
        facts = _facts(county.get(path).text)
        assert f"下次跟踪 {due.year}年{due.month}月{due.day}日 ⚠ 跟踪逾期 6 天" in facts, facts
    # A later visit is the follow-up: its own date is shown, not overdue.
    ahead = today + datetime.timedelta(days=5)
    site.write(lambda db: make_activity(db, w.mentor1, w.pairing1, date=ago(1), follow_up_due=ahead.isoformat()))
    facts = _facts(site.as_(w.staff_st11).get(f"/pairings/{w.pairing1}").text)
    assert f"下次跟踪 {ahead.year}年{ahead.month}月{ahead.day}日" in facts and "逾期" not in facts, facts
    # A pairing with no follow-up date set owes none on its archive.
    assert "下次跟踪" not in _facts(county.get(f"/pairings/{w.pairing2}").text)
    # An ended pairing owes no follow-up, even with an old date on its last visit.
    site.write(lambda db: make_activity(db, w.mentor1, w.pairing1, date=today.isoformat(), follow_up_due=ago(1)))
    version = site.read(lambda db: (row(db, "pairing", w.pairing1) or {})["version"])
    site.write(lambda db: mutate(db, w.staff_st11, "pairing", {"status": "closed", "end_date": today.isoformat(),
                                                              "outcome": "stable"}, w.pairing1, version))
    assert "下次跟踪" not in _facts(county.get(f"/pairings/{w.pairing1}").text)


def test_the_archive_writes_when_it_was_set_up_entered_and_reviewed_in_words(site: Site) -> None:
    """建档, 录入 and each review read 2026-11-20 18:30 where the other pages write 2026年11月20日 18:30;
    the 档案数据截至 line keeps its form, since a paper copy is checked against it."""
    w = site.w

    def stamp(db: sqlite_utils.Database) -> None:
        mutate(db, w.staff_town1, "review", {"target_entity": "pairing", "target_id": w.pairing1,
                                             "decision": "approve", "comment": "同意结对"})
        db.execute("UPDATE pairings SET created_at = '2026-09-01T00:00:00.000Z' WHERE id = ?", [w.pairing1])
        db.execute("UPDATE activities SET created_at = '2026-11-20T10:30:00.000Z',"
                   " updated_at = '2026-11-22T02:00:00.000Z' WHERE id = ?", [w.activity1])
        db.execute("UPDATE reviews SET created_at = CASE target_entity WHEN 'activity'"
                   " THEN '2026-11-21T01:15:00.000Z' ELSE '2026-09-02T16:05:00.000Z' END")

    site.write(stamp)
    page = html.unescape(site.as_(w.staff_st11).get(f"/pairings/{w.pairing1}").text)
    assert re.search(r'<dt>建档</dt><dd>[^<，]+，<span class="nowrap">2026年9月1日 08:00</span></dd>', page), page
    assert re.search(r'<dt>录入</dt><dd>王老师，<span class="nowrap">2026年11月20日 18:30</span>；最后修改：[^<，]+，'
                     r'<span class="nowrap">2026年11月22日 10:00</span></dd>',
                     page)
    # the visit's review
    assert re.search(r'</strong> · [^<·]+ · <span class="nowrap">2026年11月21日 09:15</span><br>', page)
    assert re.search(r'<h3><span class="nowrap">2026年9月3日</span> · 结对审核：通过</h3>\s*'
                     r'<p>[^<，]+，<span class="nowrap">2026年9月3日 00:05</span>：同意结对</p>', page)
    assert re.search(r"档案数据截至 20\d\d-\d\d-\d\d \d\d:\d\d（北京时间", page)
    text = re.sub(r"<[^>]+>", "", page.split("<main", 1)[1])
    assert re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d", text) == re.findall(r"截至 (\S+ \d\d:\d\d)（", text)


def test_a_visit_moved_with_its_child_says_so_in_its_history_on_screen_and_paper_not_as_a_review(
        site: Site) -> None:
    # The town moves a child to another school of the town: each visit and the pairing go along by a
    # change the server derives. Their histories said 审核带来的变化 with nothing in 改动 — read on an
    # inspection as the town having altered an approved, locked visit for a review.
    w = site.w
    version = site.read(lambda db: row(db, "mentee", w.mentee1))["version"]
    site.write(lambda db: mutate(db, w.staff_town1, "mentee", {"unit_id": w.st12}, w.mentee1, base_version=version))
    staff = site.as_(w.staff_town1)
    for page in (f"/activities/{w.activity1}", f"/pairings/{w.pairing1}", f"/pairings/{w.pairing1}/print"):
        text = words(staff.get(page).text)
        assert "孩子转单位带来的变化" in text and "所属单位：掘港小学辅导站 → 掘港中学" in text, page
    # The approval's own line keeps its words.
    assert "审核带来的变化" in words(staff.get(f"/activities/{w.activity1}").text)
