"""``/returns``: a unit files (报送) its statistics form for a period; the level above approves or
returns it. An approved return is locked and keeps the figures it was approved with (frozen by
the engine in the approval's own transaction, ``sync/returns.py``); its page compares them
with the records as they are now and lists every number that has changed since.

Who does what on these pages: staff of the return's own unit (and the admin) save, submit and
withdraw it; a person whose unit is above it (town staff, the county reviewer) or the admin
reviews it. The engine has the last word on every change (a rejected mutation's reason is shown).
"""
from __future__ import annotations

import datetime
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync import Actor, Scope, apply_mutations, mutations, new_id, parse_id
from sync.account_values import telephone_problem
from sync.labels import RETURN_STATUSES
from sync.timeutil import local_today
from sync.users import get_user

from ..deadlines import periods_due
from ..errors import Forbidden, ParamInvalid
from ..exports import Filler, title_of
from ..queries.measures import MEASURES
from ..queries.returns import PAGE_SIZE, find_return, get_return, list_returns
from ..queries.stats import compute_stats
from ..queries.stats_form import StatsForm, compare_forms, form_from_json
from ..queries.units import get_unit
from ..queries.versions import values_at
from ..templating import chinese_date, local_time
from .form_posts import form_values, require_form, restore_draft
from .paging import page_count, page_links, page_number, past_the_end
from .path_records import not_found, visible_record
from .report_params import quick_periods, read_report_query
from .stats import csv_file, log_export, may_file, xlsx_file
from .visits import OFFICE, REVIEWERS, Visit, require
from .writes import apply_one, base_version, made_already, review_once, saved_words, shown_version

EDITABLE = ("draft", "returned")


def may_review(actor: Actor, unit_id: str) -> bool:
    """The level above: any unit over the return's (it is in scope), never the unit itself."""
    return actor.role == "admin" or (actor.role in ("staff", "reviewer") and actor.unit_id != unit_id)


async def _load(visit: Visit, raw_id: str) -> tuple[dict[str, Any], Scope]:
    found = await visible_record(visit, raw_id, "统计表报送", get_return)
    return found, await visit.scope()


async def _forms(visit: Visit, ret: dict[str, Any], scope: Scope) -> tuple[StatsForm, StatsForm | None]:
    """(the form to show, the current form when the shown one is frozen)."""
    state = visit.state
    current = await state.store.read(
        lambda db: compute_stats(db, scope, ret["unit_id"], ret["period_from"], ret["period_to"]),
        pool="reports", time_limit_ms=state.settings.report_time_limit_ms)
    if ret["status"] == "approved" and ret["figures"]:
        return form_from_json(ret["figures"]), current
    if current is None:
        raise not_found("单位")
    return current, None


def filing_periods(today: datetime.date, due: list[Any], unit_id: str) -> list[tuple[str, str, str]]:
    """(label, from, to) of the one-tap periods of 新建报送: each period the county set days for that
    this unit owes (a deadline asks for a return of exactly its period), then 上个月, 本月, 本半年, 上季度
    and 今年全年 as on the statistics form (in January 去年全年 too); in the first month of a half, the
    half just ended before 本半年, as its return is filed then. The date pickers stay for any other period."""
    out = [(f"{chinese_date(p.deadline['period_from'])}至{chinese_date(p.deadline['period_to'])}（有截止日期）",
            p.deadline["period_from"], p.deadline["period_to"])
           for p in due if any(u.unit_id == unit_id for u in p.units)]
    quick = quick_periods(today)
    quick.insert(2, _half("本半年", today))
    if today.month in (1, 7):
        quick.insert(2, _half("上个半年", today - datetime.timedelta(days=31)))
    seen = {(start, end) for _, start, end in out}
    return out + [q for q in quick if (q[1], q[2]) not in seen]


def _half(name: str, day: datetime.date) -> tuple[str, str, str]:
    """(label, from, to) of the half-year ``day`` is in: 本半年（2026年下半年）."""
    first = day.month <= 6
    return (f"{name}（{day.year}年{'上' if first else '下'}半年）", f"{day.year}-{'01-01' if first else '07-01'}",
            f"{day.year}-{'06-30' if first else '12-31'}")


