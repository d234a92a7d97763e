"""Volunteers (五老): the list, adding and editing accounts, and each volunteer's file with their
pairings, their phones and what staff do for those phones — issue an enrolment code (8 digits and
a QR code of ``/app/?code=…``), issue a one-time PIN-recovery code for a phone whose volunteer
forgot the PIN (``server/recovery.py``; docs/security.md), revoke a lost phone, deactivate or
reactivate the account (stopping it may end the volunteer's pairings in the same write: ``stopping.py``).

Accounts go through ``sync.users`` (audited; staff manage role ``mentor`` in their subtree);
phones through ``server.devices``. Every action of the file page posts to the file's own URL
with an ``action`` field, so an expired session comes back to the right page.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync import NotAllowed, parse_id
from sync.account_edits import EditedMeanwhile, edited_fields
from sync.account_values import fold_login
from sync.audit import append_audit
from sync.labels import MENTOR_KINDS
from sync.users import made_already, save_user

from ..devices import UnknownUser, issue_code, revoke_device
from ..qr import enrol_url, qr_svg
from ..queries.mentors import (
    PAGE_SIZE,
    UNSET_KIND,
    MentorFilter,
    active_pairing_units,
    free_login,
    get_mentor,
    list_mentors,
    mentor_devices,
    mentor_pairings,
)
from ..queries.units import lowest_holding, unit_options
from ..recovery import UnknownDevice, issue_recovery_code
from ..unit_closing import refuse_closed_account
from .account_shown import posted_shown, with_shown
from .form_posts import form_values, require_form, restore_draft
from .links import route_path
from .mentor_kind import posted_kind
from .paging import page_count, page_number, past_the_end
from .path_records import not_found, path_id, visible_record
from .shown import log_shown
from .stopping import (
    TICK,
    answer_stop,
    end_running_pairings,
    ended_words,
    restored_words,
    stop_account,
    stop_form,
    stopped_words,
)
from .visits import CHILD_FILE, STAFF, Visit, require
from .writes import account_saved_before, form_record_id

FIELDS = ("name", "login", "phone", "unit_id", "about", "mentor_kind", "smartphone")
REASON_MAX = 200


def _mentor_id(request: Request) -> str:
    return path_id(request.path_params["mentor_id"], "志愿者")


async def _mentor(visit: Visit, mentor_id: str) -> dict[str, Any]:
    return await visible_record(visit, mentor_id, "志愿者", get_mentor)


# --- the list ------------------------------------------------------------------------------------

async def mentor_list(request: Request) -> Response:
    visit = await require(request, STAFF)
    params = request.query_params
    kind = params.get("kind", "")
    f = MentorFilter(q=params.get("q", "").strip()[:50], unit_id=parse_id(params.get("unit")) or "",
                     active=params.get("active", "1") if params.get("active", "1") in ("", "0", "1") else "1",
                     kind=kind if kind in MENTOR_KINDS or kind == UNSET_KIND else "",
                     page=page_number(params))
    scope = await visit.scope()

    def read(db: Any) -> tuple[list[dict[str, Any]], int, list[tuple[str, str]]]:
        rows, total = list_mentors(db, scope, f)
        return rows, total, unit_options(db, scope)

    rows, total, units = await visit.state.store.read(read)
    if last := past_the_end(visit, f.page, page_count(total, PAGE_SIZE)):
        return last
    query = {k: v for k, v in (("q", f.q), ("unit", f.unit_id), ("kind", f.kind), ("active", f.active)) if v}
    return visit.render("staff/mentor_list.html", {
        "rows": rows, "total": total, "f": f, "units": units, "query": query,
        "kinds": MENTOR_KINDS, "unset": UNSET_KIND,
        "pages": page_count(total, PAGE_SIZE), "import_path": route_path(request, "mentor_import"),
    })


# --- adding and editing ----------------------------------------------------------------------------

async def _form_page(visit: Visit, *, mentor: dict[str, Any] | None, values: dict[str, Any],
                     error: str | None = None, status: int = 200) -> Response:
    scope = await visit.scope()
    units = await visit.state.store.read(lambda db: unit_options(db, scope))
    return visit.render("staff/mentor_form.html", {"mentor": mentor, "values": values, "units": units,
                                                   "kinds": MENTOR_KINDS,
                                                   "error": error, "record_id": form_record_id(values)},
                        status=status)


def _account_fields(values: dict[str, Any]) -> dict[str, Any]:
    def text(name: str) -> str | None:
        raw = values.get(name)
        value = (raw[-1] if isinstance(raw, list) else raw or "").strip()
        return value or None

    fields = {"name": text("name") or "", "login": fold_login(text("login") or "") or None, "phone": text("phone"),
              "unit_id": text("unit_id"), "about": text("about"), "smartphone": bool(values.get("smartphone"))}
    return {**fields, **posted_kind(values)}


async def mentor_new(request: Request) -> Response:
    visit = await require(request, STAFF)
    draft = await restore_draft(visit)
    return await _form_page(visit, mentor=None, values=draft or {"smartphone": "1", "unit_id": visit.actor.unit_id})


async def mentor_create(request: Request) -> Response:
    visit, form = await require_form(request, STAFF)
    values = form_values(form)
    fields = _account_fields(values)
    actor = visit.actor
    record_id = parse_id(values.get("record_id"))  # the form's own id for the new account

    def write(db: Any) -> str:
        if record_id is not None and made_already(db, actor, record_id):
            # The same form again, added once; with other values (back, a change, 保存) said so.
            compared = {k: v for k, v in {**fields, "role": "mentor"}.items() if k != "login" or v is not None}
            refused = account_saved_before(request, db, record_id, compared, ("mentor_detail", "mentor_id"))
            if refused is not None:
                raise refused
            return record_id
        refuse_closed_account(db, fields)
        login = fields["login"] or free_login(db, fields["phone"])
        return save_user(db, actor, {**fields, "login": login, "role": "mentor"}, user_id=record_id, create=True)

    try:
        user_id = await visit.state.store.write(write)
    except NotAllowed as exc:
        return await _form_page(visit, mentor=None, values=values, error=exc.reason, status=400)
    return visit.redirect(f"/mentors/{user_id}", flash="已添加志愿者。请在下方为这位志愿者的手机发登记码。")


async def mentor_edit(request: Request) -> Response:
    visit = await require(request, STAFF)
    mentor = await _mentor(visit, _mentor_id(request))
    draft = await restore_draft(visit)
    return await _form_page(visit, mentor=mentor, values=draft or with_shown(mentor, FIELDS))


async def mentor_update(request: Request) -> Response:
    visit, form = await require_form(request, STAFF)
    mentor_id = _mentor_id(request)
    mentor = await _mentor(visit, mentor_id)
    values = form_values(form)
    fields = _account_fields(values)
    fields["login"] = fields["login"] or mentor["login"]
    # A form without the hidden copy (a page older than it) is taken as showing the account as it is now.
    shown = posted_shown(values, FIELDS, _account_fields) or mentor
    actor = visit.actor
    def save(db: Any) -> None:
        refuse_closed_account(db, fields, mentor_id)
        save_user(db, actor, fields, user_id=mentor_id, shown=shown)

    try:
        await visit.state.store.write(save)
    except EditedMeanwhile as exc:
        now = await _mentor(visit, mentor_id)
        # What the person changed and nobody else did stays as typed; the rest shows the account as it is now.
        kept = {k: values.get(k) for k in edited_fields(fields, shown) if k not in exc.fields}
        return await _form_page(visit, mentor=now, values={**with_shown(now, FIELDS), **kept}, error=exc.reason,
                                status=409)
    except NotAllowed as exc:
        return await _form_page(visit, mentor=mentor, values=values, error=exc.reason, status=400)
    return visit.redirect(f"/mentors/{mentor_id}", flash="已保存。")


# --- the volunteer's file and its actions ------------------------------------------------------------

async def _detail_page(visit: Visit, mentor_id: str, *, error: str | None = None, draft: dict[str, Any] | None = None,
                       status: int = 200) -> Response:
    scope = await visit.scope()

    def read(db: Any) -> dict[str, Any] | None:
        mentor = get_mentor(db, scope, mentor_id)
        if mentor is None:
            return None
        return {"mentor": mentor, "pairings": mentor_pairings(db, scope, mentor_id),
                "devices": mentor_devices(db, mentor_id), "stop": stop_form(db, scope, mentor_id)}

    data = await visit.state.store.read(read)
    if data is None:
        raise not_found("志愿者")
    # The volunteer's pairings name each child (and the stop form lists them by code).
    shown = {p["id"] for p in data["pairings"]} | {p["id"] for p in data["stop"]["to_end"]}
    await log_shown(visit, "view_mentor_pairings", mentor_id, {"pairing": len(shown)})
    # The exported file is entered by the staff who work with the children (the admin is told who).
    entry = route_path(visit.request, "phone_import") if visit.actor.role in CHILD_FILE else None
    return visit.render("staff/mentor_detail.html", {**data, "error": error, "draft": draft or {},
                                                     "hours": visit.state.settings.enrol_code_hours,
                                                     "phone_import": entry},
                        status=status)


async def mentor_detail(request: Request) -> Response:
    visit = await require(request, STAFF)
    return await _detail_page(visit, _mentor_id(request), draft=await restore_draft(visit))


async def mentor_action(request: Request) -> Response:
    visit, form = await require_form(request, STAFF)
    mentor_id = _mentor_id(request)
    mentor = await _mentor(visit, mentor_id)
    values = form_values(form)
    action = values.get("action")
    if action == "enrol_code":
        return await _issue_code(visit, mentor)
    if action == "revoke":
        return await _revoke(visit, mentor, values)
    if action == "recovery_code":
        return await _recovery_code(visit, mentor, values)
    if action == "deactivate":
        return await _deactivate(visit, mentor, values)
    if action == "reactivate":
        return await _reactivate(visit, mentor)
    if action == "end_pairings":
        return await _end_pairings(visit, mentor, values)
    return await _detail_page(visit, mentor_id, status=400, error="不认识的操作。")


async def _issue_code(visit: Visit, mentor: dict[str, Any]) -> Response:
    if not mentor["active"]:
        return await _detail_page(visit, mentor["id"], status=400,
                                  error="这位志愿者的账号已停用，请先恢复再发登记码。")
    hours = visit.state.settings.enrol_code_hours
    actor = visit.actor
    scope = await visit.scope()

    def issue(db: Any) -> dict[str, Any]:
        # A code is a key to everything the volunteer's phone pulls: their paired children's files.
        # A child who moved to another town can keep the volunteer, and then this station may no
        # longer read that file; enrolling a phone of its own must not read it either. Checked in
        # the write that issues the code, so a pairing made meanwhile is seen.
        units = active_pairing_units(db, mentor["id"])
        if not all(scope.allows_unit(unit) for unit in units):
            # Whom to ask is the lowest office reaching both this station and the child's new unit: the
            # town when the child moved to a school of the same town, else the county. The child is not named.
            office = lowest_holding(db, [actor.unit_id, *units]) or "县关工委"
            raise NotAllowed("这位志愿者有结对的孩子已转到不在您的管理范围内的单位，所以这里不能发登记码。"
                             f"请联系{office}发放，或请{office}结束那个结对。")
        issued = issue_code(db, mentor["login"], hours=hours)
        append_audit(db, actor, "user", mentor["id"], "enrol_code",
                     {"enrol_code_expires_at": [None, issued["expires_at"]]})
        return issued

    try:
        issued = await visit.state.store.write(issue)
    except UnknownUser as exc:
        return await _detail_page(visit, mentor["id"], status=400, error=str(exc))
    except NotAllowed as exc:
        return await _detail_page(visit, mentor["id"], status=400, error=exc.reason)
    settings = visit.state.settings
    link = enrol_url(settings.base_url, issued["code"])
    # A QR code of http://0.0.0.0:… scans to nothing: the page says why and shows only the digits.
    unreachable = settings.base_url_unreachable
    # Shown once, never stored in a cookie or a redirect: the code is a key to the account.
    return visit.render("staff/enrol_code.html", {
        "mentor": mentor, "code": issued["code"], "expires_at": issued["expires_at"], "link": link,
        "qr": None if unreachable else qr_svg(link), "unreachable": unreachable, "hours": hours,
        "replaced": issued["replaced"]})


async def _device(visit: Visit, mentor: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The phone of this volunteer the form's ``device_id`` names; 404 for any other id."""
    device_id = parse_id(values.get("device_id"))
    devices = await visit.state.store.read(lambda db: mentor_devices(db, mentor["id"]))
    device = next((d for d in devices if d["id"] == device_id), None)
    if device is None:
        raise not_found("手机")
    return device


