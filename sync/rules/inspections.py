"""The rules of an inspection (督查): who edits it, the inspected unit's rectification, the checklist
and its score, and its dates."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..entities import ENTITIES
from ..labels import CHECK_ITEMS
from ..scope import Scope, unit_subtree
from ..timeutil import day_in_words
from .dates import happened_already
from .refusal import Refusal, live

if TYPE_CHECKING:
    from ..apply import _Writer


# Failed items without a day to fix them by would stand as 整改中 for ever, never 整改逾期 on the
# dashboard nor on the inspected unit's home.
NO_DUE = "有需要整改的项目，请填写整改期限。"


def derive_inspection(w: _Writer, before: dict[str, Any] | None, record: dict[str, Any]) -> None:
    """An inspection (``_check_inspection``), done already, its 整改期限 not before its day, and given
    one whenever it has failed items left to fix."""
    _check_inspection(w, before, record)
    happened_already(w, "inspection", before, record)
    due, day = record.get("rectify_due"), record.get("date")
    open_items = set(record["failed"]) - set(record["fixed"])
    # Asked when the checklist or the day is written, not of the inspected unit reporting what it
    # fixed on an inspection saved before this rule without a day (its report must still go in).
    asked = before is None or before.get("rectify_due") != due or set(before.get("failed") or ()) != set(
        record["failed"])
    if asked and open_items and not due:
        raise Refusal(NO_DUE, "rectify_due")
    moved = before is None or before.get("rectify_due") != due or before.get("date") != day
    if moved and isinstance(due, str) and isinstance(day, str) and due < day:
        # Due before the visit that found the fault: "整改逾期" from the moment it is saved.
        raise Refusal(f"“整改期限”（{day_in_words(due)}）不能早于督查日期（{day_in_words(day)}）。", "rectify_due")


# What the staff of an inspected station or school may write on its inspection: how they fixed it.
RECTIFICATION = ("fixed", "rectify_notes")


def edits_inspection(scope: Scope, inspection: dict[str, Any]) -> bool:
    """Whether ``scope``'s actor may change the whole of ``inspection`` (not only its rectification).

    The county (reviewer, admin) edits any inspection in its scope. A staff member edits the ones
    whose inspecting unit is their own unit or lies below it: the unit that inspected, not the person who
    typed it in, so a colleague of the town carries on while the recorder is away, and someone who
    moved to another unit takes no rights along (their new unit's scope decides, as for any record).
    The inspected unit's own staff never edit it (they report the rectification). An inspection whose
    inspecting unit is unknown is the county's to edit. A reviewer edits by the same rule of the
    inspecting unit: the county's reaches every unit, and one the admin moved to a town edits that
    town's inspections, not the county's (the conflict pages decide so too: sync/conflicts.py).
    """
    actor = scope.actor
    inspecting = inspection.get("inspecting_unit_id")
    if actor.role == "admin":
        return True
    if actor.role == "reviewer":
        return inspecting is None or scope.allows_unit(inspecting)
    return actor.role == "staff" and inspection["unit_id"] != actor.unit_id and scope.allows_unit(inspecting)


NOT_YOUR_INSPECTION = ("这次督查不是您所在的单位记录的，只有督查单位或它的上级可以修改；"
                       "如需更正请联系督查单位或县关工委。")


def _check_inspection(w: _Writer, before: dict[str, Any] | None, record: dict[str, Any]) -> None:
    """An inspection is of a station or school in the writer's scope, by someone above it.

    Who edits what is ``edits_inspection``; the inspected unit's own staff only report the
    rectification. A checklist item is passed or failed, not both; only a failed item can be
    fixed. A missing score is the share of checked items passed. The inspecting unit is the
    writer's unit on create and never changes, and the inspected unit stays below it.
    """
    role, me = w.actor.role, w.actor.user_id
    if before is None or record["unit_id"] != before["unit_id"]:
        unit = live(w, "unit", record["unit_id"], "被督查单位", "unit_id")  # in the writer's scope, or not found
        if unit["kind"] not in ("station", "school"):
            raise Refusal("督查的对象应是一个辅导站或学校。", "unit_id")
        inspecting = before and before.get("inspecting_unit_id")
        if inspecting and record["unit_id"] not in unit_subtree(w.db, inspecting):
            # Else the record says a town inspected a station it never went to, and the town could
            # no longer see its own inspection nor the station's town edit it.
            name = (w.get("unit", inspecting) or {}).get("name") or "督查单位"
            raise Refusal(f"这次督查是{name}做的，被督查单位只能改成{name}下面的辅导站或学校；"
                          "如果单位记错了，请删除这条记录，由实际督查的单位重新记录。", "unit_id")
    own_unit = w.actor.unit_id in (record["unit_id"], before and before["unit_id"])
    if role == "staff" and own_unit:
        if before is None:
            raise Refusal("单位不能督查自己；请由镇（街道）关工委或县关工委督查。", "unit_id")
        changed = [name for name in ENTITIES["inspection"].columns
                   if record.get(name) != before.get(name) and name not in RECTIFICATION]
        if changed:
            label = ENTITIES["inspection"].by_name[changed[0]].label
            raise Refusal(f"被督查单位只能填写整改情况，不能修改“{label}”。", changed[0])
    elif before is not None and not edits_inspection(w.scope, before):
        raise Refusal(NOT_YOUR_INSPECTION)
    passed, failed, fixed = set(record["passed"]), set(record["failed"]), set(record["fixed"])
    both = passed & failed
    if both:
        label = CHECK_ITEMS[sorted(both)[0]]
        raise Refusal(f"“{label}”不能既达标又未达标，请只选一项。", "failed")
    if not fixed <= failed:
        label = CHECK_ITEMS[sorted(fixed - failed)[0]]
        raise Refusal(f"“{label}”不在未达标项目中，不能记为已整改。", "fixed")
    if record.get("score") is None or (
            before is not None and record.get("score") == before.get("score")
            and before.get("score") == checklist_score(before["passed"], before["failed"])):
        # Empty, or the share the checklist gave before: it follows a corrected checklist. A score
        # kept at the old share made the history and the year-end summary average a score the
        # checklist no longer gives; a score the inspector typed (any other value) stays theirs.
        record["score"] = checklist_score(passed, failed)
    if before is None:
        record["author_id"] = me
        record["inspecting_unit_id"] = w.actor.unit_id


def checklist_score(passed: Any, failed: Any) -> int | None:
    """An inspection's score left empty: the share of checked items passed (None: none checked)."""
    passed, failed = set(passed or ()), set(failed or ())
    return round(100 * len(passed) / (len(passed) + len(failed))) if passed or failed else None


def filled_on_create(entity_name: str, fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` of a new record with the empty ones ``derive`` fills filled as it would fill them:
    what the create stores, so that a new form posted again can be compared with its first post (an
    emptied field is a change, but an empty score the checklist fills is the same post again)."""
    if entity_name == "inspection" and fields.get("score") is None:
        return {**fields, "score": checklist_score(set(fields.get("passed") or []), set(fields.get("failed") or []))}
    return fields
