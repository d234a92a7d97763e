"""报送截止日期: the county sets, for a period, the day the stations and schools must have filed to their
town and the day the towns must have filed to the county; /returns lists who owes a return and how
late; bad days are refused beside the field."""
from __future__ import annotations

import datetime
import json
import re
from typing import Any

import pytest

from sync.timeutil import local_today

from ...factories import mutate
from .conftest import Site, sentence
from .station import back_after_sign_in

PERIOD = {"from": "2026-09-01", "to": "2026-12-31"}  # the period of the county's submitted return (st11)


def _days(units_ago: int, towns_ago: int) -> dict[str, str]:
    today = local_today()
    return {**PERIOD, "units_due": (today - datetime.timedelta(days=units_ago)).isoformat(),
            "towns_due": (today - datetime.timedelta(days=towns_ago)).isoformat()}


def _rows(page: str) -> dict[str, str]:
    """The due table's rows: unit name -> its status cell's words."""
    section = page.split('id="due"', 1)[1].split("</section>", 1)[0]
    out = {}
    for cells in re.findall(r"<tr>(.*?)</tr>", section, re.S):
        name = re.search(r'data-label="单位">([^<]*)<', cells)
        state = re.search(r'data-label="状态">(.*?)</td>', cells, re.S)
        if name and state:
            out[name.group(1)] = " ".join(re.sub(r"<[^>]+>", " ", state.group(1)).split())
    return out


def _stored(site: Site) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return site.read(lambda db: (list(db.query("SELECT * FROM return_deadlines")), list(db.query(
        "SELECT op, changes FROM sync_audit WHERE entity = 'return_deadline' ORDER BY id"))))


def test_the_county_sets_a_periods_days_and_the_returns_list_says_who_is_late_by_how_many_days(site: Site) -> None:
    w = site.w
    # 掘港中学 started a draft and 栟茶中学's return was sent back: neither has filed; st11 submitted.
    site.write(lambda db: mutate(db, w.staff_st12, "stats_return", {"unit_id": w.st12, "period_from": "2026-09-01",
                                                                    "period_to": "2026-12-31"}))
    rid = site.write(lambda db: mutate(db, w.staff_st22, "stats_return", {
        "unit_id": w.st22, "period_from": "2026-09-01", "period_to": "2026-12-31", "status": "submitted"}))
    site.write(lambda db: mutate(db, w.reviewer, "review", {"target_entity": "stats_return", "target_id": rid,
                                                            "decision": "return", "comment": "人次不对"}))
    _submitted_days_ago(site, w.stats_return1, 0)  # today, whenever the world was made (a run across midnight)
    reviewer = site.as_(w.reviewer)
    assert "县里还没有设定" in reviewer.get("/returns").text

    saved = reviewer.post("/returns/deadlines", _days(3, 1))
    assert saved.status_code == 303
    rows = _rows(reviewer.get("/returns").text)
    assert rows == {
        "掘港中学": "草稿 逾期 3 天", "栟茶中学": "已退回 逾期 3 天", "栟茶小学辅导站": "未报送 逾期 3 天",
        "掘港街道": "未报送 逾期 1 天", "栟茶镇": "未报送 逾期 1 天",
        "掘港小学辅导站": "已上报 逾期 3 天报送"}  # the world's return, submitted today
    page = reviewer.get("/returns").text
    assert "逾期未报的统计表共 <strong>5</strong> 份" in page
    # Its day not past yet (today is the towns' last day): owed, not late.
    assert reviewer.post("/returns/deadlines", _days(3, 0)).status_code == 303
    assert _rows(reviewer.get("/returns").text)["掘港街道"] == "未报送"


def test_a_town_sees_its_own_units_lateness_and_a_station_only_its_own(site: Site) -> None:
    w = site.w
    _submitted_days_ago(site, w.stats_return1, 0)  # today, whenever the world was made (a run across midnight)
    assert site.as_(w.reviewer).post("/returns/deadlines", _days(4, 2)).status_code == 303
    town = site.as_(w.staff_town1)
    assert _rows(town.get("/returns").text) == {"掘港中学": "未报送 逾期 4 天", "掘港街道": "未报送 逾期 2 天",
                                                "掘港小学辅导站": "已上报 逾期 4 天报送"}
    station = site.as_(w.staff_st12)
    assert _rows(station.get("/returns").text) == {"掘港中学": "未报送 逾期 4 天"}
    # Filed now: owed no more, filed late.
    site.write(lambda db: mutate(db, w.staff_st12, "stats_return", {
        "unit_id": w.st12, "period_from": "2026-09-01", "period_to": "2026-12-31", "status": "submitted"}))
    assert _rows(town.get("/returns").text)["掘港中学"] == "已上报 逾期 4 天报送"
    assert "逾期未报的统计表共 <strong>1</strong> 份" in town.get("/returns").text  # 掘港街道 alone


