"""代录 and the activity page: staff enter a visit on behalf of a volunteer without a smartphone, and
anyone in the office reads (staff correct) one activity.

The form has the phone form's fields. The engine records the pairing's volunteer as the author and
the staff member as the one who entered it (``entered_by``); the record reaches the volunteer's phone,
if they have one, at its next sync. An approved activity is locked: the page says so and the engine
refuses any change.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import sqlite_utils
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync import Actor, Outcome, Scope, apply_mutations, parse_id
from sync.entities import ACTIVITY
from sync.mutations import delete
from sync.timeutil import local_today

from ..access import log_access
from ..clients import client_ip
from ..errors import BadRequest
from ..forms import FieldView, FormInvalid, field_views, parse_fields, refusal_errors
from ..queries.archive_records import conflicts_of, get_activity
from ..queries.archives import get_pairing
from ..queries.likely_visits import LikelyVisit, said_two, same_day_visits, say_distinct, say_not_twins, twins_of
from ..queries.names import sees_names
from ..queries.pickers import author_choices, ended_pairing, pairing_options, stopped_volunteer
from .form_posts import form_values, require_form, restore_draft
from .history import changed_after_approval, conflict_lines, deletion_line, history_lines
from .links import came_from
from .path_records import visible_record
from .pickers import FIND, attach_finder, found, search_text
from .shown import log_shown
from .visits import OFFICE, STAFF, Visit, require, safe_next
from .writes import base_version, create_once, deleted_already, edit, form_record_id, saved_words, shown_version

FIELDS = ("kind", "date", "duration_min", "place", "preparation", "record", "follow_up", "follow_up_due",
          "moods", "observations", "tags", "risk_flag")
# Chips a person taps instead of typing; anything else goes in the “其他” box beside them. Every pick
# the phone offers (pwa/js/strings.js MOODS, OBSERVATIONS) is one here too, so a phone's visit opened on
# this form has its picks ticked, in the same words, rather than spelled out under 其他.
CHIPS = {
    "moods": ("平稳", "开心", "愿意交流", "自信", "有点紧张", "紧张", "焦虑", "低落", "沉默", "烦躁"),
    "observations": ("作息规律", "学习有进步", "作业完成好", "主动说出心事", "和家人关系好", "和同学关系改善",
                     "笑容多了", "睡眠不好", "情绪有起伏", "不愿上学", "沉迷手机", "手机使用时间长", "上课注意力差",
                     "不愿与同学交往", "想念父母", "作业跟不上"),
}


def _chip_values(form: dict[str, Any]) -> dict[str, Any]:
    """The picked chips plus what was typed under “其他” (split at commas and 、), as one list per field."""
    out = dict(form)
    for name in CHIPS:
        if name not in form and f"{name}_other" not in form:
            continue
        picked = form.get(name) or []
        picked = picked if isinstance(picked, list) else [picked]
        other = form.get(f"{name}_other") or ""
        other = other[-1] if isinstance(other, list) else other
        out[name] = [*picked, other] if str(other).strip() else picked
    return out


def _views(values: dict[str, Any], errors: dict[str, str] | None = None) -> list[FieldView]:
    views = field_views("activity", FIELDS, values, errors=errors, hints={
        "follow_up_due": "到这一天还没跟进的，会出现在工作台的“逾期未跟踪”里。",
        "record": "可以用手机键盘的语音输入。",
    })
    for view in views:
        if view.name == "kind":
            view.widget = "radios"
        if view.name in CHIPS:
            view.widget = "chips"  # preset chips plus a “其他” box (templates/activity_form.html)
            view.options = [(c, c) for c in CHIPS[view.name]]
    return views


# The 代录 form's tick that the visit is not the one of that pairing and day already recorded (its
# value: those visits' ``LikelyVisit.key``, so it lets only the visits named through).
ANOTHER_VISIT = "another_visit"


class LikelyTwin(Exception):
    """A 代录 held back: the pairing has a live visit of the same sort on that day already."""

    def __init__(self, likely: LikelyVisit) -> None:
        super().__init__("likely twin")
        self.likely = likely


def _refuse_twin(actor: Actor, fields: dict[str, Any], posted: dict[str, Any]) -> Any:
    """Inside the create's write, once the write rules took the visit (a refusal of theirs is said
    first: a deleted child's pairing takes no visit, twin or not): raise ``LikelyTwin``, undoing the
    create, unless the pairing has no other such visit that day, or the person ticked that this is
    another beside exactly the visits there are now. Read in the write, so of two clerks posting the
    same paper form at once the second is asked."""
    def check(db: Any) -> None:
        likely = same_day_visits(db, fields["pairing_id"], fields.get("date"), fields.get("kind") or "home_visit",
                                 but=posted["record_id"])
        if likely is not None and _ticked(posted) != likely.key:
            raise LikelyTwin(likely)
        if likely is not None:  # said to be another: these pairs are not marked 可能重复 after
            say_distinct(db, posted["record_id"], likely, actor.user_id)
    return check


def _ticked(values: dict[str, Any]) -> str:
    raw = values.get(ANOTHER_VISIT) or ""
    return str(raw[-1] if isinstance(raw, list) else raw)


async def _twin_again(page: Visit, values: dict[str, Any]) -> LikelyVisit | None:
    """A ticked form refused for another field: the visits its tick answered, asked afresh, so the box
    and its tick come back beside them (never a tick on its own, which would say nothing). Only of a
    pairing in the visitor's scope: unlike the check in the write, no write rule has read the pairing
    first, and a tick posted beside another town's pairing would show its visits' authors and words."""
    if not _ticked(values):
        return None
    try:
        fields = parse_fields("activity", ("pairing_id", "date", "kind"), values)
    except FormInvalid:
        return None
    scope = await page.scope()

    def read(db: sqlite_utils.Database) -> LikelyVisit | None:
        if not fields["pairing_id"] or get_pairing(db, scope, str(fields["pairing_id"]), deleted_too=True) is None:
            return None
        return same_day_visits(db, fields["pairing_id"], fields["date"], fields["kind"] or "home_visit")
    return await page.state.store.read(read)


def _twin_box(likely: LikelyVisit | None, values: dict[str, Any]) -> dict[str, Any] | None:
    if likely is None:
        return None
    return {"visits": likely.visits, "key": likely.key, "ticked": _ticked(values) == likely.key}


async def _new_form(page: Visit, values: dict[str, Any], *, errors: dict[str, str] | None = None,
                    likely: LikelyVisit | None = None, status: int = 200) -> Response:
    scope = await page.scope()
    pairing_id, q = values.get("pairing_id"), search_text(values)
    if likely is None and status >= 400:
        likely = await _twin_again(page, values)
    if likely is not None:  # the visits named, with the first words of their 过程记录
        await log_shown(page, "view_likely_visits", str(values.get("pairing_id")), {"activity": len(likely.visits)})
    choices, authors, ended, stopped = await page.state.store.read(lambda db: (
        pairing_options(db, scope, q=q, keep=pairing_id), author_choices(db, scope, pairing_id).options,
        ended_pairing(db, scope, pairing_id), stopped_volunteer(db, scope, pairing_id)))
    pairings = choices.options
    if ended:  # 补录 of a visit made before the pairing ended: offered from its archive, not in the list
        pairings = [ended.option, *pairings]
    await log_shown(page, "view_mentee_choices", page.actor.unit_id, {"pairing": len(pairings)})  # each child named
    errors = dict(errors or {})
    picker = field_views("activity", ("pairing_id",), values, errors=errors, options={"pairing_id": pairings},
                         labels={"pairing_id": "五老志愿者 — 帮扶对象"},
                         hints={"pairing_id": "没有智能手机的志愿者排在前面。"})
    attach_finder(picker, "pairing_id", choices, q, noun="个结对",
                  label="查找结对：孩子的姓名或编号、志愿者的姓名" if sees_names(scope)
                  else "查找结对：孩子的编号、志愿者的姓名")
    if authors:
        # The child had another volunteer before: whose visit this was is asked, the one now picked.
        chosen = values.get("author_id") if values.get("author_for") == pairing_id else None
        shown = {"author_id": chosen if isinstance(chosen, str) and chosen in dict(authors) else authors[0][0]}
        picker += field_views("activity", ("author_id",), shown, errors=errors, options={"author_id": authors},
                              labels={"author_id": "做这次帮扶的老师"}, hints={"author_id": AUTHOR_HINT})
        picker[-1].widget = "radios"
    elif "author_id" in errors:
        errors["_form"] = errors.pop("author_id")
    fields = _views(values, errors)
    if ended:
        for view in fields:
            if view.name == "date":
                view.bounds = (ended.start, ended.end)
                view.hint = f"这个结对已经结束：只能补录结对期间（{ended.days}）做的帮扶。"
    return page.render("activity_form.html", {
        "title": "补录帮扶记录（结对已结束）" if ended else "代录帮扶活动", "picker": picker, "fields": fields,
        "form_error": errors.get("_form"), "action": page.request.url.path, "no_pairings": not (choices.total or ended),
        "record_id": form_record_id(values), "author_for": pairing_id if authors else None,
        # Named by a link (an archive, a list) and never offered in the picker: said at once, with
        # the ways on, not only once a visit typed in full is refused.
        "stopped_pairing": stopped, "twin": _twin_box(likely, values), "came_from": came_from(page.request, pairings),
    }, status=status)


AUTHOR_HINT = "这个孩子换过结对的老师。这次帮扶是哪位老师做的就选哪位；以前的老师只能记自己结对那些日子里的帮扶。"


async def _author_unasked(page: Visit, posted: dict[str, Any]) -> str | None:
    """Why a 代录 must wait for 做这次帮扶的老师: the form was shown without it (the pairing was
    picked on this page) and the visit's day was another volunteer's, who has since handed the
    child on; None when the pairing's volunteer now is the only one who can have made it."""
    if posted.get("author_for") == posted.get("pairing_id"):
        return None
    scope = await page.scope()
    authors = await page.state.store.read(lambda db: author_choices(db, scope, posted.get("pairing_id")))
    then = list(dict.fromkeys(s.mentor_id for s in authors.spans if s.holds(posted.get("date"))))
    if not then:
        return None
    names, now = "、".join(authors.names.get(i, "") for i in then), authors.names.get(authors.options[0][0], "")
    return (f"这个孩子在这次帮扶的那天由{names}结对，{'最后' if authors.ended else '现在'}由{now}结对："
            "请选择是哪位老师做的这次帮扶，再点“保存”。")


