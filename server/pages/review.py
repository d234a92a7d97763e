"""The review queue (审核): approve or return activities and pairings waiting in scope.

A decision is a ``review`` mutation like any other: the engine sets the target's review state,
locks an approved activity, copies a return's comment onto the activity — which reaches the
volunteer's phone at its next sync — and refuses what the rules forbid (e.g. approving what you
wrote or entered yourself): the page then shows the engine's reason in words.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync import new_id, parse_id
from sync.entities import TEXT_MAX
from sync.labels import REVIEW_TARGETS, this

from ..access import log_access
from ..clients import client_ip
from ..errors import ParamInvalid
from ..queries.likely_visits import twins_of
from ..queries.mentors import get_mentor
from ..queries.names import sees_names
from ..queries.review import COUNT_CAP, PAGE_SIZE, mark_own, urgent_waiting, waiting_activities, waiting_pairings
from ..queries.units import unit_options
from .form_posts import form_values, require_form, restore_draft
from .paging import page_count, page_links, page_number
from .path_records import not_found
from .visits import OFFICE, Visit, require
from .writes import base_version, review_once

COMMENT_MAX = TEXT_MAX  # the write path's own bound for a review's comment


def _here(unit: str | None, number: int = 1, mentor: str | None = None) -> str:
    kept = {"unit": unit or "", "mentor": mentor or "", "page": str(number) if number > 1 else ""}
    query = urlencode({k: v for k, v in kept.items() if v})
    return "/review" + (f"?{query}" if query else "")


async def _queue(page: Visit, *, errors: dict[str, str] | None = None, comments: dict[str, str] | None = None,
                 posted: dict[str, Any] | None = None, status: int = 200) -> Response:
    """The queue; ``posted``, a decision form sent before (kept across sign-in), comes back in its
    record's form with the id and the version it showed, so it is still made once and never
    about a record changed since unseen."""
    scope = await page.scope()
    unit = page.request.query_params.get("unit", "")[:40] or None
    mentor = _mentor(page.request.query_params)
    asked = page_number(page.request.query_params)

    me = page.actor.user_id

    def read(db: Any) -> dict[str, Any] | None:
        # Narrowed to one volunteer (the stop form links here): hers in scope, found as her page is.
        whose = None if mentor is None else get_mentor(db, scope, mentor)
        if mentor is not None and whose is None:
            return None
        listed, total, returned = waiting_activities(db, scope, unit=unit, mentor=mentor)
        pages = page_count(len(listed), PAGE_SIZE)
        number = min(asked, pages)  # past the end (decided meanwhile): the last page, under its own number
        activities = listed[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
        # Pairings are few and not urgent: the first page holds them, the others name it.
        pairings, pairings_total = waiting_pairings(db, scope, unit=unit, mentor=mentor) if number == 1 else ([], 0)
        mark_own(db, me, "activity", activities)
        twins = twins_of(db, [a["id"] for a in activities])  # 可能重复: the page's 20, by index
        for a in activities:
            a["twins"] = twins.get(a["id"], [])
        mark_own(db, me, "pairing", pairings)
        return {"activities": activities, "total": total, "returned": returned, "pairings": pairings,
                "pairings_total": pairings_total, "units": unit_options(db, scope),
                "urgent": urgent_waiting(db, scope, unit=unit, mentor=mentor), "number": number, "pages": pages,
                "first": (number - 1) * PAGE_SIZE + 1, "listed": len(listed), "mentor": whose}

    # A county's queue reads on the reports pool, so it never holds up a phone's sync.
    data = await page.state.store.read(read, pool="reports", time_limit_ms=page.state.settings.report_time_limit_ms)
    if data is None:
        raise not_found("志愿者")
    shown = {a["id"] for a in data["activities"]} | {p["id"] for p in data["pairings"]}
    # The queue shows each waiting visit whole (事前准备, 过程记录, 事后跟踪): a look at up to 200
    # children's records is logged as one opened by its own page is.
    counts = {k: v for k, v in (("activity", len(data["activities"])), ("pairing", len(data["pairings"]))) if v}
    if counts:
        actor, ip, where = page.actor, client_ip(page.request), unit or page.actor.unit_id
        await page.state.store.write(lambda db: log_access(db, actor, "view_review_queue", where, entities=counts,
                                                           ip=ip))
    # A refusal about a record that is not in this queue (not yours, or decided meanwhile) goes on top.
    errors = {k if k in shown or k == "_form" else "_form": v for k, v in (errors or {}).items()}
    kept_ids: dict[str, str] = {}
    kept_versions: dict[str, int] = {}
    target = parse_id((posted or {}).get("target_id"))
    if posted and target is not None and target in shown:
        kept_ids = {target: parse_id(posted.get("record_id")) or new_id()}
        version = base_version(posted, "target_version")
        kept_versions = {} if version is None else {target: version}
        comments = {target: str(posted.get("comment") or ""), **(comments or {})}
    elif posted and str(posted.get("comment") or "").strip():  # decided meanwhile: the words, not the form
        errors.setdefault("_form", "登录前写的审核意见没有保存：那条记录已不在待审核列表里（可能已有人审核）。"
                                   f"您写的是：{str(posted['comment']).strip()}")
    return page.render("review_queue.html", {
        **data, "unit": unit or "", "errors": errors, "comments": comments or {}, "names": sees_names(scope),
        "me": page.actor.user_id, "action": _here(unit, data["number"], mentor), "count_cap": COUNT_CAP,
        "links": page_links({"unit": unit or "", "mentor": mentor or ""}, data["number"], data["pages"]),
        "first_page": _here(unit, mentor=mentor), "whole_queue": _here(unit),
        # Each decision form names the review it makes: posted twice (a double tap), it is made once.
        "form_ids": {record_id: new_id() for record_id in shown} | kept_ids, "versions": kept_versions,
    }, status=status)


async def review_queue(request: Request) -> Response:
    page = await require(request, OFFICE)
    return await _queue(page, posted=await restore_draft(page))


async def review_decide(request: Request) -> Response:
    page, form = await require_form(request, OFFICE)
    values = form_values(form)
    target_entity = str(values.get("target_entity") or "")
    target_id = parse_id(values.get("target_id"))
    decision = str(values.get("decision") or "")
    comment = str(values.get("comment") or "").strip()
    key = target_id or ""
    if target_entity not in ("activity", "pairing") or target_id is None or decision not in ("approve", "return"):
        return await _queue(page, errors={"_form": "审核表单不完整，请刷新页面后重试。"}, status=400)
    if len(comment) > COMMENT_MAX:  # refused whole, never cut short behind the reviewer's back
        return await _queue(page, errors={key: f"审核意见太长了（{len(comment)} 字），请缩短到 {COMMENT_MAX} 字以内。"},
                            posted=values, status=400)
    if decision == "return" and not comment:
        return await _queue(page, errors={key: "退回时请写明原因，志愿者会在手机上看到这条意见。"},
                            posted=values, status=400)
    fields: dict[str, Any] = {"target_entity": target_entity, "target_id": target_id, "decision": decision,
                              "target_version": base_version(values, "target_version"), "comment": comment or None}
    outcome, decision = await review_once(page, fields, values)
    if outcome.status != "applied":
        return await _queue(page, errors={key: f"没有保存：{outcome.reason}"}, comments={key: comment}, status=400)
    what = REVIEW_TARGETS[target_entity]
    if decision == "approve":
        words = f"已通过{this(what)}" + ("，记录已锁定。" if target_entity == "activity" else "。")
    else:
        words = f"已退回{this(what)}" + (
            "；志愿者的手机下次同步时会看到退回意见。" if target_entity == "activity" else "。")
    params = page.request.query_params
    return page.redirect(_here(params.get("unit", "")[:40] or None, page_number(params), _mentor(params)),
                         flash=words)


def _mentor(params: QueryParams) -> str | None:
    """The volunteer the queue is narrowed to (``mentor``), or None; one not to be read is a 400 in words."""
    raw = params.get("mentor", "").strip()
    if not raw:
        return None
    mentor = parse_id(raw)
    if mentor is None:
        raise ParamInvalid("网址里的志愿者读不懂，请从志愿者页面上的链接进入。")
    return mentor


routes: list[BaseRoute] = [
    Route("/review", review_queue, methods=["GET"], name="review_queue"),
    Route("/review", review_decide, methods=["POST"], name="review_decide"),
]
