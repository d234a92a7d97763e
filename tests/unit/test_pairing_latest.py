"""pairing_latest (sync/latest.py) holds exactly each pairing's latest live activity as a fresh
query of the activities finds it, after every kind of write that can change it: creates, edits of
the date or the follow-up date, deletes (the latest one's included: its pairing falls back to the
one before, or loses its row), two activities on one day (the later id wins), one batch that
creates, edits and deletes, a child's move, and migration m029 over activities stored before it.
The dashboard's and the station home's overdue follow-ups, which read these rows, list what a
direct query of the activities lists; a push whose activities change no row makes no probe."""
from __future__ import annotations

import datetime
import pathlib
import re
from types import SimpleNamespace
from typing import Any

import pytest
import sqlite_utils
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

import sync.latest
from server.queries import followups
from server.queries.dashboard import dashboard, overdue_list, scope_units
from sync import apply_mutations, connect, load_scope, migrations, mutations, new_id, transaction
from sync.refill import refill_derived

from ..factories import copy_county, edit, make_activity, make_county, make_mentee, make_pairing, mutate, remove, row
from ..migrating import migrate_all_but
from .county_writes import INDEX, CountyWrites

TODAY = datetime.date(2026, 11, 25)


def latest(db: sqlite_utils.Database) -> list[tuple[Any, ...]]:
    return db.execute("SELECT pairing_id, activity_id, date, follow_up_due FROM pairing_latest ORDER BY 1").fetchall()


def latest_afresh(db: sqlite_utils.Database) -> list[tuple[Any, ...]]:
    # Ranked by a window over all live activities: a different query from the write path's probe.
    return db.execute(
        "SELECT pairing_id, id, date, follow_up_due FROM (SELECT pairing_id, id, date, follow_up_due,"
        " row_number() OVER (PARTITION BY pairing_id ORDER BY date DESC, id DESC) AS r"
        " FROM activities WHERE deleted = 0) WHERE r = 1 ORDER BY 1").fetchall()


def overdue_afresh(db: sqlite_utils.Database, today: datetime.date = TODAY) -> list[tuple[Any, ...]]:
    """(pairing, last date, due, days) of every live active pairing whose latest activity is overdue."""
    rows = db.execute(
        "SELECT p.id, a.date, a.follow_up_due FROM pairings p JOIN mentees m ON m.id = p.mentee_id"
        " JOIN activities a ON a.pairing_id = p.id AND a.deleted = 0"
        " WHERE p.status = 'active' AND p.deleted = 0 AND m.deleted = 0 AND NOT EXISTS ("
        "   SELECT 1 FROM activities b WHERE b.pairing_id = p.id AND b.deleted = 0"
        "   AND (b.date > a.date OR (b.date = a.date AND b.id > a.id)))"
        " AND a.follow_up_due < ?", [today.isoformat()]).fetchall()
    return sorted((p, d, due, (today - datetime.date.fromisoformat(due)).days) for p, d, due in rows)


def overdue_follow_ups(db: sqlite_utils.Database, actor: Any, today: datetime.date = TODAY) -> list[dict[str, Any]]:
    """The dashboard's overdue list (its first ``LIST_LIMIT``: more than any test here makes)."""
    scope = load_scope(db, actor)
    return overdue_list(db, scope, scope_units(db, scope), today)


def overdue_listed(db: sqlite_utils.Database, actor: Any, today: datetime.date = TODAY) -> list[tuple[Any, ...]]:
    rows = overdue_follow_ups(db, actor, today)
    return sorted((r["pairing_id"], r["last_date"], r["due"], r["days"]) for r in rows)


def station_listed(db: sqlite_utils.Database, actor: Any, today: datetime.date = TODAY) -> list[tuple[Any, ...]]:
    """The station home's overdue list (server/queries/followups.py), which reads the same rows."""
    rows = followups.overdue_follow_ups(db, load_scope(db, actor), today)
    return sorted((r["pairing_id"], r["date"], r["follow_up_due"], r["days_overdue"]) for r in rows)


@pytest.fixture
def w(db: sqlite_utils.Database) -> SimpleNamespace:
    return copy_county(db)