async def activity_new(request: Request) -> Response:
    page = await require(request, STAFF)
    values: dict[str, Any] = {"kind": "home_visit", "date": local_today().isoformat(), "risk_flag": False}
    values["q"] = request.query_params.get("q", "")
    if request.query_params.get("pairing_id"):
        values["pairing_id"] = request.query_params["pairing_id"]
        scope = await page.scope()
        if await page.state.store.read(lambda db: ended_pairing(db, scope, values["pairing_id"])):
            values["date"] = None  # today is after its end: the day is the person's to type
    values.update(_chip_values(await restore_draft(page) or {}))
    return await _new_form(page, values)


async def activity_create(request: Request) -> Response:
    page, form = await require_form(request, STAFF)
    typed = form_values(form)
    if FIND in typed:  # 查找 beside the pairing picker: back to the form, narrowed, nothing saved
        return await found(page, typed)  # as typed: the form's GET reads the chips of a draft itself
    posted = _chip_values(typed)
    try:
        fields = parse_fields("activity", ("pairing_id", *FIELDS), posted)
    except FormInvalid as exc:
        return await _new_form(page, posted, errors=exc.errors, status=400)
    if fields["pairing_id"] is None:
        return await _new_form(page, posted, status=400,
                               errors={"pairing_id": "请选择是哪一位志愿者、哪一个孩子的帮扶。"})
    scope = await page.scope()
    stopped = await page.state.store.read(lambda db: stopped_volunteer(db, scope, fields["pairing_id"]))
    if stopped is not None:  # the form says it once, above the picker, with the ways on (stopped_pairing)
        return await _new_form(page, posted, status=400)
    unasked = await _author_unasked(page, posted)
    if unasked:
        return await _new_form(page, posted, status=400, errors={"author_id": unasked})
    if posted.get("author_for") == fields["pairing_id"]:
        # Only as picked for this pairing: a choice left from another pairing picked first is no one's.
        fields.update(parse_fields("activity", ("author_id",), posted))
    posted["record_id"] = form_record_id(posted)  # the id the twin check leaves out: the visit it saves
    try:
        outcome = await create_once(page, "activity", fields, posted, leave_out_empty=True,
                                    then=_refuse_twin(page.actor, fields, posted))
    except LikelyTwin as twin:
        return await _new_form(page, posted, likely=twin.likely, status=409)
    if outcome.status == "rejected":
        return await _new_form(page, posted, status=400,
                               errors=refusal_errors(ACTIVITY, outcome, ("pairing_id", "author_id", *FIELDS)))
    if await page.state.store.read(lambda db: ended_pairing(db, scope, fields["pairing_id"])):
        return page.redirect(f"/activities/{outcome.record_id}", flash="已补录。它在审核队列里等待审核。")
    return page.redirect(f"/activities/{outcome.record_id}",
                         flash="已代录。志愿者的手机（如有）下次同步时会收到这条记录；它在审核队列里等待审核。")


