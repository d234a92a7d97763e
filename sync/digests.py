"""The digest of a mutation as sent, stored with its answer so that a resend is told from a
different change under the same ``mutation_id``."""
from __future__ import annotations

import json
import zlib
from typing import Any

import orjson

from .controls import escaped_controls

# A digest at or above this mark is of the second kind (orjson's compact sorted bytes); below it,
# of the first (json.dumps with ", " separators). Both stay comparable: an answer stored before
# the change is checked against a resend with the kind it was made with.
DIGEST_V2 = 1 << 32


def fingerprint(raw: dict[str, Any]) -> int | None:
    """A digest of the mutation as sent, or None when it holds text that is not valid UTF-8.

    Stored with the answer so a resend under the same ``mutation_id`` can be told from a
    different change that reused the number (a phone bug that must not pass silently).
    CRC-32 of orjson's sorted serialisation, marked with ``DIGEST_V2``: the writer computes one
    for every mutation of every push, and the standard library's encoder took 8 % of the busy
    server's time (docs/performance.md). Text orjson will not encode (a lone surrogate, an
    integer past 64 bits) falls back to the first kind, which says None for the former.
    """
    return digest(raw)[0]


def digest(raw: dict[str, Any]) -> tuple[int | None, bool]:
    """``fingerprint(raw)``, and whether the text it was made of may hold a control character."""
    try:
        sent = orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return _fingerprint_v1(raw), True
    return zlib.crc32(sent) | DIGEST_V2, escaped_controls(sent)


def _fingerprint_v1(raw: dict[str, Any]) -> int | None:
    try:
        return zlib.crc32(json.dumps(raw, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    except UnicodeEncodeError:
        return None


def same_as_sent(digest: int | None, raw: dict[str, Any]) -> bool:
    """Whether ``raw`` is the mutation a stored ``digest`` was made of (None: nothing to compare)."""
    if digest is None:
        return True
    return digest == (fingerprint(raw) if digest >= DIGEST_V2 else _fingerprint_v1(raw))
