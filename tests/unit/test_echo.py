"""What an answer or the audit log repeats of a client's text is valid UTF-8 and bounded."""
from __future__ import annotations

import json

from sync.echo import ECHO_MAX, REASON_MAX, echo, encodable, quote, reason_text, sanitise


def test_echo_replaces_lone_surrogates_and_keeps_real_characters() -> None:
    assert echo("a\ud800b") == "a\ufffdb"
    assert echo("伴行😀") == "伴行😀"
    assert echo("activity") == "activity"
    echo("\udfff" * 3).encode("utf-8")


def test_echo_is_bounded_and_marks_the_cut() -> None:
    long = "活" * 4000
    assert len(echo(long)) == ECHO_MAX and echo(long).endswith("…")
    assert echo({"not": "a string"}) == "" and echo(None) == ""


def test_quote_bounds_any_value_inside_a_reason() -> None:
    assert quote("visit") == "'visit'"
    assert len(quote("x" * 5000)) <= 40
    assert quote(10**5000) == "<很大的整数>"  # repr() would raise past 4,300 digits
    assert quote("\ud800") == "'\\ud800'"
    assert quote([1, 2]) == "<list>"


def test_reason_text_is_bounded() -> None:
    assert len(reason_text("很" * 10_000)) == REASON_MAX


def test_sanitise_makes_any_answer_encodable() -> None:
    answer = {"entity": "\ud800", "conflicts": [{"field": "x", "kept": ["\udc00"]}], "k\ud800": 1}
    json.dumps(sanitise(answer), ensure_ascii=False).encode("utf-8")


def test_encodable_says_whether_the_answer_can_go_on_the_wire() -> None:
    answer = {"mutation_id": 1, "status": "rejected", "version": None, "reason": "原因", "entity": "activity",
              "record_id": "x", "conflicts": [{"field": "record", "kept": 1.5, "yours": [True, None]}]}
    assert encodable([answer])
    assert encodable([{**answer, "version": 2**70}])  # orjson refuses it; the standard encoder takes it
    assert not encodable([{**answer, "reason": "坏\ud800"}])
    assert not encodable([{**answer, "version": 2**70, "reason": "坏\ud800"}])
    assert not encodable({"reason": object()})
