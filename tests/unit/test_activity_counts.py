"""activity_counts (sync/counts.py) holds exactly what a fresh GROUP BY of the activities gives, after
every kind of write that moves an activity between its rows: creates, edits of the date or the kind,
deletes, a child moving school, a batch that creates, edits and deletes one activity, a phone's
export entered at the station, and migration m027 over activities stored before it. Deleting a
pairing or a child changes no count, and the statistics form's 面对面谈心 and the dashboard's
activities per month, which read the counts, still give the figures worked out from the rows."""
from __future__ import annotations

import datetime
import json
import pathlib
from types import SimpleNamespace
from typing import Any

import pytest
import sqlite_utils
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

import sync.counts
from server.phone_export_entry import enter
from server.phone_exports import read_export
from server.queries.dashboard import dashboard
from server.queries.stats import compute_stats
from server.schema import migrations as server_migrations
from sync import apply_mutations, connect, load_scope, migrations, mutations, new_id
from sync.schema.m012_m031 import M027_ACTIVITY_COUNTS

from ..factories import (
    copy_county,
    edit,
    end_pairing,
    make_activity,
    make_county,
    make_mentee,
    make_pairing,
    mutate,
    remove,
    row,
)
from ..migrating import migrate_all_but
from ..stats_oracle import add_stats_records, expected_form
from .county_writes import INDEX, CountyWrites

YEAR = ("2026-01-01", "2026-12-31")


def counts(db: sqlite_utils.Database) -> list[tuple[Any, ...]]:
    return db.execute("SELECT date, unit_id, kind, n, entered FROM activity_counts ORDER BY 1, 2, 3").fetchall()


def counted_afresh(db: sqlite_utils.Database) -> list[tuple[Any, ...]]:
    return db.execute("SELECT date, unit_id, kind, count(*), count(entered_by) FROM activities WHERE deleted = 0"
                      " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3").fetchall()


def talks(db: sqlite_utils.Database, w: Any, unit: str, date_from: str = YEAR[0], date_to: str = YEAR[1]
          ) -> tuple[dict[str | None, int], dict[str | None, int]]:
    """面对面谈心 per row of ``unit``'s form, as computed and as worked out from the rows."""
    form = compute_stats(db, load_scope(db, w.reviewer), unit, date_from, date_to)
    assert form is not None
    expected = expected_form(db, unit, date_from, date_to)
    got = {r.unit_id: r.value("talks") for r in form.rows} | {None: form.total.value("talks")}
    want = {uid: f["talks"] for uid, _, f in expected["rows"]} | {None: expected["total"]["talks"]}
    return got, want


@pytest.fixture
def w(db: sqlite_utils.Database) -> SimpleNamespace:
    return copy_county(db)


