"""An import's columns and limits, and the template workbook that shows a person how to fill them in."""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from ..exports import put_cell

MAX_ROWS = 2000
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SheetInvalid(Exception):
    """The upload is not a readable .xlsx (or has no header row); ``reason`` says what to do."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    help: str = ""
    choices: tuple[str, ...] = ()
    width: int = 14
    aliases: tuple[str, ...] = ()  # what a school's own sheet calls the column (学生姓名 for 姓名)
    fallbacks: tuple[str, ...] = ()  # read as the column only when the sheet has none by its name (班级 for 年级)
    ambiguous: tuple[str, ...] = ()  # may mean this column or something else: refused in words
    in_template: bool = True  # False: read from a school's own sheet (是否留守儿童), not offered in the template


def template(title: str, columns: Sequence[Column], notes: Sequence[tuple[str, str]]) -> bytes:
    """A workbook with the sheet ``title`` (bold Chinese headers, drop-downs for fixed choices)
    and a sheet 填写说明 explaining each column, followed by ``notes`` (heading, text)."""
    columns = [c for c in columns if c.in_template]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    bold = Font(bold=True, size=12)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header + ("（必填）" if column.required else ""))
        cell.font, cell.fill = bold, fill
        sheet.column_dimensions[cell.column_letter].width = column.width
        if column.choices:
            check = DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True,
                                   showErrorMessage=True, error="请从下拉列表中选择。")
            check.add(f"{cell.column_letter}2:{cell.column_letter}{MAX_ROWS + 1}")
            sheet.add_data_validation(check)
    sheet.freeze_panes = "A2"
    help_sheet = book.create_sheet("填写说明")
    lines = [("列名", "是否必填", "怎么填"), *((c.header, "必填" if c.required else "", c.help) for c in columns),
             ("", "", ""), *((heading, "", text) for heading, text in notes)]
    for number, line in enumerate(lines, start=1):
        for place, text in enumerate(line, start=1):
            if text:  # the notes name the units, and a unit may be named "=…": a formula, were it not for put_cell
                put_cell(help_sheet, number, place, text)
    for cell in help_sheet[1]:
        cell.font, cell.fill = bold, fill
    help_sheet.column_dimensions["A"].width = 18
    help_sheet.column_dimensions["B"].width = 10
    help_sheet.column_dimensions["C"].width = 90
    for row in help_sheet.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

