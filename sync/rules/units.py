"""The rules of a unit and of what it reports: its place in the tree, its kind, one enrolment a year,
a statistics return's period and status, and deleting it only once it holds nothing that counts."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import returns
from ..labels import ROW_KINDS
from ..names import plain_name
from .dates import happened_already
from .events import check_event
from .refusal import Refusal, found, live, refuse_if

if TYPE_CHECKING:
    from ..apply import _Writer


def derive_unit(w: _Writer, before: dict[str, Any] | None, record: dict[str, Any]) -> None:
    """A unit under a live parent in scope, never below itself, named as no other live unit is; a school
    or station keeps its kind while it holds children."""
    if before is None or plain_name(str(record.get("name") or "")) != plain_name(str(before.get("name") or "")):
        refuse_if(_namesake(w, record), "name")
    if record.get("parent_id") is not None and (before is None or record["parent_id"] != before["parent_id"]):
        if record["parent_id"] == record["id"]:
            raise Refusal("单位不能以自己为上级。", "parent_id")
        live(w, "unit", record["parent_id"], "上级单位", "parent_id")
        if before is not None:
            _no_cycle(w, record["id"], record["parent_id"])
    if before is not None and before["kind"] in ROW_KINDS and record["kind"] not in ROW_KINDS:
        refuse_if(_holds_children(w, record), "kind")


def derive_unit_record(w: _Writer, entity_name: str, before: dict[str, Any] | None,
                       record: dict[str, Any]) -> None:
    """An event, an enrolment or a statistics return: a record of a unit in the writer's scope."""
    if before is None or record["unit_id"] != before["unit_id"]:
        live(w, "unit", record["unit_id"], "单位", "unit_id")
    if entity_name == "enrolment" and (
            before is None or (record["unit_id"], record["year"]) != (before["unit_id"], before["year"])):
        refuse_if(_counted_already(w, record), "year")
    if entity_name == "event":
        happened_already(w, entity_name, before, record)
        check_event(record)
    if entity_name == "stats_return":
        if record["period_from"] > record["period_to"]:
            raise Refusal("统计表的起始日期不能晚于截止日期。", "period_from")
        refuse_if(returns.check_status(before, record), "status")


def _namesake(w: _Writer, unit: dict[str, Any]) -> str | None:
    """Why ``unit`` may not have its name: another live unit has it, compared as the imports compare
    names (``plain_name``). The unit pickers show a name alone and an import's 所属单位 is matched by
    it; the admin page says so before it writes, and this check, in the write itself, keeps two posts
    at once (two tabs, two admins) from both making one. Units are few (a county's hundreds) and
    written rarely, so all live ones are read."""
    wanted = plain_name(str(unit.get("name") or ""))
    if not wanted:
        return None
    same = [r for r in found(w, "unit", lambda r: r["id"] != unit["id"] and not r["deleted"],
                             "SELECT id, name FROM units WHERE deleted = 0 AND id != ?", [unit["id"]])
            if plain_name(str(r["name"] or "")) == wanted]
    if not same:
        return None
    return (f"已有一个名为“{same[0]['name']}”的单位。两个单位同名，选择单位和 Excel 导入时就分不清，"
            "请换一个名称，如加上所在的镇或街道。")


def _no_cycle(w: _Writer, unit_id: str, parent_id: str) -> None:
    """A unit moved under one of its own descendants would cut its subtree off the tree."""
    seen: set[str] = set()
    current: str | None = parent_id
    while current is not None and current not in seen:
        if current == unit_id:
            raise Refusal("不能把单位移到它自己的下级单位之下。", "parent_id")
        seen.add(current)
        row = w.get("unit", current)
        current = row.get("parent_id") if row is not None else None


def _holds_children(w: _Writer, unit: dict[str, Any]) -> str | None:
    """Why a station or school may not become a town or county: it holds live children, whose records
    would then leave every statistics form. Counted as stored: only the admin changes a unit's kind,
    and the admin writes no child's file (sync/entities.py), so no batch that changes a kind has moved
    a child; were either to change, the count must take in the batch's children (``found``)."""
    held = w.db.execute("SELECT count(*) FROM mentees WHERE unit_id = ? AND deleted = 0",  # idx_mentees_unit
                        [unit["id"]]).fetchone()[0]
    return (f"“{unit['name']}”下还有 {held} 名帮扶对象，改成镇（街道）或县后他们就不再计入统计表；"
            "请先把他们移到别的学校或辅导站，再改类型。") if held else None


