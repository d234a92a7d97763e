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
           batch) and pull, for ``--soak-seconds``; then the database is checked.

The last line printed is always ``push/raw ratio: <number>``.
"""
from __future__ import annotations

import argparse
import cProfile
import datetime
import http.client
import io
import json
import math
import os
import pathlib
import pstats
import random
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.devices import issue_code  # noqa: E402
from server.schema import migrations as server_migrations  # noqa: E402
from sync import Actor, apply_batch, apply_mutations, connect, migrations, new_id, transaction  # noqa: E402
from sync.system import SYSTEM  # noqa: E402
from sync.timeutil import utc_now  # noqa: E402
from sync.users import create_user  # noqa: E402

HOST = "127.0.0.1"

# --- realistic Chinese text ---------------------------------------------------------

PREPARATION = (
    "提前一天给孩子奶奶打电话约好家访时间", "准备了两本课外读物和一套文具",
    "翻看上次的谈心记录，列出这次想了解的三个问题", "向班主任了解了孩子最近一周的在校表现",
    "和辅导站老师商量了这次谈话的重点", "带上了学校发的家庭教育宣传手册", "查看了孩子上次月考的成绩单",
    "准备聊一聊孩子喜欢的篮球比赛", "提醒自己这次多听少说，先让孩子把话讲完", "了解到孩子父母春节后一直在外地打工",
    "约好在村委会活动室见面，那里安静一些", "准备了一些适合初中生的励志小故事",
)
RECORD = (
    "孩子主动讲起了学校运动会的事情", "情绪比上次平稳，说话时能看着我的眼睛",
    "奶奶反映孩子晚上玩手机到很晚，早上起不来", "一起检查了数学作业，错题主要集中在分数计算",
    "孩子说班里有同学给他起外号，心里很难受", "谈到妈妈时沉默了很久，后来哭了一会儿",
    "和孩子约定每天玩手机不超过一个小时", "家里收拾得比上次干净，孩子说是自己打扫的",
    "孩子说最近睡不好，总是想家里的事情", "语文老师表扬了他的作文，孩子很高兴", "孩子愿意参加辅导站周末的书法兴趣班",
    "和监护人交流了孩子青春期的一些变化", "没有发现自伤自残的迹象，手臂上没有伤痕",
    "孩子提到想当一名医生，我鼓励他先把理科学好", "爷爷身体不好，孩子要帮忙做家务",
)
FOLLOW_UP = (
    "下周三前再打一次电话了解作业完成情况", "请班主任留意孩子课间和同学相处的情况", "联系辅导站为孩子申请助学金",
    "下次带一本数学辅导书过去", "和孩子父亲视频通话一次，谈谈陪伴的问题", "两周后再上门看看睡眠有没有改善",
    "把孩子被起外号的事情反映给学校德育处", "提醒奶奶按时督促孩子晚上十点前睡觉",
    "月底组织一次集体活动，邀请孩子参加",
)
PLACES = ("学生家中", "辅导站活动室", "学校心理咨询室", "村委会活动室", "社区图书室", "电话")
MOODS = ("开心", "平静", "紧张", "低落", "烦躁", "害羞")
OBSERVATIONS = ("作业按时完成", "与家人关系改善", "睡眠不足", "沉迷手机", "主动交流", "成绩进步", "不愿说话")
TAGS = ("theme", "station", "peer", "online", "parents", "lessons")
KINDS = ("home_visit", "talk", "remote", "group")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "明华强伟芳娜敏静丽军杰磊涛超洋勇艳霞平刚桂英秀兰玉红梅"


def text(rng: random.Random, pool: tuple[str, ...], lo: int = 50, hi: int = 200) -> str:
    """A sentence of ``lo``–``hi`` characters made of phrases from ``pool``."""
    target = rng.randint(lo, hi)
    parts: list[str] = []
    length = 0
    while length < target:
        phrase = rng.choice(pool)
        parts.append(phrase)
        length += len(phrase) + 1
    return ("，".join(parts))[: target - 1] + "。"


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def day(rng: random.Random, start: datetime.date = datetime.date(2026, 3, 1), days: int = 265) -> datetime.date:
    return start + datetime.timedelta(days=rng.randrange(days))


def activity_fields(rng: random.Random, pairing_id: str) -> dict[str, Any]:
    """The fields a phone sends when a mentor saves one visit."""
    when = day(rng)
    due = (when + datetime.timedelta(days=rng.randint(7, 30))).isoformat() if rng.random() < 0.7 else None
    return {
        "pairing_id": pairing_id,
        "kind": rng.choices(KINDS, weights=(5, 4, 2, 1))[0],
        "date": when.isoformat(),
        "duration_min": rng.randint(20, 120),
        "place": rng.choice(PLACES),
        "preparation": text(rng, PREPARATION),
        "record": text(rng, RECORD),
        "follow_up": text(rng, FOLLOW_UP),
        "follow_up_due": due,
        "moods": rng.sample(MOODS, rng.randint(1, 2)),
        "observations": rng.sample(OBSERVATIONS, rng.randint(0, 3)),
        "tags": rng.sample(TAGS, rng.randint(0, 2)),
        "risk_flag": rng.random() < 0.01,
    }


# --- setup ---------------------------------------------------------------------------


@dataclass
class World:
    db_path: pathlib.Path
    staff_login: str
    staff_id: str
    county_id: str
    unit_ids: list[str]
    mentor_logins: list[str]
    mentor_ids: list[str]
    mentee_ids: list[str]
    pairings: list[dict[str, str]]  # id, mentor_id, mentee_id, unit_id
    codes: dict[str, str]  # login -> one-time enrolment code
    setup_records: int  # records in the staff's scope before any push (units, mentees, pairings)


def build_world(db_path: pathlib.Path, *, pairings: int, mentors: int, seed: int = 7) -> World:
    """Units, users, mentees and pairings through the one write path, in one transaction."""
    rng = random.Random(seed)
    db = connect(db_path)
    migrations.apply(db)
    server_migrations.apply(db)
    county = new_id()
    units: list[dict[str, Any]] = [{"id": county, "name": "如东县", "kind": "county", "parent_id": None}]
    leaves: list[str] = []
    for town in ("掘港街道", "栟茶镇", "马塘镇"):
        town_id = new_id()
        units.append({"id": town_id, "name": town, "kind": "town", "parent_id": county})
        units = ((f"{town[:2]}校外教育辅导站", "station"), (f"{town[:2]}中学", "school"), (f"{town[:2]}小学", "school"))
        for name, kind in units:
            leaf = new_id()
            units.append({"id": leaf, "name": name, "kind": kind, "parent_id": town_id})
            leaves.append(leaf)
    staff_login = "bench-staff"
    mentor_logins = [f"bench-mentor-{i:03d}" for i in range(mentors)]
    with transaction(db):
        outcomes = apply_mutations(db, SYSTEM, [
            {"entity": "unit", "record_id": u["id"], "op": "upsert", "base_version": None,
             "fields": {k: v for k, v in u.items() if k != "id"}}
            for u in units
        ])
        staff_id = create_user(db, login=staff_login, name="县辅导站工作人员", role="staff", unit_id=county)
        mentor_ids = [
            create_user(db, login=login, name=person(rng), role="mentor", unit_id=leaves[i % len(leaves)])
            for i, login in enumerate(mentor_logins)
        ]
        staff = Actor(staff_id, "staff", county, None, "县辅导站工作人员")
        names = {u["id"]: u["name"] for u in units}
        mentee_rows = []
        for i in range(pairings):
            unit = leaves[i % len(leaves)]
            mentee_rows.append({
                "unit_id": unit, "code": f"RD-{i + 1:04d}", "name": person(rng), "school": names[unit],
                "grade": rng.choice(("三年级", "五年级", "初一", "初二", "初三")),
                "gender": rng.choice(("male", "female")), "birth_year": rng.randint(2010, 2017),
                "categories": rng.sample(("psych", "hardship", "left_behind"), rng.randint(1, 2)),
                "risk_level": rng.choice(("normal", "normal", "watch", "key")), "plan": text(rng, FOLLOW_UP, 30, 80),
                "guardian_name": person(rng), "guardian_contact": f"139{rng.randrange(10**8):08d}",
            })
        mentee_ids = [new_id() for _ in mentee_rows]
        outcomes += apply_mutations(db, staff, [
            {"entity": "mentee", "record_id": mid, "op": "upsert", "base_version": None, "fields": f}
            for mid, f in zip(mentee_ids, mentee_rows, strict=True)
        ])
        pairing_list = []
        for i, mentee_id in enumerate(mentee_ids):
            pairing_list.append({"id": new_id(), "mentor_id": mentor_ids[i % mentors], "mentee_id": mentee_id,
                                 "unit_id": mentee_rows[i]["unit_id"]})
        outcomes += apply_mutations(db, staff, [
            {"entity": "pairing", "record_id": p["id"], "op": "upsert", "base_version": None,
             "fields": {"mentor_id": p["mentor_id"], "mentee_id": p["mentee_id"], "start_date": "2026-03-01",
                        "approach": rng.choice(("fuxin", "zhuxue", "guanai")), "goals": text(rng, FOLLOW_UP, 20, 60)}}
            for p in pairing_list
        ])
        bad = [o.answer() for o in outcomes if o.status != "applied"]
        if bad:
            raise SystemExit(f"setup failed: {bad[:3]}")
        codes = {login: issue_code(db, login, hours=72)["code"] for login in [staff_login, *mentor_logins]}
    db.close()
    return World(db_path, staff_login, staff_id, county, [u["id"] for u in units], mentor_logins, mentor_ids,
                 mentee_ids, pairing_list, codes, len(units) + len(mentee_ids) + len(pairing_list))


def make_mutations(world: World, n: int, seed: int = 2026) -> list[dict[str, Any]]:
    """``n`` activity creates spread round-robin over the pairings (mutation_id 1..n)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        pairing = world.pairings[i % len(world.pairings)]
        out.append({"mutation_id": i + 1, "entity": "activity", "record_id": new_id(), "op": "upsert",
                    "base_version": None, "fields": activity_fields(rng, pairing["id"])})
    return out


