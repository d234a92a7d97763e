"""UUIDv7 generation and strict UUID parsing (Python 3.11 has no ``uuid.uuid7``)."""
from __future__ import annotations

import os
import re
import threading
import time
import uuid

_lock = threading.Lock()
_last = [0, 0]  # the last id's millisecond and its 12-bit sequence


def new_id() -> str:
    """A time-ordered UUIDv7 as lower-case text (RFC 9562).

    Ids made by this process are strictly increasing, even within one millisecond: the 12 bits
    after the timestamp count up (RFC 9562 §6.2, method 1), so "the later written" is "the
    greater id" wherever the server breaks a tie by id (the latest activity of a pairing).
    """
    rand = int.from_bytes(os.urandom(10), "big")
    with _lock:
        ms = max(time.time_ns() // 1_000_000, _last[0])
        if ms == _last[0]:
            seq = _last[1] + 1
            if seq > 0xFFF:  # 4,096 ids in one millisecond: borrow the next one
                ms, seq = ms + 1, 0
        else:
            seq = (rand >> 62) & 0x7FF  # a random start, leaving room to count up
        _last[0], _last[1] = ms, seq
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= seq << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))


_CANONICAL = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def parse_id(value: object) -> str | None:
    """Return ``value`` if it is a UUID in canonical lower-case text form, else None."""
    if isinstance(value, str) and _CANONICAL.fullmatch(value):
        return value
    return None
