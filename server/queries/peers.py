"""The 骨干学生 register (Rudong notice 二.2(3)) as the pages read it: per unit its classes and how many
have both a boy and a girl, and one unit's classes.

The pupils' names are selected only for the roles that read children's names (``names.NAMES_FOR``):
the county and the admin read the register as counts and ticks, and a name never reaches their page,
not even in a hidden field.
"""
from __future__ import annotations

import re
from typing import Any

import sqlite_utils

from sync import Scope
from sync.labels import ROW_KINDS

from .filters import visible
from .names import sees_names
from .units import get_unit, unit_tree

# A helper counts as named when something other than blanks was typed (the write path stores a name
# as typed; a form sends an emptied one as NULL, an API writer might send "").
_HAS = "(coalesce(trim({0}), '') != '')"
HAS_BOY, HAS_GIRL = _HAS.format("p.boy_name"), _HAS.format("p.girl_name")
_NUMERALS = {ch: str(n) for n, ch in enumerate("〇一二三四五六七八九", 0)}
_RUN = re.compile(r"(\d+)")


def class_order(name: str) -> list[Any]:
    """A class name as a register is read: 七(2)班 before 七(10)班 and 八(1)班 before 九(1)班 (by code point
    九 comes before 八, and "10" before "2"). Chinese numerals read as digits, digit runs as numbers."""
    digits = "".join(_NUMERALS.get(ch, ch) for ch in name)
    return [int(part) if part.isdigit() else part for part in _RUN.split(digits)]


def register_counts(db: sqlite_utils.Database, scope: Scope) -> list[dict[str, Any]]:
    """Every live station and school in ``scope``, in tree order, with ``classes`` (classes registered)
    and ``complete`` (those with both a boy and a girl); zeros included, so a unit that registered
    nothing is seen. ``town`` is the name of the unit above it."""
    where, params = visible(scope, "peer_helper", "p")
    counts = {r["unit_id"]: r for r in db.query(
        f"SELECT p.unit_id, count(*) AS classes, sum({HAS_BOY} AND {HAS_GIRL}) AS complete"
        f" FROM peer_helpers p WHERE {where} GROUP BY p.unit_id", params)}
    tree = unit_tree(db, scope)
    names = {u["id"]: u["name"] for u in tree}
    out = []
    for unit in tree:
        if unit["kind"] not in ROW_KINDS:
            continue
        found = counts.get(unit["id"], {})
        out.append({"id": unit["id"], "name": unit["name"], "kind": unit["kind"],
                    "town": names.get(unit["parent_id"] or "", ""),
                    "classes": int(found.get("classes") or 0), "complete": int(found.get("complete") or 0)})
    return out


def register_totals(rows: list[dict[str, Any]]) -> dict[str, int]:
    """The sums under ``register_counts``' rows, a school's classes apart from the stations (a station
    registers itself, not classes: one sum of both would count a station as a class): ``units``,
    ``schools``, ``classes`` and ``complete`` (the schools' classes), ``stations``, ``stations_in``
    (those that registered) and ``stations_complete``, and ``empty`` (units that registered nothing)."""
    schools = [r for r in rows if r["kind"] != "station"]
    stations = [r for r in rows if r["kind"] == "station"]
    return {"units": len(rows), "schools": len(schools), "classes": sum(r["classes"] for r in schools),
            "complete": sum(r["complete"] for r in schools), "stations": len(stations),
            "stations_in": sum(1 for r in stations if r["classes"]),
            "stations_complete": sum(1 for r in stations if r["classes"] and r["complete"] == r["classes"]),
            "empty": sum(1 for r in rows if not r["classes"])}


