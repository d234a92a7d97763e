"""Sync benchmark: raw SQLite bulk insert vs push over real HTTP, pull, and a 100-phone soak.

Run with ``make bench`` (or ``.venv/bin/python bench/sync_bench.py --quick`` for a smoke run).
Not part of the test suite: it reports figures, it does not assert targets. It exits
non-zero only when a correctness check fails (a lost, doubled or wrongly answered
mutation, a 5xx, or "database is locked" in the server log). See bench/README.md.

Phases, all in one run against one fresh temporary database:

1. setup   county/towns/schools, one staff user, mentors, mentees and pairings written
           through ``sync.apply_mutations`` in one transaction; enrolment codes issued.
2. raw     plain ``executemany`` INSERT of the same activity rows into a copy of the
           schema (``sync.migrations`` on a separate file, same pragmas, all indexes
           and foreign keys on), one transaction.
3. push    a real ``banxing serve`` subprocess; one STAFF device pushes all N activity
           creates sequentially over one keep-alive connection in batches of ``--batch``.
4. pull    the same staff device pulls everything (limit=1000, following cursors).
5. soak    ``--phones`` mentor devices (threads, one keep-alive connection each) push
           small batches (creates, edits of their own records, resends of the previous
           batch) and pull, for ``--soak-seconds``, each again as soon as it is answered
           (a closed loop: the server's most, and latency is mostly queueing);
6. paced   the same phones each sync once every ``--pace`` seconds for ``--paced-seconds``
           (an open loop, as phones on a timer: the latency a phone sees at that load);
           then the database is checked.

The last line printed is always ``push/raw ratio: <number>``.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pathlib
import pstats
import shutil
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Any

from process import Client, Server, cpu_model, enrol, pct
from soak import CHECKED, Phone, soak, verify_database
from stored import compare, median_ratio
from world import build_world, make_mutations, raw_baseline

from sync import Actor, apply_batch, connect, new_id, transaction  # noqa: E402
from sync.timeutil import utc_now  # noqa: E402

# --- push and pull -------------------------------------------------------------------


@dataclass
class PushFigures:
    rate: float
    seconds: float
    requests: int
    p50_ms: float
    p99_ms: float
    problems: list[str]


def push_all(port: int, token: str, mutations: list[dict[str, Any]], batch: int,
             settle: pathlib.Path | None = None) -> PushFigures:
    """Push every mutation sequentially on one keep-alive connection; check every answer.

    With ``settle`` (the server's database file) the time also covers copying the pushes' WAL
    back into that file (a FULL checkpoint run here once the last answer is in): the server
    checkpoints in the background, every few seconds, and a push measured for a few seconds
    would otherwise leave part of its own cost to after the clock stopped.
    """
    bodies = [
        json.dumps({"mutations": mutations[i : i + batch]}, ensure_ascii=False).encode()
        for i in range(0, len(mutations), batch)
    ]  # encoded up front: the phone's JSON work is not the server's throughput
    client = Client(port, token)
    problems: list[str] = []
    latencies: list[float] = []
    start = time.perf_counter()
    for index, body in enumerate(bodies):
        status, data, elapsed = client.request("POST", "/api/sync/push", body)
        latencies.append(elapsed)
        if status != 200:
            problems.append(f"batch {index}: HTTP {status} {data[:200]!r}")
            continue
        doc = json.loads(data)
        sent = mutations[index * batch : (index + 1) * batch]
        results = doc["results"]
        if len(results) != len(sent):
            problems.append(f"batch {index}: {len(results)} answers for {len(sent)} mutations")
        for m, r in zip(sent, results, strict=True):
            if r["mutation_id"] != m["mutation_id"] or r["status"] != "applied" or r["version"] != 1:
                problems.append(f"batch {index}: {r}")
                break
    if settle is not None:
        checkpoint(settle)
    seconds = time.perf_counter() - start
    client.close()
    return PushFigures(len(mutations) / seconds, seconds, len(bodies), pct(latencies, 50) * 1000,
                       pct(latencies, 99) * 1000, problems)


def checkpoint(db_path: pathlib.Path) -> None:
    """Copy the whole WAL back into the database file, waiting for the server's own checkpoint."""
    conn = sqlite3.connect(db_path, timeout=60)
    try:
        conn.execute("PRAGMA wal_checkpoint(FULL)")
    finally:
        conn.close()


def pull_all(client: Client, limit: int, cursor: str | None = None) -> tuple[list[dict[str, Any]], str, int,
                                                                             list[float]]:
    """Follow cursors until ``more`` is false; return (changes, cursor, requests, latencies).

    Latencies run from sending the request to having read the whole body (the
    client's JSON decoding is not in them; it is in the caller's wall time).
    """
    changes: list[dict[str, Any]] = []
    requests = 0
    latencies = []
    while True:
        path = f"/api/sync/pull?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        status, data, elapsed = client.request("GET", path)
        requests += 1
        latencies.append(elapsed)
        if status != 200:
            raise SystemExit(f"pull failed ({status}): {data[:300]!r}")
        page = json.loads(data)
        changes.extend(page["changes"])
        cursor = page["cursor"]
        if not page["more"]:
            return changes, cursor, requests, latencies


# --- the in-process profile of the write path -----------------------------------------


def profile(workdir: pathlib.Path, n: int, batch: int) -> None:
    """cProfile ``sync.apply_batch`` on ``batch``-sized pushes, no HTTP; print the top 15.

    A first pass without the profiler gives the in-process rate (the ceiling for push
    over HTTP); a second pass on a fresh database is profiled.
    """
    for label, profiler in (("timing", None), ("profiled", cProfile.Profile())):
        world = build_world(workdir / f"profile-{label}.db", pairings=200, mentors=100)
        mutations = make_mutations(world, n)
        db = connect(world.db_path)
        device_id = new_id()
        with transaction(db):
            db.execute("INSERT INTO sync_devices (id, user_id, name, created_at) VALUES (?, ?, 'bench', ?)",
                       [device_id, world.staff_id, utc_now()])
        staff = Actor(world.staff_id, "staff", world.county_id, device_id, "县辅导站工作人员")
        batches = [{"mutations": mutations[i : i + batch]} for i in range(0, n, batch)]
        start = time.perf_counter()
        for body in batches:
            with transaction(db):  # what Store.write does around every push
                if profiler:
                    profiler.enable()
                apply_batch(db, staff, body)
                if profiler:
                    profiler.disable()
        elapsed = time.perf_counter() - start
        db.close()
        print(f"in-process apply_batch ({label}): {n} mutations in {len(batches)} batches of {batch}: "
              f"{n / elapsed:,.0f} mutations/s, {elapsed / len(batches) * 1000:.0f} ms per batch")
        if profiler:
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("cumulative").print_stats(15)
            stats.sort_stats("tottime").print_stats(15)
            print(out.getvalue())


# --- main ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=50_000, help="activity creates in the big push (default %(default)s)")
    parser.add_argument("--batch", type=int, default=500, help="mutations per push (default %(default)s)")
    parser.add_argument("--soak-seconds", type=float, default=60.0, help="length of the soak (default %(default)s)")
    parser.add_argument("--phones", type=int, default=100, help="simulated phones in the soak (default %(default)s)")
    parser.add_argument("--pairings", type=int, default=200, help="pairings in the county (default %(default)s)")
    parser.add_argument("--think", type=float, default=0.05, help="max random pause between a phone's syncs, s")
    parser.add_argument("--pace", type=float, default=2.0,
                        help="in the paced soak, each phone syncs once every PACE seconds (default %(default)s)")
    parser.add_argument("--paced-seconds", type=float, default=30.0,
                        help="length of the paced soak (default %(default)s; 0: skip)")
    parser.add_argument("--stored", type=int, default=1_000_000,
                        help="activities already stored for the stored-vs-empty phase (default %(default)s; 0: skip)")
    parser.add_argument("--stored-n", type=int, default=20_000,
                        help="creates pushed and pulled in each stored-vs-empty run (default %(default)s)")
    parser.add_argument("--stored-rounds", type=int, default=3,
                        help="interleaved empty/stored pairs per id kind, ratio = their median (default %(default)s)")
    parser.add_argument("--quick", action="store_true", help="smoke run: n=2000, 10 s soak, 20,000 stored")
    parser.add_argument("--profile", action="store_true", help="only cProfile apply_batch in-process and exit")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (prints its path)")
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.soak_seconds = min(args.n, 2000), min(args.soak_seconds, 10.0)
        args.paced_seconds = min(args.paced_seconds, 10.0)
        args.stored, args.stored_n = min(args.stored, 20_000), min(args.stored_n, 2000)
        args.stored_rounds = min(args.stored_rounds, 1)
    mentors = max(args.phones, 1)
    if args.pairings < mentors:
        parser.error("--pairings must be at least --phones (every phone's mentor needs a pairing)")

    workdir = pathlib.Path(tempfile.mkdtemp(prefix="banxing-bench-"))
    log = lambda msg: print(f"[bench] {msg}", file=sys.stderr, flush=True)  # noqa: E731
    server: Server | None = None
    try:
        if args.profile:
            profile(workdir, args.n, args.batch)
            return 0
        log(f"workdir {workdir}")
        t0 = time.perf_counter()
        world = build_world(workdir / "bench.db", pairings=args.pairings, mentors=mentors)
        log(f"setup: {len(world.unit_ids)} units, 1 staff, {mentors} mentors, {len(world.mentee_ids)} mentees, "
            f"{len(world.pairings)} pairings in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        mutations = make_mutations(world, args.n)
        avg = sum(len(m["fields"]["preparation"]) + len(m["fields"]["record"]) + len(m["fields"]["follow_up"])
                  for m in mutations) / max(1, len(mutations)) / 3
        log(f"generated {args.n} activity creates (texts average {avg:.0f} characters)"
            f" in {time.perf_counter() - t0:.1f} s")

        load_start = os.getloadavg()
        raw_before, raw_cpu_before = raw_baseline(world, mutations, workdir / "raw1.db")
        log(f"raw executemany: {raw_before:,.0f} rows/s (load average {load_start[0]:.2f})")

        server = Server(world.db_path, workdir)
        server.wait_ready()
        log(f"server up on port {server.port} (pid {server.proc.pid})")

        enroller = Client(server.port)
        staff_device = enrol(enroller, world.codes[world.staff_login], "辅导站电脑")
        mentor_devices = [enrol(enroller, world.codes[login], f"手机{i + 1}")
                          for i, login in enumerate(world.mentor_logins[: args.phones])]
        enroller.close()
        log(f"enrolled 1 staff device and {len(mentor_devices)} mentor devices over HTTP")

        log(f"push: {args.n} mutations in batches of {args.batch}, one staff device, one keep-alive connection")
        cpu0, sched0 = server.cpu_seconds(), server.sched()
        push = push_all(server.port, staff_device["token"], mutations, args.batch, settle=world.db_path)
        push_cpu = server.cpu_seconds() - cpu0
        push_runq = server.sched()[1] - sched0[1]
        load_push = os.getloadavg()
        log(f"push: {push.rate:,.0f} mutations/s ({push.seconds:.1f} s, {push.requests} requests, "
            f"p50 {push.p50_ms:.0f} ms, p99 {push.p99_ms:.0f} ms per batch; server CPU {push_cpu:.1f} s, "
            f"waited {push_runq:.1f} s for a CPU)")

        # The raw insert again, right after the push, so a change of machine load between
        # the two phases shows up instead of skewing the ratio; the ratio uses the mean.
        raw_after, raw_cpu_after = raw_baseline(world, mutations, workdir / "raw2.db")
        raw_rate = (raw_before + raw_after) / 2
        raw_cpu_rate = (raw_cpu_before + raw_cpu_after) / 2
        log(f"raw executemany again: {raw_after:,.0f} rows/s; mean {raw_rate:,.0f}")

        client = Client(server.port, staff_device["token"])
        start = time.perf_counter()
        changes, _, pull_requests, pull_latencies = pull_all(client, 1000)
        pull_seconds = time.perf_counter() - start
        client.close()
        pull_rate = len(changes) / pull_seconds
        pull_server_rate = len(changes) / sum(pull_latencies)
        want_pull = world.setup_records + args.n
        pulled_ids = {c["record_id"] for c in changes}
        sent = {m["record_id"]: m["fields"] for m in mutations}
        pull_value_errors = sum(
            1 for c in changes
            if c["entity"] == "activity"
            and any(c["fields"].get(k) != sent.get(c["record_id"], {}).get(k) for k in CHECKED)
        )
        pull_ok = len(changes) == want_pull and len(pulled_ids) == want_pull and pull_value_errors == 0
        log(f"pull: {len(changes)} records in {pull_requests} pages, {pull_seconds:.1f} s: {pull_rate:,.0f} records/s "
            f"(expected {want_pull} = {args.n} pushed + {world.setup_records} setup; {pull_value_errors} wrong values)")
        del changes

        pairings_of: dict[str, list[str]] = {}
        for p in world.pairings:
            pairings_of.setdefault(p["mentor_id"], []).append(p["id"])
        phones = [
            Phone(i, server.port, d["token"], d["device_id"], pairings_of[d["user"]["id"]], seed=1000 + i)
            for i, d in enumerate(mentor_devices)
        ]
        log(f"soak: {len(phones)} phones for {args.soak_seconds:.0f} s")
        cpu0, client_cpu0, sched0 = server.cpu_seconds(), time.process_time(), server.sched()
        s = soak(server.port, phones, args.soak_seconds, args.think)
        soak_server_cpu, soak_client_cpu = server.cpu_seconds() - cpu0, time.process_time() - client_cpu0
        soak_runq = server.sched()[1] - sched0[1]
        load_soak = os.getloadavg()
        log(f"soak: {s.push_requests} pushes, {s.resend_requests} resends, {s.pull_requests} pulls"
            f" in {s.seconds:.1f} s")
        paced = None
        if args.paced_seconds:
            log(f"paced soak: the same {len(phones)} phones, each syncing once every {args.pace:g} s,"
                f" for {args.paced_seconds:.0f} s")
            paced = soak(server.port, phones, args.paced_seconds, 0.0, period=args.pace)
            log(f"paced soak: {paced.push_requests} pushes, push p50 {paced.push_p50:.0f} ms,"
                f" p99 {paced.push_p99:.0f} ms")

        server.stop()
        stderr_text = server.stderr()
        locked = sum(1 for line in stderr_text.splitlines() if "locked" in line.lower())
        tracebacks = stderr_text.count("Traceback")
        check = verify_database(world.db_path, mutations, phones)
        world.db_path.unlink()
        stored: dict[str, Any] = {}
        if args.stored:
            log(f"stored vs empty: {args.stored:,} activities already stored, {args.stored_n:,} pushed and pulled")
            stored = compare(workdir, stored=args.stored, n=args.stored_n, batch=args.batch,
                             rounds=args.stored_rounds, log=log)
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            print(f"[bench] kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    ratio = push.rate / raw_rate
    phases = [s] if paced is None else [s, paced]
    soak_requests = sum(f.push_requests + f.pull_requests + f.resend_requests for f in phases)
    total_requests = 1 + len(mentor_devices) + push.requests + pull_requests + soak_requests
    checks = {
        "big push: every answer applied": not push.problems,
        "pull count = pushed + setup, values intact": pull_ok,
        "soak: 0 lost": check["lost"] == 0 and check["wrong_value"] == 0 and check["replica_gaps"] == 0,
        "soak: 0 doubled": check["doubled"] == 0 and check["audit_mismatch"] == 0
        and all(f.resend_mismatches == 0 for f in phases),
        "soak: 0 database is locked / 5xx": locked == 0 and all(f.http_5xx == 0 for f in phases) and tracebacks == 0,
        "soak: every answer applied, every phone finished": all(not f.problems and f.http_other == 0 for f in phases),
    }
    print()
    print("== Banxing sync benchmark ==")
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, Python {sys.version.split()[0]},"
          f" SQLite {sqlite3.sqlite_version}")
    print(f"activities: n={args.n}, batch={args.batch}, pairings={len(world.pairings)}, "
          f"texts ~{avg:.0f} chars x3")
    print(f"load average (1 min) at start / after push / after soak: {load_start[0]:.2f} / {load_push[0]:.2f} / "
          f"{load_soak[0]:.2f}")
    print(f"raw rows/s: {raw_rate:,.0f}  (executemany, one transaction; before push {raw_before:,.0f}, "
          f"after push {raw_after:,.0f})")
    print(f"per CPU-second (what other load on the machine does not move): raw {raw_cpu_rate:,.0f} rows, "
          f"push {args.n / push_cpu:,.0f} mutations (server process, HTTP included): "
          f"ratio {args.n / push_cpu / raw_cpu_rate:.3f}")
    print(f"push mutations/s: {push.rate:,.0f}  ({push.requests} requests of {args.batch}, "
          f"p50 {push.p50_ms:.0f} ms, p99 {push.p99_ms:.0f} ms per batch; staff device, sequential, keep-alive)")
    print(f"pull records/s: {pull_rate:,.0f}  ({len(pulled_ids)} records, {pull_requests} pages of 1000, "
          f"expected {want_pull}; client JSON decoding included; server+transfer only: {pull_server_rate:,.0f})")
    closed_requests = s.push_requests + s.pull_requests + s.resend_requests  # the paced phase is counted below
    print(f"soak: {len(phones)} phones, {s.seconds:.1f} s, {closed_requests} requests "
          f"({s.push_requests} push, {s.resend_requests} resend, {s.pull_requests} pull; "
          f"{closed_requests / s.seconds:,.0f} req/s)")
    print(f"CPU: big push: server {push_cpu:.1f} s busy in {push.seconds:.1f} s, {push_runq:.1f} s runnable but "
          f"waiting for a core; soak: server {soak_server_cpu:.1f} s busy, {soak_runq:.1f} s waiting for a core, "
          f"client ({len(phones)} phone threads) {soak_client_cpu:.1f} s, of {(os.cpu_count() or 1) * s.seconds:.0f} "
          f"core-seconds")
    print(f"soak mutations: {s.creates} creates, {s.edits} edits, statuses {dict(s.statuses)}, "
          f"reconnects {s.reconnects}")
    print(f"soak push latency: p50 {s.push_p50:.1f} ms, p99 {s.push_p99:.1f} ms")
    print(f"soak pull latency: p50 {s.pull_p50:.1f} ms, p99 {s.pull_p99:.1f} ms")
    if paced is not None:
        print(f"paced soak: {len(phones)} phones each syncing every {args.pace:g} s for {paced.seconds:.1f} s: "
              f"{paced.push_requests} push, {paced.resend_requests} resend, {paced.pull_requests} pull; "
              f"{paced.creates} creates, {paced.edits} edits, statuses {dict(paced.statuses)}")
        print(f"paced soak push latency: p50 {paced.push_p50:.1f} ms, p99 {paced.push_p99:.1f} ms; "
              f"pull p50 {paced.pull_p50:.1f} ms, p99 {paced.pull_p99:.1f} ms")
    print(f"soak checks: lost {check['lost']}, wrong value {check['wrong_value']}, "
          f"replica gaps {check['replica_gaps']}, doubled {check['doubled']}, "
          f"audit mismatches {check['audit_mismatch']}, resend mismatches {s.resend_mismatches}, "
          f"'locked' in server log {locked}, 5xx {s.http_5xx}, other HTTP errors {s.http_other}, "
          f"tracebacks {tracebacks}")
    print(f"activities in database: {check['activities']} (expected {check['expected']})")
    print(f"total requests: {total_requests} (enrol {1 + len(mentor_devices)}, big push {push.requests}, "
          f"big pull {pull_requests}, soak {soak_requests})")
    for name, ok in checks.items():
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")
    for problem in (push.problems + [q for f in phases for q in f.problems])[:20]:
        print(f"  problem: {problem}")
    passed = all(checks.values())
    print(f"targets: push/raw {ratio:.3f} {'>=' if ratio >= 0.25 else '<'} 0.25; soak push p99 "
          f"{s.push_p99:.0f} ms {'<' if s.push_p99 < 250 else '>='} 250 ms (closed loop: queueing, by Little's law "
          f"about {len(phones)} phones / the request rate)"
          + ("" if paced is None else f"; paced soak push p99 {paced.push_p99:.0f} ms "
             f"{'<' if paced.push_p99 < 250 else '>='} 250 ms"))
    for ids, pairs in stored.items():
        push_ratio, pull_ratio = median_ratio(pairs, "push"), median_ratio(pairs, "pull")
        rounds = "; ".join(f"push {full.push:,.0f} / {empty.push:,.0f}, pull {full.pull:,.0f} / {empty.pull:,.0f}"
                           for empty, full in pairs)
        print(f"stored/empty ({ids} ids, {args.stored:,} stored, {args.stored_n:,} pushed, median of {len(pairs)}"
              f" interleaved rounds): push {push_ratio:.3f}, pull {pull_ratio:.3f} "
              f"(target >= 0.75: {'met' if min(push_ratio, pull_ratio) >= 0.75 else 'NOT met'}; "
              f"database {pairs[-1][1].db_mb:,.0f} MB); per server CPU-second: push "
              f"{median_ratio(pairs, 'push_cpu'):.2f}; rounds (stored / empty): {rounds}")
    print(f"RESULT: {'PASS' if passed else 'FAIL'}")
    print(f"push/raw ratio: {ratio:.3f}", flush=True)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