async def return_list(request: Request) -> Response:
    visit = await require(request, OFFICE)
    scope = await visit.scope()
    actor = visit.actor
    number = page_number(request.query_params)
    rows, total = await visit.state.store.read(lambda db: list_returns(db, scope, page=number))
    today = local_today()
    due = await visit.state.store.read(lambda db: periods_due(db, scope, today, punctuality=True))
    pages = page_count(total, PAGE_SIZE)
    if last := past_the_end(visit, number, pages):
        return last
    to_review = [r for r in rows if r["status"] == "submitted" and may_review(actor, r["unit_id"])]
    # The 新建报送 form sent after the sign-in ran out comes back with the period it was sent with.
    draft = await restore_draft(visit)
    query = read_report_query(request.query_params if draft is None else _as_params(draft), actor)
    return visit.render("return_list.html", {
        "to_review": to_review, "own": [r for r in rows if r["unit_id"] == actor.unit_id],
        "others": [r for r in rows if r["unit_id"] != actor.unit_id and r not in to_review],
        "can_file": may_file(actor, actor.unit_id), "query": query, "total": total, "number": number,
        "pages": pages, "first": (number - 1) * PAGE_SIZE + 1, "shown": len(rows),
        "links": page_links({}, number, pages), "due": due, "can_set_days": actor.role in REVIEWERS,
        "periods": filing_periods(today, due, actor.unit_id),
    })


async def return_create(request: Request) -> Response:
    visit, form = await require_form(request, OFFICE)
    values = form_values(form)
    actor = visit.actor
    query = read_report_query(_as_params(values), actor)
    if not may_file(actor, query.unit_id):
        raise Forbidden("只有本单位的工作人员可以报送本单位的统计表。")
    scope = await visit.scope()
    state = visit.state

    def create(db: Any) -> tuple[str, bool]:
        if get_unit(db, scope, query.unit_id) is None:
            raise not_found("单位")
        existing = find_return(db, scope, query.unit_id, query.date_from, query.date_to)
        if existing is not None:
            return str(existing["id"]), False
        user = get_user(db, user_id=actor.user_id)
        (outcome,) = apply_mutations(db, actor, [mutations.upsert("stats_return", {
            "unit_id": query.unit_id, "period_from": query.date_from, "period_to": query.date_to,
            "filled_by": actor.name, "phone": user["phone"] if user else None})])
        if outcome.status != "applied":
            raise ParamInvalid(outcome.reason or "没能新建报送。")
        return outcome.record_id, True

    record_id, created = await state.store.write(create)
    flash = "已新建报送草稿：请核对数字、填写备注后上报。" if created else "这个时段已有报送，已为您打开。"
    return visit.redirect(request.app.url_path_for("return_detail", return_id=record_id), flash=flash)


def _as_params(values: dict[str, Any]) -> QueryParams:
    # A name sent twice arrives as a list: the last one counts, as in a query string.
    last = {k: v[-1] if isinstance(v, list) else v for k, v in values.items()}
    return QueryParams({k: str(last.get(k) or "") for k in ("unit", "from", "to") if last.get(k)})


async def return_detail(request: Request) -> Response:
    visit = await require(request, OFFICE)
    ret, scope = await _load(visit, request.path_params["return_id"])
    draft = await restore_draft(visit)
    if draft is None:
        return await _render(visit, ret, scope)
    # A form sent after the sign-in ran out, back as it was typed and with the version it showed
    # (a change since still meets the write path's check): the review's comment, or the remarks.
    if "decision" in draft:
        return await _render(visit, ret, scope, review=draft)
    return await _render(visit, ret, scope, values={k: str(draft.get(k) or "") for k in KEPT},
                         version=base_version(draft, "version"))


KEPT = {"remarks": 20_000, "summary": 20_000, "filled_by": 200, "phone": 200}  # the return's own form, and bounds
TOO_LONG = {"remarks": "备注", "summary": "活动总结", "filled_by": "填表人", "phone": "填表电话"}


