"""The 骨干学生 register (Rudong notice 二.2(3)): each class of a school, and each station, has a boy and a
girl who help with mental-health education, guided by one of the unit's 五老.

``/peers`` lists the stations and schools in scope with their counts (a town, the county); a station's
or school's own staff land on their unit's register. ``/peers/units/{unit_id}`` is one unit's register,
with the form that adds a class; ``/peers/{peer_id}`` edits one class and shows who changed it when.
Every write is one mutation through ``sync`` (the rules: sync/rules/peers.py).
"""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync.entities import PEER_HELPER
from sync.mutations import delete

from ..forms import FormInvalid, field_views, parse_fields, refusal_errors
from ..queries.peers import get_peer_helper, register_counts, register_totals, unit_register, unit_volunteers
from .form_posts import form_values, require_form, restore_draft
from .history import history_lines
from .links import route_path
from .path_records import not_found, path_id, visible_record
from .visits import CHILD_FILE, OFFICE, Visit, require
from .writes import apply_one, create_once, deleted_already, edit, form_record_id, saved_words, shown_version

FIELDS = ("class_name", "boy_name", "boy_grade", "girl_name", "girl_grade", "mentor_id")
HINTS = {
    "class_name": "如 七(2)班；辅导站填写辅导站的名称。",
    "boy_grade": "可不填；辅导站的学生来自不同年级时填写。",
    "girl_grade": "可不填。",
    "mentor_id": "本单位指导他们开展工作的五老志愿者，可不选。",
}
WHAT = "骨干学生登记"
# Who keeps a register: staff only, as sync.entities.PEER_HELPER writes (the pupils' names are theirs).
# The admin reads it as counts, like the county: a form of theirs would be refused without a word.
KEEPERS = CHILD_FILE


async def peer_list(request: Request) -> Response:
    visit = await require(request, OFFICE)
    scope = await visit.scope()
    rows = await visit.state.store.read(lambda db: register_counts(db, scope))
    actor = visit.actor
    if actor.role == "staff" and [r["id"] for r in rows] == [actor.unit_id]:
        # A school's or station's own staff keep one register: theirs.
        return visit.redirect(route_path(request, "peer_unit", unit_id=actor.unit_id))
    return visit.render("peer_list.html", {"rows": rows, "totals": register_totals(rows)})


async def _register(visit: Visit, unit_id: str) -> dict[str, Any]:
    scope = await visit.scope()
    found = await visit.state.store.read(lambda db: unit_register(db, scope, unit_id))
    if found is None:
        raise not_found("学校或辅导站")
    return found


async def _unit_page(visit: Visit, register: dict[str, Any], values: dict[str, Any], *,
                     errors: dict[str, str] | None = None, status: int = 200) -> Response:
    unit = register["unit"]
    may_write = visit.actor.role in KEEPERS
    fields = []
    if may_write:
        volunteers = await visit.state.store.read(lambda db: unit_volunteers(db, unit["id"]))
        fields = field_views("peer_helper", FIELDS, values, errors=errors, hints=HINTS,
                             options={"mentor_id": volunteers})
    # A station has one pair: its register takes no second row (sync/rules/peers.py).
    may_add = may_write and not (unit["kind"] == "station" and register["classes"])
    return visit.render("peer_unit.html", {
        **register, "fields": fields, "may_write": may_write, "may_add": may_add,
        "record_id": form_record_id(values), "form_error": (errors or {}).get("_form"),
    }, status=status)


async def peer_unit(request: Request) -> Response:
    visit = await require(request, OFFICE)
    register = await _register(visit, path_id(request.path_params["unit_id"], "学校或辅导站"))
    values: dict[str, Any] = {}
    if register["unit"]["kind"] == "station":
        values["class_name"] = register["unit"]["name"]
    values.update(await restore_draft(visit) or {})
    return await _unit_page(visit, register, values)


