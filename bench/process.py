"""A real ``banxing serve`` subprocess on a free port, a keep-alive client, and process figures."""
from __future__ import annotations

import http.client
import json
import math
import os
import pathlib
import secrets
import signal
import socket
import subprocess
import sys
import time
from typing import Any

HOST = "127.0.0.1"


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))]


def cpu_model() -> str:
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def sched_seconds(pid: int | str) -> tuple[float, float]:
    """From Linux schedstat: CPU time, and time spent waiting in the run queue (other load)."""
    on_cpu = waiting = 0
    try:
        for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
            try:
                values = (task / "schedstat").read_text().split()
            except OSError:
                continue
            on_cpu += int(values[0])
            waiting += int(values[1])
    except OSError:
        return float("nan"), float("nan")
    return on_cpu / 1e9, waiting / 1e9


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Server:
    """``banxing serve`` as a subprocess; always stopped by ``stop()``."""

    def __init__(self, db_path: pathlib.Path, workdir: pathlib.Path) -> None:
        self.port = free_port()
        self.stderr_path = workdir / "server.stderr"
        self.stdout_path = workdir / "server.stdout"
        exe = pathlib.Path(sys.executable).parent / "banxing"
        env = {**os.environ, "BANXING_SECRET_KEYS": secrets.token_urlsafe(32)}
        self._err = open(self.stderr_path, "wb")
        self._out = open(self.stdout_path, "wb")
        self.proc = subprocess.Popen(
            [str(exe), "serve", "--db", str(db_path), "--host", HOST, "--port", str(self.port)],
            stdout=self._out, stderr=self._err, env=env, cwd=str(workdir),
        )

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited with {self.proc.returncode}:\n{self.stderr()}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", "/api/openapi.json")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"server did not answer within {timeout} s:\n{self.stderr()}")

    def cpu_seconds(self) -> float:
        """User + system CPU the server process has used so far (Linux /proc)."""
        try:
            fields = pathlib.Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return float("nan")

    def sched(self) -> tuple[float, float]:
        """(seconds on a CPU, seconds runnable but waiting for a CPU), summed over threads."""
        return sched_seconds(self.proc.pid)

    def stderr(self) -> str:
        if not self._err.closed:
            self._err.flush()
        return self.stderr_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # uvicorn shuts down; the lifespan closes the Store
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self._err.closed:
            return
        self._err.close()
        self._out.close()


class Client:
    """One keep-alive HTTP/1.1 connection, as one phone holds it."""

    def __init__(self, port: int, token: str | None = None) -> None:
        self.port = port
        self.token = token
        self.conn = http.client.HTTPConnection(HOST, port, timeout=120)
        self.reconnects = 0

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes, float]:
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        for attempt in range(3):
            start = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                return resp.status, data, time.perf_counter() - start
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.CannotSendRequest, http.client.ResponseNotReady):
                # The server closed an idle keep-alive connection (or the answer was lost):
                # reconnect and send again; push is idempotent by (device, mutation_id).
                self.conn.close()
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
                self.reconnects += 1
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, doc: Any = None) -> tuple[int, Any, float]:
        body = None if doc is None else json.dumps(doc, ensure_ascii=False).encode()
        status, data, elapsed = self.request(method, path, body)
        return status, json.loads(data), elapsed

    def close(self) -> None:
        self.conn.close()


def enrol(client: Client, code: str, name: str) -> dict[str, Any]:
    status, doc, _ = client.json("POST", "/api/enrol", {"code": code, "device_name": name})
    if status != 200:
        raise SystemExit(f"enrol failed ({status}): {doc}")
    return doc  # type: ignore[no-any-return]

