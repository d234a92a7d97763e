"""Pairings stored closed without an end date (before the write path refused it) counted nowhere:
not running, and ended in no period. m037 gives each the Asia/Shanghai day it was closed, audited,
so every report counts it once, in that day's period."""
from __future__ import annotations

import pathlib

from server.queries.stats import compute_stats
from sync import Scope, connect, migrations
from sync.audit import record_history
from sync.scope import Actor
from tests.factories import end_pairing, make_county, make_pairing
from tests.migrating import migrate_all_but

STEP = "m037_ended_pairings_get_their_end_date"


def test_a_pairing_closed_without_an_end_date_gets_the_local_day_it_was_closed_and_counts_in_that_period(
        tmp_path: pathlib.Path) -> None:
    db = connect(tmp_path / "banxing.db")
    migrate_all_but(db, STEP)
    w = make_county(db)
    end_pairing(db, w.staff_st11, w.pairing1, end_date="2026-11-24", outcome="improved")
    idle = make_pairing(db, w.staff_st11, w.mentor1, w.mentee_unpaired)
    with db.conn:  # as stored before the rule: the end date missing
        # Closed (好转) through the write path at 00:10 on 1 December in 如东, still 30 November in UTC.
        db.execute("UPDATE sync_audit SET at = '2026-11-30T16:10:00.000Z' WHERE record_id = ?"
                   " AND json_extract(changes, '$.status[1]') = 'closed'", [w.pairing1])
        # Closed by an older import straight into the table: only its last change says when.
        db.execute("UPDATE pairings SET status = 'closed', updated_at = '2026-10-31T17:30:00.000Z' WHERE id = ?",
                   [idle])
        # Closed by an older phone or page after its last visit, without a date: the visit of 20
        # November stands after a closing dated by the last change.
        db.execute("UPDATE pairings SET status = 'closed', updated_at = '2026-11-02T01:00:00.000Z' WHERE id = ?",
                   [w.pairing2])
        db.execute("UPDATE pairings SET end_date = NULL WHERE id IN (?, ?, ?)", [w.pairing1, idle, w.pairing2])
    county = Scope(Actor("", "admin", ""), None)
    before = compute_stats(db, county, w.st11, "2026-12-01", "2026-12-31")
    assert before is not None and before.total.value("helped") == 0

    assert migrations.apply(db) == [STEP]

    ends = dict(db.execute("SELECT id, end_date FROM pairings WHERE id IN (?, ?, ?)",
                           [w.pairing1, idle, w.pairing2]).fetchall())
    assert ends == {w.pairing1: "2026-12-01", idle: "2026-11-01", w.pairing2: "2026-11-20"}
    assert record_history(db, "pairing", w.pairing1)[-1]["changes"] == {"end_date": [None, "2026-12-01"]}
    after = compute_stats(db, county, w.st11, "2026-12-01", "2026-12-31")
    assert after is not None and after.total.value("helped") == 1
    assert db.execute("SELECT count(*) FROM pairings WHERE status = 'closed' AND end_date IS NULL").fetchone() == (0,)
    db.close()
