"""The bench county: Chinese texts, units, users, mentees, pairings and activity mutations.

``build_world`` writes the county through the one write path (``sync.apply_mutations``);
``make_mutations`` makes the activity creates a phone would push; ``raw_baseline`` inserts the
same rows with one ``executemany`` (the yardstick); ``preload`` fills a database with older
activities fast, for the "10^6 already stored" phases.
"""
from __future__ import annotations

import datetime
import json
import pathlib
import random
import sqlite3
import sys
import time
import uuid
from dataclasses import dataclass
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.devices import issue_code  # noqa: E402
from server.schema import migrations as server_migrations  # noqa: E402
from sync import Actor, apply_mutations, connect, migrations, new_id, transaction  # noqa: E402
from sync.system import SYSTEM  # noqa: E402
from sync.timeutil import utc_now  # noqa: E402
from sync.users import create_user  # noqa: E402

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
        leaf_units = ((f"{town[:2]}校外教育辅导站", "station"), (f"{town[:2]}中学", "school"),
                      (f"{town[:2]}小学", "school"))
        for name, kind in leaf_units:
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


def record_id(kind: str) -> str:
    """A new record id: ``v7`` (time-ordered, what the phone app makes) or ``v4`` (random)."""
    return new_id() if kind == "v7" else str(uuid.uuid4())


def make_mutations(world: World, n: int, seed: int = 2026, ids: str = "v7") -> list[dict[str, Any]]:
    """``n`` activity creates spread round-robin over the pairings (mutation_id 1..n)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        pairing = world.pairings[i % len(world.pairings)]
        out.append({"mutation_id": i + 1, "entity": "activity", "record_id": record_id(ids), "op": "upsert",
                    "base_version": None, "fields": activity_fields(rng, pairing["id"])})
    return out


# --- raw baseline --------------------------------------------------------------------


def raw_baseline(world: World, mutations: list[dict[str, Any]], path: pathlib.Path) -> tuple[float, float]:
    """Rows per second and rows per CPU-second of one ``executemany`` INSERT of the same rows, one transaction.

    The CPU figure does not move when other work on the machine takes cores away.
    """
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
    start, cpu_start = time.perf_counter(), time.process_time()
    with transaction(db):
        db.conn.executemany(sql, rows)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    count = db.conn.execute("SELECT count(*) FROM activities").fetchone()[0]
    db.close()
    assert count == len(rows), (count, len(rows))
    return len(rows) / elapsed, len(rows) / cpu

