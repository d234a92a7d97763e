"""撤点并校: the admin marks a unit closed (已撤并) from a day, once its children, accounts in use and
units below have gone elsewhere; or reopens it.

A closed school keeps its group events, enrolment figures and statistics returns where they were done
(the write path never deletes a unit holding them, since past figures would change), so it stays in the
tree. What closing changes: it owes no statistics return for a period beginning on or after its closing
day (``server/deadlines.py``), and its name carries 已撤并 in the tree and every unit list
(``queries.units``), so nobody files a new record there by mistake. Written on the writer thread, in
``unit_closures`` (server migration m010), audited as ``unit_closure``.
"""
from __future__ import annotations

import datetime

import sqlite_utils

from sync import Actor
from sync.audit import append_audit
from sync.errors import NotAllowed
from sync.timeutil import utc_now
from sync.users import get_user

from .forms import DAY_SHAPE, typed_day
from .queries.admin import unit_usage
from .templating import chinese_date


def closing_day_problem(typed: str, today: datetime.date) -> str | None:
    """Why ``typed`` is not a closing day (a real day written as the date box writes it, not after
    today, from 2000 as every date the write path takes), or None. Only that shape: Python reads
    20260901 and 2026-W36-2 as days too, and kept as typed they would compare as text against the
    periods' days (``server/deadlines.py``) and miss."""
    day = typed_day(typed)
    if day is None and DAY_SHAPE.fullmatch(typed):  # 2026-02-30: said as the other date fields say it
        return f"撤并日期没有这一天（{typed}），请重新选一天。单位没有改动。"
    if day is None or day.year < 2000:
        return "请选择撤并日期（哪一天起不再办学、不再设站），如 2026-09-01。单位没有改动。"
    if day > today:
        return "撤并日期不能晚于今天：到了那一天再来设。单位没有改动。"
    return None


def holding_problem(name: str, held: dict[str, int]) -> str | None:
    """Why a unit holding these (``queries.admin.unit_usage``) may not close yet, or None: every child,
    account in use and unit below must have a place that sees and serves them first."""
    left = [f"{held[key]} {words}" for key, words in (("children", "个下级单位"), ("users", "个在用账号"),
                                                      ("mentees", "名帮扶对象")) if held.get(key)]
    if not left:
        return None
    return (f"“{name}”还有 {'、'.join(left)}，不能撤并：请先把帮扶对象转到新的学校或辅导站"
            "（镇/街道在“帮扶对象”里选这个单位，点“把这里的全部帮扶对象转到别的单位”），"
            "把志愿者和工作人员的所属单位改到新单位（或停用账号），再来撤并。")


def close_unit(db: sqlite_utils.Database, actor: Actor, unit: dict[str, str],
               closed_on: str) -> tuple[bool, str | None]:
    """Mark ``unit`` closed from ``closed_on`` (or move its day): (written, why not). What it holds is
    read in the write itself, so a child moved in since the page was shown is not left unseen."""
    unit_id = unit["id"]
    problem = holding_problem(unit["name"], unit_usage(db).get(unit_id, {}))
    if problem:
        return False, problem
    before = db.execute("SELECT closed_on FROM unit_closures WHERE unit_id = ?", [unit_id]).fetchone()
    if before is not None and before[0] == closed_on:
        return False, None
    append_audit(db, actor, "unit_closure", unit_id, "insert" if before is None else "update",
                 {"closed_on": [None if before is None else before[0], closed_on]})
    db.execute("INSERT INTO unit_closures (unit_id, closed_on, closed_by, closed_at) VALUES (?, ?, ?, ?)"
               " ON CONFLICT (unit_id) DO UPDATE SET closed_on = excluded.closed_on,"
               " closed_by = excluded.closed_by, closed_at = excluded.closed_at",
               [unit_id, closed_on, actor.user_id, utc_now()])
    return True, None


def reopen_unit(db: sqlite_utils.Database, actor: Actor, unit_id: str) -> bool:
    """The unit is open again (closed by mistake, or a school reopened). False: it was not closed."""
    before = db.execute("SELECT closed_on FROM unit_closures WHERE unit_id = ?", [unit_id]).fetchone()
    if before is None:
        return False
    append_audit(db, actor, "unit_closure", unit_id, "delete", {"closed_on": [before[0], None]})
    db.execute("DELETE FROM unit_closures WHERE unit_id = ?", [unit_id])
    return True


class UnitClosed(Exception):
    """A child written into a closed unit: refused beside 所属学校/辅导站, nothing written."""


def refuse_closed(db: sqlite_utils.Database, unit_id: object) -> None:
    """Raise ``UnitClosed`` when ``unit_id`` is closed: no staff works there any more, so a child put
    there would have nobody at a school or station to open the file or answer a ⚠ on a visit. Read in
    the write that would put the child there."""
    found = _closed(db, unit_id)
    if found is not None:
        raise UnitClosed(f"“{found[0]}”已撤并（{chinese_date(found[1])}起），不再接收帮扶对象："
                         "请选孩子现在所在的学校或辅导站。")


def _closed(db: sqlite_utils.Database, unit_id: object) -> tuple[str, str] | None:
    """(name, closing day) of a closed unit, or None."""
    found = db.execute("SELECT u.name, c.closed_on FROM unit_closures c JOIN units u ON u.id = c.unit_id"
                       " WHERE c.unit_id = ?", [str(unit_id)]).fetchone()
    return None if found is None else (str(found[0]), str(found[1]))


def refuse_closed_account(db: sqlite_utils.Database, fields: dict[str, object], user_id: str | None = None) -> None:
    """``NotAllowed`` when a save would put an account at a closed unit: a new account there, one moved
    there, or a stopped one restored there. Its holder would answer for a unit nobody works at, and
    closing it was refused while any account was in use there. Read in the write that saves."""
    current = None if user_id is None else get_user(db, user_id=user_id)
    moved = current is None or ("unit_id" in fields and fields["unit_id"] != current["unit_id"])
    restored = current is not None and bool(fields.get("active")) and not current["active"]
    unit_id = fields.get("unit_id") if moved else (current or {}).get("unit_id")
    closed = _closed(db, unit_id) if (moved or restored) and unit_id else None
    if closed is None:
        return
    name, day = closed
    if not moved:  # the shape of a deleted unit's reason (sync/account_rights.py): the pages wrap both alike
        raise NotAllowed(f"所属单位“{name}”已撤并（{chinese_date(day)}起），请在“所属单位”里换成现在的学校或辅导站。")
    raise NotAllowed(f"“{name}”已撤并（{chinese_date(day)}起），不再接收账号：请选这位同志现在所在的学校、辅导站"
                     "或镇/街道。这次什么都没有改。")
