"""``POST /api/sync/push`` and ``GET /api/sync/pull``: parse, authorise, call ``sync``, serialise."""
from __future__ import annotations

import sqlite_utils
from starlette.requests import Request
from starlette.responses import Response

from sync import Actor, Page, PushResult, SyncError, apply_batch, pull_changes
from sync.batches import Batch, prepare_batch
from sync.echo import quote

from ..access import childrens_records, log_access
from ..clients import client_ip
from ..devices import mark_seen, seen_long_ago
from ..errors import BadRequest, BatchBytesTooLarge, LimitInvalid
from ..state import app_state
from .common import ASCII_DIGITS, JsonAnswer, device_token, live_actor, live_device, read_json


async def push(request: Request) -> Response:
    token = device_token(request)
    state = app_state(request)
    settings = state.settings
    body = await read_json(request, max_bytes=settings.max_batch_bytes, too_large=BatchBytesTooLarge)
    # Read and checked here, not on the one writer thread, which every push queues for: the
    # writer is the busy server's bottleneck (docs/performance.md). A batch that cannot be read
    # is still refused after the device check, inside the write, as before.
    try:
        batch: Batch | SyncError = prepare_batch(body, max_count=settings.max_batch_count)
    except SyncError as refused:
        batch = refused

    def write(db: sqlite_utils.Database) -> PushResult:
        # The device is checked inside the write: a phone stopped by staff pushes nothing after it.
        actor = live_actor(db, token)
        if isinstance(batch, SyncError):
            raise batch
        return apply_batch(db, actor, batch)

    result = await state.store.write(write)
    answer = {"last_mutation_id": result.last_mutation_id, "results": result.results}
    if token.fresh_token:
        answer["token"] = token.fresh_token
    return JsonAnswer(answer)


async def pull(request: Request) -> Response:
    token = device_token(request)
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

    def read(db: sqlite_utils.Database) -> tuple[Actor, Page, str | None]:
        # In the same read as the page: one trip to the database, and the device's row read once.
        actor, seen = live_device(db, token)
        return actor, pull_changes(db, actor, cursor, int(raw_limit)), seen

    actor, page, seen = await state.store.read(read)
    # Audited reads: a page that hands out children's records is logged before it is sent,
    # and a pull counts as the device being seen (issue 8, item 17).
    # A HEAD is answered without its body: it hands out no record, so it logs none.
    shown = {} if request.method == "HEAD" else childrens_records(entity for entity, *_ in page.changes)
    if shown or seen_long_ago(seen):
        ip = client_ip(request)
        await state.store.write(lambda db: _record_pull(db, actor, shown, ip))
    extra = {"token": token.fresh_token} if token.fresh_token else None
    return Response(page.to_bytes(extra), media_type="application/json")


def _record_pull(db: sqlite_utils.Database, actor: Actor, shown: dict[str, int], ip: str | None) -> None:
    assert actor.device_id is not None
    if shown:
        log_access(db, actor, "pull", entities=shown, ip=ip)
    mark_seen(db, actor.device_id)
