"""A whole sync request's work in instructions: the app in-process, HTTP layer included.

``push_instructions.py`` counts the push path without HTTP. This drives the real Starlette app
(``server.app.create_app``: its middleware stack, the device token's check, the body read as
JSON, the Store's writer and reader threads, the answer encoded) with ASGI calls carrying real
request bodies and headers, on uvloop as ``banxing serve`` runs. Only the socket and uvicorn's
HTTP parsing are left out. Ten enrolled phones sync in turn as the soak's phones do: a push of
1-20 activity creates (in 30 % of pushes also 1-3 edits of earlier ones), then, with ``--kind
sync``, a pull from the phone's cursor. The counted requests run inside ``functools.reduce``;
callgrind zeroes every thread's counts when it is entered and writes them out when it returns:

    valgrind --tool=callgrind --zero-before=functools_reduce --dump-after=functools_reduce \\
        .venv/bin/python bench/request_instructions.py --kind push --n 100    # about 4 minutes
    valgrind ... bench/request_instructions.py --kind sync --n 100            # push then pull

The ``totals`` line of the ``callgrind.out.<pid>.1`` file (the dump-after one) over ``--n`` is
the instructions a push (or a push and its pull); sync minus push is a pull. The server's
one-second checkpoint thread is slowed to never run here: under valgrind it would run about
fifty times as often a request, at moments the load decides. ``--profile PATH`` writes a
cProfile of the counted requests instead (the event loop's, the writer's and the readers' work). Without valgrind it
prints the CPU time, which is as noisy as the machine.
"""
from __future__ import annotations

import argparse
import asyncio
import functools
import pathlib
import random
import secrets
import sys
import tempfile
import time
from typing import Any

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
parser.add_argument("--code", type=pathlib.Path, default=pathlib.Path(__file__).resolve().parent.parent,
                    help="the checkout whose server runs the requests (default: this one)")
parser.add_argument("--n", type=int, default=100, help="syncs counted (after 30 not counted)")
parser.add_argument("--kind", choices=("push", "sync"), default="sync",
                    help="push: pushes alone; sync: each push followed by that phone's pull")
parser.add_argument("--profile", type=pathlib.Path, default=None, help="write a cProfile of the counted part")
args = parser.parse_args()
sys.path[:0] = [str(args.code.resolve()), str(args.code.resolve() / "bench")]

import orjson  # noqa: E402
import uvloop  # noqa: E402
from world import FOLLOW_UP, RECORD, activity_fields, build_world, text  # noqa: E402

import server.store  # noqa: E402
from server.app import create_app  # noqa: E402
from server.config import Settings  # noqa: E402
from sync import new_id  # noqa: E402

WARM_UP = 30
PHONES = 10


