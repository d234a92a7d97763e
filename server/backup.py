"""Online backup and integrity-checked restore of the SQLite file (the CLI and, later, the admin page).

Both write their target 0600 (``sync.db.make_private``): a backup holds every child's record. The key
file beside the database (``<db>.secret``, when no keys are configured) travels with it: it signs every
phone's enrolment, and a database restored without it would refuse every phone.
"""
from __future__ import annotations

import os
import pathlib
import shutil
import sqlite3
import tempfile

from sync.db import NotADatabase, check_database_file, make_private

from .auth import key_file
from .preflight import served


class BackupRefused(Exception):
    """A sentence saying why nothing was written."""


def _copy_key(source: pathlib.Path, target: pathlib.Path) -> None:
    make_private(target)
    shutil.copyfile(source, target)


def backup(db_path: pathlib.Path, target: pathlib.Path) -> bool:
    """Copy a consistent snapshot of ``db_path`` to the new file ``target`` while the server writes,
    and the key file beside it to ``<target>.secret``; return whether there was a key file.

    Both are written under a ``.part`` name and given theirs only once whole and synced: a copy
    cut short (a full disk, a killed process, a power cut) is never found under the name asked for,
    where it would pass for a backup."""
    if target.exists() or key_file(target).exists():
        raise BackupRefused(f"{target} 已经存在：请换一个新的文件名，什么都没有写。")
    if not target.parent.is_dir():
        raise BackupRefused(f"文件夹 {target.parent} 不存在，什么都没有写。")
    _check_wal_beside(db_path)
    folder: pathlib.Path | None = None
    try:
        source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        if os.access(db_path.parent, os.W_OK) or not db_path.is_file():
            raise BackupRefused(f"{db_path} 打不开，什么都没有写。") from None
        # A read-only disk (ext4 remounts itself read-only after write errors, just when a backup
        # is wanted most): SQLite cannot make the -shm a reader of a WAL database needs. Nobody can
        # write there, so a copy of its files, beside the target, is the same snapshot.
        folder = pathlib.Path(tempfile.mkdtemp(prefix=f".{target.name}.backup-", dir=target.parent))
        try:
            source = sqlite3.connect(str(_private_copy(db_path, folder)))
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
    part, key_part = _part(target), _part(key_file(target))
    leftovers = (part, part.with_name(part.name + "-journal"), key_part)
    for path in leftovers:  # of a copy cut short before: SQLite would roll its journal into this one
        path.unlink(missing_ok=True)
    make_private(part)
    try:
        # The online backup API copies a consistent snapshot while the server keeps writing.
        dest = sqlite3.connect(str(part))
        try:
            with dest:
                source.backup(dest)
        finally:
            dest.close()
        _sync(part)
        with_key = key_file(db_path).exists()
        if with_key:
            _copy_key(key_file(db_path), key_part)
            _sync(key_part)
            os.replace(key_part, key_file(target))
        os.replace(part, target)  # last: the database under its name says the backup is whole
        _sync(target.parent)
    except BaseException:
        # A half-written file (disk full, a damaged source) must not be left behind, nor block
        # the next try with "already exists".
        for path in (*leftovers, key_file(target)):
            path.unlink(missing_ok=True)
        raise
    finally:
        source.close()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    return with_key


def _check_wal_beside(db_path: pathlib.Path) -> None:
    """Refuse a snapshot while the running server's -wal (or -shm) is deleted: it still writes to the
    deleted one, and a copy read from the database file alone lacks every commit in it (hours of
    visits, each acknowledged to a phone). The server makes the files anew at its next write."""
    missing = [n for n in ("-wal", "-shm") if not db_path.with_name(db_path.name + n).exists()]
    if missing and served(db_path):
        raise BackupRefused(
            f"数据库旁边的 {db_path.name}{missing[0]} 文件不见了（被删除了？），服务器正在运行，"
            "备份没有做，什么都没有写：现在复制会漏掉最近保存的记录。服务器保存下一笔记录时会自己重建这个文件（也可以重启服务器），"
            "等这个文件重新出现后再备份。")


def _part(path: pathlib.Path) -> pathlib.Path:
    return path.with_name(path.name + ".part")


