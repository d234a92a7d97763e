"""JSON text exactly as ``json.dumps`` writes it, without its set-up on every call.

The writer stores JSON text several times a mutation (field writers and versions, list fields,
audit changes). ``json.dumps`` with any argument builds a ``JSONEncoder`` and, either way, a C
encoder for every call: about 2-5 µs each, against 0.5 µs for the C encoder itself, built once
here with the same settings, so the text (spaces after ``,`` and ``:``, escapes) is unchanged.
Without a circular-reference check: these values come from JSON and hold no cycles (one would
raise RecursionError rather than ValueError).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from json import encoder as _encoder
from typing import Any

_make = getattr(_encoder, "c_make_encoder", None)


def _dumps(*, ensure_ascii: bool, sort_keys: bool) -> Callable[[Any], str]:
    if _make is None:  # a Python without the C accelerator: the standard call
        return lambda value: json.dumps(value, ensure_ascii=ensure_ascii, sort_keys=sort_keys, check_circular=False)
    escape = _encoder.encode_basestring_ascii if ensure_ascii else _encoder.encode_basestring
    encode = _make(None, json.JSONEncoder().default, escape, None, ": ", ", ", sort_keys, False, True)
    return lambda value: "".join(encode(value, 0))


#: ``json.dumps(value)``
dumps = _dumps(ensure_ascii=True, sort_keys=False)
#: ``json.dumps(value, ensure_ascii=False)``
dumps_text = _dumps(ensure_ascii=False, sort_keys=False)
#: ``json.dumps(value, ensure_ascii=False, sort_keys=True)``
dumps_text_sorted = _dumps(ensure_ascii=False, sort_keys=True)
