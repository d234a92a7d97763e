"""The referral list: "open" means referred or received, the same rule as the station home page."""
from __future__ import annotations

from typing import Any

import sqlite_utils

from server.queries.referrals import list_referrals, open_referrals
from sync import load_scope

from ...factories import make_county, mutate


def test_the_open_filter_lists_referred_and_received_not_concluded(db: sqlite_utils.Database) -> None:
    w: Any = make_county(db)

    def refer(**more: Any) -> str:
        return mutate(db, w.staff_st11, "referral", {"mentee_id": w.mentee2, "target": "counselling_room",
                                                     "referred_on": "2026-11-03", **more})

    received = refer(status="received", received_on="2026-11-05")
    concluded = refer(status="concluded", received_on="2026-11-05", concluded_on="2026-11-20")
    scope = load_scope(db, w.staff_st11)
    listed = {r["id"] for r in list_referrals(db, scope, {"status": "open"})[0]}
    assert listed == {w.referral1, received} == {r["id"] for r in open_referrals(db, scope)}
    assert {r["id"] for r in list_referrals(db, scope, {})[0]} == {w.referral1, received, concluded}