def test_counts_follow_creates_and_edits_of_date_and_kind(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    a = make_activity(db, w.mentor1, w.pairing1, date="2026-11-01", kind="talk")
    b = make_activity(db, w.staff_st11, w.pairing1, date="2026-11-01", kind="talk")  # 代录, the same row
    assert (("2026-11-01", w.st11, "talk", 2, 1) in counts(db)) and counts(db) == counted_afresh(db)
    edit(db, w.mentor1, a, date="2026-10-31")
    edit(db, w.staff_st11, b, kind="remote")
    assert counts(db) == counted_afresh(db)
    assert not [r for r in counts(db) if r[:3] == ("2026-11-01", w.st11, "talk")]
    edit(db, w.mentor1, a, date="2026-10-30", kind="home_visit", record="两样都改")
    edit(db, w.mentor1, a, record="只改文字")  # no row moves
    assert counts(db) == counted_afresh(db)
    got, want = talks(db, w, w.county)
    assert got == want


def test_counts_follow_deletes_and_ignore_changes_that_move_no_row(db: sqlite_utils.Database,
                                                                   w: SimpleNamespace) -> None:
    a = make_activity(db, w.mentor1, w.pairing1, date="2026-09-09", kind="talk")
    make_activity(db, w.mentor1, w.pairing1, date="2026-09-09", kind="talk")
    remove(db, w.mentor1, "activity", a)
    assert ("2026-09-09", w.st11, "talk", 1, 0) in counts(db) and counts(db) == counted_afresh(db)
    remove(db, w.staff_st11, "activity", w.activity1)  # its row falls to zero and goes
    assert counts(db) == counted_afresh(db)
    assert not [r for r in counts(db) if r[3] <= 0]
    before = counts(db)
    mutate(db, w.staff_st11, "review", {"target_entity": "activity", "target_id": w.activity2,
                                        "decision": "approve"})  # a server-derived change of the activity
    assert counts(db) == before


def test_counts_follow_a_child_who_moves_school(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    make_activity(db, w.mentor1, w.pairing1, date="2026-05-01", kind="talk")
    gone = make_activity(db, w.mentor1, w.pairing1, date="2026-05-02", kind="talk")
    remove(db, w.mentor1, "activity", gone)
    current = row(db, "mentee", w.mentee1)
    assert current is not None
    mutate(db, w.staff_town1, "mentee", {"unit_id": w.st12}, w.mentee1, base_version=current["version"])
    assert counts(db) == counted_afresh(db)
    assert not [r for r in counts(db) if r[1] == w.st11 and r[0] == "2026-05-01"]
    assert ("2026-05-01", w.st12, "talk", 1, 0) in counts(db)
    got, want = talks(db, w, w.town1)
    assert got == want and got[w.st12] >= 2


def test_deleting_a_pairing_or_a_child_changes_no_count_and_the_form_takes_their_activities_off(
        db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    child = make_mentee(db, w.staff_st11, w.st11)
    pairing = make_pairing(db, w.staff_st11, w.mentor2, child)
    for day in ("2026-03-01", "2026-03-02"):
        make_activity(db, w.mentor2, pairing, date=day, kind="talk")
        make_activity(db, w.mentor1, w.pairing1, date=day, kind="talk")
    before = counts(db)
    remove(db, w.staff_st11, "pairing", pairing)
    end_pairing(db, w.staff_st11, w.pairing2)  # a child is deleted only once her pairings end
    remove(db, w.staff_st11, "mentee", w.mentee2)
    assert counts(db) == before == counted_afresh(db)
    got, want = talks(db, w, w.county)
    assert got == want and got[w.st11] == 3  # activity1 and mentee1's two; not the dead pairings' three
    month = {m["month"]: m["count"] for m in dashboard(db, load_scope(db, w.reviewer),
                                                       today=datetime.date(2026, 11, 25))["activities_by_month"]}
    assert month["2026-03"] == 2 and month["2026-11"] == 2  # activity1 and activity3; not activity2


def test_counts_follow_one_batch_that_creates_edits_and_deletes(db: sqlite_utils.Database,
                                                                 w: SimpleNamespace) -> None:
    made, moved, other = new_id(), new_id(), new_id()
    fields = {"pairing_id": w.pairing1, "kind": "talk", "date": "2026-10-01", "record": "一批里写的"}
    outcomes = apply_mutations(db, w.staff_st11, [
        mutations.upsert("activity", fields, made),
        mutations.upsert("activity", {"date": "2026-10-02"}, made, base_version=1),
        mutations.delete("activity", made, base_version=2),
        mutations.upsert("activity", fields, moved),
        mutations.upsert("activity", {"kind": "home_visit", "date": "2026-10-03"}, moved, base_version=1),
        mutations.upsert("activity", {**fields, "pairing_id": w.pairing3}, other),
        mutations.delete("activity", w.activity1, base_version=row(db, "activity", w.activity1)["version"]),  # type: ignore[index]
    ])
    assert [o.status for o in outcomes] == ["applied"] * 5 + ["rejected", "applied"]  # pairing3 is not st11's
    assert counts(db) == counted_afresh(db)
    assert ("2026-10-03", w.st11, "home_visit", 1, 1) in counts(db)
    assert not [r for r in counts(db) if r[0] in ("2026-10-01", "2026-10-02")]


def test_a_child_moved_in_the_batch_that_wrote_its_visit_takes_the_count_along(db: sqlite_utils.Database,
                                                                                w: SimpleNamespace) -> None:
    visit = new_id()
    version = row(db, "mentee", w.mentee1)["version"]  # type: ignore[index]
    apply_mutations(db, w.staff_town1, [
        mutations.upsert("activity", {"pairing_id": w.pairing1, "kind": "talk", "date": "2026-10-08",
                                      "record": "搬走前写的"}, visit),
        mutations.upsert("mentee", {"unit_id": w.st12}, w.mentee1, base_version=version),
    ])
    assert counts(db) == counted_afresh(db)
    assert ("2026-10-08", w.st12, "talk", 1, 1) in counts(db)


def test_a_phone_export_entered_at_the_station_is_counted(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    server_migrations.apply(db)  # the import ledger
    made = new_id()
    item = {"state": "unsent", "mutation_id": 7, "entity": "activity", "record_id": made, "op": "upsert",
            "base_version": None, "created_at": "2026-11-29T02:00:00.000Z",
            "fields": {"pairing_id": w.pairing1, "kind": "home_visit", "date": "2026-11-27", "record": "手机上的"},
            "mentee": {"code": "BX-1", "name": "小明"}}
    later = {**item, "mutation_id": 8, "fields": {"date": "2026-11-28", "kind": "talk"}}
    data = json.dumps({"app": "banxing", "exported_at": "2026-11-30T08:15:00.000Z", "device_id": new_id(),
                       "user": {"id": w.mentor1.user_id, "name": "王老师"}, "items": [item, later]}).encode()
    entered = enter(db, w.staff_st11, read_export(data))
    assert [e.outcome for e in entered] == ["entered", "updated"]
    assert counts(db) == counted_afresh(db)
    assert [r for r in counts(db) if r[:4] == ("2026-11-28", w.st11, "talk", 1)]


def test_the_form_reads_talks_from_the_counts_not_the_activities(db: sqlite_utils.Database,
                                                                 w: SimpleNamespace) -> None:
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        compute_stats(db, load_scope(db, w.reviewer), w.county, *YEAR)
    finally:
        db.conn.set_trace_callback(None)
    assert not [s for s in statements if "JOIN activities r" in s], statements
    (counted,) = [s for s in statements if "FROM activity_counts" in s]
    plan = " ".join(str(r[3]) for r in db.execute("EXPLAIN QUERY PLAN " + counted).fetchall())
    assert "SEARCH activity_counts USING PRIMARY KEY (date>? AND date<?)" in plan, plan


def test_a_volunteers_form_still_walks_the_activities(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    # A volunteer's scope is by pairing, not by unit: the counts cannot tell their activities apart.
    scope = load_scope(db, w.mentor1)
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        compute_stats(db, scope, w.st11, *YEAR)
    finally:
        db.conn.set_trace_callback(None)
    assert not [s for s in statements if "FROM activity_counts" in s]


def test_the_migration_counts_the_activities_stored_before_it(tmp_path: pathlib.Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    steps = ["m027_activity_counts", "m044_activity_counts_entered"]  # m044 alters m027's table
    db = connect(tmp_path / "banxing.db")
    migrate_all_but(db, *steps)
    with monkeypatch.context() as patch:
        patch.setattr(sync.counts, "write", lambda db, stored, activities: None)  # a write path from before the step
        w = add_stats_records(db, make_county(db))
    assert db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'activity_counts'").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM activities WHERE deleted = 1").fetchone()[0] > 0

    assert migrations.apply(db) == steps

    assert counts(db) == counted_afresh(db) and len(counts(db)) > 10
    for unit in (w.county, w.town1, w.st11):
        for period in (YEAR, ("2026-03-10", "2026-03-11"), ("2025-12-31", "2027-01-01")):
            got, want = talks(db, w, unit, *period)
            assert got == want, (unit, period)
    make_activity(db, w.staff_st21, w.pairing3, date="2026-11-02")  # and the write path keeps them from here
    assert counts(db) == counted_afresh(db)
    db.close()


def test_the_migration_counts_the_entered_visits_stored_before_it(tmp_path: pathlib.Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    step = "m044_activity_counts_entered"
    db = connect(tmp_path / "banxing.db")
    migrate_all_but(db, step)
    with monkeypatch.context() as patch:
        patch.setattr(sync.counts, "write", lambda db, stored, activities: None)
        w = add_stats_records(db, make_county(db))
        make_activity(db, w.staff_st11, w.pairing1, date="2026-11-02", kind="talk")  # 代录
        make_activity(db, w.staff_st21, w.pairing3, date="2026-10-02", kind="remote")  # 代录
        remove(db, w.staff_st11, "activity", make_activity(db, w.staff_st11, w.pairing1, date="2026-11-02"))
    # What the write path before m044 kept: every n, no entered.
    db.execute("DELETE FROM activity_counts")
    db.execute(M027_ACTIVITY_COUNTS[1])
    columns = [r[1] for r in db.execute("PRAGMA table_info(activity_counts)").fetchall()]
    assert columns == ["date", "unit_id", "kind", "n"]
    (entered,) = db.execute("SELECT count(*) FROM activities WHERE deleted = 0 AND entered_by IS NOT NULL").fetchone()
    assert entered >= 2

    assert migrations.apply(db) == [step]

    assert counts(db) == counted_afresh(db) and sum(r[4] for r in counts(db)) == entered
    assert ("2026-11-02", w.st11, "talk", 1, 1) in counts(db)
    make_activity(db, w.staff_st21, w.pairing3, date="2026-11-02")  # and the write path keeps them from here
    assert counts(db) == counted_afresh(db)
    db.close()


def _visit(day: str = "2026-11-02", kind: str = "talk", entered_by: str | None = None, deleted: int = 0,
           unit: str = "U1") -> dict[str, Any]:
    return {"date": day, "unit_id": unit, "kind": kind, "entered_by": entered_by, "deleted": deleted}


@pytest.mark.parametrize(("before", "after", "rows"), [
    pytest.param(None, _visit(entered_by="S"), [("2026-11-02", "U1", "talk", 1, 1)], id="create_entered"),
    pytest.param(None, _visit(), [("2026-11-02", "U1", "talk", 1, 0)], id="create_own"),
    pytest.param(_visit(), _visit(entered_by="S"), [("2026-11-02", "U1", "talk", 1, 1)], id="set_entered_by"),
    pytest.param(_visit(entered_by="S"), _visit(), [("2026-11-02", "U1", "talk", 1, 0)], id="clear_entered_by"),
    pytest.param(_visit(entered_by="S"), _visit(entered_by="S", deleted=1), [], id="delete"),
    pytest.param(_visit(entered_by="S", deleted=1), _visit(entered_by="S"), [("2026-11-02", "U1", "talk", 1, 1)],
                 id="undelete"),
    pytest.param(_visit(entered_by="S"), _visit("2026-11-03", "home_visit", "S", unit="U2"),
                 [("2026-11-03", "U2", "home_visit", 1, 1)], id="move_date_kind_unit"),
    pytest.param(_visit(entered_by="S"), _visit("2026-11-03", entered_by=None),
                 [("2026-11-03", "U1", "talk", 1, 0)], id="move_and_clear"),
])
def test_counts_write_keeps_entered_for_every_change(db: sqlite_utils.Database, before: dict[str, Any] | None,
                                                     after: dict[str, Any], rows: list[tuple[Any, ...]]) -> None:
    # entered_by is the server's field, set once on create; the counts follow it whatever it does.
    sync.counts.write(db, {"a": None}, {"a": {**_visit(entered_by="S")}})  # a neighbour on the same row
    sync.counts.write(db, {"x": None}, {"x": before} if before else {})
    sync.counts.write(db, {"x": before}, {"x": after})
    neighbour = ("2026-11-02", "U1", "talk")
    got = {r[:3]: r for r in counts(db)}
    n, e = got.pop(neighbour, (*neighbour, 0, 0))[3:]
    want = {r[:3]: r for r in rows}
    own = want.pop(neighbour, (*neighbour, 0, 0))[3:]
    assert (n, e) == (own[0] + 1, own[1] + 1)
    assert got == want


# --- random sequences of writes ----------------------------------------------------------

DAYS = st.sampled_from(["2025-12-31", "2026-01-01", "2026-03-15", "2026-06-30", "2026-07-01", "2026-11-20"])
KINDS = st.sampled_from(["home_visit", "talk", "remote", "group"])


class CountsMachine(CountyWrites):
    """Staff of the county write at random; after every step the counts are a fresh GROUP BY, and the
    form and the dashboard give the figures worked out from the rows."""

    @rule(i=INDEX, day=DAYS, kind=KINDS, n=st.integers(1, 3))
    def create_activities(self, i: int, day: str, kind: str, n: int) -> None:
        p = self.live("pairings", i)
        if p is not None:
            self.apply(*(mutations.upsert("activity", {"pairing_id": p, "kind": kind, "date": day, "record": "记"},
                                          new_id()) for _ in range(n)))

    @rule(i=INDEX, day=st.none() | DAYS, kind=st.none() | KINDS)
    def edit_activity(self, i: int, day: str | None, kind: str | None) -> None:
        fields = {k: v for k, v in (("date", day), ("kind", kind)) if v is not None} or {"record": "改"}
        a = self.writable_activity(i)
        if a is not None:
            self.apply(mutations.upsert("activity", fields, a, base_version=self.version("activity", a)))

    @rule(i=INDEX, day=DAYS, kind=KINDS, j=INDEX)
    def create_edit_and_delete_in_one_batch(self, i: int, day: str, kind: str, j: int) -> None:
        p = self.live("pairings", i)
        if p is not None:
            a = new_id()
            fields = {"pairing_id": p, "kind": kind, "date": day, "record": "记"}
            rest = [mutations.upsert("activity", {"date": "2026-01-01"}, a, base_version=1)]
            if j % 2:
                rest.append(mutations.delete("activity", a, base_version=2))
            self.apply(mutations.upsert("activity", fields, a), *rest)

    @invariant()
    def counts_are_a_fresh_group_by(self) -> None:
        assert counts(self.db) == counted_afresh(self.db)

    @invariant()
    def the_form_and_the_dashboard_give_the_rows_figures(self) -> None:
        for period in (YEAR, ("2026-03-15", "2026-07-01")):
            got, want = talks(self.db, self.w, self.w.county, *period)
            assert got == want, period
        today = datetime.date(2026, 11, 25)
        months = {m["month"]: m["count"] for m in dashboard(self.db, load_scope(self.db, self.w.reviewer),
                                                             today=today)["activities_by_month"]}
        live = self.db.execute(
            "SELECT substr(a.date, 1, 7), count(*) FROM activities a JOIN pairings p ON p.id = a.pairing_id"
            " JOIN mentees m ON m.id = p.mentee_id WHERE a.deleted = 0 AND p.deleted = 0 AND m.deleted = 0"
            " AND a.date >= '2025-12-01' AND a.date <= ? GROUP BY 1", [today.isoformat()]).fetchall()
        assert {k: v for k, v in months.items() if v} == dict(live)


CountsMachine.TestCase.settings = settings(max_examples=25, stateful_step_count=25, deadline=None)
test_counts_under_random_writes = CountsMachine.TestCase
