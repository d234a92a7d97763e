"""``/admin/units``: the unit tree (county → town → station/school) — create, rename, move, close
(撤并, ``server/unit_closing.py``), delete.

Every change is a ``unit`` mutation by the admin through the one write path (so phones and
pages see it like any other change). The page keeps the tree's shape: a town hangs under the
county, a station or school under a town (or directly under the county: 县直); a unit is never
moved under its own descendant (the write path refuses that too); a unit that still holds units,
active accounts, mentees or records a total counts (group events, enrolment figures, statistics
returns, inspections) is not deleted (the write path refuses it); a station or school that holds
children or group events keeps a kind the statistics form has a row for.
"""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync import Outcome
from sync.entities import ENTITIES
from sync.labels import ROW_KINDS, UNIT_KINDS
from sync.mutations import delete
from sync.names import plain_name
from sync.timeutil import local_today

from ..forms import FormInvalid, field_views, parse_fields, refusal_errors
from ..queries.admin import counted_records, records_held, unit_usage
from ..queries.units import get_unit, unit_tree
from ..templating import chinese_date
from ..unit_closing import close_unit, closing_day_problem, holding_problem, reopen_unit
from .form_posts import form_values, require_form, restore_draft
from .path_records import visible_record
from .visits import ADMIN, Visit, require
from .writes import apply_one, create_once, deleted_already, edit, form_record_id, shown_version

FIELDS = ("name", "kind", "parent_id", "phone", "address")
PARENT_KINDS: dict[str, tuple[str | None, ...]] = {
    "county": (None,), "town": ("county",), "station": ("town", "county"), "school": ("town", "county"),
}
KIND_WORDS = {"county": "县", "town": "县", "station": "镇/街道或县", "school": "镇/街道或县"}


def _shape_error(kind: str | None, parent: dict[str, Any] | None, children: list[dict[str, Any]]) -> str | None:
    """Why ``kind`` under ``parent`` with these ``children`` breaks the tree's shape, or None."""
    if kind not in PARENT_KINDS:
        return None  # the write path explains a missing or unknown kind
    parent_kind = parent["kind"] if parent else None
    if parent_kind not in PARENT_KINDS[kind]:
        if kind == "county":
            return "县级单位不能有上级单位。"
        return f"{UNIT_KINDS[kind]}的上级单位应是{KIND_WORDS[kind]}。"
    bad = [c for c in children if kind not in PARENT_KINDS[c["kind"]]]
    if bad:
        return f"下级单位“{bad[0]['name']}”是{UNIT_KINDS[bad[0]['kind']]}，不能挂在{UNIT_KINDS[kind]}之下。"
    return None


def _county_error(kind: str | None, tree: list[dict[str, Any]], itself: str | None) -> str | None:
    """Why a unit (``itself``: its id, None for a new one) may not be a county, or None.

    One database per county (docs/operations.md §4): a second 县 would be a tree of its own that the
    county's reviewer, statistics form and returns never see, while the admin's pickers offer it."""
    county = next((u for u in tree if u["kind"] == "county" and u["id"] != itself), None)
    if kind != "county" or county is None:
        return None
    return (f"系统里已有县级单位“{county['name']}”：一个系统只管一个县。县直的学校或辅导站请选“学校”或“辅导站”，"
            f"上级单位选“{county['name']}”；镇（街道）请选“镇/街道”。")


def _kind_error(unit: dict[str, Any], kind: str | None, held: dict[str, int]) -> str | None:
    """Why a station or school holding records may not become a town or county, or None.

    The statistics form has a row only for stations and schools (and a mentee's row is the
    mentee's unit): a school turned into a town would drop its children's talks, screenings and
    its events from every form, while the dashboard and the brief went on counting them.
    """
    if unit["kind"] not in ROW_KINDS or kind in ROW_KINDS or kind not in UNIT_KINDS:
        return None
    if not (held["mentees"] or held["events"]):
        return None
    return (f"“{unit['name']}”下还有 {held['mentees']} 名帮扶对象、{held['events']} 次集体活动；改为"
            f"{UNIT_KINDS[kind]}后，它们就不再计入统计表。请先把帮扶对象和活动移到别的学校或辅导站，再改类型。")


def _namesake_error(name: Any, tree: list[dict[str, Any]], itself: str | None) -> str | None:
    """Why ``name`` may not be given to a unit (``itself``: its id, None for a new one), or None.

    Two live units of one name cannot be told apart where people pick a unit by its name: the
    unit pickers show the name alone, and an import's 所属单位 is matched by name and refused as
    ambiguous. Compared as the imports compare it (full-width folded, no spaces inside)."""
    wanted = plain_name(str(name or ""))
    same = next((u for u in tree if u["id"] != itself and plain_name(u["name"]) == wanted), None) if wanted else None
    if same is None:
        return None
    return (f"已有一个名为“{same['name']}”的单位（{same['path']}）。两个单位同名，选择单位和 Excel 导入时"
            "就分不清，请换一个名称，如加上所在的镇或街道。")


