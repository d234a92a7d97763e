"""The statistics form as computed (``StatsForm``, its ``StatsRow``s and what each row's unit
filed), its frozen copy (the figures an approved return keeps, as JSON) and what changed since."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sync.timeutil import utc_now

from .measures import KEYS, MEASURES

TOTAL_NAME = "合计"


@dataclass(frozen=True)
class Difference:
    row: str
    column: str
    frozen: int | None  # None: the row did not exist when frozen
    current: int | None  # None: the row no longer exists
    key: str = ""  # the measure's


@dataclass(frozen=True)
class Filed:
    """What a row's unit filed for exactly the form's period, as the unit above gathers it (Kaizhou
    六: each school sends its form, the town 收集汇总): the status of its return (``none``: it filed
    nothing) and, once approved, that row's figures as the approval froze them."""

    status: str
    return_id: str | None = None
    approved: tuple[int, ...] | None = None


@dataclass(frozen=True)
class StatsRow:
    unit_id: str | None  # None for 合计
    name: str
    values: tuple[int, ...]
    remarks: str = ""
    # On a form of a town or the county only (its rows are units that file to it); None elsewhere
    # and in figures frozen before the rows carried it.
    filed: Filed | None = None

    def value(self, key: str) -> int:
        return self.values[KEYS.index(key)]

    def unlike_filed(self) -> list[Difference]:
        """The cells where this row differs from the figures its unit's approved return froze: the
        town's 汇总 counts the records as they are, and a visit synced after the school's approval
        must never make the sum differ silently from the signed part."""
        if self.filed is None or self.filed.approved is None:
            return []
        return compare_rows(self.name, self.filed.approved, self.values)


@dataclass(frozen=True)
class StatsForm:
    unit_id: str
    unit_name: str
    unit_kind: str
    date_from: str
    date_to: str
    rows: tuple[StatsRow, ...]
    total: StatsRow
    # The chosen unit's own return for exactly this period (id, status, remarks, filled_by, phone).
    own_return: dict[str, Any] | None = None
    computed_at: str = field(default_factory=utc_now)

    def unlike_filed(self) -> list[StatsRow]:
        """The rows whose figures differ from their unit's approved return."""
        return [r for r in self.rows if r.unlike_filed()]


def form_to_json(form: StatsForm) -> dict[str, Any]:
    def row(r: StatsRow) -> dict[str, Any]:
        out: dict[str, Any] = {"unit_id": r.unit_id, "name": r.name, "values": list(r.values), "remarks": r.remarks}
        if r.filed is not None:  # frozen as the approver saw it: the school's status and signed figures
            out["filed"] = {"status": r.filed.status, "return_id": r.filed.return_id,
                            "approved": list(r.filed.approved) if r.filed.approved is not None else None}
        return out

    return {"unit_id": form.unit_id, "unit_name": form.unit_name, "unit_kind": form.unit_kind,
            "date_from": form.date_from, "date_to": form.date_to, "computed_at": form.computed_at,
            "measures": list(KEYS), "rows": [row(r) for r in form.rows], "total": row(form.total)}


def form_from_json(data: dict[str, Any]) -> StatsForm:
    """A frozen form back; values are re-ordered to today's ``MEASURES`` (a missing one reads 0)."""
    keys = list(data.get("measures") or KEYS)

    def values(raw: list[Any]) -> tuple[int, ...]:
        by_key = dict(zip(keys, raw, strict=False))
        return tuple(int(by_key.get(k, 0)) for k in KEYS)

    def row(r: dict[str, Any]) -> StatsRow:
        filed = r.get("filed")
        return StatsRow(r.get("unit_id"), r["name"], values(r["values"]), r.get("remarks") or "",
                        Filed(filed["status"], filed.get("return_id"),
                              values(filed["approved"]) if filed.get("approved") is not None else None)
                        if filed else None)

    return StatsForm(data["unit_id"], data["unit_name"], data.get("unit_kind", ""), data["date_from"],
                     data["date_to"], tuple(row(r) for r in data["rows"]), row(data["total"]), None,
                     data.get("computed_at", ""))


def compare_forms(frozen: StatsForm, current: StatsForm) -> list[Difference]:
    """Every cell whose number differs between the frozen and the current form (合计 last)."""
    out: list[Difference] = []
    now = {r.unit_id: r for r in current.rows}
    then = {r.unit_id: r for r in frozen.rows}
    for unit_id in [*then, *(u for u in now if u not in then)]:
        a, b = then.get(unit_id), now.get(unit_id)
        name = a.name if a is not None else b.name if b is not None else ""
        out += compare_rows(name, a.values if a is not None else None, b.values if b is not None else None)
    return out + compare_rows(TOTAL_NAME, frozen.total.values, current.total.values)


def compare_rows(name: str, frozen: tuple[int, ...] | None, current: tuple[int, ...] | None) -> list[Difference]:
    """The cells of one row whose numbers differ (None: the row is missing on that side)."""
    out: list[Difference] = []
    for i, m in enumerate(MEASURES):
        x = frozen[i] if frozen is not None else None
        y = current[i] if current is not None else None
        if x != y:
            out.append(Difference(name, m.label, x, y, m.key))
    return out
