"""Sync conflicts (冲突): the same field changed on two sides; staff decide what the record keeps.

The list shows every open conflict in scope with both values side by side; a conflict's page
resolves it: keep the value that arrived first, take the one that arrived second, or write a
combined value from both (a new change by the staff member, on every phone at its next sync).
Nothing is discarded: the conflict row keeps both values after it is closed, and the audit log
keeps every step.
"""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync import NotAllowed, resolve_conflict
from sync.entities import ENTITIES
from sync.labels import this

from ..access import CHILD_ENTITIES, childrens_records, log_access
from ..clients import client_ip
from ..forms import FormInvalid, field_views, parse_fields
from ..queries.conflicts import get_conflict, open_conflicts, resolved_recently
from ..queries.versions import changed, values_at
from .form_posts import form_values, require_form, restore_draft
from .history import RESOLUTIONS, conflict_value, emptied_list
from .links import route_path
from .path_records import visible_record
from .visits import STAFF, Visit, require
from .writes import base_version

# How a closed conflict was closed: a choice, or the record's deletion (sync/pending.py).
CHOICES = {k: v for k, v in RESOLUTIONS.items() if k not in ("deleted", "file_deleted")}


def _link(page: Visit, row: dict[str, Any]) -> str | None:
    """Where the record of a conflict is shown, if anywhere on this site."""
    record = row["record"] or {}
    targets = {"activity": ("activity_detail", "activity_id", row["record_id"]),
               "pairing": ("pairing_detail", "pairing_id", row["record_id"]),
               "mentee": ("mentee_detail", "mentee_id", row["record_id"]),
               "screening": ("mentee_detail", "mentee_id", record.get("mentee_id")),
               "referral": ("referral_detail", "referral_id", row["record_id"]),
               "event": ("event_edit", "event_id", row["record_id"])}
    target = targets.get(row["entity"])
    if target is None or not target[2]:
        return None
    return route_path(page.request, target[0], **{target[1]: target[2]})


def _show(row: dict[str, Any], key: str) -> str:
    return conflict_value(row["entity"], row["field"], row[key])


def _view(page: Visit, row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "link": _link(page, row), "kept_shown": _show(row, "kept_value"),
            "other_shown": _show(row, "other_value"), "current_shown": _show(row, "current_value")}


def _emptied(row: dict[str, Any]) -> bool:
    """A list field one side emptied: "none of these" against some ticks. No value combines the two
    (the union is just the other side, the "none" undone unseen): staff pick a side, seeing both."""
    return emptied_list(row["entity"], row["field"], row["kept_value"], row["other_value"])


def _emptied_words(row: dict[str, Any]) -> str:
    ticked = _show(row, "other_value" if row["kept_value"] == [] else "kept_value")
    return (f"一方把“{row['field_label']}”全部取消了（无），另一方是：{ticked}。"
            "两者合并不了，请选定保留哪一方；需要的话，处理后可以在记录里再改。")


async def conflict_list(request: Request) -> Response:
    page = await require(request, STAFF)
    scope = await page.scope()
    rows, done = await page.state.store.read(lambda db: (open_conflicts(db, scope), resolved_recently(db, scope)))
    # The list shows both values of each child's record, as a conflict's own page does: logged alike.
    if shown := childrens_records(r["entity"] for r in [*rows, *done]):
        actor, ip = page.actor, client_ip(request)
        await page.state.store.write(lambda db: log_access(db, actor, "view_conflicts", actor.unit_id,
                                                           entities=shown, ip=ip))
    return page.render("conflict_list.html", {
        "rows": [_view(page, r) for r in rows], "done": [_view(page, r) for r in done], "choices": CHOICES,
        "resolutions": RESOLUTIONS,
    })


def _combined_start(row: dict[str, Any]) -> Any:
    """A first draft of the combined value: both texts one after the other, both lists together."""
    kept, other = row["kept_value"], row["other_value"]
    if isinstance(kept, str) and isinstance(other, str):
        return f"{kept}\n{other}"
    if isinstance(kept, list) and isinstance(other, list):
        return list(dict.fromkeys([*kept, *other]))
    return kept


async def _conflict(page: Visit) -> dict[str, Any]:
    return await visible_record(page, page.request.path_params["conflict_id"], "冲突记录", get_conflict)


def _plain(value: Any) -> Any:
    # A browser sends a textarea's line breaks as CRLF: the untouched draft must still match itself.
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


def _written_over(row: dict[str, Any], posted: dict[str, Any]) -> bool:
    """Whether the combined box holds what the person wrote, not the draft the page put there."""
    name = row["field"]
    if name == "_deleted" or (name not in posted and not _unticked(row, posted)):
        return False  # no box, or a form without it (nothing to lose)
    try:
        typed = parse_fields(row["entity"], (name,), posted)[name]
    except FormInvalid:
        return True  # words that are not even a value of the field were still typed by someone
    return bool(_plain(typed) != _plain(_combined_start(row)))


def _unticked(row: dict[str, Any], posted: dict[str, Any]) -> bool:
    """Whether the form had the combined box as ticks and every one was unticked: a browser sends
    nothing for such a group (or an unticked checkbox), which only the box's marker tells from a
    form without the box."""
    spec = ENTITIES[row["entity"]].by_name.get(row["field"])
    return (bool(posted.get("combined_box")) and row["field"] not in posted
            and spec is not None and spec.kind in ("enums", "bool"))


