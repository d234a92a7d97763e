"""The phone app at ``/app/``: the files of ``pwa/`` served from memory.

The app is small, so every file is read (and gzip-compressed) once when the app is built
and answered with an ETag and ``Cache-Control: no-cache``: the browser always revalidates
(a 304 costs a few bytes), so a deployed change is seen on the next load, and the service
worker keeps the app working offline.

``sw.js`` is hand-written; its first line, ``const BUILD = …;``, is replaced here with the
version (a hash of every file) and the list of files to precache. Any change to any file
therefore changes ``sw.js`` byte for byte, which is what makes browsers install the new
worker — there is no version number to forget to bump. Scripts and the stylesheet are sent
without their comments and indentation (``server/pwa_compact.py``), so a comment's edit is no new
version for the phones.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import pathlib
import re
import time
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .pwa_compact import compact_manifest, compact_script, compact_stylesheet

MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".webmanifest": "application/manifest+json",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
WORKER = "sw.js"
INDEX = "index.html"
# As written, or compacted (then the next line may follow it on the same line): it goes out on a
# line of its own, the worker's first.
BUILD_LINE = re.compile(rb"^const BUILD ?= ?\{[^\n]*?\};\n?", re.M)


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str
    etag: str
    gzipped: bytes | None  # the same bytes gzip-compressed (text files, when that is smaller)


@dataclass(frozen=True)
class Build:
    """What one deployment of the app consists of."""

    version: str
    assets: dict[str, Asset]  # path relative to /app/ -> file

    precache: list[str]  # URLs, relative to the worker, it stores for offline use


def _files(folder: pathlib.Path) -> dict[str, bytes]:
    """Every servable file, by its path relative to ``folder`` (other files, such as
    README.md or the icon script, are not part of the app)."""
    return {
        path.relative_to(folder).as_posix(): _shipped(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.suffix in MEDIA_TYPES
    }


def _shipped(path: pathlib.Path) -> bytes:
    body = path.read_bytes()
    compact = {".js": compact_script, ".css": compact_stylesheet, ".webmanifest": compact_manifest}.get(path.suffix)
    if compact is None:
        return body
    try:
        return compact(body.decode()).encode()
    except UnicodeDecodeError:  # not ours to judge: sent as it is
        return body


def load_build(folder: pathlib.Path) -> Build:
    files = _files(folder)
    if WORKER not in files or INDEX not in files:
        raise RuntimeError(f"{folder} holds no phone app (index.html and sw.js are missing)")
    digest = hashlib.sha256()
    for name, body in files.items():
        digest.update(name.encode() + b"\0" + body + b"\0")
    version = digest.hexdigest()[:12]
    # The shell is stored as "./" (what /app/ and /app/?code=… load), never as index.html.
    precache = ["./"] + sorted(p for p in files if p not in (WORKER, INDEX))
    build = json.dumps({"version": version, "precache": precache}, separators=(",", ":"))
    line = b"const BUILD = " + build.encode() + b";\n"
    worker, count = BUILD_LINE.subn(lambda _: line, files[WORKER], count=1)
    if count != 1:
        raise RuntimeError(f"{folder / WORKER} must start with a `const BUILD = …;` line")
    files[WORKER] = worker
    assets = {}
    for name, body in files.items():
        suffix = pathlib.PurePosixPath(name).suffix
        packed = None if suffix == ".png" else gzip.compress(body, compresslevel=9, mtime=0)  # PNG is compressed
        assets[name] = Asset(body, MEDIA_TYPES[suffix], hashlib.sha256(body).hexdigest()[:16],
                             packed if packed is not None and len(packed) < len(body) else None)
    return Build(version, assets, precache)


def _stamp(folder: pathlib.Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of the app's files: cheap to take, changes on every edit."""
    return tuple(
        (str(path), stat.st_size, stat.st_mtime_ns)
        for path in sorted(folder.rglob("*")) if path.suffix in MEDIA_TYPES and (stat := path.stat())
    )


class PwaFiles:
    """A tiny ASGI app for the ``/app`` mount: GET/HEAD of the app's files, 304 on a matching ETag.

    The files are read again when one of them changed (looked at most once a second), so an
    edit to ``pwa/`` — or a new app copied into ``pwa_dir`` — is served without a restart.
    """

    def __init__(self, folder: pathlib.Path) -> None:
        self.folder = folder
        self.stamp = _stamp(folder)
        self.build = load_build(folder)
        self.checked = time.monotonic()

    def _fresh(self) -> Build:
        now = time.monotonic()
        if now - self.checked >= 1.0:
            self.checked = now
            stamp = _stamp(self.folder)
            if stamp != self.stamp:
                self.build, self.stamp = load_build(self.folder), stamp
        return self.build

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(405, headers={"Allow": "GET, HEAD"})
        root = scope.get("root_path", "")
        path = scope["path"][len(root):] if scope["path"].startswith(root) else scope["path"]
        name = path.lstrip("/") or INDEX
        asset = self._fresh().assets.get(name)
        if asset is None:
            raise HTTPException(404)
        request = Headers(scope=scope)
        # Over 2G every byte counts: text goes gzip-compressed to browsers that accept it
        # (all do); each encoding has its own ETag, as HTTP caches require.
        packed = asset.gzipped is not None and "gzip" in request.get("accept-encoding", "")
        body = asset.gzipped if packed and asset.gzipped is not None else asset.body
        etag = f'"{asset.etag}{"-gz" if packed else ""}"'
        headers = {"cache-control": "no-cache", "etag": etag, "vary": "accept-encoding"}
        if packed:
            headers["content-encoding"] = "gzip"
        if request.get("if-none-match") == etag:
            response = Response(status_code=304, headers=headers)
        else:
            response = Response(b"" if scope["method"] == "HEAD" else body, media_type=asset.media_type,
                                headers=headers)
            if scope["method"] == "HEAD":
                response.headers["content-length"] = str(len(body))
        await response(scope, receive, send)
