"""UUIDv7 generation and strict UUID parsing (Python 3.11 has no ``uuid.uuid7``)."""
from __future__ import annotations

import os
import re
import time
import uuid


def new_id() -> str:
    """A time-ordered UUIDv7 as lower-case text (RFC 9562)."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))


_CANONICAL = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def parse_id(value: object) -> str | None:
    """Return ``value`` if it is a UUID in canonical lower-case text form, else None."""
    if isinstance(value, str) and _CANONICAL.fullmatch(value):
        return value
    return None
