"""The unit tree (county → town → station/school) as a person sees it."""
from __future__ import annotations

from typing import Any

import sqlite_utils

from sync import Scope

from .filters import in_scope

# After a closed unit's name in pickers and lists (server/unit_closing.py).
CLOSED_MARK = "（已撤并）"


def closing_days(db: sqlite_utils.Database) -> dict[str, str]:
    """Every closed unit's closing day, by unit id (``unit_closures``, server migration m010)."""
    return {str(r[0]): str(r[1]) for r in db.execute("SELECT unit_id, closed_on FROM unit_closures")}


def unit_tree(db: sqlite_utils.Database, scope: Scope, *, root: str | None = None) -> list[dict[str, Any]]:
    """Live units in ``scope`` in tree order (parents first, siblings by name), with ``depth``
    and ``path`` (names from the top, e.g. ``如东县关工委 / 掘港街道关工委``).

    With ``root`` only that unit and its subtree. ``closed_on``: the day a closed unit (已撤并,
    ``server/unit_closing.py``) closed, else None.
    """
    sql, params = in_scope(scope, "unit", "u")
    start = "u.id = ?" if root else "(u.parent_id IS NULL OR u.parent_id NOT IN (SELECT id FROM visible))"
    rows = db.query(
        f"""
        WITH RECURSIVE visible AS (
            SELECT u.* FROM units u WHERE u.deleted = 0 AND {sql}
        ),
        tree(id, parent_id, name, kind, phone, address, depth, sort, path) AS (
            SELECT u.id, u.parent_id, u.name, u.kind, u.phone, u.address, 0, u.name, u.name
            FROM visible u WHERE {start}
            UNION ALL
            SELECT c.id, c.parent_id, c.name, c.kind, c.phone, c.address, tree.depth + 1,
                   tree.sort || char(31) || c.name, tree.path || ' / ' || c.name
            FROM visible c JOIN tree ON c.parent_id = tree.id
        )
        SELECT tree.id, parent_id, name, kind, phone, address, depth, path, c.closed_on
        FROM tree LEFT JOIN unit_closures c ON c.unit_id = tree.id ORDER BY sort
        """,
        [*params, *([root] if root else [])],
    )
    return list(rows)


def unit_options(db: sqlite_utils.Database, scope: Scope, *, kinds: tuple[str, ...] | None = None,
                 root: str | None = None) -> list[tuple[str, str]]:
    """(id, indented name) pairs for a unit picker, optionally only some kinds. A closed unit stays (its
    records are still looked up by it) and says so, so nobody files a new record there by mistake."""
    return [(u["id"], "　" * u["depth"] + u["name"] + (CLOSED_MARK if u["closed_on"] else ""))
            for u in unit_tree(db, scope, root=root) if kinds is None or u["kind"] in kinds]


def get_unit(db: sqlite_utils.Database, scope: Scope, unit_id: str) -> dict[str, Any] | None:
    """One live unit inside ``scope``, or None (not found and not yours look the same)."""
    sql, params = in_scope(scope, "unit", "u")
    return next(db.query(f"SELECT * FROM units u WHERE u.id = ? AND u.deleted = 0 AND {sql}",
                         [unit_id, *params]), None)


def unit_name(db: sqlite_utils.Database, unit_id: str) -> str:
    """The name of a unit (a person's own unit: shown even once the unit is deleted)."""
    row = db.execute("SELECT name FROM units WHERE id = ?", [unit_id]).fetchone()
    return str(row[0]) if row else ""


def in_subtree(column: str) -> str:
    """SQL: ``column`` holds the unit given as the one parameter, or a unit below it."""
    return (f"{column} IN (WITH RECURSIVE sub(id) AS (SELECT ? UNION SELECT u.id FROM units u"
            " JOIN sub ON u.parent_id = sub.id) SELECT id FROM sub)")


def lowest_holding(db: sqlite_utils.Database, unit_ids: list[str]) -> str:
    """The name of the lowest unit whose subtree holds every one of ``unit_ids`` (the county at worst):
    the office to ask for what reaches all of them. "" when they share no unit."""
    common: list[str] | None = None
    for unit_id in dict.fromkeys(unit_ids):
        path = [r[0] for r in db.execute(
            "WITH RECURSIVE up(id, depth) AS (SELECT ?, 0 UNION ALL SELECT u.parent_id, up.depth + 1"
            " FROM units u JOIN up ON u.id = up.id WHERE u.parent_id IS NOT NULL) SELECT id FROM up ORDER BY depth",
            [unit_id])]
        common = path if common is None else [u for u in common if u in path]
    return unit_name(db, common[0]) if common else ""
