"""The server's CPU per sync request: a short closed-loop soak against a real server process.

Latency and throughput on a shared machine swing with the other tenants' load; the server
process's own CPU seconds (utime + stime over all its threads) divided by the requests it
served is much steadier, so this is the figure to compare two versions of the code with:

    .venv/bin/python bench/cpu_per_request.py                     # this checkout's server
    .venv/bin/python bench/cpu_per_request.py --code /tmp/other   # another checkout's server

The county is built with this checkout's code; ``--code`` only chooses what ``serve`` runs, so
both must share the schema. ``--pull-seconds`` adds a phase of pulls alone.
``--py-spy PATH`` records a py-spy profile of the server during the soak (``--gil``: only the
thread holding the GIL); ``--launcher`` runs the server under a wrapper (a profiler), ``--cpu``
pins it to cores. Besides CPU, it counts the server threads' voluntary context switches.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from process import HOST, Client, Server, enrol, free_port  # noqa: E402
from soak import Phone, soak  # noqa: E402
from world import build_world  # noqa: E402


class CodeServer(Server):
    """``python -m server`` with ``--code`` first on the import path."""

    def __init__(self, db_path: pathlib.Path, workdir: pathlib.Path, code: pathlib.Path,
                 launcher: list[str], cpu: str | None = None) -> None:
        import secrets

        self.port = free_port()
        self.stderr_path = workdir / "server.stderr"
        self.stdout_path = workdir / "server.stdout"
        env = {**os.environ, "BANXING_SECRET_KEYS": secrets.token_urlsafe(32), "PYTHONPATH": str(code)}
        self._err = open(self.stderr_path, "wb")
        self._out = open(self.stdout_path, "wb")
        self.proc = subprocess.Popen(
            [*(["taskset", "-c", cpu] if cpu else []), sys.executable, *launcher,
             "--db", str(db_path), "--host", HOST, "--port", str(self.port)],
            stdout=self._out, stderr=self._err, env=env, cwd=str(workdir),
        )


def switches(pid: int) -> int:
    """Voluntary context switches over the process's threads: each is a thread that blocked (on the
    GIL, a queue, a lock or the socket), a count that other tenants' load hardly moves."""
    total = 0
    for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
        try:
            for line in (task / "status").read_text().splitlines():
                if line.startswith("voluntary_ctxt_switches"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds of the event loop (the main thread) and of the other threads, from /proc
    (Python 3.11 does not name its threads for the OS)."""
    out: dict[str, float] = {}
    for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
        try:
            name = "event loop" if task.name == str(pid) else "other threads"
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def pull_only(phones: list[Phone], seconds: float) -> int:
    """Each phone pulls from its own cursor again and again (mostly empty pages, as a phone's timer)."""
    count = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def run(p: Phone) -> None:
        client = Client(p.port, p.token)
        n = 0
        while time.monotonic() < deadline:
            p._pull(client, [])
            n += 1
        client.close()
        with lock:
            count[0] += n

    threads = [threading.Thread(target=run, args=(p,)) for p in phones]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return count[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--code", type=pathlib.Path, default=pathlib.Path(__file__).resolve().parent.parent)
    parser.add_argument("--phones", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--think", type=float, default=0.05)
    parser.add_argument("--pull-seconds", type=float, default=0.0, help="then a pull-only phase (0: skip)")
    parser.add_argument("--py-spy", type=pathlib.Path, default=None, help="record a py-spy profile (speedscope/svg)")
    parser.add_argument("--gil", action="store_true", help="py-spy samples only the thread holding the GIL")
    parser.add_argument("--py-spy-exe", default="/tmp/cpu-tools/bin/py-spy")
    parser.add_argument("--launcher", default="-m server",
                        help="what follows python to start the server (e.g. a profiling wrapper and its output)")
    parser.add_argument("--cpu", default=None, help="pin the server to these cores (taskset -c)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (prints its path)")
    args = parser.parse_args()
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="banxing-cpu-"))
    server: Server | None = None
    try:
        world = build_world(workdir / "bench.db", pairings=max(args.phones, 40), mentors=args.phones)
        server = CodeServer(world.db_path, workdir, args.code.resolve(), args.launcher.split(), args.cpu)
        server.wait_ready()
        enroller = Client(server.port)
        devices = [enrol(enroller, world.codes[login], f"手机{i + 1}")
                   for i, login in enumerate(world.mentor_logins[: args.phones])]
        enroller.close()
        pairings_of: dict[str, list[str]] = {}
        for p in world.pairings:
            pairings_of.setdefault(p["mentor_id"], []).append(p["id"])
        phones = [Phone(i, server.port, d["token"], d["device_id"], pairings_of[d["user"]["id"]], seed=1000 + i)
                  for i, d in enumerate(devices)]
        spy = None
        if args.py_spy:
            fmt = "speedscope" if args.py_spy.suffix == ".json" else "flamegraph"
            spy = subprocess.Popen([args.py_spy_exe, "record", "-p", str(server.proc.pid), "-o", str(args.py_spy),
                                    "-f", fmt, "-r", "200", "--threads", "--nonblocking",
                                    *(["--gil"] if args.gil else [])],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1.0)
        cpu0, switches0, threads0 = server.cpu_seconds(), switches(server.proc.pid), thread_cpu(server.proc.pid)
        s = soak(server.port, phones, args.seconds, args.think)
        cpu = server.cpu_seconds() - cpu0
        switched = switches(server.proc.pid) - switches0
        by_thread = {k: v - threads0.get(k, 0.0) for k, v in thread_cpu(server.proc.pid).items()}
        requests = s.push_requests + s.pull_requests + s.resend_requests
        print(f"code {args.code}: {args.phones} phones {s.seconds:.1f} s: {s.push_requests} pushes"
              f" ({s.resend_requests} resends), {s.pull_requests} pulls, {requests / s.seconds:.0f} requests/s;"
              f" server CPU {cpu:.2f} s = {cpu / requests * 1000:.3f} ms a request"
              f", {switched / requests:.1f} thread switches a request"
              f" (push p50 {s.push_p50:.0f} ms, p99 {s.push_p99:.0f} ms)")
        print("  by thread (ms a request): " + ", ".join(
            f"{k} {v / requests * 1000:.3f}" for k, v in sorted(by_thread.items(), key=lambda kv: -kv[1]) if v))
        if s.problems or s.http_5xx or s.http_other:
            print(f"PROBLEMS: {s.problems[:5]} 5xx {s.http_5xx} other {s.http_other}")
        if args.pull_seconds:
            cpu0 = server.cpu_seconds()
            n = pull_only(phones, args.pull_seconds)
            cpu = server.cpu_seconds() - cpu0
            print(f"pull only: {n} pulls in {args.pull_seconds:.0f} s; server CPU {cpu:.2f} s ="
                  f" {cpu / n * 1000:.3f} ms a pull")
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
        return 0 if not s.problems and not s.http_5xx else 1
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
