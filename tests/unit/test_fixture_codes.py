"""The factories' children carry random codes; a search a test types for another child must never find
one of them by chance (six hex digits once answered "60" in about one run in fifty)."""
from __future__ import annotations

import unicodedata

import pytest

from ..factories import fixture_code

TYPED_IN_TESTS = ["60", "9999", "c-99", "Ｃ－９９９９", "BX", "BX—", "2026 9999", "0904", "37", "孩子"]


def letters_and_digits(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text).upper() if c.isascii() and c.isalnum())


@pytest.mark.parametrize("typed", TYPED_IN_TESTS)
def test_no_fixture_code_holds_a_search_typed_for_another_child(typed: str) -> None:
    wanted = letters_and_digits(typed)
    for _ in range(5000):
        code = fixture_code()
        assert not wanted or wanted not in letters_and_digits(code), (typed, code)
        assert typed.upper() not in code.upper(), (typed, code)
