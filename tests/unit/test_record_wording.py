"""Each kind of record is named with its own measure word when a sentence says "this one":
找不到这个帮扶对象 and 这个单位, never 这条帮扶对象 or 这条单位."""
from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
import sqlite_utils

from server.pages.path_records import not_found
from sync import apply_mutations, new_id
from sync.entities import ENTITIES
from sync.mutations import upsert
from tests.factories import copy_county, delete

THIS_ONE = {
    "unit": "这个单位", "mentee": "这个帮扶对象", "pairing": "这个结对", "activity": "这条帮扶活动",
    "screening": "这条摸排记录", "event": "这次集体活动", "enrolment": "这组在校人数", "stats_return": "这份统计表",
    "review": "这条审核记录", "referral": "这条转介记录", "inspection": "这次督查", "peer_helper": "这个班级的骨干学生",
    "donation": "这条爱心捐助记录",
}


@pytest.fixture
def w(db: sqlite_utils.Database) -> Iterator[SimpleNamespace]:
    yield copy_county(db)


def test_every_kind_of_record_not_found_is_named_with_its_measure_word(db: sqlite_utils.Database,
                                                                        w: SimpleNamespace) -> None:
    assert set(THIS_ONE) == set(ENTITIES)
    for name, this_one in THIS_ONE.items():
        (outcome,) = apply_mutations(db, w.admin, [{**delete(name, new_id(), 1), "mutation_id": None}])
        assert outcome.status == "rejected" and outcome.reason is not None
        assert outcome.reason.startswith(f"找不到{this_one}："), outcome.reason
    for noun, words in (("帮扶对象", "找不到这个帮扶对象，"), ("单位", "找不到这个单位，"),
                        ("账号", "找不到这个账号，"), ("志愿者", "找不到这位志愿者，"), ("手机", "找不到这台手机，"),
                        ("记录", "找不到这条记录，"), ("统计表报送", "找不到这份统计表，"),
                        ("督查记录", "找不到这条督查记录，")):
        assert not_found(noun).message.startswith(words), noun


def test_a_child_not_found_or_not_yours_is_refused_without_the_raw_id(db: sqlite_utils.Database,
                                                                      w: SimpleNamespace) -> None:
    """A station that picks a child of another town (or one that never was) is told to choose again,
    not shown an id, and cannot tell the two apart."""
    answers = []
    for child in (w.mentee3, new_id()):
        (outcome,) = apply_mutations(db, w.staff_st11, [upsert("referral", {
            "mentee_id": child, "target": "counselling_room", "referred_on": "2026-11-20"}, new_id())])
        assert outcome.status == "rejected" and outcome.refused_field == "mentee_id"
        assert child not in str(outcome.reason) and "请刷新页面后重新选择" in str(outcome.reason)
        answers.append(outcome.reason)
    assert answers[0] == answers[1]
