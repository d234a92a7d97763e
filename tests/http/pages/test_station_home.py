"""The station home page (/staff): open risk flags on top until their handling is recorded, records
waiting for review, unresolved conflicts, overdue follow-ups — each list checked against a
computation of its own in the test, over the raw tables."""
from __future__ import annotations

import datetime
import json
import re
from typing import Any

from sync import Actor, apply_mutations, mutations
from sync.timeutil import local_today

from ...factories import make_activity, make_mentee, make_pairing, mutate, pull_all, push, upsert
from .conftest import Site


def _section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    end = html.find("<section", start)
    return html[start:end if end != -1 else None]


def _ids(html: str, prefix: str) -> set[str]:
    return set(re.findall(prefix + r"/([0-9a-f-]{36})", html))


def _add(site: Site, actor: Actor, pairing: str, **fields: Any) -> str:
    return str(site.write(lambda db: make_activity(db, actor, pairing, **fields)))


def _expected_open_flags(site: Site, unit_ids: set[str]) -> set[str]:
    rows = site.read(lambda db: list(db.query(
        "SELECT a.id, a.unit_id, a.risk_flag, a.risk_action, a.deleted, m.deleted AS mentee_deleted"
        " FROM activities a JOIN mentees m ON m.id = a.mentee_id")))
    return {r["id"] for r in rows if r["risk_flag"] and not (r["risk_action"] or "").strip()
            and not r["deleted"] and not r["mentee_deleted"] and r["unit_id"] in unit_ids}


def _expected_overdue(site: Site, unit_ids: set[str], today: datetime.date) -> set[str]:
    """Pairing ids: active, in the units, whose latest live activity (date, then id) is due before today."""
    rows = site.read(lambda db: list(db.query(
        "SELECT a.id, a.pairing_id, a.date, a.follow_up_due, a.deleted, p.status, p.unit_id"
        " FROM activities a JOIN pairings p ON p.id = a.pairing_id")))
    latest: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r["deleted"]:
            continue
        best = latest.get(r["pairing_id"])
        if best is None or (r["date"], r["id"]) > (best["date"], best["id"]):
            latest[r["pairing_id"]] = r
    return {pid for pid, r in latest.items() if r["status"] == "active" and r["unit_id"] in unit_ids
            and r["follow_up_due"] is not None and r["follow_up_due"] < today.isoformat()}


def _world(site: Site) -> dict[str, str]:
    """Flags and follow-ups in station 1-1 and, as foreign records, station 2-1."""
    w = site.w
    today = local_today()
    ago = lambda n: (today - datetime.timedelta(days=n)).isoformat()  # noqa: E731
    out = {
        "flag_open": _add(site, w.mentor1, w.pairing1, date=ago(2), risk_flag=True, follow_up_due=ago(1)),
        "flag_foreign": _add(site, w.mentor3, w.pairing3, date=ago(2), risk_flag=True, follow_up_due=ago(1)),
        # Pairing 2: an overdue follow-up answered by a later visit is not overdue.
        "answered": _add(site, w.mentor2, w.pairing2, date=ago(20), follow_up_due=ago(10)),
        "answer": _add(site, w.mentor2, w.pairing2, date=ago(9), follow_up_due=(today + datetime.timedelta(3))
                       .isoformat()),
    }
    # A flag already handled, and a flag on a deleted activity, are not open.
    handled = _add(site, w.mentor1, w.pairing1, date=ago(30), risk_flag=True)
    site.write(lambda db: mutate(db, w.staff_st11, "activity", {"risk_action": "已联系家长"}, handled, 1))
    gone = _add(site, w.mentor1, w.pairing1, date=ago(40), risk_flag=True)
    # The write path deletes no visit with an open flag; one deleted before that rule left its flag open.
    site.write(lambda db: mutate(db, w.staff_st11, "activity", {"risk_action": "已联系家长"}, gone, 1))
    site.write(lambda db: apply_mutations(db, w.staff_st11, [mutations.delete("activity", gone, base_version=2)]))
    site.write(lambda db: db.execute("UPDATE activities SET risk_action = NULL WHERE id = ?", [gone]))
    # A closed pairing owes no follow-up even with an old due date.
    mentee = site.write(lambda db: make_mentee(db, w.staff_st11, w.st11, name="小结"))
    closed = site.write(lambda db: make_pairing(db, w.staff_st11, w.mentor1, mentee))
    _add(site, w.mentor1, closed, date=ago(50), follow_up_due=ago(40))
    site.write(lambda db: mutate(db, w.staff_st11, "pairing", {"status": "closed", "end_date": ago(35),
                                                              "outcome": "stable"}, closed, 1))
    out["closed"] = closed
    return out


