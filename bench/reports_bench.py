"""Reports benchmark: the statistics form, its XLSX export and the dashboard over a county with
10^6 activities, and phone pulls with and without a heavy report running beside them.

Run with ``make bench`` (or ``.venv/bin/python bench/reports_bench.py --activities 100000`` for
a quicker run). It reports figures, it does not assert targets (docs/performance.md).

How the county is built (fast, and the data still satisfies the schema):

- units (county → towns → stations/schools) go through ``sync.apply_mutations`` like any writer;
- users are created with ``sync.users.create_user``;
- mentees, pairings, activities, screenings, events and enrolments are bulk-inserted with
  ``executemany`` straight into the engine's tables, one transaction, with the engine's column
  layout: every domain column, ``version`` 1, ``deleted`` 0, ``field_versions`` ``{}``,
  ``field_writers`` ``{"*": <creator>}``, who/when columns, the denormalised scope keys the
  write path would set (``unit_id``, ``mentee_id``), one ``sync_feed`` row per record (so
  pulls walk a feed of realistic size), and the activity counts and each pairing's latest activity
  the write path would have kept (``sync/counts.py``, ``sync/latest.py``, worked out from the rows
  in the same transaction). Foreign keys are on
  during the insert, and the script runs ``PRAGMA foreign_key_check`` and ``quick_check``
  afterwards and prints the result;
- about 1 % of each kind of record is deleted (``deleted`` = 1), some pairings are closed with
  an outcome, activities carry every kind, events every kind and audience;
- most activities carry a next follow-up date and a few a risk flag, most of those handled, in
  the proportions the comment above ``follow_up_and_flag`` gives (so the overdue follow-ups and open risk flags
  are lists of a county's size); a web account signs in for the county (reviewer), for its first
  town and for that town's station (staff).

Then, on a ``server.store.Store`` (the app's own pools):

1. stats form: ``compute_stats`` for the whole county and the year, on the ``reports`` pool
   (first run and the median of five);
2. XLSX export: ``compute_stats`` + ``exports.to_xlsx`` (median of three);
3. dashboard: ``server.queries.dashboard.dashboard(db, scope, today=…)`` for the whole county
   (median of five), or ``n/a`` on a branch without it;
4. phone pulls: a mentor's first pull (all pages, ``limit`` 1000) on the ``sync`` pool, 40 times
   alone, then 40 times while another thread computes the county form on the ``reports`` pool
   over and over; p50 / p95 of each.

Then through the real server (``banxing serve``, signed in as bench/pages.py signs in): the
dashboard of the county, the town and the station, and the station home (``/staff``) of the
town's and the station's staff, median and worst of five GETs each, with the overdue follow-ups
and open risk flags each page counts (on the server's today, the clock's).

The script ends with the lines ``dashboard: <seconds> s``, one ``<page>: <seconds> s`` per page
timed through the server (``dashboard http county`` … ``staff home station``) and ``stats form:
<seconds> s``.
"""
from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import pathlib
import platform
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pages import PASSWORD, sign_in  # noqa: E402  (bench/pages.py: a web account signs in)
from process import Server, cpu_model, pct  # noqa: E402  (bench/process.py, shared with sync_bench)

from server.auth import hash_password  # noqa: E402
from server.exports import Filler, to_xlsx  # noqa: E402
from server.queries.followups import count_open_risk_flags, count_overdue_follow_ups  # noqa: E402
from server.queries.stats import compute_stats  # noqa: E402
from server.store import Store  # noqa: E402
from sync import Actor, apply_mutations, load_scope, new_id, pull_changes  # noqa: E402
from sync.entities import DEFAULTS, ENTITIES  # noqa: E402
from sync.refill import refill_derived  # noqa: E402
from sync.system import SYSTEM  # noqa: E402
from sync.timeutil import local_today  # noqa: E402
from sync.users import create_user  # noqa: E402

