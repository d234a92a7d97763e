"""A child handed on more than once: each former volunteer's visits are hers only inside her own
spans, worked out from the audit of the pairing's mentor changes (sync/handover.py)."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
import sqlite_utils

from sync import apply_mutations, mutations, new_id
from sync.handover import Span, former_spans
from sync.timeutil import SHANGHAI, format_utc

from ..factories import copy_county, make_device, make_user, mutate, row


@pytest.fixture
def w(db: sqlite_utils.Database) -> Any:
    return copy_county(db)


def hand_over_on(db: sqlite_utils.Database, w: Any, to: Any, day: str) -> None:
    """The station gives pairing 1 to ``to``, its audit dated ``day`` (noon in Shanghai) as if done then."""
    stored = row(db, "pairing", w.pairing1)
    assert stored is not None
    mutate(db, w.staff_st11, "pairing", {"mentor_id": to.user_id}, w.pairing1, base_version=stored["version"])
    noon = datetime.datetime.fromisoformat(f"{day}T12:00:00").replace(tzinfo=SHANGHAI)
    db.execute("UPDATE sync_audit SET at = ? WHERE id = (SELECT max(id) FROM sync_audit WHERE record_id = ?)",
               [format_utc(noon), w.pairing1])


def entered_as(db: sqlite_utils.Database, w: Any, author: Any, day: str) -> Any:
    fields = {"pairing_id": w.pairing1, "kind": "talk", "date": day, "record": "谈心", "author_id": author.user_id}
    (outcome,) = apply_mutations(db, w.staff_st11, [mutations.upsert("activity", fields, new_id())])
    return outcome


def test_a_volunteer_handed_the_child_twice_has_two_spans_and_no_visit_in_between(
        db: sqlite_utils.Database, w: Any) -> None:
    zhao = make_device(db, make_user(db, "mentor", w.st11, name="赵老师"))
    wang, li = w.mentor1, w.mentor2
    hand_over_on(db, w, li, "2026-09-30")    # 王 (from the start, 9月1日) → 李
    hand_over_on(db, w, wang, "2026-10-15")  # 李 → 王
    hand_over_on(db, w, zhao, "2026-11-10")  # 王 → 赵, who has the child now
    day = datetime.date.fromisoformat
    assert former_spans(db, row(db, "pairing", w.pairing1) or {}) == [
        Span(wang.user_id, day("2026-09-01"), day("2026-09-30")),
        Span(li.user_id, day("2026-09-30"), day("2026-10-15")),
        Span(wang.user_id, day("2026-10-15"), day("2026-11-10"))]
    for author, date in ((wang, "2026-09-20"), (wang, "2026-09-30"), (wang, "2026-10-20"), (li, "2026-10-05")):
        outcome = entered_as(db, w, author, date)
        assert outcome.status == "applied", (author.name, date, outcome.reason)
        assert (row(db, "activity", outcome.record_id) or {})["author_id"] == author.user_id
    # 王's weeks in between were 李's, and 李's before them 王's: not theirs.
    between = entered_as(db, w, wang, "2026-10-05")
    assert between.status == "rejected" and between.refused_field == "date"
    assert "王老师于2026年11月10日把孩子交给了别的志愿者" in (between.reason or "")
    assert "（2026年9月1日至9月30日、2026年10月15日至11月10日）" in (between.reason or "")
    assert "（2026年10月5日）不在其中" in (between.reason or "")
    before_li = entered_as(db, w, li, "2026-09-20")
    assert before_li.status == "rejected" and "（2026年9月30日至10月15日）" in (before_li.reason or "")
    assert entered_as(db, w, wang, "2026-11-20").status == "rejected"  # 赵's now


def test_a_volunteer_given_the_child_back_is_its_volunteer_and_the_one_between_only_for_her_weeks(
        db: sqlite_utils.Database, w: Any) -> None:
    wang, li = w.mentor1, w.mentor2
    hand_over_on(db, w, li, "2026-09-30")
    hand_over_on(db, w, wang, "2026-10-15")  # 王 → 李 → 王
    assert entered_as(db, w, wang, "2026-10-05").status == "applied"  # the pairing's volunteer now
    assert entered_as(db, w, li, "2026-10-05").status == "applied"
    assert entered_as(db, w, li, "2026-09-20").status == "rejected"
    assert entered_as(db, w, li, "2026-10-20").status == "rejected"
