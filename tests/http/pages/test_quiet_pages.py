"""久未帮扶 on the web: the dashboard's card, ``/quiet`` and the station home agree for every scope;
the county reads codes, a station names; the county (and only the county) sets the interval."""
from __future__ import annotations

import datetime
import json
import re
from typing import Any

import pytest

from server.templating import chinese_date
from sync.timeutil import local_today

from ...factories import make_activity, make_mentee, make_pairing, remove, row
from .conftest import Site

# The card: 久未帮扶, how many, and the county's interval under them (its own line: a long label
# wrapped at large text leaves one character alone).
CARD = re.compile(r"久未帮扶</p><p class=\"figure\">(\d+) 个结对</p><p class=\"figure-note\">超过 (\d+) 天")
HEADING = re.compile(r"<h1>久未帮扶（(\d+) 个结对）</h1>")
TILE = re.compile(r"<p class=\"figure\">(\d+)</p>\s*<p>个结对超过 (\d+) 天没有帮扶")
ROW = re.compile(r'<td data-label="距今天数" class="num">(\d+) 天</td>')


def ago(days: int) -> str:
    return (local_today() - datetime.timedelta(days=days)).isoformat()


def quiet_world(site: Site) -> dict[str, Any]:
    """make_county's three pairings visited today (never quiet), and beside them: in station 1-1 a
    pairing of 小刚 never visited since its start a year ago (quiet) and one deleted (never counts);
    in station 2-1 a visit 40 days ago (quiet at 30, not at 45) and one 50 days ago followed by a
    group activity yesterday (quiet: a 集体活动 is not a visit to the child)."""
    w = site.w

    def setup(db: Any) -> dict[str, Any]:
        for actor, pairing in ((w.mentor1, w.pairing1), (w.mentor2, w.pairing2), (w.mentor3, w.pairing3)):
            make_activity(db, actor, pairing, date=ago(0), follow_up_due=None)
        never = make_pairing(db, w.staff_st11, w.mentor2, w.mentee_unpaired, start_date=ago(365))
        gone = make_pairing(db, w.staff_st11, w.mentor1, make_mentee(db, w.staff_st11, w.st11, name="小丽"),
                            start_date=ago(365))
        remove(db, w.staff_st11, "pairing", gone)
        forty = make_pairing(db, w.staff_st21, w.mentor3, make_mentee(db, w.staff_st21, w.st21, name="小军"),
                             start_date=ago(100))
        make_activity(db, w.mentor3, forty, date=ago(40))
        grouped = make_pairing(db, w.staff_st21, w.mentor3, make_mentee(db, w.staff_st21, w.st21, name="小兰"),
                               start_date=ago(100))
        make_activity(db, w.mentor3, grouped, date=ago(50), kind="talk")
        make_activity(db, w.mentor3, grouped, date=ago(1), kind="group")
        return {"never": never, "forty": forty, "grouped": grouped,
                "code": row(db, "mentee", w.mentee_unpaired)["code"]}

    return dict(site.write(setup))


@pytest.mark.parametrize(("who", "count"), [("reviewer", 3), ("admin", 3), ("staff_town1", 1), ("staff_st11", 1),
                                            ("staff_town2", 2), ("staff_st21", 2), ("staff_st12", 0)])
def test_the_dashboard_card_and_the_quiet_list_count_the_same_pairings(site: Site, who: str, count: int) -> None:
    quiet_world(site)
    browser = site.as_(getattr(site.w, who))
    dashboard = browser.get("/dashboard")
    assert dashboard.status_code == 200
    card = CARD.search(dashboard.text)
    assert card and card.groups() == (str(count), "30")
    # The card opens the list, but at 0, when the list would be empty (the list still answers).
    assert ('<a href="/quiet"><p class="figure-label">久未帮扶' in dashboard.text) == (count > 0)
    page = browser.get("/quiet")
    assert page.status_code == 200
    heading = HEADING.search(page.text)
    assert heading and heading.group(1) == str(count)
    assert len(ROW.findall(page.text)) == count


@pytest.mark.parametrize(("who", "count"), [("staff_st11", 1), ("staff_st21", 2), ("staff_town2", 2)])
def test_the_station_home_shows_its_own_quiet_pairings(site: Site, who: str, count: int) -> None:
    quiet_world(site)
    home = site.as_(getattr(site.w, who)).get("/staff")
    tile = TILE.search(home.text)
    assert tile and tile.groups() == (str(count), "30")
    assert 'href="/quiet">查看</a>' in home.text


def test_the_county_sees_the_quiet_list_by_code_and_a_station_with_names(site: Site) -> None:
    made = quiet_world(site)
    county = site.as_(site.w.reviewer).get("/quiet").text
    station = site.as_(site.w.staff_st11).get("/quiet").text
    for text in (county, station):
        assert made["code"] in text and "李老师" in text and "掘港小学辅导站" in text
        assert f'还没有帮扶记录（<span class="nowrap">{chinese_date(ago(365))}</span> 开始结对）' in text
        assert ">365 天</td>" in text
        assert "小丽" not in text  # a deleted pairing is never listed
    assert "小刚" in station
    assert "小刚" not in county and "小军" not in county and "小兰" not in county
    # the group activity since is no visit
    assert f"{chinese_date(ago(50))}</span></td>" in county and ">50 天</td>" in county
    assert f"{chinese_date(ago(40))}</span></td>" in county and ">40 天</td>" in county


