"""Group events (集体活动/宣讲) and enrolment figures (在校人数) for coverage.

Lectures (with their number in the series and audience), parent meetings, themed education,
class meetings and brochure distribution, each with participants, copies and online/offline; the
statistics form and lecture coverage count them. Enrolment figures are one record per unit and year:
saving figures for a unit and year that already has some changes those (a new version), never a
second record that coverage would have to choose between.
"""
from __future__ import annotations

from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync import parse_id
from sync.entities import ENROLMENT, EVENT
from sync.labels import EVENT_KINDS
from sync.mutations import delete
from sync.timeutil import local_today

from ..errors import ParamInvalid
from ..forms import FormInvalid, field_views, parse_fields, refusal_errors, whole_number
from ..queries.coverage import AUDIENCE_WORDS, LECTURE_AUDIENCES, audience_off, counts_for_coverage
from ..queries.events import PAGE_SIZE, find_enrolment, get_event, list_enrolments, list_events
from ..queries.units import get_unit, unit_options
from ..templating import chinese_date
from .form_posts import form_values, require_form, restore_draft
from .paging import page_count, page_links, page_number, past_the_end
from .path_records import visible_record
from .report_params import read_date
from .visits import OFFICE, STAFF, Visit, require
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

EVENT_FIELDS = ("unit_id", "kind", "date", "title", "lecture_no", "make_up", "audience", "participants", "copies",
                "forwarded", "online", "plan", "notes")
ENROLMENT_FIELDS = ("unit_id", "year", "students", "parents")
HINTS = {
    # 交流谈话 with one child is a visit of the pairing (面对面谈心), counted on the statistics form from
    # the activities; an event of that kind would count the same talk twice, or nowhere.
    "kind": "和一个孩子的交流谈话，请记在这个孩子的帮扶活动（面对面谈心）里，不在这里登记。",
    "lecture_no": "宣讲系列的第几讲（如第4讲心理健康、第5讲家长学校）；其他活动不填。",
    "audience": "宣讲或主题教育面向学生还是家长。",
    "participants": "到场（含线上）人次；收看微课填收看人次，教师培训填参训教师人次。",
    "copies": "发放宣传手册时填写册数。",
    "make_up": "暑假集中办班，为上半年没听到第1–3讲的学生补课时勾选；覆盖率照样计入上半年。",
    "forwarded": "收看微课时填：微课转发给了多少位学生家长；其他活动不填。",
    "plan": "这次活动的方案（目的、内容、安排），可不填。",
    "online": "线上和线下的活动同样计入统计。",
}


def _period(q: QueryParams) -> tuple[str, str]:
    """``from`` and ``to``: the current year when not asked, no bound when left empty. A date that
    cannot be read is a 400 (the totals of another period must not pass for the one asked)."""
    today = local_today()
    ends = []
    for name, label, default in (("from", "起始日期", f"{today.year}-01-01"),
                                 ("to", "截止日期", f"{today.year}-12-31")):
        raw = q.get(name)
        ends.append(default if raw is None else read_date(raw, label) if raw.strip() else "")
    date_from, date_to = ends
    if date_from and date_to and date_from > date_to:
        raise ParamInvalid(f"起始日期{chinese_date(date_from)}晚于截止日期{chinese_date(date_to)}，请调换后再试。")
    return date_from, date_to


def _lecture(q: QueryParams) -> str:
    """``lecture``: the lectures coverage counts for one of 第1–5讲, as a coverage row's figure opens them."""
    raw = q.get("lecture", "").strip()
    if raw not in ("", *map(str, LECTURE_AUDIENCES)):
        raise ParamInvalid(f"讲次只能是第{min(LECTURE_AUDIENCES)}–{max(LECTURE_AUDIENCES)}讲中的一讲。")
    return raw


