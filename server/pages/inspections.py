"""On-site inspections (督查, Rudong notice part 四): list, record, edit, rectify, a unit's history.

Who may do what follows the write path (``sync/rules.py``); the pages only offer what will be
accepted: the county (reviewer, admin) records and edits any inspection in its scope and deletes;
a town's staff record inspections of the stations and schools below them and edit their town's
(``sync.rules.edits_inspection``); the inspected unit's staff see their inspections and report the
rectification (items fixed, notes).
"""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync import Actor, Outcome, apply_mutations
from sync.entities import ENTITIES
from sync.labels import CHECK_ITEMS, INSPECTION_KINDS
from sync.mutations import delete, upsert
from sync.rules import edits_inspection
from sync.timeutil import local_today

from ..charts import line_chart
from ..error_handlers import typed_words
from ..forms import FormInvalid, field_views, parse_fields, refusal_errors, whole_number
from ..queries.inspections import (
    RECTIFICATION_STATES,
    get_inspection,
    inspectable_units,
    inspected_units,
    list_inspections,
    unit_history,
)
from ..queries.peers import unit_figures
from ..queries.units import get_unit
from ..queries.versions import changed, values_at
from ..templating import chinese_date
from .form_posts import form_values, require_form, restore_draft
from .path_records import not_found, path_id, visible_record
from .report_params import year_choices
from .visits import OFFICE, Visit, require
from .writes import (
    apply_one,
    base_version,
    create_once,
    deleted_already,
    form_record_id,
    made_already,
    shown_version,
)

ENTITY = ENTITIES["inspection"]
HEAD = ("unit_id", "date", "kind", "inspectors")
BODY = ("findings", "highlights", "score", "rectify", "rectify_due")
RECTIFY = ("fixed", "rectify_notes")
CHECK_CHOICES = (("passed", "达标"), ("failed", "未达标"), ("", "未检查"))
HINTS = {"score": "0–100。留空则按清单计算：达标项数 ÷ 检查项数 × 100。",
         "inspectors": "如：县关工委 周文清、县教体局 李明", "rectify_due": "未达标项目应在此日期前整改完毕。"}


def _may_rectify(visit: Visit, row: dict[str, Any]) -> bool:
    return bool(row["failed"]) and (row["may_edit"] or row["unit_id"] == visit.actor.unit_id)


def _year(raw: str | None) -> int | None:
    year = whole_number(raw, digits=4)
    return year if year is not None and 2000 <= year <= 2100 else None


async def inspection_list(request: Request) -> Response:
    visit = await require(request, OFFICE)
    scope = await visit.scope()
    q = request.query_params
    unit = q.get("unit") or None
    kind = q.get("kind") if q.get("kind") in INSPECTION_KINDS else None
    state = q.get("state") if q.get("state") in RECTIFICATION_STATES else None
    year = _year(q.get("year"))
    today = local_today()

    def read(db: Any) -> tuple[list[dict[str, Any]], list[tuple[str, list[tuple[str, str]]]], bool]:
        rows = list_inspections(db, scope, today=today, unit_id=unit, year=year, kind=kind, state=state)
        return rows, inspected_units(db, scope), bool(inspectable_units(db, scope))

    rows, units, may_create = await visit.state.store.read(read)
    return visit.render("inspection_list.html", {
        "rows": rows, "units": units, "may_create": may_create, "kinds": INSPECTION_KINDS,
        "states": RECTIFICATION_STATES, "filters": {"unit": unit or "", "kind": kind or "", "state": state or "",
                                                   "year": year or ""},
        "years": year_choices(year),
    })


def _checklist(values: dict[str, Any]) -> list[dict[str, Any]]:
    passed, failed = set(values.get("passed") or ()), set(values.get("failed") or ())
    return [{"key": key, "label": label, "value": "passed" if key in passed else "failed" if key in failed else ""}
            for key, label in CHECK_ITEMS.items()]


def _from_checklist(form: dict[str, Any]) -> dict[str, list[str]]:
    return {"passed": [k for k in CHECK_ITEMS if form.get(f"item_{k}") == "passed"],
            "failed": [k for k in CHECK_ITEMS if form.get(f"item_{k}") == "failed"]}


