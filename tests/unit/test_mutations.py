"""Bad input: each problem rejects only its own mutation, with a sentence a person can act on."""
from __future__ import annotations

import json
import pathlib
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
import sqlite_utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync import BatchInvalid, BatchTooLarge, apply_batch, apply_mutations, connect, migrations, new_id
from sync.batches import read_batch
from sync.entities import ENTITIES, SHORT_MAX, TEXT_MAX, Field
from sync.mutations import Mutation, Rejection, check_value, read_mutation
from tests.factories import (
    make_activity,
    make_device,
    make_mentee,
    make_pairing,
    make_unit,
    make_user,
    push,
    row,
    table_counts,
    upsert,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


def assert_sentence(reason: Any, *fragments: str) -> None:
    """A Chinese sentence that names the problem."""
    assert isinstance(reason, str) and CJK.search(reason), reason
    assert reason.rstrip().endswith(("。", "）", ")")), reason
    for fragment in fragments:
        assert fragment in reason, f"{fragment!r} not named in {reason!r}"


def build(db: sqlite_utils.Database) -> SimpleNamespace:
    w = SimpleNamespace()
    w.county = make_unit(db)
    w.staff = make_user(db, "staff", w.county)
    w.mentor = make_device(db, make_user(db, "mentor", w.county))
    w.mentee = make_mentee(db, w.staff, make_unit(db, "县直学校", "school", w.county))
    w.pairing = make_pairing(db, w.staff, w.mentor, w.mentee)
    w.activity = make_activity(db, w.mentor, w.pairing)
    w.other_activity = make_activity(db, w.mentor, w.pairing)
    return w


@pytest.fixture
def w(db: sqlite_utils.Database) -> SimpleNamespace:
    return build(db)


def new_activity(w: SimpleNamespace, **fields: Any) -> dict[str, Any]:
    base = {"pairing_id": w.pairing, "kind": "talk", "date": "2026-11-21", "record": "谈心"}
    return {"entity": "activity", "record_id": new_id(), "op": "upsert", "base_version": None,
            "fields": {**base, **fields}}


def edit_activity(w: SimpleNamespace, **fields: Any) -> dict[str, Any]:
    return {"entity": "activity", "record_id": w.activity, "op": "upsert", "base_version": 1, "fields": fields}


def without(mutation: dict[str, Any], *names: str) -> dict[str, Any]:
    return {**mutation, "fields": {k: v for k, v in mutation["fields"].items() if k not in names}}


# Each case: a bad mutation (built from the world) and the words its reason must contain.
BAD: dict[str, tuple[Callable[[SimpleNamespace], dict[str, Any]], tuple[str, ...]]] = {
    "text_is_a_number": (lambda w: edit_activity(w, record=123), ("过程记录", "应为文字")),
    "short_text_is_a_list": (lambda w: edit_activity(w, place=["家"]), ("地点", "应为文字")),
    "unknown_entity": (lambda w: {**edit_activity(w, record="x"), "entity": "visit"}, ("未知的记录类型", "visit")),
    "entity_missing": (lambda w: {k: v for k, v in edit_activity(w, record="x").items() if k != "entity"},
                       ("未知的记录类型",)),
    "unknown_op": (lambda w: {**edit_activity(w, record="x"), "op": "patch"}, ("op", "patch")),
    "op_missing": (lambda w: {k: v for k, v in edit_activity(w, record="x").items() if k != "op"}, ("op",)),
    "record_id_not_uuid": (lambda w: {**new_activity(w), "record_id": "visit-1"}, ("record_id", "UUID")),
    "record_id_upper_case": (lambda w: {**new_activity(w), "record_id": new_id().upper()}, ("record_id", "UUID")),
    "record_id_in_braces": (lambda w: {**new_activity(w), "record_id": "{" + new_id() + "}"}, ("record_id", "UUID")),
    "record_id_without_dashes": (lambda w: {**new_activity(w), "record_id": new_id().replace("-", "")},
                                 ("record_id", "UUID")),
    "record_id_is_a_number": (lambda w: {**new_activity(w), "record_id": 12}, ("record_id", "UUID")),
    "impossible_date": (lambda w: new_activity(w, date="2026-02-30"), ("日期", "不是真实存在的日期", "2026-02-30")),
    "date_without_dashes": (lambda w: new_activity(w, date="20261101"), ("日期", "YYYY-MM-DD", "20261101")),
    "date_with_time": (lambda w: new_activity(w, date="2026-11-01T08:00:00"), ("日期", "YYYY-MM-DD")),
    "date_single_digit_day": (lambda w: new_activity(w, date="2026-11-1"), ("日期", "YYYY-MM-DD")),
    "date_with_trailing_newline": (lambda w: new_activity(w, date="2026-11-01\n"), ("日期",)),
    "date_fullwidth_digits": (lambda w: new_activity(w, date="２０２６-１１-０１"), ("日期",)),
    "date_out_of_range": (lambda w: new_activity(w, date="1899-01-01"), ("日期", "超出合理范围")),
    "due_date_is_a_number": (lambda w: edit_activity(w, follow_up_due=20261201), ("下次跟踪日期", "YYYY-MM-DD")),
    "missing_required_date": (lambda w: without(new_activity(w), "date"), ("缺少必填字段", "日期")),
    "missing_required_kind_and_pairing": (lambda w: without(new_activity(w), "kind", "pairing_id"),
                                          ("缺少必填字段", "帮扶方式", "结对")),
    "required_field_set_to_null": (lambda w: edit_activity(w, kind=None), ("帮扶方式", "不能为空")),
    "unknown_field": (lambda w: edit_activity(w, mood="开心"), ("帮扶活动", "mood")),
    "text_too_long": (lambda w: edit_activity(w, record="记" * 20_001), ("过程记录", "太长", "20000")),
    "short_text_too_long": (lambda w: edit_activity(w, place="村" * 201), ("地点", "太长", "200")),
    "bool_given_as_int": (lambda w: edit_activity(w, risk_flag=1), ("发现自伤自残风险", "true 或 false")),
    "bool_given_as_string": (lambda w: edit_activity(w, risk_flag="true"), ("发现自伤自残风险", "true 或 false")),
    "int_given_as_bool": (lambda w: edit_activity(w, duration_min=True), ("时长", "应为整数")),
    "int_given_as_float": (lambda w: edit_activity(w, duration_min=30.0), ("时长", "应为整数")),
    "int_given_as_string": (lambda w: edit_activity(w, duration_min="30"), ("时长", "应为整数")),
    "int_negative": (lambda w: edit_activity(w, duration_min=-5), ("时长", "0 到 1440")),
    "int_too_large": (lambda w: edit_activity(w, duration_min=24 * 60 + 1), ("时长", "0 到 1440")),
    "enum_unknown_value": (lambda w: edit_activity(w, kind="visit"), ("帮扶方式", "home_visit", "visit")),
    "enum_given_as_a_list": (lambda w: edit_activity(w, kind=["talk"]), ("帮扶方式", "home_visit")),
    "enum_given_as_an_object": (lambda w: new_activity(w, kind={"talk": 1}), ("帮扶方式", "home_visit")),
    "enums_item_is_a_list": (lambda w: edit_activity(w, tags=[["theme"]]), ("六结合", "数组")),
    "enums_set_to_null": (lambda w: edit_activity(w, tags=None), ("六结合", "不能为空")),
    "strs_set_to_null": (lambda w: edit_activity(w, moods=None), ("情绪", "不能为空")),
    "strs_set_to_null_on_create": (lambda w: new_activity(w, observations=None), ("观察", "不能为空")),
    "enums_not_a_list": (lambda w: edit_activity(w, tags="theme"), ("六结合", "数组")),
    "enums_unknown_item": (lambda w: edit_activity(w, tags=["theme", "party"]), ("六结合", "theme")),
    "enums_duplicate_item": (lambda w: edit_activity(w, tags=["theme", "theme"]), ("六结合", "重复")),
    "strs_empty_item": (lambda w: edit_activity(w, moods=["开心", ""]), ("情绪", "短语数组")),
    "strs_item_not_text": (lambda w: edit_activity(w, moods=[1]), ("情绪", "短语数组")),
    "ref_not_uuid": (lambda w: new_activity(w, pairing_id="pairing-1"), ("结对", "UUID")),
    "ref_to_missing_record": (lambda w: new_activity(w, pairing_id=new_id()), ("找不到结对",)),
    "staff_only_author": (lambda w: edit_activity(w, author_id=w.mentor.user_id), ("记录人", "author_id", "其他角色")),
    "server_only_entered_by": (lambda w: new_activity(w, entered_by=w.mentor.user_id), ("代录人", "服务器")),
    "server_only_review_status": (lambda w: edit_activity(w, review_status="approved"), ("审核状态", "服务器")),
    "server_only_unit": (lambda w: edit_activity(w, unit_id=w.county), ("所属单位", "服务器")),
    "field_of_another_role": (lambda w: {"entity": "mentee", "record_id": w.mentee, "op": "upsert",
                                         "base_version": 1, "fields": {"plan": "一人一策"}},
                              ("一人一策", "其他角色")),
    "base_version_negative": (lambda w: {**edit_activity(w, record="x"), "base_version": -1}, ("base_version", "-1")),
    "base_version_string": (lambda w: {**edit_activity(w, record="x"), "base_version": "1"}, ("base_version",)),
    "base_version_bool": (lambda w: {**edit_activity(w, record="x"), "base_version": True}, ("base_version",)),
    "base_version_on_create": (lambda w: {**new_activity(w), "base_version": 3}, ("base_version", "新建")),
    "fields_not_an_object": (lambda w: {**edit_activity(w), "fields": ["record"]}, ("fields",)),
    "fields_missing": (lambda w: {k: v for k, v in edit_activity(w).items() if k != "fields"}, ("fields",)),
    "delete_with_fields": (lambda w: {**edit_activity(w, record="x"), "op": "delete"}, ("删除", "fields")),
    "unknown_mutation_key": (lambda w: {**edit_activity(w, record="x"), "priority": 1}, ("无法识别的键", "priority")),
    "change_immutable_pairing": (lambda w: edit_activity(w, pairing_id=new_id()), ("结对", "不能更改")),
    "lone_surrogate_in_text": (lambda w: edit_activity(w, record="家访\ud800记录"), ("过程记录",)),
    "lone_surrogate_in_field_name": (lambda w: edit_activity(w, **{"rec\udffford": "x"}), ()),
    "lone_surrogate_in_list_item": (lambda w: edit_activity(w, moods=["\udc80"]), ("情绪",)),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_mutation_is_rejected_with_a_sentence_naming_the_problem(
    db: sqlite_utils.Database, w: SimpleNamespace, case: str
) -> None:
    build_bad, fragments = BAD[case]
    bad = build_bad(w)
    (answer,) = push(db, w.mentor, {**bad, "mutation_id": 1})
    assert answer["status"] == "rejected"
    assert answer["mutation_id"] == 1
    assert_sentence(answer["reason"], *fragments)


@pytest.mark.parametrize("case", sorted(BAD))
def test_rejected_mutation_does_not_block_later_ones_and_writes_nothing_for_itself(
    db: sqlite_utils.Database, w: SimpleNamespace, case: str
) -> None:
    bad = BAD[case][0](w)
    before_target = row(db, "activity", w.activity)
    before_feed = db.execute("SELECT * FROM sync_feed ORDER BY seq").fetchall()
    fresh = new_id()
    answers = push(
        db, w.mentor,
        upsert("activity", w.other_activity, {"place": "村委会"}, 1, base_version=1),
        {**bad, "mutation_id": 2},
        upsert("activity", fresh, {"pairing_id": w.pairing, "kind": "talk", "date": "2026-11-22"}, 3),
    )
    assert [a["status"] for a in answers] == ["applied", "rejected", "applied"]
    assert row(db, "activity", w.other_activity)["place"] == "村委会"
    assert row(db, "activity", fresh) is not None
    # The rejected one left its target as it was, and no stray record under its id.
    assert row(db, "activity", w.activity) == before_target
    record_id = bad.get("record_id")
    if isinstance(record_id, str) and record_id not in (w.activity, w.mentee, w.pairing):
        for table in ("activities", "mentees", "pairings"):
            assert db.execute(f"SELECT count(*) FROM {table} WHERE id = ?", [record_id]).fetchone()[0] == 0
    feed_after = {r[2]: r for r in db.execute("SELECT * FROM sync_feed").fetchall()}
    for old in before_feed:
        if old[2] not in (w.other_activity, fresh):
            assert feed_after[old[2]] == old
    assert db.execute("SELECT count(*) FROM sync_conflicts").fetchone()[0] == 0
    audit = db.execute("SELECT status, reason FROM sync_audit WHERE device_id = ? AND mutation_id = 2",
                       [w.mentor.device_id]).fetchall()
    assert audit == [("rejected", answers[1]["reason"])]


def test_rejected_mutation_does_not_block_the_queue_behind_it(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    first = push(db, w.mentor, upsert("activity", w.activity, {"date": "2026-02-30"}, 1, base_version=1))
    assert first[0]["status"] == "rejected"
    second = push(db, w.mentor, upsert("activity", w.activity, {"date": "2026-02-28"}, 2, base_version=1))
    assert second[0]["status"] == "applied"
    assert row(db, "activity", w.activity)["date"] == "2026-02-28"


def test_read_mutation_accepts_a_well_formed_upsert_and_keeps_only_sent_fields() -> None:
    rid, pid = new_id(), new_id()
    m = read_mutation({"mutation_id": 4, "entity": "activity", "record_id": rid, "op": "upsert",
                       "base_version": None, "fields": {"pairing_id": pid, "kind": "talk", "date": "2024-02-29",
                                                        "risk_flag": False, "tags": ["theme"], "moods": []}})
    assert isinstance(m, Mutation)
    assert (m.mutation_id, m.entity.name, m.record_id, m.op, m.base_version) == (4, "activity", rid, "upsert", None)
    assert m.fields == {"pairing_id": pid, "kind": "talk", "date": "2024-02-29", "risk_flag": False,
                        "tags": ["theme"], "moods": []}


_FIELDS = [(e.name, f) for e in ENTITIES.values() for f in e.fields]
_TEXTS = st.sampled_from(["", " ", "一行", "两\n行", "x" * SHORT_MAX, "x" * (SHORT_MAX + 1), "x" * TEXT_MAX,
                          "x" * (TEXT_MAX + 1), "2026-02-29", "2024-02-29", "1999-12-31", "2026-13-01",
                          "0190a0c4-1b2c-7d3e-8f40-123456789abc", "0190A0C4-1B2C-7D3E-8F40-123456789ABC"])


def _value_for(field: Field) -> st.SearchStrategy[Any]:
    choices = sorted(field.choices or {"x": ""})
    scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2, max_value=2_000_000),
                        st.floats(allow_nan=False), _TEXTS, st.sampled_from(choices), st.text(max_size=5))
    return st.one_of(scalars, st.lists(st.one_of(st.sampled_from(choices), _TEXTS, st.integers()), max_size=4),
                     st.dictionaries(st.sampled_from(choices), st.integers(), max_size=2))


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), target=st.sampled_from(_FIELDS))
def test_read_mutation_refuses_exactly_the_field_values_check_value_refuses(data: st.DataObject,
                                                                           target: tuple[str, Field]) -> None:
    # read_mutation says a quick yes to the values a phone sends all day before asking check_value:
    # that yes must never let through a value check_value refuses. Read as sent (clean=False): with
    # controls dropped first, the value checked is another one (tests/engine/test_control_characters.py).
    entity, field = target
    value = data.draw(_value_for(field))
    m = read_mutation({"mutation_id": 1, "entity": entity, "record_id": new_id(), "op": "upsert",
                       "base_version": None, "fields": {field.name: value}}, clean=False)
    problem = check_value(field, value)
    assert isinstance(m, Mutation) == (problem is None)
    assert isinstance(m, Mutation) or m.reason == problem


