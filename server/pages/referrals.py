"""Referrals (转介, Kaizhou notice 五(三)): refer a child to the school counselling room or a medical
institution, and track it to its return — referred → received → concluded, with dates and outcome.

Staff create and update referrals; the county reads them. Every view of a referral is written to
the access log (it holds health details about a child). A referral never reaches a volunteer's
phone (``sync.entities.REFERRAL``).
"""
from __future__ import annotations

from typing import Any

import sqlite_utils
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync import Scope, parse_id
from sync.entities import REFERRAL
from sync.labels import REFERRAL_STATUSES, REFERRAL_TARGETS
from sync.timeutil import local_today

from ..access import log_access
from ..clients import client_ip
from ..forms import FormInvalid, field_views, parse_fields, refusal_errors
from ..queries.followups import open_risk_flags_of_child
from ..queries.names import sees_names
from ..queries.pickers import mentee_options
from ..queries.referrals import LIMIT, get_referral, list_referrals
from ..queries.units import unit_options
from .form_posts import form_values, require_form, restore_draft
from .history import deletion_line, history_lines
from .links import came_from
from .paging import page_count, page_links, page_number, past_the_end
from .path_records import visible_record
from .pickers import FIND, attach_finder, child_finder, found, search_text
from .shown import log_shown
from .visits import OFFICE, STAFF, Visit, require
from .writes import base_version, create_once, edit, form_record_id, saved_words, shown_version

NEW_FIELDS = ("mentee_id", "target", "institution", "contact", "reason", "referred_on")
TRACK_FIELDS = ("status", "received_on", "concluded_on", "outcome", "target", "institution", "contact", "reason",
                "referred_on")
HINTS = {
    "institution": "如：县人民医院心理门诊、学校心理辅导室。",
    "status": "对方接收后选“已接收”并填接收日期；转介工作结束时选“已结束”，填结束日期和结果。",
    "outcome": "如：门诊治疗两个月，情绪平稳，按医嘱复诊。",
}


async def referral_list(request: Request) -> Response:
    page = await require(request, OFFICE)
    scope = await page.scope()
    q = request.query_params
    # 全部 is ``all``, not an empty value: the next page's link keeps only the filters that are set,
    # and without one the list falls back to the open referrals.
    filters = {"status": q.get("status", "open")[:20] or "all", "target": q.get("target", "")[:40],
               "unit": q.get("unit", "")[:40]}
    number = page_number(q)
    asked = {**filters, "status": "" if filters["status"] == "all" else filters["status"]}
    (rows, total), units = await page.state.store.read(
        lambda db: (list_referrals(db, scope, asked, page=number), unit_options(db, scope)))
    pages = page_count(total, LIMIT)
    if last := past_the_end(page, number, pages):
        return last
    unit = parse_id(filters["unit"]) or page.actor.unit_id  # an id, never the typed text
    await log_shown(page, "view_referral_list", unit, {"referral": len(rows)})
    return page.render("referral_list.html", {
        "rows": rows, "total": total, "first": (number - 1) * LIMIT + 1, "number": number, "pages": pages,
        "links": page_links(filters, number, pages), "filters": filters, "units": units,
        "targets": REFERRAL_TARGETS, "statuses": REFERRAL_STATUSES, "names": sees_names(scope),
        "can_refer": page.actor.role in STAFF,
    })


async def _new_form(page: Visit, values: dict[str, Any], *, errors: dict[str, str] | None = None,
                    status: int = 200) -> Response:
    scope = await page.scope()
    q, keep = search_text(values), values.get("mentee_id")
    mentees = await page.state.store.read(lambda db: mentee_options(db, scope, q=q, keep=keep))
    await log_shown(page, "view_mentee_choices", page.actor.unit_id, {"mentee": len(mentees.options)})  # names, codes
    fields = field_views("referral", NEW_FIELDS, values, errors=errors, options={"mentee_id": mentees.options},
                         hints=HINTS)
    fields[1].widget = "radios"
    attach_finder(fields, "mentee_id", mentees, q, **child_finder(sees_names(scope)))
    return page.render("referral_form.html", {
        "title": "登记转介", "fields": fields, "form_error": (errors or {}).get("_form"),
        "action": page.request.url.path, "record_id": form_record_id(values),
        "came_from": came_from(page.request, mentees.options),
    }, status=status)


async def referral_new(request: Request) -> Response:
    page = await require(request, STAFF)
    values: dict[str, Any] = {"referred_on": local_today().isoformat()}
    for key in ("mentee_id", "q"):
        if request.query_params.get(key):
            values[key] = request.query_params[key]
    values.update(await restore_draft(page) or {})
    return await _new_form(page, values)