def _typed(row: dict[str, Any], posted: dict[str, Any]) -> Any:
    """What the combined box held as posted (None: no box), for the page shown again."""
    if _unticked(row, posted):
        return parse_fields(row["entity"], (row["field"],), {})[row["field"]]  # [] or false
    return posted.get(row["field"])


async def _detail(page: Visit, row: dict[str, Any], *, choice: str = "", value: Any = None,
                  error: str | None = None, record_version: int | None = None, status: int = 200,
                  written_over: bool = False) -> Response:
    if row["entity"] in CHILD_ENTITIES:
        # Both values of a child's record, side by side (access log), on every showing: the page
        # shown again after a refused choice shows them as its GET does.
        actor, ip, shown = page.actor, client_ip(page.request), {row["entity"]: 1}
        await page.state.store.write(lambda db: log_access(db, actor, "view_conflict", row["record_id"],
                                                           entities=shown, ip=ip))
    combined = None
    emptied = _emptied(row)
    if row["field"] != "_deleted" and not emptied:
        start = _combined_start(row) if value is None else value
        (combined,) = field_views(row["entity"], (row["field"],), {row["field"]: start},
                                  labels={row["field"]: f"合并后的{row['field_label']}"})
        combined.required = False
    choices = {k: v for k, v in CHOICES.items() if k != "combined" or combined is not None}
    if emptied:  # each choice names what it keeps: the "none" is chosen, or undone, in sight
        choices = {"kept": f"{choices['kept']}：{_show(row, 'kept_value')}",
                   "other": f"{choices['other']}：{_show(row, 'other_value')}"}
    return page.render("conflict_detail.html", {
        "c": _view(page, row), "choices": choices, "resolutions": RESOLUTIONS, "choice": choice,
        "emptied_words": _emptied_words(row) if emptied else None,
        "combined": combined, "error": error, "record_version": record_version, "written_over": written_over,
    }, status=status)


async def conflict_detail(request: Request) -> Response:
    page = await require(request, STAFF)
    row = await _conflict(page)
    draft = await restore_draft(page)
    if draft:  # sent after the sign-in ran out: the choice and the combined words, against what they saw
        return await _detail(page, row, choice=str(draft.get("choice") or ""), value=draft.get(row["field"]),
                             record_version=base_version(draft, "record_version"))
    return await _detail(page, row)


async def conflict_resolve(request: Request) -> Response:
    page, form = await require_form(request, STAFF)
    row = await _conflict(page)
    posted = form_values(form)
    choice = str(posted.get("choice") or "")
    if choice not in CHOICES:
        return await _detail(page, row, error="请选择怎样处理这条冲突。", status=400)
    if choice == "combined" and _emptied(row):  # a page from before, or a crafted post
        return await _detail(page, row, error=_emptied_words(row), status=400,
                             record_version=base_version(posted, "record_version"))
    if choice != "combined" and _written_over(row, posted) and not posted.get("drop_combined"):
        # Picking one side drops the box: words written there are kept and the person asked, never
        # thrown away unseen (they often type first and pick the choice last).
        words = (f"您在“合并后的{row['field_label']}”框里改写了内容，但选的是“{CHOICES[choice]}”，"
                 "这样写的字不会保存。要保存写的字，请选“合并两者”；确实不要，请勾选下面的“不要框里写的字”再点确定。")
        return await _detail(page, row, value=_typed(row, posted), error=words, status=400,
                             record_version=base_version(posted, "record_version"), written_over=True)
    value = None
    if choice == "combined" and row["field"] != "_deleted":
        try:
            value = parse_fields(row["entity"], (row["field"],), posted)[row["field"]]
        except FormInvalid as exc:
            return await _detail(page, row, choice=choice, value=posted.get(row["field"]),
                                 error=next(iter(exc.errors.values())), status=400)
    actor = page.actor
    seen = base_version(posted, "record_version")
    try:
        await page.state.store.write(
            lambda db: resolve_conflict(db, actor, row["id"], choice, value=value, seen_version=seen))
    except NotAllowed as exc:
        if not await _resolved_so_already(page, choice, value):
            return await _detail(page, row, choice=choice, value=value, error=exc.reason, status=400)
    entity = ENTITIES[row["entity"]].label
    words = f"冲突已处理（{CHOICES[choice]}）；{this(entity)}的两个版本都留在冲突记录里。"
    return page.redirect("/conflicts", flash=words)


async def _resolved_so_already(page: Visit, choice: str, value: Any) -> bool:
    """Whether this person resolved the conflict already as this post asks (its combined value still
    the record's): the same form sent again (a double click), answered as the first post was, not
    with "已经处理过了" as if it had failed. Another choice is still refused in words."""
    row = await _conflict(page)
    if row["status"] != "resolved" or row.get("resolved_by") != page.actor.user_id or row.get("resolution") != choice:
        return False
    if choice != "combined":
        return True
    now = await page.state.store.read(  # the record as it is now (any version past the current one)
        lambda db: values_at(db, row["entity"], row["record_id"], 1 << 40))
    return now is not None and not changed({row["field"]: value}, now)


routes: list[BaseRoute] = [
    Route("/conflicts", conflict_list, methods=["GET"], name="conflict_list"),
    Route("/conflicts/{conflict_id}", conflict_detail, methods=["GET"], name="conflict_detail"),
    Route("/conflicts/{conflict_id}", conflict_resolve, methods=["POST"], name="conflict_resolve"),
]