async def event_list(request: Request) -> Response:
    # The county reads the lectures its coverage figures count (read-only: every write stays STAFF).
    page = await require(request, OFFICE)
    scope = await page.scope()
    q = request.query_params
    date_from, date_to = _period(q)
    filters = {"unit": q.get("unit", "")[:40], "kind": q.get("kind", "")[:40], "lecture": _lecture(q),
               "from": date_from, "to": date_to}
    number = page_number(q)
    rows, totals = await page.state.store.read(lambda db: list_events(db, scope, filters, page=number))
    units = await page.state.store.read(lambda db: unit_options(db, scope))
    pages = page_count(totals["count"], PAGE_SIZE)
    if last := past_the_end(page, number, pages):
        return last
    links = page_links(filters, number, pages)
    return page.render("event_list.html", {"rows": rows, "totals": totals, "filters": filters, "units": units,
                                           "kinds": EVENT_KINDS, "links": links, "number": number, "pages": pages,
                                           "lectures": LECTURE_AUDIENCES,
                                           "can_edit": page.actor.role in STAFF})


async def _event_form(page: Visit, values: dict[str, Any], *, event: dict[str, Any] | None = None,
                      errors: dict[str, str] | None = None, status: int = 200) -> Response:
    scope = await page.scope()
    units = await page.state.store.read(lambda db: unit_options(db, scope))
    fields = field_views("event", EVENT_FIELDS, values, errors=errors, options={"unit_id": units}, hints=HINTS,
                         labels={"make_up": "补课（暑假补上半年的第1–3讲）"})
    for view in fields:
        if view.name in ("kind", "audience"):
            view.widget = "radios"
        if view.name == "copies":
            # Never null, but left empty it is stored as 0: a lecture hands out no brochures, and the
            # browser must not hold its form until someone types 0.
            view.required = False
    return page.render("event_form.html", {
        "title": "修改集体活动" if event else "登记集体活动", "event": event, "fields": fields,
        "version": values.get("base_version", event["version"] if event else None),
        "record_id": None if event else form_record_id(values),
        "form_error": (errors or {}).get("_form"), "action": page.request.url.path,
    }, status=status)


async def event_new(request: Request) -> Response:
    page = await require(request, STAFF)
    values: dict[str, Any] = {"date": local_today().isoformat(), "kind": "lecture", "unit_id": page.actor.unit_id,
                              "participants": None, "copies": None, "online": False}
    values.update(await restore_draft(page) or {})
    return await _event_form(page, values)


async def event_create(request: Request) -> Response:
    page, form = await require_form(request, STAFF)
    posted = form_values(form)
    try:
        fields = parse_fields("event", EVENT_FIELDS, posted)
    except FormInvalid as exc:
        return await _event_form(page, posted, errors=exc.errors, status=400)
    outcome = await create_once(page, "event", fields, posted, leave_out_empty=True)
    if outcome.status == "rejected":
        return await _event_form(page, posted, status=400,
                                 errors=refusal_errors(EVENT, outcome, EVENT_FIELDS))
    scope = await page.scope()
    unit = await page.state.store.read(lambda db: get_unit(db, scope, str(fields["unit_id"])))
    return page.redirect("/events", flash=_counted_words(unit["kind"] if unit else "", fields))


# Whose events the statistics form counts (docs/design.md §2.1): a row per station and school, so a
# town's or the county's own event is in no row, and a training or micro-lesson in no column (the
# year-end summary states them). The page after saving says which, or the town sends its return up
# believing its own lecture is in it.
NO_COLUMN = ("teacher_training", "micro_lesson")


