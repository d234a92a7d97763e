"""Registering a child (登记帮扶对象) and editing a child's file: the form, its likely-child check
(a child already registered is not registered twice without a tick), and a move to another unit said
in full. The list, the file itself and its screenings are ``mentees.py``'s.
"""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync import Outcome, new_id, parse_id
from sync.entities import ENTITIES
from sync.mutations import upsert

from ..access import log_access
from ..clients import client_ip
from ..forms import FormInvalid, MutationsRefused, apply_all, field_views, parse_fields, refusal_errors
from ..queries.likely_children import Likely, likely_registered
from ..queries.mentees import get_mentee, next_mentee_code
from ..queries.moves import Move, moved_with
from ..queries.units import get_unit, unit_options
from ..queries.versions import changed, values_at
from ..tel import pasted_twice
from ..unit_closing import UnitClosed, refuse_closed
from .form_posts import form_values, require_form, restore_draft
from .move_words import left_behind_words, took_words
from .path_records import path_id, visible_record
from .visits import CHILD_FILE, Visit, require
from .writes import already_created, shown_version

REGISTER = ("unit_id", "name", "school", "grade", "gender", "birth_year", "categories", "risk_level", "plan",
            "guardian_name", "guardian_contact", "notes")
EDIT = (*REGISTER, "status")
HINTS = {
    "name": "真实姓名只在辅导站、学校和镇（街道）的页面上显示；县级和管理员的页面只显示编号。",
    "plan": "一人一策：针对这个孩子的帮扶重点、方法和分工。",
    "guardian_contact": "修改后，结对志愿者的手机下次同步时会收到。",
    "code": "一个编号只属于一个孩子：县级页面只显示编号。",
}
# Said before a move is saved, as the saved page says after it what went along (``_moved_words``).
EDIT_HINTS = {**HINTS, "unit_id": "改到另一所学校或辅导站，孩子的结对、帮扶记录和摸排都跟着转过去，"
                                  "原单位的页面上就不再有这个孩子的档案。"}
# A station or school reaches only itself: a child leaving it is moved by the office above, which reaches both.
MOVED_ABOVE = "孩子转学或转到别的辅导站时，请镇（街道）关工委在这里改：他们管得到两边的单位。"
# A town reaches its own schools and stations only: a child going to another town's is moved by the county.
TOWN_MOVES = EDIT_HINTS["unit_id"] + "转到其他镇（街道）的学校或辅导站，请县关工委来改：这里只列本镇（街道）的单位。"
MENTEE = ENTITIES["mentee"]


def typed_twice(fields: dict[str, Any]) -> dict[str, str]:
    """The guardian's number refused beside its field when pasted twice (``tel.pasted_twice``); {} else."""
    why = pasted_twice(fields.get("guardian_contact"))
    return {"guardian_contact": why} if why else {}


def mentee_id_of(request: Request) -> str:
    """The path's child id, or a 404 in words."""
    return path_id(request.path_params["mentee_id"], "帮扶对象")


async def visible_mentee(visit: Visit, mentee_id: str) -> dict[str, Any]:
    """The child, when the visitor may open their file; else the same 404 as for no child."""
    return await visible_record(visit, mentee_id, "帮扶对象", get_mentee)


async def _form_page(visit: Visit, *, mentee: dict[str, Any] | None, values: dict[str, Any],
                     errors: dict[str, str] | None = None, likely: Likely | None = None,
                     status: int = 200) -> Response:
    if mentee is not None:
        # The edit form shows the child's name, guardian and notes: a view, as the file's is (access
        # log), on every showing, the form shown again after a refused change too.
        actor, ip, mentee_id = visit.actor, client_ip(visit.request), mentee["id"]
        await visit.state.store.write(
            lambda db: log_access(db, actor, "edit_mentee", mentee_id, entities={"mentee": 1}, ip=ip))
    if mentee is None and likely is None and values.get("name"):
        likely = await _likely_again(visit, values)
    scope = await visit.scope()
    units, own = await visit.state.store.read(lambda db: (
        unit_options(db, scope, kinds=("station", "school")), get_unit(db, scope, str(scope.actor.unit_id))))
    if mentee is not None and mentee["unit_id"] not in {u for u, _ in units}:
        units = [(mentee["unit_id"], mentee["unit_name"]), *units]
    names = ("code", *EDIT) if mentee is not None else REGISTER
    hints = HINTS if mentee is None else _edit_hints(own["kind"] if own else "", len(units))
    return visit.render("staff/mentee_form.html", {
        "mentee": mentee, "errors": errors or {}, "base_version": values.get("base_version", ""),
        "record_id": values.get("record_id") or new_id(),
        "form_fields": field_views("mentee", names, values, errors=errors, options={"unit_id": units}, hints=hints),
        "likely": likely and {"words": _likely_words(likely), "key": likely.key, "children": likely.linked,
                              "ticked": values.get(ANOTHER_CHILD) == likely.key},
    }, status=status)


