"""Children's codes stored as typed before the write path kept them in one form (sync/schema/m032_m049.py
m035): each is rewritten to its one form, versioned, fed and audited, so a clean code finds the
child already registered instead of registering it twice."""
from __future__ import annotations

import json
import pathlib

from server.imports.mentees import plan_mentees
from sync import connect, migrations, new_id
from sync.audit import record_history
from sync.scope import load_scope
from tests.factories import make_county, push, upsert
from tests.migrating import migrate_all_but

STEPS = ("m035_mentee_codes_in_one_form",)


def test_an_old_code_with_odd_spaces_is_repaired_so_the_clean_code_never_registers_the_child_twice(
        tmp_path: pathlib.Path) -> None:
    db = connect(tmp_path / "banxing.db")
    migrate_all_but(db, *STEPS)
    w = make_county(db)
    typed = {w.mentee3: "BX-2019-0007\u3000", w.mentee1: "BX-2019 -0008", w.mentee2: "BX-2019-0009\t"}
    with db.conn:  # as stored before the code rule: written straight into the table
        for child, code in typed.items():
            db.execute("UPDATE mentees SET code = ? WHERE id = ?", [code, child])
    versions = dict(db.execute("SELECT id, version FROM mentees").fetchall())
    (head,) = db.execute("SELECT max(seq) FROM sync_feed").fetchone()

    assert "m035_mentee_codes_in_one_form" in migrations.apply(db)

    stored = {r[0]: r[1:] for r in db.execute("SELECT id, code, grade, version FROM mentees").fetchall()}
    assert {child: stored[child][0] for child in typed} == {
        w.mentee3: "BX-2019-0007", w.mentee1: "BX-2019-0008", w.mentee2: "BX-2019-0009"}
    assert stored[w.mentee3][2] == versions[w.mentee3] + 1
    assert record_history(db, "mentee", w.mentee3)[-1]["changes"] == {"code": ["BX-2019-0007\u3000", "BX-2019-0007"]}
    # The feed carries the new version, at the head, so every copy pulls the child again.
    (feed_version, seq) = db.execute("SELECT version, seq FROM sync_feed WHERE record_id = ?",
                                     [w.mentee2]).fetchone()
    assert feed_version == stored[w.mentee2][2] and seq > head

    # Another station's form or phone brings 小芳 under her clean code: refused, not a second child.
    (answer,) = push(db, w.staff_st11, upsert("mentee", new_id(), {"unit_id": w.st11, "code": "BX-2019-0007",
                                                                   "name": "小芳"}, 1))
    assert answer["status"] == "rejected" and "已被另一个孩子使用" in answer["reason"], answer
    # And so does a sheet, whose probe is the same index.
    plan = plan_mentees(db, load_scope(db, w.staff_st11), w.st11,
                        [(2, {"code": "BX-2019-0007", "name": "小芳", "unit": ""})])
    assert plan.rows[0].errors and "已是别的单位的一个孩子的编号" in plan.rows[0].errors[0], plan.rows[0]
    assert db.execute("SELECT count(*) FROM mentees WHERE name = '小芳'").fetchone() == (1,)
    assert json.loads(db.execute("SELECT field_versions FROM mentees WHERE id = ?",
                                 [w.mentee1]).fetchone()[0])["code"] == stored[w.mentee1][2]
    db.close()


def test_grades_typed_four_ways_are_stored_as_one_so_a_count_by_grade_has_one_row(tmp_path: pathlib.Path) -> None:
    """初一, 7年级, 初中一年级 (old rows, m036) and 七年级 are one grade; so are 十年级 and 高一; a form
    or a phone writing 初二 from now on stores 八年级. A class after the grade keeps its class."""
    db = connect(tmp_path / "banxing.db")
    migrate_all_but(db, "m036_grades_in_one_form")
    w = make_county(db)
    typed = {w.mentee1: "初一", w.mentee2: "7年级", w.mentee_unpaired: "初中一年级（3）班", w.mentee3: "十年级"}
    with db.conn:  # as stored before the rule: written straight into the table
        for child, grade in typed.items():
            db.execute("UPDATE mentees SET grade = ? WHERE id = ?", [grade, child])

    assert migrations.apply(db) == ["m036_grades_in_one_form"]

    by_grade = dict(db.execute("SELECT grade, count(*) FROM mentees GROUP BY grade").fetchall())
    assert by_grade == {"七年级": 2, "七年级(3)班": 1, "高一": 1}
    assert record_history(db, "mentee", w.mentee1)[-1]["changes"] == {"grade": ["初一", "七年级"]}
    fresh = new_id()
    (version,) = db.execute("SELECT version FROM mentees WHERE id = ?", [w.mentee1]).fetchone()
    answers = push(db, w.staff_st11, upsert("mentee", fresh, {"unit_id": w.st11, "name": "小亮", "code": "BX-1",
                                                              "grade": "初二"}, 1),
                   upsert("mentee", w.mentee1, {"grade": "小学 四年级"}, 2, base_version=version))
    assert [a["status"] for a in answers] == ["applied", "applied"], answers
    assert db.execute("SELECT grade FROM mentees WHERE id IN (?, ?) ORDER BY id = ?",
                      [fresh, w.mentee1, w.mentee1]).fetchall() == [("八年级",), ("四年级",)]
    db.close()
