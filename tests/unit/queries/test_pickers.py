"""The volunteer pickers: the archive filter's plain list (``mentor_options``) and the pairing forms'
list that also says how many children each volunteer helps now (``mentor_choices``)."""
from __future__ import annotations

from typing import Any

import pytest
import sqlite_utils

from server.queries.pickers import mentor_choices, mentor_options
from sync import load_scope

from ...factories import copy_county
from .test_mentees import statements_of


@pytest.fixture
def w(db: sqlite_utils.Database) -> Any:
    return copy_county(db)


def helping(db: sqlite_utils.Database, mentor: Any) -> int:
    return int(db.execute(
        "SELECT count(*) FROM pairings p JOIN mentees m ON m.id = p.mentee_id WHERE p.mentor_id = ?"
        " AND p.status = 'active' AND p.deleted = 0 AND m.deleted = 0", [mentor.user_id]).fetchone()[0])


def test_mentor_options_name_each_volunteer_and_unit_without_counting_pairings(
        db: sqlite_utils.Database, w: Any) -> None:
    """No caller shows the archive filter's volunteers with their load: counting each one's
    pairings there was a subquery per volunteer for nothing. Pairings are asked of stopped
    accounts only (whether one has any archive to find), never counted."""
    scope = load_scope(db, w.staff_st11)
    options: list[tuple[str, str]] = []
    statements = statements_of(db, lambda: options.extend(mentor_options(db, scope)))
    labels = dict(options)
    assert labels[w.mentor1.user_id].startswith("王老师（") and labels[w.mentor2.user_id].startswith("李老师（")
    assert w.mentor3.user_id not in labels  # another town's station
    assert not any("正在帮扶" in label or "还没有结对" in label for label in labels.values()), labels
    asking_pairings = [sql for sql in statements if "pairings" in sql]
    assert all("us.active = 0" in sql and "EXISTS" in sql for sql in asking_pairings), statements
    assert not any("count(" in sql.lower() for sql in statements), statements


def test_mentor_choices_still_say_how_many_children_each_helps(db: sqlite_utils.Database, w: Any) -> None:
    choices = dict(mentor_choices(db, load_scope(db, w.staff_st11)).options)
    for mentor in (w.mentor1, w.mentor2):
        count = helping(db, mentor)
        said = f" · 正在帮扶 {count} 个孩子" if count else " · 还没有结对的孩子"
        assert choices[mentor.user_id].endswith(said), choices
    assert helping(db, w.mentor1) >= 1