YEAR_FROM, YEAR_TO = "2026-01-01", "2026-12-31"
NOW = "2026-12-01T00:00:00.000Z"
TODAY = datetime.date(2026, 12, 1)  # the in-process dashboard's today (the server's is the clock's)

# What a county's visits carry besides their words, in these proportions:
# - 下次跟踪日期 (follow_up_due) on 80 % of visits. The county's notice (/work/shared/seeds/004)
#   asks for 事后跟踪 after every activity, and the phone's visit form (pwa/js/ui/visit-form.js)
#   puts 一周后 / 两周后 / 一个月后 as one-tap chips beside the date field, so most dates are one of
#   those three (weights 4:3:2) and some are typed by hand (3–45 days, weight 1); a fifth of
#   visits (a group activity, a volunteer in a hurry) leave it empty. A pairing is then overdue
#   when its latest visit's date has passed and no visit followed, as on a real county.
# - 发现自伤自残风险 (risk_flag) on 1 % of visits, as bench/world.py's phones send them: these
#   children are already known for psychological problems, and a flag is a volunteer's call for
#   the station, not a diagnosis.
# - 风险处理记录 (risk_action, written by station staff on the station home): a flag from more than
#   two weeks before today has been handled 95 % of the time (the rest is the backlog of a busy
#   station), a recent one (or one dated later: this county's visits run to the year's end) 40 %;
#   handled within 0–3 days of the visit, by the staff of the visit's town.
FOLLOW_UP_SHARE, FLAG_SHARE = 0.8, 0.01
DUE_DAYS = ((7, 14, 30, None), (4, 3, 2, 1))  # None: a date typed by hand
HANDLED_OLD, HANDLED_RECENT, RECENT_DAYS = 0.95, 0.4, 14
RISK_ACTIONS = ("当天联系了班主任和监护人，孩子已由家长陪同到县人民医院心理门诊就诊。",
                "辅导站老师上门了解情况，孩子情绪已平稳，已转介县心理健康指导中心。",
                "与孩子谈心一小时，未发现伤痕；约定每周电话联系，并请班主任每天留意。")
FOLLOW_UPS = ("下周再上门看看孩子的情绪和睡眠。", "请班主任留意孩子课间和同学相处的情况。",
              "两周后电话了解作业完成情况。", "月底组织一次集体活动，邀请孩子参加。")

# The pages timed through the real server: (figure's name, login, path). The dashboard at each
# level of the county, and the station home of a town's and a station's staff, whose overdue
# follow-ups and open risk flags are the dashboard's lists (server/queries/followups.py).
PAGES = (("dashboard http county", "bench-staff", "/dashboard"),
         ("dashboard http town", "bench-town-00", "/dashboard"),
         ("dashboard http station", "bench-station", "/dashboard"),
         ("staff home town", "bench-town-00", "/staff"),
         ("staff home station", "bench-station", "/staff"))
HTTP_RUNS = 5


def day(rng: random.Random) -> str:
    return (datetime.date(2026, 1, 1) + datetime.timedelta(days=rng.randrange(365))).isoformat()


def follow_up_and_flag(rng: random.Random, date: str, handler: str) -> dict[str, Any]:
    """A visit's follow-up date and risk flag with its handling, in the proportions above."""
    when = datetime.date.fromisoformat(date)
    fields: dict[str, Any] = {"follow_up": None, "follow_up_due": None, "risk_flag": 0, "risk_action": None,
                              "risk_action_on": None, "risk_action_by": None}
    if rng.random() < FOLLOW_UP_SHARE:
        days = rng.choices(*DUE_DAYS)[0] or rng.randint(3, 45)
        due = when + datetime.timedelta(days=days)
        fields.update(follow_up=rng.choice(FOLLOW_UPS), follow_up_due=due.isoformat())
    if rng.random() < FLAG_SHARE:
        fields["risk_flag"] = 1
        old = when < TODAY - datetime.timedelta(days=RECENT_DAYS)
        if rng.random() < (HANDLED_OLD if old else HANDLED_RECENT):
            fields.update(risk_action=rng.choice(RISK_ACTIONS), risk_action_by=handler,
                          risk_action_on=(when + datetime.timedelta(days=rng.randint(0, 3))).isoformat())
    return fields


