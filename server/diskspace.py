"""A word in the log before the data disk is full, not only once every save fails.

A full disk is answered 503 on each push and save (server/errors.py), and the county's operator
learns of it from the volunteers. ``SpaceWatch`` looks at the free space of the database's disk
every minute and says once, in Chinese first, when it runs low, and once when there is room again.
"Low" is less than the database and its WAL take (a backup, or the checkpoint that copies the WAL
back, needs about that much again), and never less than 1 GB.
"""
from __future__ import annotations

import pathlib
import shutil
import sys
import threading

MIN_FREE_BYTES = 1024**3
CHECK_SECONDS = 60.0


def _size(path: pathlib.Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _mb(n: int) -> str:
    return f"{n // 1024**2:,} MB"


class SpaceWatch:
    def __init__(self, db_path: pathlib.Path, *, min_free: int = MIN_FREE_BYTES,
                 seconds: float = CHECK_SECONDS) -> None:
        self.db_path = db_path
        self.min_free = min_free
        self.seconds = seconds
        self.low = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> None:
        folder = self.db_path.parent
        try:
            free = shutil.disk_usage(folder).free
        except OSError:
            return  # a disk that cannot even be asked: the failing saves say so
        wal = self.db_path.with_name(self.db_path.name + "-wal")
        need = max(self.min_free, _size(self.db_path) + _size(wal))
        low = free < need
        if low and not self.low:
            print(f"数据盘空间快用完了：{folder} 只剩 {_mb(free)}（应留出至少 {_mb(need)}）。"
                  "满了以后，手机同步和网页保存都会失败，请尽快腾出空间或换更大的磁盘"
                  f"（disk almost full: {free} bytes free in {folder}）", file=sys.stderr)
        elif self.low and not low:
            print(f"数据盘空间又够了：{folder} 有 {_mb(free)} 可用（disk space ok again）", file=sys.stderr)
        self.low = low

    def start(self) -> None:
        self.check()
        self._thread = threading.Thread(target=self._loop, name="banxing-disk-space", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.seconds):
            self.check()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
