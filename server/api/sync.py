"""``POST /api/sync/push`` and ``GET /api/sync/pull``: parse, authorise, call ``sync``, serialise."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sync import apply_batch, pull_changes

from ..errors import BadRequest
from .common import authenticate_device, fresh_token, read_json


async def push(request: Request) -> Response:
    actor = await authenticate_device(request)
    settings = request.app.state.settings
    body = await read_json(request, max_bytes=settings.max_batch_bytes)
    result = await request.app.state.store.write(
        lambda db: apply_batch(db, actor, body, max_count=settings.max_batch_count)
    )
    body = {"last_mutation_id": result.last_mutation_id, "results": result.results}
    token = fresh_token(request)
    if token:
        body["token"] = token
    return JSONResponse(body)


async def pull(request: Request) -> Response:
    actor = await authenticate_device(request)
    settings = request.app.state.settings
    unknown = sorted(set(request.query_params) - {"cursor", "limit"})
    if unknown:
        raise BadRequest(f"不认识的查询参数：{', '.join(unknown)}。")
    raw_limit = request.query_params.get("limit", "500")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= settings.max_pull_limit:
        raise BadRequest(f"limit 应为 1 到 {settings.max_pull_limit} 之间的整数，收到 {raw_limit!r}。", "limit_invalid")
    cursor = request.query_params.get("cursor") or None
    page = await request.app.state.store.read(lambda db: pull_changes(db, actor, cursor, int(raw_limit)))
    token = fresh_token(request)
    return Response(page.to_bytes({"token": token} if token else None), media_type="application/json")