async def peer_create(request: Request) -> Response:
    visit, form = await require_form(request, KEEPERS)
    register = await _register(visit, path_id(request.path_params["unit_id"], "学校或辅导站"))
    unit_id = register["unit"]["id"]
    posted = form_values(form)
    try:
        fields = parse_fields("peer_helper", FIELDS, posted)
    except FormInvalid as exc:
        return await _unit_page(visit, register, posted, errors=exc.errors, status=400)
    outcome = await create_once(visit, "peer_helper", {"unit_id": unit_id, **fields}, posted)
    if outcome.status == "rejected":
        return await _unit_page(visit, register, posted, status=400,
                                errors=refusal_errors(PEER_HELPER, outcome, FIELDS))
    return visit.redirect(route_path(request, "peer_unit", unit_id=unit_id),
                          flash=f"“{fields['class_name']}”的骨干学生已登记。")


async def _visible_class(visit: Visit, raw_id: str) -> dict[str, Any]:
    return await visible_record(visit, raw_id, WHAT, get_peer_helper)


async def _edit_page(visit: Visit, row: dict[str, Any], values: dict[str, Any], *,
                     errors: dict[str, str] | None = None, status: int = 200) -> Response:
    def read(db: Any) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:
        return unit_volunteers(db, row["unit_id"], row["mentor_id"]), history_lines(db, "peer_helper", row["id"])

    volunteers, history = await visit.state.store.read(read)
    fields = field_views("peer_helper", FIELDS, values, errors=errors, hints=HINTS, options={"mentor_id": volunteers})
    return visit.render("peer_form.html", {
        "row": row, "fields": fields, "history": history, "form_error": (errors or {}).get("_form"),
        "version": values.get("base_version", row["version"]),
    }, status=status)


async def peer_edit(request: Request) -> Response:
    visit = await require(request, KEEPERS)
    row = await _visible_class(visit, request.path_params["peer_id"])
    values = {k: row[k] for k in FIELDS}
    values.update(await restore_draft(visit) or {})
    return await _edit_page(visit, row, values)


async def peer_save(request: Request) -> Response:
    visit, form = await require_form(request, KEEPERS)
    row = await _visible_class(visit, request.path_params["peer_id"])
    posted = form_values(form)
    version = shown_version(posted)
    try:
        fields = parse_fields("peer_helper", FIELDS, posted)
    except FormInvalid as exc:
        return await _edit_page(visit, row, posted, errors=exc.errors, status=400)
    back = route_path(request, "peer_unit", unit_id=row["unit_id"])
    outcome = await edit(visit, "peer_helper", row["id"], version, fields)
    if outcome is None:
        return visit.redirect(back, flash="没有改动。")
    if outcome.status == "rejected":
        return await _edit_page(visit, row, posted, status=400, errors=refusal_errors(PEER_HELPER, outcome, FIELDS))
    return visit.redirect(back, flash=saved_words(outcome))


async def peer_delete(request: Request) -> Response:
    visit, form = await require_form(request, KEEPERS)
    if await deleted_already(visit, "peer_helper", request.path_params["peer_id"]):
        return visit.redirect(route_path(request, "peer_list"), flash="已删除（删除记录保存在审计日志中）。")
    row = await _visible_class(visit, request.path_params["peer_id"])
    version = shown_version(form_values(form), redo="删除")
    outcome = await apply_one(visit, delete("peer_helper", row["id"], base_version=version))
    here = route_path(request, "peer_edit", peer_id=row["id"])
    if outcome.status in ("rejected", "conflict"):
        return visit.redirect(here, flash=f"没有删除：{outcome.reason or ''}")
    return visit.redirect(route_path(request, "peer_unit", unit_id=row["unit_id"]),
                          flash=f"已删除“{row['class_name']}”（删除记录保存在审计日志中）。")


routes: list[BaseRoute] = [
    Route("/peers", peer_list, methods=["GET"], name="peer_list"),
    Route("/peers/units/{unit_id}", peer_unit, methods=["GET"], name="peer_unit"),
    Route("/peers/units/{unit_id}", peer_create, methods=["POST"], name="peer_create"),
    Route("/peers/{peer_id}", peer_edit, methods=["GET"], name="peer_edit"),
    Route("/peers/{peer_id}", peer_save, methods=["POST"], name="peer_save"),
    Route("/peers/{peer_id}/delete", peer_delete, methods=["POST"], name="peer_delete"),
]