def test_home_lists_exactly_the_open_risk_flags_and_overdue_follow_ups_of_the_unit(site: Site) -> None:
    w = site.w
    made = _world(site)
    page = site.as_(w.staff_st11).get("/staff")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    flags = _section(page.text, "flags-h")
    shown_flags = set(re.findall(r'id="flag-([0-9a-f-]{36})"', flags))
    assert shown_flags == _expected_open_flags(site, {w.st11}) == {made["flag_open"]}
    overdue = _ids(_section(page.text, "overdue-h"), "/pairings")
    assert overdue == _expected_overdue(site, {w.st11}, local_today()) == {w.pairing1}
    assert made["closed"] not in overdue and w.pairing2 not in overdue and w.pairing3 not in page.text
    # Flags come first on the page, before the to-do counts and the follow-ups.
    assert page.text.index('id="flags-h"') < page.text.index('id="todo-h"') < page.text.index('id="overdue-h"')


def test_town_staff_see_the_flags_of_every_unit_below_them_and_admin_of_all(site: Site) -> None:
    w = site.w
    made = _world(site)
    town = set(re.findall(r'id="flag-([0-9a-f-]{36})"', site.as_(w.staff_town2).get("/staff").text))
    assert town == _expected_open_flags(site, {w.town2, w.st21, w.st22}) == {made["flag_foreign"]}
    everyone = set(re.findall(r'id="flag-([0-9a-f-]{36})"', site.as_(w.admin).get("/staff").text))
    assert everyone == {made["flag_open"], made["flag_foreign"]}


def test_recording_the_action_taken_closes_the_flag_and_reaches_the_phone(site: Site) -> None:
    w = site.w
    made = _world(site)
    browser = site.as_(w.staff_st11)
    _, _, cursor = site.read(lambda db: pull_all(db, w.mentor1))
    today = local_today().isoformat()
    handling = "当天联系家长和班主任，已陪同就医"
    response = browser.post("/staff", {"activity_id": made["flag_open"], "risk_action": handling,
                                       "risk_action_on": today, "base_version": "1"})
    assert response.status_code == 303 and response.headers["location"] == "/staff"
    page = browser.get("/staff")
    assert f'id="flag-{made["flag_open"]}"' not in page.text and "已记录" in page.text
    assert made["flag_open"] not in _expected_open_flags(site, {w.st11})
    record = site.read(lambda db: next(db.query("SELECT risk_action, risk_action_on, risk_action_by FROM activities"
                                                " WHERE id = ?", [made["flag_open"]])))
    assert record == {"risk_action": "当天联系家长和班主任，已陪同就医", "risk_action_on": today,
                      "risk_action_by": w.staff_st11.user_id}
    changes, _, _ = site.read(lambda db: pull_all(db, w.mentor1, cursor))
    assert changes[("activity", made["flag_open"])]["fields"]["risk_action"] == "当天联系家长和班主任，已陪同就医"