async def _visible_activity(page: Visit, raw_id: str) -> dict[str, Any]:
    return await visible_record(page, raw_id, "帮扶活动", get_activity)


def _kept_activity(db: sqlite_utils.Database, scope: Scope, activity_id: str) -> dict[str, Any] | None:
    return get_activity(db, scope, activity_id, deleted_child_too=True)


async def activity_detail(request: Request) -> Response:
    page = await require(request, OFFICE)
    # A deleted child's visit still opens from its kept file, read-only; its edit form does not.
    activity = await visible_record(page, request.path_params["activity_id"], "帮扶活动", _kept_activity)
    record_id, gone_child = activity["id"], bool(activity["mentee_deleted"])
    lines, conflicts, child_line, twins, two = await page.state.store.read(lambda db: (
        history_lines(db, "activity", record_id),
        conflict_lines("activity", conflicts_of(db, [record_id]).get(record_id, [])),
        deletion_line(db, "mentee", activity["mentee_id"]) if gone_child else None,
        twins_of(db, [record_id]).get(record_id, []), said_two(db, record_id)))
    activity["twins"], activity["said_two"] = twins, two
    activity["changed_after_approval"] = changed_after_approval(lines, activity["reviews"])
    actor, ip = page.actor, client_ip(request)
    counts = {"activity": 1, "review": len(activity["reviews"])} if activity["reviews"] else {"activity": 1}
    await page.state.store.write(lambda db: log_access(db, actor, "view_activity", activity["id"], entities=counts,
                                                       ip=ip))
    return page.render("activity_detail.html", {
        "a": activity, "history": lines, "conflicts": conflicts, "names": sees_names(await page.scope()),
        "can_edit": actor.role in STAFF and activity["review_status"] != "approved" and not gone_child,
        "can_review": activity["review_status"] != "approved" and not gone_child,
        # The flag is handled on the station home, which this page never named: staff who had just
        # entered (代录) a visit with a flag were told it waits for review and nothing else.
        "flag_open": actor.role in STAFF and bool(activity["risk_flag"]) and not gone_child
        and not activity["deleted"] and not (activity["risk_action"] or "").strip(),
        # A station types a volunteer's paper forms one after another: the next one is a tap away.
        # Not for a stopped volunteer's pairing: nobody visits that child, and its 代录 is refused.
        "again": actor.role in STAFF and activity["pairing_status"] == "active" and not activity["pairing_deleted"]
        and not gone_child and activity["mentor_active"] != 0,
        "child_deleted_line": child_line,
        # 可能重复: the extra one is deleted here by staff (audited; kept in the archive's deleted visits).
        # An approved one is locked, deletes too (sync/apply.py): the page says to return it first.
        # Beside visits said to be two as well: said wrongly, the extra one is still deleted here.
        "twin_delete": actor.role in STAFF and bool(twins or two) and activity["review_status"] != "approved"
        and not gone_child,
        "twin_locked": activity["review_status"] == "approved",
        # 不是重复: whoever may review the visit (everyone this page opens for, in scope) says so here.
        "not_twin": bool(twins) and not gone_child and not activity["pairing_deleted"],
        "twin_key": "+".join(str(t["id"]) for t in twins),
    })