def _submitted_days_ago(site: Site, return_id: str, days: int) -> None:
    """Date every audit row of the return so far ``days`` ago (noon, Beijing time): filed then."""
    day = local_today() - datetime.timedelta(days=days)
    site.write(lambda db: db.execute("UPDATE sync_audit SET at = ? WHERE record_id = ?",
                                     [f"{day.isoformat()}T04:00:00.000Z", return_id]))


def test_a_return_filed_after_its_day_says_how_many_days_late_it_was_filed(site: Site) -> None:
    w = site.w
    period = {"period_from": "2026-09-01", "period_to": "2026-12-31"}
    _submitted_days_ago(site, w.stats_return1, 5)  # 掘港小学辅导站: two days before its day
    late = site.write(lambda db: mutate(db, w.staff_st12, "stats_return", {
        "unit_id": w.st12, **period, "status": "submitted"}))
    _submitted_days_ago(site, late, 1)  # 掘港中学: two days after
    # 栟茶中学 submitted on time, withdrew it and submitted again today: filed today.
    again = site.write(lambda db: mutate(db, w.staff_st22, "stats_return", {
        "unit_id": w.st22, **period, "status": "submitted"}))
    _submitted_days_ago(site, again, 4)
    site.write(lambda db: mutate(db, w.staff_st22, "stats_return", {"status": "draft"}, again))
    site.write(lambda db: mutate(db, w.staff_st22, "stats_return", {"status": "submitted"}, again))
    # Approved since: the county still sees it came late.
    site.write(lambda db: mutate(db, w.reviewer, "review", {"target_entity": "stats_return", "target_id": late,
                                                            "decision": "approve"}))
    county = site.as_(w.reviewer)
    assert county.post("/returns/deadlines", _days(3, 1)).status_code == 303
    rows = _rows(county.get("/returns").text)
    assert rows["掘港小学辅导站"] == "已上报"
    assert rows["掘港中学"] == "已通过 逾期 2 天报送"
    assert rows["栟茶中学"] == "已上报 逾期 3 天报送"
    # The days moved later: none of them was late.
    assert county.post("/returns/deadlines", _days(0, 0)).status_code == 303
    rows = _rows(county.get("/returns").text)
    assert (rows["掘港小学辅导站"], rows["掘港中学"], rows["栟茶中学"]) == ("已上报", "已通过", "已上报")


def test_a_station_or_a_town_may_not_set_the_days(site: Site) -> None:
    w = site.w
    for actor in (w.staff_st11, w.staff_town1):
        browser = site.as_(actor)
        assert browser.get("/returns/deadlines").status_code == 403
        assert browser.post("/returns/deadlines", _days(3, 1), form_page="/returns").status_code == 403
        assert "设定报送截止日期" not in browser.get("/returns").text
    assert _stored(site) == ([], [])
    assert "设定报送截止日期" in site.as_(w.admin).get("/returns").text


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"units_due": "10月19日"}, "units_due", "应为 YYYY-MM-DD 格式的日期"),
    ({"units_due": "2026-02-30"}, "units_due", "是不存在的日期"),
    ({"units_due": "2027-10-24", "towns_due": "2027-10-19"}, "towns_due",
     "（2027年10月19日）早于学校、辅导站报送镇/街道的截止日期（2027年10月24日）"),
    ({"from": "2026-12-31", "to": "2026-09-01"}, "to",
     "这个统计时段不存在：止于2026年9月1日，早于起始的2026年12月31日"),
    ({"to": ""}, "to", "请填写“统计时段止”的日期"),
    ({"units_due": "2026-01-10", "towns_due": "2026-01-15"}, "units_due",
     "（2026年1月10日）早于统计时段的开始（2026年9月1日）：还没开始的时段报送不了，请检查年份"),
], ids=["not-a-date", "no-such-day", "towns-before-units", "period-backwards", "missing", "due-before-the-period"])
def test_bad_days_are_refused_beside_the_field_with_a_400_and_nothing_written(
        site: Site, change: dict[str, str], field: str, words: str) -> None:
    reviewer = site.as_(site.w.reviewer)
    sent = {**_days(3, 1), **change}
    refused = reviewer.post("/returns/deadlines", sent)
    assert refused.status_code == 400
    beside = re.search(rf'id="e-{field}">(.*?)</p>', refused.text, re.S)
    assert beside and words in sentence(beside.group(1)), refused.text
    assert f'value="{sent["units_due"]}"' in refused.text  # what was typed stays in the form
    assert _stored(site) == ([], [])


