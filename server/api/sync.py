"""``POST /api/sync/push`` and ``GET /api/sync/pull``: parse, authorise, call ``sync``, serialise."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sync import apply_batch, pull_changes
from sync.echo import quote

from ..errors import BadRequest, BatchBytesTooLarge, LimitInvalid
from ..state import app_state
from .common import ASCII_DIGITS, authenticate_device, read_json


async def push(request: Request) -> Response:
    auth = await authenticate_device(request)
    state = app_state(request)
    settings = state.settings
    body = await read_json(request, max_bytes=settings.max_batch_bytes, too_large=BatchBytesTooLarge)
    result = await state.store.write(
        lambda db: apply_batch(db, auth.actor, body, max_count=settings.max_batch_count)
    )
    answer = {"last_mutation_id": result.last_mutation_id, "results": result.results}
    if auth.fresh_token:
        answer["token"] = auth.fresh_token
    return JSONResponse(answer)


async def pull(request: Request) -> Response:
    auth = await authenticate_device(request)
    state = app_state(request)
    settings = state.settings
    unknown = sorted(set(request.query_params) - {"cursor", "limit"})
    if unknown:
        raise BadRequest(f"不认识的查询参数：{', '.join(unknown)}。")
    raw_limit = request.query_params.get("limit", "500")
    # ASCII digits only: str.isdigit() also takes "²", "٣" and "３", which int() then refuses.
    if not ASCII_DIGITS.fullmatch(raw_limit) or not 1 <= int(raw_limit) <= settings.max_pull_limit:
        raise LimitInvalid(f"limit 应为 1 到 {settings.max_pull_limit} 之间的整数，收到 {quote(raw_limit)}。")
    cursor = request.query_params.get("cursor") or None
    page = await state.store.read(lambda db: pull_changes(db, auth.actor, cursor, int(raw_limit)))
    extra = {"token": auth.fresh_token} if auth.fresh_token else None
    return Response(page.to_bytes(extra), media_type="application/json")
