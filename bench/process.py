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
    """One keep-alive HTTP/1.1 connection, as one phone holds it.

    A plain socket rather than ``http.client``: the soak's 100 phone threads share the server's
    two cores, and http.client builds and parses every request's headers through the ``email``
    package. What a phone spends is not the server's cost, so the bench's phones spend as little
    as they can (docs/performance.md, "The eighteenth session").
    """

    def __init__(self, port: int, token: str | None = None) -> None:
        self.port = port
        self.token = token
        self.sock: socket.socket | None = None
        self.pending = b""  # bytes read past the end of the last answer
        self.reconnects = 0

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes, float]:
        head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nAccept: application/json\r\n"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        if self.token:
            head += f"Authorization: Bearer {self.token}\r\n"
        message = head.encode() + b"\r\n" + (body or b"")
        for attempt in range(3):
            start = time.perf_counter()
            try:
                if self.sock is None:
                    self.sock = socket.create_connection((HOST, self.port), timeout=120)
                    self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.sock.sendall(message)
                status, data, close = self._answer()
                if close:
                    self.close()
                return status, data, time.perf_counter() - start
            except (ConnectionError, EOFError):
                # The server closed an idle keep-alive connection (or the answer was lost):
                # reconnect and send again; push is idempotent by (device, mutation_id).
                self.close()
                self.reconnects += 1
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _answer(self) -> tuple[int, bytes, bool]:
        """Read one answer: (status, body, whether the server closes the connection after it)."""
        buf = self.pending
        while (end := buf.find(b"\r\n\r\n")) < 0:
            buf += self._recv()
        lines = buf[:end].decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        rest = buf[end + 4 :]
        if "content-length" not in headers:  # the server answers every request with a length
            raise AssertionError(f"an answer without Content-Length: {lines[:3]}")
        size = int(headers["content-length"])
        parts, have = [rest], len(rest)
        while have < size:
            chunk = self._recv()
            parts.append(chunk)
            have += len(chunk)
        whole = b"".join(parts)
        body, rest = whole[:size], whole[size:]
        self.pending = rest
        return status, body, headers.get("connection", "").lower() == "close"

    def _recv(self) -> bytes:
        assert self.sock is not None
        chunk = self.sock.recv(262144)
        if not chunk:
            raise EOFError("the server closed the connection")
        return chunk

    def json(self, method: str, path: str, doc: Any = None) -> tuple[int, Any, float]:
        body = None if doc is None else json.dumps(doc, ensure_ascii=False).encode()
        status, data, elapsed = self.request(method, path, body)
        return status, json.loads(data), elapsed

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = None
        self.pending = b""


def enrol(client: Client, code: str, name: str) -> dict[str, Any]:
    status, doc, _ = client.json("POST", "/api/enrol", {"code": code, "device_name": name})
    if status != 200:
        raise SystemExit(f"enrol failed ({status}): {doc}")
    return doc  # type: ignore[no-any-return]

