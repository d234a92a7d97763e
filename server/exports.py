"""The statistics form as files: an XLSX laid out like the paper form, and a CSV Excel opens.

Both take a ``StatsForm`` (``server/queries/stats_form.py``) and a ``Filler`` (填表人, 填表电话,
填表时间), so the live form and an approved return's frozen copy export the same way.

XLSX (openpyxl, written in memory): row 1 the title, merged across the table; row 2 the
period; row 3 the header block 填表单位 / 填表时间 / 填表人 / 填表电话 (each label and value in
merged cells); row 4 the nine column headers (wrapped, bold, bordered); then one row per
station/school (each as tall as its longest wrapped cell: Excel never grows a set height) and the
合计 row in bold; thin borders on the table, column widths for the
Chinese headers; printed on A4 landscape, fitted to one page wide, the column headers repeated
on every page. CSV: UTF-8 with a BOM (Excel on Windows otherwise guesses GBK), the column
header row, one row per station/school, then 合计.
"""
from __future__ import annotations

import csv
import datetime
import io
import math
from dataclasses import dataclass
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sync.labels import FILED_STATUSES

from .queries.measures import HEADERS
from .queries.stats_form import StatsForm, StatsRow
from .templating import chinese_date

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"
FIRST_TABLE_ROW = 4  # the column headers; data rows follow


@dataclass(frozen=True)
class Filler:
    """The header block of the paper form."""

    filled_on: datetime.date
    filled_by: str = ""
    phone: str = ""


def title_of(form: StatsForm) -> str:
    return f"{form.unit_name}心理健康教育工作情况统计表"


def period_of(form: StatsForm) -> str:
    return period_line(form.date_from, form.date_to)


def period_line(date_from: str, date_to: str) -> str:
    return f"统计时段：{chinese_date(date_from)}至{chinese_date(date_to)}"


def filename(form: StatsForm, extension: str, status: str = "") -> str:
    """``统计表-<unit>-<from>至<to>[-<status>].<ext>``: a return's file says its status (已通过 …), so
    the approved figures and the live form of the same period are two files a person tells apart."""
    return f"统计表-{form.unit_name}-{form.date_from}至{form.date_to}{'-' + status if status else ''}.{extension}"


def content_disposition(name: str, fallback: str = "") -> str:
    """``attachment`` with an ASCII fallback (``stats.xlsx`` unless given) and the UTF-8 name (RFC 6266 / 5987)."""
    fallback = fallback or f"stats.{name.rsplit('.', 1)[-1]}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


def _cells(row: StatsRow) -> list[str | int]:
    return [row.name, *row.values, _remarks(row)]


UNLIKE = "与该单位审核通过的数字不同"
FILED_HEADER = "该单位报送"  # after 备注 on a town's or the county's form: its rows are schools and stations


def _remarks(row: StatsRow) -> str:
    """备注, and on a town's row that differs from the school's approved return both numbers: the
    file the county keeps must not hold a sum that silently differs from the signed parts."""
    unlike = row.unlike_filed()
    if not unlike:
        return row.remarks
    said = "；".join(f"{d.column}现在{d.current}，审核通过{d.frozen}" for d in unlike)
    note = f"⚠ {UNLIKE}：{said}"
    return f"{row.remarks}\n{note}" if row.remarks else note


def to_csv(form: StatsForm) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in [*form.rows, form.total]:
        writer.writerow([_csv_text(value) for value in _cells(row)])
    return (BOM + out.getvalue()).encode("utf-8")


THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
FONT = "宋体"
WIDTHS = [24, 12, 12, 12, 12, 12, 12, 13, 13, 26]
# The header block: (label, first column, last column) for the label+value pairs of row 3.
HEADER_BLOCK = (("填表单位", 1, 3), ("填表时间", 4, 5), ("填表人", 6, 7), ("填表电话", 8, 10))


# What Excel (and WPS) read as the start of a formula when a cell's text begins with it.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _shown(value: str | int | None) -> str | int | None:
    """A cell value Excel can hold: a control character kept in a remark or a phone number (pasted
    from somewhere, or saved before forms dropped them) would make openpyxl refuse the whole file."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _formula_like(value: str | int | None) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def put_cell(ws: Worksheet, row: int, column: int, value: str | int | None) -> Cell:
    """Write ``value`` as what it is: typed text stays text. openpyxl makes any string that begins
    with "=" a formula, so a station's remark "=HYPERLINK(…)" or a unit named "=…" would be a live
    formula in the county's file; a cell typed as a string is shown, never evaluated. The test is
    made on the text as written, after the control characters are dropped: "\x01=…" is "=…" then.
    Every workbook the server writes puts its cells through here (the import templates too)."""
    shown = _shown(value)
    cell = ws.cell(row=row, column=column, value=shown)
    if _formula_like(shown):
        cell.data_type = "s"
    return cell


ROW_HEIGHT = 22  # points: one line of 11 pt text with the form's padding
LINE_HEIGHT = 15  # points per further wrapped line
MAX_ROW_HEIGHT = 409  # points: Excel's limit; a taller row opens as the default height


def _text_width(line: str) -> int:
    """A line's width in Excel's column units: a Chinese character in 宋体 11 pt is about two."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in line)


