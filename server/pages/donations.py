"""爱心捐助 (donations, Rudong notice 三: 发动社会各界人士、离退休干部捐物捐款): the child's unit's staff
record money and goods a family received; the unit, the town and the county read the totals of a
period (受助学生 N 人, 捐款 N 元, 捐物 N 件) by unit.

Money is typed in 元 (whole or two decimals) and sent in whole 分 (``sync.entities.DONATION``). Every
view of a donation or of the per-child totals is written to the access log: it says what a family in
hardship was given. A donation never reaches a volunteer's phone.
"""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync import parse_id
from sync.entities import DONATION, DONATION_MAX_FEN
from sync.mutations import delete
from sync.timeutil import local_today

from ..access import log_access
from ..clients import client_ip
from ..forms import FieldView, FormInvalid, field_views, parse_fields, refusal_errors
from ..money import fen_of, yuan, yuan_figure
from ..queries.donations import donation_totals, get_donation, hand_options
from ..queries.names import reads_private, sees_names
from ..queries.pickers import mentee_options
from ..queries.units import unit_options
from .form_posts import form_values, require_form, restore_draft
from .history import history_lines
from .path_records import not_found, visible_record
from .pickers import FIND, attach_finder, child_finder, found, search_text
from .report_params import read_dates, read_unit, read_year, year_choices
from .shown import log_shown
from .visits import CHILD_FILE, OFFICE, Visit, require
from .writes import (
    apply_one,
    base_version,
    create_once,
    deleted_already,
    edit,
    form_record_id,
    saved_words,
    shown_version,
)

BODY = ("date", "amount_fen", "goods", "items", "donor", "handed_by", "notes")
NEW_FIELDS = ("mentee_id", *BODY)
LABELS = {"amount_fen": "捐款（元）"}
HINTS = {
    "amount_fen": "填元，可到角分，如 500 或 50.50；只捐物时留空。",
    "goods": "如：冬衣、书包和学习用品；只捐款时留空。",
    "items": "捐物共多少件，县里按件统计。",
    "donor": "如：县老干部局离退休干部；不愿留名的写“匿名”。",
    "handed_by": "谁把钱物送到孩子家里（可不选）。",
}
BAD_SUM = "“捐款（元）”请填金额，如 500 或 50.50（最多两位小数，不能是负数）。"


def parse_yuan(raw: Any) -> int | None:
    """The 捐款 typed in 元 as whole 分 (``money.fen_of``); ``FormInvalid`` beside the field otherwise."""
    try:
        fen = fen_of(raw)
    except ValueError:
        raise FormInvalid({"amount_fen": BAD_SUM}) from None
    if fen is None:
        return None
    if fen > DONATION_MAX_FEN:
        raise FormInvalid({"amount_fen": f"“捐款（元）”超过一次捐助的上限 {yuan(DONATION_MAX_FEN)}，"
                                         "请核对是不是多写了零。"})
    return fen


