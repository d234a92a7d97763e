"""``/activities/phone-import``: the station enters what a stopped phone could not send.

The volunteer's phone exported its unsent changes to a file (``导出未同步记录``); the station
uploads it here and sees, change by change, what was entered, what the system already had,
and what was refused and why. One step, no preview: the record ids come from the phone, so
the same file uploaded again enters nothing twice, and every change goes through the write
path's checks of scope and values as any staff entry does (代录).
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..access import log_access
from ..clients import client_ip
from ..forms import whole_number
from ..phone_exports import MAX_BYTES, STATES, Entered, ExportInvalid, PhoneExport, enter, read_export, shown_records
from ..queries.refused import refused_visits
from .common import STAFF, Visit, require, require_form

TOO_BIG = f"文件太大（超过 {MAX_BYTES // (1024 * 1024)} MB）。请让志愿者分几次导出，或联系县关工委。"
ENTITY_WORDS = {"activity": "帮扶记录", "screening": "摸排", "mentee": "监护人信息"}


async def _page(visit: Visit, *, error: str | None = None, export: PhoneExport | None = None,
                entered: list[Entered] | None = None, status: int = 200) -> Response:
    counts = Counter(e.outcome for e in entered or [])
    scope, actor, ip = await visit.scope(), visit.actor, client_ip(visit.request)

    def refused(db: Any) -> tuple[list[dict[str, Any]], int]:
        # What volunteers wrote of children, shown in full: logged as any archive view is.
        rows, total = refused_visits(db, scope)
        if rows:
            log_access(db, actor, "view_phone_refusals", actor.unit_id,
                       entities=dict(Counter(r["entity"] for r in rows)), ip=ip)
        return rows, total

    rows, total = await visit.state.store.write(refused)
    return visit.render("staff/phone_import.html", {
        "refused": rows, "refused_total": total,
        "error": error, "export": export, "entered": entered or [], "counts": counts, "states": STATES,
        "entity_words": ENTITY_WORDS, "max_mb": MAX_BYTES // (1024 * 1024),
    }, status=status)


async def phone_import_page(request: Request) -> Response:
    return await _page(await require(request, STAFF))


async def phone_import_post(request: Request) -> Response:
    size = whole_number(request.headers.get("content-length", ""))
    if size is not None and size > MAX_BYTES + 64 * 1024:
        return await _page(await require(request, STAFF), status=413, error=TOO_BIG)  # before reading the body
    visit, form = await require_form(request, STAFF, max_files=1)
    try:
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
    actor, ip, shown = visit.actor, client_ip(request), shown_records(export)

    def write(db: Any) -> list[Entered]:
        # The page shows what the file says of this volunteer's children, entered or refused (a
        # refused item shows the file's words, never the server's): who saw which, by volunteer,
        # as for an archive view, logged whatever the outcome of entering the changes.
        if shown:
            log_access(db, actor, "import_phone_export", export.volunteer_id, entities=shown, ip=ip)
        return enter(db, actor, export)

    entered = await visit.state.store.write(write)
    return await _page(visit, export=export, entered=entered)


routes: list[BaseRoute] = [
    Route("/activities/phone-import", phone_import_page, methods=["GET"], name="phone_import"),
    Route("/activities/phone-import", phone_import_post, methods=["POST"], name="phone_import_post"),
]
