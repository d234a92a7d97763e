"""Excel imports of mentees and volunteers: upload → preview (writes nothing) → import (all or nothing).

The preview carries the rows it read in a signed, time-limited form field (salt ``import``,
bound to the person), so the import step needs no second upload and stores nothing in between;
the import re-checks every row against the database inside its write transaction.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

import sqlite_utils
from itsdangerous import BadSignature
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sync import Actor, Scope

from ..access import log_access
from ..clients import client_ip
from ..forms import whole_number
from ..imports import mentee_columns
from ..imports import mentees as mentee_rows
from ..imports import mentors as mentor_rows
from ..imports.columns import MAX_ROWS, XLSX_MIME, Column, SheetInvalid, template
from ..imports.plan import CREATE, SAME, UPDATE, ImportFailed, ImportPlan
from ..imports.sheets import read_rows
from ..queries.units import unit_tree
from .form_posts import form_values, require_form, restore_draft
from .visits import CHILD_FILE, STAFF, Visit, require

MAX_UPLOAD = 2 * 1024 * 1024  # a roster of 2000 rows is a few hundred KB
# The previewed rows ride back signed in one form field (compressed JSON, base64): a full 2000-row
# roster of long plans (``rows.MAX_TEXT`` characters) is about 3 MB, over Starlette's 1 MB a field.
MAX_PAYLOAD = 4 * 1024 * 1024
PREVIEW_SECONDS = 3600
Rows = list[tuple[int, dict[str, str]]]


@dataclass(frozen=True)
class Kind:
    name: str
    title: str
    columns: Sequence[Column]
    shown: tuple[str, ...]  # the columns the preview table repeats for each row
    plan: Callable[[sqlite_utils.Database, Scope, str, Rows, list[str]], ImportPlan]
    run: Callable[..., ImportPlan]
    list_route: str
    file_name: str
    unit_kinds: tuple[str, ...] | None
    roles: tuple[str, ...]  # who may import: children only by those who read their names (CHILD_FILE)


KINDS = {
    "mentee": Kind("mentee", "帮扶对象", mentee_columns.COLUMNS, ("code", "name", "unit"), mentee_rows.plan_mentees,
                   mentee_rows.import_mentees, "mentee_list", "帮扶对象导入模板.xlsx", ("station", "school"),
                   CHILD_FILE),
    "mentor": Kind("mentor", "五老志愿者", mentor_rows.COLUMNS, ("name", "phone", "unit"), mentor_rows.plan_mentors,
                   mentor_rows.import_mentors, "mentor_list", "五老志愿者导入模板.xlsx", None, STAFF),
}


def _kind(request: Request) -> Kind:
    return KINDS["mentee" if request.url.path.startswith("/mentees") else "mentor"]


def _page(visit: Visit, kind: Kind, *, error: str | None = None, plan: ImportPlan | None = None,
          payload: str = "", status: int = 200) -> Response:
    return visit.render("staff/import.html", {
        "kind": kind, "error": error, "plan": plan, "payload": payload, "max_rows": MAX_ROWS,
        "max_mb": MAX_UPLOAD // (1024 * 1024), "CREATE": CREATE, "UPDATE": UPDATE, "SAME": SAME,
        "post_url": f"/{kind.name}s/import", "template_url": f"/{kind.name}s/import/template.xlsx",
    }, status=status)


async def import_page(request: Request) -> Response:
    visit = await require(request, _kind(request).roles)
    draft = await restore_draft(visit)
    if draft and isinstance(draft.get("payload"), str):
        # 确认导入 sent after the sign-in ran out: the same preview again (compared afresh), one click
        # from importing; the file itself is not asked for twice.
        return await _preview_or_import(visit, _kind(request), FormData([("payload", draft["payload"])]))
    return _page(visit, _kind(request))


async def import_template(request: Request) -> Response:
    """The template workbook, with the names of the units the person may import into."""
    kind = _kind(request)
    visit = await require(request, kind.roles)
    scope = await visit.scope()
    units = await visit.state.store.read(lambda db: unit_tree(db, scope))
    names = "、".join(u["name"] for u in units if kind.unit_kinds is None or u["kind"] in kind.unit_kinds)
    notes = [("所属单位可填", names),
             ("重复导入", "同一个文件再导入一次不会重复添加；已有记录与表格不同时，预览会列出改动，勾选后才会修改。"),
             ("行数", f"一次最多 {MAX_ROWS} 行。第 1 行是列名，请不要改动。")]
    body = template(kind.title, kind.columns, notes)
    return Response(body, media_type=XLSX_MIME, headers={
        "content-disposition": f"attachment; filename=\"{kind.name}-import.xlsx\"; "
                               f"filename*=UTF-8''{quote(kind.file_name)}",
        "cache-control": "no-store"})


def _payload(visit: Visit, kind: Kind, rows: Rows, notices: list[str], plan: ImportPlan) -> str:
    """The rows as previewed, signed, with what each row was compared against (``RowPlan.seen``):
    the import refuses rows whose record changed since (``imports.plan.check_unchanged``)."""
    return str(visit.state.signers.serializer("import").dumps(
        {"k": kind.name, "u": visit.actor.user_id, "rows": rows, "n": notices,
         "s": {str(r.line): r.seen for r in plan.rows}}))


def _load_payload(visit: Visit, kind: Kind, payload: str) -> tuple[Rows, list[str], dict[int, str] | None] | None:
    try:
        data = visit.state.signers.serializer("import").loads(payload, max_age=PREVIEW_SECONDS)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") != kind.name or data.get("u") != visit.actor.user_id:
        return None
    rows = [(int(line), {str(k): str(v) for k, v in cells.items()}) for line, cells in data["rows"]]
    seen = data.get("s")
    previewed = {int(line): str(marker) for line, marker in seen.items()} if isinstance(seen, dict) else None
    return rows, [str(n) for n in data.get("n", [])], previewed


async def import_post(request: Request) -> Response:
    kind = _kind(request)
    declared = request.headers.get("content-length", "")
    size = whole_number(declared)
    upload = request.headers.get("content-type", "").startswith("multipart/")
    if size is not None and size > (MAX_UPLOAD if upload else MAX_PAYLOAD) + 64 * 1024:
        visit = await require(request, kind.roles)  # refused before reading a byte of the body
        return _page(visit, kind, status=413, error=f"文件太大（超过 {MAX_UPLOAD // (1024 * 1024)} MB），"
                                                    "请删去不需要的工作表或分成几个文件导入。")
    visit, form = await require_form(request, kind.roles, max_files=1, max_part_size=MAX_PAYLOAD)
    try:
        return await _preview_or_import(visit, kind, form)
    finally:
        await form.close()  # the upload's spooled temporary file


async def _preview_or_import(visit: Visit, kind: Kind, form: FormData) -> Response:
    values = form_values(form)
    actor = visit.actor
    scope = await visit.scope()
    if values.get("payload"):
        loaded = _load_payload(visit, kind, str(values["payload"]))
        if loaded is None:
            return _page(visit, kind, status=400, error="预览已过期或无效，请重新上传文件。")
        rows, notices, previewed = loaded
        if values.get("action") == "import":
            return await _run(visit, kind, actor, scope, rows, notices, update=bool(values.get("update")),
                              previewed=previewed)
    else:
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return _page(visit, kind, status=400, error="请选择要导入的 Excel 文件（.xlsx）。")
        data = await upload.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            return _page(visit, kind, status=413, error=f"文件太大（超过 {MAX_UPLOAD // (1024 * 1024)} MB），"
                                                        "请分成几个文件导入。")
        try:
            # Off the event loop: a small file can still take seconds to unpack and walk.
            rows, notices = await run_in_threadpool(read_rows, data, kind.columns)
        except SheetInvalid as exc:
            return _page(visit, kind, status=400, error=exc.reason)
        if not rows:  # every row hidden, struck through or a total: the notices say why none was read
            empty = " ".join(["表格里除了列名没有可导入的数据。", *notices]) if notices else \
                "表格里除了列名没有数据。请从第 2 行起每行填一个人。"
            return _page(visit, kind, status=400, error=empty)
    plan = await visit.state.store.read(lambda db: kind.plan(db, scope, actor.unit_id, rows, notices))
    await _log_shown(visit, kind, plan)
    payload = _payload(visit, kind, rows, notices, plan)
    if len(payload) > MAX_PAYLOAD:  # the confirm would not come back: say so now, not after the click
        return _page(visit, kind, plan=plan, status=400, error="这份名单的内容太多，无法一次导入。"
                                                                "请分成两个文件，分别上传导入。")
    return _page(visit, kind, plan=plan, payload=payload)


async def _run(visit: Visit, kind: Kind, actor: Actor, scope: Scope, rows: Rows, notices: list[str], *,
               update: bool, previewed: dict[int, str] | None) -> Response:
    try:
        plan = await visit.state.store.write(
            lambda db: kind.run(db, actor, scope, rows, update=update, previewed=previewed))
    except ImportFailed as exc:
        plan = await visit.state.store.read(lambda db: kind.plan(db, scope, actor.unit_id, rows, notices))
        await _log_shown(visit, kind, plan)
        return _page(visit, kind, plan=plan, payload=_payload(visit, kind, rows, notices, plan), status=400,
                     error=f"没有导入任何内容：第 {exc.line} 行未能保存：{exc.reason}")
    if plan.errors:  # the database changed since the preview: show what is wrong now
        await _log_shown(visit, kind, plan)
        return _page(visit, kind, plan=plan, payload=_payload(visit, kind, rows, notices, plan), status=400,
                     error="没有导入任何内容：有的行现在有错误，请改正后重新上传。")
    created, changed = plan.count(CREATE), plan.count(UPDATE) if update else 0
    unchanged = plan.count(SAME) + (plan.count(UPDATE) if not update else 0)
    message = f"导入完成：新增 {created} 条，修改 {changed} 条，{unchanged} 条未改动。"
    if not created and not changed:  # e.g. the second of a double click: say so, not "0 added"
        message = f"这份名单的 {unchanged} 条都已在系统中（可能刚才已经导入过），没有重复添加，也没有修改。"
    return visit.redirect(str(visit.request.app.url_path_for(kind.list_route)), flash=message)


async def _log_shown(visit: Visit, kind: Kind, plan: ImportPlan) -> None:
    """Log the children a preview shows from their files: a row that would change a registered child
    shows the stored values beside the file's (监护人联系方式 139… → 138…), as the child's edit form
    would. A row the same as the record (无变化) or a new child shows only what the file says."""
    matched = sum(1 for r in plan.rows if r.record_id is not None and r.changes)
    if kind.name != "mentee" or not matched:
        return
    actor, ip = visit.actor, client_ip(visit.request)
    await visit.state.store.write(lambda db: log_access(db, actor, "view_import_preview", actor.unit_id,
                                                        entities={"mentee": matched}, ip=ip))


def _routes(prefix: str, name: str) -> list[BaseRoute]:
    return [
        Route(f"/{prefix}/import", import_page, methods=["GET"], name=f"{name}_import"),
        Route(f"/{prefix}/import", import_post, methods=["POST"], name=f"{name}_import_post"),
        Route(f"/{prefix}/import/template.xlsx", import_template, methods=["GET"], name=f"{name}_import_template"),
    ]


routes: list[BaseRoute] = [*_routes("mentees", "mentee"), *_routes("mentors", "mentor")]