def test_changing_a_periods_days_is_audited_and_removing_them_ends_the_lateness(site: Site) -> None:
    reviewer = site.as_(site.w.reviewer)
    first, second = _days(3, 1), _days(5, 2)
    assert reviewer.post("/returns/deadlines", first).status_code == 303
    assert reviewer.post("/returns/deadlines", second).status_code == 303  # the same period: its days change
    assert "没有改动" in reviewer.get(reviewer.post("/returns/deadlines", second).headers["location"]).text
    rows, audit = _stored(site)
    assert [(r["units_due"], r["towns_due"]) for r in rows] == [(second["units_due"], second["towns_due"])]
    assert [a["op"] for a in audit] == ["create", "update"]
    assert json.loads(audit[1]["changes"]) == {"units_due": [first["units_due"], second["units_due"]],
                                               "towns_due": [first["towns_due"], second["towns_due"]]}
    # A town's staff cannot remove them; a deadline that does not exist is a 400 in words.
    town = site.as_(site.w.staff_town1)
    assert town.post("/returns/deadlines", {"action": "delete", "deadline": rows[0]["id"]},
                     form_page="/returns").status_code == 403
    missing = reviewer.post("/returns/deadlines", {"action": "delete", "deadline": "999"})
    assert missing.status_code == 400 and "截止日期不存在" in missing.text
    assert reviewer.post("/returns/deadlines", {"action": "delete", "deadline": rows[0]["id"]}).status_code == 303
    rows, audit = _stored(site)
    assert rows == [] and [a["op"] for a in audit] == ["create", "update", "delete"]


def _late_on_dashboard(page: str) -> int:
    match = re.search(r"统计表逾期未报</p><p class=\"figure\">(\d+) 份", page)
    assert match, "no late-returns card"
    return int(match.group(1))


def _late_on_list(page: str) -> int:
    match = re.search(r"逾期未报的统计表共 <strong>(\d+)</strong> 份", page)
    return int(match.group(1)) if match else 0


def test_the_dashboard_counts_as_many_late_returns_as_the_list_and_links_to_it(site: Site) -> None:
    w = site.w
    reviewer, town = site.as_(w.reviewer), site.as_(w.staff_town1)
    assert _late_on_dashboard(reviewer.get("/dashboard").text) == 0
    assert reviewer.post("/returns/deadlines", _days(3, 1)).status_code == 303
    # A second period of this autumn: every unit owes it, none filed.
    assert reviewer.post("/returns/deadlines", {"from": "2026-09-01", "to": "2026-10-31",
                                                **{k: v for k, v in _days(2, 2).items() if k.endswith("due")}}
                         ).status_code == 303
    for browser, late in ((reviewer, 5 + 6), (town, 2 + 3)):
        dashboard = browser.get("/dashboard").text
        assert _late_on_dashboard(dashboard) == _late_on_list(browser.get("/returns").text) == late
        assert 'href="/returns#due"><p class="figure-label">统计表逾期未报' in dashboard
    site.write(lambda db: mutate(db, w.staff_st12, "stats_return", {
        "unit_id": w.st12, "period_from": "2026-09-01", "period_to": "2026-10-31", "status": "submitted"}))
    assert _late_on_dashboard(town.get("/dashboard").text) == _late_on_list(town.get("/returns").text) == 4


def test_days_typed_after_the_sign_in_ran_out_come_back_in_the_form_unsaved(site: Site) -> None:
    reviewer = site.as_(site.w.reviewer)
    typed = _days(3, 1)
    page = back_after_sign_in(site, reviewer, site.w.reviewer, "/returns/deadlines", typed)
    assert f'value="{typed["units_due"]}"' in page and f'value="{typed["towns_due"]}"' in page
    assert _stored(site) == ([], [])


