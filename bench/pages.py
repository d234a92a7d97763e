"""Every web page at county scale: each role's pages served by the real server over 10^6 activities.

A county is built once (``world.build_world``: units, mentors, children and their pairings
through the write path; ``stored.preload``: ``--activities`` older visits spread over the
pairings and five years; then screenings, events, referrals, inspections and returns through
the write path, and a web account per role). The real server (``banxing serve``) is started on
it; each role signs in and GETs every page of the URL map it may open (walked from
``server.routes.build_routes``, path ids filled with real records: the child and pairing with
the most visits), list pages' year filters and last pages, prints and exports.

Per page: the median and worst of ``--runs`` GETs, the answer's size, and the server's memory
growth while answering (anonymous memory sampled every millisecond, and the resident set's peak,
which also counts the database pages the readers map). A page is flagged (``!``) over 1 s, over
50 MB of anonymous growth, or when its answer is over 1 MB (a page should show a bounded number
of rows, whatever the county's size). Figures, not assertions (docs/performance.md, "Every page
at county scale"). The database is not ANALYZEd: the server runs without statistics.

Run: ``make bench`` or ``.venv/bin/python bench/pages.py --activities 100000`` (quicker).
"""
from __future__ import annotations

import argparse
import pathlib
import random
import re
import shutil
import sqlite3
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
from process import HOST, Server
from stored import preload
from world import World, build_world, person

from server.auth import hash_password
from server.routes import url_map
from sync import Actor, apply_mutations, connect, new_id, transaction
from sync.users import create_user

PASSWORD = "bench-pages-2026"
SLOW_S, GROWTH_MB, BIG_BYTES = 1.0, 50.0, 1_000_000
ROLES = (("admin", "admin", 0), ("reviewer", "reviewer", 0), ("town", "staff", 1), ("station", "staff", 2),
         ("school", "staff", 3))


def page_paths() -> list[str]:
    """Every GET page of the URL map (not /api, /static or the phone app), as test_every_page walks it."""
    return [p for p, methods in url_map() if "GET" in methods and not p.startswith("/api")
            and p not in ("/", "/login")]


