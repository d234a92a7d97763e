"""The dashboard's overdue follow-ups and open risk flags are the station home's: the same count for
the same scope as ``/staff`` and ``/pairings?follow_up=overdue``, the same order, and however many
there are, one bounded table under the whole count."""
from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import sqlite_utils

from server.queries.dashboard import LIST_LIMIT
from server.queries.followups import count_open_risk_flags, count_overdue_follow_ups, open_risk_flags
from sync import Actor, apply_mutations, connect, load_scope, new_id
from sync.timeutil import local_today

from ...factories import make_activity, make_mentee, make_user, mutate, remove, row
from .conftest import Site, password_hash, sentence

PAIRING_RE = re.compile(r'href="/pairings/([0-9a-f-]{36})"')


def _section(text: str, start: str) -> str:
    at = text.index(start)
    return text[at:text.index("</section>", at)]


def _flag(db: sqlite_utils.Database, staff: Actor, pairing: str, record_id: str, date: str) -> None:
    apply_mutations(db, staff, [{"entity": "activity", "record_id": record_id, "op": "upsert", "base_version": None,
                                 "fields": {"pairing_id": pairing, "kind": "talk", "record": "谈心",
                                            "risk_flag": True, "date": date}}])


def _county_of_cases(site: Site) -> None:
    """Overdue follow-ups and open flags in both towns, with what counts nowhere beside them."""
    w = site.w
    today = local_today()

    def ago(days: int) -> str:
        return (today - datetime.timedelta(days=days)).isoformat()

    def setup(db: sqlite_utils.Database) -> None:
        past, day = ago(5), ago(4)
        # Each pairing's latest visit (after the flags below): its follow-up decides.
        make_activity(db, w.mentor1, w.pairing1, date=ago(3), follow_up_due=ago(1))
        make_activity(db, w.mentor3, w.pairing3, date=ago(3), follow_up_due=ago(2))
        make_activity(db, w.mentor2, w.pairing2, date=ago(3), follow_up_due=today.isoformat())  # due today: not yet
        # Two flags of one day, the earlier-made one (the smaller UUIDv7) synced last: newest first is
        # by the id, as on the station home, not by when the server got them.
        first, second = new_id(), new_id()
        _flag(db, w.staff_st11, w.pairing2, second, day)
        _flag(db, w.staff_st11, w.pairing1, first, day)
        _flag(db, w.staff_st21, w.pairing3, new_id(), day)
        handled = make_activity(db, w.mentor1, w.pairing1, date=day, risk_flag=True)
        mutate(db, w.staff_st11, "activity", {"risk_action": "已联系家长"}, handled,
               base_version=row(db, "activity", handled)["version"])  # type: ignore[index]
        # A closed pairing owes no follow-up; a deleted visit's follow-up counts nowhere.
        other = make_mentee(db, w.staff_st21, w.st21)
        closed = mutate(db, w.staff_st21, "pairing", {"mentor_id": w.mentor3.user_id, "mentee_id": other,
                                                      "start_date": "2026-01-05", "approach": "fuxin"})
        make_activity(db, w.mentor3, closed, date=past, follow_up_due=past)
        mutate(db, w.staff_st21, "pairing", {"status": "closed", "end_date": past, "outcome": "stable"}, closed,
               base_version=row(db, "pairing", closed)["version"])  # type: ignore[index]
        gone = make_activity(db, w.mentor2, w.pairing2, date=ago(1), follow_up_due=ago(1))
        remove(db, w.staff_st11, "activity", gone)

    site.write(setup)


def _town_reviewer(site: Site) -> Actor:
    db = connect(site.settings.db_path)  # make_user runs its own transaction, as the site fixture's county
    try:
        return make_user(db, "reviewer", site.w.town2, name="镇关工委", password_hash=password_hash())
    finally:
        db.close()


def _tiles(text: str) -> tuple[int, int]:
    overdue = re.search(r'跟踪逾期</p><p class="figure">(\d+) 个结对', text)
    flags = re.search(r'未处理的风险提示</p><p class="figure">(\d+) 条', text)
    assert overdue and flags
    return int(overdue.group(1)), int(flags.group(1))