# The new-child form's tick that the child is not the one already registered it likely is (its value:
# that child's ``Likely.key``, or both children's, so the tick lets the ones named match through and no other).
ANOTHER_CHILD = "another_child"


def _edit_hints(own_kind: str, unit_count: int) -> dict[str, str]:
    """The edit form's hints, the unit's saying who moves a child where this person cannot. A town is
    asked first: one with a single school lists one unit, as a station does, and must not be told to
    ask the town (itself)."""
    if own_kind == "town":
        return {**EDIT_HINTS, "unit_id": TOWN_MOVES}
    return {**EDIT_HINTS, "unit_id": MOVED_ABOVE} if unit_count < 2 else EDIT_HINTS


# What the likely check reads of a form; each that parses is read, so a form refused for another field
# still says which child its tick answers.
LIKELY_FIELDS = ("unit_id", "name", "birth_year", "gender")


async def _likely_again(visit: Visit, values: dict[str, Any]) -> Likely | None:
    """The child a new one shown again (a form refused for a wrong field, a draft brought back) likely
    is, asked afresh: the tick is shown only beside the child it answers, never on its own (a person
    who ticked it would not know what they had said), and ticked only when it answers that child."""
    fields: dict[str, Any] = {}
    for name in LIKELY_FIELDS:
        try:
            fields.update(parse_fields("mentee", (name,), values))
        except FormInvalid:
            continue
    scope = await visit.scope()
    return await visit.state.store.read(lambda db: likely_registered(db, scope, fields))


def _likely_words(likely: Likely) -> str:
    """Which child it likely is (as the roster import says it), then how to go on from the form. The
    child to open is named: the child may be a girl, and 他 said of her misleads."""
    unseen = likely.child is None or (likely.also is not None and likely.also.child is None)
    named = "或".join(f"“{child['name']}”" for child in likely.linked)
    same = (f"是同一个孩子：不用再登记，请打开下面{named}的档案。" if likely.child is not None else "") + (
        "请先问镇（街道）关工委或县关工委是不是同一个孩子。" if unseen else "")
    return (f"{likely.words()}为免把一个孩子登记两次，这次还没有登记。{same}"
            "确实是另一个孩子：请勾选下面的“确实是另一个孩子，仍然登记”，再点页面最下面的“登记”。")


def _defaults(only: dict[str, Any] | None) -> dict[str, Any]:
    """A new child's form: the unit when there is one to choose, and a school's own name as the
    child's 学校 (its teacher would otherwise type her own school into every child's file)."""
    return {"risk_level": "normal", "status": "active", "categories": [], "unit_id": only and only["id"],
            **({"school": only["name"]} if only and only["kind"] == "school" else {})}


async def mentee_new(request: Request) -> Response:
    visit = await require(request, CHILD_FILE)
    draft = await restore_draft(visit)
    scope = await visit.scope()

    def only_unit(db: Any) -> dict[str, Any] | None:
        units = unit_options(db, scope, kinds=("station", "school"))
        return get_unit(db, scope, units[0][0]) if len(units) == 1 else None

    values = draft or _defaults(await visit.state.store.read(only_unit))
    return await _form_page(visit, mentee=None, values=values)