def _sync(path: pathlib.Path) -> None:
    """fsync a file or a folder (a folder: so that a rename in it is on disk too)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def restore(source_path: pathlib.Path, db_path: pathlib.Path) -> bool:
    """Replace ``db_path`` with an intact Banxing backup; refuse anything else and change nothing.

    The backup's key file is put back when the database has none (its disk was lost); a key file
    already there is the one the phones' enrolments were signed with since, and stays. Returns
    whether a key file was put back."""
    if not source_path.is_file():
        raise BackupRefused(f"备份文件 {source_path} 不存在，什么都没有改。")
    if not db_path.parent.is_dir():
        raise BackupRefused(f"文件夹 {db_path.parent} 不存在，什么都没有改。")
    try:
        # Not the key file beside it, its Litestream configuration or a system file, by a slip of --db.
        check_database_file(db_path)
    except NotADatabase as exc:
        raise BackupRefused(str(exc)) from None
    folder = pathlib.Path(tempfile.mkdtemp(prefix=f".{db_path.name}.restore-", dir=db_path.parent))
    try:
        return _restore_copy(_private_copy(source_path, folder), source_path, db_path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _private_copy(source_path: pathlib.Path, folder: pathlib.Path) -> pathlib.Path:
    """The backup copied into ``folder`` (0700, beside the database), with its ``-wal`` if one lies beside it.

    Opened in place, SQLite makes ``-wal`` and ``-shm`` files beside a WAL-mode backup and leaves them
    there; on read-only media (a write-protected USB stick, a CD) it cannot, and an intact backup read
    as "not intact". A copy is read instead; the original is only ever read as bytes."""
    copy = folder / "backup.db"
    make_private(copy)
    shutil.copyfile(source_path, copy)
    wal = source_path.with_name(source_path.name + "-wal")
    if wal.is_file():  # committed changes not yet checkpointed into the file belong to the backup
        make_private(folder / "backup.db-wal")
        shutil.copyfile(wal, folder / "backup.db-wal")
    return copy


def _restore_copy(copy: pathlib.Path, source_path: pathlib.Path, db_path: pathlib.Path) -> bool:
    source = sqlite3.connect(str(copy))
    try:
        try:
            ok = source.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            has_schema = source.execute(
                "SELECT count(*) FROM sqlite_master WHERE name IN ('_migrations', 'sync_feed')"
            ).fetchone()[0] == 2
        except sqlite3.DatabaseError:  # not an SQLite file at all ("file is not a database")
            ok = has_schema = False
        if not (ok and has_schema):
            raise BackupRefused(f"{source_path} 不是完好的伴行备份，什么都没有改。")
        old_head = _head(db_path)
        make_private(db_path)
        dest = sqlite3.connect(str(db_path), timeout=0)
        try:
            try:
                # Held until the copy is done: a server still running (any open connection) makes this
                # fail, and none can start while the file is being replaced.
                dest.execute("PRAGMA locking_mode = EXCLUSIVE")
                dest.execute("BEGIN EXCLUSIVE")
                dest.rollback()
            except sqlite3.OperationalError:
                raise BackupRefused(f"{db_path} 正在使用中（服务器还在运行吗？）：请先停止服务，"
                                    "什么都没有改。") from None
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    _move_sequence_past(db_path, old_head)
    if key_file(source_path).exists() and not key_file(db_path).exists():
        _copy_key(key_file(source_path), key_file(db_path))
        return True
    return False


def _head(db_path: pathlib.Path) -> int | None:
    """The last sequence number the database at ``db_path`` handed out, or None if it cannot be read."""
    if not db_path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            return int(conn.execute("SELECT max(coalesce((SELECT max(seq) FROM sync_feed), 0),"
                                    " coalesce((SELECT max(seq) FROM sync_scope_log), 0))").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None


def _move_sequence_past(db_path: pathlib.Path, old_head: int | None) -> None:
    """Number the restored database's next change after every number the old one handed out.

    An older snapshot's sequence ends below cursors that phones already hold; reusing those numbers
    would let a phone skip the new changes numbered under its cursor. A marker row (matching no
    account) moves the shared sequence past the old head — or far past it, when the old file could
    not be read. Phones keep their copies and cursors, and receive every change from now on.
    """
    from sync import connect, migrations, transaction
    from sync.records import head_seq, mark_restore
    from sync.timeutil import utc_now

    from .schema import migrations as server_migrations

    db = connect(db_path)
    try:
        # Both sets, as the server does at start: a snapshot from before m020 gains the table used
        # below, and the file put in place has this code's schema (operations.md: restore migrates
        # it), not one the server's own tables catch up with only at the next start.
        migrations.apply(db)
        server_migrations.apply(db)
        with transaction(db):
            restored = head_seq(db)
            seq = max(restored, old_head) + 1 if old_head is not None else restored + 10**9
            mark_restore(db, seq, utc_now())
    finally:
        db.close()
