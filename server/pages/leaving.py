"""结束帮扶: a child leaves care (小学或初中毕业离校、转出本县、不再需要帮扶) in one form.

The file's 状态 could be set to 结束 only once each of her pairings was ended on its own page: for a
class of 初三 leavers in July, eight pages a child. Here the running pairings the page listed end on
one day with one outcome and the file closes, all in ONE write through the write path (each pairing's
end audited as 结束结对 is, the child's ``status`` as an edit is), or nothing is written: a pairing
changed, begun or ended since the page was shown refuses the whole write, as the stop form does. The
archive stays whole, readable and printable for inspection; the child leaves the 在帮 lists, 等待结对,
the follow-ups due and, at their next sync, the volunteers' phones (``sync/scope.py``: a phone holds
running pairings only).

Why and when she left (毕业离校, 转学到外县, 情况好转, 其他 written out) is chosen here, required, and kept in
``care_leavings`` in the same write (``server/care_leaving.py``, the write, apart so the demo closes its
leavers through it too): her file, the archive and the prints say 已于……结束帮扶：reason, and the
children's list finds the closed files by it.
"""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync.errors import NotAllowed
from sync.labels import OUTCOMES
from sync.stopping import PairingsChanged
from sync.timeutil import local_today

from ..care_leaving import LeftAlready, leave_care
from ..forms import FieldView, MutationsRefused, field_views, typed_day
from ..queries.followups import open_risk_flags_of_child
from ..queries.leaving import LEAVING_REASONS, running_of_child
from .form_posts import form_values, require_form
from .mentee_forms import visible_mentee
from .path_records import not_found, path_id
from .shown import log_shown
from .visits import CHILD_FILE, Visit, require
from .writes import shown_version, shown_versions

SEEN = "pairing"  # one per running pairing the page listed: "<id>:<version>"
# A leaver's pairings end as 好转 or 稳定: 转介 goes on to a referral (the pairing's own page), and
# 志愿者停止服务 says the volunteer left, not the child.
LEAVING_OUTCOMES = [(k, OUTCOMES[k]) for k in ("improved", "stable")]


async def _child(visit: Visit, raw: str) -> dict[str, Any]:
    """The child in the visitor's scope, not deleted (a deleted file is read-only)."""
    mentee = await visible_mentee(visit, path_id(raw, "帮扶对象"))
    if mentee["deleted"]:
        raise not_found("帮扶对象")
    return mentee


async def _page(visit: Visit, mentee: dict[str, Any], values: dict[str, Any], *,
                errors: dict[str, str] | None = None, status: int = 200) -> Response:
    # The flags the desk lists for her (ending care does not handle them, so the page says so first).
    scope = await visit.scope()
    running, flags = await visit.state.store.read(lambda db: (
        running_of_child(db, mentee["id"]), len(open_risk_flags_of_child(db, scope, mentee["id"]))))
    # The page names the child and her volunteers: logged as the end-pairing form is.
    await log_shown(visit, "leave_care", mentee["id"], {"mentee": 1, "pairing": len(running)})
    fields = field_views("pairing", ("end_date", "outcome"), values, errors=errors,
                         options={"outcome": LEAVING_OUTCOMES},
                         labels={"end_date": "结束日期", "outcome": "结对结束时孩子的情况"})
    fields[1].widget, fields[1].required, fields[0].required = "radios", bool(running), True
    fields[0].label = "结束帮扶的日期" if not running else "结束帮扶的日期（结对同日结束）"
    why = [FieldView("reason", "结束帮扶的原因", "radios", values.get("reason"), True,
                     list(LEAVING_REASONS.items()), (errors or {}).get("reason")),
           FieldView("reason_note", "选“其他”的，请写明原因", "input", values.get("reason_note"),
                     error=(errors or {}).get("reason_note"))]
    return visit.render("staff/leave_care.html", {
        "mentee": mentee, "running": running, "flags": flags,
        "fields": [fields[0], *why, *(fields[1:] if running else [])],
        "version": values.get("base_version", mentee["version"]), "form_error": (errors or {}).get("_form"),
    }, status=status)