class Asgi:
    """One HTTP/1.1 request at a time into the app, as uvicorn hands it over."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def request(self, method: str, path: str, body: bytes = b"", token: str | None = None) -> tuple[int, bytes]:
        target, _, query = path.partition("?")
        headers = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"Mozilla/5.0 (Linux; Android 12) banxing"),
                   (b"accept", b"*/*"), (b"accept-encoding", b"gzip, deflate")]
        if token:
            headers.append((b"authorization", b"Bearer " + token.encode()))
        if body:
            headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
                 "method": method, "scheme": "http", "path": target, "raw_path": target.encode(),
                 "query_string": query.encode(), "root_path": "", "headers": headers,
                 "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": {}}
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.Event().wait()  # a client that keeps the connection open
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        status = 0
        parts: list[bytes] = []

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(parts)


class Lifespan:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.task = asyncio.ensure_future(self.app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}},
                                                   self.inbox.get, self.outbox.put))
        await self.inbox.put({"type": "lifespan.startup"})
        message = await self.outbox.get()
        if message["type"] != "lifespan.startup.complete":
            raise SystemExit(f"startup failed: {message}")

    async def stop(self) -> None:
        await self.inbox.put({"type": "lifespan.shutdown"})
        await self.outbox.get()
        assert self.task is not None
        await self.task


def profile_threads(make: Any) -> dict[int, Any]:
    """A profile of each store thread's writes and reads, besides the event loop's."""
    import threading

    profiles: dict[int, Any] = {}

    def wrap(name: str) -> None:
        original = getattr(server.store.Store, name)

        def profiled(*a: Any, **k: Any) -> Any:
            profile = profiles.setdefault(threading.get_ident(), make())
            profile.enable()
            try:
                return original(*a, **k)
            finally:
                profile.disable()

        setattr(server.store.Store, name, profiled)

    wrap("_run_group")
    wrap("_run_read")
    return profiles


def main() -> None:
    server.store.CHECKPOINT_SECONDS = 10_000.0  # see the docstring
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="banxing-req-instr-"))
    world = build_world(workdir / "bench.db", pairings=20, mentors=PHONES)
    settings = Settings.from_env({}, db_path=workdir / "bench.db", secret_keys=(secrets.token_urlsafe(32),))
    app = create_app(settings)
    asgi = Asgi(app)
    loop = uvloop.new_event_loop()
    asyncio.set_event_loop(loop)
    lifespan = Lifespan(app)
    loop.run_until_complete(lifespan.start())

    phones: list[dict[str, Any]] = []
    pairings: dict[str, list[str]] = {}
    for p in world.pairings:
        pairings.setdefault(p["mentor_id"], []).append(p["id"])
    for i, login in enumerate(world.mentor_logins[:PHONES]):
        status, raw = loop.run_until_complete(asgi.request(
            "POST", "/api/enrol", orjson.dumps({"code": world.codes[login], "device_name": f"手机{i + 1}"})))
        if status != 200:
            raise SystemExit(f"enrol failed ({status}): {raw[:300]!r}")
        doc = orjson.loads(raw)
        phones.append({"token": doc["token"], "pairings": pairings[doc["user"]["id"]], "versions": {},
                       "next": 1, "cursor": None})

    rng = random.Random(5)
    jobs: list[tuple[dict[str, Any], bytes]] = []
    for i in range(args.n + WARM_UP):  # every body made before any is counted
        phone = phones[i % PHONES]
        mine: dict[str, int] = phone["versions"]
        mutations: list[dict[str, Any]] = []
        if mine and rng.random() < 0.3:
            for rid in rng.sample(sorted(mine), min(len(mine), rng.randint(1, 3))):
                mutations.append({"mutation_id": phone["next"], "entity": "activity", "record_id": rid,
                                  "op": "upsert", "base_version": mine[rid],
                                  "fields": {"record": text(rng, RECORD), "follow_up": text(rng, FOLLOW_UP)}})
                phone["next"] += 1
                mine[rid] += 1
        for _ in range(rng.randint(1, 20)):
            rid = new_id()
            mutations.append({"mutation_id": phone["next"], "entity": "activity", "record_id": rid, "op": "upsert",
                              "base_version": None, "fields": activity_fields(rng, rng.choice(phone["pairings"]))})
            phone["next"] += 1
            mine[rid] = 1
        jobs.append((phone, orjson.dumps({"mutations": mutations})))

    async def one_sync(phone: dict[str, Any], body: bytes) -> None:
        # The answers are looked into, not decoded: the phone's work is not the server's.
        status, raw = await asgi.request("POST", "/api/sync/push", body, phone["token"])
        if status != 200 or raw.count(b'"status":"applied"') != body.count(b'"mutation_id":'):
            raise SystemExit(f"push not applied ({status}): {raw[:300]!r}")
        if args.kind == "sync":
            while True:
                cursor = phone["cursor"]
                status, raw = await asgi.request(
                    "GET", "/api/sync/pull?limit=500" + (f"&cursor={cursor}" if cursor else ""), b"", phone["token"])
                if status != 200:
                    raise SystemExit(f"pull failed ({status}): {raw[:300]!r}")
                tail = raw[raw.rindex(b'"cursor":'):]  # the page's last members: cursor, more, drop, history
                phone["cursor"] = orjson.loads(b"{" + tail)["cursor"]
                if b'"more":false' in tail:
                    break

    async def run(counted: list[tuple[dict[str, Any], bytes]]) -> None:
        for job in counted:
            await one_sync(*job)

    def step(_: None, counted: list[tuple[dict[str, Any], bytes]]) -> None:
        # One run_until_complete for all the counted syncs, as the server runs its loop once:
        # uvloop sets up its signal wake-up (a socketpair) on every run.
        loop.run_until_complete(run(counted))

    step(None, jobs[:WARM_UP])
    profile = None
    if args.profile:
        import cProfile

        profile = cProfile.Profile()
        thread_profiles = profile_threads(cProfile.Profile)
        profile.enable()
    start = time.process_time()
    functools.reduce(step, [jobs[WARM_UP:]], None)
    seconds = time.process_time() - start
    if profile is not None:
        profile.disable()
        import pstats

        stats = pstats.Stats(profile)
        for other in thread_profiles.values():
            stats.add(other)
        stats.dump_stats(args.profile)
    loop.run_until_complete(lifespan.stop())
    loop.close()
    print(f"{args.n} {'pushes' if args.kind == 'push' else 'syncs (push + pull)'}: "
          f"{seconds / args.n * 1000:.3f} ms of CPU each in all threads (code {args.code})")


if __name__ == "__main__":
    main()