# --- raw baseline --------------------------------------------------------------------


def raw_baseline(world: World, mutations: list[dict[str, Any]], path: pathlib.Path) -> float:
    """Rows/s of one ``executemany`` INSERT of the same activity rows, one transaction."""
    db = connect(path)  # same pragmas as the server: WAL, synchronous=NORMAL, foreign keys on
    migrations.apply(db)
    # Copy the rows the activities reference so the foreign keys hold (and are checked).
    src = sqlite3.connect(f"file:{world.db_path}?mode=ro", uri=True)
    with transaction(db):
        for table in ("units", "users", "mentees", "pairings"):
            cursor = src.execute(f"SELECT * FROM {table}")
            cols = [d[0] for d in cursor.description]
            db.conn.executemany(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", cursor.fetchall()
            )
    src.close()
    columns = [r[1] for r in db.conn.execute("PRAGMA table_info(activities)").fetchall()]
    by_id = {p["id"]: p for p in world.pairings}
    now = utc_now()
    rows = []
    for m in mutations:
        f = m["fields"]
        p = by_id[f["pairing_id"]]
        stored = {
            **f, "id": m["record_id"], "mentee_id": p["mentee_id"], "unit_id": p["unit_id"],
            "moods": json.dumps(f["moods"], ensure_ascii=False),
            "observations": json.dumps(f["observations"], ensure_ascii=False),
            "tags": json.dumps(f["tags"]), "risk_flag": int(f["risk_flag"]),
            "author_id": p["mentor_id"], "entered_by": world.staff_id, "review_status": "pending",
            "review_comment": None, "version": 1, "deleted": 0,
            "field_versions": "{}",  # as the engine stores a fresh record (no field changed since v1)
            "field_writers": json.dumps({"*": world.staff_id}),  # and its creator
            "created_at": now, "created_by": world.staff_id, "updated_at": now, "updated_by": world.staff_id,
        }
        rows.append([stored.get(c) for c in columns])
    sql = f"INSERT INTO activities ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    start = time.perf_counter()
    with transaction(db):
        db.conn.executemany(sql, rows)
    elapsed = time.perf_counter() - start
    count = db.conn.execute("SELECT count(*) FROM activities").fetchone()[0]
    db.close()
    assert count == len(rows), (count, len(rows))
    return len(rows) / elapsed