def test_latest_follows_creates_and_edits_of_date_and_follow_up(db: sqlite_utils.Database,
                                                                w: SimpleNamespace) -> None:
    a = make_activity(db, w.mentor1, w.pairing1, date="2026-11-21", follow_up_due="2026-11-22")
    assert (w.pairing1, a, "2026-11-21", "2026-11-22") in latest(db) and latest(db) == latest_afresh(db)
    b = make_activity(db, w.mentor1, w.pairing1, date="2026-11-01", follow_up_due="2026-11-02")  # older: no change
    assert (w.pairing1, a, "2026-11-21", "2026-11-22") in latest(db)
    edit(db, w.mentor1, b, date="2026-11-23")  # now the later one
    assert (w.pairing1, b, "2026-11-23", "2026-11-02") in latest(db) and latest(db) == latest_afresh(db)
    edit(db, w.mentor1, b, follow_up_due="2026-12-30")
    assert (w.pairing1, b, "2026-11-23", "2026-12-30") in latest(db)
    edit(db, w.mentor1, b, follow_up_due=None)
    edit(db, w.mentor1, b, record="只改文字")
    assert latest(db) == latest_afresh(db)
    assert overdue_listed(db, w.reviewer) == overdue_afresh(db) == []
    edit(db, w.mentor1, b, date="2026-11-20")  # a is the latest again, and overdue
    assert overdue_listed(db, w.reviewer) == overdue_afresh(db) == [(w.pairing1, "2026-11-21", "2026-11-22", 3)]


def test_deleting_the_latest_activity_falls_back_to_the_one_before(db: sqlite_utils.Database,
                                                                   w: SimpleNamespace) -> None:
    older = make_activity(db, w.mentor1, w.pairing1, date="2026-11-21", follow_up_due="2026-11-22")
    newer = make_activity(db, w.mentor1, w.pairing1, date="2026-11-24", follow_up_due="2026-12-01")
    assert overdue_listed(db, w.reviewer) == []
    remove(db, w.mentor1, "activity", newer)
    assert (w.pairing1, older, "2026-11-21", "2026-11-22") in latest(db) and latest(db) == latest_afresh(db)
    assert overdue_listed(db, w.reviewer) == overdue_afresh(db) == [(w.pairing1, "2026-11-21", "2026-11-22", 3)]
    for gone in (older, w.activity1):  # the pairing's last live activity goes, and its row with it
        remove(db, w.staff_st11, "activity", gone)
    assert w.pairing1 not in {r[0] for r in latest(db)} and latest(db) == latest_afresh(db)
    assert overdue_listed(db, w.reviewer) == []


@pytest.mark.parametrize("later_id_first", [True, False])
def test_two_activities_on_one_day_the_later_id_is_the_latest(db: sqlite_utils.Database, w: SimpleNamespace,
                                                              later_id_first: bool) -> None:
    low, high = sorted((new_id(), new_id()))
    # Written in either order; the later id's kind and follow-up sort first in the index by pairing
    # and date, so only the id can make it the latest.
    for rid in ((high, low) if later_id_first else (low, high)):
        mutate(db, w.mentor1, "activity", {"pairing_id": w.pairing1, "date": "2026-11-23", "record": "同一天",
                                           "kind": "home_visit" if rid == high else "talk",
                                           "follow_up_due": "2026-11-24" if rid == high else "2026-11-30"}, rid)
    assert (w.pairing1, high, "2026-11-23", "2026-11-24") in latest(db) and latest(db) == latest_afresh(db)
    assert overdue_listed(db, w.reviewer) == [(w.pairing1, "2026-11-23", "2026-11-24", 1)]
    edit(db, w.mentor1, low, follow_up_due="2026-11-20")  # the earlier id's follow-up is no one's
    assert overdue_listed(db, w.reviewer) == [(w.pairing1, "2026-11-23", "2026-11-24", 1)]
    assert latest(db) == latest_afresh(db)
    remove(db, w.mentor1, "activity", high)
    assert (w.pairing1, low, "2026-11-23", "2026-11-20") in latest(db) and latest(db) == latest_afresh(db)
    assert overdue_listed(db, w.reviewer) == overdue_afresh(db) == [(w.pairing1, "2026-11-23", "2026-11-20", 5)]


