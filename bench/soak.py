"""The soak: many phones pushing, resending and pulling at once, then a check of the database."""
from __future__ import annotations

import datetime
import gc
import math
import pathlib
import random
import sqlite3
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson
from process import Client, pct
from world import FOLLOW_UP, RECORD, activity_fields, day, text

from sync import new_id

EDITABLE = ("record", "follow_up", "follow_up_due")
CHECKED = ("pairing_id", "kind", "date", "record", "follow_up", "follow_up_due")


@dataclass
class Phone:
    index: int
    port: int
    token: str
    device_id: str
    pairing_ids: list[str]
    seed: int
    next_mid: int = 1
    cursor: str | None = None
    expected: dict[str, dict[str, Any]] = field(default_factory=dict)  # record_id -> fields + version
    local: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)  # pulled replica
    sent_ids: set[int] = field(default_factory=set)
    push_lat: list[float] = field(default_factory=list)
    pull_lat: list[float] = field(default_factory=list)
    resend_lat: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    http_errors: Counter[int] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    creates: int = 0
    edits: int = 0
    resends: int = 0
    resend_mismatches: int = 0
    reconnects: int = 0
    finished: bool = False

    def new_phase(self) -> None:
        """Start the figures of a soak phase afresh; the phone's records and cursor carry over."""
        self.push_lat, self.pull_lat, self.resend_lat = [], [], []
        self.statuses, self.http_errors, self.problems = Counter(), Counter(), []
        self.creates = self.edits = self.resends = self.resend_mismatches = self.reconnects = 0
        self.finished = False

    def run(self, start: threading.Barrier, deadline_box: list[float], think: float, period: float = 0.0) -> None:
        """Push (or resend the last batch) and pull until the deadline. With ``period`` the phone
        syncs once per period at its own random phase, whatever the server's speed (an open
        loop, as real phones on a timer); without, it syncs again after a pause of up to ``think``
        (a closed loop: as fast as the server answers)."""
        rng = random.Random(self.seed)
        client = Client(self.port, self.token)
        last: tuple[bytes, Any] | None = None
        try:
            start.wait()
            deadline = deadline_box[0]
            slot = time.monotonic() + rng.uniform(0, period)
            while time.monotonic() < deadline:
                if period:
                    time.sleep(max(0.0, slot - time.monotonic()))
                    slot += period * max(1, math.ceil((time.monotonic() - slot) / period))  # a late phone skips slots
                if last is not None and rng.random() < 0.1:
                    self._resend(client, last)
                    last = None
                else:
                    last = self._push(client, rng)
                self._pull(client, self.pull_lat)
                if think and not period:
                    time.sleep(rng.uniform(0, think))
            self._pull(client, [])  # converge: the phone's replica must now hold every record
            self.finished = True
        except Exception as exc:  # noqa: BLE001 - reported as a failure, never swallowed
            self.problems.append(f"phone {self.index}: {type(exc).__name__}: {exc}")
        finally:
            self.reconnects = client.reconnects
            client.close()

    def _push(self, client: Client, rng: random.Random) -> tuple[bytes, Any] | None:
        mutations = []
        acked = [rid for rid in self.expected]
        edit_ids = rng.sample(acked, min(len(acked), rng.randint(1, 3))) if acked and rng.random() < 0.3 else []
        for rid in edit_ids:
            changes = {"record": text(rng, RECORD), "follow_up": text(rng, FOLLOW_UP),
                       "follow_up_due": day(rng, datetime.date(2026, 11, 22), 60).isoformat()}
            mutations.append({"mutation_id": self._mid(), "entity": "activity", "record_id": rid, "op": "upsert",
                              "base_version": self.expected[rid]["version"], "fields": changes})
        for _ in range(rng.randint(1, 20)):
            mutations.append({"mutation_id": self._mid(), "entity": "activity", "record_id": new_id(), "op": "upsert",
                              "base_version": None, "fields": activity_fields(rng, rng.choice(self.pairing_ids))})
        body = orjson.dumps({"mutations": mutations})  # as the server reads and answers: a phone's JSON is not its cost
        status, data, elapsed = client.request("POST", "/api/sync/push", body)
        self.push_lat.append(elapsed)
        if status != 200:
            self.http_errors[status] += 1
            self.problems.append(f"phone {self.index}: push HTTP {status} {data[:200]!r}")
            return None
        doc = orjson.loads(data)
        if doc["last_mutation_id"] != mutations[-1]["mutation_id"] or len(doc["results"]) != len(mutations):
            self.problems.append(f"phone {self.index}: push answer does not match the batch: {doc}")
        for m, r in zip(mutations, doc["results"], strict=True):
            self.statuses[r["status"]] += 1
            if r["mutation_id"] != m["mutation_id"]:
                self.problems.append(
                    f"phone {self.index}: answer for {r['mutation_id']} in place of {m['mutation_id']}")
                continue
            if r["status"] not in ("applied", "merged"):
                self.problems.append(f"phone {self.index}: {r['status']}: {r.get('reason')}")
                continue
            rid = m["record_id"]
            if m["base_version"] is None:
                want = 1
                self.expected[rid] = {**m["fields"], "version": 1}
                self.creates += 1
            else:
                want = self.expected[rid]["version"] + 1
                self.expected[rid].update(m["fields"], version=want)
                self.edits += 1
            if r["version"] != want:
                self.problems.append(f"phone {self.index}: {rid} answered version {r['version']}, expected {want}")
        return body, doc

    def _resend(self, client: Client, last: tuple[bytes, Any]) -> None:
        """The answer to the previous batch was 'lost': send the same bytes again."""
        body, first = last
        status, data, elapsed = client.request("POST", "/api/sync/push", body)
        self.resend_lat.append(elapsed)
        self.resends += 1
        if status != 200:
            self.http_errors[status] += 1
            self.problems.append(f"phone {self.index}: resend HTTP {status} {data[:200]!r}")
            return
        if orjson.loads(data) != first:
            self.resend_mismatches += 1
            self.problems.append(f"phone {self.index}: resend answered differently")

    def _pull(self, client: Client, latencies: list[float]) -> None:
        for _ in range(1000):  # bounded: a page is 500 records
            path = "/api/sync/pull?limit=500" + (f"&cursor={self.cursor}" if self.cursor else "")
            status, data, elapsed = client.request("GET", path)
            latencies.append(elapsed)
            if status != 200:
                self.http_errors[status] += 1
                self.problems.append(f"phone {self.index}: pull HTTP {status} {data[:200]!r}")
                return
            page = orjson.loads(data)
            for c in page["changes"]:
                held = self.local.get(c["record_id"])
                if held is None or held[0] <= c["version"]:
                    self.local[c["record_id"]] = (c["version"], c["fields"])
            for d in page["drop"]:
                self.local.pop(d["record_id"], None)
            self.cursor = page["cursor"]
            if not page["more"]:
                return

    def _mid(self) -> int:
        mid = self.next_mid
        self.next_mid += 1
        self.sent_ids.add(mid)
        return mid


