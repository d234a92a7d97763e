"""Server-rendered pages, one module per page family; each exports ``routes``.

- ``common.py``: ``require`` / ``require_form`` (who, role, CSRF), ``Visit.render`` / ``redirect``.
- ``nav.py``: the navigation bar per role.
- ``home.py``: the front page.
- ``login.py``: ``/login``, ``/logout``; lockout; forms kept across an expired session.
- ``account.py``: ``/account``: one's own phone number and password.
"""
from __future__ import annotations
