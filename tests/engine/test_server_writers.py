"""Server-side writers (web forms, imports) get the same per-mutation rejections as phones."""
from __future__ import annotations

import sqlite_utils

from sync import apply_mutations, new_id
from sync.mutations import upsert
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


def test_a_web_edit_clashing_with_ones_own_save_and_anothers_says_whose_each_field_was(
        db: sqlite_utils.Database) -> None:
    """A form sent again from the web clashes with what its sender saved from it meanwhile (the grade)
    and what a colleague changed (the name): both are conflicts, so no text is lost, and each field is
    told as whose it was — never "已被别人先改过" about the sender's own words."""
    county = make_unit(db)
    school = make_unit(db, "县直学校", "school", county)
    staff, colleague = make_user(db, "staff", county), make_user(db, "staff", county)
    child = make_mentee(db, staff, school, grade="四年级")
    (first,) = apply_mutations(db, staff, [upsert("mentee", {"grade": "五年级"}, child, base_version=1)])
    (second,) = apply_mutations(db, colleague, [upsert("mentee", {"name": "小明明"}, child, base_version=2)])
    assert (first.status, second.status) == ("applied", "applied")

    (again,) = apply_mutations(db, staff, [upsert("mentee", {"grade": "六年级", "name": "小明二"}, child,
                                                     base_version=1)])

    assert again.status == "conflict"
    assert again.reason == ("“姓名”已被别人先改过，保留了先到的内容；“年级”在这张表单打开后已由您自己改过并保存"
                            "（在另一个标签页，或这张表单先前的一次提交），保留了先保存的内容；"
                            "您的内容已存为冲突记录，由工作人员在“冲突”页面决定保留哪一个。")
    assert db.execute("SELECT name, grade FROM mentees WHERE id = ?", [child]).fetchone() == ("小明明", "五年级")
