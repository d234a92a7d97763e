"""The units a 所属单位 cell may have meant when it names none exactly (掘港 for 掘港街道关工委).

Never a guess taken silently: the names are offered in the row's error, and the person writes one.
"""
from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from sync.names import plain_name

NEAREST = 5


def units_by_name(units: Iterable[dict[str, Any]]) -> dict[str, list[str]]:
    """The ids of ``units`` by the name a 所属单位 cell is compared as ("掘港中学　" is 掘港中学): more than
    one id under a name for units made before names were kept unique (``shared_name``)."""
    by_name: dict[str, list[str]] = {}
    for u in units:
        by_name.setdefault(plain_name(u["name"]), []).append(u["id"])
    return by_name


def nearest_units(written: str, names: Iterable[str]) -> list[str]:
    """Up to ``NEAREST`` unit names near ``written``: those that hold it (掘港 → 掘港街道关工委,
    掘港街道校外教育辅导站 …) or that it holds, shortest first, else those spelled nearly alike."""
    wanted = plain_name(written)
    known = {plain_name(name): name for name in names}
    if not wanted:
        return []
    holding = sorted((plain for plain in known if wanted in plain or plain.removesuffix("关工委") in wanted),
                     key=lambda plain: (len(plain), plain))
    if not holding:
        holding = difflib.get_close_matches(wanted, list(known), n=NEAREST, cutoff=0.6)
    return [known[plain] for plain in holding[:NEAREST]]


def former_names(db: sqlite_utils.Database, units: list[dict[str, Any]]) -> dict[str, str]:
    """The names ``units`` had before a rename (as a cell is compared) → the unit's name now.

    A name now some unit's own, or once two units' (which did the file mean?), is left out: the
    file's cell is then answered as before, by the nearest names."""
    if not units:
        return {}
    now = {u["id"]: u["name"] for u in units}
    # Every live unit's name, in scope or not: names are unique in the county, and the file may mean another.
    taken = {plain_name(name) for (name,) in db.execute("SELECT name FROM units WHERE deleted = 0")}
    before: dict[str, set[str]] = {}  # of every unit, in scope or not: a name two units had is no answer
    # Through m052's partial index: only the units' changes are read, a few per unit in the county.
    for unit_id, changes in db.execute(
            "SELECT record_id, changes FROM sync_audit WHERE entity = 'unit' AND op = 'update' ORDER BY at"):
        loaded = json.loads(changes) if changes else None
        names = loaded.get("name") if isinstance(loaded, dict) else None
        for old in names if isinstance(names, list) else []:
            if isinstance(old, str) and plain_name(old) and plain_name(old) not in taken:
                before.setdefault(plain_name(old), set()).add(unit_id)
    found: dict[str, str] = {}
    for old, ids in before.items():
        if len(ids) == 1 and (unit_id := next(iter(ids))) in now:
            found[old] = now[unit_id]
    return found


def not_found(written: str, names: Iterable[str], what: str, renamed: dict[str, str] | None = None) -> str:
    """The words for a 所属单位 cell that names no ``what`` (单位, 学校或辅导站) in scope: the unit's name
    now when it is a name one of them had before a rename (``renamed``: ``former_names``), else the
    nearest names."""
    now = (renamed or {}).get(plain_name(written))
    if now is not None:
        return f"“所属单位”里的“{written}”已改名为“{now}”。请把这一格改成“{now}”后再上传。"
    near = nearest_units(written, names)
    said = f"“所属单位”找不到名为“{written}”的{what}（或不在您的管理范围内）。"
    if near:
        said += f"是不是：{'、'.join(near)}？请把这一格改成其中一个的全称后再上传。"
    return said


def shared_name(written: str, count: int, *, admin: bool) -> str:
    """The words for a 所属单位 cell that ``count`` live units are named (units made before names were
    kept unique): only the admin renames a unit, at 单位, so the admin is told to, and staff whom to ask."""
    said = f"有 {count} 个单位都叫“{written}”，导入分不清是哪一个。"
    if admin:
        return said + "请先在“单位”页（管理 → 单位，/admin/units）把其中一个改名（如加上所在镇的名称），再上传。"
    return said + "单位只有管理员能改名：请告诉管理员在“单位”页把其中一个改名，改好后再上传。"