def test_latest_follows_one_batch_that_creates_edits_and_deletes(db: sqlite_utils.Database,
                                                                  w: SimpleNamespace) -> None:
    made, kept, other = new_id(), new_id(), new_id()
    fields = {"pairing_id": w.pairing1, "kind": "talk", "date": "2026-12-01", "record": "一批里写的"}
    outcomes = apply_mutations(db, w.staff_st11, [
        mutations.upsert("activity", fields, made),
        mutations.upsert("activity", {"date": "2026-12-02"}, made, base_version=1),
        mutations.delete("activity", made, base_version=2),  # never stored: no trace of it
        mutations.upsert("activity", {**fields, "date": "2026-11-22", "follow_up_due": "2026-11-23"}, kept),
        mutations.upsert("activity", {**fields, "pairing_id": w.pairing3}, other),
        mutations.delete("activity", w.activity1, base_version=row(db, "activity", w.activity1)["version"]),  # type: ignore[index]
    ])
    assert [o.status for o in outcomes] == ["applied"] * 4 + ["rejected", "applied"]  # pairing3 is not st11's
    assert (w.pairing1, kept, "2026-11-22", "2026-11-23") in latest(db) and latest(db) == latest_afresh(db)
    assert overdue_listed(db, w.reviewer) == overdue_afresh(db) == [(w.pairing1, "2026-11-22", "2026-11-23", 2)]


