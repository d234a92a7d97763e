"""Client text that goes back into an answer or into the audit log: valid UTF-8 and bounded.

A JSON body may carry a lone UTF-16 surrogate (``"\\ud800"``): Python decodes it to a str that
cannot be encoded as UTF-8, so echoing it would fail the answer (after the commit) or the
audit insert (every time), and a phone would resend that batch for ever (issue 8, item 1).
An echo is also bounded, so a 4,000-character ``entity`` is not stored and sent back twice
(item 7). Everything a rejection repeats of what the client sent passes through here.
"""
from __future__ import annotations

from typing import Any

import orjson

from .jsontext import dumps_text

ECHO_MAX = 40  # characters of an echoed entity or record_id (a canonical UUID has 36)
QUOTE_MAX = 40  # characters of a value quoted inside a reason
REASON_MAX = 400  # characters of a reason, whatever it quotes
CUT = "…"


def utf8_safe(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (valid pairs are kept)."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters of valid text; a cut one ends in ``…``."""
    if len(text) > limit:
        text = text[: limit - 1] + CUT
    return utf8_safe(text)


def echo(value: object, limit: int = ECHO_MAX) -> str:
    """What an answer repeats of a client string (``entity``, ``record_id``); ``""`` for a non-string."""
    return clip(value, limit) if isinstance(value, str) else ""


def quote(value: object, limit: int = QUOTE_MAX) -> str:
    """A client value quoted inside a reason: its ``repr``, bounded (repr escapes lone surrogates)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        # repr() of a huge integer is slow, and refused past 4,300 digits
        return "<很大的整数>"
    if isinstance(value, str | int | float | bool) or value is None:
        return clip(repr(value), limit)
    return f"<{type(value).__name__}>"


def reason_text(reason: str) -> str:
    """A reason as stored and answered: bounded and valid UTF-8."""
    return clip(reason, REASON_MAX)


def field_names(fields: object, most: int = 20) -> list[str]:
    """The names of the fields a rejected mutation sent (bounded), kept in the audit log instead of values."""
    if not isinstance(fields, dict):
        return []
    return [echo(name) for name in list(fields)[:most]]


def sanitise(value: Any) -> Any:
    """A JSON value with every string (keys too) made valid UTF-8; for answers that failed to encode."""
    if isinstance(value, str):
        return utf8_safe(value)
    if isinstance(value, dict):
        return {utf8_safe(str(k)): sanitise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [sanitise(v) for v in value]
    return value


def encodable(value: Any) -> bool:
    """True when ``value`` serialises to UTF-8 JSON (what the HTTP layer will do with it)."""
    try:
        # What the HTTP layer tries first (server/api/common.py ``JsonAnswer``): a push's answers
        # pass here at a fraction of the standard encoder's cost on the busy writer thread.
        orjson.dumps(value)
        return True
    except TypeError:  # a lone surrogate, an integer past 64 bits: the HTTP layer's second try
        pass
    try:
        dumps_text(value).encode("utf-8")
    except (UnicodeEncodeError, ValueError, TypeError, RecursionError):
        return False
    return True
