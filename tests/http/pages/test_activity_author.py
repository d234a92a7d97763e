"""代录 of a child who had another volunteer before: the form asks 做这次帮扶的老师, the one now
picked and each former one with the days she had the child; a day outside hers is refused beside
the date with everything typed kept; an edit never changes whose visit it is."""
from __future__ import annotations

import datetime
import html
import re
from typing import Any

from sync import Actor
from sync.timeutil import SHANGHAI, format_utc
from sync.users import create_user

from ...factories import db_snapshot, mutate, row
from .conftest import Site, sentence
from .test_phone_import import quiet

TEXT = "王老师电话口述：九月那次家访，孩子说想念在外打工的妈妈。"
VISIT = {"kind": "home_visit", "date": "2026-09-20", "place": "孩子家中", "record": TEXT}


def words(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def hand_over_on(site: Site, to: Actor, day: str) -> None:
    """The station gives pairing 1 to ``to``, its audit dated ``day`` (noon in Shanghai) as if done then."""
    w = site.w

    def change(db: Any) -> None:
        mutate(db, w.staff_st11, "pairing", {"mentor_id": to.user_id}, w.pairing1,
               base_version=(row(db, "pairing", w.pairing1) or {})["version"])
        noon = datetime.datetime.fromisoformat(f"{day}T12:00:00").replace(tzinfo=SHANGHAI)
        db.execute("UPDATE sync_audit SET at = ? WHERE id = (SELECT max(id) FROM sync_audit WHERE record_id = ?)",
                   [format_utc(noon), w.pairing1])
    site.write(change)


def checked(page: str, value: str) -> bool:
    return re.search(rf'name="author_id" value="{value}"\s*checked', page) is not None


def activities(site: Site) -> list[Any]:
    return site.read(lambda db: db.execute("SELECT author_id, date, record FROM activities WHERE pairing_id = ?"
                                           " ORDER BY created_at", [site.w.pairing1]).fetchall())


def test_a_pairing_never_handed_on_asks_no_teacher(site: Site) -> None:
    page = site.as_(site.w.staff_st11).get(f"/activities/new?pairing_id={site.w.pairing1}").text
    assert "做这次帮扶的老师" not in page and 'name="author_for"' not in page


def test_the_station_enters_a_visit_of_the_volunteer_who_had_the_child_before_by_picking_her(site: Site) -> None:
    w = site.w
    hand_over_on(site, w.mentor2, "2026-09-30")  # 王 (since 9月1日) → 李
    staff = site.as_(w.staff_st11)
    form = staff.get(f"/activities/new?pairing_id={w.pairing1}").text
    said = words(form)
    assert "做这次帮扶的老师" in said and "李老师（现在结对）" in said and "王老师（2026年9月1日—9月30日结对）" in said
    assert checked(form, w.mentor2.user_id) and not checked(form, w.mentor1.user_id)
    picked = {"pairing_id": w.pairing1, "author_for": w.pairing1, **VISIT}
    saved = staff.post("/activities/new", {**picked, "author_id": w.mentor1.user_id})
    assert saved.status_code == 303, words(saved.text)[-600:]
    stored = site.read(lambda db: row(db, "activity", saved.headers["location"].removeprefix("/activities/")))
    assert stored is not None and (stored["author_id"], stored["entered_by"], stored["record"]) == (
        w.mentor1.user_id, w.staff_st11.user_id, TEXT)
    assert "这次帮扶是王老师做的（当时由王老师结对）" in words(staff.get(saved.headers["location"]).text)
    # Left as shown, it is the volunteer's now.
    now = staff.post("/activities/new", {**picked, "date": "2026-11-26", "author_id": w.mentor2.user_id})
    assert now.status_code == 303
    assert activities(site)[-1][:2] == (w.mentor2.user_id, "2026-11-26")


def test_a_day_outside_the_former_volunteers_days_is_refused_beside_the_date_with_everything_kept(
        site: Site) -> None:
    w = site.w
    hand_over_on(site, w.mentor2, "2026-09-30")
    staff = site.as_(w.staff_st11)
    before = quiet(site.read(db_snapshot))
    refused = staff.post("/activities/new", {"pairing_id": w.pairing1, "author_for": w.pairing1, **VISIT,
                                             "date": "2026-10-20", "author_id": w.mentor1.user_id})
    assert refused.status_code == 400
    beside_date = re.search(r'id="e-date">(.*?)</p>', refused.text, re.S)
    refusal = "王老师于2026年9月30日把孩子交给了别的志愿者，只能记王老师结对期间（2026年9月1日至9月30日）做的帮扶"
    assert beside_date and refusal in sentence(beside_date.group(1))
    assert TEXT in refused.text and 'value="2026-10-20"' in refused.text and "孩子家中" in refused.text
    assert checked(refused.text, w.mentor1.user_id), "the teacher picked stays picked"
    assert quiet(site.read(db_snapshot)) == before


def test_a_pairing_picked_on_the_form_asks_whose_visit_it_was_when_the_day_was_another_volunteers(
        site: Site) -> None:
    w = site.w
    hand_over_on(site, w.mentor2, "2026-09-30")
    staff = site.as_(w.staff_st11)
    before = quiet(site.read(db_snapshot))
    # The form opened with no pairing (so without the question), or with another pairing's answer.
    for posted in ({}, {"author_for": w.pairing2, "author_id": w.mentor1.user_id}):
        asked = staff.post("/activities/new", {"pairing_id": w.pairing1, **VISIT, **posted})
        assert asked.status_code == 400
        beside = re.search(r'id="e-author_id">(.*?)</p>', asked.text, re.S)
        question = "这个孩子在这次帮扶的那天由王老师结对，现在由李老师结对：请选择是哪位老师做的这次帮扶"
        assert beside and question in words(beside.group(1))
        assert TEXT in asked.text and checked(asked.text, w.mentor2.user_id)
        assert f'name="author_for" value="{w.pairing1}"' in asked.text
    assert quiet(site.read(db_snapshot)) == before
    # A day only the volunteer now can have had the child is hers without a question.
    later = staff.post("/activities/new", {"pairing_id": w.pairing1, **VISIT, "date": "2026-11-26",
                                           "author_for": w.pairing2, "author_id": w.mentor1.user_id})
    assert later.status_code == 303
    assert activities(site)[-1][:2] == (w.mentor2.user_id, "2026-11-26")


def test_a_child_handed_on_three_times_offers_each_former_teacher_with_all_her_days(site: Site) -> None:
    w = site.w
    zhao_id = site.write(lambda db: create_user(db, login="zhao", name="赵老师", role="mentor", unit_id=w.st11,
                                                password_hash=None, must_change_password=False))
    zhao = Actor(zhao_id, "mentor", w.st11, None, "赵老师")
    hand_over_on(site, w.mentor2, "2026-09-30")
    hand_over_on(site, w.mentor1, "2026-10-15")
    hand_over_on(site, zhao, "2026-11-10")  # 王 → 李 → 王 → 赵
    staff = site.as_(w.staff_st11)
    said = words(staff.get(f"/activities/new?pairing_id={w.pairing1}").text)
    assert "赵老师（现在结对）" in said and "李老师（2026年9月30日—10月15日结对）" in said
    assert "王老师（2026年9月1日—9月30日、2026年10月15日—11月10日结对）" in said
    picked = {"pairing_id": w.pairing1, "author_for": w.pairing1, **VISIT, "author_id": w.mentor1.user_id}
    between = staff.post("/activities/new", {**picked, "date": "2026-10-05"})  # 李's weeks
    assert between.status_code == 400 and "（2026年10月5日）不在其中" in sentence(between.text)
    assert staff.post("/activities/new", {**picked, "date": "2026-10-20"}).status_code == 303
    assert activities(site)[-1][:2] == (w.mentor1.user_id, "2026-10-20")


def test_editing_a_former_volunteers_visit_never_changes_whose_it_is(site: Site) -> None:
    w = site.w
    hand_over_on(site, w.mentor2, "2026-09-30")
    staff = site.as_(w.staff_st11)
    saved = staff.post("/activities/new", {"pairing_id": w.pairing1, "author_for": w.pairing1, **VISIT,
                                           "author_id": w.mentor1.user_id})
    activity_id = saved.headers["location"].removeprefix("/activities/")
    form = staff.get(f"/activities/{activity_id}/edit").text
    assert "← 王老师" in words(form) and "做这次帮扶的老师" not in form
    edited = staff.post(f"/activities/{activity_id}/edit", {**VISIT, "record": TEXT + "补充。", "base_version": "1",
                                                            "author_id": w.mentor2.user_id},
                        form_page=f"/activities/{activity_id}/edit")
    assert edited.status_code == 303, words(edited.text)[-600:]
    stored = site.read(lambda db: row(db, "activity", activity_id))
    assert stored is not None and (stored["author_id"], stored["record"]) == (w.mentor1.user_id, TEXT + "补充。")
    moved = staff.post(f"/activities/{activity_id}/edit", {**VISIT, "date": "2026-10-20", "base_version": "2"},
                       form_page=f"/activities/{activity_id}/edit")
    assert moved.status_code == 400 and "不在其中" in words(moved.text)


def test_a_teacher_who_never_had_the_child_is_refused_in_words(site: Site) -> None:
    w = site.w
    hand_over_on(site, w.mentor2, "2026-09-30")
    staff = site.as_(w.staff_st11)
    for stranger in (w.mentor3.user_id, w.staff_st11.user_id, "不是一个人", [w.mentor1.user_id, "x"]):
        refused = staff.post("/activities/new", {"pairing_id": w.pairing1, "author_for": w.pairing1, **VISIT,
                                                 "author_id": stranger})
        assert refused.status_code == 400, stranger
        assert TEXT in refused.text and "做这次帮扶的老师" in refused.text
        beside = re.search(r'id="e-author_id">(.*?)</p>', refused.text, re.S)
        assert beside is not None, "said beside the teacher picked"
        if stranger in (w.mentor3.user_id, w.staff_st11.user_id):
            assert "记录人只能是这个结对现在的志愿者，或此前在这个结对里、后来把孩子交给别人的志愿者" in beside.group(1)
    assert activities(site) == [(w.mentor1.user_id, "2026-11-20", "家访记录")]
