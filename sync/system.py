"""The built-in actor for writes no person makes (bootstrap, migrations of data)."""
from __future__ import annotations

from .scope import Actor

SYSTEM_USER_ID = "00000000-0000-7000-8000-000000000000"
SYSTEM = Actor(SYSTEM_USER_ID, "admin", "", None, "系统")