async def _edit_form(page: Visit, activity: dict[str, Any], values: dict[str, Any], version: int, *,
                     errors: dict[str, str] | None = None, status: int = 200) -> Response:
    # The form shows the visit (whose child, the volunteer, its words): a view, logged on every
    # showing, the form shown again after a refused change too.
    actor, ip = page.actor, client_ip(page.request)
    await page.state.store.write(
        lambda db: log_access(db, actor, "edit_activity", activity["id"], entities={"activity": 1}, ip=ip))
    locked = activity["review_status"] == "approved"
    # Approved while the person was typing: no form any more, but their words are shown back to
    # them (to copy for the reviewer who can return it), not dropped.
    unsaved = [(ACTIVITY.by_name[name].label, values[name]) for name in FIELDS
               if locked and status >= 400 and ACTIVITY.by_name[name].kind == "text"
               and values.get(name) and values.get(name) != activity.get(name)]
    return page.render("activity_form.html", {
        "title": "修改帮扶活动", "activity": activity, "picker": [], "fields": _views(values, errors),
        "version": version, "form_error": (errors or {}).get("_form"), "action": page.request.url.path,
        "no_pairings": False, "locked": locked, "unsaved": unsaved,
    }, status=status)


async def activity_edit(request: Request) -> Response:
    page = await require(request, STAFF)
    activity = await _visible_activity(page, request.path_params["activity_id"])
    draft = _chip_values(await restore_draft(page) or {})
    values = {**{k: activity[k] for k in FIELDS}, **draft}
    return await _edit_form(page, activity, values, base_version(draft) or activity["version"])


