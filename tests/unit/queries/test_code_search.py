"""``code_key``: the one rule for when a search is a child's code typed another way, and the SQL
``found_in`` makes of it: the same children a code's letters and digits name, read through the
same indexes as the plain search."""
from __future__ import annotations

from typing import Any

import pytest
import sqlite_utils

from server.queries.archives import list_pairings
from server.queries.filters import CODE_SEPARATORS, code_key, found_in
from server.queries.mentees import MenteeFilter, list_mentees
from server.queries.pickers import mentee_options
from sync import load_scope

from ...factories import copy_county, make_mentee
from .test_mentees import statements_of


@pytest.fixture
def w(db: sqlite_utils.Database) -> Any:
    return copy_county(db)


@pytest.mark.parametrize("typed", [
    "BX-2026-0037", "BX—2026—0037", "BX–2026–0037", "BX——2026——0037", "BX 2026 0037", "BX20260037",
    "BX·2026·0037", "BX・2026・0037", "ＢＸ－２０２６－００３７", "ＢＸ——２０２６——００３７", "BX\u30002026\u30000037",
    " BX - 2026 - 0037 ", "BX_2026_0037", "BX/2026/0037", "BX.2026.0037", "BX‐2026‑0037", "BX―2026―0037",
])
def test_a_code_typed_any_way_reads_as_its_letters_and_digits(typed: str) -> None:
    assert code_key(typed) == "BX20260037"


@pytest.mark.parametrize("typed", ["小明", "王 小明", "Li Ming", "BX", "37", "2026", "０１２３", "——", "-", "· ",
                                   "", "BX-%", "BX_", "王2026", "BX 2026 王"])
def test_a_name_a_bare_number_or_separators_alone_are_no_code(typed: str) -> None:
    assert code_key(typed) is None


@pytest.mark.parametrize(("typed", "key"), [("20260037", "20260037"), ("２０２６００３７", "20260037"),
                                           (" 20260037 ", "20260037"), ("260037", "260037"), ("202600", "202600")])
def test_a_bare_number_long_enough_to_name_a_year_and_a_number_is_a_code(typed: str, key: str) -> None:
    assert code_key(typed) == key


@pytest.mark.parametrize("typed", ["20260", "２０２６０", "0037", "60"])
def test_a_bare_number_shorter_than_a_year_and_a_number_is_no_code(typed: str) -> None:
    assert code_key(typed) is None


def test_a_bare_number_with_a_separator_is_a_code() -> None:
    assert code_key("2026 0037") == "20260037" and code_key("2026——0037") == "20260037"


def test_the_sql_finds_exactly_the_codes_whose_letters_and_digits_hold_the_key(db: sqlite_utils.Database) -> None:
    """The cheap first test (the key's letters in order) never drops a code the separators' replace()
    chain would keep: both against Python's own reading of each code."""
    codes = ["BX-2026-0037", "bx-2026-0037", "BX·2026·0037", "BX—2026—0037", "BX 2026 0037", "BX-2026-0370",
             "BX-2025-0037", "B-X-2-0-2-6-0-0-3-7", "XB-2026-0037", "BX20260037", "JT/2026/0037", "BX_2026_00_37"]
    db.execute("CREATE TEMP TABLE c (code TEXT)")
    db.conn.executemany("INSERT INTO c VALUES (?)", [(c,) for c in codes])
    for typed in ("BX 2026 0037", "BX20260037", "2026——0037", "bx·2026", "X2", "0037 BX", "20260037", "260370"):
        key = code_key(typed)
        assert key
        sql, args = found_in(typed, (), code="c.code")
        found = {r[0] for r in db.execute(f"SELECT code FROM c WHERE {sql}", args)}
        expected = {c for c in codes if key.upper() in "".join(ch for ch in c if ch not in CODE_SEPARATORS).upper()}
        assert found == expected, typed


def _plans(db: sqlite_utils.Database, read: Any) -> list[str]:
    statements = statements_of(db, read)
    return [" / ".join(str(r[3]) for r in db.execute("EXPLAIN QUERY PLAN " + sql).fetchall())
            for sql in statements if sql.lstrip().upper().startswith("SELECT")]


@pytest.mark.parametrize("who", ["staff_st11", "reviewer"])
def test_a_code_typed_another_way_reads_the_same_indexes_as_the_code_as_written(
        db: sqlite_utils.Database, w: Any, who: str) -> None:
    for n in range(110):  # past the pickers' cap, so they search
        make_mentee(db, w.staff_st11, w.st11, code=f"BX-2026-{n:04d}")
    scope = load_scope(db, getattr(w, who))

    def reads(q: str) -> list[str]:
        return _plans(db, lambda: (list_mentees(db, scope, MenteeFilter(q=q), names=False),
                                   list_pairings(db, scope, {"q": q}), mentee_options(db, scope, q=q)))

    assert reads("BX——2026——0037") == reads("BX-2026-0037")