def _views(names: tuple[str, ...], values: dict[str, Any], **kwargs: Any) -> list[Any]:
    views = field_views("inspection", names, values, hints=HINTS, **kwargs)
    for view in views:  # a checklist may be left empty: the lists are never null, but not required
        if view.widget == "checkboxes":
            view.required = False
    return views


async def _render_form(visit: Visit, values: dict[str, Any], *, row: dict[str, Any] | None = None,
                       errors: dict[str, str] | None = None, status: int = 200) -> Response:
    scope = await visit.scope()
    units = await visit.state.store.read(lambda db: inspectable_units(db, scope))
    if row is not None and row["unit_id"] not in {u for u, _ in units}:
        units = [(row["unit_id"], row["unit_name"]), *units]
    options = {"unit_id": units, "kind": list(INSPECTION_KINDS.items())}
    unit_id = values.get("unit_id")
    # The register's figures beside the item ``peer_helpers`` help the inspector judge it; a form whose
    # unit is not yet chosen shows none (the figures are of the unit the page opened with).
    peers = None if not isinstance(unit_id, str) or not unit_id else await visit.state.store.read(
        lambda db: unit_figures(db, scope, unit_id))
    return visit.render("inspection_form.html", {
        "peers": peers, "peers_unit": unit_id,
        "row": row, "values": values, "errors": errors or {},
        "record_id": None if row else form_record_id(values),
        "head": _views(HEAD, values, errors=errors, options=options),
        "body": _views(BODY, values, errors=errors),
        "rectify": _views(RECTIFY, values, errors=errors,
                          options={"fixed": [(k, CHECK_ITEMS[k]) for k in values.get("failed") or ()]}),
        "checklist": _checklist(values), "check_choices": CHECK_CHOICES, "may_create": bool(units),
        "may_delete": row is not None and visit.actor.role in ("reviewer", "admin"),
    }, status=status)


async def inspection_new(request: Request) -> Response:
    visit = await require(request, OFFICE)
    draft = await restore_draft(visit)
    values: dict[str, Any] = {"date": local_today().isoformat(), "kind": "routine",
                              "unit_id": request.query_params.get("unit")}
    if draft:
        values.update(draft)
        values.update(_from_checklist(draft))
    return await _render_form(visit, values)


