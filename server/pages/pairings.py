"""Pairings (结对): the archive browser, pairing a volunteer with a child, changing and ending a pairing.

Every change is one mutation through ``sync``: the volunteer's phone gains the child (and the
child's history) at its next sync when paired, and drops them when the pairing ends or passes to
another volunteer. The pairing page itself (the archive) is ``archives.py``.
"""
from __future__ import annotations

import functools
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync import NotAllowed, parse_id
from sync.entities import PAIRING
from sync.labels import ACTIVITY_KINDS, CATEGORIES, PAIRING_STATUSES, RISK_LEVELS
from sync.mutations import upsert
from sync.stopped_pairings import end_stopped_pairings, stopped_pairings
from sync.stopping import EndPairings, PairingsChanged
from sync.timeutil import local_today

from ..access import log_access
from ..clients import client_ip
from ..forms import FormInvalid, field_views, parse_fields, refusal_errors
from ..queries.archive_records import activities_after
from ..queries.archives import DELETED, FILTERS, PAGE_SIZE, RUNNING, get_pairing, list_pairings
from ..queries.names import sees_names, user_names
from ..queries.pickers import mentee_categories, mentee_options, mentor_choices, mentor_options
from ..queries.units import unit_options
from ..templating import chinese_date
from .form_posts import form_values, require_form, restore_draft
from .history import deletion_line
from .links import came_from
from .list_search import search_posted, search_words
from .paging import page_count, page_links, page_number, past_the_end
from .pairing_meanwhile import made_meanwhile, shown_at
from .path_records import visible_record
from .pickers import FIND, attach_finder, child_finder, found, search_text
from .shown import log_shown
from .stopping import TICK, read_end
from .visits import OFFICE, STAFF, Visit, require
from .writes import (
    apply_one,
    base_version,
    create_once,
    edit,
    form_record_id,
    made_already,
    saved_words,
    shown_version,
)

NEW_FIELDS = ("mentor_id", "mentee_id", "approach", "start_date", "goals")
EDIT_FIELDS = ("mentor_id", "approach", "start_date", "goals")
END_FIELDS = ("end_date", "outcome")
# The mentee's first category suggests the approach (docs/design.md §2: 心理行为问题 → 扶心扶志 …).
APPROACH_FOR = {"psych": "fuxin", "hardship": "zhuxue", "left_behind": "guanai"}
# The volunteer picker's search box, beside the child picker's ``q`` on the new form.
MENTOR_SEARCH = "q_mentor"
FIND_MENTOR: dict[str, str] = {"noun": "位志愿者", "label": "查找志愿者：姓名或所在单位", "param": MENTOR_SEARCH}
# The new form's hidden note of the child whose pairings with stopped volunteers it listed (the
# stop form's ``end_pairings`` box, ``pairing`` id:version items and ``end_date`` beside it).
STOPPED_FOR = "stopped_for"


async def pairing_list(request: Request) -> Response:
    page = await require(request, OFFICE)
    scope = await page.scope()
    filters = {k: request.query_params.get(k, "").strip()[:100] for k in FILTERS}
    filters["q"], carried = await search_words(page)
    number = page_number(request.query_params)
    today = local_today()

    def read(db: Any) -> dict[str, Any]:
        rows, total = list_pairings(db, scope, filters, page=number, today=today)
        for row in rows:  # a kept archive says whose deletion keeps it out of every count, and when
            gone = ("mentee", row["mentee_id"]) if row["mentee_deleted"] else ("pairing", row["id"])
            row["deleted_line"] = deletion_line(db, *gone) if row["deleted"] or row["mentee_deleted"] else None
        return {"rows": rows, "total": total, "towns": unit_options(db, scope, kinds=("town",)),
                "units": unit_options(db, scope, kinds=("station", "school")), "mentors": mentor_options(db, scope)}

    # A county-wide search reads on the reports pool, so it never holds up a phone's sync.
    data = await page.state.store.read(read, pool="reports", time_limit_ms=page.state.settings.report_time_limit_ms)
    pages = page_count(data["total"], PAGE_SIZE)
    if last := past_the_end(page, number, pages):
        return last
    # Each row names the child (to staff) or their code, risk level and category: the archive browser
    # is a look at many children's files at once, logged as one row with how many it showed.
    asked = parse_id(filters["unit"]) or parse_id(filters["town"]) or page.actor.unit_id
    await log_shown(page, "view_pairing_list", asked, {"pairing": len(data["rows"])})
    links = page_links({k: v for k, v in filters.items() if k != "q"} | carried, number, pages)
    return page.render("pairing_list.html", {
        **data, "filters": filters, "number": number, "pages": pages, "links": links,
        "categories": CATEGORIES, "risk_levels": RISK_LEVELS,
        "statuses": {RUNNING: "在结对（已开始、未结束）", **PAIRING_STATUSES, DELETED: "已删除"},
        "names": sees_names(scope), "can_pair": page.actor.role in STAFF,
    })


