"""Shared steps of the JSON API: reading a bounded JSON body and authenticating a device."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from sync import Actor

from ..auth import TOKEN_INVALID
from ..devices import device_status
from ..errors import (
    BodyTooLarge,
    DeviceStopped,
    JsonInvalid,
    TokenInvalid,
    TokenMissing,
    UserInactive,
)
from ..state import app_state


async def read_json(request: Request, *, max_bytes: int, too_large: type[BodyTooLarge] = BodyTooLarge) -> Any:
    """The request body as JSON; ``too_large`` (413) past ``max_bytes``, checked while streaming."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise too_large(f"请求体 {int(declared)} 字节，超过上限 {max_bytes} 字节；请分批发送。")
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise too_large(f"请求体超过上限 {max_bytes} 字节；请分批发送。")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw:
        raise JsonInvalid("请求体为空，应为 JSON。")
    try:
        return json.loads(raw)
    except UnicodeDecodeError:
        raise JsonInvalid("请求体不是 UTF-8 编码的 JSON。") from None
    except json.JSONDecodeError as exc:
        raise JsonInvalid(f"请求体不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列附近有误。") from None


@dataclass(frozen=True)
class DeviceAuth:
    """Who is calling, and a replacement token when theirs is ageing or signed by a retired key."""

    actor: Actor
    fresh_token: str | None


async def _live_device(request: Request, device_id: str, user_id: str) -> dict[str, Any]:
    """The device row of a verified token: it must exist, be the token's user's, not be revoked."""
    device = await app_state(request).store.read(lambda db: device_status(db, device_id))
    if device is None or device["user_id"] != user_id:
        raise TokenInvalid("这台手机的登记已不存在，请重新登记。")
    if device["revoked_at"] is not None:
        reason = device["revoked_reason"] or "请联系辅导站"
        raise DeviceStopped(f"这台手机已被停用：{reason}。请导出未同步的记录后交给辅导站。")
    if not device["active"]:
        raise UserInactive("这个账号已停用，请联系辅导站。")
    return device


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenMissing("缺少登记凭证：请求头应带 Authorization: Bearer <token>。")
    return token.strip()


async def authenticate_device(request: Request) -> DeviceAuth:
    """The actor behind ``Authorization: Bearer <device token>``; 401 with a reason otherwise."""
    token = _bearer(request)
    state = app_state(request)
    data = state.signers.read_device_token(token, max_age_days=state.settings.token_days)
    if data is None:
        raise TokenInvalid(TOKEN_INVALID)
    device = await _live_device(request, data["d"], data["u"])
    actor = Actor(device["user_id"], device["role"], device["unit_id"], device["device_id"], device["name"])
    fresh = state.signers.device_token(device["device_id"], device["user_id"]) if data["stale"] else None
    return DeviceAuth(actor, fresh)


async def authenticate_recovery(request: Request) -> dict[str, Any]:
    """The device behind ``Authorization: Bearer <recovery token>`` (only the recovery endpoint takes one)."""
    token = _bearer(request)
    state = app_state(request)
    data = state.signers.read_recovery_token(token, max_age_days=state.settings.token_days)
    if data is None:
        raise TokenInvalid("这里需要这台手机的恢复凭证；请重新登记这台手机。")
    return await _live_device(request, data["d"], data["u"])
