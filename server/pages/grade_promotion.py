"""升年级: each September every child of a station or school moves up one grade in one form, where today
each child's 年级 is changed on her own edit form. The bulk move of one grade (``bulk_move.py``) and the
statistics count children by grade, so a grade left stale moves July's leaving class wrong.

Done by whoever edits those children's files (``CHILD_FILE``, the unit in their scope: the station's
own staff as well as the town above it), through the single edit's write: one upsert of ``grade`` per
child against the version the form showed, all in ONE write, so a child edited meanwhile is merged
field by field and a child whose grade someone changed since the form was shown is not promoted again
(named). 九年级 and 高三 are not promoted: they are listed as 毕业班, each with 结束帮扶 beside her.
A grade naming no grade (学前班, kept as typed) is left and named by code. A child who left care
(结束帮扶) is not promoted: her closed file stays as it stood when she left.

Once per unit and school year (from 1 September, ``queries.promotion``): the write records who did it
and when, and a second run, a double click, Back and resubmit or two clerks at once is refused in
words naming them, nothing written. A child promoted already this school year at the unit she left is
not promoted again, nor one whose grade was typed this school year (corrected by hand on her edit
form, or registered, since 1 September: her file's audit, read in the write): her grade is this
year's. In July and August the children are still in last year's grade (the leaving class moves on
by 全部转出), so the page refuses then; the list links it from September to December, while it is
not yet done. There is no undo: a child's grade put wrong is put right on her own edit form, and
the answer names every child promoted so it can be.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlite_utils
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync import Actor, apply_mutations
from sync.audit import append_audit
from sync.mutations import upsert
from sync.timeutil import local_today, utc_now

from ..queries.promotion import (
    grades_typed_since,
    next_grade,
    promoted_already,
    promotion_plan,
    record_promotion,
    school_year,
)
from ..queries.units import unit_name
from ..queries.versions import values_at
from ..templating import local_time
from .bulk_move import children_unit, read_shown
from .form_posts import form_values, require_form
from .shown import log_shown
from .visits import CHILD_FILE, Visit, require

CONFIRM = "confirm"
SUMMER = (7, 8)  # the children are still in last year's grade until 1 September


@dataclass
class Promotion:
    """What one post did, child by child."""

    promoted: list[tuple[str, str, str]] = field(default_factory=list)  # (code and name, from, to)
    merged: list[str] = field(default_factory=list)  # code and name of those edited meanwhile (edits kept)
    not_promoted: list[tuple[str, str]] = field(default_factory=list)  # (code and name, why)
    refused: str | None = None  # the whole post refused (promoted already this school year)


def done_words(unit: str, year: int, done: tuple[str, str, int], *, refused: bool = False) -> str:
    """Who promoted the unit's children this school year and when; refusing a second run, that it did not."""
    at, by, count = done
    again = "这次没有再升，每个孩子的年级都没有动；" if refused else ""
    return (f"{unit}本学年（{year}年9月开学）已经升过年级：{local_time(at, '%Y年%-m月%-d日 %H:%M')}由{by}办理，"
            f"升了 {count} 名。{again}个别孩子的年级不对，请在孩子的档案里改。")


def typed_words(grade: str, how: str) -> str:
    """Why a child whose grade was typed this school year (``how``: ``edited``, or ``registered`` since
    1 September) is not promoted: her grade is this year's already (六年级 typed in September is not
    made 七年级)."""
    done = "开学后才登记" if how == "registered" else "开学后已经改过年级"
    return f"{done}（现在是{grade}），这次不再升"


async def _page(visit: Visit, unit: dict[str, Any], *, errors: dict[str, str] | None = None,
                result: Promotion | None = None, status: int = 200) -> Response:
    today = local_today()
    year = school_year(today)
    plan, done = await visit.state.store.read(lambda db: (
        promotion_plan(db, unit["id"], year), promoted_already(db, unit["id"], year)))
    named = len(plan.leaving) + len(plan.unread) + len(plan.done_before) + len(plan.set_this_year)
    if result is not None:
        named += len(result.promoted) + len(result.not_promoted)
    await log_shown(visit, "view_mentee_list", unit["id"], {"mentee": named})
    return visit.render("staff/grade_promotion.html", {
        "unit": unit, "plan": plan, "year": year, "summer": today.month in SUMMER,
        "done": done and done_words(unit["name"], year, done), "errors": errors or {}, "result": result,
        "count": len(plan.children), "typed": typed_words,
    }, status=status)


async def promotion_form(request: Request) -> Response:
    visit = await require(request, CHILD_FILE)
    return await _page(visit, await children_unit(visit, request.path_params["unit_id"]))


