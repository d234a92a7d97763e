"""The conditions the server answers with: ``AppError`` subclasses, one per condition, each
carrying its HTTP status, a sentence for the person and a stable machine ``code``.

Handlers raise them (or let ``sync`` errors through); ``server/error_handlers.py`` turns them into
the one error envelope. An SQLite or OS error that is the disk's becomes ``StorageUnavailable``.
"""
from __future__ import annotations

import errno
import sqlite3


class AppError(Exception):
    """Base class: ``message`` is a sentence for the person, ``code`` a stable name for programs."""

    status = 400
    code = "bad_request"
    # A page's error may offer the way on (``link``: address, words) and show back what was not
    # saved (``typed``), in place of the posted form's words.
    link: tuple[str, str] | None = None
    typed: list[str] | None = None

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class BadRequest(AppError):
    """The request cannot be read (a generic 400 when no narrower class fits)."""

    status, code = 400, "bad_request"


class JsonInvalid(BadRequest):
    code = "json_invalid"


class JsonTooDeep(BadRequest):
    """A JSON body nested deeper than any request of the protocol (``MAX_JSON_DEPTH``)."""

    code = "json_too_deep"


class LimitInvalid(BadRequest):
    code = "limit_invalid"


class ParamInvalid(BadRequest):
    """A page's query parameter cannot be read (a report's unit id or dates)."""

    code = "param_invalid"


class CodeInvalid(BadRequest):
    """An enrolment code that is not 8 digits."""

    code = "code_invalid"


class CodeRejected(BadRequest):
    """A well-formed enrolment code that is wrong, used or expired."""

    code = "code_rejected"


class DeviceNameInvalid(BadRequest):
    code = "device_name_invalid"


class RecoveryKeyInvalid(BadRequest):
    """An uploaded recovery key that is not 32 bytes of unpadded base64url."""

    code = "recovery_key_invalid"


class RecoveryCodeRejected(BadRequest):
    """A well-formed recovery code that is wrong, used, expired or for another phone."""

    code = "recovery_code_rejected"


class Unauthorized(AppError):
    status, code = 401, "unauthorized"


class TokenMissing(Unauthorized):
    code = "token_missing"


class TokenInvalid(Unauthorized):
    code = "token_invalid"


class TokenExpired(Unauthorized):
    code = "token_expired"


class DeviceStopped(Unauthorized):
    """The device was revoked by staff (a lost phone)."""

    code = "device_revoked"


class UserInactive(Unauthorized):
    code = "user_inactive"


class SessionExpired(Unauthorized):
    """A web session is missing or too old; pages redirect to /login instead of showing this."""

    code = "session_expired"


class LoginRequired(SessionExpired):
    """A page needs a signed-in person: redirect to /login and come back to ``next_path``.

    A form posted when its session had expired leaves what was typed either as ``draft``, a draft
    of the account whose session it was, or (no trace of whose) as ``typed``, shown on this page
    only: nothing typed is lost, and nobody else signing in next gets it.
    """

    def __init__(self, message: str, *, next_path: str, draft: str | None = None,
                 typed: list[str] | None = None) -> None:
        super().__init__(message)
        self.next_path = next_path
        self.draft = draft
        self.typed = typed


class Forbidden(AppError):
    status, code = 403, "forbidden"


class PasswordToChoose(Forbidden):
    """The signed-in account's password was set by someone else (an admin, the CLI): every page
    sends the person to choose their own first (``/account/new-password``), then back to ``next_path``."""

    code = "password_to_choose"

    def __init__(self, message: str, *, next_path: str) -> None:
        super().__init__(message)
        self.next_path = next_path


class CsrfFailed(Forbidden):
    """A state-changing form was posted without this session's CSRF token."""

    code = "csrf_failed"


class FormKept(CsrfFailed):
    """A form of this site posted with a stale CSRF token (the page was open too long, the browser
    dropped its cookie): nothing was changed, and what was typed waits as ``draft`` of the signed-in
    person, back in the form at ``next_path``."""

    def __init__(self, message: str, *, next_path: str, draft: str) -> None:
        super().__init__(message)
        self.next_path = next_path
        self.draft = draft


class FormOfAnother(AppError):
    """A form shown to one signed-in person posted while another is signed in in the same browser
    (they signed in in another tab): saved, it would be written under the wrong name, so nothing is."""

    status, code = 409, "form_of_another"


class SavedBefore(AppError):
    """A new-record form posted again (the back button, a field changed, 保存) after its first post
    made the record: the record is made once, so the changes of this post are not saved; ``typed``
    lists them and ``link`` is the record's page, where they can be made."""

    status, code = 409, "saved_before"

    def __init__(self, message: str, *, link: tuple[str, str], typed: list[str]) -> None:
        super().__init__(message)
        self.link = link
        self.typed = typed


