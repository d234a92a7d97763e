"""Importing volunteers: every new account gets its own login, and the logins in use are read once."""
from __future__ import annotations

from typing import Any

import sqlite_utils

from server.imports.mentors import import_mentors
from sync import load_scope

from ..factories import make_county


def test_new_volunteers_without_a_usable_phone_get_distinct_logins_read_once(db: sqlite_utils.Database) -> None:
    w: Any = make_county(db)
    rows = [(2 + i, {"name": f"志愿者{i}", "phone": f"11{i}"}) for i in range(3)]  # too short for m + phone
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        plan = import_mentors(db, w.staff_st11, load_scope(db, w.staff_st11), rows, update=False)
    finally:
        db.conn.set_trace_callback(None)
    assert not plan.errors, [r.errors for r in plan.rows]
    logins = [r[0] for r in db.execute("SELECT login FROM users WHERE phone IN ('110', '111', '112') ORDER BY phone")]
    assert len(logins) == len(set(logins)) == 3 and all(login.startswith("m") for login in logins)
    assert sum("LIKE 'm%'" in s for s in statements) == 1, "the logins in use are read once per import"
