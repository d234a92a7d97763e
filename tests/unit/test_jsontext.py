"""sync.jsontext writes the same text as json.dumps: stored JSON text and digests must not change."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from sync.jsontext import dumps, dumps_text, dumps_text_sorted

VALUES: list[Any] = [
    None, True, 0, -5, 2**70, 1.5, 1e300, float("nan"), float("inf"), "", "x", "开心\n\"\\\u2028\x00\x7f", "\ud800",
    [], {}, ["开心", "平静"], {"b": 1, "a": [1, {"z": None, "y": "é"}]}, {1: "a", False: "b", None: 3, 2.5: 1},
    [[[[]]]], {"_c": "0190a0c4-0000-7000-8000-000000000000"}, ("t", 1), {(1, 2): 1}, {"a": {1, 2}}, {"a": 1, 2: 3},
]
PAIRS: list[tuple[Callable[[Any], str], dict[str, bool]]] = [
    (dumps, {}), (dumps_text, {"ensure_ascii": False}), (dumps_text_sorted, {"ensure_ascii": False, "sort_keys": True}),
]


def _outcome(fn: Callable[..., str], value: Any, **kwargs: bool) -> Any:
    try:
        return fn(value, **kwargs)
    except (TypeError, ValueError) as exc:
        return type(exc), str(exc)


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_the_cached_encoders_write_what_json_dumps_writes_or_refuse_as_it_does(value: Any) -> None:
    for fast, kwargs in PAIRS:
        assert _outcome(fast, value) == _outcome(json.dumps, value, **kwargs)