def register_gaps(db: sqlite_utils.Database, scope: Scope) -> dict[str, int]:
    """What the register still lacks in ``scope`` (for the staff home's to-do): ``short``, a school's
    classes missing a boy or a girl; ``short_stations``, the stations missing one (a station registers
    itself, not classes: its staff read 班级 as someone else's); ``empty``, the stations and schools
    that registered nothing."""
    rows = register_counts(db, scope)

    def short(kind: str) -> int:
        return sum(r["classes"] - r["complete"] for r in rows if (r["kind"] == "station") == (kind == "station"))

    return {"short": short("school"), "short_stations": short("station"),
            "empty": sum(1 for r in rows if not r["classes"])}


def unit_register(db: sqlite_utils.Database, scope: Scope, unit_id: str) -> dict[str, Any] | None:
    """One station's or school's register in ``scope`` (None: no such unit, not a station or school, or
    not the caller's): ``unit``, ``rows`` by class, ``classes``, ``complete`` and ``lacking`` (the rows
    missing a boy, a girl or both). Each row has ``has_boy`` and ``has_girl``; the names and grades
    only for a role that reads children's names (else None), and the guiding volunteer's name."""
    unit = get_unit(db, scope, unit_id)
    if unit is None or unit["kind"] not in ROW_KINDS:
        return None
    where, params = visible(scope, "peer_helper", "p")
    names = sees_names(scope)
    pupil = ", ".join(f"p.{c}" if names else f"NULL AS {c}"
                      for c in ("boy_name", "boy_grade", "girl_name", "girl_grade"))
    rows = list(db.query(
        f"SELECT p.id, p.class_name, p.version, p.mentor_id, {pupil}, {HAS_BOY} AS has_boy, {HAS_GIRL} AS has_girl,"
        " m.name AS mentor_name, m.active AS mentor_active"
        f" FROM peer_helpers p LEFT JOIN users m ON m.id = p.mentor_id WHERE p.unit_id = ? AND {where}"
        " ORDER BY p.created_at", [unit_id, *params]))
    rows.sort(key=lambda r: class_order(r["class_name"]))
    for row in rows:
        row["has_boy"], row["has_girl"] = bool(row["has_boy"]), bool(row["has_girl"])
    lacking = [r for r in rows if not (r["has_boy"] and r["has_girl"])]
    return {"unit": unit, "rows": rows, "classes": len(rows), "complete": len(rows) - len(lacking),
            "lacking": lacking, "names": names}


def get_peer_helper(db: sqlite_utils.Database, scope: Scope, peer_id: str) -> dict[str, Any] | None:
    """One live class of the register, names included, for the staff who edit it (None: no such
    record, or not the caller's)."""
    if not sees_names(scope):
        return None
    where, params = visible(scope, "peer_helper", "p")
    return next(db.query(
        f"SELECT p.*, u.name AS unit_name, u.kind AS unit_kind FROM peer_helpers p JOIN units u ON u.id = p.unit_id"
        f" WHERE p.id = ? AND {where}", [peer_id, *params]), None)


def unit_volunteers(db: sqlite_utils.Database, unit_id: str, keep: str | None = None) -> list[tuple[str, str]]:
    """(id, name) of the unit's active volunteers, who may guide its helpers; ``keep`` (the one a
    class names now) is listed too if it has stopped serving, marked, so an edit does not drop it."""
    rows = db.execute(
        "SELECT id, name, active FROM users WHERE role = 'mentor' AND unit_id = ? AND (active = 1 OR id = ?)"
        " ORDER BY name", [unit_id, keep or ""]).fetchall()
    return [(r[0], r[1] if r[2] else f"{r[1]}（已停用）") for r in rows]


def unit_figures(db: sqlite_utils.Database, scope: Scope, unit_id: str) -> dict[str, Any] | None:
    """``classes`` and ``complete`` of one unit's register, and whether it is a ``station`` (which
    registers itself, not classes), for an inspector judging the item ``peer_helpers`` (None: the
    unit is not a station or school the caller sees)."""
    found = unit_register(db, scope, unit_id)
    return None if found is None else {"classes": found["classes"], "complete": found["complete"],
                                       "station": found["unit"]["kind"] == "station"}