async def _tree(visit: Visit) -> tuple[list[dict[str, Any]], dict[str, dict[str, int]]]:
    scope = await visit.scope()
    return await visit.state.store.read(lambda db: (unit_tree(db, scope), unit_usage(db)))


def _parent_options(tree: list[dict[str, Any]], exclude: set[str]) -> list[tuple[str, str]]:
    return [(u["id"], "　" * u["depth"] + f"{u['name']}（{UNIT_KINDS[u['kind']]}）") for u in tree
            if u["kind"] in ("county", "town") and u["id"] not in exclude]


async def admin_units(request: Request) -> Response:
    visit = await require(request, ADMIN)
    return await _render_tree(visit, await restore_draft(visit) or {"kind": "school"})


async def _render_tree(visit: Visit, values: dict[str, Any], errors: dict[str, str] | None = None,
                       status: int = 200) -> Response:
    tree, usage = await _tree(visit)
    options = {"parent_id": _parent_options(tree, set()), "kind": list(UNIT_KINDS.items())}
    return visit.render("admin_units.html", {
        "tree": tree, "usage": usage, "errors": errors or {}, "record_id": form_record_id(values),
        "unit_fields": field_views("unit", FIELDS, values, errors=errors, options=options),
    }, status=status)


async def admin_unit_create(request: Request) -> Response:
    visit, form = await require_form(request, ADMIN)
    values = form_values(form)
    try:
        fields = parse_fields("unit", FIELDS, values)
    except FormInvalid as exc:
        return await _render_tree(visit, values, exc.errors, 400)
    tree, _ = await _tree(visit)
    by_id = {u["id"]: u for u in tree}
    second = _county_error(fields.get("kind"), tree, None)
    if second:
        return await _render_tree(visit, values, {"kind": second}, 400)
    problem = _shape_error(fields.get("kind"), by_id.get(fields.get("parent_id") or ""), [])
    if problem:
        return await _render_tree(visit, values, {"parent_id": problem}, 400)
    # The unit this very form made (sent twice) is not a namesake: create_once answers it as before.
    namesake = _namesake_error(fields.get("name"), tree, form_record_id(values))
    if namesake:
        return await _render_tree(visit, values, {"name": namesake}, 400)
    # Under the id the form carries: a double click, or the form sent again, makes one unit, not two
    # of the same name (the second a row of zeros on every statistics form).
    outcome = await create_once(visit, "unit", fields, values)
    if outcome.status != "applied":
        return await _render_tree(visit, values, _errors(outcome), 400)
    return visit.redirect("/admin/units", flash=f"已新建单位“{fields['name']}”。")


def _errors(outcome: Outcome) -> dict[str, str]:
    return refusal_errors(ENTITIES["unit"], outcome, FIELDS)


async def _load(visit: Visit, request: Request) -> dict[str, Any]:
    return await visible_record(visit, request.path_params["unit_id"], "单位", get_unit)


async def admin_unit(request: Request) -> Response:
    visit = await require(request, ADMIN)
    unit = await _load(visit, request)
    return await _render_unit(visit, unit, {**unit, **(await restore_draft(visit) or {})})


async def _render_unit(visit: Visit, unit: dict[str, Any], values: dict[str, Any],
                       errors: dict[str, str] | None = None, status: int = 200) -> Response:
    tree, usage = await _tree(visit)
    below = _subtree(tree, unit["id"])
    options = {"parent_id": _parent_options(tree, below), "kind": list(UNIT_KINDS.items())}
    held = usage.get(unit["id"], {"children": 0, "users": 0, "mentees": 0})
    closed = next((u["closed_on"] for u in tree if u["id"] == unit["id"]), None)
    # What the write path would refuse the delete for, said before the button rather than after it.
    records = await visit.state.store.read(lambda db: records_held(db, unit["id"]))
    return visit.render("admin_unit.html", {
        "unit": unit, "held": held, "errors": errors or {}, "records": records,
        "may_delete": not any(held.values()) and not records,
        "closed_on": closed, "today": local_today().isoformat(),
        # What the write would refuse 撤并 for, said where the day would be typed (as for 删除 above).
        "closing_blocked": holding_problem(unit["name"], held),
        "typed_closed_on": str(values.get("closed_on") or "")[:20],
        "shown_version": values.get("base_version") or unit["version"],
        "unit_fields": field_views("unit", FIELDS, values, errors=errors, options=options),
    }, status=status)