def test_a_visits_page_with_an_open_flag_leads_staff_to_where_it_is_handled(site: Site) -> None:
    """代录 a visit with 发现自伤自残风险 ended on its page, which said it waits for review: nothing
    named the station home, where the flag is handled, so the staff member who had just typed it
    had no next step in sight."""
    w = site.w
    made = _world(site)
    browser = site.as_(w.staff_st11)
    visit = browser.get(f"/activities/{made['flag_open']}").text
    link = f'href="/staff#flag-{made["flag_open"]}"'
    assert link in visit and "去工作台记录处理情况" in visit
    assert f'id="flag-{made["flag_open"]}"' in browser.get("/staff").text, "the link lands on the flag's form"
    county = site.as_(w.reviewer).get(f"/activities/{made['flag_open']}").text
    assert "去工作台记录处理情况" not in county, "the county reads, the station handles"
    response = browser.post("/staff", {"activity_id": made["flag_open"], "risk_action": "当天联系了家长",
                                       "risk_action_on": local_today().isoformat(), "base_version": "1"})
    assert response.status_code == 303
    assert "去工作台记录处理情况" not in browser.get(f"/activities/{made['flag_open']}").text


def test_a_follow_up_due_this_week_gives_the_volunteers_number_to_call(site: Site) -> None:
    """The overdue list gave the volunteer's telephone, the list of follow-ups due this week — the
    ones a call can still keep from going overdue — only the name."""
    w = site.w
    _world(site)  # pairing 2's latest visit sets a follow-up three days from now
    site.write(lambda db: db.execute("UPDATE users SET phone = '13900002222' WHERE id = ?", [w.mentor2.user_id]))
    due = _section(site.as_(w.staff_st11).get("/staff").text, "due-h")
    assert w.pairing2 in due and '<a href="tel:13900002222">13900002222</a>' in due


def test_an_empty_handling_is_refused_in_words_and_the_flag_stays(site: Site) -> None:
    made = _world(site)
    browser = site.as_(site.w.staff_st11)
    response = browser.post("/staff", {"activity_id": made["flag_open"], "risk_action": "  ", "base_version": "1"})
    assert response.status_code == 400 and "请写下做了什么" in response.text
    assert made["flag_open"] in _expected_open_flags(site, {site.w.st11})


def test_a_handling_dated_after_today_is_refused_in_words_and_the_flag_stays(site: Site) -> None:
    """2062 typed for 2026 would file the handling of a child at risk decades ahead."""
    made = _world(site)
    browser = site.as_(site.w.staff_st11)
    later = (local_today() + datetime.timedelta(days=1)).isoformat()
    for day in (later, "2062-12-01"):
        response = browser.post("/staff", {"activity_id": made["flag_open"], "risk_action": "联系了家长",
                                           "risk_action_on": day, "base_version": "1"})
        assert response.status_code == 400 and "处理日期不能晚于今天" in response.text
        assert "联系了家长" in response.text, "what was typed is shown again"
    assert made["flag_open"] in _expected_open_flags(site, {site.w.st11})


def test_a_handling_dated_before_the_visit_that_raised_the_flag_is_refused_beside_its_date(site: Site) -> None:
    """Last year picked for this one dated what was done about a child at risk before the flag was raised."""
    made = _world(site)
    browser = site.as_(site.w.staff_st11)
    before = (local_today() - datetime.timedelta(days=3)).isoformat()  # the visit was two days ago
    response = browser.post("/staff", {"activity_id": made["flag_open"], "risk_action": "联系了家长",
                                       "risk_action_on": before, "base_version": "1"})
    assert response.status_code == 400 and "不能早于发现风险的那次帮扶活动的日期" in response.text
    assert "联系了家长" in response.text, "what was typed is shown again"
    assert made["flag_open"] in _expected_open_flags(site, {site.w.st11})


def test_another_units_flag_cannot_be_handled_from_here(site: Site) -> None:
    made = _world(site)
    response = site.as_(site.w.staff_st11).post("/staff", {"activity_id": made["flag_foreign"],
                                                           "risk_action": "我来处理", "base_version": "1"})
    # Nothing of the flag is shown; only the person's own words come back, to copy.
    assert response.status_code == 404 and "我来处理" not in response.text.split("您填写的内容（没有保存）")[0]
    assert made["flag_foreign"] in _expected_open_flags(site, {site.w.st21})


