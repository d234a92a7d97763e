"""Time: timestamps are stored in UTC; the people's dates are local to Asia/Shanghai."""
from __future__ import annotations

import datetime

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8), "Asia/Shanghai")


def utc_now() -> str:
    """Now in UTC as ISO 8601 with milliseconds and a ``Z``."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def local_today() -> datetime.date:
    """Today's date where the users live (China has no daylight saving)."""
    return datetime.datetime.now(SHANGHAI).date()
