"""The pure three-way field merge ``sync.merge.merge_fields``."""
from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from sync.merge import merge_fields

FIELDS = ["record", "place", "follow_up", "risk_flag", "duration_min", "tags"]
values = st.one_of(
    st.none(), st.text(alphabet="甲乙丙ab ", max_size=4), st.integers(-3, 3), st.booleans(),
    st.lists(st.sampled_from(["theme", "peer", "online"]), max_size=3),
)


@st.composite
def merge_inputs(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, int], int | None, dict[str, Any]]:
    """A server record at some version, the version each field last changed, a base and an incoming change."""
    version = draw(st.integers(1, 8))
    names = draw(st.lists(st.sampled_from(FIELDS), unique=True))
    current = {name: draw(values) for name in names}
    field_versions = {name: draw(st.integers(1, version)) for name in FIELDS if draw(st.booleans())}
    base = draw(st.one_of(st.none(), st.integers(0, version)))
    incoming_names = draw(st.lists(st.sampled_from(FIELDS), unique=True))
    incoming = {}
    for name in incoming_names:
        # Half the time resend the server's own value, to exercise "equal never conflicts".
        incoming[name] = current.get(name) if name in current and draw(st.booleans()) else draw(values)
    return current, field_versions, base, incoming


def changed_since(field_versions: dict[str, int], name: str, base: int | None) -> bool:
    """A field missing from ``field_versions`` last changed when the record was created (version 1)."""
    changed_at = field_versions.get(name, 1)
    return base is None or changed_at > base


def test_merge_untouched_field_applies() -> None:
    result = merge_fields({"record": "旧", "place": "家中"}, {"record": 1, "place": 1}, 1, {"record": "新"})
    assert result.applied == {"record": "新"}
    assert result.conflicts == {}


def test_merge_field_changed_on_both_sides_conflicts_and_keeps_server_value() -> None:
    result = merge_fields({"record": "先到"}, {"record": 3}, 2, {"record": "后到"})
    assert result.applied == {}
    assert result.conflicts == {"record": ("先到", "后到")}


def test_merge_different_fields_changed_on_each_side_both_apply() -> None:
    current = {"record": "服务器改的", "place": "家中"}
    result = merge_fields(current, {"record": 3, "place": 1}, 2, {"place": "学校"})
    assert result.applied == {"place": "学校"}
    assert result.conflicts == {}


def test_merge_same_value_on_both_sides_is_not_a_conflict() -> None:
    result = merge_fields({"record": "一样"}, {"record": 5}, 1, {"record": "一样"})
    assert result.applied == {}
    assert result.conflicts == {}


def test_merge_field_changed_exactly_at_base_version_is_not_a_conflict() -> None:
    result = merge_fields({"record": "甲"}, {"record": 4}, 4, {"record": "乙"})
    assert result.applied == {"record": "乙"}


def test_merge_without_base_version_treats_every_differing_field_as_changed_since() -> None:
    current = {"record": "已有", "place": "家中"}
    result = merge_fields(current, {"record": 2}, None, {"record": "新", "place": "家中"})
    assert result.conflicts == {"record": ("已有", "新")}
    assert result.applied == {}


def test_merge_field_never_changed_after_create_counts_as_changed_at_version_one() -> None:
    current = {"record": "建档时写的", "place": "家中"}
    assert merge_fields(current, {"place": 3}, 1, {"record": "改"}).applied == {"record": "改"}
    assert merge_fields(current, {"place": 3}, 0, {"record": "改"}).conflicts == {"record": ("建档时写的", "改")}


def test_merge_does_not_modify_its_inputs() -> None:
    current, versions, incoming = {"record": "甲"}, {"record": 3}, {"record": "乙", "place": "家"}
    merge_fields(current, versions, 1, incoming)
    assert current == {"record": "甲"} and versions == {"record": 3} and incoming == {"record": "乙", "place": "家"}


@given(merge_inputs())
def test_merge_field_untouched_on_server_since_base_always_applies(args: Any) -> None:
    current, field_versions, base, incoming = args
    result = merge_fields(current, field_versions, base, incoming)
    for name, value in incoming.items():
        if not changed_since(field_versions, name, base) and current.get(name) != value:
            assert result.applied.get(name, object()) == value
            assert name not in result.conflicts


@given(merge_inputs())
def test_merge_equal_values_never_conflict(args: Any) -> None:
    current, field_versions, base, incoming = args
    result = merge_fields(current, field_versions, base, incoming)
    for name, value in incoming.items():
        if current.get(name) == value:
            assert name not in result.conflicts
            assert name not in result.applied


@given(merge_inputs())
def test_merge_every_incoming_field_is_applied_unchanged_or_a_conflict_none_dropped(args: Any) -> None:
    current, field_versions, base, incoming = args
    result = merge_fields(current, field_versions, base, incoming)
    assert set(result.applied) | set(result.conflicts) <= set(incoming)
    assert not set(result.applied) & set(result.conflicts)
    for name, value in incoming.items():
        if name in result.applied:
            assert result.applied[name] == value
        elif name in result.conflicts:
            kept, theirs = result.conflicts[name]
            assert kept == current.get(name), "the server keeps the value that arrived first"
            assert theirs == value, "the losing value is handed back, not dropped"
            assert kept != theirs
        else:
            assert current.get(name) == value, f"{name} silently dropped"


@given(merge_inputs())
def test_merge_conflicts_only_on_fields_changed_since_base(args: Any) -> None:
    current, field_versions, base, incoming = args
    result = merge_fields(current, field_versions, base, incoming)
    for name in result.conflicts:
        assert changed_since(field_versions, name, base)


@given(merge_inputs())
def test_merge_applying_the_result_gives_incoming_values_except_conflicts(args: Any) -> None:
    current, field_versions, base, incoming = args
    result = merge_fields(current, field_versions, base, incoming)
    merged = {**current, **result.applied}
    for name, value in incoming.items():
        expected = current.get(name) if name in result.conflicts else value
        assert merged.get(name) == expected


@given(merge_inputs())
def test_merge_is_idempotent_once_applied(args: Any) -> None:
    """Re-merging the same change into the merged record applies nothing new."""
    current, field_versions, base, incoming = args
    first = merge_fields(current, field_versions, base, incoming)
    merged = {**current, **first.applied}
    second = merge_fields(merged, field_versions, base, incoming)
    assert second.applied == {}