# --- the server and a keep-alive client ------------------------------------------------


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


# --- push and pull -------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))]


@dataclass
class PushFigures:
    rate: float
    seconds: float
    requests: int
    p50_ms: float
    p99_ms: float
    problems: list[str]


def push_all(port: int, token: str, mutations: list[dict[str, Any]], batch: int) -> PushFigures:
    """Push every mutation sequentially on one keep-alive connection; check every answer."""
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
    seconds = time.perf_counter() - start
    client.close()
    return PushFigures(len(mutations) / seconds, seconds, len(bodies), pct(latencies, 50) * 1000,
                       pct(latencies, 99) * 1000, problems)


def pull_all(client: Client, limit: int) -> tuple[list[dict[str, Any]], str, int, list[float]]:
    """Follow cursors until ``more`` is false; return (changes, cursor, requests, latencies).

    Latencies run from sending the request to having read the whole body (the
    client's JSON decoding is not in them; it is in the caller's wall time).
    """
    changes: list[dict[str, Any]] = []
    cursor: str | None = None
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


# --- the soak: many phones at once ----------------------------------------------------

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

    def run(self, start: threading.Barrier, deadline_box: list[float], think: float) -> None:
        rng = random.Random(self.seed)
        client = Client(self.port, self.token)
        last: tuple[bytes, Any] | None = None
        try:
            start.wait()
            deadline = deadline_box[0]
            while time.monotonic() < deadline:
                if last is not None and rng.random() < 0.1:
                    self._resend(client, last)
                    last = None
                else:
                    last = self._push(client, rng)
                self._pull(client, self.pull_lat)
                if think:
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
        body = json.dumps({"mutations": mutations}, ensure_ascii=False).encode()
        status, data, elapsed = client.request("POST", "/api/sync/push", body)
        self.push_lat.append(elapsed)
        if status != 200:
            self.http_errors[status] += 1
            self.problems.append(f"phone {self.index}: push HTTP {status} {data[:200]!r}")
            return None
        doc = json.loads(data)
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
        if json.loads(data) != first:
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
            page = json.loads(data)
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