async def leave_form(request: Request) -> Response:
    visit = await require(request, CHILD_FILE)
    mentee = await _child(visit, request.path_params["mentee_id"])
    return await _page(visit, mentee, {"end_date": local_today().isoformat()})


NOTE_LIMIT = 100  # 其他's words: a reason, not a report


def _day_problem(typed: str) -> str | None:
    """Why ``typed`` is not the day she left: a real day, as the date box writes it, from 2000 as every
    date the write path takes, not after today. Only that shape: Python reads 2026-W36-2 as a day too,
    and for a child with no running pairing (no pairing's ``end_date`` for the write path to check) it
    would be kept as typed in ``care_leavings`` and compared as text."""
    if not typed:
        return "请填写结束帮扶的日期。"
    day = typed_day(typed)
    if day is None or day.year < 2000:
        return "请按“年-月-日”填写日期（孩子离开的那一天，2000 年以后），例如 2027-07-10。"
    if day > local_today():
        return "结束帮扶的日期不能晚于今天：请在孩子离开的那天以后再结束。"
    return None


def _left_already(visit: Visit, mentee: dict[str, Any]) -> Response:
    return visit.redirect(f"/mentees/{mentee['id']}", flash="这个孩子的帮扶已经结束了。")


async def leave_save(request: Request) -> Response:
    visit, form = await require_form(request, CHILD_FILE)
    mentee = await _child(visit, request.path_params["mentee_id"])
    values = form_values(form)
    base, seen = shown_version(values, redo="结束帮扶"), shown_versions(values, SEEN)
    if mentee["status"] == "closed":
        # Sent twice (a double click): the first post closed the file; nothing is written again.
        return _left_already(visit, mentee)
    end_date, outcome = str(values.get("end_date") or "").strip(), str(values.get("outcome") or "").strip()
    reason, note = str(values.get("reason") or "").strip(), str(values.get("reason_note") or "").strip()
    errors: dict[str, str] = {}
    if problem := _day_problem(end_date):
        errors["end_date"] = problem
    if reason not in LEAVING_REASONS:
        errors["reason"] = "请选择结束帮扶的原因。"
    elif reason == "other" and not note:
        errors["reason_note"] = "选了“其他”，请写明是什么原因。"
    elif len(note) > NOTE_LIMIT:
        errors["reason_note"] = f"原因请写在 {NOTE_LIMIT} 个字以内。"
    if seen and outcome not in dict(LEAVING_OUTCOMES):
        errors["outcome"] = "请选择结对结束时孩子的情况：好转或稳定。"
    if errors:
        return await _page(visit, mentee, values, errors=errors, status=400)
    actor, mentee_id = visit.actor, mentee["id"]
    try:
        ended = await visit.state.store.write(
            lambda db: leave_care(db, actor, mentee_id, base, seen, end_date, outcome or None, reason,
                                  note if reason == "other" else None))
    except LeftAlready:
        return _left_already(visit, mentee)
    except PairingsChanged as exc:
        return await _page(visit, mentee, values, errors={"_form": exc.reason}, status=409)
    except NotAllowed as exc:
        return await _page(visit, mentee, values, errors={"_form": exc.reason}, status=400)
    except MutationsRefused as refused:
        _, first = refused.rejected[0]
        field = first.refused_field if first.refused_field in ("end_date", "outcome") else "_form"
        return await _page(visit, mentee, values, errors={field: str(first.reason)}, status=400)
    words = f"已结束对 {mentee['code']} 的帮扶：档案完整保留，县里检查时照样能查看、打印。"
    if ended:
        words += f"同时结束了 {ended} 个结对，志愿者的手机下次同步时会移除这个孩子的档案。"
    return visit.redirect(f"/mentees/{mentee_id}", flash=words)


routes: list[BaseRoute] = [
    Route("/mentees/{mentee_id}/leave", leave_form, methods=["GET"], name="mentee_leave_form"),
    Route("/mentees/{mentee_id}/leave", leave_save, methods=["POST"], name="mentee_leave_save"),
]
