"""``/activities/phone-import``: the station enters what a stopped phone could not send.

The volunteer's phone exported its unsent changes to a file (``导出未同步记录``); the station
uploads it (上传), sees change by change what entering it would do and nothing is written (预览),
then enters it (确认导入). The preview carries the file in a signed, time-limited form field bound
to the person (as the Excel imports do), so the confirm needs no second upload; the confirm enters
the file only if every change still does what the preview said, else it shows the preview again.
The record ids come from the phone and every change entered is in the ledger, so a confirm sent
twice or the same file uploaded again enters nothing twice; every change goes through the write
path's checks of scope and values as any staff entry does (代录).
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from itsdangerous import BadSignature
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync.labels import ACTIVITY_KINDS
from sync.timeutil import local_today

from ..access import log_access
from ..clients import client_ip
from ..forms import whole_number
from ..phone_export_entry import Entered, enter_as_previewed, preview
from ..phone_exports import MAX_BYTES, STATES, ExportInvalid, PhoneExport, read_export, shown_records
from ..queries.refused import refused_visits
from ..refusal_closing import ClosingRefused, NotTheirs, close_refused, closed_refusals
from ..refusal_filing import FilingRefused, file_refused, why_not
from ..templating import chinese_date
from .form_posts import form_values, require_form, restore_draft
from .path_records import not_found
from .station import render_home
from .visits import CHILD_FILE, Visit, require

TOO_BIG = f"文件太大（超过 {MAX_BYTES // (1024 * 1024)} MB）。请让志愿者分几次导出，或联系县关工委。"
ENTITY_WORDS = {"activity": "帮扶记录", "screening": "摸排", "mentee": "监护人信息"}
PREVIEW_SECONDS = 3600
# The file rides back compressed in one field: a 5 MB export of Chinese text is well under this.
MAX_PAYLOAD = 4 * 1024 * 1024
EXPIRED = "预览已过期或无效，什么都没有录入。请重新上传文件。"
RESTORED = "登录过期前的预览已恢复，什么都还没有录入。请再看一遍，确认无误后点“确认导入”。"


async def _page(visit: Visit, *, error: str | None = None, export: PhoneExport | None = None,
                entered: list[Entered] | None = None, payload: str = "", status: int = 200,
                notice: str | None = None, errors: dict[str, str] | None = None,
                draft: dict[str, Any] | None = None) -> Response:
    counts = Counter(e.outcome for e in entered or [])
    scope, actor, ip = await visit.scope(), visit.actor, client_ip(visit.request)

    def refused(db: Any) -> tuple[list[dict[str, Any]], int, list[dict[str, Any]]]:
        # What volunteers wrote of children, shown in full: logged as any archive view is.
        rows, total = refused_visits(db, scope)
        for r in rows:  # 归入原结对 offered where the write path would take it, else why not
            r["not_filed"] = why_not(db, r)
        if rows:
            log_access(db, actor, "view_phone_refusals", actor.unit_id,
                       entities=dict(Counter(r["entity"] for r in rows)), ip=ip)
        return rows, total, closed_refusals(db, scope)

    rows, total, closed = await visit.state.store.write(refused)
    return visit.render("staff/phone_import.html", {
        "refused": rows, "refused_total": total, "closed": closed, "today": local_today().isoformat(),
        "errors": errors or {}, "draft": draft or {}, "previewing": bool(payload), "payload": payload,
        "error": error, "notice": notice, "export": export, "entered": entered or [], "counts": counts,
        "states": STATES, "entity_words": ENTITY_WORDS, "kinds": ACTIVITY_KINDS, "max_mb": MAX_BYTES // (1024 * 1024),
    }, status=status)


async def phone_import_page(request: Request) -> Response:
    visit = await require(request, CHILD_FILE)
    draft = await restore_draft(visit)
    if draft and isinstance(draft.get("payload"), str):
        # 确认导入 sent after the sign-in ran out (or its form went stale): the same preview again,
        # worked out afresh, one click from entering; the file itself is not asked for twice.
        data = _signed(visit, draft["payload"])
        if data is None:
            return await _page(visit, status=400, error=EXPIRED)
        text = str(data["f"])
        try:
            export = read_export(text.encode("utf-8"))
        except ExportInvalid as exc:  # signed by us, so never; said in words all the same
            return await _page(visit, status=400, error=exc.reason)
        return await _preview(visit, export, text, notice=RESTORED)
    return await _page(visit)


async def phone_import_post(request: Request) -> Response:
    size = whole_number(request.headers.get("content-length", ""))
    if size is not None and size > MAX_BYTES + 64 * 1024:
        return await _page(await require(request, CHILD_FILE), status=413, error=TOO_BIG)  # before reading the body
    visit, form = await require_form(request, CHILD_FILE, max_files=1, max_part_size=MAX_PAYLOAD)
    try:
        values = form_values(form)
        if values.get("action") == "file_refusal":
            return await _file(visit, str(values.get("record_id") or ""), home=values.get("back") == "staff")
        if values.get("action") == "close_refusal":
            return await _close(visit, values)
        if values.get("payload"):
            return await _confirm(visit, str(values["payload"]))
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return await _page(visit, status=400, error="请选择志愿者手机导出的文件（.json）。")
        data = await upload.read(MAX_BYTES + 1)
    finally:
        await form.close()
    if len(data) > MAX_BYTES:
        return await _page(visit, status=413, error=TOO_BIG)
    try:
        export = read_export(data)
    except ExportInvalid as exc:
        return await _page(visit, status=400, error=exc.reason)
    if not export.changes and not export.drafts:
        return await _page(visit, status=400, error="文件里没有需要录入的记录。")
    return await _preview(visit, export, data.decode("utf-8-sig"))


async def _preview(visit: Visit, export: PhoneExport, text: str, *, error: str | None = None,
                   status: int = 200, notice: str | None = None) -> Response:
    """What entering the file would do, change by change; nothing is entered."""
    actor, ip, shown = visit.actor, client_ip(visit.request), shown_records(export)

    def look(db: Any) -> list[Entered]:
        # The preview shows the file's words about the volunteer's children: who saw which, on the
        # volunteer, as for an archive view (the confirm is logged again, as entering them).
        if shown:
            log_access(db, actor, "preview_phone_export", export.volunteer_id, entities=shown, ip=ip)
        return preview(db, actor, export)

    planned = await visit.state.store.write(look)
    payload = str(visit.state.signers.serializer("phone_import").dumps(
        {"u": actor.user_id, "f": text, "o": [e.outcome for e in planned]}))
    if len(payload) > MAX_PAYLOAD:  # the confirm would not come back: say so now, not after the click
        return await _page(visit, status=413, error=TOO_BIG)
    return await _page(visit, export=export, entered=planned, payload=payload, error=error, status=status,
                       notice=notice)


def _signed(visit: Visit, payload: str) -> dict[str, Any] | None:
    """The preview's signed file and outcomes, if signed for this person within the hour."""
    try:
        data = visit.state.signers.serializer("phone_import").loads(payload, max_age=PREVIEW_SECONDS)
    except BadSignature:
        return None
    if (not isinstance(data, dict) or data.get("u") != visit.actor.user_id or not isinstance(data.get("f"), str)
            or not isinstance(data.get("o"), list)):
        return None
    return data


