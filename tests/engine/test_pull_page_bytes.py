"""A pull page is bounded in bytes as a push is, not only in records (found by fuzzing at scale).

Each text field of a visit may hold 20,000 characters, so the 500 records of one page could be
90 MB of JSON (181 MB at ``limit=1000``): read into the server's memory and sent to a phone on a
village signal, which, cut off halfway, asks for the very same page again.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlite_utils

import sync.feed
from sync import pull_changes
from sync.entities import TEXT_MAX
from sync.feed import PAGE_BYTES
from tests.factories import make_activity, make_county, pull_all


def test_pull_page_of_large_records_stops_near_the_byte_bound_and_the_rest_follows(
    db: sqlite_utils.Database,
) -> None:
    w: SimpleNamespace = make_county(db)
    text = "字" * TEXT_MAX  # 60,000 bytes of UTF-8, in each of three fields
    large = {make_activity(db, w.mentor1, w.pairing1, preparation=text, record=text, follow_up=text)
             for _ in range(PAGE_BYTES // (3 * len(text.encode())) + 10)}

    page = pull_changes(db, w.mentor1, None, 500)

    sizes = [len(fields) for *_, fields in page.changes]
    assert page.more
    assert sum(sizes[:-1]) <= PAGE_BYTES, "only the last record may take a page past the bound"
    assert len(page.changes) < len(large)
    changes, _, _ = pull_all(db, w.mentor1, limit=500)
    assert large <= {record_id for entity, record_id in changes if entity == "activity"}


def test_pull_page_holds_one_record_even_when_it_alone_passes_the_byte_bound(
    db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = make_county(db)
    everything = pull_all(db, w.mentor1)[0]
    monkeypatch.setattr(sync.feed, "PAGE_BYTES", 10)  # smaller than any record: each page must still move on
    pages: list[list[str]] = []
    cursor = None
    more = True
    while more:
        page = pull_changes(db, w.mentor1, cursor, 500)
        pages.append([record_id for _, record_id, *_ in page.changes])
        cursor, more = page.cursor, page.more
    assert [len(records) for records in pages] == [1] * len(everything)
    assert {record_id for records in pages for record_id in records} == {r for _, r in everything}
