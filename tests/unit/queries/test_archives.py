"""The pairing archive: the list's search reads ``%`` and ``_`` as the characters they are; the
timeline is in the users' local date order."""
from __future__ import annotations

from typing import Any

import sqlite_utils

from server.queries.archives import archive, list_pairings
from sync import load_scope, transaction

from ...factories import make_activity, make_county, make_mentee, make_pairing, mutate


def test_archive_search_takes_percent_and_underscore_literally(db: sqlite_utils.Database) -> None:
    w: Any = make_county(db)
    odd = make_pairing(db, w.staff_st11, w.mentor1, make_mentee(db, w.staff_st11, w.st11, code="M_100%"))
    for actor in (w.staff_st11, w.reviewer):  # names searched too, and codes only
        scope = load_scope(db, actor)
        for text in ("_", "%"):  # as wildcards either would match every pairing
            rows, total = list_pairings(db, scope, {"q": text})
            assert ([r["id"] for r in rows], total) == ([odd], 1), (actor.role, text)


def test_archive_timeline_dates_a_pairing_review_by_its_local_day(db: sqlite_utils.Database) -> None:
    w: Any = make_county(db)
    visit = make_activity(db, w.mentor1, w.pairing1, date="2026-11-20")
    review = mutate(db, w.staff_town1, "review", {"target_entity": "pairing", "target_id": w.pairing1,
                                                  "decision": "approve"})
    # Approved at 07:30 on 21 November in Beijing (23:30 UTC the day before); the visit of the
    # 20th was typed in after that.
    with transaction(db):
        db.execute("UPDATE reviews SET created_at = '2026-11-20T23:30:00.000Z' WHERE id = ?", [review])
        db.execute("UPDATE activities SET created_at = '2026-11-21T02:00:00.000Z' WHERE id = ?", [visit])
    found = archive(db, load_scope(db, w.reviewer), w.pairing1)
    assert found is not None
    order = [(e["kind"], e["date"]) for e in found["timeline"] if e["kind"] in ("activity", "review")]
    assert order[-2:] == [("activity", "2026-11-20"), ("review", "2026-11-21")]
