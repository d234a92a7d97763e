"""The push path's work in instructions: a count that other tenants' load does not move.

On a shared machine CPU time itself swings by a fifth with the load (cache misses, a slower
phase), so a change of a few percent is lost in it. Under valgrind's callgrind the instructions
of the same work are the same to 0.1 % from run to run. This runs ``N`` pushes as the soak's
phones send them (1-20 activity creates, in 30 % of pushes also 1-3 edits of earlier ones), each
read as the server reads it (``prepare_batch``), applied (``apply_batch``), its answer encoded,
with a COMMIT every five pushes (a group), in one thread and without HTTP. Only the pushes are
counted: they run inside ``functools.reduce``, which callgrind is told to count within:

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect=functools_reduce \\
        .venv/bin/python bench/push_instructions.py --code . --n 200     # about 5 minutes

and compare the ``totals`` line of two checkouts' ``callgrind.out.*`` files. Without valgrind
it prints the CPU time, which is as noisy as the machine.
"""
from __future__ import annotations

import argparse
import functools
import pathlib
import random
import sys
import tempfile
import time
from typing import Any

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
parser.add_argument("--code", type=pathlib.Path, default=pathlib.Path(__file__).resolve().parent.parent,
                    help="the checkout whose sync/ runs the pushes (default: this one)")
parser.add_argument("--n", type=int, default=200, help="pushes counted (after 50 not counted)")
args = parser.parse_args()
sys.path[:0] = [str(args.code.resolve()), str(args.code.resolve() / "bench")]

import orjson  # noqa: E402
from world import FOLLOW_UP, RECORD, activity_fields, build_world, text  # noqa: E402

from sync import Actor, apply_batch, connect, new_id  # noqa: E402
from sync.batches import prepare_batch  # noqa: E402

WARM_UP = 50


def main() -> None:
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="banxing-instr-"))
    world = build_world(workdir / "bench.db", pairings=20, mentors=10)
    db = connect(workdir / "bench.db")
    db.execute("PRAGMA synchronous = OFF")  # the fsync is the kernel's time, not instructions here
    actors = []
    for i, mentor_id in enumerate(world.mentor_ids):
        device_id = new_id()
        db.execute("INSERT INTO sync_devices (id, user_id, name, created_at, last_seen_at)"
                   " VALUES (?, ?, ?, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
                   [device_id, mentor_id, f"手机{i + 1}"])
        role, unit_id, name = db.execute("SELECT role, unit_id, name FROM users WHERE id = ?", [mentor_id]).fetchone()
        actors.append(Actor(mentor_id, role, unit_id, device_id, name))
    pairings: dict[str, list[str]] = {}
    for p in world.pairings:
        pairings.setdefault(p["mentor_id"], []).append(p["id"])
    rng = random.Random(5)
    versions: dict[str, dict[str, int]] = {a.device_id or "": {} for a in actors}
    last_ids = dict.fromkeys(versions, 0)
    jobs: list[tuple[Actor, bytes]] = []
    for i in range(args.n + WARM_UP):  # every body made before any is counted
        actor = actors[i % len(actors)]
        mine = versions[actor.device_id or ""]
        mutations: list[dict[str, Any]] = []

        def next_id(device: str = actor.device_id or "") -> int:
            last_ids[device] += 1
            return last_ids[device]

        if mine and rng.random() < 0.3:
            for rid in rng.sample(sorted(mine), min(len(mine), rng.randint(1, 3))):
                mutations.append({"mutation_id": next_id(), "entity": "activity", "record_id": rid, "op": "upsert",
                                  "base_version": mine[rid],
                                  "fields": {"record": text(rng, RECORD), "follow_up": text(rng, FOLLOW_UP)}})
                mine[rid] += 1
        for _ in range(rng.randint(1, 20)):
            rid = new_id()
            mutations.append({"mutation_id": next_id(), "entity": "activity", "record_id": rid, "op": "upsert",
                              "base_version": None,
                              "fields": activity_fields(rng, rng.choice(pairings[actor.user_id]))})
            mine[rid] = 1
        jobs.append((actor, orjson.dumps({"mutations": mutations})))

    def push(count: int, job: tuple[Actor, bytes]) -> int:
        actor, body = job
        batch = prepare_batch(orjson.loads(body), max_count=1000)
        if count % 5 == 0:
            db.conn.execute("BEGIN IMMEDIATE")
        result = apply_batch(db, actor, batch)
        if count % 5 == 4:
            db.conn.execute("COMMIT")
        orjson.dumps({"last_mutation_id": result.last_mutation_id, "results": result.results})
        if any(r["status"] != "applied" for r in result.results):
            raise SystemExit(f"not applied: {result.results}")
        return count + 1

    count = 0
    for job in jobs[:WARM_UP]:
        count = push(count, job)
    start = time.process_time()
    functools.reduce(push, jobs[WARM_UP:], count)
    seconds = time.process_time() - start
    if db.conn.in_transaction:
        db.conn.execute("COMMIT")
    db.close()
    print(f"{args.n} pushes: {seconds / args.n * 1000:.3f} ms of CPU a push (code {args.code})")


if __name__ == "__main__":
    main()