class NotFound(AppError):
    """No such record, or not in the caller's scope: one answer for both, so scope leaks nothing."""

    status, code = 404, "not_found"


class RecoveryKeyMissing(AppError):
    """A right recovery code, but the phone never uploaded its recovery key."""

    status, code = 409, "recovery_key_missing"


class TrailingSlash(AppError):
    """An /api/ path with a slash at the end: the sentence names the right path (no redirect)."""

    status, code = 404, "trailing_slash"


class BodyTooLarge(AppError):
    status, code = 413, "body_too_large"


class BatchBytesTooLarge(BodyTooLarge):
    """A push body past ``max_batch_bytes``; the phone halves the batch and retries."""

    code = "batch_too_large"


class ContentTypeUnsupported(AppError):
    """A body that does not say it is JSON (``Content-Type: application/json``, UTF-8)."""

    status, code = 415, "content_type_unsupported"


class TooManyRequests(AppError):
    status, code = 429, "too_many_requests"


class EnrolThrottled(TooManyRequests):
    code = "enrol_throttled"


class RecoveryThrottled(TooManyRequests):
    code = "recovery_throttled"


class EnrolPaused(TooManyRequests):
    """The server-wide ceiling of failed enrolments per hour was reached; every address waits."""

    code = "enrol_paused"


class LoginLocked(TooManyRequests):
    code = "login_locked"


class ReadTooSlow(AppError):
    """A report or export ran past its time limit (``Store.read(time_limit_ms=…)``)."""

    status, code = 503, "read_too_slow"


class StorageUnavailable(AppError):
    """The server's disk refused the database or a file (read-only, failing, a file removed under it).

    Not a bug of ours and not the caller's: the operator's to fix, so one log line and no traceback.
    SQLite rolled the write back; a phone keeps its outbox and sends again, as after any 5xx, and the
    server serves again by itself once the disk does (``Store`` keeps its writer running)."""

    status, code = 503, "storage_unavailable"
    log_words = "storage failed"
    # The operator's words in the log line (docs/operations.md, "Reading the server's log").
    log_chinese = "磁盘出错（只读或读写失败），这次请求没有完成：请检查数据盘"

    reading = ("服务器的磁盘出了故障（只读或读写出错），现在打不开这些记录；"
               "请稍后再试，并告诉县关工委的系统管理员。")

    def __init__(self, message: str = "", *, detail: str = "") -> None:
        super().__init__(message or STORAGE_FAILED, headers={"retry-after": "300"})
        self.detail = detail


class DiskFull(StorageUnavailable):
    """The disk (or SQLite's page limit) is full."""

    code = "disk_full"
    log_words = "disk full"
    log_chinese = "磁盘已满，这次请求没有完成：请腾出磁盘空间"
    reading = ("服务器的磁盘已满，现在打不开这些记录（查看孩子的记录要先记下一笔访问日志）；"
               "请稍后再试，并告诉县关工委的系统管理员。")

    def __init__(self, message: str = "", *, detail: str = "") -> None:
        super().__init__(message or DISK_FULL, detail=detail)


DISK_FULL = "服务器的磁盘已满，这次的内容没有保存；请稍后再试，并告诉县关工委的系统管理员。"
STORAGE_FAILED = ("服务器的磁盘出了故障（只读或读写出错），这次的请求没有完成，也没有保存任何内容；"
                  "请稍后再试，并告诉县关工委的系统管理员。")
# SQLite's primary result codes (the low byte of an extended code such as SQLITE_IOERR_WRITE) and
# the errno values that mean the disk, not the request: a full disk, or one that cannot be written.
_SQLITE_FULL = {sqlite3.SQLITE_FULL}
_SQLITE_DISK = {sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN}
_ERRNO_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_ERRNO_DISK = {errno.EROFS, errno.EIO}


def storage_failure(exc: BaseException) -> StorageUnavailable | None:
    """The ``StorageUnavailable`` that ``exc`` (an SQLite or OS error) amounts to, or None for any other error."""
    if isinstance(exc, StorageUnavailable):
        return exc
    if isinstance(exc, sqlite3.Error):
        primary = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
        full, disk = primary in _SQLITE_FULL, primary in _SQLITE_DISK
    elif isinstance(exc, OSError):
        full, disk = exc.errno in _ERRNO_FULL, exc.errno in _ERRNO_DISK
    else:
        return None
    if not (full or disk):
        return None
    failure = DiskFull(detail=str(exc)) if full else StorageUnavailable(detail=str(exc))
    failure.__cause__ = exc
    return failure




def error_classes() -> list[type[AppError]]:
    """Every concrete condition the server can answer with (the docs test lists their codes)."""
    found: list[type[AppError]] = []
    stack: list[type[AppError]] = [AppError]
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return found