async def activity_save(request: Request) -> Response:
    page, form = await require_form(request, STAFF)
    activity = await _visible_activity(page, request.path_params["activity_id"])
    posted = _chip_values(form_values(form))
    version = shown_version(posted)
    try:
        fields = parse_fields("activity", FIELDS, posted)
    except FormInvalid as exc:
        return await _edit_form(page, activity, posted, version, errors=exc.errors, status=400)
    outcome = await edit(page, "activity", activity["id"], version, fields)
    if outcome is None:
        return page.redirect(f"/activities/{activity['id']}", flash="没有改动。")
    if outcome.status == "rejected":
        return await _edit_form(page, activity, posted, version, status=400,
                                errors=refusal_errors(ACTIVITY, outcome, FIELDS))
    return page.redirect(f"/activities/{activity['id']}", flash=saved_words(outcome))


DELETED = "已删除重复的帮扶记录（删除记录保存在审计日志中，档案的“已删除的帮扶记录”里还看得到）。"


async def activity_delete(request: Request) -> Response:
    """Delete a visit that has a likely twin (可能重复), from its page: one engine delete as the staff
    member, audited, at the version the page showed (a change made since is kept as a conflict, not
    deleted unseen). Only beside a twin, checked in the write: a visit with none is no duplicate, and
    this page is no place to lose a child's record."""
    page, form = await require_form(request, STAFF)
    raw_id = request.path_params["activity_id"]
    if await deleted_already(page, "activity", raw_id):  # the delete sent twice: answered as the first
        (pairing_id,) = await page.state.store.read(lambda db: db.execute(
            "SELECT pairing_id FROM activities WHERE id = ?", [parse_id(raw_id)]).fetchone())
        return page.redirect(f"/pairings/{pairing_id}", flash=DELETED)
    activity = await _visible_activity(page, request.path_params["activity_id"])
    posted = form_values(form)
    version = shown_version(posted, redo="删除")
    here = f"/activities/{activity['id']}"
    if posted.get("confirm") != "twin":
        return page.redirect(here, flash="没有删除：请先勾选“我看过了：这一条和上面那条是同一次帮扶，删掉这一条”。")
    actor = page.actor

    def write(db: Any) -> Outcome | None:
        # A same-day visit of its sort, marked or said to be another (不是重复 said wrongly is undone so).
        if same_day_visits(db, activity["pairing_id"], activity["date"], activity["kind"], but=activity["id"]) is None:
            return None
        (outcome,) = apply_mutations(db, actor, [delete("activity", activity["id"], base_version=version)])
        return outcome

    outcome = await page.state.store.write(write)
    if outcome is None:
        return page.redirect(here, flash="没有删除：这个结对同一天已经没有另一条同类的帮扶记录，这一条不是重复的。")
    if outcome.status != "applied":
        return page.redirect(here, flash=f"没有删除：{outcome.reason or ''}")
    return page.redirect(f"/pairings/{activity['pairing_id']}", flash=DELETED)