def test_a_child_who_moves_school_keeps_the_row_and_is_listed_under_the_new_school(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    visit = make_activity(db, w.mentor1, w.pairing1, date="2026-11-21", follow_up_due="2026-11-22")
    before = latest(db)
    version = row(db, "mentee", w.mentee1)["version"]  # type: ignore[index]
    apply_mutations(db, w.staff_town1, [
        mutations.upsert("activity", {"pairing_id": w.pairing1, "kind": "talk", "date": "2026-11-02",
                                      "record": "搬走前写的"}, new_id()),  # older: the row stays
        mutations.upsert("mentee", {"unit_id": w.st12}, w.mentee1, base_version=version),
    ])
    assert latest(db) == before == latest_afresh(db)
    (item,) = overdue_follow_ups(db, w.staff_st12)
    assert (item["pairing_id"], item["unit_id"], item["last_date"]) == (w.pairing1, w.st12, "2026-11-21")
    assert overdue_follow_ups(db, w.staff_st11) == []
    assert row(db, "activity", visit)["unit_id"] == w.st12  # type: ignore[index]


def test_deleting_a_pairing_or_a_child_changes_no_row_and_takes_them_off_the_list(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    child = make_mentee(db, w.staff_st11, w.st11)
    pairing = make_pairing(db, w.staff_st11, w.mentor2, child)
    for p, mentor in ((pairing, w.mentor2), (w.pairing2, w.mentor2), (w.pairing1, w.mentor1)):
        make_activity(db, mentor, p, date="2026-11-21", follow_up_due="2026-11-22")
    assert {r[0] for r in overdue_listed(db, w.reviewer)} == {pairing, w.pairing1, w.pairing2}
    before = latest(db)
    remove(db, w.staff_st11, "pairing", pairing)
    # The write path now deletes a child only once her pairings end (sync.rules ``_still_paired``);
    # a child deleted before that left her pairing running, as databases from then still hold.
    with transaction(db):
        db.execute("UPDATE mentees SET deleted = 1, version = version + 1 WHERE id = ?", [w.mentee2])
    assert latest(db) == before == latest_afresh(db)
    assert overdue_listed(db, w.reviewer) == overdue_afresh(db) == [(w.pairing1, "2026-11-21", "2026-11-22", 3)]
    closed = row(db, "pairing", w.pairing1)
    mutate(db, w.staff_st11, "pairing", {"status": "closed", "end_date": "2026-11-24", "outcome": "stable"},
           w.pairing1, base_version=closed["version"])  # type: ignore[index]
    assert overdue_listed(db, w.reviewer) == overdue_afresh(db) == []  # a closed pairing owes no follow-up


def test_a_push_that_moves_no_activity_in_date_or_follow_up_probes_nothing(db: sqlite_utils.Database,
                                                                           w: SimpleNamespace) -> None:
    for _ in range(3):
        make_activity(db, w.mentor1, w.pairing1, follow_up_due="2026-11-30")
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        edit(db, w.mentor1, w.activity1, record="只改文字")
        mutate(db, w.staff_st11, "review", {"target_entity": "activity", "target_id": w.activity2,
                                            "decision": "approve"})  # the server changes the activity
        version = row(db, "mentee", w.mentee1)["version"]  # type: ignore[index]
        mutate(db, w.staff_town1, "mentee", {"unit_id": w.st12}, w.mentee1, base_version=version)  # 4 activities move
    finally:
        db.conn.set_trace_callback(None)
    assert not [s for s in statements if "pairing_latest" in s or "ORDER BY a.date DESC" in s], statements
    assert latest(db) == latest_afresh(db)


def test_only_a_write_of_the_rows_own_activity_probes_the_pairing(db: sqlite_utils.Database,
                                                                  w: SimpleNamespace) -> None:
    top = make_activity(db, w.mentor1, w.pairing1, date="2026-11-21", follow_up_due="2026-11-22")
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        make_activity(db, w.mentor1, w.pairing1, date="2026-11-24")  # a phone's new visit: against the row
        make_activity(db, w.mentor1, w.pairing1, date="2026-11-02", follow_up_due="2026-11-03")  # older
        edit(db, w.mentor1, top, date="2026-11-01")  # no longer the row's activity: still no probe
        assert not [s for s in statements if "ORDER BY a.date DESC" in s], statements
        remove(db, w.mentor1, "activity", latest(db)[0][1])  # the row's own activity goes: probed
    finally:
        db.conn.set_trace_callback(None)
    assert len([s for s in statements if "ORDER BY a.date DESC" in s]) == 1
    assert (w.pairing1, w.activity1, "2026-11-20", None) in latest(db) and latest(db) == latest_afresh(db)


def test_the_dashboard_reads_the_rows_not_the_activities(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    make_activity(db, w.mentor1, w.pairing1, date="2026-11-21", follow_up_due="2026-11-22")
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        listed = overdue_follow_ups(db, w.reviewer)
    finally:
        db.conn.set_trace_callback(None)
    assert [r["pairing_id"] for r in listed] == [w.pairing1]
    (read,) = [s for s in statements if "pairing_latest" in s]
    assert not [s for s in statements if "activities" in s and s != read], statements
    plan = [str(r[3]) for r in db.execute("EXPLAIN QUERY PLAN " + read).fetchall()]
    assert plan[0] == "SCAN l", plan  # the rows first, then only their pairings
    # The station home's list (which the dashboard now shows) reads each row's own activity by its
    # id, for the columns it shows: never a walk of the activities.
    assert [p for p in plan if re.search(r"\ba\b", p)] == ["SEARCH a USING INDEX sqlite_autoindex_activities_1 (id=?)"]


def test_the_migration_finds_the_latest_of_activities_stored_before_it(tmp_path: pathlib.Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    step = "m029_pairing_latest"
    db = connect(tmp_path / "banxing.db")
    migrate_all_but(db, step)
    with monkeypatch.context() as patch:
        patch.setattr(sync.latest, "write", lambda db, stored, activities: None)  # a write path from before the step
        w = make_county(db)
        low, high = sorted((new_id(), new_id()))
        # A tie on one day, the later id written first, with the kind and follow-up that sort first.
        for rid, kind, due in ((high, "home_visit", "2026-11-24"), (low, "talk", "2026-11-30")):
            mutate(db, w.mentor1, "activity", {"pairing_id": w.pairing1, "kind": kind, "date": "2026-11-23",
                                               "record": "同一天", "follow_up_due": due}, rid)
        gone = make_activity(db, w.mentor3, w.pairing3, date="2026-11-24", follow_up_due="2026-12-24")
        make_activity(db, w.mentor3, w.pairing3, date="2026-11-20", follow_up_due="2026-11-21")
        remove(db, w.mentor3, "activity", gone)
        remove(db, w.staff_st11, "activity", w.activity2)  # pairing2 has no live activity
    assert db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'pairing_latest'").fetchone() == (0,)

    assert migrations.apply(db) == [step]

    assert latest(db) == latest_afresh(db) and len(latest(db)) == 2
    assert (w.pairing1, high, "2026-11-23", "2026-11-24") in latest(db)
    assert overdue_listed(db, w.reviewer) == overdue_afresh(db) == [
        (w.pairing1, "2026-11-23", "2026-11-24", 1), (w.pairing3, "2026-11-20", "2026-11-21", 4)]
    make_activity(db, w.mentor3, w.pairing3, date="2026-11-22")  # and the write path keeps them from here
    assert latest(db) == latest_afresh(db) and overdue_listed(db, w.reviewer) == overdue_afresh(db)
    db.close()


def test_refill_derived_works_out_the_kept_tables_again_from_the_activities(db: sqlite_utils.Database,
                                                                            w: SimpleNamespace) -> None:
    """What the benches call after writing activities straight into their table."""
    make_activity(db, w.mentor1, w.pairing1, date="2026-11-21", follow_up_due="2026-11-22")
    make_activity(db, w.staff_st11, w.pairing1, date="2026-11-21")  # 代录: counted in ``entered`` too
    before = (latest(db), db.execute("SELECT * FROM activity_counts ORDER BY 1, 2, 3").fetchall())
    assert ("2026-11-21", w.st11, "home_visit", 2, 1) in before[1]
    with db.conn:
        db.conn.execute("DELETE FROM pairing_latest")
        db.conn.execute("UPDATE activity_counts SET n = n + 5, entered = entered + 2")
        refill_derived(db.conn)
    assert (latest(db), db.execute("SELECT * FROM activity_counts ORDER BY 1, 2, 3").fetchall()) == before
    assert latest(db) == latest_afresh(db) and before[1]


# --- random sequences of writes ----------------------------------------------------------

DAYS = st.sampled_from(["2026-11-01", "2026-11-20", "2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26"])
DUES = st.none() | st.sampled_from(["2026-11-10", "2026-11-24", "2026-11-25", "2026-12-01"])


class LatestMachine(CountyWrites):
    """Staff of the county write at random, on few days so that ties are common; after every step the
    rows are a fresh query's, and the dashboard lists the overdue pairings a direct query finds."""

    @rule(i=INDEX, day=DAYS, due=DUES, n=st.integers(1, 3))
    def create_activities(self, i: int, day: str, due: str | None, n: int) -> None:
        p = self.live("pairings", i)
        if p is not None:
            self.apply(*(mutations.upsert("activity", {"pairing_id": p, "kind": "talk", "date": day, "record": "记",
                                                       "follow_up_due": due}, new_id()) for _ in range(n)))

    @rule(i=INDEX, day=st.none() | DAYS, due=st.just("keep") | DUES)
    def edit_activity(self, i: int, day: str | None, due: str | None) -> None:
        fields: dict[str, Any] = {"date": day} if day is not None else {}
        if due != "keep":
            fields["follow_up_due"] = due
        a = self.writable_activity(i)
        if a is not None:
            self.apply(mutations.upsert("activity", fields or {"record": "改"}, a,
                                        base_version=self.version("activity", a)))

    @rule(i=INDEX, day=DAYS, due=DUES, j=INDEX)
    def create_edit_and_delete_in_one_batch(self, i: int, day: str, due: str | None, j: int) -> None:
        p = self.live("pairings", i)
        if p is not None:
            a = new_id()
            fields = {"pairing_id": p, "kind": "talk", "date": day, "record": "记", "follow_up_due": due}
            rest = [mutations.upsert("activity", {"date": "2026-11-24", "follow_up_due": "2026-11-24"}, a,
                                     base_version=1)]
            if j % 2:
                rest.append(mutations.delete("activity", a, base_version=2))
            self.apply(mutations.upsert("activity", fields, a), *rest)

    @invariant()
    def the_rows_are_a_fresh_query(self) -> None:
        assert latest(self.db) == latest_afresh(self.db)

    @invariant()
    def the_dashboard_lists_what_a_direct_query_finds(self) -> None:
        want = overdue_afresh(self.db)
        assert overdue_listed(self.db, self.w.reviewer) == want
        shown = dashboard(self.db, load_scope(self.db, self.w.reviewer), today=TODAY)["overdue_follow_ups"]
        assert shown["count"] == len(want)
        town = set(self.db.execute("SELECT id FROM pairings WHERE unit_id IN (?, ?)",
                                   [self.w.st11, self.w.st12]).fetchall())
        assert overdue_listed(self.db, self.w.staff_town1) == [r for r in want if (r[0],) in town]

    @invariant()
    def the_station_home_lists_what_a_direct_query_finds(self) -> None:
        want = overdue_afresh(self.db)
        assert station_listed(self.db, self.w.admin) == want
        station = set(self.db.execute("SELECT id FROM pairings WHERE unit_id = ?", [self.w.st11]).fetchall())
        assert station_listed(self.db, self.w.staff_st11) == [r for r in want if (r[0],) in station]


LatestMachine.TestCase.settings = settings(max_examples=25, stateful_step_count=25, deadline=None)
test_latest_under_random_writes = LatestMachine.TestCase
