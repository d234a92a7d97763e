"""Importing rosters from Excel: staff keep their children and volunteers in spreadsheets.

An import is two steps. The **preview** reads the file, checks every row and says in words what
is wrong with each, and what each good row would do (add, nothing, change) — writing nothing.
The **import** checks the same rows again against the database as it is then and writes them
all in one transaction through the one write path, or nothing. A row that matches an existing
record by its natural key and holds the same values does nothing, so importing a file twice
changes nothing; one that holds different values is listed with its changes and is only applied
when the person ticks "update" (never silently).

- ``sheets.py``: an upload as rows of text: which kind of file it is, and the sheet that holds the list.
- ``header.py``: finding the row (or two rows) of column names and the column each cell names.
- ``rows.py``: the rows below the column names as a person sees them (hidden, struck, merged, footers).
- ``cells.py``: a cell as text, what makes a cell no usable value, names and phones folded one way.
- ``columns.py``: an import's columns and limits, and the template workbook made from them.
- ``plan.py``: the preview's shape — one ``RowPlan`` per row, an ``ImportPlan`` per file.
- ``mentees.py``: mentee rows; key = the code within the unit, or the name within the unit.
- ``mentee_columns.py``: a children's roster's columns, and its yes/no columns (是否留守儿童 …).
- ``mentee_likely.py``: a new mentee row that is likely a child already registered (a near name, a moved child).
- ``mentee_cells.py``: a mentee row's cells as the values the write path takes, each problem in words.
- ``mentors.py``: volunteer rows; key = the login, or the mobile number among the unit's volunteers.
"""
from __future__ import annotations
