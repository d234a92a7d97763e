"""Server-rendered pages, one module per page family; each exports ``routes``.

- ``home.py``: the front page.
"""
from __future__ import annotations