async def mentee_create(request: Request) -> Response:
    visit, form = await require_form(request, CHILD_FILE)
    values = form_values(form)
    try:
        fields = parse_fields("mentee", REGISTER, values)
    except FormInvalid as exc:
        return await _form_page(visit, mentee=None, values=values, errors=exc.errors, status=400)
    if errors := typed_twice(fields):
        return await _form_page(visit, mentee=None, values=values, errors=errors, status=400)
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
        refuse_closed(db, fields.get("unit_id"))
        code = next_mentee_code(db)
        (outcome,) = apply_all(db, actor, [upsert("mentee", {**fields, "code": code}, record_id)])
        return outcome.record_id, code

    try:
        written = await visit.state.store.write(write)
    except MutationsRefused as refused:
        errors = refusal_errors(MENTEE, refused.rejected[0][1], REGISTER)
        return await _form_page(visit, mentee=None, values=values, errors=errors, status=400)
    except UnitClosed as closed:
        return await _form_page(visit, mentee=None, values=values, errors={"unit_id": str(closed)}, status=400)
    if isinstance(written, Likely):
        return await _form_page(visit, mentee=None, values=values, likely=written, status=409)
    created, code = written
    return visit.redirect(f"/mentees/{created}", flash=f"已登记，编号 {code}。")


async def mentee_edit(request: Request) -> Response:
    visit = await require(request, CHILD_FILE)
    mentee_id = mentee_id_of(request)
    mentee = await visible_mentee(visit, mentee_id)
    draft = await restore_draft(visit)
    values = draft or {**mentee, "base_version": mentee["version"]}
    return await _form_page(visit, mentee=mentee, values=values)


async def mentee_update(request: Request) -> Response:
    visit, form = await require_form(request, CHILD_FILE)
    mentee_id = mentee_id_of(request)
    mentee = await visible_mentee(visit, mentee_id)
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
    # Only a number typed here: one the volunteer's phone wrote so does not stop an edit of another field.
    if errors := typed_twice(changes):
        return await _form_page(visit, mentee=mentee, values=values, errors=errors, status=400)
    if not changes:
        return visit.redirect(f"/mentees/{mentee_id}", flash="没有改动。")
    actor = visit.actor

    def save(db: Any) -> tuple[Outcome, Move | None]:
        if "unit_id" in changes:
            refuse_closed(db, changes["unit_id"])
        (outcome,) = apply_all(db, actor, [upsert("mentee", changes, mentee_id, base_version=base)])
        # Read in the same write: what moved is what this save moved, not what a later edit did.
        move = moved_with(db, mentee_id, mentee["unit_id"]) if "unit_id" in changes else None
        return outcome, move

    try:
        outcome, move = await visit.state.store.write(save)
    except MutationsRefused as refused:
        errors = refusal_errors(MENTEE, refused.rejected[0][1], names)
        return await _form_page(visit, mentee=mentee, values=values, errors=errors, status=400)
    except UnitClosed as closed:
        return await _form_page(visit, mentee=mentee, values=values, errors={"unit_id": str(closed)}, status=400)
    moved = "" if move is None else _moved_words(mentee["code"], move)
    if outcome.status == "conflict":
        return visit.redirect(f"/mentees/{mentee_id}", flash=f"部分内容未保存：{outcome.reason}{moved}")
    return visit.redirect(f"/mentees/{mentee_id}", flash=f"已保存。{moved}")


def _moved_words(code: str, move: Move) -> str:
    """A move said in full: the old unit loses the whole file, and a volunteer of the old unit may
    still be visiting the child (``move_words``)."""
    return (f"{code} 已从{move.old_unit}转到{move.new_unit}：{took_words([move])}由{move.new_unit}管理；"
            f"{move.old_unit}的页面上不再有这个孩子的档案。{left_behind_words([move])}")

# /mentees/new comes before mentees.py's /mentees/{mentee_id} (server/routes.py).
routes: list[BaseRoute] = [
    Route("/mentees/new", mentee_new, methods=["GET"], name="mentee_new"),
    Route("/mentees/new", mentee_create, methods=["POST"], name="mentee_create"),
    Route("/mentees/{mentee_id}/edit", mentee_edit, methods=["GET"], name="mentee_edit"),
    Route("/mentees/{mentee_id}/edit", mentee_update, methods=["POST"], name="mentee_update"),
]