async def promotion_save(request: Request) -> Response:
    visit, form = await require_form(request, CHILD_FILE)
    unit = await children_unit(visit, request.path_params["unit_id"])
    values = form_values(form)
    today = local_today()
    if today.month in SUMMER:
        return await _page(visit, unit, status=400)  # the page says why, with no form
    shown = read_shown(values)
    errors: dict[str, str] = {}
    if values.get(CONFIRM) != "yes":
        errors[CONFIRM] = "请勾选确认：这里的孩子都升一个年级。"
    elif not shown:
        errors[CONFIRM] = "这里没有要升年级的孩子。"
    if errors:
        return await _page(visit, unit, errors=errors, status=400)
    actor, unit_id, year = visit.actor, unit["id"], school_year(today)
    result = await visit.state.store.write(lambda db: promote_all(db, actor, unit_id, year, shown))
    return await _page(visit, unit, result=result, status=409 if result.refused else 200)


def promote_all(db: sqlite_utils.Database, actor: Actor, unit_id: str, year: int,
                shown: list[tuple[str, int]]) -> Promotion:
    """Promote each child ``shown`` still at ``unit_id`` one grade, in this one write, against the version
    the form showed; refused whole if the unit was promoted this school year (read in the write, so two
    clerks at once promote once)."""
    out = Promotion()
    if (done := promoted_already(db, unit_id, year)) is not None:
        out.refused = done_words(unit_name(db, unit_id), year, done, refused=True)
        return out
    sent: list[tuple[str, str, str, str]] = []  # (child, code and name, from, to)
    mutations = []
    for mentee_id, version in shown:
        was = values_at(db, "mentee", mentee_id, version)
        if was is None or was.get("unit_id") != unit_id or not was.get("grade") or was.get("status") != "active":
            continue  # not a child this unit's form showed (a forged form): nothing to promote or report
        to = next_grade(str(was["grade"]))
        if to is None:
            continue  # a leaving class or a grade naming none: the form did not offer it
        found = db.execute(
            "SELECT m.code, m.name, m.unit_id, m.deleted, m.grade, m.status, p.unit_id FROM mentees m"
            " LEFT JOIN promoted_children p ON p.mentee_id = m.id AND p.school_year = ? WHERE m.id = ?",
            [year, mentee_id]).fetchone()
        who = f"{found[0]} {found[1]}"
        if found[2] != unit_id:
            out.not_promoted.append((str(found[0]), "打开页面后已转到别的单位，这次没有升"))
        elif found[3]:
            out.not_promoted.append((who, "打开页面后已被删除"))
        elif found[5] != "active":
            out.not_promoted.append((who, "打开页面后已结束帮扶，档案按离开时的样子保留，这次没有升"))
        elif found[6] is not None:  # the form does not offer her (promotion_plan): a forged or old form
            out.not_promoted.append((who, "本学年已经在别的单位升过年级，这次没有再升"))
        elif found[4] != was["grade"]:
            out.not_promoted.append((who, f"打开页面后年级已被改成“{found[4] or '（空）'}”，这次没有再升"))
        elif typed := grades_typed_since(db, unit_id, year, mentee_id):  # read in the write, not from the form
            out.not_promoted.append((who, typed_words(str(found[4]), str(typed[mentee_id]["how"]))))
        else:
            sent.append((mentee_id, who, str(was["grade"]), to))
            mutations.append(upsert("mentee", {"grade": to}, mentee_id, base_version=version))
    outcomes = apply_mutations(db, actor, mutations)
    done_children: list[tuple[str, str, str]] = []
    for (mentee_id, who, was_grade, to), outcome in zip(sent, outcomes, strict=True):
        if outcome.status in ("applied", "merged"):
            out.promoted.append((who, was_grade, to))
            done_children.append((mentee_id, was_grade, to))
            if outcome.status == "merged":
                out.merged.append(who)
        else:
            out.not_promoted.append((who, str(outcome.reason or "没有升")))
    if not done_children:
        return out  # nothing promoted (each changed meanwhile): the unit may be promoted later this year
    record_promotion(db, unit_id, year, actor.user_id, utc_now(), done_children)
    append_audit(db, actor, "grade_promotion", unit_id, "insert",
                 {"school_year": [None, year], "promoted": [None, len(done_children)]})
    return out


routes: list[BaseRoute] = [
    Route("/units/{unit_id}/promote-grades", promotion_form, methods=["GET"], name="promotion_form"),
    Route("/units/{unit_id}/promote-grades", promotion_save, methods=["POST"], name="promotion_save"),
]
