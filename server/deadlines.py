"""报送截止日期: the days by which a period's statistics returns are due, and who is late.

The Kaizhou notice (六) has the schools report to their 片区 (here: the town) by 10月19日 and the
towns report to the district by 10月24日. The county sets both days for a period (exactly the
``period_from`` .. ``period_to`` a return covers); they hold for the live units under it: a station
or school owes its return by ``units_due``, a town by ``towns_due``.

Why a server table and not a synced entity: a phone files no return and never needs the days, and
the sync wire contract stays as it is. Each change is written to ``sync_audit`` (entity
``return_deadline``) like an account change, in the same transaction.

A unit has filed when its return for exactly that period is submitted (已上报) or approved (已通过);
a draft, a returned one (退回 to be corrected) or none at all is still owed, and is late (逾期 N 天)
from the day after its due day (Asia/Shanghai). ``/returns`` lists it and ``/dashboard`` counts it
from the same ``periods_due``, so the two always agree. A unit owes nothing for a period that ended
before the day (Asia/Shanghai) it was added to the system (its ``created_at``), nor, once closed
(已撤并), for one beginning on or after its closing day, unless it wrote a return for it all the same.

A return filed after its day is no longer owed, but the county reviews punctuality: ``/returns`` says 逾期
N 天报送 beside it, N counted from the Asia/Shanghai day of its last submission (the audit's change to 已上报;
a return withdrawn and submitted again was filed by the second).

Why exactly the period: a deadline asks for the form of one span (the Kaizhou notice's 宣传月, a
month, a half-year, a year), and a return of a longer span that covers it counts other months'
lectures and talks in the same figures, so it does not answer for it; a shorter one tells only part.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from sync import Actor, Scope
from sync.audit import append_audit, record_history
from sync.timeutil import SHANGHAI, parse_utc, utc_now

from .queries.units import closing_days

FILED = ("submitted", "approved")
DUE_KINDS = ("station", "school", "town")
FIELDS = ("period_from", "period_to", "units_due", "towns_due")


@dataclass(frozen=True)
class UnitDue:
    """One unit that owes a return for a period: its state and how late it is."""

    unit_id: str
    name: str
    kind: str
    reports_to: str  # the unit it submits to
    due: str
    status: str | None  # its return's status for exactly the period; None: it has none
    return_id: str | None
    days_late: int  # 0 while not late (filed, or its day not past)
    filed_late: int = 0  # filed, but this many days after its day

    @property
    def filed(self) -> bool:
        return self.status in FILED


@dataclass(frozen=True)
class PeriodDue:
    """A period with its two days, set by ``unit_name``, and the units in scope that owe a return."""

    deadline: dict[str, Any]
    units: list[UnitDue] = field(default_factory=list)

    @property
    def late(self) -> int:
        return sum(1 for u in self.units if u.days_late)

    @property
    def filed(self) -> int:
        return sum(1 for u in self.units if u.filed)


def list_deadlines(db: sqlite_utils.Database, unit_ids: list[str] | None) -> list[dict[str, Any]]:
    """The deadlines set by any of ``unit_ids`` (None: all), newest period first."""
    where, params = ("1", []) if unit_ids is None else (f"d.unit_id IN ({', '.join('?' * len(unit_ids))})", unit_ids)
    return list(db.query(
        "SELECT d.id, d.unit_id, u.name AS unit_name, d.period_from, d.period_to, d.units_due, d.towns_due,"
        " d.set_at, us.name AS set_by_name FROM return_deadlines d JOIN units u ON u.id = d.unit_id"
        f" LEFT JOIN users us ON us.id = d.set_by WHERE {where}"
        " ORDER BY d.period_to DESC, d.period_from DESC, d.id DESC", params))


def save_deadline(db: sqlite_utils.Database, actor: Actor, values: dict[str, str]) -> str:
    """Set the two days of a period for the actor's unit (a new period, or the days of one set before);
    audited. ``values`` holds ``FIELDS``, already checked. Returns ``created``, ``changed`` or ``same``."""
    before = next(db.query(
        "SELECT id, units_due, towns_due FROM return_deadlines WHERE unit_id = ? AND period_from = ?"
        " AND period_to = ?", [actor.unit_id, values["period_from"], values["period_to"]]), None)
    now = utc_now()
    if before is None:
        cursor = db.execute(
            "INSERT INTO return_deadlines (unit_id, period_from, period_to, units_due, towns_due, set_by, set_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [actor.unit_id, *(values[k] for k in FIELDS), actor.user_id, now])
        append_audit(db, actor, "return_deadline", str(cursor.lastrowid), "create",
                     {"unit_id": [None, actor.unit_id], **{k: [None, values[k]] for k in FIELDS}})
        return "created"
    changes = {k: [before[k], values[k]] for k in ("units_due", "towns_due") if before[k] != values[k]}
    if not changes:
        return "same"
    db.execute("UPDATE return_deadlines SET units_due = ?, towns_due = ?, set_by = ?, set_at = ? WHERE id = ?",
               [values["units_due"], values["towns_due"], actor.user_id, now, before["id"]])
    append_audit(db, actor, "return_deadline", str(before["id"]), "update", changes)
    return "changed"


def delete_deadline(db: sqlite_utils.Database, actor: Actor, deadline_id: int) -> bool:
    """Remove a period's days set by the actor's unit (the admin: any); audited. False: no such deadline."""
    found = next(db.query("SELECT * FROM return_deadlines WHERE id = ?", [deadline_id]), None)
    if found is None or (actor.role != "admin" and found["unit_id"] != actor.unit_id):
        return False
    db.execute("DELETE FROM return_deadlines WHERE id = ?", [deadline_id])
    append_audit(db, actor, "return_deadline", str(deadline_id), "delete",
                 {k: [found[k], None] for k in ("unit_id", *FIELDS)})
    return True


def _ancestors(parent: dict[str, str | None], unit_id: str | None) -> list[str]:
    out: list[str] = []
    while unit_id is not None and unit_id not in out and len(out) < 20:
        out.append(unit_id)
        unit_id = parent.get(unit_id)
    return out


def filed_on(db: sqlite_utils.Database, return_id: str) -> datetime.date | None:
    """The Asia/Shanghai day a return was last submitted (its last change to 已上报), from the audit."""
    moments = [change["at"] for change in record_history(db, "stats_return", return_id)
               if change["changes"].get("status", [None, None])[1] == "submitted"]
    return parse_utc(moments[-1]).astimezone(SHANGHAI).date() if moments else None


def periods_due(db: sqlite_utils.Database, scope: Scope, today: datetime.date, *,
                punctuality: bool = False) -> list[PeriodDue]:
    """Every deadline that holds for the viewer (set by their unit, a unit above it or, for the admin,
    any), each with the live units in scope under the setting unit that owe a return — late first.
    ``punctuality``: also how many days after its day each filed return was filed (``/returns``; the
    dashboard's count needs none, and it costs a read of each such return's history)."""
    # The Asia/Shanghai day each unit was added: its created_at, stamped by the server's write path
    # (sync/apply.py) and never changed after.
    rows = db.execute("SELECT id, parent_id, name, kind, deleted, date(created_at, '+8 hours') FROM units").fetchall()
    parent: dict[str, str | None] = {r[0]: r[1] for r in rows}
    info = {r[0]: (r[2], r[3]) for r in rows}
    # 撤点并校: a unit closed on or before a period's first day owes nothing for it (server/unit_closing.py).
    closed = closing_days(db)
    own = _ancestors(parent, scope.actor.unit_id)
    setters = None if scope.unit_ids is None else sorted(set(own) | set(scope.unit_ids))
    out = []
    for deadline in list_deadlines(db, setters):
        statuses: dict[str, tuple[str, str]] = {}
        for rid, unit_id, status in db.execute(
                "SELECT id, unit_id, status FROM stats_returns WHERE deleted = 0 AND period_from = ?"
                " AND period_to = ? ORDER BY status = 'approved', updated_at, id",
                [deadline["period_from"], deadline["period_to"]]).fetchall():
            statuses[unit_id] = (status, rid)  # the last wins: approved, else the latest changed
        units = []
        for unit_id, _parent_id, name, kind, deleted, added_on in rows:
            if deleted or kind not in DUE_KINDS or not scope.allows_unit(unit_id):
                continue
            chain = _ancestors(parent, unit_id)
            if deadline["unit_id"] not in chain[1:]:
                continue
            above = next((info[u] for u in chain[1:] if info[u][1] == "town"), None) if kind != "town" else None
            due = deadline["towns_due"] if kind == "town" else deadline["units_due"]
            status, return_id = statuses.get(unit_id, (None, None))
            if status is None and unit_id in closed and closed[unit_id] <= deadline["period_from"]:
                continue
            # Its mirror: a unit added to the system after a period ended could not have filed for it
            # here, so it owes nothing for it (unless it wrote one all the same).
            if status is None and added_on and deadline["period_to"] < added_on:
                continue
            late = 0 if status in FILED else max(0, (today - datetime.date.fromisoformat(due)).days)
            filed_late = 0
            if punctuality and status in FILED and return_id is not None and today.isoformat() > due:
                day = filed_on(db, return_id)
                filed_late = max(0, (day - datetime.date.fromisoformat(due)).days) if day else 0
            units.append(UnitDue(unit_id, name, kind, above[0] if above else deadline["unit_name"], due,
                                 status, return_id, late, filed_late))
        units.sort(key=lambda u: (u.filed, -u.days_late, u.kind == "town", u.reports_to, u.name))
        out.append(PeriodDue(deadline, units))
    return out


def count_late(db: sqlite_utils.Database, scope: Scope, today: datetime.date) -> int:
    """How many returns in scope are late, over every period (the dashboard's figure)."""
    return sum(p.late for p in periods_due(db, scope, today))


@dataclass(frozen=True)
class Owed:
    """The returns in scope still owed for a period the county set days for: how many, how many of
    them late, and the earliest day among them (None when none is owed)."""

    count: int
    late: int
    first_due: str | None


def returns_owed(db: sqlite_utils.Database, scope: Scope, today: datetime.date) -> Owed:
    """What the station home (工作台) says of the viewer's own returns and their units': the Kaizhou
    notice's 10月19日 is the school's day to keep, and the school lands on its home, not on /returns."""
    owed = [u for p in periods_due(db, scope, today) for u in p.units if not u.filed]
    return Owed(len(owed), sum(1 for u in owed if u.days_late), min((u.due for u in owed), default=None))