def test_the_deadlines_form_gives_its_example_without_another_countys_notice(site: Site) -> None:
    """学校、辅导站报送镇/街道截止's hint quoted “开州的通知” and its 片区, a district of Chongqing that the
    demo's 如东县 and any county using Banxing never received: the example now stands alone."""
    page = re.sub(r"<[^>]+>", "", site.as_(site.w.reviewer).get("/returns/deadlines").text)
    assert "例如 10月19日前。" in page and "开州" not in page and "片区" not in page


def _owed_tile(page: str) -> str:
    """The station home's 统计表 to-do tile, as words."""
    tile = next(t for t in re.findall(r'<div class="card tile">(.*?)</div>', page, re.S) if "统计表" in t)
    return " ".join(re.sub(r"<[^>]+>", " ", tile).split())


def test_the_station_home_says_its_return_is_owed_by_which_day_and_when_it_is_late(site: Site) -> None:
    # Kaizhou 六: 10月19日前报送片区. A school lands on its 工作台, so the day must be said there.
    w = site.w
    station = site.as_(w.staff_st12)
    assert "0 份统计表待报送" in _owed_tile(station.get("/staff").text)  # no day set yet
    today = local_today()
    later = {**PERIOD, "units_due": (today + datetime.timedelta(days=2)).isoformat(),
             "towns_due": (today + datetime.timedelta(days=5)).isoformat()}
    assert site.as_(w.reviewer).post("/returns/deadlines", later).status_code == 303
    tile = _owed_tile(station.get("/staff").text)
    due = today + datetime.timedelta(days=2)
    assert tile.startswith("1 份统计表待报送（最早") and f"{due.month}月{due.day}日" in tile and "逾期" not in tile
    assert 'href="/returns#due"' in station.get("/staff").text
    assert site.as_(w.reviewer).post("/returns/deadlines", _days(3, 1)).status_code == 303
    assert "已逾期 1 份" in _owed_tile(station.get("/staff").text)
    # Filed: owed no more.
    site.write(lambda db: mutate(db, w.staff_st12, "stats_return", {
        "unit_id": w.st12, "period_from": PERIOD["from"], "period_to": PERIOD["to"], "status": "submitted"}))
    assert "0 份统计表待报送" in _owed_tile(station.get("/staff").text)


def test_a_unit_added_today_owes_no_return_for_a_period_that_ended_before_unless_it_wrote_one(
        site: Site) -> None:
    # The mirror of a closed unit's (test_unit_closing.py): a school the admin adds today could not have
    # filed October's return through the system, so it is not 逾期 for it, here or on the dashboard.
    w = site.w
    reviewer = site.as_(w.reviewer)
    today = local_today()
    late = (today - datetime.timedelta(days=2)).isoformat()
    # A period running since a few days ago (its units' day, two days ago, not before its first day, on the
    # 1st of a month too), and the month that ended before it.
    start = today - datetime.timedelta(days=3)
    ended_on = start.replace(day=1) - datetime.timedelta(days=1)
    ended = {"from": ended_on.replace(day=1).isoformat(), "to": ended_on.isoformat()}
    running = {"from": start.isoformat(), "to": (start + datetime.timedelta(days=27)).isoformat()}
    for period in (ended, running):
        saved = reviewer.post("/returns/deadlines", {**period, "units_due": late, "towns_due": late})
        assert saved.status_code == 303
    before = _late_on_list(reviewer.get("/returns").text)
    assert site.as_(w.admin).post("/admin/units", {"name": "掘港第二小学", "kind": "school",
                                                   "parent_id": w.town1}).status_code == 303
    page = reviewer.get("/returns").text
    assert page.count('data-label="单位">掘港第二小学<') == 1  # the period running since it was added only
    assert _late_on_dashboard(reviewer.get("/dashboard").text) == _late_on_list(page) == before + 1
    # A return it wrote for the earlier period all the same is owed until filed, as any other.
    unit_id = site.read(lambda db: db.execute("SELECT id FROM units WHERE name = '掘港第二小学'").fetchone()[0])
    site.write(lambda db: mutate(db, w.staff_town1, "stats_return", {
        "unit_id": unit_id, "period_from": ended["from"], "period_to": ended["to"]}))
    page = reviewer.get("/returns").text
    assert page.count('data-label="单位">掘港第二小学<') == 2
    assert _late_on_dashboard(reviewer.get("/dashboard").text) == _late_on_list(page) == before + 2
