"""Push and pull with many activities already stored, against an empty database, in one run.

For each kind of record id — ``v7`` (time-ordered, what the phone app makes) and ``v4``
(random, what ``crypto.randomUUID()`` makes) — two counties are served in turn: a fresh empty
one, and one with ``stored`` older activities (and their feed and audit rows) written straight
into the file first. A new staff device pushes the same ``n`` creates to each and then pulls
exactly those back (from the cursor at the head before the push). That pair runs ``rounds``
times, interleaved, each round on a fresh copy of the preloaded county; the ratios
stored/empty, the median over the rounds, are what issue 8 asks
to stay within 25 % (the targets in docs/performance.md).
"""
from __future__ import annotations

import dataclasses
import datetime
import json
import os
import pathlib
import random
import shutil
import sqlite3
import statistics
import time
from dataclasses import dataclass
from typing import Any

from process import Client, Server, enrol
from world import World, activity_fields, build_world, make_mutations, record_id

from server.devices import issue_code
from sync import connect, transaction
from sync.feed import encode_cursor
from sync.refill import refill_derived

# The preloaded activities are older than the pushed ones (2021–2025; the pushes are in 2026),
# as a county's records accumulate over the years.
PRELOAD_START = datetime.date(2021, 1, 1)
PRELOAD_DAYS = 5 * 365
CHUNK = 50_000


@dataclass
class Rates:
    push: float  # mutations/s
    pull: float  # records/s, server + transfer (the client's JSON decoding excluded)
    db_mb: float
    push_cpu: float  # mutations per CPU-second of the server process


