"""The one ``sync`` migration set every era's steps register with, and the engine columns every
domain table carries."""
from __future__ import annotations

from ..db import Migrations

migrations = Migrations("sync")

RECORD_COLUMNS = """
    version INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    field_versions TEXT NOT NULL DEFAULT '{}',
    field_writers TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    created_by TEXT,
    updated_at TEXT NOT NULL,
    updated_by TEXT
"""