def _counted_words(unit_kind: str, fields: dict[str, Any]) -> str:
    kind, number, audience = str(fields.get("kind")), fields.get("lecture_no"), fields.get("audience")
    if unit_kind in ("town", "county"):
        return ("集体活动已登记。注意：镇（街道）、县举办的活动不计入统计表（统计表只按学校、辅导站逐行统计）；"
                "如果是学校或辅导站举办的，请点开这次活动，把“举办单位”改成那所学校或辅导站。")
    if kind in NO_COLUMN:
        return "集体活动已登记。教师培训和收看微课不计入统计表的栏目，年终总结里单独列出。"
    if counts_for_coverage(kind, number, audience):
        return "集体活动已登记，统计表和宣讲覆盖率会算上它。"
    # /coverage counts a lecture of the series for its number's audience only: say so, or a 家长会
    # leaves the teacher reading an unchanged 覆盖率 she was told it would lift.
    wanted = audience_off(kind, number, audience)
    if wanted:
        return (f"集体活动已登记，统计表会算上它；但第{number}讲是面向{AUDIENCE_WORDS[wanted]}的宣讲，这次的对象填的是"
                f"{AUDIENCE_WORDS.get(str(audience), str(audience))}，宣讲覆盖率不算它。填错了的，请点开这次活动改正。")
    return "集体活动已登记，统计表会算上它；宣讲覆盖率不算它（覆盖率只算第1–5讲的宣讲）。"


async def _visible_event(page: Visit, raw_id: str) -> dict[str, Any]:
    return await visible_record(page, raw_id, "集体活动", get_event)


async def event_edit(request: Request) -> Response:
    page = await require(request, OFFICE)
    event = await _visible_event(page, request.path_params["event_id"])
    if page.actor.role not in STAFF:  # the county reads the event; its posts are refused by role
        return page.render("event_detail.html", {"event": event})
    values = {k: event[k] for k in EVENT_FIELDS}
    values["online"], values["make_up"] = bool(values["online"]), bool(values["make_up"])
    values.update(await restore_draft(page) or {})
    return await _event_form(page, values, event=event)


async def event_save(request: Request) -> Response:
    page, form = await require_form(request, STAFF)
    event = await _visible_event(page, request.path_params["event_id"])
    posted = form_values(form)
    version = shown_version(posted)
    try:
        fields = parse_fields("event", EVENT_FIELDS, posted)
    except FormInvalid as exc:
        return await _event_form(page, posted, event=event, errors=exc.errors, status=400)
    # Numbers left empty on an edit mean zero (the fields cannot be null).
    fields = {k: (0 if v is None and k in ("participants", "copies") else v) for k, v in fields.items()}
    outcome = await edit(page, "event", event["id"], version, fields)
    if outcome is None:
        return page.redirect("/events", flash="没有改动。")
    if outcome.status == "rejected":
        return await _event_form(page, posted, event=event, status=400,
                                 errors=refusal_errors(EVENT, outcome, EVENT_FIELDS))
    return page.redirect("/events", flash=saved_words(outcome))


async def event_delete(request: Request) -> Response:
    page, form = await require_form(request, STAFF)
    if await deleted_already(page, "event", request.path_params["event_id"]):
        return page.redirect("/events", flash="已删除（删除记录保存在审计日志中）。")
    event = await _visible_event(page, request.path_params["event_id"])
    version = shown_version(form_values(form), redo="删除")
    outcome = await apply_one(page, delete("event", event["id"], base_version=version))
    if outcome.status == "rejected":
        return page.redirect(f"/events/{event['id']}", flash=f"没有删除：{outcome.reason}")
    if outcome.status == "conflict":
        return page.redirect(f"/events/{event['id']}", flash=outcome.reason or "没有删除。")
    return page.redirect("/events", flash="已删除（删除记录保存在审计日志中）。")


async def _enrolment_page(page: Visit, values: dict[str, Any], *, errors: dict[str, str] | None = None,
                          status: int = 200) -> Response:
    scope = await page.scope()
    units = await page.state.store.read(lambda db: unit_options(db, scope, kinds=("station", "school")))
    rows = await page.state.store.read(lambda db: list_enrolments(db, scope))
    fields = field_views("enrolment", ENROLMENT_FIELDS, values, errors=errors, options={"unit_id": units},
                         hints={"year": "如 2026；同一单位同一年只保存一组人数，再次保存即修改。"})
    # An edit carries the record it showed and that record's version (a new pair of numbers, neither).
    shown = (values.get("shown_id") or "", values.get("base_version") or "")
    return page.render("enrolment_list.html", {"rows": rows, "fields": fields, "shown": shown,
                                               "record_id": form_record_id(values),
                                               "form_error": (errors or {}).get("_form")}, status=status)


