"""Placeholder until the demo generator lands."""
from __future__ import annotations
from typing import Any
import sqlite_utils
DEMO_PASSWORD = "banxing2026"
def load_demo(db: sqlite_utils.Database) -> None:
    raise NotImplementedError
def demo_logins(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return []
