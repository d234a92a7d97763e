"""Test data that takes the one write path: every factory applies mutations via ``sync``."""
from __future__ import annotations

import atexit
import functools
import pathlib
import secrets
import shutil
import sqlite3
import tempfile
from types import SimpleNamespace
from typing import Any

import sqlite_utils

from server.schema import migrations as server_migrations
from sync import Actor, apply_mutations, connect, migrations, mutations, new_id, transaction
from sync.system import SYSTEM
from sync.users import create_user


def mutate(db: sqlite_utils.Database, actor: Actor, entity: str, fields: dict[str, Any],
           record_id: str | None = None, base_version: int | None = None) -> str:
    """Apply one upsert as ``actor`` and fail loudly unless it was applied."""
    rid = record_id or new_id()
    (outcome,) = apply_mutations(db, actor, [mutations.upsert(entity, fields, rid, base_version=base_version)])
    assert outcome.status == "applied", outcome.answer()
    return rid


LAST_TERM = "2026-08-20T02:00:00.000Z"  # before 1 September 2026 (Beijing time)
COUNTY_ADDED = "2024-08-20T02:00:00.000Z"  # the test county's units were added to the system then


def date_last_school_year(db: sqlite_utils.Database) -> None:
    """Date every file and change written so far in the school year before September 2026's: the test world
    is written at the machine's time, but the grades a promotion moves up were typed the year before (a
    grade typed since 1 September is that year's, and not promoted, whatever the real date is)."""
    db.execute("UPDATE sync_audit SET at = ?", [LAST_TERM])
    db.execute("UPDATE mentees SET created_at = ?", [LAST_TERM])


def make_unit(
    db: sqlite_utils.Database, name: str = "如东县", kind: str = "county", parent_id: str | None = None
) -> str:
    return mutate(db, SYSTEM, "unit", {"name": name, "kind": kind, "parent_id": parent_id})


def make_user(
    db: sqlite_utils.Database, role: str, unit_id: str, login: str | None = None, name: str = "测试",
    password_hash: str | None = None,
) -> Actor:
    with transaction(db):
        uid = create_user(db, login=login or f"{role}-{new_id()[-8:]}", name=name, role=role, unit_id=unit_id,
                          password_hash=password_hash, must_change_password=False)
    return Actor(uid, role, unit_id, None, name)


def make_device(db: sqlite_utils.Database, actor: Actor, name: str = "手机") -> Actor:
    device_id = new_id()
    with transaction(db):
        db.execute(
            "INSERT INTO sync_devices (id, user_id, name, created_at) VALUES (?, ?, ?, '2026-11-01T00:00:00Z')",
            [device_id, actor.user_id, name],
        )
    return Actor(actor.user_id, actor.role, actor.unit_id, device_id, actor.name)


def make_county_staff(db: sqlite_utils.Database, county_id: str) -> Actor:
    """A staff account at the county itself: it reads names and reaches every unit, so it moves a
    child between towns, the write the admin (which writes no child's file) no longer makes. Made
    inside a transaction already open too (a page test's ``site.write``)."""
    if not db.conn.in_transaction:
        return make_user(db, "staff", county_id, name="县直干事")
    uid = create_user(db, login=f"staff-{new_id()[-8:]}", name="县直干事", role="staff", unit_id=county_id,
                      password_hash=None, must_change_password=False)
    return Actor(uid, "staff", county_id, None, "县直干事")


# No digit, no hex letter, no B or X: a fixture child's random code never answers a search a test types
# for another child (six hex digits did: M-1a60c2 answered "60", about one run in fifty).
CODE_LETTERS = "GHJKLMNPQRSTUVWYZ"


def fixture_code() -> str:
    return "M-" + "".join(secrets.choice(CODE_LETTERS) for _ in range(6))


def make_mentee(db: sqlite_utils.Database, staff: Actor, unit_id: str, **overrides: Any) -> str:
    fields = {"unit_id": unit_id, "code": fixture_code(), "name": "小明", "categories": ["psych"]}
    return mutate(db, staff, "mentee", {**fields, **overrides})


def make_pairing(db: sqlite_utils.Database, staff: Actor, mentor: Actor, mentee_id: str, **overrides: Any) -> str:
    fields = {"mentor_id": mentor.user_id, "mentee_id": mentee_id, "start_date": "2026-09-01", "approach": "fuxin"}
    return mutate(db, staff, "pairing", {**fields, **overrides})


def make_activity(db: sqlite_utils.Database, actor: Actor, pairing_id: str, **overrides: Any) -> str:
    fields = {"pairing_id": pairing_id, "kind": "home_visit", "date": "2026-11-20", "record": "家访记录"}
    return mutate(db, actor, "activity", {**fields, **overrides})


def upsert(entity: str, record_id: str, fields: dict[str, Any], mutation_id: int,
           base_version: int | None = None) -> dict[str, Any]:
    """A wire-format upsert mutation, as a phone would send it."""
    return mutations.upsert(entity, fields, record_id, base_version=base_version, mutation_id=mutation_id)


# --- helpers for the unit tests of the sync engine ------------------------------------