async def referral_create(request: Request) -> Response:
    page, form = await require_form(request, STAFF)
    posted = form_values(form)
    if FIND in posted:  # 查找 beside the child picker: back to the form, narrowed, nothing saved
        return await found(page, posted)
    try:
        fields = parse_fields("referral", NEW_FIELDS, posted)
    except FormInvalid as exc:
        return await _new_form(page, posted, errors=exc.errors, status=400)
    outcome = await create_once(page, "referral", fields, posted, leave_out_empty=True)
    if outcome.status == "rejected":
        return await _new_form(page, posted, status=400,
                               errors=refusal_errors(REFERRAL, outcome, NEW_FIELDS))
    return page.redirect(f"/referrals/{outcome.record_id}", flash="转介已登记；对方接收后请在这里登记接收日期。")


async def _visible(page: Visit) -> dict[str, Any]:
    return await visible_record(page, page.request.path_params["referral_id"], "转介", get_referral)


async def _detail(page: Visit, referral: dict[str, Any], values: dict[str, Any], version: int, *,
                  errors: dict[str, str] | None = None, status: int = 200) -> Response:
    gone_child = bool(referral["mentee_deleted"])
    scope, staff = await page.scope(), page.actor.role in STAFF
    # A referral is often made from a risk flag's card (登记转介), and the flag stays open until its
    # handling is written on that card: the page leads back there while it is open.
    lines, child_line, open_flags = await page.state.store.read(lambda db: (
        history_lines(db, "referral", referral["id"]),
        deletion_line(db, "mentee", referral["mentee_id"]) if gone_child else None,
        open_risk_flags_of_child(db, scope, referral["mentee_id"]) if staff and not gone_child else []))
    # Logged on every showing, the form shown again after a refused change too: a post with a bad
    # date shows the referral (why the child was sent, where, the outcome) and its history.
    actor, ip = page.actor, client_ip(page.request)
    await page.state.store.write(lambda db: log_access(db, actor, "view_referral", referral["id"],
                                                       entities={"referral": 1}, ip=ip))
    fields = field_views("referral", TRACK_FIELDS, values, errors=errors, hints=HINTS)
    for view in fields:
        if view.name in ("status", "target"):
            view.widget = "radios"
    return page.render("referral_detail.html", {
        "r": referral, "history": lines, "fields": fields, "version": version,
        "form_error": (errors or {}).get("_form"), "names": sees_names(scope),
        "can_edit": staff and not gone_child, "child_deleted_line": child_line, "open_flags": open_flags,
    }, status=status)


def _kept_referral(db: sqlite_utils.Database, scope: Scope, referral_id: str) -> dict[str, Any] | None:
    return get_referral(db, scope, referral_id, deleted_child_too=True)


async def referral_detail(request: Request) -> Response:
    page = await require(request, OFFICE)
    # A deleted child's referral still opens from its kept file, read-only; a posted change still 404s.
    referral = await visible_record(page, page.request.path_params["referral_id"], "转介", _kept_referral)
    draft = await restore_draft(page) or {}
    values = {**{k: referral[k] for k in TRACK_FIELDS}, **draft}
    return await _detail(page, referral, values, base_version(draft) or referral["version"])


async def referral_save(request: Request) -> Response:
    page, form = await require_form(request, STAFF)
    referral = await _visible(page)
    posted = form_values(form)
    version = shown_version(posted)
    try:
        fields = parse_fields("referral", TRACK_FIELDS, posted)
    except FormInvalid as exc:
        return await _detail(page, referral, posted, version, errors=exc.errors, status=400)
    outcome = await edit(page, "referral", referral["id"], version, fields)
    if outcome is None:
        return page.redirect(f"/referrals/{referral['id']}", flash="没有改动。")
    if outcome.status == "rejected":
        return await _detail(page, referral, posted, version, status=400,
                             errors=refusal_errors(REFERRAL, outcome, TRACK_FIELDS))
    return page.redirect(f"/referrals/{referral['id']}", flash=saved_words(outcome))


routes: list[BaseRoute] = [
    Route("/referrals", referral_list, methods=["GET"], name="referral_list"),
    Route("/referrals/new", referral_new, methods=["GET"], name="referral_new"),
    Route("/referrals/new", referral_create, methods=["POST"], name="referral_create"),
    Route("/referrals/{referral_id}", referral_detail, methods=["GET"], name="referral_detail"),
    Route("/referrals/{referral_id}", referral_save, methods=["POST"], name="referral_save"),
]