def _subtree(tree: list[dict[str, Any]], unit_id: str) -> set[str]:
    """The unit and everything below it (none of them can become its parent)."""
    found = {unit_id}
    for u in tree:  # tree order: a parent comes before its children
        if u["parent_id"] in found:
            found.add(u["id"])
    return found


async def admin_unit_save(request: Request) -> Response:
    visit, form = await require_form(request, ADMIN)
    values = form_values(form)
    if values.get("action") == "delete" and await deleted_already(visit, "unit", request.path_params["unit_id"]):
        return visit.redirect("/admin/units", flash="这个单位已删除。")
    unit = await _load(visit, request)
    if values.get("action") in ("close", "reopen"):
        return await _close_or_reopen(visit, unit, values)
    version = shown_version(values)  # the unit as the form showed it: a change since is not undone
    if values.get("action") == "delete":
        # The write path refuses, in words, a unit that still holds units, accounts or records that
        # count somewhere (sync.rules ``refuse_delete``), for a phone's delete as for this page's.
        outcome = await apply_one(visit, delete("unit", unit["id"], base_version=version))
        if outcome.status == "conflict":  # kept, and the delete stored as a conflict: written, not refused
            return visit.redirect(f"/admin/units/{unit['id']}", flash=outcome.reason)
        if outcome.status != "applied":
            return await _render_unit(visit, unit, unit, {"_form": outcome.reason or ""}, 400)
        return visit.redirect("/admin/units", flash=f"已删除单位“{unit['name']}”。")
    try:
        fields = parse_fields("unit", FIELDS, values)
    except FormInvalid as exc:
        return await _render_unit(visit, unit, values, exc.errors, 400)
    tree, _ = await _tree(visit)
    by_id = {u["id"]: u for u in tree}
    children = [u for u in tree if u["parent_id"] == unit["id"]]
    second = _county_error(fields.get("kind"), tree, unit["id"])
    if second:
        return await _render_unit(visit, unit, values, {"kind": second}, 400)
    problem = _shape_error(fields.get("kind"), by_id.get(fields.get("parent_id") or ""), children)
    if problem:
        return await _render_unit(visit, unit, values, {"parent_id": problem}, 400)
    if "name" in fields and plain_name(str(fields["name"] or "")) != plain_name(unit["name"]):
        namesake = _namesake_error(fields["name"], tree, unit["id"])
        if namesake:
            return await _render_unit(visit, unit, values, {"name": namesake}, 400)
    if fields.get("kind") != unit["kind"]:
        held = await visit.state.store.read(lambda db: counted_records(db, unit["id"]))
        problem = _kind_error(unit, fields.get("kind"), held)
        if problem:
            return await _render_unit(visit, unit, values, {"kind": problem}, 400)
    edited = await edit(visit, "unit", unit["id"], version, fields)
    if edited is None:
        return visit.redirect("/admin/units", flash="没有改动。")
    if edited.status == "rejected":
        return await _render_unit(visit, unit, values, _errors(edited), 400)
    flash = "单位已保存。" if edited.status != "conflict" else edited.reason
    return visit.redirect("/admin/units", flash=flash)


async def _close_or_reopen(visit: Visit, unit: dict[str, Any], values: dict[str, Any]) -> Response:
    """撤并 from a day, or reopen (``server/unit_closing.py``): refused in words beside the day, nothing
    written, when the day is no day or after today, or the unit still holds children or accounts."""
    actor = visit.actor
    if values.get("action") == "reopen":
        reopened = await visit.state.store.write(lambda db: reopen_unit(db, actor, unit["id"]))
        return visit.redirect(f"/admin/units/{unit['id']}",
                              flash=f"“{unit['name']}”已恢复使用。" if reopened else "这个单位没有撤并，没有改动。")
    typed = str(values.get("closed_on") or "").strip()[:20]
    problem = closing_day_problem(typed, local_today())
    if problem is None:
        written, problem = await visit.state.store.write(lambda db: close_unit(db, actor, unit, typed))
    if problem:
        return await _render_unit(visit, unit, {**unit, "closed_on": typed}, {"closed_on": problem}, 400)
    return visit.redirect("/admin/units", flash=(f"“{unit['name']}”已撤并，{chinese_date(typed)}起不用再报送统计表。"
                                                 if written else "没有改动。"))


routes: list[BaseRoute] = [
    Route("/admin/units", admin_units, methods=["GET"], name="admin_units"),
    Route("/admin/units", admin_unit_create, methods=["POST"], name="admin_unit_create"),
    Route("/admin/units/{unit_id}", admin_unit, methods=["GET"], name="admin_unit"),
    Route("/admin/units/{unit_id}", admin_unit_save, methods=["POST"], name="admin_unit_save"),
]