async def _revoke(visit: Visit, mentor: dict[str, Any], values: dict[str, Any]) -> Response:
    device = await _device(visit, mentor, values)
    device_id: str = device["id"]
    reason = str(values.get("reason") or "").strip()
    if not reason or len(reason) > REASON_MAX:
        return await _detail_page(visit, mentor["id"], status=400, draft=values,
                                  error=f"请写明停用原因（如“手机丢失”），最多 {REASON_MAX} 字。")
    here = f"/mentors/{mentor['id']}"
    if device["revoked_at"] is not None:
        return visit.redirect(here, flash="这台手机已经停用。")
    actor = visit.actor

    def revoke(db: Any) -> None:
        revoke_device(db, device_id, reason)
        append_audit(db, actor, "device", device_id, "revoke", {"revoked_reason": [None, reason]})

    await visit.state.store.write(revoke)
    return visit.redirect(here, flash=f"已停用“{device['name']}”：它下次联网时不能再同步，"
                                      "并会提示导出未同步的记录。")


async def _recovery_code(visit: Visit, mentor: dict[str, Any], values: dict[str, Any]) -> Response:
    """A one-time code that lets this phone, and only this phone, set a new PIN without losing data."""
    device = await _device(visit, mentor, values)
    device_id: str = device["id"]
    if device["revoked_at"] is not None or not device["has_recovery_key"]:
        return await _detail_page(visit, mentor["id"], status=400,
                                  error="这台手机不能用恢复码：它已停用，或还没有设置过手机密码。")
    hours = visit.state.settings.recovery_code_hours
    actor = visit.actor

    def issue(db: Any) -> dict[str, str]:
        issued = issue_recovery_code(db, device_id, hours=hours)
        append_audit(db, actor, "device", device_id, "recovery_code",
                     {"recovery_code_expires_at": [None, issued["expires_at"]]})
        return issued

    try:
        issued = await visit.state.store.write(issue)
    except UnknownDevice as exc:
        return await _detail_page(visit, mentor["id"], status=400, error=str(exc))
    # Shown once, never stored in a cookie or a redirect, like an enrolment code.
    return visit.render("staff/recovery_code.html", {
        "mentor": mentor, "device": device, "code": issued["code"], "expires_at": issued["expires_at"],
        "hours": hours})


