"""Conflicts as staff read them: who wrote the value that came first, found without walking the audit log."""
from __future__ import annotations

from typing import Any

import sqlite_utils

from server.queries.conflicts import get_conflict, open_conflicts
from sync import apply_mutations, load_scope
from sync.mutations import upsert

from ...factories import make_county, row


def _conflict(db: sqlite_utils.Database, w: Any, activity_id: str, staff_text: str, phone_text: str) -> str:
    """Staff change the record while the volunteer's phone, which had not seen that, changes it too."""
    current = row(db, "activity", activity_id)
    assert current is not None
    version = current["version"]
    (first,) = apply_mutations(db, w.staff_st11, [upsert("activity", {"record": staff_text}, activity_id,
                                                           base_version=version)])
    assert first.status == "applied", first.answer()
    (second,) = apply_mutations(db, w.mentor1, [upsert("activity", {"record": phone_text}, activity_id,
                                                         base_version=version)])
    answer = second.answer()
    assert answer["status"] == "conflict", answer
    return str(answer["conflicts"][0]["conflict_id"])


def test_the_list_names_who_wrote_each_first_value_and_the_child(db: sqlite_utils.Database) -> None:
    w: Any = make_county(db)
    conflict_id = _conflict(db, w, w.activity1, "站里更正", "手机补充")
    (listed,) = open_conflicts(db, load_scope(db, w.staff_st11))
    assert listed["id"] == conflict_id
    assert (listed["keeper_name"], listed["keeper_phone"], listed["sender_name"]) == ("站员一一", True, "王老师")
    assert listed["current_value"] == "站里更正" and listed["record"]["mentee_name"] == "小明"
    seen_by_county = get_conflict(db, load_scope(db, w.reviewer), conflict_id)
    assert seen_by_county is not None and seen_by_county["record"]["mentee_name"] is None  # code only


def test_the_list_reads_the_audit_log_by_record_number_not_by_a_scan(db: sqlite_utils.Database) -> None:
    w: Any = make_county(db)
    _conflict(db, w, w.activity1, "站里更正", "手机补充")
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)  # the statements as run, parameters filled in
    try:
        open_conflicts(db, load_scope(db, w.staff_st11))
    finally:
        db.conn.set_trace_callback(None)
    audit = [s for s in statements if "FROM sync_audit" in s]
    assert audit, statements
    for sql in audit:
        plan = " ".join(str(r) for r in db.execute("EXPLAIN QUERY PLAN " + sql).fetchall())
        assert "idx_sync_audit_num" in plan, (sql, plan)
