"""An archive says one thing: its timeline's heading counts the same records, named the same, on the
page and on its A4 print, and those counts are the database's live records of the pairing's time."""
from __future__ import annotations

import html
import re

import sqlite_utils

from sync import apply_mutations, mutations

from ...factories import mutate
from .conftest import Site


def _heading(page: str, opening: str) -> str:
    """The timeline heading's words in brackets, tags and whole-day spans taken out."""
    text = re.sub(r"<[^>]+>", "", html.unescape(page))
    match = re.search(opening + r"帮扶时间线（([^）]*)）", text)
    assert match, opening
    return match.group(1)


def _live_counts(db: sqlite_utils.Database, pairing_id: str) -> tuple[int, int, int, int, int]:
    """What the pairing's timeline holds, counted straight from the tables: its live visits, and the
    child's live 摸排, 转介 and 爱心捐助 dated within the pairing, and the pairing's own reviews."""
    p = db.execute("SELECT mentee_id, start_date, coalesce(end_date, '9999-12-31') FROM pairings WHERE id = ?",
                   [pairing_id]).fetchone()
    between = [p[0], p[1], p[2]]

    def count(sql: str, args: list[str]) -> int:
        return int(db.execute(sql, args).fetchone()[0])

    return (count("SELECT count(*) FROM activities WHERE pairing_id = ? AND deleted = 0", [pairing_id]),
            count("SELECT count(*) FROM screenings WHERE mentee_id = ? AND date BETWEEN ? AND ? AND deleted = 0",
                  between),
            count("SELECT count(*) FROM referrals WHERE mentee_id = ? AND referred_on BETWEEN ? AND ?"
                  " AND deleted = 0", between),
            count("SELECT count(*) FROM donations WHERE mentee_id = ? AND date BETWEEN ? AND ? AND deleted = 0",
                  between),
            count("SELECT count(*) FROM reviews WHERE target_id = ?", [pairing_id]))


def test_the_archive_and_its_print_count_the_same_records_as_the_database(site: Site) -> None:
    w = site.w

    def build(db: sqlite_utils.Database) -> None:
        mutate(db, w.mentor1, "activity", {"pairing_id": w.pairing1, "kind": "talk", "date": "2026-11-10"})
        mutate(db, w.staff_st11, "referral", {"mentee_id": w.mentee1, "target": "counselling_room",
                                               "referred_on": "2026-11-05", "reason": "学业跟不上"})
        mutate(db, w.staff_st11, "donation", {"mentee_id": w.mentee1, "date": "2026-11-03", "goods": "冬衣",
                                               "items": 1})
        # a deleted 摸排 is shown apart and counted nowhere
        gone = mutate(db, w.staff_st11, "screening", {"mentee_id": w.mentee1, "date": "2026-11-06"})
        apply_mutations(db, w.staff_st11, [mutations.delete("screening", gone, base_version=1)])
        mutate(db, w.staff_town1, "review", {"target_entity": "pairing", "target_id": w.pairing1,
                                             "decision": "approve", "comment": "结对安排合理"})

    site.write(build)
    visits, screenings, referrals, donations, reviews = site.read(lambda db: _live_counts(db, w.pairing1))
    assert (visits, screenings, referrals, donations, reviews) == (2, 1, 2, 1, 1)  # a count of each kind differs
    said = (f"帮扶活动 {visits} 次，摸排 {screenings} 次，转介 {referrals} 次，"
            f"爱心捐助 {donations} 笔，结对审核 {reviews} 次")
    for who in (w.staff_st11, w.reviewer):
        browser = site.as_(who)
        screen, paper = (browser.get(f"/pairings/{w.pairing1}{tail}").text for tail in ("", "/print"))
        assert _heading(screen, "") == _heading(paper, "二、") == said, (_heading(screen, ""), _heading(paper, "二、"))
        # each kind and its count kept whole on one line, never 爱心捐 / 助 1 笔
        for part in said.split("，"):
            assert f'<span class="nowrap">{part}</span>' in screen and f'<span class="nowrap">{part}</span>' in paper
    # the line under the heading names every kind the timeline holds
    page = re.sub(r"<[^>]+>", "", html.unescape(site.as_(w.staff_st11).get(f"/pairings/{w.pairing1}").text))
    (holds,) = re.findall(r"按日期排列：([^\n]*)", page)
    assert all(kind in holds for kind in ("帮扶活动", "摸排", "转介", "爱心捐助", "结对审核")), holds


def test_a_timeline_without_referrals_says_none_were_made_on_the_page_and_on_paper(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    screen = _heading(browser.get(f"/pairings/{w.pairing2}").text, "")
    paper = _heading(browser.get(f"/pairings/{w.pairing2}/print").text, "二、")
    assert screen == paper == "帮扶活动 1 次，摸排 1 次，转介 0 次"


def _code(page: str) -> str:
    (code,) = re.findall(r'核对码 <span class="code">([^<]+)</span>', page)
    return code


def test_a_referral_still_open_when_the_pairing_began_is_named_apart_on_the_page_and_on_paper(site: Site) -> None:
    """A child referred to a hospital in August and paired in September: the pairing made no referral
    (转介 0 次 stays true), but its archive names the one going on, so an inspector does not read that
    nothing was; one concluded before the pairing began is not named. Its state is under the check code."""
    w = site.w

    def build(db: sqlite_utils.Database) -> tuple[str, str]:
        going = mutate(db, w.staff_st11, "referral", {
            "mentee_id": w.mentee2, "target": "medical", "institution": "县人民医院", "referred_on": "2026-08-20",
            "status": "received", "received_on": "2026-08-25"})
        done = mutate(db, w.staff_st11, "referral", {
            "mentee_id": w.mentee2, "target": "counselling_room", "referred_on": "2026-06-02",
            "status": "concluded", "concluded_on": "2026-07-01"})
        return going, done

    going, done = site.write(build)
    browser = site.as_(w.staff_st11)
    screen, paper = (browser.get(f"/pairings/{w.pairing2}{tail}").text for tail in ("", "/print"))
    assert _heading(screen, "") == _heading(paper, "二、") == "帮扶活动 1 次，摸排 1 次，转介 0 次"
    for page in (screen, paper):
        text = re.sub(r"<[^>]+>", "", html.unescape(page))
        assert "另有结对开始前的转介 1 次，结对开始时还没有结束" in text
        assert "2026年8月20日转介至医疗机构（县人民医院），已接收。" in text
        assert "2026年6月2日" not in text
    assert f'href="/referrals/{going}"' in screen and "/referrals/" not in paper
    before = _code(screen)
    site.write(lambda db: apply_mutations(db, w.staff_st11, [mutations.upsert(
        "referral", {"status": "concluded", "concluded_on": "2026-09-20"}, going, base_version=1)]))
    after = browser.get(f"/pairings/{w.pairing2}").text
    assert "2026年9月20日结束" in re.sub(r"<[^>]+>", "", html.unescape(after))
    assert _code(after) != before