@dataclass
class SoakFigures:
    seconds: float
    push_requests: int
    pull_requests: int
    resend_requests: int
    creates: int
    edits: int
    push_p50: float
    push_p99: float
    pull_p50: float
    pull_p99: float
    resend_mismatches: int
    http_5xx: int
    http_other: int
    statuses: Counter[str]
    reconnects: int
    problems: list[str]


def soak(port: int, phones: list[Phone], seconds: float, think: float, period: float = 0.0) -> SoakFigures:
    """One phase of the soak; a phone's records carry over from an earlier phase, its figures do not."""
    for p in phones:
        p.new_phase()
    barrier = threading.Barrier(len(phones) + 1)
    deadline_box = [0.0]
    threads = [threading.Thread(target=p.run, args=(barrier, deadline_box, think, period), daemon=True)
               for p in phones]
    for t in threads:
        t.start()
    # The 100 phones share this one process, and its cyclic garbage collector, scanning their
    # replicas (hundreds of thousands of objects), froze every phone thread for 0.3-1 s about
    # six times a minute: each freeze was counted as latency of every request in flight. Real
    # phones do not share a collector. Their data hold no cycles, so reference counting frees it.
    gc.collect()
    gc.disable()
    try:
        deadline_box[0] = time.monotonic() + seconds
        begin = time.perf_counter()
        barrier.wait()
        for t in threads:
            t.join(timeout=max(1.0, deadline_box[0] + 180 - time.monotonic()))
        elapsed = time.perf_counter() - begin
    finally:
        gc.enable()
    problems = [q for p in phones for q in p.problems]
    stuck = [p.index for p in phones if not p.finished]
    if stuck:
        problems.append(f"{len(stuck)} phone(s) did not finish: {stuck[:10]}")
    push = [x for p in phones for x in p.push_lat]
    pull = [x for p in phones for x in p.pull_lat]
    errors: Counter[int] = sum((p.http_errors for p in phones), Counter())
    return SoakFigures(
        elapsed, len(push), len(pull), sum(p.resends for p in phones), sum(p.creates for p in phones),
        sum(p.edits for p in phones), pct(push, 50) * 1000, pct(push, 99) * 1000, pct(pull, 50) * 1000,
        pct(pull, 99) * 1000, sum(p.resend_mismatches for p in phones),
        sum(n for s, n in errors.items() if s >= 500), sum(n for s, n in errors.items() if s < 500),
        sum((p.statuses for p in phones), Counter()), sum(p.reconnects for p in phones), problems,
    )


