"""The mentee list and a child's file reach the child's activities through the child's pairings,
by index: activities carry no index by mentee (sync migration m017), one fewer for every push
to write, so a query on ``activities.mentee_id`` would read the whole table."""
from __future__ import annotations

import re
from typing import Any

import pytest
import sqlite_utils

from server.queries.mentees import MenteeFilter, count_waiting, list_mentees, live_children_by_name, mentee_activities
from sync import load_scope
from sync.names import plain_name

from ...factories import copy_county, make_activity, make_pairing, remove


@pytest.fixture
def w(db: sqlite_utils.Database) -> Any:
    return copy_county(db)


def statements_of(db: sqlite_utils.Database, read: Any) -> list[str]:
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)  # the statements as run, parameters filled in
    try:
        read()
    finally:
        db.conn.set_trace_callback(None)
    return statements


def test_no_index_on_activities_begins_with_the_mentee(db: sqlite_utils.Database, w: Any) -> None:
    leading = {name: db.execute(f"PRAGMA index_info({name})").fetchone()[2]
               for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'"
                                         " AND tbl_name = 'activities'").fetchall()}
    assert leading and "mentee_id" not in leading.values(), leading


@pytest.mark.parametrize("who", ["staff_st11", "mentor1", "admin"])
def test_the_list_and_the_file_never_scan_the_activities(db: sqlite_utils.Database, w: Any, who: str) -> None:
    scope = load_scope(db, getattr(w, who))
    statements = statements_of(db, lambda: (list_mentees(db, scope, MenteeFilter()),
                                            mentee_activities(db, scope, w.mentee1)))
    on_activities = [s for s in statements if "FROM activities a" in s]
    assert len(on_activities) >= 4, statements  # the list's last activity, counts, figures, the latest
    for sql in on_activities:
        plan = " ".join(str(r) for r in db.execute("EXPLAIN QUERY PLAN " + sql).fetchall())
        assert "SCAN a " not in plan + " " and "idx_activities_pairing_date" in plan, (sql, plan)


def test_the_lists_last_activity_is_the_files_a_deleted_pairings_visits_count_in_neither(
        db: sqlite_utils.Database, w: Any) -> None:
    wrong = make_pairing(db, w.staff_st11, w.mentor2, w.mentee1, start_date="2026-09-01")
    make_activity(db, w.mentor2, wrong, date="2026-11-25")
    remove(db, w.staff_st11, "pairing", wrong)  # paired by mistake: deleted with its visit
    scope = load_scope(db, w.staff_st11)
    rows, _ = list_mentees(db, scope, MenteeFilter())
    listed = next(r for r in rows if r["id"] == w.mentee1)
    assert listed["last_activity"] == mentee_activities(db, scope, w.mentee1)["last_date"] == "2026-11-20"


@pytest.mark.parametrize("who", ["staff_st11", "staff_town1", "admin"])
def test_the_waiting_count_probes_each_childs_pairings_by_index(db: sqlite_utils.Database, w: Any, who: str) -> None:
    """A county holds 50,000 children and their pairings: the station home's tile and the dashboard's
    card (children waiting for a volunteer) read the children in scope once and each child's running
    pairings from m051's index alone, never a scan of pairings; the accounts are read once per query
    (the stopped ones, a list), not once per child (measured over 50,000 children at the county: 0.08 s
    of CPU reading each pairing's row and its volunteer's, 0.04 s so)."""
    scope = load_scope(db, getattr(w, who))
    statements = statements_of(db, lambda: (count_waiting(db, scope),
                                            list_mentees(db, scope, MenteeFilter(pairing="waiting"))))
    probed = [s for s in statements if "s.active != 1" in s]
    assert len(probed) == 3, statements  # the tile's count, the list's count and its page
    for sql in probed:
        rows = db.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
        plan = [str(r[3]) for r in rows]
        steps = {r[0]: str(r[3]) for r in rows}
        assert not [step for step in plan if re.match(r"SCAN (p|pairings)\b", step)], (sql, plan)
        assert "SEARCH p USING INDEX idx_pairings_running_mentee (mentee_id=?)" in plan, plan
        accounts = [r for r in rows if re.match(r"SCAN (s|u|users)\b", str(r[3]))]
        assert accounts and all(steps[r[1]].startswith("LIST SUBQUERY") for r in accounts), plan  # made once
        if who != "admin":
            assert "SEARCH m USING INDEX idx_mentees_unit (unit_id=?)" in plan, plan


def test_the_children_of_one_name_are_those_the_whole_countys_list_holds_under_it(
        db: sqlite_utils.Database, w: Any) -> None:
    """The 登记帮扶对象 form asks for one name inside the writer, and SQLite narrows the county to the
    names holding its last character first: a name stored with spaces inside, or in full-width
    forms, is still found, as the whole county's list finds it."""
    db.execute("UPDATE mentees SET name = ? WHERE id = ?", ["小　明 ", w.mentee1])
    db.execute("UPDATE mentees SET name = ? WHERE id = ?", ["Ｌｉ Ｍｉｎｇ", w.mentee2])
    every = live_children_by_name(db, plain_name)
    for name in ("小明", "Li Ming", "小红", "没有这个人"):
        one = live_children_by_name(db, plain_name, named=name)
        assert one.get(name, []) == every.get(name, []), name
    assert [c["id"] for c in live_children_by_name(db, plain_name, named="小明")["小明"]] == [w.mentee1]
    assert [c["id"] for c in every["Li Ming"]] == [w.mentee2]