def test_the_county_changes_the_interval_and_the_card_and_list_follow(site: Site) -> None:
    quiet_world(site)
    county = site.as_(site.w.reviewer)
    assert "（默认，约一个月）" in county.get("/quiet").text
    saved = county.post("/quiet", {"days": "45"})
    assert saved.status_code == 303 and saved.headers["location"] == "/quiet"
    page = county.get("/quiet").text
    assert "超过 45 天没有帮扶记录的结对算作久未帮扶" in page  # the one-time message
    assert HEADING.search(page).group(1) == "2" and ">40 天</td>" not in page
    assert "县关工委 于" in page
    card = CARD.search(county.get("/dashboard").text)
    assert card and card.groups() == ("2", "45")
    tile = TILE.search(site.as_(site.w.staff_st21).get("/staff").text)  # the station counts by it too
    assert tile and tile.groups() == ("1", "45")


@pytest.mark.parametrize("typed", ["abc", "", "0", "6", "366", "30.5", "-30", "３０", "三十", "9" * 30])
def test_a_bad_interval_is_refused_in_words_with_a_400_and_nothing_changes(site: Site, typed: str) -> None:
    county = site.as_(site.w.admin)
    refused = county.post("/quiet", {"days": typed})
    assert refused.status_code == 400
    assert "请填写 7 到 365 之间的整数天数（如 30），只写数字。间隔没有改动。" in refused.text
    assert f'name="days" inputmode="numeric" value="{typed[:20]}" aria-invalid="true"' in refused.text
    assert site.read(lambda db: db.execute("SELECT value, updated_by FROM county_settings").fetchall()) == [(30, None)]


def test_only_the_county_may_change_the_interval(site: Site) -> None:
    staff = site.as_(site.w.staff_town1)
    assert 'name="days"' not in staff.get("/quiet").text
    refused = staff.post("/quiet", {"days": "60"}, form_page="/staff")
    assert refused.status_code == 403
    assert site.read(lambda db: db.execute("SELECT value FROM county_settings").fetchall()) == [(30,)]


def test_changing_the_interval_is_audited_and_listed_on_the_page_in_chinese(site: Site) -> None:
    county = site.as_(site.w.reviewer)
    assert "修改记录" not in county.get("/quiet").text
    county.post("/quiet", {"days": "45"})
    county.post("/quiet", {"days": "45"})  # the same again: no change, nothing audited
    site.as_(site.w.admin).post("/quiet", {"days": "60"})
    audited = site.read(lambda db: db.execute(
        "SELECT u.role, a.op, a.changes FROM sync_audit a JOIN users u ON u.id = a.user_id"
        " WHERE a.entity = 'county_setting' AND a.record_id = 'quiet_after_days' ORDER BY a.rowid").fetchall())
    assert [(role, op, json.loads(changes)) for role, op, changes in audited] == [
        ("reviewer", "update", {"value": [30, 45]}), ("admin", "update", {"value": [45, 60]})]
    page = site.as_(site.w.staff_st11).get("/quiet").text  # a station reads who changed it, too
    changes = re.findall(r'<li><span class="nowrap">\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d</span> ([^<]+)</li>', page)
    admin_name = site.read(lambda db: db.execute("SELECT name FROM users WHERE id = ?",
                                                 [site.w.admin.user_id]).fetchone()[0])
    assert changes == [f"{admin_name}：从 45 天改为 60 天", "县关工委：从 30 天改为 45 天"]


@pytest.mark.parametrize("who", ["reviewer", "admin", "staff_town1", "staff_st11"])
def test_the_county_and_a_station_reach_the_quiet_list_from_the_menu(site: Site, who: str) -> None:
    browser = site.as_(getattr(site.w, who))
    home = browser.get("/dashboard" if who in ("reviewer", "admin") else "/staff").text
    # In the row of a wide screen and in the phone's 菜单 alike.
    assert home.count('<li><a href="/quiet">久未帮扶</a></li>') == 2
    assert browser.get("/quiet").text.count('<li><a href="/quiet" aria-current="page">久未帮扶</a></li>') == 2


def test_the_quiet_list_names_its_volunteer_column_as_the_pairing_list_and_the_archive_do(site: Site) -> None:
    """Its column read 志愿者 where the pairing list, the station home and every archive say 五老志愿者."""
    quiet_world(site)
    staff = site.as_(site.w.staff_st21)
    quiet = staff.get("/quiet").text
    assert '<th scope="col">五老志愿者</th>' in quiet
    assert quiet.count('<td data-label="五老志愿者">') == 2
    assert "志愿者</th>" not in quiet.replace("五老志愿者</th>", "")
    assert 'data-label="志愿者"' not in quiet
    assert 'data-label="五老志愿者"' in staff.get("/pairings").text