async def _reactivate(visit: Visit, mentor: dict[str, Any]) -> Response:
    actor = visit.actor

    def restore(db: Any) -> None:
        refuse_closed_account(db, {"active": True}, mentor["id"])
        save_user(db, actor, {"active": True}, user_id=mentor["id"])

    try:
        await visit.state.store.write(restore)
    except NotAllowed as exc:
        return await _detail_page(visit, mentor["id"], status=400, error=exc.reason)
    words = await restored_words(visit, mentor["id"], "账号已恢复。", AGAIN)
    return visit.redirect(f"/mentors/{mentor['id']}", flash=words)


REPAIR = "请在下方“结对”里点“另找志愿者”为他们重新结对。"
AGAIN = "请在下方“结对”里点“另找志愿者”，再选这位志愿者。"


async def _deactivate(visit: Visit, mentor: dict[str, Any], values: dict[str, Any]) -> Response:
    if not mentor["active"]:  # the same form sent twice, or from a second tab
        return visit.redirect(f"/mentors/{mentor['id']}", flash="这位志愿者的账号已经停用。")
    return await answer_stop(visit, f"/mentors/{mentor['id']}", stop_account(visit, mentor["id"], values),
                             lambda stopped: stopped_words(stopped, ticked=bool(values.get(TICK)), repair=REPAIR,
                                                           enters=visit.actor.role in CHILD_FILE),
                             _refused_stop(visit, mentor, values))