def wrapped_lines(value: str | int, width: float) -> int:
    """How many lines Excel wraps a cell into in a column ``width`` units wide (a unit of padding
    off), each typed line break starting a new one."""
    if not isinstance(value, str):
        return 1
    room = max(width - 1, 1)
    return sum(max(1, math.ceil(_text_width(line) / room)) for line in str(_shown(value)).split("\n"))


def row_height(cells: list[str | int]) -> float:
    """A row tall enough for its longest wrapped cell. Excel keeps a row height once it is set and
    never grows it for wrapped text, so a fixed height would show a long 备注 or unit name cut off
    on the screen and on the printed form."""
    lines = max(wrapped_lines(value, width) for value, width in zip(cells, WIDTHS, strict=True))
    return min(ROW_HEIGHT + LINE_HEIGHT * (lines - 1), MAX_ROW_HEIGHT)


def _csv_text(value: str | int) -> str | int | None:
    """A CSV cell Excel will not evaluate: text that begins like a formula gets a leading apostrophe
    (the usual guard against CSV formula injection; Excel shows the text after it). Control
    characters go as in the XLSX, so neither file hides a formula behind one."""
    shown = _shown(value)
    return "'" + str(shown) if _formula_like(shown) else shown


def to_xlsx(form: StatsForm, filler: Filler, summary: str = "") -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "统计表"
    gathers = any(r.filed is not None for r in form.rows)
    last = len(HEADERS)  # the paper form's width: the title and header block span it
    last_letter = get_column_letter(last)

    ws.merge_cells(f"A1:{last_letter}1")
    title = put_cell(ws, 1, 1, title_of(form))
    title.font = Font(name=FONT, size=16, bold=True)
    title.alignment = CENTER
    ws.row_dimensions[1].height = 32
    ws.merge_cells(f"A2:{last_letter}2")
    period = put_cell(ws, 2, 1, period_of(form))
    period.font = Font(name=FONT, size=11)
    period.alignment = CENTER

    values = {"填表单位": form.unit_name, "填表时间": chinese_date(filler.filled_on), "填表人": filler.filled_by,
              "填表电话": filler.phone}
    for label, first, end in HEADER_BLOCK:
        ws.merge_cells(start_row=3, start_column=first, end_row=3, end_column=end)
        cell = put_cell(ws, 3, first, f"{label}：{values[label]}")
        cell.font = Font(name=FONT, size=11)
        cell.alignment = LEFT
    ws.row_dimensions[3].height = 24

    for column, text in enumerate(HEADERS, start=1):
        cell = ws.cell(row=FIRST_TABLE_ROW, column=column, value=text)
        cell.font = Font(name=FONT, size=11, bold=True)
        cell.alignment = CENTER
        cell.border = BOX
    ws.row_dimensions[FIRST_TABLE_ROW].height = 58
    for offset, row in enumerate([*form.rows, form.total], start=1):
        r = FIRST_TABLE_ROW + offset
        bold = row.unit_id is None
        for column, value in enumerate(_cells(row), start=1):
            cell = put_cell(ws, r, column, value)
            cell.font = Font(name=FONT, size=11, bold=bold)
            cell.border = BOX
            cell.alignment = CENTER if isinstance(value, int) or (column == 1 and bold) else LEFT
        ws.row_dimensions[r].height = row_height(_cells(row))
        if gathers:
            filed = put_cell(ws, r, last + 1, FILED_STATUSES[row.filed.status] if row.filed is not None else "")
            filed.font = Font(name=FONT, size=11, bold=bold)
            filed.border = BOX
            filed.alignment = CENTER
    for column, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    if gathers:
        head = put_cell(ws, FIRST_TABLE_ROW, last + 1, FILED_HEADER)
        head.font = Font(name=FONT, size=11, bold=True)
        head.alignment = CENTER
        head.border = BOX
        ws.column_dimensions[get_column_letter(last + 1)].width = 14

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # type: ignore[union-attr]
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = f"{FIRST_TABLE_ROW}:{FIRST_TABLE_ROW}"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.freeze_panes = f"B{FIRST_TABLE_ROW + 1}"
    if summary.strip():
        _summary_sheet(wb, form, summary)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _summary_sheet(wb: Workbook, form: StatsForm, summary: str) -> None:
    """A return's 活动总结 on a second sheet: the notice sends it up with the form, in one file."""
    ws = wb.create_sheet("活动总结")
    ws.column_dimensions["A"].width = 100
    head = put_cell(ws, 1, 1, f"{form.unit_name}心理健康教育工作活动总结")
    head.font = Font(name=FONT, size=16, bold=True)
    head.alignment = CENTER
    put_cell(ws, 2, 1, period_of(form)).alignment = CENTER
    # One cell per paragraph: Excel caps a row at 409 points, which one long cell would overflow.
    for n, paragraph in enumerate((p for p in summary.split("\n") if p.strip()), start=3):
        text = paragraph.strip()
        cell = put_cell(ws, n, 1, text)
        cell.font = Font(name=FONT, size=11)
        cell.alignment = LEFT
        ws.row_dimensions[n].height = min(ROW_HEIGHT + LINE_HEIGHT * (wrapped_lines(text, 100) - 1), MAX_ROW_HEIGHT)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4