async def enrolment_list(request: Request) -> Response:
    page = await require(request, STAFF)
    values: dict[str, Any] = {"year": local_today().year}
    unit, year = request.query_params.get("unit", ""), request.query_params.get("year", "")
    if not unit and not year:
        # A school or station has one unit to choose: the form opens on it and this year's figures,
        # so saving is an edit of what is shown, not numbers typed blind over them (409).
        scope = await page.scope()
        units = await page.state.store.read(lambda db: unit_options(db, scope, kinds=("station", "school")))
        if len(units) == 1:
            unit, year = units[0][0], str(local_today().year)
    number = whole_number(year, digits=4)
    if unit and number is not None and len(year) == 4:
        scope = await page.scope()
        found = await page.state.store.read(lambda db: find_enrolment(db, scope, unit, number))
        values = ({**found, "shown_id": found["id"], "base_version": found["version"]} if found
                  else {"unit_id": unit, "year": int(year)})
    values.update(await restore_draft(page) or {})
    return await _enrolment_page(page, values)


async def enrolment_save(request: Request) -> Response:
    page, form = await require_form(request, STAFF)
    posted = form_values(form)
    try:
        fields = parse_fields("enrolment", ENROLMENT_FIELDS, posted)
    except FormInvalid as exc:
        return await _enrolment_page(page, posted, errors=exc.errors, status=400)
    scope = await page.scope()
    found = None
    if fields["unit_id"] and isinstance(fields["year"], int):
        unit_id, year = str(fields["unit_id"]), fields["year"]
        found = await page.state.store.read(lambda db: find_enrolment(db, scope, unit_id, year))
    version = base_version(posted)
    if found is None or (found["id"] == parse_id(posted.get("record_id")) and not posted.get("shown_id")):
        # New figures, under the id the form carries: the same form posted twice (at once, too) is
        # answered as the first post was and saved once (sync refuses a second pair for the year).
        outcome = await create_once(page, "enrolment", fields, posted, leave_out_empty=True)
    elif posted.get("shown_id") != found["id"] or version is None:
        # Numbers typed for a unit and year that already has some the person never saw (someone
        # saved them meanwhile, or the form was for another year): show those first, overwrite nothing.
        typed = {k: v for k, v in posted.items() if k in ("students", "parents")}
        words = (f"这个单位 {found['year']} 年已经填过人数（学生 {found['students']}、家长 {found['parents']}），"
                 "请核对后再保存。")
        return await _enrolment_page(page, {**found, **typed, "shown_id": found["id"],
                                            "base_version": found["version"]}, status=409, errors={"_form": words})
    else:
        numbers = {k: v for k, v in fields.items() if k in ("students", "parents")}
        edited = await edit(page, "enrolment", found["id"], version, numbers)
        if edited is None:
            return page.redirect("/enrolments", flash="没有改动。")
        outcome = edited
    if outcome.status == "conflict":
        return page.redirect("/enrolments", flash=saved_words(outcome))
    if outcome.status == "rejected":
        return await _enrolment_page(page, posted, status=400,
                                     errors=refusal_errors(ENROLMENT, outcome, ENROLMENT_FIELDS))
    return page.redirect("/enrolments", flash="在校人数已保存，宣讲覆盖率按它计算。")


routes: list[BaseRoute] = [
    Route("/events", event_list, methods=["GET"], name="event_list"),
    Route("/events/new", event_new, methods=["GET"], name="event_new"),
    Route("/events/new", event_create, methods=["POST"], name="event_create"),
    Route("/events/{event_id}", event_edit, methods=["GET"], name="event_edit"),
    Route("/events/{event_id}", event_save, methods=["POST"], name="event_save"),
    Route("/events/{event_id}/delete", event_delete, methods=["POST"], name="event_delete"),
    Route("/enrolments", enrolment_list, methods=["GET"], name="enrolment_list"),
    Route("/enrolments", enrolment_save, methods=["POST"], name="enrolment_save"),
]