def test_home_counts_records_waiting_for_review_and_open_conflicts(site: Site) -> None:
    w = site.w
    page = site.as_(w.staff_st11).get("/staff").text
    pending = site.read(lambda db: db.execute(
        "SELECT count(*) FROM activities WHERE review_status = 'pending' AND deleted = 0 AND unit_id = ?",
        [w.st11]).fetchone()[0])
    conflicts = site.read(lambda db: db.execute(
        "SELECT count(*) FROM sync_conflicts WHERE status = 'open' AND unit_id = ?", [w.st11]).fetchone()[0])
    todo = _section(page, "todo-h")
    figures = [int(n) for n in re.findall(r'<p class="figure">(\d+)</p>', todo)]
    assert figures[:2] == [pending, conflicts]
    # One more pending record, and a conflict (the phone and the station changed the same field): both follow.
    _add(site, w.mentor1, w.pairing1, date="2026-11-25")
    site.write(lambda db: mutate(db, w.staff_st11, "mentee", {"guardian_contact": "13900000001"}, w.mentee1, 1))
    phone_edit = upsert("mentee", w.mentee1, {"guardian_contact": "13900000002"}, 1, base_version=1)
    (answer,) = site.write(lambda db: push(db, w.mentor1, phone_edit))
    assert answer["status"] == "conflict"
    page = site.as_(w.staff_st11).get("/staff").text
    figures = [int(n) for n in re.findall(r'<p class="figure">(\d+)</p>', _section(page, "todo-h"))]
    assert figures[:2] == [pending + 1, conflicts + 1]
    assert figures[:2] == [int(n) for n in re.findall(
        r'<p class="figure">(\d+)</p>', _section(site.as_(w.staff_town1).get("/staff").text, "todo-h"))][:2]


def test_every_look_at_the_open_risk_flags_which_quote_the_visits_is_in_the_access_log(site: Site) -> None:
    # Each open flag quotes its visit's 过程记录 and 事后跟踪; opening the visit's own page is logged,
    # so reading the same words on the station home is too. A home with no open flag shows none.
    w = site.w
    _world(site)
    assert site.as_(w.staff_st11).get("/staff").status_code == 200
    assert site.as_(w.staff_st22).get("/staff").status_code == 200
    rows = site.read(lambda db: list(db.query(
        "SELECT user_id, target, entities FROM access_log WHERE action = 'view_risk_flags' ORDER BY id")))
    assert [(r["user_id"], r["target"]) for r in rows] == [(w.staff_st11.user_id, w.st11)]
    # One row for the whole home, counting every visit it quoted (the open flag, which is also overdue,
    # the handled flag, the follow-up due soon) and the open referral.
    assert json.loads(rows[0]["entities"]) == {"activity": 3, "referral": 1}
    assert "查看风险提示" in site.as_(w.admin).get("/admin/access-log").text


def test_a_phones_visit_with_dates_that_cannot_be_true_is_named_in_words_on_every_page_that_shows_it(
        site: Site) -> None:
    """An older phone (the app now checks before saving) sent a visit whose 下次跟踪日期 is before the
    visit, and another dated before its pairing began. The server took both; the station must see why
    the follow-up is overdue at once, and return the visit for correction, on each page it meets them."""
    w = site.w
    today = local_today()
    ago = lambda n: (today - datetime.timedelta(days=n)).isoformat()  # noqa: E731
    early_due = _add(site, w.mentor1, w.pairing1, date=ago(3), follow_up_due=ago(5))
    before_start = _add(site, w.mentor2, w.pairing2, date="2026-08-20")  # pairing 2 began 2026-09-01
    due_words, start_words = "下次跟踪日期早于帮扶日期", "帮扶日期早于结对开始日期"
    staff, county = site.as_(w.staff_st11), site.as_(w.reviewer)
    overdue = _section(staff.get("/staff").text, "overdue-h")
    assert due_words in overdue and start_words not in overdue
    queue = staff.get("/review").text
    assert due_words in queue and start_words in queue
    assert due_words in staff.get(f"/activities/{early_due}").text
    detail = staff.get(f"/activities/{before_start}").text
    assert start_words in detail and due_words not in detail
    assert start_words in staff.get(f"/pairings/{w.pairing2}").text
    assert due_words in staff.get(f"/mentees/{w.mentee1}").text
    assert start_words in staff.get(f"/mentees/{w.mentee2}").text
    assert due_words in county.get("/dashboard").text
    # A visit whose dates are right carries no such words.
    assert due_words not in staff.get(f"/activities/{w.activity1}").text
    assert start_words not in staff.get(f"/mentees/{w.mentee1}").text