async def _render(visit: Visit, ret: dict[str, Any], scope: Scope, *, error: str | None = None,
                  values: dict[str, Any] | None = None, version: int | None = None,
                  review: dict[str, Any] | None = None, status: int = 200) -> Response:
    shown, current = await _forms(visit, ret, scope)
    actor = visit.actor
    frozen = current is not None or ret["status"] == "approved"
    changes = compare_forms(shown, current) if current is not None else []
    return visit.render("return_detail.html", {
        "ret": ret, "form": shown, "measures": MEASURES, "frozen": frozen, "changes": changes,
        "current_gone": frozen and current is None,
        "title": title_of(shown), "filler": _filler(ret),
        "can_edit": may_file(actor, ret["unit_id"]) and ret["status"] in EDITABLE,
        "can_withdraw": may_file(actor, ret["unit_id"]) and ret["status"] == "submitted",
        "can_review": may_review(actor, ret["unit_id"]) and ret["status"] == "submitted",
        "can_reopen": may_review(actor, ret["unit_id"]) and ret["status"] == "approved",
        # What was posted, over the stored words: a post may leave a field out (a withdraw sends none).
        "values": {**{k: ret[k] or "" for k in KEPT}, **{k: v for k, v in (values or {}).items() if k in KEPT}},
        "error": error,
        "stats_params": {"unit": ret["unit_id"], "from": ret["period_from"], "to": ret["period_to"]},
        # the review its form makes: posted twice (a double tap), made once
        "review_id": parse_id((review or {}).get("record_id")) or new_id(),
        "comment": str((review or {}).get("comment") or ""),
        "form_version": ret["version"] if version is None else version,
        "review_version": base_version(review or {}, "target_version") or ret["version"],
    }, status=status)


def _filler(ret: dict[str, Any]) -> Filler:
    when = ret["figures"]["computed_at"] if ret["status"] == "approved" and ret["figures"] else ret["updated_at"]
    day = datetime.date.fromisoformat(local_time(when, "%Y-%m-%d"))
    return Filler(day, ret["filled_by"] or "", ret["phone"] or "")


async def return_save(request: Request) -> Response:
    visit, form = await require_form(request, OFFICE)
    ret, scope = await _load(visit, request.path_params["return_id"])
    actor = visit.actor
    values = form_values(form)
    action = str(values.get("action") or "save")
    if not may_file(actor, ret["unit_id"]):
        raise Forbidden("只有本单位的工作人员可以修改或上报本单位的统计表。")
    fields: dict[str, Any] = {}
    if action in ("save", "submit"):
        for name, limit in KEPT.items():
            fields[name] = str(values.get(name) or "").strip() or None
            if len(fields[name] or "") > limit:  # refused whole and kept in the form, never saved cut short
                return await _render(visit, ret, scope, values=values, version=base_version(values, "version"),
                                     status=400, error=f"“{TOO_LONG[name]}”太长了（{len(fields[name])} 字），"
                                                       f"请缩短到 {limit} 字以内；这次没有保存。")
        # Sent up with the form for the level above to ring: held to the account forms' one rule.
        wrong = telephone_problem(fields["phone"] or "", "填表电话")
        if wrong:
            return await _render(visit, ret, scope, values=values, version=base_version(values, "version"),
                                 status=400, error=wrong + "这次没有保存。")
    if action == "submit":
        fields["status"] = "submitted"
    elif action == "withdraw":
        fields["status"] = "draft"
    elif action != "save":
        raise ParamInvalid("未知的操作。")
    if action in ("save", "submit") and ret["status"] == "submitted":
        shown_at = base_version(values, "version")
        if action == "submit" and await visit.state.store.read(
                lambda db: made_already(db, actor, "stats_return", ret["id"], shown_at, fields)):
            return visit.redirect(request.url.path, flash="已上报，等待上级审核。")
        return await _render(visit, ret, scope, status=409, values=values,
                             error="这张表已经上报，正等上级审核；如需修改，请先点“撤回修改”。")
    base = shown_version(values, name="version")
    # Only what the person changed from what the form showed: a remark another colleague saved
    # meanwhile stays, and the same line changed by both is a conflict rather than a silent loss.
    shown = await visit.state.store.read(lambda db: values_at(db, "stats_return", ret["id"], base)) or ret
    fields = {k: v for k, v in fields.items() if k == "status" or v != shown.get(k)}
    if not fields:
        return visit.redirect(request.url.path, flash="没有改动。")
    outcome = await apply_one(visit, mutations.upsert("stats_return", fields, ret["id"], base_version=base))
    if outcome.status == "rejected":
        fresh, _ = await _load(visit, ret["id"])
        return await _render(visit, fresh, scope, error=outcome.reason, values=values, status=400)
    if outcome.status == "conflict":  # saved in part, the line both changed stored as a conflict: not refused
        return visit.redirect(request.url.path, flash=saved_words(outcome))
    flash = {"submit": "已上报，等待上级审核。", "withdraw": "已撤回，可修改后重新上报。"}.get(action, "已保存。")
    return visit.redirect(request.url.path, flash=flash)