def _parse(form: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    fields = parse_fields("inspection", names, form)
    if "passed" in names or any(k.startswith("item_") for k in form):
        fields.update(_from_checklist(form))
    return fields


def _answer(outcome: Outcome, names: tuple[str, ...]) -> dict[str, str]:
    return refusal_errors(ENTITY, outcome, names) if outcome.status == "rejected" else {}


async def inspection_create(request: Request) -> Response:
    visit, form = await require_form(request, OFFICE)
    values = form_values(form)
    names = (*HEAD, *BODY)
    try:
        fields = _parse(values, names)
    except FormInvalid as exc:
        return await _render_form(visit, {**values, **_from_checklist(values)}, errors=exc.errors, status=400)
    outcome = await create_once(visit, "inspection", fields, values)
    if outcome.status == "rejected":
        return await _render_form(visit, {**values, **_from_checklist(values)},
                                  errors=_answer(outcome, (*names, "passed", "failed")), status=400)
    return visit.redirect(f"/inspections/{outcome.record_id}", flash="督查记录已保存。")


async def _load(visit: Visit, request: Request) -> dict[str, Any]:
    """The inspection in the visitor's scope, with ``may_edit``: the write path's rule, read once here."""
    today = local_today()
    row = await visible_record(visit, request.path_params["inspection_id"], "督查记录",
                               lambda db, scope, inspection_id: get_inspection(db, scope, inspection_id, today=today))
    scope = await visit.scope()
    row["may_edit"] = edits_inspection(scope, row)
    row["peers"] = await visit.state.store.read(lambda db: unit_figures(db, scope, row["unit_id"]))
    return row


async def inspection_detail(request: Request) -> Response:
    visit = await require(request, OFFICE)
    row = await _load(visit, request)
    draft = await restore_draft(visit)
    if draft is None:
        return _render_detail(visit, row)
    # A report typed before the sign-in ran out: back in the form with the version it was typed
    # against, so a change of the inspection since is shown first (409) rather than answered unseen.
    typed = [str(draft["rectify_notes"])] if str(draft.get("rectify_notes") or "").strip() else []
    if _may_rectify(visit, row):
        return _render_detail(visit, row, values=draft, version=base_version(draft, "version"))
    gone = "现在已没有需要整改的项目；您登录前填写的内容在下面，没有保存。"
    return _render_detail(visit, row, typed=typed, stale=gone if typed else None)


def _render_detail(visit: Visit, row: dict[str, Any], *, values: dict[str, Any] | None = None,
                   errors: dict[str, str] | None = None, stale: str | None = None, version: int | None = None,
                   typed: list[str] | None = None, status: int = 200) -> Response:
    shown = values or row
    return visit.render("inspection_detail.html", {
        "row": row, "checklist": _checklist(row), "states": RECTIFICATION_STATES, "peers": row["peers"],
        "may_edit": row["may_edit"], "may_rectify": _may_rectify(visit, row), "errors": errors or {},
        "form_version": row["version"] if version is None else version,
        "stale": stale, "typed": typed if typed is not None else typed_words(visit.request) if stale else [],
        "rectify": _views(RECTIFY, shown, errors=errors,
                          options={"fixed": [(k, CHECK_ITEMS[k]) for k in row["failed"]]}),
    }, status=status)


def _write_changes(db: Any, actor: Actor, row: dict[str, Any], fields: dict[str, Any], version: int | None
                   ) -> Outcome:
    shown = (values_at(db, "inspection", row["id"], version) or {}) if version is not None else row
    changes = changed(fields, shown)
    (outcome,) = apply_mutations(db, actor, [upsert("inspection", changes, row["id"], base_version=version)])
    return outcome


async def _save(visit: Visit, row: dict[str, Any], fields: dict[str, Any], version: int | None) -> Outcome:
    """Send only the fields the person changed from what the form showed, against its version,
    so someone else's change to another field meanwhile is kept, not overwritten."""
    actor = visit.actor
    return await visit.state.store.write(lambda db: _write_changes(db, actor, row, fields, version))


async def _save_unchanged_since(visit: Visit, row: dict[str, Any], fields: dict[str, Any], version: int
                                ) -> Outcome | None:
    """``_save``, but only while the inspection is still at ``version``; None (nothing written)
    once it changed. Checked in the write transaction, so no change slips in between."""
    actor = visit.actor

    def write(db: Any) -> Outcome | None:
        now = db.execute("SELECT version FROM inspections WHERE id = ?", [row["id"]]).fetchone()
        if now is not None and now[0] != version and made_already(db, actor, "inspection", row["id"], version, fields):
            # The same report sent again (保存 clicked twice): the change after the one it showed is
            # its own first post, not "被修改过" by someone else; answered as the first was.
            return Outcome(None, "inspection", row["id"], "applied", now[0])
        if now is None or now[0] != version:
            return None
        return _write_changes(db, actor, row, fields, version)

    return await visit.state.store.write(write)


async def inspection_rectify(request: Request) -> Response:
    visit, form = await require_form(request, OFFICE)
    row = await _load(visit, request)
    values = form_values(form)
    try:
        fields = parse_fields("inspection", RECTIFY, values)
    except FormInvalid as exc:
        return _render_detail(visit, row, values=values, errors=exc.errors, status=400)
    version = shown_version(values, redo="填写", name="version")
    outcome = await _save_unchanged_since(visit, row, fields, version)
    if outcome is None:
        # A report answers the requirement the school read: one changed since is shown first, and
        # the typed report waits in the form (409), never saved against words nobody there has seen.
        now = await _load(visit, request)
        tail = "您填写的整改情况还在下面的表单里，没有保存；请核对后再保存。" if _may_rectify(visit, now) else \
            "现在已没有需要整改的项目；您填写的内容在下面，没有保存。"
        return _render_detail(visit, now, values=values, status=409,
                              stale=f"这次督查在您打开这页之后被修改过，页面已换成现在的内容（整改要求和期限见下）。{tail}")
    if outcome.status == "rejected":
        return _render_detail(visit, row, values={**row, **fields}, errors=_answer(outcome, RECTIFY), status=400)
    flash = "整改情况已保存。" if outcome.status != "conflict" else outcome.reason
    return visit.redirect(f"/inspections/{row['id']}", flash=flash)


async def inspection_edit(request: Request) -> Response:
    visit = await require(request, OFFICE)
    row = await _load(visit, request)
    if not row["may_edit"]:
        raise not_found("督查记录")
    values = {**row, **(await restore_draft(visit) or {})}
    return await _render_form(visit, values, row=row)


async def inspection_update(request: Request) -> Response:
    visit, form = await require_form(request, OFFICE)
    values = form_values(form)
    if values.get("action") == "delete" and await deleted_already(
            visit, "inspection", request.path_params["inspection_id"]):
        return visit.redirect("/inspections", flash="督查记录已删除。")
    row = await _load(visit, request)
    if not row["may_edit"]:
        raise not_found("督查记录")
    if values.get("action") == "delete":
        version = shown_version(values, redo="删除", name="version")
        outcome = await apply_one(visit, delete("inspection", row["id"], base_version=version))
        if outcome.status == "applied":
            return visit.redirect("/inspections", flash="督查记录已删除。")
        if outcome.status == "conflict":  # kept, and the delete stored as a conflict: written, not refused
            return visit.redirect(f"/inspections/{row['id']}", flash=outcome.reason)
        return await _render_form(visit, row, row=row, errors={"_form": outcome.reason or ""}, status=400)
    names = (*HEAD, *BODY, *RECTIFY)
    try:
        fields = _parse(values, names)
    except FormInvalid as exc:
        return await _render_form(visit, {**values, **_from_checklist(values)}, row=row, errors=exc.errors,
                                  status=400)
    outcome = await _save(visit, row, fields, base_version(values, "version"))
    if outcome.status == "rejected":
        return await _render_form(visit, {**values, **_from_checklist(values)}, row=row,
                                  errors=_answer(outcome, (*names, "passed", "failed")), status=400)
    flash = "督查记录已保存。" if outcome.status != "conflict" else outcome.reason
    return visit.redirect(f"/inspections/{row['id']}", flash=flash)


async def inspection_history(request: Request) -> Response:
    visit = await require(request, OFFICE)
    unit_id = path_id(request.path_params["unit_id"], "单位")
    scope = await visit.scope()
    today = local_today()

    def read(db: Any) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        unit = get_unit(db, scope, unit_id)
        return unit, (unit_history(db, scope, unit["id"], today=today) if unit else {})

    unit, history = await visit.state.store.read(read)
    if unit is None or unit["kind"] not in ("station", "school"):
        raise not_found("单位")
    scored = [r for r in history["inspections"] if r["score"] is not None]
    chart = None
    if scored:
        chart = line_chart("scores", f"{unit['name']}历次督查得分", [chinese_date(r["date"]) for r in scored],
                           [r["score"] for r in scored], unit="分", name="得分", label_header="督查日期")
    return visit.render("inspection_history.html", {
        "unit": unit, "history": history, "score_chart": chart, "states": RECTIFICATION_STATES,
        "may_create": visit.actor.role in ("reviewer", "admin") or unit["id"] != visit.actor.unit_id,
        "today": today.isoformat(),
    })


routes: list[BaseRoute] = [
    Route("/inspections", inspection_list, methods=["GET"], name="inspection_list"),
    Route("/inspections/new", inspection_new, methods=["GET"], name="inspection_new"),
    Route("/inspections/new", inspection_create, methods=["POST"], name="inspection_create"),
    Route("/inspections/units/{unit_id}", inspection_history, methods=["GET"], name="inspection_history"),
    Route("/inspections/{inspection_id}", inspection_detail, methods=["GET"], name="inspection_detail"),
    Route("/inspections/{inspection_id}", inspection_rectify, methods=["POST"], name="inspection_rectify"),
    Route("/inspections/{inspection_id}/edit", inspection_edit, methods=["GET"], name="inspection_edit"),
    Route("/inspections/{inspection_id}/edit", inspection_update, methods=["POST"], name="inspection_update"),
]