def _rectify_section(page_html: str) -> str:
    return _section(page_html, "rectify-h")


def test_station_home_lists_the_inspections_left_to_rectify_with_the_way_to_report(site: Site) -> None:
    w = site.w
    today = local_today()
    past = (today - datetime.timedelta(days=3)).isoformat()
    # inspection1 (the county's, station 1-1, 咨询室 failed) is open; one more is past its deadline,
    # one found nothing to fix.
    late = site.write(lambda db: mutate(db, w.reviewer, "inspection", {
        "unit_id": w.st11, "date": "2026-09-01", "inspectors": "县关工委", "failed": ["records"],
        "rectify": "补全台帐", "rectify_due": past}))
    site.write(lambda db: mutate(db, w.reviewer, "inspection", {
        "unit_id": w.st11, "date": "2026-09-02", "inspectors": "县关工委", "passed": ["records"]}))
    home = site.as_(w.staff_st11).get("/staff").text
    listed = _rectify_section(home)
    # The station's own: the deadline passed first, each with the way to report the rectification.
    assert re.findall(r'href="/inspections/([0-9a-f-]{36})">查看并报告整改情况', listed) == [late, w.inspection1]
    assert "已过期限" in listed and ">2</p>\n      <p>次督查待整改" in home
    # The town above sees them too, to chase them, without the promise of a form it does not get.
    town = _rectify_section(site.as_(w.staff_town1).get("/staff").text)
    assert set(re.findall(r'href="/inspections/([0-9a-f-]{36})">查看督查记录', town)) == {late, w.inspection1}
    assert "没有待整改的督查" in _rectify_section(site.as_(w.staff_st12).get("/staff").text)
    # Reported fixed, it leaves the list.
    site.write(lambda db: mutate(db, w.staff_st11, "inspection", {"fixed": ["records"], "rectify_notes": "已补全"},
                                 late, base_version=1))
    assert re.findall(r"/inspections/([0-9a-f-]{36})", _rectify_section(site.as_(w.staff_st11).get("/staff").text)) \
        == [w.inspection1]


def _tiles(html: str) -> list[tuple[int | None, str, list[str]]]:
    """Each to-do tile of the home: its figure (None for a tile that counts nothing), words and buttons."""
    tiles = []
    for tile in _section(html, "todo-h").split('<div class="card tile">')[1:]:
        figure = re.search(r'<p class="figure">(\d+)</p>', tile)
        words = re.sub(r"<[^>]+>|\s+", "", tile.split('<a class="button"')[0])
        tiles.append((int(figure.group(1)) if figure else None, words, re.findall(r'<a class="button"[^>]*>', tile)))
    return tiles


def test_a_to_do_tile_at_0_says_so_calmly_with_no_button_to_an_empty_list(site: Site) -> None:
    w = site.w
    _add(site, w.mentor1, w.pairing1, date="2026-11-25")  # one record waiting for review
    tiles = _tiles(site.as_(w.staff_st11).get("/staff").text)
    counts = [t for t in tiles if t[0] is not None]
    assert len(counts) == 10 and any(t[0] for t in counts) and any(t[0] == 0 for t in counts), tiles
    for figure, words, buttons in counts:
        if figure:
            assert len(buttons) == 1 and "没有要处理的" not in words, (figure, words)
        else:
            assert buttons == [] and words.endswith("✔没有要处理的"), (figure, words)
    # The ways to add things stay, whatever the counts: 代录一次帮扶 (and 录入导出的文件 where it is offered).
    adds = [buttons for figure, _, buttons in tiles if figure is None]
    assert adds and all(len(b) == 1 for b in adds)
