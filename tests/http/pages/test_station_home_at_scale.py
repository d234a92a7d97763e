"""The station home over a county's years of records: however many open risk flags or overdue
follow-ups there are, the page shows a bounded number of them, counts them all and leads to the rest."""
from __future__ import annotations

import datetime
import re

import sqlite_utils

from server.pages.station import FLAGS_PER_PAGE, OVERDUE_SHOWN
from sync import apply_mutations, new_id
from sync.timeutil import local_today

from ...factories import make_mentee
from .conftest import Site, sentence

FLAG_RE = re.compile(r'id="flag-([0-9a-f-]{36})"')


def _flag_many(site: Site, n: int) -> set[str]:
    """``n`` open risk flags in station 1-1, one day apart, in one write."""
    w = site.w
    today = local_today()
    ids = [new_id() for _ in range(n)]
    site.write(lambda db: apply_mutations(db, w.staff_st11, [
        {"entity": "activity", "record_id": rid, "op": "upsert", "base_version": None,
         "fields": {"pairing_id": w.pairing1, "kind": "talk", "record": "谈心", "risk_flag": True,
                    "date": (today - datetime.timedelta(days=2 + i)).isoformat()}}
        for i, rid in enumerate(ids)]))
    return set(ids)


def test_the_home_shows_one_page_of_open_flags_counts_them_all_and_pages_to_the_rest(site: Site) -> None:
    made = _flag_many(site, FLAGS_PER_PAGE + 3)
    browser = site.as_(site.w.staff_st11)
    first = browser.get("/staff")
    assert first.status_code == 200
    on_first = FLAG_RE.findall(first.text)
    assert len(on_first) == FLAGS_PER_PAGE
    assert f"{FLAGS_PER_PAGE + 3} 条待处理" in sentence(first.text)
    assert 'href="?page=2"' in first.text
    second = browser.get("/staff?page=2")
    on_second = FLAG_RE.findall(second.text)
    assert set(on_first) | set(on_second) == made and not set(on_first) & set(on_second)
    assert 'href="?page=1"' in second.text and 'href="?page=3"' not in second.text
    # A flag's form posts back to its own page of flags.
    assert 'action="/staff?page=2#handle-' in second.text
    past = browser.get("/staff?page=9")
    assert past.status_code == 303 and past.headers["location"].endswith("/staff?page=2")


def test_handling_a_flag_on_a_later_page_comes_back_to_that_page(site: Site) -> None:
    _flag_many(site, FLAGS_PER_PAGE + 3)
    browser = site.as_(site.w.staff_st11)
    flag = FLAG_RE.findall(browser.get("/staff?page=2").text)[0]
    answer = browser.post("/staff?page=2", {"activity_id": flag, "risk_action": "已联系家长和班主任"},
                          form_page="/staff?page=2")
    assert answer.status_code == 303 and answer.headers["location"].endswith("/staff?page=2")
    assert flag not in browser.get("/staff?page=2").text


def test_the_home_shows_the_most_overdue_follow_ups_counts_them_all_and_links_the_whole_list(site: Site) -> None:
    w = site.w
    today = local_today()
    n = OVERDUE_SHOWN + 2

    def overdue(db: sqlite_utils.Database) -> list[str]:
        mentees = [make_mentee(db, w.staff_st11, w.st11, name=f"小{i}") for i in range(n)]
        pairings = [new_id() for _ in mentees]
        apply_mutations(db, w.staff_st11, [
            {"entity": "pairing", "record_id": pid, "op": "upsert", "base_version": None,
             "fields": {"mentor_id": w.mentor1.user_id, "mentee_id": m, "start_date": "2026-01-05",
                        "approach": "fuxin"}} for pid, m in zip(pairings, mentees, strict=True)])
        apply_mutations(db, w.staff_st11, [
            {"entity": "activity", "record_id": new_id(), "op": "upsert", "base_version": None,
             "fields": {"pairing_id": pid, "kind": "talk", "record": "谈心",
                        "date": (today - datetime.timedelta(days=40 + i)).isoformat(),
                        "follow_up_due": (today - datetime.timedelta(days=30 + i)).isoformat()}}
            for i, pid in enumerate(pairings)])
        return pairings

    pairings = site.write(overdue)
    page = site.as_(w.staff_st11).get("/staff")
    start = page.text.index('id="overdue-h"')
    table = page.text[start:page.text.index("<section", start)]
    shown = set(re.findall(r'href="/pairings/([0-9a-f-]{36})"', table))
    # The most overdue first: the pairings whose follow-up was due longest ago.
    assert shown == set(pairings[-OVERDUE_SHOWN:])
    assert f"共 {n} 个" in sentence(table) and 'href="/pairings?follow_up=overdue"' in table
    assert re.search(rf'<p class="figure">{n}</p>\s*<p>个结对的跟踪已逾期', page.text)