def _counted_already(w: _Writer, enrolment: dict[str, Any]) -> str | None:
    """Why ``enrolment`` may not hold its unit and year: another live record already holds the figures
    of that unit and year (this batch's own changes included). One unit has one pair of numbers a
    year; a second (the 保存 button pressed twice at once, two colleagues filling it in) is a
    duplicate row in the list that nobody can tell from the first."""
    twice = found(w, "enrolment",
                   lambda r: r["id"] != enrolment["id"] and not r["deleted"] and r["unit_id"] == enrolment["unit_id"]
                   and r["year"] == enrolment["year"],
                   "SELECT id FROM enrolments WHERE unit_id = ? AND year = ? AND deleted = 0 AND id != ?",
                   [enrolment["unit_id"], enrolment["year"], enrolment["id"]], at_most=1)
    return (f"这个单位 {enrolment['year']} 年的在校人数已经填过了，一个单位一年只保存一组人数；"
            "请打开已填写的那一组修改。") if twice else None


# What a unit may still hold that counts in a statistics total or an archive, probed by the unit's
# index on each table (sync/schema/). A child's pairings, visits, screenings and referrals count
# only while the child is live, and carry the child's unit (``effects._cascade_unit``): a live child at the
# unit holds them all. The pairings are probed too (through idx_pairings_unit, never the activities
# table, which has no index by unit), for a pairing whose unit ever differed from its child's.
UNIT_HOLDINGS: tuple[tuple[str, str, str], ...] = (
    ("unit", "下级单位", "SELECT id FROM units WHERE parent_id = ? AND deleted = 0"),
    ("mentee", "帮扶对象", "SELECT id FROM mentees WHERE unit_id = ? AND deleted = 0"),
    ("pairing", "结对和帮扶记录",
     "SELECT p.id FROM pairings p JOIN mentees m ON m.id = p.mentee_id"
     " WHERE p.unit_id = ? AND p.deleted = 0 AND m.deleted = 0"),
    ("event", "集体活动（宣讲等）", "SELECT id FROM events WHERE unit_id = ? AND deleted = 0"),
    ("enrolment", "在校学生和家长人数", "SELECT id FROM enrolments WHERE unit_id = ? AND deleted = 0"),
    ("stats_return", "统计表", "SELECT id FROM stats_returns WHERE unit_id = ? AND deleted = 0"),
    ("inspection", "督查记录", "SELECT id FROM inspections WHERE unit_id = ? AND deleted = 0"),
    ("peer_helper", "骨干学生名册", "SELECT id FROM peer_helpers WHERE unit_id = ? AND deleted = 0"),
)
_APPROVED_RETURN = "SELECT id FROM stats_returns WHERE unit_id = ? AND deleted = 0 AND status = 'approved'"


def holds_records(w: _Writer, unit: dict[str, Any]) -> str | None:
    """Why a unit may not be deleted: it still holds live units, active accounts or records that
    count somewhere (this batch's own changes included). A deleted unit's records count nowhere
    (server/queries/filters.py ``live``): past totals would change and an approved statistics return
    would leave /returns. Each kind is one EXISTS-like probe on an index by unit."""
    def holds(entity_name: str, sql: str, keep: Callable[[dict[str, Any]], bool] = lambda r: True) -> bool:
        column = "parent_id" if entity_name == "unit" else "unit_id"
        return bool(found(w, entity_name, lambda r: r.get(column) == unit["id"] and not r["deleted"] and keep(r),
                           sql, [unit["id"]], at_most=1))

    held = [label for entity_name, label, sql in UNIT_HOLDINGS if holds(entity_name, sql)]
    # Accounts are no synced records: none is among this batch's changes (idx_users_unit).
    if w.db.execute("SELECT 1 FROM users WHERE unit_id = ? AND active = 1 LIMIT 1", [unit["id"]]).fetchone():
        held.append("在用账号")
    if not held:
        return None
    approved = "统计表" in held and holds("stats_return", _APPROVED_RETURN, lambda r: r.get("status") == "approved")
    note = "其中有已审核通过的统计表，删除后它会从报送列表中消失，" if approved else ""
    return (f"“{unit['name']}”还有{'、'.join(held)}，不能删除：删除后这些记录哪里都不再计数，"
            f"{note}已经报出的统计数字也会变。请先把它们移到别的单位（录错的记录可以删除，账号可以停用），"
            "再删除这个单位。")
