"""Names on pages: which roles read a child's name and private fields, and the names of the people a
record mentions (who wrote it, entered it, changed it), with the 已停用 mark of a stopped account.

A child's real name is selected only for the roles that work with the child (``NAMES_FOR``);
everyone else gets the pseudonymous code alone, so a name never reaches a page that should not
show it, not even in a hidden field.
"""
from __future__ import annotations

from typing import Any

import sqlite_utils

from sync import Scope
from sync.db import placeholders

# Station and school staff work with the child: they see the name. The county and the admin see
# the pseudonymous code (docs/design.md §6: names only where the role needs them).
NAMES_FOR = ("staff",)


def sees_names(scope: Scope) -> bool:
    return scope.actor.role in NAMES_FOR


def name_column(scope: Scope, alias: str = "m") -> str:
    return f"{alias}.name" if sees_names(scope) else "NULL"


# What names the child or the family: the name, birth year, guardian and number, and the free-text 备注
# of the child's file and of each 摸排 (父母离异，跟奶奶住在…). Read by the people who work with the
# child (``NAMES_FOR``, the same rule as the name); the county reviewer and the admin read the records
# by code, on every page that holds them (the child's file, the list, a pairing's archive and its
# print view alike): the admin keeps units, accounts and backups and needs no child's identity.
PRIVATE_FIELDS = {"mentee": ("name", "guardian_name", "guardian_contact", "notes", "birth_year"),
                  "screening": ("notes",), "donation": ("notes",)}


def reads_private(role: str) -> bool:
    return role in NAMES_FOR


def hide_private(role: str, entity: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` of ``entity`` as ``role`` may read them: the private fields blanked (in place) unless
    the role reads them."""
    if not reads_private(role):
        for row in rows:
            for name in PRIVATE_FIELDS.get(entity, ()):
                if name in row:
                    row[name] = None
    return rows


def user_names(db: sqlite_utils.Database, ids: set[str | None]) -> dict[str, str]:
    wanted = sorted(i for i in ids if i)
    if not wanted:
        return {}
    return {r["id"]: r["name"] for r in db.query(
        f"SELECT id, name FROM users WHERE id IN ({placeholders(wanted)})", wanted)}


def stopped_users(db: sqlite_utils.Database, ids: set[str | None]) -> set[str]:
    """Which of ``ids`` are stopped (停用) accounts, for the 已停用 mark beside their names."""
    wanted = sorted(i for i in ids if i)
    if not wanted:
        return set()
    return {r[0] for r in db.execute(
        f"SELECT id FROM users WHERE active = 0 AND id IN ({placeholders(wanted)})", wanted)}


def in_service(user_id: str | None, stopped: set[str]) -> bool | None:
    """Whether ``user_id``'s account is in use (``stopped``: from ``stopped_users``); None for nobody,
    so the 已停用 mark says nothing about a row without an author."""
    return user_id not in stopped if user_id else None


def name_people(activity: dict[str, Any], names: dict[str, str], stopped: set[str]) -> None:
    """Who wrote (the volunteer), who entered it (代录), who created and last changed the row, by name;
    ``author_active``: whether its writer's account is in use (``stopped``: the stopped ones of ``names``)."""
    for key, name in (("author_id", "author_name"), ("entered_by", "entered_by_name"),
                      ("created_by", "created_by_name"), ("updated_by", "updated_by_name")):
        activity[name] = names.get(activity[key] or "", "")
    activity["author_active"] = in_service(activity["author_id"], stopped)


def name_authors(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> None:
    """Who wrote each 摸排 or 转介 of ``rows`` (its 记录人 or 登记人) by name, and ``author_active`` for
    the 已停用 mark, as ``name_people`` gives a visit's."""
    ids = {r["author_id"] for r in rows}
    label_authors(rows, user_names(db, ids), stopped_users(db, ids))


def label_authors(rows: list[dict[str, Any]], names: dict[str, str], stopped: set[str]) -> None:
    """``name_authors`` with the names and stopped accounts already read (an archive reads its people once)."""
    for r in rows:
        r["author_name"] = names.get(r["author_id"] or "", "")
        r["author_active"] = in_service(r["author_id"], stopped)

