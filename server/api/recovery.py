"""The phone's own account and its forgotten-PIN recovery.

- ``GET /api/device`` (device token): who this phone belongs to, their unit's telephone, whether
  the server holds the phone's recovery key, and a fresh recovery token to keep.
- ``PUT /api/device/recovery-key`` (device token): store or replace the phone's recovery key.
- ``POST /api/recovery`` (recovery token + a one-time code from the station): release it.
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..devices import normalise_code, phone_profile
from ..errors import (
    BadRequest,
    CodeInvalid,
    RecoveryCodeRejected,
    RecoveryKeyInvalid,
    RecoveryKeyMissing,
    RecoveryThrottled,
)
from ..recovery import Released, has_recovery_key, redeem_recovery_code, store_recovery_key, valid_key
from ..state import app_state
from .common import authenticate_device, authenticate_recovery, read_json


async def device(request: Request) -> Response:
    auth = await authenticate_device(request)
    state = app_state(request)
    device_id = auth.actor.device_id
    assert device_id is not None  # a device token always names its device

    profile, stored = await state.store.read(lambda db: (phone_profile(db, device_id),
                                                         has_recovery_key(db, device_id)))
    answer = {"device_id": device_id, **profile, "recovery_key_stored": stored,
              "recovery_token": state.signers.recovery_token(device_id, auth.actor.user_id)}
    if auth.fresh_token:
        answer["token"] = auth.fresh_token
    return JSONResponse(answer)


async def put_recovery_key(request: Request) -> Response:
    auth = await authenticate_device(request)
    state = app_state(request)
    device_id = auth.actor.device_id
    assert device_id is not None
    body = await read_json(request, max_bytes=4096)
    if not isinstance(body, dict) or set(body) != {"recovery_key"}:
        raise BadRequest('请求体应为 {"recovery_key": "…"}。')
    if not valid_key(body["recovery_key"]):
        raise RecoveryKeyInvalid("recovery_key 应为 32 字节随机数的 base64url 编码（43 个字符，不带 =）。")
    key: str = body["recovery_key"]
    stored_at = await state.store.write(lambda db: store_recovery_key(db, device_id, key))
    return JSONResponse({"ok": True, "stored_at": stored_at})


async def recover(request: Request) -> Response:
    phone = await authenticate_recovery(request)
    state = app_state(request)
    settings = state.settings
    body = await read_json(request, max_bytes=4096)
    if not isinstance(body, dict) or not isinstance(body.get("code"), str):
        raise BadRequest('请求体应为 {"code": "…"}。')
    code = normalise_code(body["code"])  # full-width digits and spaces as a Chinese IME types them
    if code is None:
        raise CodeInvalid("恢复码应为 8 位数字。")
    result = await state.store.write(lambda db: redeem_recovery_code(
        db, phone["device_id"], code,
        max_failures=settings.enrol_max_failures, lockout_minutes=settings.enrol_lockout_minutes,
    ))
    if isinstance(result, Released):
        return JSONResponse({"recovery_key": result.recovery_key})
    if result.retry_after:
        raise RecoveryThrottled(result.reason, headers={"Retry-After": str(result.retry_after)})
    if result.missing:
        raise RecoveryKeyMissing(result.reason)
    raise RecoveryCodeRejected(result.reason)
