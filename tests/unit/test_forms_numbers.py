"""Whole numbers typed into forms and query strings: ASCII digits only, bounded in length, refused in words."""
from __future__ import annotations

import pytest

from server.forms import FormInvalid, parse_fields, whole_number


@pytest.mark.parametrize("raw", ["²", "３", "٣", "12a", "-1", "1.0", "", " ", None, ["1"], "1234567890123"])
def test_anything_but_a_few_ascii_digits_is_no_number(raw: object) -> None:
    assert whole_number(raw) is None


def test_ascii_digits_within_the_length_are_read() -> None:
    assert whole_number(" 42 ") == 42 and whole_number("000123456789") == 123456789
    assert whole_number("12345", digits=4) is None and whole_number("2026", digits=4) == 2026


def test_a_number_out_of_range_on_a_form_is_told_without_the_fields_code() -> None:
    with pytest.raises(FormInvalid) as refused:
        parse_fields("activity", ["duration_min"], {"duration_min": "1890"})
    said = refused.value.errors["duration_min"]
    assert "“时长（分钟）”" in said and "1890" in said
    assert "duration_min" not in said and "字段" not in said


@pytest.mark.parametrize("raw", ["①20", "⑳", "2²", "¹²⁰", "𝟏𝟐𝟎", "九百", "二〇一四"])
def test_a_circled_or_superscript_digit_on_a_form_is_refused_not_read_as_a_digit(raw: str) -> None:
    """"①20" (a numbered list's first line pasted in) was read as 120 participants, and "2²" as 22,
    into the statistics form the county reports upward; 九百 in Chinese numerals is told to use digits."""
    with pytest.raises(FormInvalid) as refused:
        parse_fields("event", ["participants"], {"participants": raw})
    assert refused.value.errors["participants"] == "“参与人次”请只用数字填写（0–9），不要写汉字。"


def test_full_width_digits_and_separators_on_a_form_are_still_read() -> None:
    for raw in ("１，２００", "1 200", "1\u00a0200", "１\u3000２００"):
        assert parse_fields("event", ["participants"], {"participants": raw}) == {"participants": 1200}, raw