async def _confirm(visit: Visit, payload: str) -> Response:
    data = _signed(visit, payload)
    if data is None:
        return await _page(visit, status=400, error=EXPIRED)
    text, previewed = data["f"], [str(o) for o in data["o"]]
    try:
        export = read_export(text.encode("utf-8"))
    except ExportInvalid as exc:  # signed by us, so never; said in words all the same
        return await _page(visit, status=400, error=exc.reason)
    actor, ip, shown = visit.actor, client_ip(visit.request), shown_records(export)

    def write(db: Any) -> tuple[list[Entered], bool]:
        # The page shows what the file says of this volunteer's children, entered or refused (a
        # refused item shows the file's words, never the server's): who saw which, by volunteer,
        # as for an archive view, logged whatever the outcome of entering the changes.
        if shown:
            log_access(db, actor, "import_phone_export", export.volunteer_id, entities=shown, ip=ip)
        return enter_as_previewed(db, actor, export, previewed)

    entered, done = await visit.state.store.write(write)
    if not done:
        return await _preview(visit, export, text, status=409, error=(
            "没有录入：预览以后，系统里的记录有了变化，有的内容现在的结果和预览时不同。"
            "请看下面新的预览，确认无误后再点“确认导入”。"))
    return await _page(visit, export=export, entered=entered)