async def _end_pairings(visit: Visit, mentor: dict[str, Any], values: dict[str, Any]) -> Response:
    """A volunteer stopped with their pairings left running: end them now, from the same list."""
    return await answer_stop(visit, f"/mentors/{mentor['id']}", end_running_pairings(visit, mentor["id"], values),
                             lambda stopped: ended_words(stopped, repair=REPAIR), _refused_stop(visit, mentor, values))


def _refused_stop(visit: Visit, mentor: dict[str, Any], values: dict[str, Any]
                  ) -> Callable[[str, int], Awaitable[Response]]:
    # The page again: the pairings as they are now, the box and the date as the person left them.
    return lambda error, status: _detail_page(visit, mentor["id"], status=status, error=error, draft=values)


routes: list[BaseRoute] = [
    Route("/mentors", mentor_list, methods=["GET"], name="mentor_list"),
    Route("/mentors/new", mentor_new, methods=["GET"], name="mentor_new"),
    Route("/mentors/new", mentor_create, methods=["POST"], name="mentor_create"),
    Route("/mentors/{mentor_id}", mentor_detail, methods=["GET"], name="mentor_detail"),
    Route("/mentors/{mentor_id}", mentor_action, methods=["POST"], name="mentor_action"),
    Route("/mentors/{mentor_id}/edit", mentor_edit, methods=["GET"], name="mentor_edit"),
    Route("/mentors/{mentor_id}/edit", mentor_update, methods=["POST"], name="mentor_update"),
]
