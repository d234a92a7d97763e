"""The newest ``banxing backup`` snapshot, noted in ``<db>.last-backup.json`` beside the database, so
the admin's 备份 page and home can say when the nightly backup stopped (docs/operations.md §2).

Not a table: ``banxing backup`` runs beside the server, the database's only writer. The note is
written only once a snapshot is whole (renamed from ``.part``), atomically and 0600 as every file of
ours is. A note that cannot be read or makes no sense reads as none: the page then asks for a backup,
and never fails over it. The admin page's own 下载备份 goes to the admin's computer and is not noted.
"""
from __future__ import annotations

import datetime
import json
import os
import pathlib
import tempfile
from dataclasses import dataclass

from sync.timeutil import format_utc, parse_utc

# The nightly job of docs/operations.md runs at 02:30: two days leave room for one night's hiccup
# (a late run, the server restarted at that hour) before the admin is asked to have it checked.
STALE_AFTER = datetime.timedelta(days=2)
MAX_NOTE_BYTES = 64 * 1024  # a note is about 200 bytes; anything far larger is not ours


@dataclass(frozen=True)
class LastBackup:
    at: str  # UTC, stored form (``format_utc``)
    path: str  # the snapshot written, absolute
    size: int  # its bytes


@dataclass(frozen=True)
class BackupCheck:
    """What the admin is told: the newest snapshot (None: no note), whether it is too old, and whether
    its file is no longer where it was written."""

    last: LastBackup | None
    days: int  # whole days since it was taken
    stale: bool
    gone: bool = False

    @property
    def needs_looking(self) -> bool:
        return self.last is None or self.stale or self.gone


def note_path(db_path: pathlib.Path) -> pathlib.Path:
    return db_path.with_name(db_path.name + ".last-backup.json")


def note_backup(db_path: pathlib.Path, target: pathlib.Path, *, now: datetime.datetime | None = None) -> LastBackup:
    """Note ``target`` (a whole snapshot) as the newest backup of ``db_path``; OSError if it cannot."""
    last = LastBackup(at=format_utc(now or datetime.datetime.now(datetime.UTC)), path=str(target.resolve()),
                      size=target.stat().st_size)
    note = note_path(db_path)
    # mkstemp makes the file 0600; the rename puts a whole note in place, never half of one.
    fd, part = tempfile.mkstemp(prefix=f".{note.name}.", suffix=".part", dir=note.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"at": last.at, "path": last.path, "size": last.size}, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(part, note)
    except BaseException:
        pathlib.Path(part).unlink(missing_ok=True)
        raise
    return last


def read_note(db_path: pathlib.Path) -> LastBackup | None:
    """The noted backup, or None for no note, an unreadable one or one that is not what we write."""
    try:
        with note_path(db_path).open("rb") as fh:
            raw = fh.read(MAX_NOTE_BYTES + 1)
        if len(raw) > MAX_NOTE_BYTES:
            return None
        data = json.loads(raw.decode("utf-8"))
        at, path, size = data["at"], data["path"], data["size"]
        if not (isinstance(at, str) and isinstance(path, str) and path
                and isinstance(size, int) and not isinstance(size, bool) and size >= 0):
            return None
        moment = parse_utc(at)
        if moment.tzinfo is None:
            return None
        return LastBackup(at=format_utc(moment), path=path, size=size)
    except (OSError, ValueError, TypeError, KeyError, RecursionError, OverflowError):
        # ValueError covers bad JSON, bad UTF-8 and a time that is no time; TypeError a list for a dict.
        return None


def check_backup(db_path: pathlib.Path, *, now: datetime.datetime | None = None) -> BackupCheck:
    last = read_note(db_path)
    if last is None:
        return BackupCheck(last=None, days=0, stale=False)
    age = (now or datetime.datetime.now(datetime.UTC)) - parse_utc(last.at)
    return BackupCheck(last=last, days=max(age.days, 0), stale=age > STALE_AFTER, gone=_gone(last.path))


def _gone(path: str) -> bool:
    """A fresh note is no restore point if its file was deleted or its disk unplugged since. Only a file
    known to be missing counts: a folder the server may not read (the job runs as another user) is not
    a warning."""
    try:
        pathlib.Path(path).stat()
    except FileNotFoundError:
        return True
    except (OSError, ValueError):
        return False
    return False


def size_words(n: int) -> str:
    """``1288490188`` → ``1.2 GB``: the size as the admin reads it, one decimal below 10."""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            break
        size /= 1024
    if unit == "B":
        return f"{n} B"
    return f"{size:.1f} {unit}" if size < 10 else f"{size:,.0f} {unit}"