def test_read_mutation_delete_needs_no_fields() -> None:
    rid = new_id()
    for fields in (None, {}):
        m = read_mutation({"mutation_id": 1, "entity": "activity", "record_id": rid, "op": "delete",
                           "base_version": 2, "fields": fields})
        assert isinstance(m, Mutation) and m.op == "delete" and m.fields == {}


def test_read_mutation_nullable_field_may_be_cleared() -> None:
    m = read_mutation({"mutation_id": 1, "entity": "activity", "record_id": new_id(), "op": "upsert",
                       "base_version": 1, "fields": {"follow_up_due": None, "place": None}})
    assert isinstance(m, Mutation) and m.fields == {"follow_up_due": None, "place": None}


def test_a_staff_member_clearing_a_childs_categories_to_null_is_refused_not_a_crash(
    db: sqlite_utils.Database, w: SimpleNamespace
) -> None:
    """The column holds a list (empty: no category); null is refused in words, as for any writer."""
    before = row(db, "mentee", w.mentee)
    (outcome,) = apply_mutations(db, w.staff, [upsert("mentee", w.mentee, {"categories": None}, 1,
                                                      base_version=1)])
    assert outcome.status == "rejected"
    assert_sentence(outcome.reason, "类别", "不能为空")
    assert row(db, "mentee", w.mentee) == before


