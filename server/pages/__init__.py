"""Server-rendered pages, one module per page family; each exports ``routes``.

- ``visits.py``: ``require`` (who, role), ``Visit.render`` / ``redirect``; ``form_posts.py``:
  ``require_form`` (CSRF, forms kept as drafts), ``form_values``; ``paging.py``, ``path_records.py``
  (the record a path names, 404 alike), ``account_shown.py`` (what an account form showed).
- ``nav.py``: the navigation bar per role.
- ``home.py``: the front page.
- ``login.py``: ``/login``, ``/logout``; lockout; forms kept across an expired session.
- ``account.py``: ``/account``: one's own phone number and password.
"""
from __future__ import annotations
