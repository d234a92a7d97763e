"""Time: timestamps are stored in UTC; the people's dates are local to Asia/Shanghai."""
from __future__ import annotations

import datetime

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8), "Asia/Shanghai")


def utc_now() -> str:
    """Now in UTC as ISO 8601 with milliseconds and a ``Z``."""
    return format_utc(datetime.datetime.now(datetime.UTC))


def format_utc(moment: datetime.datetime) -> str:
    """The stored form of a timestamp: UTC, ISO 8601, milliseconds, ``Z`` (sorts as text)."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_utc(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def local_today() -> datetime.date:
    """Today's date where the users live (China has no daylight saving)."""
    return datetime.datetime.now(SHANGHAI).date()