def test_read_mutation_rejection_keeps_what_identifies_the_mutation() -> None:
    rid = new_id()
    r = read_mutation({"mutation_id": 9, "entity": "activity", "record_id": rid, "op": "upsert",
                       "base_version": 1, "fields": {"date": "2026-13-01"}})
    assert isinstance(r, Rejection)
    assert (r.mutation_id, r.entity, r.record_id) == (9, "activity", rid)
    assert_sentence(r.reason, "日期")


@pytest.mark.parametrize("entity, fields, fragments", [
    ("mentee", {"unit_id": "x", "code": "A"}, ("所属学校/辅导站", "UUID")),
    ("mentee", {"gender": "男"}, ("性别", "male")),
    ("mentee", {"birth_year": "2014"}, ("出生年份", "整数")),
    ("enrolment", {"year": 1}, ("年度", "2000 到 2100")),
    ("mentee", {"categories": ["psych", "poor"]}, ("类别",)),
    ("pairing", {"start_date": "2026/09/01"}, ("开始日期", "YYYY-MM-DD")),
    ("pairing", {"outcome": "good"}, ("结束结果", "improved")),
    ("screening", {"psych_problem": "yes"}, ("存在心理问题", "true 或 false")),
    ("event", {"participants": -1}, ("参与人次",)),
    ("event", {"online": 0}, ("线上", "true 或 false")),
    ("enrolment", {"year": "2026"}, ("年度", "整数")),
    ("stats_return", {"period_to": "2026-04-31"}, ("截止日期", "不是真实存在的日期")),
    ("review", {"decision": "ok"}, ("结论", "approve")),
    ("unit", {"kind": "village"}, ("类型", "county")),
    ("unit", {"name": "掘港\r\n小学"}, ("名称", "只能写一行")),
    ("unit", {"name": ""}, ("名称", "不能为空")),
    ("unit", {"name": " \u3000"}, ("名称", "不能为空")),
    ("mentee", {"code": ""}, ("编号", "不能为空")),
    ("mentee", {"guardian_name": "王\u2028芳"}, ("监护人", "只能写一行")),
    ("activity", {"place": "家中\u2029"}, ("地点", "只能写一行")),
])
def test_read_mutation_names_the_bad_field_of_every_entity(entity: str, fields: dict[str, Any],
                                                           fragments: tuple[str, ...]) -> None:
    r = read_mutation({"mutation_id": 1, "entity": entity, "record_id": new_id(), "op": "upsert",
                       "base_version": None, "fields": fields})
    assert isinstance(r, Rejection)
    assert_sentence(r.reason, *fragments)