def delete(entity: str, record_id: str, mutation_id: int, base_version: int | None = None) -> dict[str, Any]:
    """A wire-format delete mutation, as a phone would send it."""
    return {"mutation_id": mutation_id, "entity": entity, "record_id": record_id, "op": "delete",
            "base_version": base_version, "fields": None}


def push(db: sqlite_utils.Database, device: Actor, *mutations: dict[str, Any]) -> list[dict[str, Any]]:
    """Push ``mutations`` from ``device`` with ``sync.apply_batch``; return the per-mutation answers."""
    from sync import apply_batch

    return apply_batch(db, device, {"mutations": list(mutations)}).results


def revoke_device(db: sqlite_utils.Database, device: Actor, reason: str = "手机丢失") -> None:
    with transaction(db):
        db.execute("UPDATE sync_devices SET revoked_at = '2026-11-02T00:00:00Z', revoked_reason = ? WHERE id = ?",
                   [reason, device.device_id])


def table_counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Row count of every table, to prove that a call wrote nothing."""
    names = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").fetchall()]
    return {name: db.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0] for name in names}


def db_snapshot(db: sqlite_utils.Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table except the device bookkeeping (last_seen_at changes on each push)."""
    tables = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND name NOT IN ('sync_devices', '_migrations') ORDER BY name").fetchall()

    def order(name: str, sql: str) -> str:
        if "WITHOUT ROWID" not in sql.upper():
            return "rowid"
        key = sorted((r[5], r[1]) for r in db.execute(f"PRAGMA table_info([{name}])").fetchall() if r[5])
        return ", ".join(column for _, column in key)  # a table without rowids (activity_counts) by its key

    return {name: db.execute(f"SELECT * FROM [{name}] ORDER BY {order(name, sql)}").fetchall() for name, sql in tables}


def row(db: sqlite_utils.Database, entity: str, record_id: str) -> dict[str, Any] | None:
    """The current record as the write path sees it (wire values plus version, deleted, field_versions)."""
    from sync.entities import ENTITIES
    from sync.records import load_rows

    return load_rows(db, ENTITIES[entity], [record_id]).get(record_id)


def remove(db: sqlite_utils.Database, actor: Actor, entity: str, record_id: str) -> None:
    """Delete the record at its current version, as ``actor``; the delete must apply."""
    current = row(db, entity, record_id)
    assert current is not None
    (outcome,) = apply_mutations(db, actor, [mutations.delete(entity, record_id, base_version=current["version"])])
    assert outcome.status == "applied", outcome.answer()


def end_pairing(db: sqlite_utils.Database, staff: Actor, pairing_id: str, end_date: str = "2026-11-24",
                outcome: str = "stable") -> None:
    """End a pairing (结束结对) at its current version: a child is deleted only once hers have ended."""
    current = row(db, "pairing", pairing_id)
    assert current is not None
    mutate(db, staff, "pairing", {"status": "closed", "end_date": end_date, "outcome": outcome}, pairing_id,
           base_version=current["version"])


def edit(db: sqlite_utils.Database, actor: Actor, record_id: str, **fields: Any) -> None:
    """Change an activity's ``fields`` at its current version, as ``actor``; the change must apply."""
    current = row(db, "activity", record_id)
    assert current is not None
    mutate(db, actor, "activity", fields, record_id, base_version=current["version"])


def pull_all(db: sqlite_utils.Database, actor: Actor, cursor: str | None = None,
             limit: int = 1000) -> tuple[dict[tuple[str, str], dict[str, Any]], list[tuple[str, str]], str]:
    """Pull every page after ``cursor``: latest change per record, all drops, the final cursor."""
    import json

    from sync import pull_changes

    changes: dict[tuple[str, str], dict[str, Any]] = {}
    drops: list[tuple[str, str]] = []
    while True:
        page = pull_changes(db, actor, cursor, limit)
        for entity, record_id, version, deleted, data in page.changes:
            changes[(entity, record_id)] = {"version": version, "deleted": deleted, "fields": json.loads(data)}
        drops.extend(page.drop)
        cursor = page.cursor
        if not page.more:
            return changes, drops, cursor


