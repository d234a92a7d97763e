"""撤点并校: every child of a school or station moved to another in one form (全部转出), before the admin
marks the emptied unit 已撤并 (``server/unit_closing.py``).

Moved by whoever moves one child today (``mentee_forms``: the staff of an office above both units, to the
stations and schools of their own scope, never a closed one), through the same write: one upsert of
``unit_id`` per child against the version the form showed, all in ONE write, so the write path moves
each child's pairings, visits and 摸排 along (``sync/rules/effects.py``) and a child changed meanwhile is
merged field by field, never overwritten. Per child, said in full: the page names every child not moved
and why (moved elsewhere or deleted meanwhile, refused by the write path), and counts any child put here
since the form was shown, who stays until the form is sent again. Sent twice (a double click, the back
button), a child already at the chosen unit is not moved again: the answer says it was moved already,
with what went along, as the first answer did.

One grade only (``?grade=六年级``): in July a primary school's leaving class goes on to the junior school
while the other children stay. The page offers each grade the unit's children are in, with how many;
chosen, the form shows, counts and moves that grade's children alone, and a child of that grade put
here since is counted as left for another go (the other grades are not: they were never to move). A child whose
grade was changed after the form was shown (put right, or promoted) is named and stays.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlite_utils
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync import Actor, Scope, apply_mutations, parse_id
from sync.grades import grade_form
from sync.mutations import upsert

from ..errors import ParamInvalid
from ..queries.moves import Move, moved_with, running_pairings, unit_children, unit_grades
from ..queries.units import get_unit, unit_name, unit_tree
from ..queries.versions import values_at
from ..unit_closing import UnitClosed, refuse_closed
from .form_posts import form_values, require_form
from .mentee_forms import MOVED_ABOVE
from .move_words import left_behind_words, took_words
from .path_records import not_found, path_id
from .shown import log_shown
from .visits import CHILD_FILE, Visit, require
from .writes import shown_versions

TARGET = "to_unit"
CONFIRM = "confirm"
SHOWN = "child"  # one per child the form showed: "<id>:<version>"
GRADE = "grade"  # the one grade the form moves; empty or absent: every child


@dataclass
class BulkMove:
    """What one post did, child by child."""

    old_unit: str
    new_unit: str
    grade: str | None = None  # the grade moved, or every child
    moved: list[Move] = field(default_factory=list)  # moved by this post
    merged: list[str] = field(default_factory=list)  # code and name of those changed meanwhile (their changes kept)
    already: list[Move] = field(default_factory=list)  # at the new unit before this post (sent twice)
    not_moved: list[tuple[str, str]] = field(default_factory=list)  # (code and name, why)
    added: int = 0  # live children of the old unit the form did not show


async def children_unit(visit: Visit, raw: str) -> dict[str, Any]:
    """The station or school of the path, in the visitor's scope; else 找不到 (a town or the county has
    no children of its own to move)."""
    unit_id = path_id(raw, "单位")
    scope = await visit.scope()
    unit = await visit.state.store.read(lambda db: get_unit(db, scope, unit_id))
    if unit is None or unit["kind"] not in ("station", "school"):
        raise not_found("单位")
    return unit


def _targets(db: sqlite_utils.Database, visit_scope: Any, unit_id: str) -> list[tuple[str, str]]:
    """The stations and schools this person may move the children to: their scope's, open, not this one."""
    return [(u["id"], "　" * u["depth"] + u["name"]) for u in unit_tree(db, visit_scope)
            if u["kind"] in ("station", "school") and not u["closed_on"] and u["id"] != unit_id]