class Bulk:
    """Rows for one table in the engine's layout, plus their sync_feed rows."""

    def __init__(self, conn: sqlite3.Connection, entity: str, creator: str) -> None:
        self.entity = ENTITIES[entity]
        # A column the county's rows leave out gets the value the write path would give it (make_up, m047).
        self.defaults = DEFAULTS.get(entity, {})
        self.columns = ("id", *self.entity.columns, "version", "deleted", "field_versions", "field_writers",
                        "created_at", "created_by", "updated_at", "updated_by", "num")
        self.sql = (f"INSERT INTO {self.entity.table} ({', '.join(self.columns)})"
                    f" VALUES ({', '.join('?' * len(self.columns))})")
        self.conn = conn
        self.creator = creator
        self.writers = json.dumps({"*": creator})

    def insert(self, rows: list[dict[str, Any]], feed: list[tuple[Any, ...]], seq: list[int],
               keys: Callable[[dict[str, Any]], tuple[Any, Any, Any]]) -> None:
        params = []
        for r in rows:
            deleted = int(r.pop("_deleted", False))
            seq[0] += 1  # the record's number is the seq it was created at, as the write path numbers it
            values = (r.get(c, self.defaults.get(c)) for c in ("id", *self.entity.columns))
            params.append((*values, 2 if deleted else 1, deleted, "{}",
                           self.writers, NOW, self.creator, NOW, self.creator, seq[0]))
            feed.append((seq[0], self.entity.name, r["id"], 2 if deleted else 1, deleted, *keys(r), seq[0]))
        self.conn.executemany(self.sql, params)