def make_county(db: sqlite_utils.Database, password_hash: str | None = None) -> Any:
    """A small county: 县 → 2 towns → 2 stations each; staff per station and town, a reviewer,
    an admin, three mentors (two in station 1-1, one in station 2-1), each with a device,
    and records of every entity in station 1-1 belonging to mentor 1."""
    from types import SimpleNamespace

    w = SimpleNamespace()
    w.county = make_unit(db, "如东县", "county")
    w.town1 = make_unit(db, "掘港街道", "town", w.county)
    w.town2 = make_unit(db, "栟茶镇", "town", w.county)
    w.st11 = make_unit(db, "掘港小学辅导站", "station", w.town1)
    w.st12 = make_unit(db, "掘港中学", "school", w.town1)
    w.st21 = make_unit(db, "栟茶小学辅导站", "station", w.town2)
    w.st22 = make_unit(db, "栟茶中学", "school", w.town2)
    # A county on the system long before the periods the tests set days for: a unit owes no return for
    # a period that ended before it was added (server/deadlines.py), and these are written at the
    # machine's time.
    db.execute("UPDATE units SET created_at = ?", [COUNTY_ADDED])

    def person(role: str, unit: str, name: str) -> Actor:
        # As real accounts are: a volunteer has no password (sync.users refuses one), the phone enrols.
        given = None if role == "mentor" else password_hash
        return make_device(db, make_user(db, role, unit, name=name, password_hash=given))

    w.admin = person("admin", w.county, "管理员")
    w.reviewer = person("reviewer", w.county, "县关工委")
    w.staff_town1 = person("staff", w.town1, "街道干事")
    w.staff_town2 = person("staff", w.town2, "镇干事")
    w.staff_st11 = person("staff", w.st11, "站员一一")
    w.staff_st12 = person("staff", w.st12, "站员一二")
    w.staff_st21 = person("staff", w.st21, "站员二一")
    w.staff_st22 = person("staff", w.st22, "站员二二")
    w.mentor1 = person("mentor", w.st11, "王老师")
    w.mentor2 = person("mentor", w.st11, "李老师")
    w.mentor3 = person("mentor", w.st21, "张老师")

    w.mentee1 = make_mentee(db, w.staff_st11, w.st11, name="小明")
    w.mentee2 = make_mentee(db, w.staff_st11, w.st11, name="小红")
    w.mentee_unpaired = make_mentee(db, w.staff_st11, w.st11, name="小刚")
    w.mentee3 = make_mentee(db, w.staff_st21, w.st21, name="小芳")
    w.pairing1 = make_pairing(db, w.staff_st11, w.mentor1, w.mentee1)
    w.pairing2 = make_pairing(db, w.staff_st11, w.mentor2, w.mentee2)
    w.pairing3 = make_pairing(db, w.staff_st21, w.mentor3, w.mentee3)
    w.activity1 = make_activity(db, w.mentor1, w.pairing1)
    w.activity2 = make_activity(db, w.mentor2, w.pairing2)
    w.activity3 = make_activity(db, w.mentor3, w.pairing3)
    w.screening1 = mutate(db, w.staff_st11, "screening", {"mentee_id": w.mentee1, "date": "2026-10-08",
                                                         "psych_problem": True})
    w.screening2 = mutate(db, w.staff_st11, "screening", {"mentee_id": w.mentee2, "date": "2026-10-08"})
    w.event1 = mutate(db, w.staff_st11, "event", {"unit_id": w.st11, "kind": "lecture", "audience": "students",
                                                 "date": "2026-10-10", "participants": 120})
    w.enrolment1 = mutate(db, w.staff_st11, "enrolment", {"unit_id": w.st11, "year": 2026, "students": 800,
                                                         "parents": 760})
    w.stats_return1 = mutate(db, w.staff_st11, "stats_return", {"unit_id": w.st11, "period_from": "2026-09-01",
                                                               "period_to": "2026-12-31", "status": "submitted"})
    w.review1 = mutate(db, w.staff_st11, "review", {"target_entity": "activity", "target_id": w.activity1,
                                                   "decision": "return", "comment": "请补充过程记录"})
    w.referral1 = mutate(db, w.staff_st11, "referral", {"mentee_id": w.mentee1, "target": "medical",
                                                       "institution": "县人民医院心理门诊", "referred_on": "2026-11-02",
                                                       "reason": "情绪持续低落，建议专业评估"})
    w.inspection1 = mutate(db, w.reviewer, "inspection", {
        "unit_id": w.st11, "date": "2026-10-20", "inspectors": "县关工委 周主任", "passed": ["records", "lectures"],
        "failed": ["counselling_room"], "rectify": "咨询室需配备专人值守", "rectify_due": "2030-11-30"})
    return w


@functools.cache
def county_file(*, county_staff: bool = False) -> tuple[pathlib.Path, SimpleNamespace]:
    """``make_county`` on a migrated file, built once per process (and once more with a county-level
    staff account, ``w.county_staff``, for the random-writes machines); callers copy it."""
    folder = tempfile.mkdtemp(prefix="county-")
    atexit.register(shutil.rmtree, folder, True)
    path = pathlib.Path(folder) / "county.db"
    db = connect(path)
    try:
        migrations.apply(db)
        server_migrations.apply(db)  # the server's queries read its tables too (refusal_closings)
        w = make_county(db)
        if county_staff:
            w.county_staff = make_county_staff(db, w.county)  # reaches every unit, and reads names
    finally:
        db.close()
    assert not path.with_name(path.name + "-wal").exists(), "the copy must hold everything"
    return path, w


def copy_county(db: sqlite_utils.Database) -> Any:
    """``make_county`` on a freshly migrated ``db``, as a copy of one built once per process (building
    it took a fifth of a second a test); the names are a copy too, for a test to add to."""
    assert db.execute("SELECT count(*) FROM units").fetchone()[0] == 0, "a county goes into an empty database"
    path, w = county_file()
    source = sqlite3.connect(path)
    try:
        source.backup(db.conn)
    finally:
        source.close()
    return SimpleNamespace(**vars(w))
