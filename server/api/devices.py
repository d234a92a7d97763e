"""``POST /api/enrol``: a one-time code from the station becomes a device token."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..clients import client_key
from ..devices import EnrolFailure, device_label, normalise_code
from ..devices import enrol as enrol_device
from ..errors import BadRequest, CodeInvalid, CodeRejected, DeviceNameInvalid, EnrolPaused, EnrolThrottled
from ..state import app_state
from .common import read_json


async def enrol(request: Request) -> Response:
    state = app_state(request)
    settings = state.settings
    body = await read_json(request, max_bytes=4096)
    if not isinstance(body, dict):
        raise BadRequest('请求体应为 {"code": "…", "device_name": "…"}。')
    raw_code, name = body.get("code"), device_label(body.get("device_name", "手机"))
    code = normalise_code(raw_code) if isinstance(raw_code, str) else None
    if code is None:
        raise CodeInvalid("登记码应为 8 位数字。")
    if name is None:
        raise DeviceNameInvalid("device_name 应为 1–100 字的文字。")
    client = client_key(request)
    result = await state.store.write(
        lambda db: enrol_device(
            db, code, name, client,
            max_failures=settings.enrol_max_failures, lockout_minutes=settings.enrol_lockout_minutes,
            max_per_hour=settings.enrol_max_failures_per_hour,
        )
    )
    if isinstance(result, EnrolFailure):
        if result.paused:
            raise EnrolPaused(result.reason, headers={"Retry-After": str(result.retry_after)})
        if result.retry_after:
            raise EnrolThrottled(result.reason, headers={"Retry-After": str(result.retry_after)})
        raise CodeRejected(result.reason)
    user = result.user
    return JSONResponse({
        "device_id": result.device_id,
        "token": state.signers.device_token(result.device_id, user["id"]),
        # The phone keeps the token encrypted under its PIN and this one in the clear: it opens only
        # POST /api/recovery, so a locked phone in the wrong hands cannot pull anyone's records.
        "recovery_token": state.signers.recovery_token(result.device_id, user["id"]),
        "user": {"id": user["id"], "name": user["name"], "role": user["role"], "unit_id": user["unit_id"]},
    })