# --- the batch envelope ------------------------------------------------------------------

def m(mid: Any) -> dict[str, Any]:
    return {"mutation_id": mid, "entity": "activity", "record_id": new_id(), "op": "delete", "base_version": None}


@pytest.mark.parametrize("body, fragment", [
    (None, "JSON 对象"),
    ([m(1)], "JSON 对象"),
    ("mutations", "JSON 对象"),
    ({}, "JSON 对象"),
    ({"mutation": [m(1)]}, "JSON 对象"),
    ({"mutations": {"1": m(1)}}, "数组"),
    ({"mutations": "[]"}, "数组"),
    ({"mutations": None}, "数组"),
    ({"mutations": [m(1), "x"]}, "第 2 条"),
    ({"mutations": [{k: v for k, v in m(1).items() if k != "mutation_id"}]}, "mutation_id"),
    ({"mutations": [m(0)]}, "mutation_id"),
    ({"mutations": [m(-3)]}, "mutation_id"),
    ({"mutations": [m("1")]}, "mutation_id"),
    ({"mutations": [m(1.0)]}, "mutation_id"),
    ({"mutations": [m(True)]}, "mutation_id"),
    ({"mutations": [m(None)]}, "mutation_id"),
    ({"mutations": [m(2), m(2)]}, "递增"),
    ({"mutations": [m(1), m(3), m(2)]}, "递增"),
    ({"mutations": [m(2**63)]}, "mutation_id"),
])
def test_read_batch_refuses_an_unreadable_envelope(body: Any, fragment: str) -> None:
    with pytest.raises(BatchInvalid) as exc:
        read_batch(body, max_count=100)
    assert_sentence(exc.value.reason, fragment)


