"""What ``banxing serve`` checks before it answers a single phone.

A server that starts on the wrong database does worse than one that does not start: a phone whose
device token is refused (``token_invalid``: the signing key changed, or its device row is not in
the file) drops its copies of the children's records and asks to be enrolled again. So the server
refuses to start, with a sentence for the operator, when

- the database file does not exist (a data disk that did not mount, a typo in ``BANXING_DB_PATH``):
  an empty county would be created and every phone that syncs would be cut off; ``--create`` makes
  a new database on purpose;
- no keys are configured, the key file beside the database (``<db>.secret``) is missing, and the
  database has phones enrolled: a fresh key would refuse every one of their tokens (a database
  restored from Litestream after its disk was lost comes back without the key file);
- keys are configured, none of them is the key in ``<db>.secret``, and the database has phones
  enrolled: the phones were enrolled under the file's key, and moving to ``BANXING_SECRET_KEYS``
  without it would refuse them all in the same way;
- another ``banxing serve`` already runs on the same file: two writers' group commits contend for
  one lock and two Litestream processes would write one replica's history at once;
- the database file, or its folder (where SQLite makes ``-wal`` and ``-shm``), cannot be written by
  this user (a read-only disk, a file copied back 0400 or owned by root): SQLite would open it
  read-only without a word and the server would answer every push, sign-in and save with a 503.
"""
from __future__ import annotations

import errno
import fcntl
import os
import pathlib
import socket
import sqlite3

from sync.db import PRIVATE_MODE, check_database_file

from .auth import key_file
from .config import Settings


class ServeRefused(Exception):
    """A sentence saying why the server did not start."""


def lock_file(db_path: pathlib.Path) -> pathlib.Path:
    return db_path.parent / (db_path.name + ".serve-lock")


def check_database(settings: Settings, *, create: bool) -> None:
    """Refuse a missing database (unless ``create``) and a lost signing key; see the module docstring."""
    path = settings.db_path
    check_database_file(path)
    if not path.exists():
        if create:
            return
        raise ServeRefused(
            f"数据库文件 {path} 不存在，服务器没有启动。请检查路径（BANXING_DB_PATH 或 --db）和数据盘是否已挂载；"
            "从备份恢复请用 banxing restore；确实要新建一个空数据库，请加 --create。")
    _check_writable(path)
    if settings.secret_keys:
        _check_configured_keys(settings)
        return
    if key_file(path).exists():
        return
    phones = _enrolled_phones(path)
    if phones:
        raise ServeRefused(
            f"数据库里有 {phones} 台已登记的手机，但签名密钥文件 {key_file(path)} 不存在，服务器没有启动："
            "用新密钥启动，这些手机都会被拒绝并要求重新登记。请从备份处找回这个文件放回原处"
            "（或把原来的密钥写入 BANXING_SECRET_KEYS）。如果密钥确已丢失，把一个新的随机密钥写入"
            "BANXING_SECRET_KEYS 再启动，所有手机需导出未同步记录后重新登记。")


def check_address(host: str, port: int) -> None:
    """Refuse an address the server cannot listen on, in words, before saying where it serves.

    uvicorn found out only after the server had printed its address, and said so in English
    (``[Errno 98] error while attempting to bind``): the operator read that the server was on a
    port that another program held."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            probe.bind(address)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            why = f"端口 {port} 已经被另一个程序占用（另一个 banxing serve，或别的网站服务）"
        elif exc.errno == errno.EACCES:
            why = f"没有权限使用端口 {port}（1024 以下的端口要 root 权限；请用 1024 以上的端口，前面放 nginx）"
        else:
            why = f"不能在 {host}:{port} 上监听（{exc.strerror or exc}）"
        raise ServeRefused(f"{why}，服务器没有启动。请换一个端口（--port 或 BANXING_PORT）或地址（--host 或 "
                           "BANXING_HOST），或者先停掉占用它的程序。") from None


def _check_configured_keys(settings: Settings) -> None:
    """Keys set in ``BANXING_SECRET_KEYS`` while the phones were enrolled under the key file: the
    operations guide says to move the key into the county's env file, and a list without the file's
    key refused every phone's token as the first start after it answered a phone."""
    path = key_file(settings.db_path)
    if not path.exists():
        return
    filed = [k.strip() for k in path.read_text(encoding="utf-8").splitlines() if k.strip()]
    if not filed or set(filed) & set(settings.secret_keys):
        return
    phones = _enrolled_phones(settings.db_path)
    if phones:
        raise ServeRefused(
            f"BANXING_SECRET_KEYS 里没有签名密钥文件 {path} 里的密钥，而数据库里有 {phones} 台已登记的手机，"
            "服务器没有启动：用新密钥启动，这些手机都会被拒绝并要求重新登记。请把这个文件里的密钥写在"
            "BANXING_SECRET_KEYS 的最前面（旧的在前，逗号分隔），再启动。如果这是一次已经完成的密钥轮换"
            "（每台手机都已同步、换上了新密钥签的凭证），把这个文件移走再启动。")


def _check_writable(path: pathlib.Path) -> None:
    for target, what in ((path, "数据库文件"), (path.parent, "数据库所在的文件夹")):
        if not os.access(target, os.W_OK | (os.X_OK if target.is_dir() else 0)):
            raise ServeRefused(
                f"{what} {target} 不能写入（磁盘只读，或文件权限、所有者不对），服务器没有启动："
                "这样启动，每一次同步和保存都会失败。请检查数据盘是否以只读方式挂载，"
                "并让运行 banxing 的用户能读写这个文件和文件夹。")


def _enrolled_phones(path: pathlib.Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sync_devices'").fetchone() is None:
            return 0
        return int(conn.execute("SELECT count(*) FROM sync_devices WHERE revoked_at IS NULL").fetchone()[0])
    finally:
        conn.close()


def served(db_path: pathlib.Path) -> bool:
    """Whether a ``banxing serve`` holds ``db_path``'s serve lock now."""
    try:
        fd = os.open(lock_file(db_path), os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def check_files_beside(db_path: pathlib.Path) -> None:
    """Refuse to open a database whose -wal or -shm is gone while a server runs on it.

    A serving process keeps both files from its first write to its exit (server/store.py makes them
    anew when they are deleted). Missing, they were deleted under it and it still uses the deleted
    ones: a command that wrote now would make a second WAL beside the server's, and once the server
    copied its own back into the database file, SQLite read the command's over it and the database
    was malformed (seen: `database disk image is malformed` on every command and page after).
    """
    missing = [n for n in ("-wal", "-shm") if not db_path.with_name(db_path.name + n).exists()]
    if missing and served(db_path):
        raise ServeRefused(
            f"服务器正在运行，但数据库旁边的 {db_path.name}{missing[0]} 文件不见了（被删除了？），这个命令没有运行："
            "现在写入会损坏数据库。请先重启服务器（或等它保存下一笔记录，它会自己重建这些文件），再运行这个命令。")


def hold_database(db_path: pathlib.Path) -> int:
    """Take the serve lock of ``db_path`` for the life of this process; its file descriptor.

    An advisory ``flock`` on a file beside the database: the kernel releases it when the process
    ends, however it ends (a SIGKILL leaves no stale lock to clear by hand). The CLI's other
    commands (enrol-code, backup …) do not take it: they run beside a serving process.
    """
    path = lock_file(db_path)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise ServeRefused(f"另一个 banxing serve 已经在使用 {db_path}，这个没有启动。"
                           "同一个数据库只能由一个服务器进程使用。") from None
    return fd