def verify_database(db_path: pathlib.Path, pushed: list[dict[str, Any]], phones: list[Phone]) -> dict[str, Any]:
    """After the server stopped: every answered mutation is there once, with its last value."""
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    expected_ids = {m["record_id"] for m in pushed} | {rid for p in phones for rid in p.expected}
    total = db.execute("SELECT count(*) FROM activities").fetchone()[0]
    stored_ids = {r[0] for r in db.execute("SELECT id FROM activities")}
    feed = db.execute("SELECT count(*), count(DISTINCT record_id) FROM sync_feed WHERE entity = 'activity'").fetchone()
    lost = len(expected_ids - stored_ids)
    doubled = (total - len(expected_ids)) + (feed[0] - feed[1]) + (feed[0] - len(expected_ids))
    wrong_value = 0
    replica_gaps = 0
    audit_mismatch = 0
    cols = ", ".join(CHECKED)
    for p in phones:
        ids = list(p.expected)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = db.execute(
                f"SELECT id, version, {cols} FROM activities WHERE id IN ({', '.join('?' * len(chunk))})", chunk
            ).fetchall()
            for row in rows:
                want = p.expected[row[0]]
                if row[1] != want["version"] or any(row[2 + i] != want[c] for i, c in enumerate(CHECKED)):
                    wrong_value += 1
        for rid, want in p.expected.items():
            held = p.local.get(rid)
            if held is None or held[0] != want["version"] or any(held[1].get(c) != want[c] for c in CHECKED):
                replica_gaps += 1
        audit = db.execute(
            "SELECT count(*), count(DISTINCT mutation_id), coalesce(max(mutation_id), 0) FROM sync_audit"
            " WHERE device_id = ?",
            [p.device_id],
        ).fetchone()
        last = db.execute("SELECT last_mutation_id FROM sync_devices WHERE id = ?", [p.device_id]).fetchone()[0]
        if audit[0] != audit[1] or audit[0] != len(p.sent_ids) or last != p.next_mid - 1:
            audit_mismatch += 1
    db.close()
    return {"activities": total, "expected": len(expected_ids), "lost": lost, "doubled": doubled,
            "wrong_value": wrong_value, "replica_gaps": replica_gaps, "audit_mismatch": audit_mismatch}