NOT_TWINS = {
    "said": "已记下：这几条是不同的帮扶，不再标“可能重复”（谁、什么时候记的，这一页下面写着）。",
    "already": "已记下：这几条是不同的帮扶，不再标“可能重复”。",
    "none": "没有记下：这个结对同一天已经没有标着“可能重复”的同类帮扶记录了。",
    "changed": "没有记下：您打开这一页之后，这个结对同一天又多了一条同类的帮扶记录。请看过下面标出的记录再决定。",
}


async def activity_not_twin(request: Request) -> Response:
    """不是重复（确实是两次帮扶）: whoever may review the visit (the office, in scope: the same people
    the engine lets review it) says that it and its likely twins are two visits, kept in
    distinct_visits as the 代录 form's tick is, audited; neither is marked 可能重复 after. Only beside
    the twins the page showed, read again in the write. Not undone: the table is the append-only
    trace of what was said; if it was the same visit after all, the extra one is still deleted from
    its page (``activity_delete`` asks only that a same-day visit of its sort is there)."""
    page, form = await require_form(request, OFFICE)
    activity = await visible_record(page, request.path_params["activity_id"], "帮扶活动", _kept_activity)
    posted = form_values(form)
    queue = queue_page(posted.get("back"))
    raw = posted.get("twins") or ""
    shown = {i for i in (parse_id(x) for x in str(raw[-1] if isinstance(raw, list) else raw).split("+")) if i}
    if not shown:
        raise BadRequest("表单缺少要核对的记录，请刷新页面后重新提交。")
    # From the review queue's card: back to the queue's page it was made on, at the card.
    here = f"{queue}#{activity['id']}" if queue else f"/activities/{activity['id']}"
    if activity["mentee_deleted"] or activity["pairing_deleted"]:
        return page.redirect(here, flash="没有记下：这条记录所在的档案已被删除，只能查看。")
    if posted.get("confirm") != "two":
        return page.redirect(here, flash="没有记下：请先勾选“我看过了：这几条是不同的帮扶”。")
    actor = page.actor
    said = await page.state.store.write(lambda db: say_not_twins(db, actor, activity["id"], shown))
    # The queue's card does not say who said it and when (the visit's page does): its own words.
    return page.redirect(here, flash=NOT_TWINS["already" if queue and said == "said" else said])


def queue_page(raw: object) -> str | None:
    """``back``, a page of the review queue (/review, its ``unit`` and ``page`` kept) to come back to;
    anything else (an absolute URL, //host, another path, a list) is ignored, so a forged form can
    never send the reviewer off the site."""
    if not isinstance(raw, str) or len(raw) > 200 or any(ord(c) < 32 for c in raw):
        return None
    parts = urlsplit(safe_next(raw))  # the site's own rule for a path on this site
    if parts.path != "/review":
        return None
    return "/review" + (f"?{parts.query}" if parts.query else "")


routes: list[BaseRoute] = [
    Route("/activities/new", activity_new, methods=["GET"], name="activity_new"),
    Route("/activities/new", activity_create, methods=["POST"], name="activity_create"),
    Route("/activities/{activity_id}", activity_detail, methods=["GET"], name="activity_detail"),
    Route("/activities/{activity_id}/edit", activity_edit, methods=["GET"], name="activity_edit"),
    Route("/activities/{activity_id}/edit", activity_save, methods=["POST"], name="activity_save"),
    Route("/activities/{activity_id}/delete", activity_delete, methods=["POST"], name="activity_delete"),
    Route("/activities/{activity_id}/not-twin", activity_not_twin, methods=["POST"], name="activity_not_twin"),
]
