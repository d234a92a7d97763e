"""Shared steps of the JSON API: reading a bounded JSON body and authenticating a device."""
from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from sync import Actor

from ..devices import device_status
from ..errors import BadRequest, TooLarge, Unauthorized


async def read_json(request: Request, *, max_bytes: int, too_large_code: str = "batch_too_large") -> Any:
    """The request body as JSON; 413 past ``max_bytes`` (checked while streaming), 400 if malformed."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(f"请求体 {int(declared)} 字节，超过上限 {max_bytes} 字节；请分批发送。", too_large_code)
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(f"请求体超过上限 {max_bytes} 字节；请分批发送。", too_large_code)
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw:
        raise BadRequest("请求体为空，应为 JSON。", "json_invalid")
    try:
        return json.loads(raw)
    except UnicodeDecodeError:
        raise BadRequest("请求体不是 UTF-8 编码的 JSON。", "json_invalid") from None
    except json.JSONDecodeError as exc:
        raise BadRequest(f"请求体不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列附近有误。", "json_invalid") from None


async def authenticate_device(request: Request) -> Actor:
    """The actor behind ``Authorization: Bearer <device token>``; 401 with a reason otherwise."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("缺少登记凭证：请求头应带 Authorization: Bearer <token>。", "token_missing")
    state = request.app.state
    data = state.signers.read_device_token(token.strip(), max_age_days=state.settings.token_days)
    if data is None:
        raise Unauthorized("登记凭证无效，请重新登记这台手机。", "token_invalid")
    device = await state.store.read(lambda db: device_status(db, data["d"]))
    if device is None or device["user_id"] != data["u"]:
        raise Unauthorized("这台手机的登记已不存在，请重新登记。", "token_invalid")
    if device["revoked_at"] is not None:
        reason = device["revoked_reason"] or "请联系辅导站"
        raise Unauthorized(f"这台手机已被停用：{reason}。请导出未同步的记录后交给辅导站。", "device_revoked")
    if not device["active"]:
        raise Unauthorized("这个账号已停用，请联系辅导站。", "user_inactive")
    if data["stale"]:
        request.state.fresh_token = state.signers.device_token(device["device_id"], device["user_id"])
    return Actor(device["user_id"], device["role"], device["unit_id"], device["device_id"], device["name"])


def fresh_token(request: Request) -> str | None:
    """A replacement device token when the caller's is getting old or used a retired key."""
    return getattr(request.state, "fresh_token", None)
