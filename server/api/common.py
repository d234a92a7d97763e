"""Shared steps of the JSON API: reading a bounded JSON body and authenticating a device."""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

import orjson
import sqlite_utils
from starlette.requests import Request
from starlette.responses import JSONResponse

from sync import Actor
from sync.echo import quote

from ..auth import TOKEN_INVALID
from ..devices import device_status
from ..errors import (
    BodyTooLarge,
    ContentTypeUnsupported,
    DeviceStopped,
    JsonInvalid,
    JsonTooDeep,
    TokenInvalid,
    TokenMissing,
    UserInactive,
)
from ..state import app_state

# No request of the protocol nests deeper than 5 ({"mutations": [{"fields": {"moods": [...]}}]});
# a bound well above that keeps every later step (fingerprints, audit JSON) far from Python's
# recursion limit, which a body nested 2,048 deep reached inside the JSON parser (issue 8, item 2).
MAX_JSON_DEPTH = 20
ASCII_DIGITS = re.compile(r"[0-9]{1,12}")
_CONTAINERS = (dict, list)


class JsonAnswer(JSONResponse):
    """A JSON answer encoded by orjson, or by the standard library for what orjson refuses
    (an integer past 64 bits): a push's answer is encoded on the busy event loop."""

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content)
        except TypeError:
            return super().render(content)


def require_json(request: Request) -> None:
    """415 unless the body is declared ``application/json`` (a ``charset`` parameter, if any, UTF-8)."""
    declared = request.headers.get("content-type", "")
    media_type, *params = (part.strip() for part in declared.split(";"))
    charsets = [v.strip().strip('"').lower() for k, _, v in (p.partition("=") for p in params)
                if k.strip().lower() == "charset"]
    if media_type.lower() != "application/json" or any(c not in ("utf-8", "utf8") for c in charsets):
        raise ContentTypeUnsupported(
            "请求体应为 JSON，请求头应带 Content-Type: application/json（字符集如写明须为 UTF-8），"
            f"收到 {quote(declared or '（没有 Content-Type）')}。"
        )


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _number(text: str) -> int | float:
    """A JSON number with a fraction or exponent: an integer when it has no fractional part.

    JSON (and JSON Schema's ``"type": "integer"``, which the OpenAPI document uses) reads ``1.0``
    as the integer 1, so the server does too; nothing in the protocol is a fractional number.
    """
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return int(value) if value.is_integer() else value


async def read_json(request: Request, *, max_bytes: int, too_large: type[BodyTooLarge] = BodyTooLarge) -> Any:
    """The request body as JSON; ``too_large`` (413) past ``max_bytes``, checked while streaming.

    415 unless declared JSON; 400 for anything that is not one JSON document of bounded depth
    (``NaN``/``Infinity`` are not JSON; integers longer than Python's 4,300-digit limit are refused).
    """
    require_json(request)
    declared = request.headers.get("content-length")
    if declared is not None and ASCII_DIGITS.fullmatch(declared) and int(declared) > max_bytes:
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
    # orjson reads a push about five times faster than the standard library (docs/performance.md).
    # Whatever it refuses, and any document holding a float, is read again by the standard
    # library: orjson turns an integer past 64 bits into a float, and the error wording and what
    # counts as JSON (a lone surrogate in a string is valid JSON) stay as they were.
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        doc = _standard_loads(raw)
    else:
        too_deep, has_float = _shape(doc, MAX_JSON_DEPTH)
        if has_float:
            doc = _standard_loads(raw)
        if too_deep:
            raise JsonTooDeep(f"请求体的 JSON 嵌套太深（最多 {MAX_JSON_DEPTH} 层）。")
    return doc


def _standard_loads(raw: bytes) -> Any:
    try:
        doc = json.loads(raw, parse_constant=_refuse_constant, parse_float=_number)
    except UnicodeDecodeError:
        raise JsonInvalid("请求体不是 UTF-8 编码的 JSON。") from None
    except json.JSONDecodeError as exc:
        raise JsonInvalid(f"请求体不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列附近有误。") from None
    except RecursionError:
        raise JsonTooDeep(f"请求体的 JSON 嵌套太深（最多 {MAX_JSON_DEPTH} 层）。") from None
    except ValueError:
        # int() past sys.get_int_max_str_digits(), a number beyond a double (1e400), NaN or Infinity
        raise JsonInvalid(
            "请求体含有无法读取的数字（太长、太大，或 NaN / Infinity）；数字应为普通的 JSON 数字。"
        ) from None
    if raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH and _shape(doc, MAX_JSON_DEPTH)[0]:
        raise JsonTooDeep(f"请求体的 JSON 嵌套太深（最多 {MAX_JSON_DEPTH} 层）。")
    return doc


