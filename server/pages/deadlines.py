"""``/returns/deadlines``: the county (the reviewer, the admin) sets, for a period the returns cover,
the day by which the stations and schools must have submitted to their town and the day by which
the towns must have submitted to the county (``server/deadlines.py``). A station or a town reads
the days on ``/returns`` and may not set them.

A refusal is said beside its field with a 400 and everything typed kept; nothing is written unless
every value is right.
"""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..deadlines import delete_deadline, list_deadlines, save_deadline
from ..errors import ParamInvalid
from ..forms import FieldView, whole_number
from ..templating import chinese_date
from .form_posts import form_values, require_form, restore_draft
from .report_params import read_date
from .visits import REVIEWERS, Visit, require

LABELS = {"from": "统计时段起", "to": "统计时段止", "units_due": "学校、辅导站报送镇/街道截止",
          "towns_due": "镇/街道报送县截止"}
HINTS = {"units_due": "例如 10月19日前。",
         "towns_due": "不能早于上一项：镇/街道要先收齐各校的表。例如 10月24日前。"}
COLUMN = {"from": "period_from", "to": "period_to", "units_due": "units_due", "towns_due": "towns_due"}


def check(values: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """(the four days as stored, a sentence per field that is wrong)."""
    days: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name, label in LABELS.items():
        raw = values.get(name)
        text = (raw[-1] if isinstance(raw, list) else str(raw or "")).strip()
        if not text:
            errors[name] = f"请填写“{label}”的日期。"
            continue
        try:
            days[COLUMN[name]] = read_date(text, f"“{label}”")
        except ParamInvalid as refused:
            errors[name] = refused.message
    if "to" not in errors and "from" not in errors and days["period_from"] > days["period_to"]:
        errors["to"] = (f"这个统计时段不存在：止于{chinese_date(days['period_to'])}，"
                        f"早于起始的{chinese_date(days['period_from'])}，请检查两个日期。")
    if not errors and days["units_due"] < days["period_from"]:
        # A slip of the year (2026 typed for 2027) would mark every unit 逾期 for most of a year at once.
        errors["units_due"] = (f"学校、辅导站报送的截止日期（{chinese_date(days['units_due'])}）"
                               f"早于统计时段的开始（{chinese_date(days['period_from'])}）："
                               "还没开始的时段报送不了，请检查年份。")
    if not errors and days["towns_due"] < days["units_due"]:
        errors["towns_due"] = (f"镇/街道报送县的截止日期（{chinese_date(days['towns_due'])}）"
                               f"早于学校、辅导站报送镇/街道的截止日期（{chinese_date(days['units_due'])}）："
                               "镇/街道要先收齐各校的表，请改到这一天或之后。")
    return days, errors


async def _render(visit: Visit, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                  *, status: int = 200, error: str | None = None) -> Response:
    actor = visit.actor
    deadlines = await visit.state.store.read(
        lambda db: list_deadlines(db, None if actor.role == "admin" else [actor.unit_id]))
    shown = values or {}
    fields = [FieldView(name, label, "date", str(shown.get(name) or ""), required=True,
                        error=(errors or {}).get(name), hint=HINTS.get(name)) for name, label in LABELS.items()]
    return visit.render("return_deadlines.html", {"days": fields, "deadlines": deadlines, "error": error},
                        status=status)


async def deadline_page(request: Request) -> Response:
    visit = await require(request, REVIEWERS)
    draft = await restore_draft(visit)  # the form sent after the sign-in ran out, as it was typed
    return await _render(visit, draft)


async def deadline_save(request: Request) -> Response:
    visit, form = await require_form(request, REVIEWERS)
    values = form_values(form)
    actor = visit.actor
    if values.get("action") == "delete":
        raw = values.get("deadline")
        deadline_id = whole_number(str(raw[-1] if isinstance(raw, list) else raw or ""), digits=12)
        removed = deadline_id is not None and await visit.state.store.write(
            lambda db: delete_deadline(db, actor, deadline_id))
        if not removed:
            return await _render(visit, status=400, error="这个统计时段的截止日期不存在（可能已被删除），没有改动。")
        return visit.redirect(request.url.path, flash="已删除这个统计时段的截止日期。")
    days, errors = check(values)
    if errors:
        return await _render(visit, values, errors, status=400)
    done = await visit.state.store.write(lambda db: save_deadline(db, actor, days))
    flash = {"created": "已设定报送截止日期。", "changed": "已修改报送截止日期。"}.get(done, "没有改动。")
    return visit.redirect(request.url.path, flash=flash)


routes: list[BaseRoute] = [
    Route("/returns/deadlines", deadline_page, methods=["GET"], name="return_deadlines"),
    Route("/returns/deadlines", deadline_save, methods=["POST"], name="return_deadline_save"),
]
