"""升年级: what each child's 年级 becomes when a station's or school's children move up one grade, and
whether the unit (or the child) was promoted this school year already (server migration m014).

Grades are stored in one written form (``sync.grades``): 一年级 … 九年级, 高一 … 高三, a class kept
behind (七年级（3）班 becomes 八年级（3）班: the class moves up with its children). 九年级 and 高三 are
the leaving classes: they are not promoted but named, to leave care or move to their next school.
Text naming no grade (学前班, as typed) is not ours to guess: left as it is, and named.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import sqlite_utils

from sync.audit import CHANGING_STATUSES
from sync.grades import GRADES, grade_parts
from sync.timeutil import SHANGHAI, format_utc

from .moves import grade_order
from .names import user_names

LEAVING = ("九年级", "高三")


def school_year(day: datetime.date) -> int:
    """The school year ``day`` falls in, named by the year it began on 1 September."""
    return day.year if day.month >= 9 else day.year - 1


def next_grade(grade: str) -> str | None:
    """The grade one up from ``grade``, its class kept; None for a leaving class (``is_leaving``) or
    text naming no grade."""
    parts = grade_parts(grade)
    if parts is None or GRADES[parts[0]] in LEAVING:
        return None
    return GRADES[parts[0] + 1] + parts[1]


def is_leaving(grade: str) -> bool:
    parts = grade_parts(grade)
    return parts is not None and GRADES[parts[0]] in LEAVING


@dataclass
class Plan:
    """A unit's own live children as the promotion form shows them."""

    children: list[dict[str, object]] = field(default_factory=list)  # to promote: id, code, name, version, grade, to
    groups: list[tuple[str, str, int]] = field(default_factory=list)  # (from, to, how many), in school order
    leaving: list[dict[str, object]] = field(default_factory=list)  # 九年级 and 高三: id, code, name, grade
    unread: list[dict[str, object]] = field(default_factory=list)  # grade naming no grade: code, grade
    no_grade: int = 0  # children with no grade written
    done_before: list[dict[str, object]] = field(default_factory=list)  # promoted this year at another unit
    # Grade typed this school year (edited, or registered since 1 September): id, code, name, grade, at, by, how
    set_this_year: list[dict[str, object]] = field(default_factory=list)


def promotion_plan(db: sqlite_utils.Database, unit_id: str, year: int) -> Plan:
    """What promoting ``unit_id``'s own children in care (not those of units below it) would do in
    ``year``. A child promoted already this school year (at the unit she left since) is named, not
    promoted again. A child who left care (结束帮扶: 毕业离校, 转出本县) is neither: her file is a closed
    archive kept as it stood when she left, not a 六年级 leaver made 七年级 at the school she left, nor a
    九年级 leaver listed again each year among the 毕业班 with 结束帮扶 beside her."""
    plan = Plan()
    counts: dict[tuple[str, str], int] = {}
    typed = grades_typed_since(db, unit_id, year)
    rows = db.execute(
        "SELECT m.id, m.code, m.name, m.version, m.grade, p.unit_id FROM mentees m LEFT JOIN promoted_children p"
        " ON p.mentee_id = m.id AND p.school_year = ? WHERE m.unit_id = ? AND m.deleted = 0 AND m.status = 'active'"
        " ORDER BY m.code, m.id",
        [year, unit_id]).fetchall()
    for mentee_id, code, name, version, grade, promoted_at in rows:
        child: dict[str, object] = {"id": mentee_id, "code": code, "name": name, "version": version, "grade": grade}
        if promoted_at == unit_id:
            continue  # promoted here this year: her grade is this year's (a 九年级 now is not leaving)
        if promoted_at is not None:
            plan.done_before.append(child)
        elif mentee_id in typed:  # a 六年级 typed in September is this year's: not made 七年级
            plan.set_this_year.append({**child, **typed[mentee_id]})
        elif not grade or not str(grade).strip():
            plan.no_grade += 1
        elif is_leaving(grade):
            plan.leaving.append(child)
        elif (to := next_grade(grade)) is None:
            plan.unread.append(child)
        else:
            plan.children.append({**child, "to": to})
            base, up = _base(str(grade)), _base(to)
            counts[(base, up)] = counts.get((base, up), 0) + 1
    plan.groups = sorted(((f, t, n) for (f, t), n in counts.items()), key=lambda g: grade_order(g[0]))
    return plan


