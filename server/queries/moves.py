"""What a child's move to another school or station took along, read in the write that moved them.

The write path moves a child's pairings, visits and 摸排 with the child (``sync/rules/effects.py``
``_cascade_unit``): the new unit's staff see the whole file and the old unit's no longer see it. The
person who moved the child is told so in numbers, and which running pairings still have a volunteer
of a unit the child left, since those volunteers now visit a child their own station cannot open.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from sync.grades import GRADES, grade_parts

from .units import in_subtree, unit_name


@dataclass(frozen=True)
class Move:
    old_unit: str  # names, as the page says them
    new_unit: str
    pairings: int  # live pairings that moved with the child
    running: int  # of those, the ones not ended
    visits: int  # live visits of those pairings
    screenings: int  # live 摸排
    # Running pairings whose volunteer belongs to a unit outside the child's new unit: (volunteer, unit).
    volunteers_left_behind: tuple[tuple[str, str], ...]


def moved_with(db: sqlite_utils.Database, mentee_id: str, old_unit_id: str) -> Move | None:
    """The move of ``mentee_id`` away from ``old_unit_id``, as it stands now; None if the child did not
    move (a refused or conflicting change of the unit leaves it where it was)."""
    row = db.execute("SELECT unit_id FROM mentees WHERE id = ?", [mentee_id]).fetchone()
    if row is None or row[0] == old_unit_id:
        return None
    new_unit_id = str(row[0])
    pairings, running = db.execute(
        "SELECT count(*), coalesce(sum(status = 'active'), 0) FROM pairings WHERE mentee_id = ? AND deleted = 0",
        [mentee_id]).fetchone()
    visits = db.execute(
        "SELECT count(*) FROM activities WHERE deleted = 0 AND pairing_id IN"
        " (SELECT id FROM pairings WHERE mentee_id = ? AND deleted = 0)", [mentee_id]).fetchone()[0]
    screenings = db.execute("SELECT count(*) FROM screenings WHERE mentee_id = ? AND deleted = 0",
                            [mentee_id]).fetchone()[0]
    left = db.execute(
        "SELECT u.name, un.name FROM pairings p JOIN users u ON u.id = p.mentor_id JOIN units un ON un.id = u.unit_id"
        f" WHERE p.mentee_id = ? AND p.deleted = 0 AND p.status = 'active' AND NOT {in_subtree('u.unit_id')}"
        " ORDER BY p.start_date, p.id", [mentee_id, new_unit_id]).fetchall()
    return Move(unit_name(db, old_unit_id), unit_name(db, new_unit_id), int(pairings), int(running), int(visits),
                int(screenings), tuple((str(v), str(u)) for v, u in left))


def unit_children(db: sqlite_utils.Database, unit_id: str, grade: str | None = None) -> list[dict[str, object]]:
    """The unit's own live children (not those of units below it: each unit's children are moved from
    its own page), by code, with the version each is shown at: the bulk move sends each child's
    change against it, so a child changed since the form was shown is merged or reported, never
    overwritten. With ``grade``, only that grade's children (grades are stored in one written form,
    ``sync.grades``): the class leaving a primary school in July goes on to the junior school, the
    others stay; a child of it who left care (结束帮扶) stays too, her closed archive where she was, as
    升年级 leaves it (the whole unit's move, a school closing, takes every file)."""
    graded, params = ("", [unit_id]) if grade is None else (" AND grade = ? AND status = 'active'", [unit_id, grade])
    return [{"id": r[0], "code": r[1], "name": r[2], "version": r[3]} for r in db.execute(
        f"SELECT id, code, name, version FROM mentees WHERE unit_id = ? AND deleted = 0{graded} ORDER BY code, id",
        params)]


def unit_grades(db: sqlite_utils.Database, unit_id: str) -> list[tuple[str, int]]:
    """The grades of the unit's own children in care, each with how many (a child with no grade in none):
    the bulk move's choice of one class to move, in school order (一年级 … 九年级, 高一 …)."""
    rows = db.execute("SELECT grade, count(*) FROM mentees WHERE unit_id = ? AND deleted = 0 AND status = 'active'"
                      " AND grade IS NOT NULL AND grade != '' GROUP BY grade", [unit_id]).fetchall()
    return sorted(((str(g), int(n)) for g, n in rows), key=lambda gn: (grade_order(gn[0]), gn[0]))


def grade_order(grade: str) -> int:
    """Where ``grade`` stands in the school years (a grade with its class, 七年级（3）班, beside 七年级);
    text naming no grade after them all."""
    parts = grade_parts(grade)
    return len(GRADES) if parts is None else parts[0]


def running_pairings(db: sqlite_utils.Database, unit_id: str, grade: str | None = None) -> int:
    """Running pairings of the unit's own live children (of ``grade`` only, when given): what a bulk move
    takes along still under way."""
    graded, params = ("", [unit_id]) if grade is None else (" AND m.grade = ? AND m.status = 'active'",
                                                            [unit_id, grade])
    return int(db.execute(
        "SELECT count(*) FROM pairings p JOIN mentees m ON m.id = p.mentee_id WHERE m.unit_id = ? AND m.deleted = 0"
        f" AND p.deleted = 0 AND p.status = 'active'{graded}", params).fetchone()[0])