def add_records(world: World, children: int, seed: int = 5) -> dict[str, str]:
    """Screenings, events, referrals, inspections, returns and web accounts, through the write path."""
    rng = random.Random(seed)
    db = connect(world.db_path)
    units = {r[0]: (r[1], r[2]) for r in db.conn.execute("SELECT id, kind, parent_id FROM units")}
    leaves = [u for u, (kind, _) in units.items() if kind in ("station", "school")]
    stations = [u for u in leaves if units[u][0] == "station"]
    schools = [u for u in leaves if units[u][0] == "school"]
    town = units[stations[0]][1]
    secret = hash_password(PASSWORD)
    logins: dict[str, str] = {}
    with transaction(db):
        unit_of = {"admin": world.county_id, "reviewer": world.county_id, "town": town, "station": stations[0],
                   "school": schools[0]}
        ids = {}
        for name, role, _ in ROLES:
            logins[name] = f"bench-web-{name}"
            ids[name] = create_user(db, login=logins[name], name=person(rng), role=role, unit_id=unit_of[name],
                                    password_hash=secret, must_change_password=False)
        staff = Actor(world.staff_id, "staff", world.county_id)
        reviewer = Actor(ids["reviewer"], "reviewer", world.county_id)

        def write(actor: Actor, entity: str, rows: list[dict[str, Any]]) -> None:
            outcomes = apply_mutations(db, actor, [{"entity": entity, "record_id": new_id(), "op": "upsert",
                                                    "base_version": None, "fields": f} for f in rows])
            bad = [o.answer() for o in outcomes if o.status != "applied"]
            if bad:
                raise SystemExit(f"{entity}: {bad[:2]}")

        def day(year: int) -> str:
            return f"{year}-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}"  # not after today

        write(staff, "screening", [{"mentee_id": m, "date": day(y), "psych_problem": rng.random() < 0.3}
                                   for m in world.mentee_ids for y in (2025, 2026)])
        write(staff, "event", [{"unit_id": rng.choice(leaves), "kind": "lecture", "audience": "students",
                                "date": day(rng.randint(2021, 2026)), "participants": rng.randint(20, 400)}
                               for _ in range(children)])
        write(staff, "referral", [{"mentee_id": m, "target": "medical", "institution": "县人民医院心理门诊",
                                   "referred_on": day(2026), "reason": "情绪持续低落，建议专业评估"}
                                  for m in world.mentee_ids[: children // 10]])
        write(reviewer, "inspection", [{"unit_id": u, "date": day(y), "inspectors": "县关工委 周主任",
                                        "passed": ["records"], "failed": [], "rectify": ""}
                                       for u in leaves for y in range(2021, 2027)])
        write(staff, "stats_return", [{"unit_id": u, "period_from": f"{y}-{h}", "period_to": f"{y}-{t}",
                                       "status": "submitted"}
                                      for u in leaves for y in range(2021, 2026)
                                      for h, t in (("01-01", "06-30"), ("07-01", "12-31"))])
    db.close()
    return logins


@dataclass
class Ids:
    values: dict[str, str]

    def fill(self, path: str) -> str | None:
        missing = [n for n in re.findall(r"\{([^}]+)\}", path) if n not in self.values]
        if missing:
            return None
        return re.sub(r"\{([^}]+)\}", lambda m: self.values[m.group(1)], path)


def ids_for(path: pathlib.Path, unit_id: str) -> Ids:
    """Real records in ``unit_id``'s reach: the busiest child and pairing, and one of each other record."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    def one(sql: str, *args: Any) -> str | None:
        row = conn.execute(sql, args).fetchone()
        return None if row is None else str(row[0])

    below = ("WITH RECURSIVE u(id) AS (SELECT ? UNION SELECT units.id FROM units JOIN u ON units.parent_id = u.id)")
    pairing = one(f"{below} SELECT pairing_id FROM activities WHERE unit_id IN (SELECT id FROM u)"
                  " GROUP BY pairing_id ORDER BY count(*) DESC LIMIT 1", unit_id)
    values = {
        "pairing_id": pairing,
        "mentee_id": one("SELECT mentee_id FROM pairings WHERE id = ?", pairing),
        "mentor_id": one("SELECT mentor_id FROM pairings WHERE id = ?", pairing),
        "activity_id": one("SELECT id FROM activities WHERE pairing_id = ? ORDER BY date DESC LIMIT 1", pairing),
        "event_id": one(f"{below} SELECT id FROM events WHERE unit_id IN (SELECT id FROM u) LIMIT 1", unit_id),
        "referral_id": one(f"{below} SELECT id FROM referrals WHERE unit_id IN (SELECT id FROM u) LIMIT 1", unit_id),
        "return_id": one(f"{below} SELECT id FROM stats_returns WHERE unit_id IN (SELECT id FROM u) LIMIT 1",
                         unit_id),
        "inspection_id": one(f"{below} SELECT id FROM inspections WHERE unit_id IN (SELECT id FROM u) LIMIT 1",
                             unit_id),
        "unit_id": one(f"{below} SELECT id FROM units WHERE id IN (SELECT id FROM u) ORDER BY id DESC LIMIT 1",
                       unit_id),
        "user_id": one("SELECT id FROM users WHERE unit_id = ? LIMIT 1", unit_id),
        "conflict_id": one("SELECT id FROM sync_conflicts LIMIT 1"),
    }
    conn.close()
    return Ids({k: v for k, v in values.items() if v})


EXTRA = {  # list pages' filters and paging, prints and exports that take a query
    "/mentees": ["?page=9999", "?status=all"],
    "/pairings": ["?page=9999", "?status=all"],
    "/events": ["?year=2024", "?page=9999"],
    "/referrals": ["?page=9999"],
    "/review": ["?page=9999"],
    "/admin/access-log": ["?page=9999"],
    "/reports/stats": ["?year=2024"],
    "/reports/stats.xlsx": ["?year=2024"],
    "/reports/stats/records": ["?measure=talks&year=2024", "?measure=talks", "?measure=screened&year=2025",
                               "?measure=lectures&year=2024"],
    "/pairings/{pairing_id}": ["?year=2024", "?page=9999"],
    "/mentees/{mentee_id}": ["?year=2024", "?page=9999"],
    "/mentees/{mentee_id}/print": ["?year=2024"],
    "/pairings/{pairing_id}/print": ["?year=2024"],
    "/summary": ["?year=2024"],
    "/dashboard": ["?year=2024"],
}


class Memory:
    """The server's memory while it answers one request (Linux /proc).

    Two figures: the growth of its anonymous memory (heap, Python objects: what exhausts a server),
    sampled every millisecond while the request runs, and the growth of its whole resident set,
    peak included (``clear_refs`` resets VmHWM), which also counts the database pages the readers
    map (``READER_MMAP_BYTES``): file pages the kernel can drop, so they are shown, not flagged.
    """

    def __init__(self, pid: int) -> None:
        self.status = pathlib.Path(f"/proc/{pid}/status")
        self.clear = pathlib.Path(f"/proc/{pid}/clear_refs")
        self.anon_peak = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _kb(self, *fields: str) -> list[int]:
        found = dict.fromkeys(fields, 0)
        for line in self.status.read_text().splitlines():
            name = line.split(":", 1)[0]
            if name in found:
                found[name] = int(line.split()[1])
        return [found[f] for f in fields]

    def _sample(self) -> None:
        while not self._stop.wait(0.001):
            self.anon_peak = max(self.anon_peak, self._kb("RssAnon")[0])

    def start(self) -> None:
        self.clear.write_text("5")  # the peak (VmHWM) := the current RSS
        self.rss0, self.anon0 = self._kb("VmRSS", "RssAnon")
        self.anon_peak = self.anon0
        self._stop.clear()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def stop(self) -> tuple[float, float]:
        """(anonymous growth, resident growth) in MB."""
        self._stop.set()
        assert self._thread is not None
        self._thread.join()
        hwm, anon = self._kb("VmHWM", "RssAnon")
        return (max(self.anon_peak, anon) - self.anon0) / 1024, (hwm - self.rss0) / 1024


def sign_in(port: int, login: str) -> httpx.Client:
    client = httpx.Client(base_url=f"http://{HOST}:{port}", timeout=300, follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token, "no csrf_token on /login"
    answer = client.post("/login", data={"username": login, "password": PASSWORD, "csrf_token": token.group(1)})
    if answer.status_code != 303:
        raise SystemExit(f"{login} could not sign in: {answer.status_code}")
    return client


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--children", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", help="a regular expression: measure only the paths it matches")
    parser.add_argument("--keep", type=pathlib.Path, help="keep the county at this path; reuse it if it exists")
    args = parser.parse_args(argv)
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="banxing-pages-"))
    path = args.keep or workdir / "pages.db"
    started = time.perf_counter()
    if not path.exists():
        world = build_world(path, pairings=args.children, mentors=max(1, args.children // 10))
        preload(world, args.activities, "v7")
        add_records(world, args.children)
        print(f"built in {time.perf_counter() - started:.0f} s")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("mentees", "pairings", "activities", "screenings", "events", "referrals", "inspections",
                        "stats_returns")}
    logins = {name: f"bench-web-{name}" for name, _, _ in ROLES}
    units = {name: conn.execute("SELECT unit_id FROM users WHERE login = ?", [login]).fetchone()[0]
             for name, login in logins.items()}
    conn.close()
    print("county: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    paths = page_paths()
    server = Server(path, workdir)
    flagged: list[str] = []
    try:
        server.wait_ready(timeout=120)
        memory = Memory(server.proc.pid)
        print(f"{'role':8} {'page':52} {'status':>6} {'median':>8} {'worst':>8} {'bytes':>10} {'anon+MB':>7}"
              f" {'RSS+MB':>7}")
        for name, _, _ in ROLES:
            client = sign_in(server.port, logins[name])
            ids = ids_for(path, units[name])
            for template in paths:
                for query in ["", *EXTRA.get(template, [])]:
                    if args.only and not re.search(args.only, template + query):
                        continue
                    url = ids.fill(template)
                    if url is None:
                        print(f"{name:8} {template + query:52} {'n/a':>6}  (no such record in reach)")
                        continue
                    times, size, status, growth, mapped = [], 0, 0, 0.0, 0.0
                    for _ in range(args.runs):
                        memory.start()
                        t0 = time.perf_counter()
                        answer = client.get(url + query)
                        times.append(time.perf_counter() - t0)
                        anon, rss = memory.stop()
                        growth, mapped = max(growth, anon), max(mapped, rss)
                        size, status = len(answer.content), answer.status_code
                        if status in (403, 404, 303):
                            break  # not this role's page: once is enough
                    median, worst = statistics.median(times), max(times)
                    flag = ""
                    if status == 200 and (worst > SLOW_S or growth > GROWTH_MB or size > BIG_BYTES):
                        flag = " !"
                        flagged.append(f"{name} {template + query}")
                    print(f"{name:8} {template + query:52} {status:>6} {median:8.3f} {worst:8.3f} {size:>10,}"
                          f" {growth:7.1f} {mapped:7.1f}{flag}", flush=True)
            client.close()
    finally:
        server.stop()
    shutil.rmtree(workdir, ignore_errors=True)  # the server's logs, and the county unless --keep put it elsewhere
    print(f"flagged: {len(flagged)}" + "".join(f"\n  {f}" for f in flagged))
    print(f"whole run: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