async def _file(visit: Visit, record_id: str, *, home: bool = False) -> Response:
    """归入原结对: one refused visit filed into the pairing it was made in (``server/refusal_filing.py``);
    back on the station home (``home``) when filed from its risk card, where the visit's flag is then
    an open one waiting for its 处理记录."""
    actor, scope = visit.actor, await visit.scope()
    try:
        filed = await visit.state.store.write(lambda db: file_refused(db, actor, scope, record_id))
    except FilingRefused as exc:
        return await _page(visit, status=exc.status, error=f"没有归入原结对：{exc.reason}")
    done = f"已归入原结对：{filed.code} {chinese_date(filed.date)}的帮扶，作为志愿者的代录记录，等待审核。"
    if home:  # at the top, where the flash is read; its link goes down to the flag's 处理记录 form
        path = str(visit.request.app.url_path_for("staff_home"))
        if not filed.flagged:
            return visit.redirect(path, flash=done)
        return visit.redirect(path, flash=done + "它现在是下面的一条风险提示，请写处理记录。",
                              link=(f"{path}#flag-{filed.record_id}", "去写处理记录"))
    return visit.redirect(str(visit.request.app.url_path_for("phone_import")), flash=done)


async def _close(visit: Visit, values: dict[str, Any]) -> Response:
    """不收进系统: one refused record closed with what was done (``server/refusal_closing.py``); back on
    the station home (``back``) when closed from its risk card, where it is then gone. Bad words or day
    are said beside the form, the rest above it; a record not in reach is not found, as any other."""
    actor, scope, home = visit.actor, await visit.scope(), values.get("back") == "staff"
    record_id = str(values["record_id"]) if isinstance(values.get("record_id"), str) else ""
    words, day = values.get("close_words"), values.get("close_on")
    try:
        closed = await visit.state.store.write(lambda db: close_refused(db, actor, scope, record_id, words, day))
    except NotTheirs:
        raise not_found("手机送来的这条记录") from None
    except ClosingRefused as exc:
        if exc.field is None:  # closed or entered already: the form is gone from the list
            if home:
                return visit.redirect(str(visit.request.app.url_path_for("staff_home")), flash=exc.reason)
            return await _page(visit, status=exc.status, error=exc.reason)
        errors = {f"{record_id}.close_{exc.field}": exc.reason}
        if home:
            return await render_home(visit, draft=values, errors=errors, status=exc.status)
        return await _page(visit, status=exc.status, errors=errors, draft=values)
    done = (f"已记下处理情况，这条风险提示已处理完：{closed.code} 的记录不收进系统。" if closed.flagged
            else f"已记下处理情况：{closed.code} 的这条记录不收进系统，已不在待处理里。")
    done += "在“录入导出的文件”页可以查到它和处理记录。"
    where = "staff_home" if home else "phone_import"
    return visit.redirect(str(visit.request.app.url_path_for(where)), flash=done)


routes: list[BaseRoute] = [
    Route("/activities/phone-import", phone_import_page, methods=["GET"], name="phone_import"),
    Route("/activities/phone-import", phone_import_post, methods=["POST"], name="phone_import_post"),
]