def year_began(year: int) -> str:
    """The stored (UTC) form of the first moment of school year ``year``: 1 September, Beijing time."""
    return format_utc(datetime.datetime(year, 9, 1, tzinfo=SHANGHAI))


def grades_typed_since(db: sqlite_utils.Database, unit_id: str, year: int, mentee_id: str | None = None,
                       ) -> dict[str, dict[str, object]]:
    """The unit's live children in care (or the one ``mentee_id``, wherever she is) whose grade someone
    typed in school year ``year``: her file's audit (``sync_audit``, read by the file's number as her
    change history is) has a change of ``grade``, or her registration, since 1 September. Each by id
    with the latest such change: when (``at``), by whom (``by``), and ``how`` (``edited`` or
    ``registered``). The promotion's own change is one too, but a child it promoted is named apart
    before this is asked (``promoted_children``)."""
    where = "m.id = ?" if mentee_id else "m.unit_id = ? AND m.deleted = 0 AND m.status = 'active'"
    rows = db.execute(
        "SELECT m.id, a.at, a.user_id, a.op FROM mentees m JOIN sync_audit a ON a.num = m.num AND a.record_id = m.id"
        f" WHERE {where} AND a.entity = 'mentee' AND a.at >= ?"
        f" AND a.status IN ({', '.join('?' * len(CHANGING_STATUSES))})"
        " AND (a.op = 'create' OR json_extract(a.changes, '$.grade') IS NOT NULL) ORDER BY a.id",
        [mentee_id or unit_id, year_began(year), *CHANGING_STATUSES]).fetchall()
    names = user_names(db, {str(r[2]) for r in rows})
    return {str(m): {"at": str(at), "by": names.get(str(user), "") or "（未知）",
                     "how": "registered" if op == "create" else "edited"} for m, at, user, op in rows}


def _base(grade: str) -> str:
    """The grade without its class: 七年级（3）班 is counted with 七年级."""
    parts = grade_parts(grade)
    return grade if parts is None else GRADES[parts[0]]


def promoted_already(db: sqlite_utils.Database, unit_id: str, year: int) -> tuple[str, str, int] | None:
    """(when, by whom, how many) the unit's children were promoted in school year ``year``; None if not."""
    row = db.execute(
        "SELECT g.promoted_at, coalesce(u.name, g.promoted_by), g.promoted FROM grade_promotions g"
        " LEFT JOIN users u ON u.id = g.promoted_by WHERE g.unit_id = ? AND g.school_year = ?",
        [unit_id, year]).fetchone()
    return None if row is None else (str(row[0]), str(row[1]), int(row[2]))


def promotion_due(db: sqlite_utils.Database, unit_id: str, today: datetime.date) -> bool:
    """Whether the children list offers 升年级 for ``unit_id`` ``today``: September to December, while
    not yet done this school year (the page itself opens all year but July and August)."""
    return today.month >= 9 and promoted_already(db, unit_id, school_year(today)) is None


def record_promotion(db: sqlite_utils.Database, unit_id: str, year: int, user_id: str, at: str,
                     promoted: list[tuple[str, str, str]]) -> None:
    """The unit's promotion of ``year`` and each child's (child, from, to), in the write that made them."""
    db.execute("INSERT INTO grade_promotions (unit_id, school_year, promoted, promoted_by, promoted_at)"
               " VALUES (?, ?, ?, ?, ?)", [unit_id, year, len(promoted), user_id, at])
    db.conn.executemany("INSERT INTO promoted_children (mentee_id, school_year, unit_id, from_grade, to_grade)"
                   " VALUES (?, ?, ?, ?, ?)", [(m, year, unit_id, f, t) for m, f, t in promoted])
