"""A self-harm flag read where staff and the county look for it: the heading of the visit says whether the
station has handled it, and the station home says what to do about an open one (found on the risk drill:
a handled flag's heading read ⚠ 发现自伤自残风险 exactly as an open one's, on the archive, its print, the
child's print, the visit's page and the review queue; the answer was two screens down, under 风险处理)."""
from __future__ import annotations

import datetime
import re

from sync.timeutil import local_today

from ...factories import make_activity, mutate
from .conftest import Site

OPEN = "⚠ 发现自伤自残风险 · 未处理"
HANDLED = "发现自伤自残风险 · 已处理"


def _two_flags(site: Site) -> tuple[str, str]:
    w = site.w
    today = local_today()
    # Three visits on three days: visits of one pairing on one day would be marked 可能重复 (twins).
    day, before, earlier = ((today - datetime.timedelta(days=n)).isoformat() for n in (3, 4, 5))
    open_ = site.write(lambda db: make_activity(db, w.mentor1, w.pairing1, date=day, risk_flag=True,
                                                record="孩子说不想活了（未处理）"))
    handled = site.write(lambda db: make_activity(db, w.mentor1, w.pairing1, date=before, risk_flag=True,
                                                  record="手腕有划痕（已处理）"))
    site.write(lambda db: mutate(db, w.staff_st11, "activity", {"risk_action": "当天联系了家长和班主任",
                                                                "risk_action_on": today.isoformat()}, handled, 1))
    # A handling of only spaces is none (sync.rules.flag_open): this one stays open on every page.
    spaces = site.write(lambda db: make_activity(db, w.mentor1, w.pairing1, date=earlier, risk_flag=True,
                                                 record="夜里哭（只写了空格）"))
    site.write(lambda db: db.execute("UPDATE activities SET risk_action = '   ' WHERE id = ?", [spaces]))
    return open_, handled


def _heading_of(html: str, record: str) -> str:
    """The text from the visit's heading (its kind, 上门家访) to its 过程记录."""
    text = re.sub(r"<[^>]+>", "", html[:html.index(record)])
    return text[text.rindex("上门家访"):]


def test_a_handled_flag_reads_handled_and_an_open_one_open_in_every_heading(site: Site) -> None:
    w = site.w
    open_, handled = _two_flags(site)
    when = f"（{local_today().year}年{local_today().month}月{local_today().day}日）"
    pages = [f"/pairings/{w.pairing1}", f"/pairings/{w.pairing1}/print", f"/mentees/{w.mentee1}/print", "/review"]
    for viewer in (w.staff_st11, w.reviewer):
        for path in pages:
            html = site.as_(viewer).get(path).text
            assert OPEN in _heading_of(html, "孩子说不想活了（未处理）"), path
            assert OPEN in _heading_of(html, "夜里哭（只写了空格）"), path
            assert HANDLED + when in _heading_of(html, "手腕有划痕（已处理）"), path
            assert "未处理" not in _heading_of(html, "手腕有划痕（已处理）"), path
        assert OPEN in site.as_(viewer).get(f"/activities/{open_}").text
        handled_page = site.as_(viewer).get(f"/activities/{handled}").text
        assert HANDLED in handled_page and OPEN not in handled_page


def test_an_open_flag_on_the_station_home_says_what_to_do_and_offers_a_referral_for_the_child(site: Site) -> None:
    """The card asked only 处理记录（做了什么…）: nothing said to check on the child that day, to call 120/110
    when she is in danger now, or that a referral is registered elsewhere, and it offered no way there."""
    w = site.w
    open_, _ = _two_flags(site)
    home = site.as_(w.staff_st11).get("/staff").text
    card = home[home.index(f'id="flag-{open_}"'):]
    card = card[:card.index("</article>")]
    words = re.sub(r"<[^>]+>", "", card)
    assert "当天联系孩子的监护人和学校" in words and "120 或 110" in words and "登记转介" in words
    assert f'href="/referrals/new?mentee_id={w.mentee1}"' in card
    form = site.as_(w.staff_st11).get(f"/referrals/new?mentee_id={w.mentee1}")
    assert form.status_code == 200 and f'value="{w.mentee1}" selected' in form.text


def test_a_flag_withdrawn_after_its_handling_keeps_the_handling_on_the_archive_and_prints(site: Site) -> None:
    """A volunteer may untick a flag once the station has handled it (a 误标); the visit then read on the
    archive and both prints as if no flag had been raised, the station's handling gone from its body."""
    w = site.w
    _, handled = _two_flags(site)
    site.write(lambda db: mutate(db, w.mentor1, "activity", {"risk_flag": False}, handled, 2))
    for viewer in (w.staff_st11, w.reviewer):
        for path in (f"/pairings/{w.pairing1}", f"/pairings/{w.pairing1}/print", f"/mentees/{w.mentee1}/print",
                     f"/activities/{handled}"):
            html = site.as_(viewer).get(path).text
            visit = re.sub(r"<[^>]+>", "", html[html.index("手腕有划痕（已处理）"):])
            assert "自伤自残风险提示处理后已取消" in _heading_of(html, "手腕有划痕（已处理）"), path
            assert "当天联系了家长和班主任" in visit[:visit.index("记录人")], path