def test_read_batch_accepts_increasing_ids_with_gaps_and_an_empty_batch() -> None:
    batch = [m(3), m(7), m(8)]
    assert read_batch({"mutations": batch}, max_count=3) == batch
    assert read_batch({"mutations": []}, max_count=3) == []


def test_read_batch_over_the_count_limit_is_too_large() -> None:
    with pytest.raises(BatchTooLarge) as exc:
        read_batch({"mutations": [m(i) for i in range(1, 6)]}, max_count=4)
    assert_sentence(exc.value.reason, "4", "5", "分批")


@pytest.mark.parametrize("body", [
    {"mutations": [m(1), m(1)]},
    {"mutations": "no"},
    {"mutations": [m(2**64)]},
])
def test_invalid_batch_writes_nothing_and_keeps_the_device_position(
    db: sqlite_utils.Database, w: SimpleNamespace, body: Any
) -> None:
    before = table_counts(db)
    with pytest.raises(BatchInvalid):
        apply_batch(db, w.mentor, body)
    assert table_counts(db) == before
    assert db.execute("SELECT last_mutation_id FROM sync_devices WHERE id = ?",
                      [w.mentor.device_id]).fetchone()[0] == 0


def test_too_large_batch_writes_nothing(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    before = table_counts(db)
    batch = [upsert("activity", w.activity, {"record": f"第{i}次"}, i, base_version=1) for i in range(1, 5)]
    with pytest.raises(BatchTooLarge):
        apply_batch(db, w.mentor, {"mutations": batch}, max_count=3)
    assert table_counts(db) == before
    assert row(db, "activity", w.activity)["version"] == 1


# --- anything a phone might send ------------------------------------------------------------

@pytest.fixture(scope="module")
def fuzz_world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path: pathlib.Path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    database = connect(path)
    migrations.apply(database)
    world = build(database)
    yield database, world
    database.close()


junk = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 2**65), st.floats(allow_nan=True), st.text(max_size=8),
    st.sampled_from(["\ud800", "a\udfffb", "2026-02-30", "20261101", "2026-11-01", "home_visit", "theme"]),
    st.lists(st.sampled_from(["theme", "开心", "", "\udc00"]), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@st.composite
def phone_mutations(draw: st.DrawFn, world: SimpleNamespace) -> dict[str, Any]:
    from sync.entities import ENTITIES

    entity = draw(st.one_of(st.sampled_from([*ENTITIES, "visit", None]), junk))
    spec = ENTITIES.get(entity) if isinstance(entity, str) else None
    record_id = draw(st.one_of(st.sampled_from([world.activity, world.mentee, world.pairing, new_id(), "x"]), junk))
    names = list(spec.by_name) if spec else ["record"]
    fields = draw(st.one_of(
        st.dictionaries(st.sampled_from([*names, "bogus"]), junk, max_size=4),
        st.dictionaries(st.sampled_from(names), st.sampled_from([world.pairing, world.mentee, "talk", "2026-11-01",
                                                                 "短", 5, False, ["theme"]]), max_size=4),
        junk,
    ))
    out = {"entity": entity, "record_id": record_id, "op": draw(st.sampled_from(["upsert", "delete", "merge"])),
           "base_version": draw(st.one_of(st.none(), st.integers(-1, 3), st.just("1"))), "fields": fields}
    for key in list(out):
        if draw(st.integers(0, 9)) == 0:
            del out[key]
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_mutation_a_phone_sends_gets_an_answer_and_never_breaks_the_batch(fuzz_world: Any,
                                                                              data: st.DataObject) -> None:
    db, world = fuzz_world
    device = make_device(db, world.mentor)
    mutations = data.draw(st.lists(phone_mutations(world), min_size=1, max_size=5))
    batch = [{**mut, "mutation_id": i + 1} for i, mut in enumerate(mutations)]
    result = apply_batch(db, device, {"mutations": batch})
    assert [a["mutation_id"] for a in result.results] == [m["mutation_id"] for m in batch]
    for answer in result.results:
        assert answer["status"] in ("applied", "merged", "conflict", "rejected")
        if answer["status"] == "rejected":
            assert_sentence(answer["reason"])
        json.dumps(answer, ensure_ascii=False).encode("utf-8")  # the answer can go on the wire
    assert result.last_mutation_id == len(batch)
    # Every mutation has exactly one audit row, so a resend is answered the same.
    again = apply_batch(db, device, {"mutations": batch})
    assert again.results == result.results


def test_a_long_text_may_hold_line_breaks_a_short_one_may_not() -> None:
    record = {"mutation_id": 1, "entity": "activity", "record_id": new_id(), "op": "upsert", "base_version": None}
    kept = read_mutation({**record, "fields": {"record": "第一段\n第二段\r\n第三段", "place": "学生 家中"}})
    assert not isinstance(kept, Rejection), kept