def read_grade(raw: Any) -> str | None:
    """The grade asked for, in its one written form (初一 and 七年级 alike); None for every child."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None
    if len(text) > 20 or not text.isprintable():
        raise ParamInvalid(f"年级读不懂：“{text[:20]}”。请在页面上点选一个年级。")
    return grade_form(text)


async def _page(visit: Visit, unit: dict[str, Any], grade: str | None, *, values: dict[str, Any] | None = None,
                errors: dict[str, str] | None = None, result: BulkMove | None = None, status: int = 200) -> Response:
    scope = await visit.scope()
    unit_id = unit["id"]
    # 全部 N 名 is what the whole unit's move takes: every live file, those with no grade or who left care too.
    children, everyone, running, targets, grades = await visit.state.store.read(lambda db: (
        unit_children(db, unit_id, grade), len(unit_children(db, unit_id)) if grade else None,
        running_pairings(db, unit_id, grade), _targets(db, scope, unit_id), unit_grades(db, unit_id)))
    values = values or {}
    if result is not None:  # the answer names each child changed meanwhile or not moved: a list read
        await log_shown(visit, "view_mentee_list", unit_id, {"mentee": len(result.merged) + len(result.not_moved)})
    return visit.render("staff/bulk_move.html", {
        "unit": unit, "children": children, "running": running, "targets": targets,
        "grade": grade, "grades": grades, "everyone": everyone if grade else len(children),
        "chosen": values.get(TARGET, "") if not result else "", "errors": errors or {},
        "moved_above": MOVED_ABOVE, "result": result and _result_words(result),
    }, status=status)


async def bulk_move_form(request: Request) -> Response:
    visit = await require(request, CHILD_FILE)
    grade = read_grade(request.query_params.get(GRADE))
    return await _page(visit, await children_unit(visit, request.path_params["unit_id"]), grade)


def read_shown(values: dict[str, Any]) -> list[tuple[str, int]]:
    """The (child, version) pairs the form showed, one per child; a malformed one is dropped (it names
    no child). The form shows each child once: a forged one naming a child again at another version
    keeps the first, else the one write would move her twice and count her pairings twice in its
    answer, or promote her twice and fail on her one promotion of the school year."""
    return list(shown_versions(values, SHOWN).items())


async def bulk_move_save(request: Request) -> Response:
    visit, form = await require_form(request, CHILD_FILE)
    unit = await children_unit(visit, request.path_params["unit_id"])
    values = form_values(form)
    grade = read_grade(values.get(GRADE))
    scope = await visit.scope()
    target = parse_id(values.get(TARGET))
    allowed = await visit.state.store.read(lambda db: {u for u, _ in _targets(db, scope, unit["id"])})
    errors: dict[str, str] = {}
    if target is None or target not in allowed:
        errors[TARGET] = "请从列表里选择要转到的学校或辅导站（不能是这个单位本身，也不能是已撤并的单位）。"
    if values.get(CONFIRM) != "yes":
        errors[CONFIRM] = (f"请勾选确认：这里{grade}的帮扶对象都转过去。" if grade
                           else "请勾选确认：这里的全部帮扶对象都转过去。")
    shown = read_shown(values)
    if not shown and not errors:
        errors[CONFIRM] = "这里没有帮扶对象要转。"
    if errors or target is None:
        return await _page(visit, unit, grade, values=values, errors=errors, status=400)
    actor, to_unit = visit.actor, target
    try:
        result = await visit.state.store.write(
            lambda db: move_all(db, actor, scope, unit["id"], to_unit, shown, grade))
    except UnitClosed as closed:  # closed after the form was shown: read in the write
        return await _page(visit, unit, grade, values=values, errors={TARGET: str(closed)}, status=400)
    return await _page(visit, unit, grade, result=result)


def move_all(db: sqlite_utils.Database, actor: Actor, scope: Scope, unit_id: str, target: str,
             shown: list[tuple[str, int]], grade: str | None = None) -> BulkMove:
    """Move each child ``shown`` still at ``unit_id`` to ``target``, in this one write, child by child
    (the form of one ``grade`` showed that grade's children only). A child moved meanwhile out of
    ``scope`` (the county moved her to another town) is said by her code alone, and not where: her name
    and her new unit are no longer the visitor's to read, and a form forged with an old version of any
    child once here would ask it."""
    refuse_closed(db, target)
    out = BulkMove(unit_name(db, unit_id), unit_name(db, target), grade)
    sent: list[tuple[str, str]] = []  # (child, code) in the order of the mutations
    mutations = []
    for mentee_id, version in shown:
        was = values_at(db, "mentee", mentee_id, version)
        if was is None or was.get("unit_id") != unit_id or grade is not None and (
                was.get("grade") != grade or was.get("status") != "active"):
            continue  # not a child this unit's (or grade's) form showed (a forged form): nothing to move or report
        found = db.execute("SELECT code, name, unit_id, deleted, status, grade FROM mentees WHERE id = ?",
                           [mentee_id]).fetchone()
        code, now_at, deleted = f"{found[0]} {found[1]}", str(found[2]), bool(found[3])
        if not scope.allows_unit(now_at):
            out.not_moved.append((str(found[0]), "打开页面后已被转到您管理范围以外的单位，这次没有再动"))
        elif deleted:
            out.not_moved.append((code, "打开页面后已被删除"))
        elif grade is not None and found[4] != "active":
            out.not_moved.append((code, "打开页面后已结束帮扶，档案留在原来的单位"))
        elif now_at == target:
            move = moved_with(db, mentee_id, unit_id)
            if move is not None:
                out.already.append(move)
        elif now_at != unit_id:
            out.not_moved.append((code, f"打开页面后已被转到{unit_name(db, now_at)}，这次没有再动"))
        elif grade is not None and found[5] != grade:
            # Her grade was put right (or promoted) since the form was shown: she is no longer of the
            # class that goes, and moving her would send a child who stays to the other school.
            out.not_moved.append((code, f"打开页面后年级已被改成“{found[5] or '（空）'}”，这次没有转"))
        else:
            sent.append((mentee_id, code))
            mutations.append(upsert("mentee", {"unit_id": target}, mentee_id, base_version=version))
    outcomes = apply_mutations(db, actor, mutations)
    for (mentee_id, code), outcome in zip(sent, outcomes, strict=True):
        move = moved_with(db, mentee_id, unit_id)
        if move is not None and outcome.status in ("applied", "merged"):
            out.moved.append(move)
            if outcome.status == "merged":
                out.merged.append(code)
        else:
            out.not_moved.append((code, str(outcome.reason or "没有转过去")))
    still = {str(c["id"]) for c in unit_children(db, unit_id, grade)}
    out.added = len(still - {mentee_id for mentee_id, _ in shown})
    return out


def _result_words(r: BulkMove) -> dict[str, Any]:
    """The answer: how many moved with what, the 注意：, then each child not moved and why."""
    said: list[str] = []
    who = f"{r.grade}的帮扶对象" if r.grade else "帮扶对象"
    if r.moved:
        said.append(f"已把 {len(r.moved)} 名{who}从{r.old_unit}转到{r.new_unit}：{took_words(r.moved)}"
                    f"由{r.new_unit}管理；{r.old_unit}的页面上不再有这些孩子的档案。")
        if r.merged:
            said.append(f"其中{'、'.join(r.merged)}在您打开页面后有人改过资料，那些改动都保留了。")
    if r.already:
        said.append(f"{len(r.already)} 名{who}已经在{r.new_unit}（刚才已经转过），这次没有再转："
                    f"{took_words(r.already)}由{r.new_unit}管理。")
    if not r.moved and not r.already:
        said.append(f"这次没有转任何{who}。")
    return {"said": said, "note": left_behind_words([*r.moved, *r.already]), "not_moved": r.not_moved,
            "added": r.added, "ok": not r.not_moved and not r.added, "grade": r.grade}


routes: list[BaseRoute] = [
    Route("/units/{unit_id}/move-children", bulk_move_form, methods=["GET"], name="bulk_move_form"),
    Route("/units/{unit_id}/move-children", bulk_move_save, methods=["POST"], name="bulk_move_save"),
]
