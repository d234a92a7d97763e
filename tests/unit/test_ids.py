"""Record ids: UUIDv7, canonical text, and strictly increasing within the server process."""
from __future__ import annotations

import threading
import uuid

from sync.ids import new_id, parse_id


def test_new_ids_are_version_7_rfc_variant_canonical_text() -> None:
    value = new_id()
    parsed = uuid.UUID(value)
    assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
    assert parse_id(value) == value == str(parsed)


def test_ids_made_one_after_another_increase_even_within_one_millisecond() -> None:
    ids = [new_id() for _ in range(20_000)]  # thousands share a millisecond
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_ids_from_several_threads_are_all_different() -> None:
    made: list[list[str]] = [[] for _ in range(4)]

    def make(out: list[str]) -> None:
        out.extend(new_id() for _ in range(5_000))

    threads = [threading.Thread(target=make, args=(out,)) for out in made]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [i for out in made for i in out]
    assert len(set(every)) == len(every)
    assert all(out == sorted(out) for out in made)


def test_parse_id_refuses_anything_but_lower_case_canonical_uuids() -> None:
    good = new_id()
    for bad in (good.upper(), good.replace("-", ""), "{" + good + "}", good + " ", None, 7, ""):
        assert parse_id(bad) is None
