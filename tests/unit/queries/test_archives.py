"""The pairing archive list: its search reads ``%`` and ``_`` as the characters they are."""
from __future__ import annotations

from typing import Any

import sqlite_utils

from server.queries.archives import list_pairings
from sync import load_scope

from ...factories import make_county, make_mentee, make_pairing


def test_archive_search_takes_percent_and_underscore_literally(db: sqlite_utils.Database) -> None:
    w: Any = make_county(db)
    odd = make_pairing(db, w.staff_st11, w.mentor1, make_mentee(db, w.staff_st11, w.st11, code="M_100%"))
    for actor in (w.staff_st11, w.reviewer):  # names searched too, and codes only
        scope = load_scope(db, actor)
        for text in ("_", "%"):  # as wildcards either would match every pairing
            rows, total = list_pairings(db, scope, {"q": text})
            assert ([r["id"] for r in rows], total) == ([odd], 1), (actor.role, text)
