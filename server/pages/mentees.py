"""Mentees (帮扶对象): the list with search and filters, the child's file, and screenings (摸排)
added from the file; registering and editing are ``mentee_forms.py``'s.

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

from sync import Actor, Outcome, Scope, new_id, parse_id
from sync.entities import ENTITIES
from sync.labels import CATEGORIES, MENTEE_STATUSES, RISK_LEVELS
from sync.mutations import upsert
from sync.timeutil import local_today

from ..access import log_access
from ..clients import client_ip
from ..errors import ParamInvalid
from ..forms import FormInvalid, MutationsRefused, apply_all, field_views, parse_fields, refusal_errors, whole_number
from ..queries.donations import donations_of
from ..queries.leaving import LEAVING_REASONS, UNRECORDED, leaving_of
from ..queries.levels import rating_above
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
    shared_codes,
    waiting_by_unit,
)
from ..queries.names import hide_private, reads_private
from ..queries.promotion import promotion_due
from ..queries.units import get_unit, unit_options
from ..queries.versions import values_at
from .form_posts import form_values, require_form, restore_draft
from .history import deletion_line
from .links import route_path
from .list_search import search_posted, search_words
from .mentee_forms import MENTEE, mentee_id_of, visible_mentee
from .paging import page_count, page_number, past_the_end
from .path_records import not_found
from .report_params import FIRST_YEAR, LAST_YEAR
from .shown import log_shown
from .visits import CHILD_FILE, OFFICE, STAFF, Visit, require
from .writes import already_created, base_version, form_record_id

SCREENING = ("date", "psych_problem", "risk_level", "intervention_success", "needs", "notes")

# The list's 状态 that finds the deleted children: the inspector reaches their files only from here.
DELETED = "deleted"
# The list's 状态 for the closed files by why the child left care: ``left-graduated``, …, and
# ``left-unrecorded`` for those closed without a reason (未记原因).
LEFT = {f"left-{key}": key for key in [*LEAVING_REASONS, UNRECORDED]}
LEFT_WORDS = {"graduated": "毕业离校", "moved_away": "转学到外县", "improved": "情况好转", "other": "其他原因",
              UNRECORDED: "未记原因"}


def _left_in(raw: str | None) -> int | None:
    """``left_in``: the year the listed children left care in (the links of 本年结束帮扶), or None; a
    value that is no year is a 400 saying so, never the list of every year under a year's figure."""
    text = (raw or "").strip()
    if not text:
        return None
    year = whole_number(text, digits=4)
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ParamInvalid(f"结束帮扶的年份应为 {FIRST_YEAR}–{LAST_YEAR} 之间的年份，收到“{text[:20]}”。")
    return year


def sees_names(actor: Actor) -> bool:
    """Real names, guardians and notes are for the people who work with the child (not the county
    reviewer, not the admin)."""
    return reads_private(actor.role)


# --- the list ---------------------------------------------------------------------------------