async def pairing_search(request: Request) -> Response:
    """The archive list's filter form, posted: the searched name stays out of the address (pages/list_search)."""
    return await search_posted(request, OFFICE)


async def _pairing_form(page: Visit, values: dict[str, Any], *, errors: dict[str, str] | None = None,
                        status: int = 200) -> Response:
    scope = await page.scope()
    q, keep = search_text(values), values.get("mentee_id")
    q_mentor, mentor = search_text(values, MENTOR_SEARCH), values.get("mentor_id")
    child = parse_id(keep)
    mentors, children, stopped = await page.state.store.read(lambda db: (
        mentor_choices(db, scope, q=q_mentor, keep=mentor), mentee_options(db, scope, q=q, keep=keep),
        stopped_pairings(db, scope, child) if child else []))
    # The child picker names every child still helped in scope (past the cap, those found), with their code.
    await log_shown(page, "view_mentee_choices", page.actor.unit_id, {"mentee": len(children.options)})
    fields = field_views("pairing", NEW_FIELDS, values, errors=errors,
                         options={"mentor_id": mentors.options, "mentee_id": children.options},
                         hints={"mentor_id": "只列出本单位（及下属单位）在册的五老志愿者。",
                                "mentee_id": "尚未结对的孩子排在前面。"})
    attach_finder(fields, "mentor_id", mentors, q_mentor, **FIND_MENTOR)
    attach_finder(fields, "mentee_id", children, q, **child_finder(sees_names(scope)))
    return page.render("pairing_form.html", {
        "title": "结对", "fields": fields, "form_error": (errors or {}).get("_form"),
        "action": page.request.url.path, "no_options": not mentors.total or not children.total,
        "record_id": form_record_id(values), "stopped": _stopped_box(values, child, stopped),
        "shown_at": shown_at(values), "came_from": came_from(page.request, children.options),
    }, status=status)