def soak(port: int, phones: list[Phone], seconds: float, think: float) -> SoakFigures:
    barrier = threading.Barrier(len(phones) + 1)
    deadline_box = [0.0]
    threads = [threading.Thread(target=p.run, args=(barrier, deadline_box, think), daemon=True) for p in phones]
    for t in threads:
        t.start()
    deadline_box[0] = time.monotonic() + seconds
    begin = time.perf_counter()
    barrier.wait()
    for t in threads:
        t.join(timeout=max(1.0, deadline_box[0] + 180 - time.monotonic()))
    elapsed = time.perf_counter() - begin
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
    parser.add_argument("--quick", action="store_true", help="smoke run: n=2000, 10 s soak")
    parser.add_argument("--profile", action="store_true", help="only cProfile apply_batch in-process and exit")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (prints its path)")
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.soak_seconds = min(args.n, 2000), min(args.soak_seconds, 10.0)
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
        raw_before = raw_baseline(world, mutations, workdir / "raw1.db")
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
        push = push_all(server.port, staff_device["token"], mutations, args.batch)
        push_cpu = server.cpu_seconds() - cpu0
        push_runq = server.sched()[1] - sched0[1]
        load_push = os.getloadavg()
        log(f"push: {push.rate:,.0f} mutations/s ({push.seconds:.1f} s, {push.requests} requests, "
            f"p50 {push.p50_ms:.0f} ms, p99 {push.p99_ms:.0f} ms per batch; server CPU {push_cpu:.1f} s, "
            f"waited {push_runq:.1f} s for a CPU)")

        # The raw insert again, right after the push, so a change of machine load between
        # the two phases shows up instead of skewing the ratio; the ratio uses the mean.
        raw_after = raw_baseline(world, mutations, workdir / "raw2.db")
        raw_rate = (raw_before + raw_after) / 2
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

        server.stop()
        stderr_text = server.stderr()
        locked = sum(1 for line in stderr_text.splitlines() if "locked" in line.lower())
        tracebacks = stderr_text.count("Traceback")
        check = verify_database(world.db_path, mutations, phones)
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            print(f"[bench] kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    ratio = push.rate / raw_rate
    soak_requests = s.push_requests + s.pull_requests + s.resend_requests
    total_requests = 1 + len(mentor_devices) + push.requests + pull_requests + soak_requests
    checks = {
        "big push: every answer applied": not push.problems,
        "pull count = pushed + setup, values intact": pull_ok,
        "soak: 0 lost": check["lost"] == 0 and check["wrong_value"] == 0 and check["replica_gaps"] == 0,
        "soak: 0 doubled": check["doubled"] == 0 and check["audit_mismatch"] == 0 and s.resend_mismatches == 0,
        "soak: 0 database is locked / 5xx": locked == 0 and s.http_5xx == 0 and tracebacks == 0,
        "soak: every answer applied, every phone finished": not s.problems and s.http_other == 0,
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
    print(f"push mutations/s: {push.rate:,.0f}  ({push.requests} requests of {args.batch}, "
          f"p50 {push.p50_ms:.0f} ms, p99 {push.p99_ms:.0f} ms per batch; staff device, sequential, keep-alive)")
    print(f"pull records/s: {pull_rate:,.0f}  ({len(pulled_ids)} records, {pull_requests} pages of 1000, "
          f"expected {want_pull}; client JSON decoding included; server+transfer only: {pull_server_rate:,.0f})")
    print(f"soak: {len(phones)} phones, {s.seconds:.1f} s, {soak_requests} requests "
          f"({s.push_requests} push, {s.resend_requests} resend, {s.pull_requests} pull; "
          f"{(s.push_requests + s.pull_requests + s.resend_requests) / s.seconds:,.0f} req/s)")
    print(f"CPU: big push: server {push_cpu:.1f} s busy in {push.seconds:.1f} s, {push_runq:.1f} s runnable but "
          f"waiting for a core; soak: server {soak_server_cpu:.1f} s busy, {soak_runq:.1f} s waiting for a core, "
          f"client ({len(phones)} phone threads) {soak_client_cpu:.1f} s, of {(os.cpu_count() or 1) * s.seconds:.0f} "
          f"core-seconds")
    print(f"soak mutations: {s.creates} creates, {s.edits} edits, statuses {dict(s.statuses)}, "
          f"reconnects {s.reconnects}")
    print(f"soak push latency: p50 {s.push_p50:.1f} ms, p99 {s.push_p99:.1f} ms")
    print(f"soak pull latency: p50 {s.pull_p50:.1f} ms, p99 {s.pull_p99:.1f} ms")
    print(f"soak checks: lost {check['lost']}, wrong value {check['wrong_value']}, "
          f"replica gaps {check['replica_gaps']}, doubled {check['doubled']}, "
          f"audit mismatches {check['audit_mismatch']}, resend mismatches {s.resend_mismatches}, "
          f"'locked' in server log {locked}, 5xx {s.http_5xx}, other HTTP errors {s.http_other}, "
          f"tracebacks {tracebacks}")
    print(f"activities in database: {check['activities']} (expected {check['expected']})")
    print(f"total requests: {total_requests} (enrol {1 + len(mentor_devices)}, big push {push.requests}, "
          f"big pull {pull_requests}, soak {s.push_requests + s.pull_requests + s.resend_requests})")
    for name, ok in checks.items():
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")
    for problem in (push.problems + s.problems)[:20]:
        print(f"  problem: {problem}")
    passed = all(checks.values())
    print(f"targets (reported, not asserted): push/raw {'>=' if ratio >= 0.2 else '<'} 0.2; "
          f"pull {'>=' if pull_rate >= 50_000 else '<'} 50,000 records/s")
    print(f"RESULT: {'PASS' if passed else 'FAIL'}")
    print(f"push/raw ratio: {ratio:.3f}", flush=True)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