def build(path: pathlib.Path, activities: int, seed: int = 11) -> dict[str, Any]:
    rng = random.Random(seed)
    store = Store(path)
    store.migrate()
    towns, per_town = 20, 12
    mentees = max(100, activities // 20)
    mentors = max(10, mentees // 5)
    county = new_id()
    units: list[dict[str, Any]] = [{"id": county, "name": "如东县", "kind": "county", "parent_id": None}]
    leaves: list[str] = []
    town_ids: list[str] = []
    town_of: dict[str, str] = {}
    for t in range(towns):
        town = new_id()
        town_ids.append(town)
        units.append({"id": town, "name": f"第{t + 1:02d}镇", "kind": "town", "parent_id": county})
        for s in range(per_town):
            leaf = new_id()
            units.append({"id": leaf, "name": f"第{t + 1:02d}镇{'辅导站' if s % 3 == 0 else '学校'}{s + 1:02d}",
                          "kind": "station" if s % 3 == 0 else "school", "parent_id": town})
            leaves.append(leaf)
            town_of[leaf] = town
    station = leaves[0]  # the first town's outreach station (s = 0)
    secret = hash_password(PASSWORD)

    def people(db: Any) -> dict[str, Any]:
        outcomes = apply_mutations(db, SYSTEM, [
            {"entity": "unit", "record_id": u["id"], "op": "upsert", "base_version": None,
             "fields": {k: v for k, v in u.items() if k != "id"}} for u in units])
        assert all(o.status == "applied" for o in outcomes)
        staff = create_user(db, login="bench-staff", name="县关工委", role="reviewer", unit_id=county,
                            password_hash=secret, must_change_password=False)
        # Each town's staff handle its risk flags; the first town's and its station's sign in on the web.
        town_staff = [create_user(db, login=f"bench-town-{t:02d}", name=f"第{t + 1:02d}镇关工委", role="staff",
                                  unit_id=town, password_hash=secret, must_change_password=False)
                      for t, town in enumerate(town_ids)]
        station_staff = create_user(db, login="bench-station", name="辅导站老师", role="staff", unit_id=station,
                                    password_hash=secret, must_change_password=False)
        ids = [create_user(db, login=f"m{i:05d}", name=f"志愿者{i}", role="mentor", unit_id=leaves[i % len(leaves)])
               for i in range(mentors)]
        return {"reviewer": staff, "mentors": ids, "town_staff": dict(zip(town_ids, town_staff, strict=True)),
                "station_staff": station_staff}

    started = time.perf_counter()
    made = store.write_now(people)
    store.close()

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN")
    seq = [int(conn.execute("SELECT coalesce(max(seq), 0) FROM sync_feed").fetchone()[0])]
    feed: list[tuple[Any, ...]] = []
    creator = made["reviewer"]
    mentee_rows, pairing_rows = [], []
    for i in range(mentees):
        unit = leaves[i % len(leaves)]
        mentee_rows.append({"id": new_id(), "unit_id": unit, "code": f"RD-{i:06d}", "categories": '["psych"]',
                            "risk_level": rng.choice(("normal", "watch", "key")), "status": "active",
                            "_deleted": rng.random() < 0.01})
    for i, m in enumerate(mentee_rows):
        closed = rng.random() < 0.15
        pairing_rows.append({
            "id": new_id(), "mentor_id": made["mentors"][i % mentors], "mentee_id": m["id"], "unit_id": m["unit_id"],
            "start_date": "2025-09-01", "end_date": day(rng) if closed else None, "approach": "fuxin",
            "status": "closed" if closed else "active", "outcome": rng.choice(("improved", "stable", "referred"))
            if closed else None, "review_status": "approved", "_deleted": rng.random() < 0.01})
    Bulk(conn, "mentee", creator).insert(mentee_rows, feed, seq, lambda r: (r["unit_id"], r["id"], None))
    Bulk(conn, "pairing", creator).insert(pairing_rows, feed, seq, lambda r: (r["unit_id"], r["mentee_id"], r["id"]))
    kinds = ("home_visit", "talk", "remote", "group")
    bulk = Bulk(conn, "activity", creator)
    for start in range(0, activities, 100_000):
        rows = []
        for _ in range(min(100_000, activities - start)):
            p = pairing_rows[rng.randrange(len(pairing_rows))]
            date = day(rng)
            rows.append({"id": new_id(), "pairing_id": p["id"], "mentee_id": p["mentee_id"], "unit_id": p["unit_id"],
                         "kind": rng.choice(kinds), "date": date, "duration_min": 45, "record": "交流学习情况。",
                         "moods": "[]", "observations": "[]", "tags": "[]",
                         **follow_up_and_flag(rng, date, made["town_staff"][town_of[p["unit_id"]]]),
                         "author_id": p["mentor_id"], "review_status": rng.choice(("pending", "approved")),
                         "_deleted": rng.random() < 0.01})
        bulk.insert(rows, feed, seq, lambda r: (r["unit_id"], r["mentee_id"], r["pairing_id"]))
    screenings = []
    for _ in range(mentees * 2):
        m = mentee_rows[rng.randrange(len(mentee_rows))]
        screenings.append({"id": new_id(), "mentee_id": m["id"], "unit_id": m["unit_id"], "date": day(rng),
                           "psych_problem": int(rng.random() < 0.3), "intervention_success": int(rng.random() < 0.1),
                           "author_id": creator, "_deleted": rng.random() < 0.01})
    Bulk(conn, "screening", creator).insert(screenings, feed, seq, lambda r: (r["unit_id"], r["mentee_id"], None))
    events = []
    for _ in range(max(200, activities // 50)):
        kind = rng.choice(("lecture", "themed", "class_meeting", "parent_meeting", "brochure"))
        events.append({"id": new_id(), "unit_id": rng.choice(leaves), "kind": kind, "date": day(rng),
                       "lecture_no": rng.choice((None, 4, 5)) if kind == "lecture" else None,
                       "audience": rng.choice(("students", "parents", None)), "participants": rng.randrange(20, 400),
                       "copies": rng.randrange(0, 300) if kind == "brochure" else 0, "online": rng.randrange(2),
                       "_deleted": rng.random() < 0.01})
    Bulk(conn, "event", creator).insert(events, feed, seq, lambda r: (r["unit_id"], None, None))
    enrolments = [{"id": new_id(), "unit_id": u, "year": 2026, "students": rng.randrange(300, 2000),
                   "parents": rng.randrange(300, 2000)} for u in leaves]
    Bulk(conn, "enrolment", creator).insert(enrolments, feed, seq, lambda r: (r["unit_id"], None, None))
    conn.executemany("INSERT INTO sync_feed (seq, entity, record_id, version, deleted, unit_id, mentee_id, pairing_id,"
                     " num) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", feed)
    refill_derived(conn)  # what the write path would have kept: counts, each pairing's latest activity
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    built = time.perf_counter() - started
    fk = conn.execute("PRAGMA foreign_key_check").fetchall()
    check = conn.execute("PRAGMA quick_check").fetchone()[0]
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("units", "users", "mentees", "pairings", "activities", "screenings", "events", "sync_feed")}
    flags = conn.execute("SELECT count(follow_up_due), sum(risk_flag), sum(risk_flag AND risk_action IS NULL)"
                         " FROM activities WHERE deleted = 0").fetchone()
    conn.close()
    return {"county": county, "reviewer": made["reviewer"], "mentor": made["mentors"][0], "seconds": built,
            "town": town_ids[0], "station": station, "flags": flags,
            "counts": counts, "foreign_key_problems": len(fk), "quick_check": check}


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--keep", type=pathlib.Path,
                        help="build the county database at this new path and keep it (it is not reused)")
    args = parser.parse_args(argv)
    if args.keep and args.keep.exists():
        parser.error(f"{args.keep} exists; --keep builds a new county there")
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="banxing-reports-"))
    path = args.keep or workdir / "reports.db"
    print(f"machine: {os.cpu_count()} CPUs, {cpu_model()}, Python "
          f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    world = build(path, args.activities)
    print(f"built in {world['seconds']:.1f} s: " + ", ".join(f"{k} {v:,}" for k, v in world["counts"].items()))
    print(f"schema checks: foreign_key_check {world['foreign_key_problems']} problems,"
          f" quick_check {world['quick_check']}")
    due, flagged, open_flags = world["flags"]
    print(f"live activities with a follow-up date {due:,}, risk-flagged {flagged:,} ({open_flags:,} not handled)")

    store = Store(path)
    reviewer = Actor(world["reviewer"], "reviewer", world["county"])
    mentor = Actor(world["mentor"], "mentor", "")
    scope = store.read_now(lambda db: load_scope(db, reviewer))

    def form() -> Any:
        return store.read_now(lambda db: compute_stats(db, scope, world["county"], YEAR_FROM, YEAR_TO), pool="reports")

    first = timed(form)
    form_median = statistics.median([timed(form) for _ in range(5)])
    result = form()
    print(f"stats form, whole county, {len(result.rows)} rows: first {first:.3f} s, median {form_median:.3f} s"
          f" (talks {result.total.value('talks'):,}, screened {result.total.value('screened'):,})")
    xlsx = [timed(lambda: to_xlsx(form(), Filler(datetime.date(2026, 12, 31), "县关工委", ""))) for _ in range(3)]
    print(f"xlsx export (form + workbook): median {statistics.median(xlsx):.3f} s")

    dashboard_seconds = "n/a"
    try:
        dashboard = importlib.import_module("server.queries.dashboard")
    except ModuleNotFoundError:
        dashboard = None
    fn = getattr(dashboard, "dashboard", None) or getattr(dashboard, "compute_dashboard", None)
    if fn is not None:
        try:
            # dashboard(db, scope, *, today): the agreed entry point (issue 11, part B)
            runs = [timed(lambda: store.read_now(lambda db: fn(db, scope, today=TODAY), pool="reports"))
                    for _ in range(5)]
            dashboard_seconds = f"{statistics.median(runs):.3f}"
            data = store.read_now(lambda db: fn(db, scope, today=TODAY), pool="reports")
            print(f"dashboard, whole county, in-process, today {TODAY}: median {dashboard_seconds} s, worst"
                  f" {max(runs):.3f} s (overdue follow-ups {data['overdue_follow_ups']['count']:,},"
                  f" open risk flags {data['risk_flags']['count']:,})")
        except TypeError as exc:
            print(f"dashboard: could not call {fn.__name__}: {exc}")

    def pull_once() -> None:
        def read(db: Any) -> int:
            cursor, total = None, 0
            while True:
                page = pull_changes(db, mentor, cursor, 1000)
                total += len(page.changes)
                cursor = page.cursor
                if not page.more:
                    return total
        store.read_now(read)

    records = store.read_now(lambda db: (lambda p: len(p.changes))(pull_changes(db, mentor, None, 1000)))
    alone = [timed(pull_once) for _ in range(40)]
    stop = threading.Event()
    reports_done = [0]

    def heavy() -> None:
        while not stop.is_set():
            form()
            reports_done[0] += 1

    worker = threading.Thread(target=heavy)
    worker.start()
    time.sleep(0.2)
    beside = [timed(pull_once) for _ in range(40)]
    stop.set()
    worker.join()
    print(f"mentor pull ({records} records): alone p50 {pct(alone, 50) * 1000:.1f} ms,"
          f" p95 {pct(alone, 95) * 1000:.1f} ms;"
          f" beside county reports on the reports pool p50 {pct(beside, 50) * 1000:.1f} ms,"
          f" p95 {pct(beside, 95) * 1000:.1f} ms ({reports_done[0]} forms computed meanwhile)")
    shown = shown_counts(store, world)
    store.close()
    pages = over_http(path, workdir, shown)
    # The server's logs, and the county (about 1 GB) unless --keep put it elsewhere: every run left one in /tmp.
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"dashboard: {dashboard_seconds} s")
    for (label, _, _), (median, _) in zip(PAGES, pages, strict=True):
        print(f"{label}: {median:.3f} s")
    print(f"stats form: {form_median:.3f} s")
    return 0