async def mentee_list(request: Request) -> Response:
    visit = await require(request, OFFICE)
    params = request.query_params
    q, carried = await search_words(visit)
    f = MenteeFilter(
        q=q, unit_id=parse_id(params.get("unit")) or "",
        category=params.get("category", "") if params.get("category") in CATEGORIES else "",
        risk_level=params.get("risk", "") if params.get("risk") in RISK_LEVELS else "",
        status="" if params.get("status") in ("all", DELETED) else
        "closed" if params.get("status") in LEFT else (params.get("status") or "active"),
        left=LEFT.get(params.get("status") or "", ""),
        page=page_number(params), deleted=params.get("status") == DELETED,
        unscreened=params.get("screening") == "due", rated_higher=params.get("screening") == "higher",
        pairing=params.get("pairing", "") if params.get("pairing") in WAITING else "",
        left_in=_left_in(params.get("left_in")),
    )
    if f.status not in ("", *MENTEE_STATUSES):
        f = replace(f, status="active")
    scope = await visit.scope()
    names = sees_names(visit.actor)

    def read(db: Any) -> tuple[list[dict[str, Any]], int, list[tuple[str, str]], list[dict[str, Any]],
                                list[dict[str, Any]], bool, str | None]:
        rows, total = list_mentees(db, scope, f, names=names)
        for row in rows:  # who deleted each child listed under 已删除, and when
            row["deleted_line"] = deletion_line(db, "mentee", row["id"]) if row["deleted"] else None
        # Read county-wide (a scan of the code index), so once, above the first page.
        first = f.page == 1
        by_unit = waiting_by_unit(db, scope, f, names=names) if first and f.pairing and total else []
        return (rows, total, unit_options(db, scope), shared_codes(db, scope) if first else [], by_unit,
                _movable(db, scope, f.unit_id), _promotable(db, scope, f.unit_id or scope.actor.unit_id))

    rows, total, units, shared, by_unit, movable, promotable = await visit.state.store.read(read)
    if last := past_the_end(visit, f.page, page_count(total, PAGE_SIZE)):
        return last
    listed = {row["id"] for row in rows} | {child["id"] for group in shared for child in group["children"]}
    await log_shown(visit, "view_mentee_list", f.unit_id or visit.actor.unit_id, {"mentee": len(listed)})
    hide_private(visit.actor.role, "mentee", [*rows, *(child for group in shared for child in group["children"])])
    screening = "due" if f.unscreened else "higher" if f.rated_higher else ""
    query = carried | {k: v for k, v in (("unit", f.unit_id), ("category", f.category), ("risk", f.risk_level),
                               ("status", params.get("status", "")), ("screening", screening),
                               ("pairing", f.pairing), ("left_in", str(f.left_in or ""))) if v}
    for unit in by_unit:  # each unit's count opens the same list narrowed to that unit
        unit["href"] = route_path(request, "mentee_list") + "?" + urlencode({**query, "unit": unit["unit_id"]})
    return visit.render("staff/mentee_list.html", {
        "rows": rows, "total": total, "shared_codes": shared, "f": f, "units": units, "sees_names": names,
        "query": query, "by_unit": by_unit if len(by_unit) > 1 else [],
        "every_year": route_path(request, "mentee_list") + "?" + urlencode(
            {k: v for k, v in query.items() if k != "left_in"}),
        "pages": page_count(total, PAGE_SIZE), "status_param": params.get("status", "active"),
        "half_year_start": half_year_start(local_today()),
        # Short, so the chosen one fits the 状态 box of a PC's row of filters (the group names 帮扶).
        "left_options": [(f"left-{key}", words) for key, words in LEFT_WORDS.items()],
        "can_edit": visit.actor.role in CHILD_FILE,
        # 撤点并校: the office above a station or school moves all its children at once (pages/bulk_move).
        "move_all": route_path(request, "bulk_move_form", unit_id=f.unit_id) if movable else None,
        # 升年级: each September, for whoever edits the children's files (pages/grade_promotion).
        "promote": route_path(request, "promotion_form", unit_id=promotable) if promotable else None,
        # The pairing form takes the child from the list (``?mentee_id=``); it is for the staff alone.
        "pairing_new": route_path(request, "pairing_new") if visit.actor.role in STAFF else None,
        "import_path": route_path(request, "mentee_import") if visit.actor.role in CHILD_FILE else None,
    })


def _movable(db: Any, scope: Scope, unit_id: str) -> bool:
    """Whether the list is narrowed to a station or school whose children this person moves: staff of
    an office above it (its own staff are told who moves a child, on the edit form and the bulk page)."""
    if not unit_id or scope.actor.role not in CHILD_FILE or unit_id == scope.actor.unit_id:
        return False
    unit = get_unit(db, scope, unit_id)
    return unit is not None and unit["kind"] in ("station", "school")


def _promotable(db: Any, scope: Scope, unit_id: str) -> str | None:
    """The station or school of the list whose children this person may promote a grade today."""
    if not unit_id or scope.actor.role not in CHILD_FILE:
        return None
    unit = get_unit(db, scope, unit_id)
    if unit is None or unit["kind"] not in ("station", "school") or not promotion_due(db, unit_id, local_today()):
        return None
    return unit_id


async def mentee_search(request: Request) -> Response:
    """The list's filter form, posted: the searched name stays out of the address (pages/list_search)."""
    return await search_posted(request, OFFICE)


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
                "activities": mentee_activities(db, scope, mentee_id, child_deleted=gone),
                "leaving": leaving_of(db, mentee_id)}

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
        # A phone's 摸排 rates the child without changing her level: said beside 关注等级 (queries.levels).
        "rated_above": rating_above(data["mentee"], data["screenings"]),
        "screening_id": form_record_id(values),
        "screening_fields": field_views("screening", SCREENING, values, errors=errors, labels={
            "risk_level": "摸排后的关注等级"}, hints={"risk_level": "与当前等级不同时，帮扶对象的关注等级一并更新。"}),
    }, status=status)


async def mentee_detail(request: Request) -> Response:
    visit = await require(request, OFFICE)
    draft = await restore_draft(visit)
    return await _detail_page(visit, mentee_id_of(request), screening=draft)


async def screening_add(request: Request) -> Response:
    """Add a 摸排 to the child's file; a changed risk level is written to the child too, in the same batch."""
    visit, form = await require_form(request, CHILD_FILE)
    mentee_id = mentee_id_of(request)
    mentee = await visible_mentee(visit, mentee_id)
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
    Route("/mentees", mentee_search, methods=["POST"], name="mentee_search"),
    Route("/mentees/{mentee_id}", mentee_detail, methods=["GET"], name="mentee_detail"),
    Route("/mentees/{mentee_id}", screening_add, methods=["POST"], name="screening_add"),
]
