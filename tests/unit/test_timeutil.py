"""The stored form of a timestamp is the text strftime wrote, whatever way it is now made."""
from __future__ import annotations

import datetime
import random

from sync.timeutil import SHANGHAI, format_utc, parse_utc, utc_midnight, utc_now


def _as_strftime_wrote(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def test_a_timestamp_is_stored_as_the_same_text_as_strftime_made_it() -> None:
    rng = random.Random(8)
    zones = [datetime.UTC, SHANGHAI, datetime.timezone(datetime.timedelta(hours=-5, minutes=-30))]
    moments = [
        datetime.datetime(2026, 12, 31, 23, 59, 59, 999_999, datetime.UTC),  # milliseconds cut, not rounded
        datetime.datetime(2027, 1, 1, 7, 59, 59, 999_500, SHANGHAI),  # the day before, in UTC
        datetime.datetime(2026, 3, 1, 0, 0, 0, 0, datetime.UTC),  # no fraction at all
        datetime.datetime(999, 5, 6, 7, 8, 9, 10_000, datetime.UTC),  # a year strftime does not pad
        datetime.datetime(1000, 1, 1, 8, 0, 0, 1_000, SHANGHAI),  # 999 in UTC
        datetime.datetime(9999, 12, 31, 23, 59, 59, 999_999, datetime.UTC),
    ]
    moments += [
        datetime.datetime(rng.randint(1, 9998), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
                          rng.randint(0, 59), rng.randint(0, 59), rng.randint(0, 999_999), rng.choice(zones))
        for _ in range(2000)
    ]
    for moment in moments:
        assert format_utc(moment) == _as_strftime_wrote(moment), moment


def test_now_is_stored_with_milliseconds_and_a_z_and_reads_back() -> None:
    text = utc_now()
    assert len(text) == 24 and text.endswith("Z") and text[10] == "T"
    assert format_utc(parse_utc(text)) == text


def test_a_local_day_begins_at_sixteen_hours_utc_the_day_before() -> None:
    # 1 January in Rugao begins while London is still on 31 December: a year's stamps start there.
    assert utc_midnight(datetime.date(2026, 1, 1)) == "2025-12-31T16:00:00.000Z"