def _parse(posted: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    others = tuple(n for n in names if n != "amount_fen")
    errors: dict[str, str] = {}
    fields: dict[str, Any] = {}
    try:
        fields["amount_fen"] = parse_yuan(posted.get("amount_fen"))
    except FormInvalid as exc:
        errors.update(exc.errors)
    try:
        fields.update(parse_fields("donation", others, posted))
    except FormInvalid as exc:
        errors.update(exc.errors)
    if errors:
        raise FormInvalid(errors)
    return fields


def _views(names: tuple[str, ...], values: dict[str, Any], hands: list[tuple[str, str]],
           errors: dict[str, str] | None) -> list[FieldView]:
    views = field_views("donation", names, values, errors=errors, options={"handed_by": hands},
                        hints=HINTS, labels=LABELS)
    for view in views:
        if view.name == "amount_fen":
            view.widget = "input"  # 元 with decimals: not the whole-number box
            if isinstance(view.value, int):
                view.value = yuan_figure(view.value).replace(",", "")
    return views


async def _new_form(page: Visit, values: dict[str, Any], *, errors: dict[str, str] | None = None,
                    status: int = 200) -> Response:
    scope = await page.scope()
    q, keep = search_text(values), values.get("mentee_id")
    child = parse_id(keep)
    # No ``keep`` for the 转交人: a new donation has none stored, and a posted one is only what the
    # browser sent (a forged id would be listed by name, whoever and wherever that person is).
    mentees, hands = await page.state.store.read(
        lambda db: (mentee_options(db, scope, q=q, keep=keep), hand_options(db, scope, child)))
    await log_shown(page, "view_mentee_choices", page.actor.unit_id, {"mentee": len(mentees.options)})
    fields = _views(NEW_FIELDS, values, hands, errors)
    fields[0].options = mentees.options
    attach_finder(fields, "mentee_id", mentees, q, **child_finder(sees_names(scope)))
    return page.render("donation_form.html", {
        "title": "登记爱心捐助", "fields": fields, "form_error": (errors or {}).get("_form"),
        "action": page.request.url.path, "record_id": form_record_id(values), "back": values.get("mentee_id"),
    }, status=status)


async def donation_new(request: Request) -> Response:
    page = await require(request, CHILD_FILE)
    values: dict[str, Any] = {"date": local_today().isoformat()}
    for key in ("mentee_id", "q"):
        if request.query_params.get(key):
            values[key] = request.query_params[key]
    values.update(await restore_draft(page) or {})
    return await _new_form(page, values)


async def donation_create(request: Request) -> Response:
    page, form = await require_form(request, CHILD_FILE)
    posted = form_values(form)
    if FIND in posted:  # 查找 beside the child picker: back to the form, narrowed, nothing saved
        return await found(page, posted)
    try:
        fields = _parse(posted, NEW_FIELDS)
    except FormInvalid as exc:
        return await _new_form(page, posted, errors=exc.errors, status=400)
    outcome = await create_once(page, "donation", fields, posted, leave_out_empty=True)
    if outcome.status == "rejected":
        return await _new_form(page, posted, status=400, errors=refusal_errors(DONATION, outcome, NEW_FIELDS))
    return page.redirect(f"/mentees/{fields['mentee_id']}#donations", flash="爱心捐助已登记。")


async def _detail(page: Visit, d: dict[str, Any], values: dict[str, Any], version: int, *,
                  errors: dict[str, str] | None = None, status: int = 200) -> Response:
    scope = await page.scope()
    lines, hands = await page.state.store.read(lambda db: (
        history_lines(db, "donation", d["id"]), hand_options(db, scope, d["mentee_id"], d["handed_by"])))
    # Logged on every showing, the form shown again after a refused edit or delete too: a post with
    # a bad sum shows the donation and its history as the page does.
    actor, ip = page.actor, client_ip(page.request)
    await page.state.store.write(lambda db: log_access(db, actor, "view_donation", d["id"],
                                                       entities={"donation": 1}, ip=ip))
    can_edit = page.actor.role in CHILD_FILE and not d["mentee_deleted"]
    if not reads_private(page.actor.role):
        # The 备注 may tell of the family (父亲住院): the county reads the record without it, its history too.
        for line in lines:
            line["changes"] = [c for c in line["changes"] if c[0] != DONATION.by_name["notes"].label]
    return page.render("donation_detail.html", {
        "d": d, "history": lines, "fields": _views(BODY, values, hands, errors), "version": version,
        "form_error": (errors or {}).get("_form"), "names": sees_names(scope), "can_edit": can_edit,
    }, status=status)


async def donation_detail(request: Request) -> Response:
    page = await require(request, OFFICE)
    d = await visible_record(page, request.path_params["donation_id"], "爱心捐助", get_donation)
    draft = await restore_draft(page) or {}
    values = {**{k: d[k] for k in BODY}, **draft}
    return await _detail(page, d, values, base_version(draft) or d["version"])


async def donation_save(request: Request) -> Response:
    page, form = await require_form(request, CHILD_FILE)
    posted = form_values(form)
    if posted.get("action") == "delete" and await deleted_already(page, "donation", request.path_params["donation_id"]):
        return page.redirect("/donations", flash="爱心捐助记录已删除。")
    d = await visible_record(page, request.path_params["donation_id"], "爱心捐助", get_donation)
    if d["mentee_deleted"]:
        raise not_found("爱心捐助")
    if posted.get("action") == "delete":
        version = shown_version(posted, redo="删除")
        outcome = await apply_one(page, delete("donation", d["id"], base_version=version))
        if outcome.status == "applied":
            return page.redirect(f"/mentees/{d['mentee_id']}#donations", flash="爱心捐助记录已删除。")
        if outcome.status == "conflict":
            return page.redirect(f"/donations/{d['id']}", flash=outcome.reason)
        return await _detail(page, d, d, version, errors={"_form": outcome.reason or ""}, status=400)
    version = shown_version(posted)
    try:
        fields = _parse(posted, BODY)
    except FormInvalid as exc:
        return await _detail(page, d, posted, version, errors=exc.errors, status=400)
    edited = await edit(page, "donation", d["id"], version, fields)
    if edited is None:
        return page.redirect(f"/donations/{d['id']}", flash="没有改动。")
    if edited.status == "rejected":
        return await _detail(page, d, posted, version, status=400, errors=refusal_errors(DONATION, edited, BODY))
    return page.redirect(f"/donations/{d['id']}", flash=saved_words(edited))


async def donation_totals_page(request: Request) -> Response:
    """The totals of a period (a year by default) under a unit: by station and school, and per child
    by code (the name for staff only) for the roles that read children at all."""
    page = await require(request, OFFICE)
    scope = await page.scope()
    q = request.query_params
    year = read_year(q)
    date_from, date_to = read_dates(q, f"{year}-01-01", f"{year}-12-31")
    unit_id = read_unit(q, page.actor)
    if not scope.allows_unit(unit_id):
        raise not_found("单位")
    data, units = await page.state.store.read(
        lambda db: (donation_totals(db, scope, date_from, date_to, unit_id), unit_options(db, scope)))
    if not any(u == unit_id for u, _ in units):
        raise not_found("单位")
    await log_shown(page, "view_donation_totals", unit_id, {"donation": int(data["total"]["count"])})
    return page.render("donation_totals.html", {
        **data, "date_from": date_from, "date_to": date_to, "unit_id": unit_id, "units": units, "year": year,
        "years": year_choices(year), "whole_year": (date_from, date_to) == (f"{year}-01-01", f"{year}-12-31"),
        "names": sees_names(scope), "can_give": page.actor.role in CHILD_FILE,
    })


routes: list[BaseRoute] = [
    Route("/donations", donation_totals_page, methods=["GET"], name="donation_totals"),
    Route("/donations/new", donation_new, methods=["GET"], name="donation_new"),
    Route("/donations/new", donation_create, methods=["POST"], name="donation_create"),
    Route("/donations/{donation_id}", donation_detail, methods=["GET"], name="donation_detail"),
    Route("/donations/{donation_id}", donation_save, methods=["POST"], name="donation_save"),
]