def shown_counts(store: Store, world: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """Each login's overdue follow-ups and open risk flags, as its pages count them today (the
    server's today is the clock's, in Asia/Shanghai)."""
    today = local_today()

    def counts(db: Any) -> dict[str, tuple[int, int]]:
        out = {}
        for login, unit in (("bench-staff", world["county"]), ("bench-town-00", world["town"]),
                            ("bench-station", world["station"])):
            user = db.execute("SELECT id, role FROM users WHERE login = ?", [login]).fetchone()
            scope = load_scope(db, Actor(user[0], user[1], unit))
            out[login] = (count_overdue_follow_ups(db, scope, today), count_open_risk_flags(db, scope))
        return out

    return store.read_now(counts)


def over_http(path: pathlib.Path, workdir: pathlib.Path, shown: dict[str, tuple[int, int]]
              ) -> list[tuple[float, float]]:
    """Median and worst of ``HTTP_RUNS`` GETs of each of ``PAGES``, signed in, on ``banxing serve``."""
    today = local_today()
    server = Server(path, workdir)
    figures = []
    try:
        server.wait_ready(timeout=120)
        for label, login, page in PAGES:
            client = sign_in(server.port, login)
            times = []
            for _ in range(HTTP_RUNS):
                start = time.perf_counter()
                answer = client.get(page)
                times.append(time.perf_counter() - start)
                if answer.status_code != 200:
                    raise SystemExit(f"{label}: {page} answered {answer.status_code}")
            client.close()
            overdue, flags = shown[login]
            figures.append((statistics.median(times), max(times)))
            print(f"{label} ({login} GET {page}): median {figures[-1][0]:.3f} s, worst {figures[-1][1]:.3f} s"
                  f" (today {today}: overdue follow-ups {overdue:,}, open risk flags {flags:,};"
                  f" {len(answer.content):,} bytes)")
    finally:
        server.stop()
    return figures


if __name__ == "__main__":
    raise SystemExit(main())
