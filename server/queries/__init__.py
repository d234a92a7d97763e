"""The read layer: read-only SQL for pages and reports, one module per subject.

Every function takes a ``sqlite_utils.Database`` (a read connection from the Store) and a
``Scope``, and filters with ``filters.in_scope`` and ``filters.live`` — so no list counts a
deleted record or shows another unit's. Imports ``sync``, never starlette (tests/test_layout.py).

- ``filters.py``: the scope and "live rows" conditions every query uses, and those a list's filters add.
- ``units.py``: the unit tree as a person sees it (names, kinds, paths, options for pickers).
"""
from __future__ import annotations