def preload(world: World, count: int, ids: str, seed: int = 11) -> None:
    """``count`` activities as if pushed by staff years ago: rows, feed rows, audit rows, counts and
    each pairing's latest activity."""
    rng = random.Random(seed)
    pool = [activity_fields(rng, p["id"]) for p in world.pairings for _ in range(5)]
    conn = sqlite3.connect(world.db_path)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -1000000")  # 1 GB: the preload is set-up, not measured
    columns = [r[1] for r in conn.execute("PRAGMA table_info(activities)").fetchall()]
    insert = f"INSERT INTO activities ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    seq = conn.execute("SELECT coalesce(max(seq), 0) FROM sync_feed").fetchone()[0]
    by_id = {p["id"]: p for p in world.pairings}
    stamp = "2025-12-31T00:00:00.000Z"
    done = 0
    while done < count:
        rows, feed, audit = [], [], []
        for _ in range(min(CHUNK, count - done)):
            f = dict(rng.choice(pool))
            f["date"] = (PRELOAD_START + datetime.timedelta(days=rng.randrange(PRELOAD_DAYS))).isoformat()
            f["follow_up_due"] = None
            p = by_id[f["pairing_id"]]
            rid = record_id(ids)
            stored = {**f, "id": rid, "mentee_id": p["mentee_id"], "unit_id": p["unit_id"],
                      "moods": json.dumps(f["moods"], ensure_ascii=False),
                      "observations": json.dumps(f["observations"], ensure_ascii=False),
                      "tags": json.dumps(f["tags"]), "risk_flag": int(f["risk_flag"]),
                      "author_id": p["mentor_id"], "entered_by": world.staff_id, "review_status": "approved",
                      "version": 1, "deleted": 0, "field_versions": "{}",
                      "field_writers": json.dumps({"*": world.staff_id}), "created_at": stamp,
                      "created_by": world.staff_id, "updated_at": stamp, "updated_by": world.staff_id}
            seq += 1  # the record's number (num) is the seq it was created at, as the write path numbers it
            stored["num"] = seq
            rows.append([stored.get(c) for c in columns])
            feed.append((seq, rid, p["unit_id"], p["mentee_id"], p["id"], seq))
            audit.append((stamp, world.staff_id, rid, seq))
        with conn:
            conn.executemany(insert, rows)
            conn.executemany("INSERT INTO sync_feed (seq, entity, record_id, version, deleted, unit_id, mentee_id,"
                             " pairing_id, num) VALUES (?, 'activity', ?, 1, 0, ?, ?, ?, ?)", feed)
            conn.executemany("INSERT INTO sync_audit (at, user_id, entity, record_id, op, status, version, num)"
                             " VALUES (?, ?, 'activity', ?, 'create', 'applied', 1, ?)", audit)
        done += len(rows)
    with conn:  # what the write path would have kept for these rows (sync/counts.py, sync/latest.py)
        refill_derived(conn)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    # The preload ran with synchronous=OFF: put it on disk now, or the server's first checkpoint
    # would pay for flushing gigabytes of set-up out of the page cache (measured as push time).
    fd = os.open(world.db_path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fresh_code(world: World) -> str:
    """A new one-time enrolment code for the staff account (each round enrols its own device)."""
    db = connect(world.db_path)
    with transaction(db):
        code = issue_code(db, world.staff_login, hours=1)["code"]
    db.close()
    return str(code)


def prepare(workdir: pathlib.Path, name: str, *, stored: int, ids: str, log: Any) -> World:
    """A fresh county; with ``stored`` activities written straight into its file first."""
    world = build_world(workdir / f"{name}.db", pairings=200, mentors=1)
    if stored:
        started = time.perf_counter()
        preload(world, stored, ids)
        log(f"{name}: preloaded {stored:,} activities in {time.perf_counter() - started:.0f} s")
    return world


def measure(world: World, workdir: pathlib.Path, name: str, *, n: int, batch: int, ids: str, seed: int,
            log: Any) -> Rates:
    """Serve ``world``; one new staff device pushes ``n`` creates and pulls exactly those back."""
    from sync_bench import pull_all, push_all  # the same loops as the main phases

    head = sqlite3.connect(world.db_path).execute("SELECT max(seq) FROM sync_feed").fetchone()[0]
    mutations = make_mutations(world, n, seed=seed, ids=ids)
    code = fresh_code(world)
    # Put the files just written (a copy of the preloaded county, the last server's final
    # checkpoint) on disk now, as the preload does its own, or this round's fsyncs would pay for them.
    os.sync()
    server = Server(world.db_path, workdir)
    try:
        server.wait_ready()
        client = Client(server.port)
        device = enrol(client, code, "辅导站电脑")
        client.close()
        cpu0 = server.cpu_seconds()
        push = push_all(server.port, device["token"], mutations, batch, settle=world.db_path)
        push_cpu = server.cpu_seconds() - cpu0
        if push.problems:
            raise SystemExit(f"{name}: push problems: {push.problems[:3]}")
        client = Client(server.port, device["token"])
        changes, _, _, latencies = pull_all(client, 1000, encode_cursor(head))
        client.close()
    finally:
        server.stop()
    if len(changes) != n or {c["record_id"] for c in changes} != {m["record_id"] for m in mutations}:
        raise SystemExit(f"{name}: pulled {len(changes)} records, expected the {n} pushed")
    size = world.db_path.stat().st_size / 1e6
    rates = Rates(push.rate, n / sum(latencies), size, n / push_cpu)
    log(f"{name}: push {rates.push:,.0f} mutations/s, pull {rates.pull:,.0f} records/s, database {size:,.0f} MB")
    return rates


def compare(workdir: pathlib.Path, *, stored: int, n: int, batch: int, rounds: int,
            log: Any) -> dict[str, list[tuple[Rates, Rates]]]:
    """Per id kind, ``rounds`` pairs (empty, stored), each pair measured back to back.

    The stored county is preloaded once; each round serves a fresh copy of it, so every round
    pushes into the same 10^6 activities (not into the last round's pushes as well), and a
    fresh empty county. Interleaving the pairs lets a drift of this shared machine's speed
    between two runs touch both sides.
    """
    out: dict[str, list[tuple[Rates, Rates]]] = {}
    for ids in ("v7", "v4"):
        original = prepare(workdir, f"stored-{ids}", stored=stored, ids=ids, log=log)
        pairs = []
        for r in range(rounds):
            empty = prepare(workdir, f"empty-{ids}-{r}", stored=0, ids=ids, log=log)
            rates = measure(empty, workdir, f"empty-{ids} round {r + 1}", n=n, batch=batch, ids=ids,
                            seed=77 + r, log=log)
            empty.db_path.unlink()
            full = dataclasses.replace(original, db_path=workdir / f"stored-{ids}-{r}.db")
            shutil.copyfile(original.db_path, full.db_path)
            pairs.append((rates, measure(full, workdir, f"stored-{ids} round {r + 1}", n=n, batch=batch, ids=ids,
                                         seed=77 + r, log=log)))
            full.db_path.unlink()
        original.db_path.unlink()
        out[ids] = pairs
    return out


def median_ratio(pairs: list[tuple[Rates, Rates]], figure: str) -> float:
    """The median over the rounds of stored/empty for ``figure`` (push, pull or push_cpu)."""
    return statistics.median(getattr(full, figure) / getattr(empty, figure) for empty, full in pairs)
