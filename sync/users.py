"""User accounts as the sync engine sees them (the password hash is the server's business)."""
from __future__ import annotations

from typing import Any

import sqlite_utils

from .entities import ROLES
from .ids import new_id
from .scope import Actor
from .timeutil import utc_now


def create_user(
    db: sqlite_utils.Database, *, login: str, name: str, role: str, unit_id: str,
    password_hash: str | None = None, phone: str | None = None, user_id: str | None = None,
) -> str:
    """Insert a user and return its id; ``role`` is one of ``ROLES``."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    uid = user_id or new_id()
    db.execute(
        "INSERT INTO users (id, login, name, role, unit_id, phone, password_hash, active, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)",
        [uid, login, name, role, unit_id, phone, password_hash, utc_now()],
    )
    return uid


def get_user(
    db: sqlite_utils.Database, *, login: str | None = None, user_id: str | None = None
) -> dict[str, Any] | None:
    column, value = ("login", login) if login is not None else ("id", user_id)
    cursor = db.execute(f"SELECT * FROM users WHERE {column} = ?", [value])
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


def actor_for(user: dict[str, Any], device_id: str | None = None) -> Actor:
    return Actor(user["id"], user["role"], user["unit_id"], device_id, user["name"])
