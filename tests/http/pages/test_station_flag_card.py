"""The station home's risk flags, as the staff who act on them read them: a flag's card says when its child
is already referred (转介), and a handled flag the volunteer unticked afterwards stays among 最近已处理, saying
so (both found on a walk of the self-harm flag path: staff referred a referred child twice, and an untick
after the handling made the flag vanish from the station with no word)."""
from __future__ import annotations

import datetime
import re

from sync.timeutil import local_today

from ...factories import make_activity, mutate
from .conftest import Site


def _card(home: str, activity_id: str) -> str:
    card = home[home.index(f'id="flag-{activity_id}"'):]
    return re.sub(r"<[^>]+>", "", card[:card.index("</article>")])


def test_an_open_flag_card_says_the_child_is_already_referred_with_target_date_and_status(site: Site) -> None:
    w = site.w
    today = local_today()
    flag_day = (today - datetime.timedelta(days=3)).isoformat()
    # mentee 1 has an open referral (the world's referral1, to the county hospital, 2026-11-02).
    open_child = site.write(lambda db: make_activity(db, w.mentor1, w.pairing1, date=flag_day, risk_flag=True,
                                                     record="孩子说不想活了"))
    # mentee 2: a referral concluded before the visit is history; one concluded since the flag is news.
    site.write(lambda db: mutate(db, w.staff_st11, "referral", {
        "mentee_id": w.mentee2, "target": "other", "institution": "旧的机构", "referred_on": "2025-03-01",
        "status": "concluded", "received_on": "2025-03-02", "concluded_on": "2025-05-01"}))
    quiet_child = site.write(lambda db: make_activity(db, w.mentor2, w.pairing2, date=flag_day, risk_flag=True,
                                                      record="手腕有划痕"))
    home = site.as_(w.staff_st11).get("/staff").text
    card = _card(home, open_child)
    assert "这个孩子已转介" in card and "2026年11月2日转介到医疗机构（县人民医院心理门诊）" in card
    assert "已转介" in card[card.index("县人民医院"):]  # its status, 已转介 (not yet received)
    assert f'href="/referrals/{w.referral1}"' in home
    assert "这个孩子已转介" not in _card(home, quiet_child) and "旧的机构" not in home

    site.write(lambda db: mutate(db, w.staff_st11, "referral", {
        "mentee_id": w.mentee2, "target": "counselling_room", "institution": "掘港小学心理辅导室",
        "referred_on": flag_day, "status": "concluded", "received_on": flag_day, "concluded_on": today.isoformat()}))
    card = _card(site.as_(w.staff_st11).get("/staff").text, quiet_child)
    assert f"{today.year}年" in card and "转介到学校心理辅导室（掘港小学心理辅导室）" in card
    assert "已结束" in card and "接收" in card
    assert "旧的机构" not in card


def test_a_handled_flag_the_volunteer_withdrew_stays_in_recently_handled_saying_so_and_when(site: Site) -> None:
    w = site.w
    today = local_today()
    day = (today - datetime.timedelta(days=3)).isoformat()
    flag = site.write(lambda db: make_activity(db, w.mentor1, w.pairing1, date=day, risk_flag=True,
                                               record="手腕有划痕"))
    site.write(lambda db: mutate(db, w.staff_st11, "activity", {"risk_action": "当天联系了家长，是误标",
                                                                "risk_action_on": today.isoformat()}, flag, 1))
    home = site.as_(w.staff_st11).get("/staff").text
    assert "当天联系了家长，是误标" in home and "已取消风险提示" not in home
    site.write(lambda db: mutate(db, w.mentor1, "activity", {"risk_flag": False}, flag, 2))
    home = site.as_(w.staff_st11).get("/staff").text
    handled = re.sub(r"<[^>]+>", "", home[home.index("最近已处理的风险提示"):home.index('id="todo-h"')])
    assert "当天联系了家长，是误标" in handled
    assert re.search(r"志愿者已取消风险提示\s*\d{4}年\d{1,2}月\d{1,2}日\s*\d{1,2}:\d{2}", handled), handled
    # still the most recent handled flag among the others, as long as handled flags are listed
    assert "（1 条）" in handled
