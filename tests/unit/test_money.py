"""元 as typed into the 爱心捐助 form, read as whole 分 (server.money.fen_of)."""
from __future__ import annotations

import pytest

from server.money import fen_of


@pytest.mark.parametrize(("raw", "fen"), [
    ("500", 50_000), ("50.5", 5_050), ("50.50", 5_050), ("５００", 50_000), ("1,000", 100_000),
    ("1,234,567.80", 123_456_780), ("１，０００", 100_000), ("500元", 50_000), (" 5 ", 500), ("", None),
])
def test_yuan_as_typed_is_read_in_fen(raw: str, fen: int | None) -> None:
    assert fen_of(raw) == fen


@pytest.mark.parametrize("raw", [
    "5,50",  # a decimal comma: 5.50 元 meant, 550 元 read
    "50,5", "1,2,3", "1,0000", ",100", "100,", "1,,000",
    "٣", "1e3", "-0", "+5", "0.001", "1_000", "5.", ".5",
])
def test_a_sum_not_written_as_a_receipt_writes_it_is_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        fen_of(raw)


@pytest.mark.parametrize("raw", ["①500", "⑤", "50²", "¹⁰⁰", "５⁰", "½", "𝟓𝟎𝟎"])
def test_a_circled_superscript_or_styled_digit_is_refused_not_read_as_a_digit(raw: str) -> None:
    """NFKC folds ① to 1 and ² to 2: "①500", the first line of a receipt's list pasted in, was
    recorded as 1,500 元, and "50²" as 502 元. Only full-width forms are a digit typed another way."""
    with pytest.raises(ValueError):
        fen_of(raw)
