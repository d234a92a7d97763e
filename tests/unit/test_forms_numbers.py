"""Whole numbers typed into forms and query strings: ASCII digits only, bounded in length."""
from __future__ import annotations

import pytest

from server.forms import whole_number


@pytest.mark.parametrize("raw", ["²", "３", "٣", "12a", "-1", "1.0", "", " ", None, ["1"], "1234567890123"])
def test_anything_but_a_few_ascii_digits_is_no_number(raw: object) -> None:
    assert whole_number(raw) is None


def test_ascii_digits_within_the_length_are_read() -> None:
    assert whole_number(" 42 ") == 42 and whole_number("000123456789") == 123456789
    assert whole_number("12345", digits=4) is None and whole_number("2026", digits=4) == 2026