@pytest.mark.parametrize("who", ["reviewer", "town2_reviewer", "staff_st11", "staff_town2"])
def test_dashboard_overdue_and_flag_tiles_agree_with_the_station_home_and_the_pairing_list(site: Site,
                                                                                           who: str) -> None:
    _county_of_cases(site)
    actor = _town_reviewer(site) if who == "town2_reviewer" else getattr(site.w, who)
    browser = site.as_(actor)
    board = browser.get("/dashboard")
    assert board.status_code == 200
    overdue, flags = _tiles(board.text)
    listed = re.search(r"共 (\d+) 个结对", sentence(browser.get("/pairings?follow_up=overdue").text))
    assert listed and int(listed.group(1)) == overdue
    # The same flags as the station home's list, newest first alike (each row links its pairing).
    scope = site.read(lambda db: load_scope(db, actor))
    station_flags = site.read(lambda db: [f["pairing_id"] for f in open_risk_flags(db, scope)])
    assert (PAIRING_RE.findall(_section(board.text, 'id="risk-h"')) if flags else []) == station_flags
    if actor.role == "staff":
        home = browser.get("/staff")
        assert home.status_code == 200
        assert re.search(rf'<p class="figure">{overdue}</p>\s*<p>个结对的跟踪已逾期', home.text) or overdue == 0
        assert (f"{flags} 条待处理" in sentence(home.text)) == (flags > 0)
        home_order = PAIRING_RE.findall(_section(home.text, 'id="overdue-h"'))
        assert PAIRING_RE.findall(_section(board.text, 'id="overdue-h"')) == home_order
    else:
        assert (overdue, flags) == site.read(lambda db: (count_overdue_follow_ups(db, scope, local_today()),
                                                         count_open_risk_flags(db, scope)))
    # By hand: pairings 1 and 3 overdue, the flags of pairings 1 and 2 (town 1) and 3 (town 2) open.
    assert (overdue, flags) == {"reviewer": (2, 3), "staff_st11": (1, 2)}.get(who, (1, 1))


def test_dashboard_of_more_overdue_pairings_than_it_lists_shows_the_most_overdue_and_counts_all(site: Site) -> None:
    w = site.w
    today = local_today()
    n = LIST_LIMIT + 3

    def setup(db: sqlite_utils.Database) -> list[str]:
        pairings: list[str] = []
        for i in range(n):
            staff, unit, mentor = ((w.staff_st11, w.st11, w.mentor1) if i % 2 else (w.staff_st21, w.st21, w.mentor3))
            mentee = make_mentee(db, staff, unit, code=f"OD-{i:03}")
            pid = new_id()
            apply_mutations(db, staff, [
                {"entity": "pairing", "record_id": pid, "op": "upsert", "base_version": None,
                 "fields": {"mentor_id": mentor.user_id, "mentee_id": mentee, "start_date": "2026-01-05",
                            "approach": "fuxin"}},
                {"entity": "activity", "record_id": new_id(), "op": "upsert", "base_version": None,
                 "fields": {"pairing_id": pid, "kind": "talk", "record": "谈心",
                            "date": (today - datetime.timedelta(days=40 + i)).isoformat(),
                            "follow_up_due": (today - datetime.timedelta(days=30 + i)).isoformat()}}])
            pairings.append(pid)
        return pairings

    pairings: list[Any] = site.write(setup)
    text = site.as_(w.reviewer).get("/dashboard").text
    assert _tiles(text)[0] == n
    table = _section(text, 'id="overdue-h"')
    shown = PAIRING_RE.findall(table)
    # The most overdue first: the last made are due longest ago.
    assert shown == list(reversed(pairings))[:LIST_LIMIT]
    assert f"跟踪逾期（{n} 个结对）" in table and f"只列出逾期最久的 {LIST_LIMIT} 个" in table
    assert f"查看全部 {n} 个跟踪逾期的结对" in table


def test_dashboard_overdue_list_names_its_volunteer_column_as_the_station_homes_list_does(site: Site) -> None:
    _county_of_cases(site)
    staff = site.as_(site.w.staff_st11)
    board = _section(staff.get("/dashboard").text, 'id="overdue-h"')
    home = _section(staff.get("/staff").text, 'id="overdue-h"')
    assert "<th>五老志愿者</th>" in home
    assert '<th scope="col">五老志愿者</th>' in board and '<td data-label="五老志愿者">' in board
    assert 'data-label="志愿者"' not in board
