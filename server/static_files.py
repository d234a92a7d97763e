"""``/static``: Starlette's StaticFiles, whose refusal of a Range header is the site's own.

A download tool or a proxy may ask for part of a stylesheet with a Range header it got wrong
(``bytes=abc``, ``items=0-1``, an end before the start) or past the file's end. Starlette's
FileResponse answers those itself, with a bare English 400 or an empty 416, outside the error
handlers every other bad request goes through; the check is made here first, so they get the
friendly page (or the JSON envelope) instead. A Range it can serve is left to FileResponse.
"""
from __future__ import annotations

import os

from starlette.datastructures import Headers
from starlette.responses import FileResponse, MalformedRangeHeader, RangeNotSatisfiable, Response
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

from .errors import AppError, BadRequest


class RangeInvalid(BadRequest):
    code = "range_invalid"


class RangeOutside(AppError):
    status, code = 416, "range_not_satisfiable"


RANGE_INVALID = "请求里的 Range（要下载文件的哪一部分）写得不对，服务器读不懂。请去掉它，下载整个文件。"
RANGE_OUTSIDE = "请求里的 Range 超出了文件的长度（文件共 {size} 字节）。请去掉它，下载整个文件。"


class StaticPages(StaticFiles):
    def file_response(self, full_path: PathLike, stat_result: os.stat_result, scope: Scope,
                      status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        if isinstance(response, FileResponse) and response.status_code == 200:
            _check_range(response, Headers(scope=scope), stat_result.st_size)
        return response


def _check_range(response: FileResponse, headers: Headers, size: int) -> None:
    """Raise what FileResponse would answer bare for ``headers``' Range (the same parse, so both
    agree on what is malformed); nothing when there is none, or an If-Range makes it ignored."""
    asked, if_range = headers.get("range"), headers.get("if-range")
    if asked is None or (if_range is not None and not response._should_use_range(if_range)):
        return
    try:
        response._parse_range_header(asked, size)
    except MalformedRangeHeader:
        raise RangeInvalid(RANGE_INVALID) from None
    except RangeNotSatisfiable:
        raise RangeOutside(RANGE_OUTSIDE.format(size=size), headers={"content-range": f"bytes */{size}"}) from None