async def return_review(request: Request) -> Response:
    visit, form = await require_form(request, OFFICE)
    ret, scope = await _load(visit, request.path_params["return_id"])
    actor = visit.actor
    values = form_values(form)
    decision = str(values.get("decision") or "")
    comment = str(values.get("comment") or "").strip()
    if not may_review(actor, ret["unit_id"]):
        raise Forbidden("统计表由上级单位审核，本单位不能审核自己的报送。")
    if decision not in ("approve", "return"):
        raise ParamInvalid("请选择“通过”或“退回”。")
    if len(comment) > KEPT["remarks"]:
        words = f"审核意见太长了（{len(comment)} 字），请缩短到 {KEPT['remarks']} 字以内；这次没有保存。"
        return await _render(visit, ret, scope, review=values, status=400, error=words)
    if decision == "return" and not comment:
        return await _render(visit, ret, scope, error="退回时请写明原因，方便填表单位更正。", status=400)
    outcome, decision = await review_once(visit, {
        "target_entity": "stats_return", "target_id": ret["id"], "decision": decision, "comment": comment or None,
        "target_version": base_version(values, "target_version")}, values)
    if outcome.status != "applied":  # the typed comment stays in the form, against the return as it is now
        fresh, _ = await _load(visit, ret["id"])
        return await _render(visit, fresh, scope, error=outcome.reason, review={"comment": comment}, status=400)
    flash = "已审核通过，数字已冻结并锁定。" if decision == "approve" else "已退回，填表单位可更正后重新上报。"
    return visit.redirect(request.app.url_path_for("return_detail", return_id=ret["id"]), flash=flash)


async def _export(request: Request, kind: str) -> Response:
    visit = await require(request, OFFICE)
    ret, scope = await _load(visit, request.path_params["return_id"])
    shown, _ = await _forms(visit, ret, scope)
    await log_export(visit, f"export_return_{kind}", ret["id"], {"unit": len(shown.rows)})
    if kind == "csv":
        return csv_file(shown, RETURN_STATUSES[ret["status"]])
    return await xlsx_file(shown, _filler(ret), RETURN_STATUSES[ret["status"]], summary=ret["summary"] or "")


async def return_xlsx(request: Request) -> Response:
    return await _export(request, "xlsx")


async def return_csv(request: Request) -> Response:
    return await _export(request, "csv")


routes: list[BaseRoute] = [
    Route("/returns", return_list, methods=["GET"], name="return_list"),
    Route("/returns", return_create, methods=["POST"], name="return_create"),
    # The file routes come first: "{return_id}" alone would also match "….xlsx".
    Route("/returns/{return_id}.xlsx", return_xlsx, methods=["GET"], name="return_xlsx"),
    Route("/returns/{return_id}.csv", return_csv, methods=["GET"], name="return_csv"),
    Route("/returns/{return_id}", return_detail, methods=["GET"], name="return_detail"),
    Route("/returns/{return_id}", return_save, methods=["POST"], name="return_save"),
    Route("/returns/{return_id}/review", return_review, methods=["POST"], name="return_review"),
]
