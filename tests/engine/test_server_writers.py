"""Server-side writers (web forms, imports) get the same per-mutation rejections as phones."""
from __future__ import annotations

import sqlite_utils

from sync import apply_mutations, new_id
from tests.factories import make_mentee, make_pairing, make_unit, make_user


def test_unstorable_text_in_one_web_mutation_rejects_only_that_mutation(db: sqlite_utils.Database) -> None:
    county = make_unit(db)
    staff = make_user(db, "staff", county)
    school = make_unit(db, "县直学校", "school", county)
    pairing = make_pairing(db, staff, make_user(db, "mentor", county), make_mentee(db, staff, school))

    def activity(text: str) -> dict:
        return {"entity": "activity", "record_id": new_id(), "op": "upsert", "base_version": None,
                "fields": {"pairing_id": pairing, "kind": "talk", "date": "2026-11-20", "record": text}}

    bad, good = apply_mutations(db, staff, [activity("乱码\ud800"), activity("代录的谈心记录")])
    assert bad.status == "rejected" and "过程记录" in (bad.reason or "")
    assert good.status == "applied"
    assert db.execute("SELECT record FROM activities").fetchall() == [("代录的谈心记录",)]
