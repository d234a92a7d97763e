"""Conflicts an older server left open on a deleted child's records or a deleted pairing's visits
(sync/schema/m032_m049.py m038): their choices can no longer be taken, so they close, both values kept."""
from __future__ import annotations

import pathlib

from sync import connect, migrations
from tests.factories import end_pairing, make_county, mutate, push, remove, row, upsert
from tests.migrating import migrate_all_but

STEP = "m038_conflicts_of_deleted_files_close"


def test_conflicts_left_open_on_deleted_files_close_and_others_stay_open(tmp_path: pathlib.Path) -> None:
    db = connect(tmp_path / "banxing.db")
    migrate_all_but(db, STEP)
    w = make_county(db)
    parked = []
    for staff, mentor, activity in ((w.staff_st11, w.mentor1, w.activity1), (w.staff_st11, w.mentor2, w.activity2),
                                    (w.staff_st21, w.mentor3, w.activity3)):
        version = row(db, "activity", activity)["version"]
        mutate(db, staff, "activity", {"record": "站里先改的"}, activity, base_version=version)
        (answer,) = push(db, mentor, upsert("activity", activity, {"record": "手机后到的"}, 1, base_version=version))
        parked.append(answer["conflicts"][0]["conflict_id"])
    end_pairing(db, w.staff_st11, w.pairing1)
    remove(db, w.staff_st11, "mentee", w.mentee1)
    remove(db, w.staff_st11, "pairing", w.pairing2)
    with db.conn:  # as an older server left them: the deletes closed nothing
        db.execute("UPDATE sync_conflicts SET status = 'open', resolution = NULL, resolved_at = NULL")

    assert migrations.apply(db) == [STEP]

    states = [db.execute("SELECT status, resolution, other_value FROM sync_conflicts WHERE id = ?", [c]).fetchone()
              for c in parked]
    assert states == [("resolved", "file_deleted", '"手机后到的"'), ("resolved", "file_deleted", '"手机后到的"'),
                      ("open", None, '"手机后到的"')]