def _stopped_box(values: dict[str, Any], child: str | None, pairings: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The new form's box ending the child's pairings with stopped volunteers: ticked unless the
    person unticked it on this form for this child (shown again after a refusal or a 查找)."""
    if not pairings or child is None:
        return None
    same = values.get(STOPPED_FOR) == child
    return {"pairings": pairings, "mentee_id": child, "today": local_today().isoformat(),
            "ticked": bool(values.get(TICK)) if same else True,
            "draft": {"end_date": values.get("end_date") if same else None}}


def _stopped_end(posted: dict[str, Any], mentee_id: str) -> EndPairings | None:
    """What the posted box asks to end (None: unticked). Its list is of the child it was shown for:
    for another child chosen since, none was shown, so any running one refuses the write."""
    end = read_end(posted)
    if end is None or posted.get(STOPPED_FOR) == mentee_id:
        return end
    return EndPairings({}, end.end_date)


STOPPED_ASK = ("这个孩子还在与账号已停用的志愿者结对（见下方）。请决定是否同时结束原来的结对，再点保存；"
               "这次什么都没有保存。")


async def pairing_new(request: Request) -> Response:
    page = await require(request, STAFF)
    values: dict[str, Any] = {"start_date": local_today().isoformat()}
    for key in ("mentee_id", "mentor_id", "q", MENTOR_SEARCH):
        if request.query_params.get(key):
            values[key] = request.query_params[key]
    if values.get("mentee_id"):
        scope = await page.scope()
        mentee_id = values["mentee_id"]
        categories = await page.state.store.read(lambda db: mentee_categories(db, scope, mentee_id))
        if categories:
            values["approach"] = APPROACH_FOR.get(categories[0])
    values.update(await restore_draft(page) or {})
    return await _pairing_form(page, values)


async def pairing_create(request: Request) -> Response:
    page, form = await require_form(request, STAFF)
    posted = form_values(form)
    if FIND in posted:  # 查找 beside the child picker: back to the form, narrowed, nothing saved
        return await found(page, posted)
    try:
        fields = parse_fields("pairing", NEW_FIELDS, posted)
    except FormInvalid as exc:
        return await _pairing_form(page, posted, errors=exc.errors, status=400)
    actor, mentee_id = page.actor, str(fields.get("mentee_id") or "")
    if posted.get(STOPPED_FOR) != mentee_id:
        # The child was picked in the list, so the form never asked about a pairing with a stopped
        # volunteer: saved as it is, the child would have two running pairings, one visited by nobody.
        scope = await page.scope()
        if await page.state.store.read(lambda db: stopped_pairings(db, scope, mentee_id)):
            return await _pairing_form(page, posted, errors={"_form": STOPPED_ASK}, status=409)
    ended: list[str] = []

    def end_old(db: Any, end: EndPairings) -> None:
        ended[:] = end_stopped_pairings(db, actor, mentee_id, end)  # a write may run twice: the last run counts

    try:
        end = _stopped_end(posted, mentee_id)
        # The old pairings end in the write that creates the new one, only when it does (a post
        # again creates nothing and ends nothing): both or neither.
        then = None if end is None else functools.partial(end_old, end=end)
        outcome = await create_once(page, "pairing", fields, posted, leave_out_empty=True, then=then)
    except NotAllowed as exc:
        status = 409 if isinstance(exc, PairingsChanged) else 400
        return await _pairing_form(page, posted, errors={"_form": exc.reason}, status=status)
    if outcome.status == "rejected":
        return await _pairing_form(page, posted, errors=refusal_errors(PAIRING, outcome, NEW_FIELDS),
                                   status=400)
    words = "已结对。志愿者的手机下次同步时会收到这个孩子的档案。"
    if ended:
        words += f"同时结束了这个孩子与已停用志愿者的 {len(ended)} 个结对（结束原因：志愿者停止服务）。"
    record_id = str(outcome.record_id)
    meanwhile = await page.state.store.read(lambda db: made_meanwhile(db, posted, mentee_id, record_id))
    if meanwhile:  # saved all the same: a child may have several volunteers
        return page.redirect(f"/pairings/{record_id}", flash=words + meanwhile,
                             link=(f"/mentees/{mentee_id}", "打开孩子的档案"))
    return page.redirect(f"/pairings/{record_id}", flash=words)


async def _visible_pairing(page: Visit, raw_id: str) -> dict[str, Any]:
    return await visible_record(page, raw_id, "结对", get_pairing)


async def _edit_form(page: Visit, pairing: dict[str, Any], values: dict[str, Any], version: int, *,
                     errors: dict[str, str] | None = None, status: int = 200) -> Response:
    # The form shows the child's goals (帮扶目标), as the archive does: logged like the child's and a
    # visit's edit forms, on every showing, the form shown again after a refused change too.
    actor, ip = page.actor, client_ip(page.request)
    await page.state.store.write(lambda db: log_access(db, actor, "edit_pairing", pairing["id"],
                                                       entities={"pairing": 1}, ip=ip))
    scope = await page.scope()
    q_mentor, mentor = search_text(values, MENTOR_SEARCH), values.get("mentor_id")
    mentors = await page.state.store.read(lambda db: mentor_choices(db, scope, q=q_mentor, keep=mentor))
    fields = field_views("pairing", EDIT_FIELDS, values, errors=errors, options={"mentor_id": mentors.options},
                         hints={"mentor_id": "换一位志愿者：原志愿者的手机下次同步时移除这个孩子，"
                                             "新志愿者的手机收到档案。"})
    attach_finder(fields, "mentor_id", mentors, q_mentor, **FIND_MENTOR)
    return page.render("pairing_form.html", {
        "title": "修改结对", "pairing": pairing, "fields": fields, "version": version,
        "form_error": (errors or {}).get("_form"), "action": page.request.url.path, "no_options": False,
    }, status=status)


async def pairing_edit(request: Request) -> Response:
    page = await require(request, STAFF)
    pairing = await _visible_pairing(page, request.path_params["pairing_id"])
    draft = await restore_draft(page) or {}
    values = {**{k: pairing[k] for k in EDIT_FIELDS}, **draft}
    return await _edit_form(page, pairing, values, base_version(draft) or pairing["version"])


async def pairing_save(request: Request) -> Response:
    page, form = await require_form(request, STAFF)
    pairing = await _visible_pairing(page, request.path_params["pairing_id"])
    posted = form_values(form)
    version = shown_version(posted)
    if FIND in posted:  # 查找 beside the volunteer picker: back to the form, narrowed, nothing saved
        return await found(page, posted)
    try:
        fields = parse_fields("pairing", EDIT_FIELDS, posted)
    except FormInvalid as exc:
        return await _edit_form(page, pairing, posted, version, errors=exc.errors, status=400)
    outcome = await edit(page, "pairing", pairing["id"], version, fields)
    if outcome is None:
        return page.redirect(f"/pairings/{pairing['id']}", flash="没有改动。")
    if outcome.status == "rejected":
        return await _edit_form(page, pairing, posted, version, status=400,
                                errors=refusal_errors(PAIRING, outcome, EDIT_FIELDS))
    return page.redirect(f"/pairings/{pairing['id']}", flash=saved_words(outcome) + await _handed_over(page, pairing))


async def _handed_over(page: Visit, before: dict[str, Any]) -> str:
    """A running pairing given to another volunteer (a volunteer falls ill at term start): which phone
    drops the child and which receives them, and that the visits made so far stay the former one's."""
    def read(db: Any) -> tuple[str | None, str, dict[str, str]]:
        row = db.execute("SELECT mentor_id, status FROM pairings WHERE id = ?", [before["id"]]).fetchone()
        return row[0], row[1], user_names(db, {before["mentor_id"], row[0]})

    now, status, names = await page.state.store.read(read)
    if now == before["mentor_id"] or status != "active" or now is None:
        return ""
    old, new = names.get(before["mentor_id"], ""), names.get(now, "")
    return (f"孩子改由{new}帮扶：{old}的手机下次同步时不再有这个孩子的档案，{new}的手机下次同步时收到孩子和以往的"
            f"帮扶记录；以往的帮扶记录仍记在{old}名下。")


async def _end_form(page: Visit, pairing: dict[str, Any], values: dict[str, Any], *,
                    errors: dict[str, str] | None = None, status: int = 200) -> Response:
    await log_shown(page, "end_pairing", pairing["id"], {"pairing": 1})  # the child's name, the volunteer
    fields = field_views("pairing", END_FIELDS, values, errors=errors, labels={"outcome": "结束时的情况"})
    fields[1].widget = "radios"
    fields[1].required = True
    scope, today = await page.scope(), local_today().isoformat()
    # Visits dated after today (a slip of the day): the pairing cannot end before them, so the page
    # names each with a link to correct it before the form is sent.
    ahead = await page.state.store.read(lambda db: activities_after(db, scope, pairing["id"], today))
    return page.render("pairing_end.html", {
        "pairing": pairing, "fields": fields, "version": values.get("base_version", pairing["version"]),
        "ahead": ahead, "kinds": ACTIVITY_KINDS,
        "form_error": (errors or {}).get("_form"), "names": sees_names(await page.scope()),
    }, status=status)


async def pairing_end(request: Request) -> Response:
    page = await require(request, STAFF)
    pairing = await _visible_pairing(page, request.path_params["pairing_id"])
    values = {"end_date": local_today().isoformat(), **(await restore_draft(page) or {})}
    return await _end_form(page, pairing, values)


async def pairing_close(request: Request) -> Response:
    page, form = await require_form(request, STAFF)
    pairing = await _visible_pairing(page, request.path_params["pairing_id"])
    posted = form_values(form)
    version = shown_version(posted, redo="提交")
    try:
        fields = parse_fields("pairing", END_FIELDS, posted)
    except FormInvalid as exc:
        return await _end_form(page, pairing, posted, errors=exc.errors, status=400)
    if pairing["status"] != "active":
        # The same form sent again (结束结对 clicked twice): answered as the first post was, so the
        # person still lands where it led (for 转介, the referral to register), not on an error.
        actor, closed = page.actor, {**fields, "status": "closed"}
        if await page.state.store.read(lambda db: made_already(db, actor, "pairing", pairing["id"], version, closed)):
            return _closed(page, pairing, fields)
        return await _end_form(page, pairing, posted, errors={"_form": "这个结对已经结束了。"}, status=400)
    missing = {k: f"请填写“{PAIRING.by_name[k].label if k != 'outcome' else '结束时的情况'}”。"
               for k in END_FIELDS if fields.get(k) is None}
    if not missing and str(fields["end_date"]) < pairing["start_date"]:
        missing["end_date"] = f"结束日期不能早于开始日期（{chinese_date(pairing['start_date'])}）。"
    elif not missing and str(fields["end_date"]) > local_today().isoformat():
        # The pairing closes now (the child leaves the volunteer's phone today): a later day would
        # count its outcome in a period still to come, as stopping a volunteer refuses too.
        missing["end_date"] = "结束日期不能晚于今天：结对现在就会结束。"
    if missing:
        return await _end_form(page, pairing, posted, errors=missing, status=400)
    outcome = await apply_one(page, upsert("pairing", {**fields, "status": "closed"}, pairing["id"],
                                           base_version=version))
    if outcome.status == "rejected":
        return await _end_form(page, pairing, posted, status=400,
                               errors=refusal_errors(PAIRING, outcome, END_FIELDS))
    return _closed(page, pairing, fields)


def _closed(page: Visit, pairing: dict[str, Any], fields: dict[str, Any]) -> Response:
    words = "结对已结束；志愿者的手机下次同步时会移除这个孩子的档案。"
    if fields["outcome"] == "referred":
        return page.redirect(f"/referrals/new?mentee_id={pairing['mentee_id']}",
                             flash=words + "请登记转介去向，跟踪到转介结束。")
    return page.redirect(f"/pairings/{pairing['id']}", flash=words)


routes: list[BaseRoute] = [
    Route("/pairings", pairing_list, methods=["GET"], name="pairing_list"),
    Route("/pairings", pairing_search, methods=["POST"], name="pairing_search"),
    Route("/pairings/new", pairing_new, methods=["GET"], name="pairing_new"),
    Route("/pairings/new", pairing_create, methods=["POST"], name="pairing_create"),
    Route("/pairings/{pairing_id}/edit", pairing_edit, methods=["GET"], name="pairing_edit"),
    Route("/pairings/{pairing_id}/edit", pairing_save, methods=["POST"], name="pairing_save"),
    Route("/pairings/{pairing_id}/end", pairing_end, methods=["GET"], name="pairing_end"),
    Route("/pairings/{pairing_id}/end", pairing_close, methods=["POST"], name="pairing_close"),
]