def _shape(doc: Any, limit: int) -> tuple[bool, bool]:
    """(arrays/objects nest more than ``limit`` levels, a float is anywhere in it), walked level by
    level without recursion: about 0.7 ms for a push of 1,000 mutations."""
    level = [doc] if type(doc) in _CONTAINERS else []
    has_float = type(doc) is float
    for _ in range(limit):
        deeper: list[Any] = []
        add = deeper.append
        for node in level:
            for value in node.values() if type(node) is dict else node:
                kind = type(value)
                if kind is dict or kind is list:
                    add(value)
                elif kind is float:
                    has_float = True
        if not deeper:
            return False, has_float
        level = deeper
    return True, has_float


@dataclass(frozen=True)
class DeviceToken:
    """A device token whose signature and age are good. Whether its device may still sync, and as
    whom (role, unit), is read in the same database call as the work (``live_actor``): a sync costs
    one trip to the database, not two."""

    device_id: str
    user_id: str
    fresh_token: str | None  # a replacement when this one is ageing or signed by a retired key


@dataclass(frozen=True)
class DeviceAuth:
    """Who is calling, and a replacement token when theirs is ageing or signed by a retired key."""

    actor: Actor
    fresh_token: str | None


def _check_device(device: dict[str, Any] | None, user_id: str) -> dict[str, Any]:
    """The device row of a verified token: it must exist, be the token's user's, not be revoked."""
    if device is None or device["user_id"] != user_id:
        raise TokenInvalid("这台手机的登记已不存在，请重新登记。")
    if device["revoked_at"] is not None:
        reason = device["revoked_reason"] or "请联系辅导站"
        raise DeviceStopped(f"这台手机已被停用：{reason}。请导出未同步的记录后交给辅导站。")
    if not device["active"]:
        # Shown on the phone's stopped screen above "export, then clear": a stop may be undone, and the
        # phone then comes back by itself (pwa/js/main.js unstop), so she asks before she clears it.
        raise UserInactive("这个账号已停用，请先联系辅导站：账号恢复后，手机联网、解锁就会自己恢复。")
    return device


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenMissing("缺少登记凭证：请求头应带 Authorization: Bearer <token>。")
    return token.strip()


def device_token(request: Request) -> DeviceToken:
    """``Authorization: Bearer <device token>``, its signature and age checked; 401 with a reason otherwise."""
    state = app_state(request)
    data = state.signers.read_device_token(_bearer(request), max_age_days=state.settings.token_days)
    if data is None:
        raise TokenInvalid(TOKEN_INVALID)
    fresh = state.signers.device_token(data["d"], data["u"]) if data["stale"] else None
    return DeviceToken(data["d"], data["u"], fresh)


def live_actor(db: sqlite_utils.Database, token: DeviceToken) -> Actor:
    """The actor behind ``token`` as the database has it now; 401/403 for a device that may not sync."""
    return live_device(db, token)[0]


def live_device(db: sqlite_utils.Database, token: DeviceToken) -> tuple[Actor, str | None]:
    """``live_actor``, and when the device last synced, from the same row (a pull needs both);
    None when it has not synced since it was enrolled."""
    device = _check_device(device_status(db, token.device_id), token.user_id)
    actor = Actor(device["user_id"], device["role"], device["unit_id"], device["device_id"], device["name"])
    # Enrolment stamps last_seen_at with created_at; the first pull must move it even within
    # SEEN_RESOLUTION, as it ends the window in which a lost enrol answer may be asked for again.
    first = device["last_seen_at"] == device["created_at"]
    return actor, None if first else device["last_seen_at"]


async def authenticate_device(request: Request) -> DeviceAuth:
    """The actor behind ``Authorization: Bearer <device token>``, for calls that read it on its own."""
    token = device_token(request)
    actor = await app_state(request).store.read(lambda db: live_actor(db, token))
    return DeviceAuth(actor, token.fresh_token)


async def authenticate_recovery(request: Request) -> dict[str, Any]:
    """The device behind ``Authorization: Bearer <recovery token>`` (only the recovery endpoint takes one)."""
    token = _bearer(request)
    state = app_state(request)
    data = state.signers.read_recovery_token(token, max_age_days=state.settings.token_days)
    if data is None:
        raise TokenInvalid("这里需要这台手机的恢复凭证；请重新登记这台手机。")
    user_id = data["u"]
    return await app_state(request).store.read(lambda db: _check_device(device_status(db, data["d"]), user_id))
