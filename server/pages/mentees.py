"""Mentees (帮扶对象): the list with search and filters, registration, the child's file, editing,
and screenings (摸排) added from the file.

Who sees what: station/school staff, who work with the child, see real names, guardians and notes
and alone write the file (``CHILD_FILE``); the county reviewer and the admin may open the list and a
file read-only but see only the pseudonymous code, never the name, the guardian or the free-text
notes (``sees_names``), and search by code only. Every view of a child's file is written to the
access log.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync import Actor, Outcome, new_id, parse_id
from sync.entities import ENTITIES
from sync.labels import CATEGORIES, MENTEE_STATUSES, RISK_LEVELS
from sync.mutations import upsert
from sync.timeutil import local_today

from ..access import log_access
from ..clients import client_ip
from ..forms import FormInvalid, MutationsRefused, apply_all, field_views, parse_fields, refusal_errors
from ..queries.donations import donations_of
from ..queries.likely_children import Likely, likely_registered
from ..queries.mentees import (
    PAGE_SIZE,
    WAITING,
    MenteeFilter,
    get_mentee,
    half_year_start,
    list_mentees,
    mentee_activities,
    mentee_pairings,
    mentee_screenings,
    next_mentee_code,
    shared_codes,
    waiting_by_unit,
)
from ..queries.moves import Move, moved_with
from ..queries.names import hide_private, reads_private
from ..queries.units import unit_options
from ..queries.versions import changed, values_at
from .form_posts import form_values, require_form, restore_draft
from .history import deletion_line
from .links import route_path
from .paging import page_count, page_number, past_the_end
from .path_records import not_found, path_id, visible_record
from .shown import log_shown
from .visits import CHILD_FILE, OFFICE, STAFF, Visit, require
from .writes import already_created, base_version, form_record_id, own_earlier_save, shown_version, told_truly

REGISTER = ("unit_id", "name", "school", "grade", "gender", "birth_year", "categories", "risk_level", "plan",
            "guardian_name", "guardian_contact", "notes")
EDIT = (*REGISTER, "status")
SCREENING = ("date", "psych_problem", "risk_level", "intervention_success", "needs", "notes")
HINTS = {
    "name": "真实姓名只在辅导站、学校的页面上显示；县级和管理员的页面只显示编号。",
    "plan": "一人一策：针对这个孩子的帮扶重点、方法和分工。",
    "guardian_contact": "修改后，结对志愿者的手机下次同步时会收到。",
    "code": "一个编号只属于一个孩子：县级页面只显示编号。",
}
# Said before a move is saved, as the saved page says after it what went along (``_moved_words``).
EDIT_HINTS = {**HINTS, "unit_id": "改到另一所学校或辅导站，孩子的结对、帮扶记录和摸排都跟着转过去，"
                                  "原单位的页面上就不再有这个孩子的档案。"}
# A station or school reaches only itself: a child leaving it is moved by the office above, which reaches both.
MOVED_ABOVE = "孩子转学或转到别的辅导站时，请镇（街道）关工委在这里改：他们管得到两边的单位。"
MENTEE = ENTITIES["mentee"]


# The list's 状态 that finds the deleted children: the inspector reaches their files only from here.
DELETED = "deleted"


def sees_names(actor: Actor) -> bool:
    """Real names, guardians and notes are for the people who work with the child (not the county
    reviewer, not the admin)."""
    return reads_private(actor.role)


def _mentee_id(request: Request) -> str:
    return path_id(request.path_params["mentee_id"], "帮扶对象")


async def _visible_mentee(visit: Visit, mentee_id: str) -> dict[str, Any]:
    return await visible_record(visit, mentee_id, "帮扶对象", get_mentee)


# --- the list ---------------------------------------------------------------------------------

async def mentee_list(request: Request) -> Response:
    visit = await require(request, OFFICE)
    params = request.query_params
    f = MenteeFilter(
        q=params.get("q", "").strip()[:50], unit_id=parse_id(params.get("unit")) or "",
        category=params.get("category", "") if params.get("category") in CATEGORIES else "",
        risk_level=params.get("risk", "") if params.get("risk") in RISK_LEVELS else "",
        status="" if params.get("status") in ("all", DELETED) else (params.get("status") or "active"),
        page=page_number(params), deleted=params.get("status") == DELETED,
        unscreened=params.get("screening") == "due",
        pairing=params.get("pairing", "") if params.get("pairing") in WAITING else "",
    )
    if f.status not in ("", *MENTEE_STATUSES):
        f = replace(f, status="active")
    scope = await visit.scope()
    names = sees_names(visit.actor)

    def read(db: Any) -> tuple[list[dict[str, Any]], int, list[tuple[str, str]], list[dict[str, Any]],
                                list[dict[str, Any]]]:
        rows, total = list_mentees(db, scope, f, names=names)
        for row in rows:  # who deleted each child listed under 已删除, and when
            row["deleted_line"] = deletion_line(db, "mentee", row["id"]) if row["deleted"] else None
        # Read county-wide (a scan of the code index), so once, above the first page.
        first = f.page == 1
        by_unit = waiting_by_unit(db, scope, f, names=names) if first and f.pairing and total else []
        return rows, total, unit_options(db, scope), shared_codes(db, scope) if first else [], by_unit

    rows, total, units, shared, by_unit = await visit.state.store.read(read)
    if last := past_the_end(visit, f.page, page_count(total, PAGE_SIZE)):
        return last
    listed = {row["id"] for row in rows} | {child["id"] for group in shared for child in group["children"]}
    await log_shown(visit, "view_mentee_list", f.unit_id or visit.actor.unit_id, {"mentee": len(listed)})
    hide_private(visit.actor.role, "mentee", [*rows, *(child for group in shared for child in group["children"])])
    query = {k: v for k, v in (("q", f.q), ("unit", f.unit_id), ("category", f.category), ("risk", f.risk_level),
                               ("status", params.get("status", "")), ("screening", "due" if f.unscreened else ""),
                               ("pairing", f.pairing)) if v}
    for unit in by_unit:  # each unit's count opens the same list narrowed to that unit
        unit["href"] = route_path(request, "mentee_list") + "?" + urlencode({**query, "unit": unit["unit_id"]})
    return visit.render("staff/mentee_list.html", {
        "rows": rows, "total": total, "shared_codes": shared, "f": f, "units": units, "sees_names": names,
        "query": query, "by_unit": by_unit if len(by_unit) > 1 else [],
        "pages": page_count(total, PAGE_SIZE), "status_param": params.get("status", "active"),
        "half_year_start": half_year_start(local_today()),
        "can_edit": visit.actor.role in CHILD_FILE,
        # The pairing form takes the child from the list (``?mentee_id=``); it is for the staff alone.
        "pairing_new": route_path(request, "pairing_new") if visit.actor.role in STAFF else None,
        "import_path": route_path(request, "mentee_import") if visit.actor.role in CHILD_FILE else None,
    })


# --- registering and editing -------------------------------------------------------------------

async def _form_page(visit: Visit, *, mentee: dict[str, Any] | None, values: dict[str, Any],
                     errors: dict[str, str] | None = None, likely: Likely | None = None,
                     status: int = 200) -> Response:
    if mentee is not None:
        # The edit form shows the child's name, guardian and notes: a view, as the file's is (access
        # log), on every showing, the form shown again after a refused change too.
        actor, ip, mentee_id = visit.actor, client_ip(visit.request), mentee["id"]
        await visit.state.store.write(
            lambda db: log_access(db, actor, "edit_mentee", mentee_id, entities={"mentee": 1}, ip=ip))
    scope = await visit.scope()
    units = await visit.state.store.read(lambda db: unit_options(db, scope, kinds=("station", "school")))
    if mentee is not None and mentee["unit_id"] not in {u for u, _ in units}:
        units = [(mentee["unit_id"], mentee["unit_name"]), *units]
    names = ("code", *EDIT) if mentee is not None else REGISTER
    hints = HINTS if mentee is None else {**EDIT_HINTS, "unit_id": MOVED_ABOVE} if len(units) < 2 else EDIT_HINTS
    return visit.render("staff/mentee_form.html", {
        "mentee": mentee, "errors": errors or {}, "base_version": values.get("base_version", ""),
        "record_id": values.get("record_id") or new_id(),
        "form_fields": field_views("mentee", names, values, errors=errors, options={"unit_id": units}, hints=hints),
        "likely": likely and {"words": _likely_words(likely), "key": likely.key, "children": likely.linked},
        "another_child": values.get(ANOTHER_CHILD) if isinstance(values.get(ANOTHER_CHILD), str) else "",
    }, status=status)


# The new-child form's tick that the child is not the one already registered it likely is (its value:
# that child's ``Likely.key``, or both children's, so the tick lets the ones named match through and no other).
ANOTHER_CHILD = "another_child"


def _likely_words(likely: Likely) -> str:
    """Which child it likely is (as the roster import says it), then how to go on from the form."""
    unseen = likely.child is None or (likely.also is not None and likely.also.child is None)
    same = ("是同一个孩子：不用再登记，请打开下面他的档案。" if likely.child is not None else "") + (
        "请先问镇（街道）关工委或县关工委是不是同一个孩子。" if unseen else "")
    return (f"{likely.words()}为免把一个孩子登记两次，这次还没有登记。{same}"
            "确实是另一个孩子：请勾选下面的“确实是另一个孩子，仍然登记”，再点“登记”。")




def _defaults(units_hint: str | None) -> dict[str, Any]:
    return {"risk_level": "normal", "status": "active", "categories": [], "unit_id": units_hint}


async def mentee_new(request: Request) -> Response:
    visit = await require(request, CHILD_FILE)
    draft = await restore_draft(visit)
    scope = await visit.scope()
    units = await visit.state.store.read(lambda db: unit_options(db, scope, kinds=("station", "school")))
    values = draft or _defaults(units[0][0] if len(units) == 1 else None)
    return await _form_page(visit, mentee=None, values=values)


async def mentee_create(request: Request) -> Response:
    visit, form = await require_form(request, CHILD_FILE)
    values = form_values(form)
    try:
        fields = parse_fields("mentee", REGISTER, values)
    except FormInvalid as exc:
        return await _form_page(visit, mentee=None, values=values, errors=exc.errors, status=400)
    fields["risk_level"] = fields["risk_level"] or "normal"
    actor, scope = visit.actor, await visit.scope()
    record_id = parse_id(values.get("record_id")) or None  # a resent form must not register the child twice

    def write(db: Any) -> tuple[str, str] | Likely:
        done = None if record_id is None else already_created(request, db, actor, "mentee", record_id, fields)
        if done is not None and done.status == "rejected":  # another's child, even one in scope
            raise MutationsRefused([done])
        if done is not None:  # the same form posted twice: registered once
            (code,) = db.execute("SELECT code FROM mentees WHERE id = ?", [done.record_id]).fetchone()
            return done.record_id, str(code)
        # Likely a child already registered: not saved until the person ticks that it is another.
        likely = likely_registered(db, scope, fields)
        if likely is not None and values.get(ANOTHER_CHILD) != likely.key:
            return likely
        code = next_mentee_code(db)
        (outcome,) = apply_all(db, actor, [upsert("mentee", {**fields, "code": code}, record_id)])
        return outcome.record_id, code

    try:
        written = await visit.state.store.write(write)
    except MutationsRefused as refused:
        errors = refusal_errors(MENTEE, refused.rejected[0][1], REGISTER)
        return await _form_page(visit, mentee=None, values=values, errors=errors, status=400)
    if isinstance(written, Likely):
        return await _form_page(visit, mentee=None, values=values, likely=written, status=409)
    created, code = written
    return visit.redirect(f"/mentees/{created}", flash=f"已登记，编号 {code}。")


async def mentee_edit(request: Request) -> Response:
    visit = await require(request, CHILD_FILE)
    mentee_id = _mentee_id(request)
    mentee = await _visible_mentee(visit, mentee_id)
    draft = await restore_draft(visit)
    values = draft or {**mentee, "base_version": mentee["version"]}
    return await _form_page(visit, mentee=mentee, values=values)


async def mentee_update(request: Request) -> Response:
    visit, form = await require_form(request, CHILD_FILE)
    mentee_id = _mentee_id(request)
    mentee = await _visible_mentee(visit, mentee_id)
    values = form_values(form)
    # The form offers the code (a child sharing one with another is given a new one here); a post
    # without it (an older form) leaves the code alone.
    names = ("code", *EDIT) if "code" in values else EDIT
    try:
        fields = parse_fields("mentee", names, values)
    except FormInvalid as exc:
        return await _form_page(visit, mentee=mentee, values=values, errors=exc.errors, status=400)
    # Send only what changed against what the form showed (the record at the version it showed,
    # not as it is now), so a concurrent edit of another field (say, the volunteer's phone updating
    # the guardian's number) merges instead of clashing, and a clash on one field is a conflict.
    base = shown_version(values)
    shown = await visit.state.store.read(lambda db: values_at(db, "mentee", mentee_id, base)) or mentee
    changes = {k: v for k, v in changed(fields, shown).items()
               if not (k == "categories" and not v and not shown.get(k))}
    if not changes:
        return visit.redirect(f"/mentees/{mentee_id}", flash="没有改动。")
    actor = visit.actor

    def save(db: Any) -> tuple[Outcome, Move | None]:
        own = own_earlier_save(db, actor, "mentee", mentee_id, base, changes)
        (outcome,) = apply_all(db, actor, [upsert("mentee", changes, mentee_id, base_version=base)])
        # Read in the same write: what moved is what this save moved, not what a later edit did.
        move = moved_with(db, mentee_id, mentee["unit_id"]) if "unit_id" in changes else None
        return told_truly(outcome, own), move

    try:
        outcome, move = await visit.state.store.write(save)
    except MutationsRefused as refused:
        errors = refusal_errors(MENTEE, refused.rejected[0][1], names)
        return await _form_page(visit, mentee=mentee, values=values, errors=errors, status=400)
    moved = "" if move is None else _moved_words(mentee["code"], move)
    if outcome.status == "conflict":
        return visit.redirect(f"/mentees/{mentee_id}", flash=f"部分内容未保存：{outcome.reason}{moved}")
    return visit.redirect(f"/mentees/{mentee_id}", flash=f"已保存。{moved}")


def _moved_words(code: str, move: Move) -> str:
    """A move said in full: the old unit loses the whole file, and a volunteer of the old unit may
    still be visiting the child (their station can no longer open the file, nor enrol their phone)."""
    took = [f"{n} {what}" for n, what in ((move.pairings, "个结对"), (move.visits, "条帮扶记录"),
                                         (move.screenings, "条摸排")) if n]
    if move.running and move.pairings:
        took[0] += f"（其中 {move.running} 个进行中）"
    along = f"{'、'.join(took)}都跟着转了过去，" if took else ""
    words = (f"{code} 已从{move.old_unit}转到{move.new_unit}：{along}由{move.new_unit}管理；"
             f"{move.old_unit}的页面上不再有这个孩子的档案。")
    if move.volunteers_left_behind:
        who = "、".join(f"{name}（{unit}）" for name, unit in move.volunteers_left_behind)
        words += (f"注意：进行中的结对仍由{who}帮扶，志愿者照常去看孩子；"
                  "要换志愿者，请在结对档案里修改或结束那个结对。")
    return words


# --- the child's file ----------------------------------------------------------------------------

async def _detail_page(visit: Visit, mentee_id: str, *, screening: dict[str, Any] | None = None,
                       errors: dict[str, str] | None = None, status: int = 200) -> Response:
    scope = await visit.scope()
    actor = visit.actor
    request = visit.request

    def read(db: Any) -> dict[str, Any] | None:
        # A deleted child's file still opens for those who inspect it (read-only, marked, counted nowhere).
        mentee = get_mentee(db, scope, mentee_id, deleted_too=True)
        if mentee is None:
            return None
        gone = bool(mentee["deleted"])
        mentee["deleted_line"] = deletion_line(db, "mentee", mentee_id) if gone else None
        pairings = mentee_pairings(db, scope, mentee_id)
        deleted_screenings = mentee_screenings(db, scope, mentee_id, deleted=True)
        deleted_donations = donations_of(db, scope, mentee_id, deleted=True)
        # A deleted pairing, 摸排 or 爱心捐助 is marked with who deleted it and when, as in the archive.
        for row in pairings:
            row["deleted_line"] = deletion_line(db, "pairing", row["id"]) if row["deleted"] else None
        for row in deleted_screenings:
            row["deleted_line"] = deletion_line(db, "screening", row["id"])
        for row in deleted_donations:
            row["deleted_line"] = deletion_line(db, "donation", row["id"])
        return {"mentee": mentee, "pairings": pairings, "deleted_screenings": deleted_screenings,
                "screenings": mentee_screenings(db, scope, mentee_id, child_deleted=gone),
                "donations": donations_of(db, scope, mentee_id, child_deleted=gone),
                "deleted_donations": deleted_donations,
                "activities": mentee_activities(db, scope, mentee_id, child_deleted=gone)}

    data = await visit.state.store.read(read)
    if data is None:
        raise not_found("帮扶对象")
    names = sees_names(actor)
    hide_private(actor.role, "mentee", [data["mentee"]])
    shown = {"mentee": 1, "pairing": len(data["pairings"]),
             "screening": len(data["screenings"]) + len(data["deleted_screenings"]),
             "activity": len(data["activities"]["latest"]),
             "donation": len(data["donations"]) + len(data["deleted_donations"])}
    await visit.state.store.write(
        lambda db: log_access(db, actor, "view_mentee", mentee_id, entities=shown, ip=client_ip(request)))
    can_edit = actor.role in CHILD_FILE and not data["mentee"]["deleted"]
    values = screening or {"date": local_today().isoformat(), "risk_level": data["mentee"]["risk_level"],
                           "mentee_version": data["mentee"]["version"], "record_id": new_id()}
    return visit.render("staff/mentee_detail.html", {
        **data, "sees_names": names, "can_edit": can_edit, "errors": errors or {},
        # An open risk flag is handled on the station home; the county has none and only urges.
        "flag_desk": route_path(request, "staff_home") if actor.role in STAFF else None,
        "mentee_version": values.get("mentee_version") or data["mentee"]["version"],
        "screening_id": form_record_id(values),
        "screening_fields": field_views("screening", SCREENING, values, errors=errors, labels={
            "risk_level": "摸排后的关注等级"}, hints={"risk_level": "与当前等级不同时，帮扶对象的关注等级一并更新。"}),
    }, status=status)


async def mentee_detail(request: Request) -> Response:
    visit = await require(request, OFFICE)
    draft = await restore_draft(visit)
    return await _detail_page(visit, _mentee_id(request), screening=draft)


async def screening_add(request: Request) -> Response:
    """Add a 摸排 to the child's file; a changed risk level is written to the child too, in the same batch."""
    visit, form = await require_form(request, CHILD_FILE)
    mentee_id = _mentee_id(request)
    mentee = await _visible_mentee(visit, mentee_id)
    values = form_values(form)
    try:
        fields = parse_fields("screening", SCREENING, values)
    except FormInvalid as exc:
        return await _detail_page(visit, mentee_id, screening=values, errors=exc.errors, status=400)
    if not fields["date"]:
        return await _detail_page(visit, mentee_id, screening=values, errors={"date": "请填写摸排日期。"}, status=400)
    screening_id = form_record_id(values)
    batch = [upsert("screening", {**fields, "mentee_id": mentee_id}, screening_id)]
    # The risk level is the child's only if the person changed it from the one the page showed:
    # a level someone else set since then stays (or, if both changed it, becomes a conflict).
    seen = base_version(values, "mentee_version")
    seen = mentee["version"] if seen is None else seen
    shown = await visit.state.store.read(lambda db: values_at(db, "mentee", mentee_id, seen)) or mentee
    if fields["risk_level"] and fields["risk_level"] != shown["risk_level"]:
        batch.append(upsert("mentee", {"risk_level": fields["risk_level"]}, mentee_id, base_version=seen))
    actor = visit.actor

    def write(db: Any) -> list[Outcome]:
        done = already_created(request, db, actor, "screening", screening_id, fields)
        if done is not None and done.status == "rejected":
            raise MutationsRefused([done])
        return [] if done is not None else apply_all(db, actor, batch)  # the same form again: entered once

    try:
        outcomes = await visit.state.store.write(write)
    except MutationsRefused as refused:
        index, outcome = refused.rejected[0]
        entity = ENTITIES["screening"] if index == 0 else MENTEE
        errors = refusal_errors(entity, outcome, SCREENING)
        return await _detail_page(visit, mentee_id, screening=values, errors=errors, status=400)
    note = ""
    if len(outcomes) > 1:
        level = outcomes[1]
        note = (f"；关注等级没有改：{(level.reason or '').rstrip('。')}" if level.status == "conflict"
                else "，关注等级已改为" + RISK_LEVELS[fields["risk_level"]])
    return visit.redirect(f"/mentees/{mentee_id}#screenings", flash=f"摸排记录已保存{note}。")




routes: list[BaseRoute] = [
    Route("/mentees", mentee_list, methods=["GET"], name="mentee_list"),
    Route("/mentees/new", mentee_new, methods=["GET"], name="mentee_new"),
    Route("/mentees/new", mentee_create, methods=["POST"], name="mentee_create"),
    Route("/mentees/{mentee_id}", mentee_detail, methods=["GET"], name="mentee_detail"),
    Route("/mentees/{mentee_id}", screening_add, methods=["POST"], name="screening_add"),
    Route("/mentees/{mentee_id}/edit", mentee_edit, methods=["GET"], name="mentee_edit"),
    Route("/mentees/{mentee_id}/edit", mentee_update, methods=["POST"], name="mentee_update"),
]
