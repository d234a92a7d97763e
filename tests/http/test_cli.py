"""The real ``banxing`` console script, run as a subprocess against SQLite files in tmp dirs.

One demo county is loaded once per module (``demo``); tests that change a database
work on their own copy of it.
"""
from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import pathlib
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlite_utils
from starlette.testclient import TestClient

from server import create_app
from server.auth import verify_password
from server.config import Settings
from server.demo import DEMO_PASSWORD
from server.queries.dashboard import scope_units
from server.queries.likely_visits import twins_of
from server.queries.mentees import count_waiting
from server.queries.quiet import count_quiet_pairings, quiet_pairings
from sync import load_scope
from sync.entities import ENTITIES
from sync.labels import ACTIVITY_KINDS, CATEGORIES, RISK_LEVELS, SIX_LINKS
from sync.records import RESTORE_MARKER_USER
from sync.timeutil import local_today
from sync.users import actor_for

BANXING = pathlib.Path(sys.executable).parent / "banxing"
DOMAIN_TABLES = [e.table for e in ENTITIES.values()]


def banxing(*args: str | pathlib.Path) -> subprocess.CompletedProcess[str]:
    """Run the console script with no BANXING_* settings leaking in from the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANXING_")}
    return subprocess.run(
        [str(BANXING), *map(str, args)], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@contextlib.contextmanager
def opened(path: pathlib.Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(str(path))
    try:
        yield conn
    finally:
        conn.close()


def rows(path: pathlib.Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with opened(path) as conn:
        return conn.execute(sql, params).fetchall()


def scalar(path: pathlib.Path, sql: str, *params: Any) -> Any:
    return rows(path, sql, *params)[0][0]


def row_counts(path: pathlib.Path) -> dict[str, int]:
    with opened(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()]
        return {n: conn.execute(f"SELECT count(*) FROM [{n}]").fetchone()[0] for n in names}


def copy_db(source: pathlib.Path, target: pathlib.Path) -> pathlib.Path:
    with opened(source) as src, opened(target) as dst:
        src.backup(dst)
    return target


def sha256(path: pathlib.Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Demo:
    path: pathlib.Path
    stdout: str
    stderr: str
    seconds: float
    users: list[dict[str, Any]]

    def copy(self, tmp_path: pathlib.Path, name: str = "copy.db") -> pathlib.Path:
        return copy_db(self.path, tmp_path / name)

    def login(self, role: str) -> str:
        return next(u["login"] for u in self.users if u["role"] == role)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    started = time.perf_counter()
    result = banxing("demo", "--json", "--db", path)
    seconds = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    return Demo(path, result.stdout, result.stderr, seconds, json.loads(result.stdout)["users"])


# --- banxing demo ----------------------------------------------------------------------


def test_demo_json_prints_exactly_one_document_with_every_role(demo: Demo) -> None:
    document = json.loads(demo.stdout)  # the whole of stdout: one JSON document, nothing else
    assert list(document) == ["users"]
    users = document["users"]
    for user in users:
        assert set(user) == {"login", "role", "name", "password", "unit"}, user
        assert re.fullmatch(r"[a-z][a-z0-9.\-]{1,30}", user["login"]), user["login"]
        # A volunteer never signs in on the web: no password to print (their phone enrols with a code).
        assert user["password"] == (None if user["role"] == "mentor" else DEMO_PASSWORD), user
        assert user["name"] and user["unit"]
    roles = [u["role"] for u in users]
    assert roles.count("mentor") >= 8
    assert roles.count("staff") >= 1 and roles.count("reviewer") >= 1 and roles.count("admin") >= 1
    assert len({u["login"] for u in users}) == len(users)
    assert demo.stderr.strip(), "progress belongs on stderr"


def test_demo_logins_match_the_accounts_in_use_and_units_in_the_database(demo: Demo) -> None:
    # A stopped account (卢兆祥, server/demo/waiting.py) signs in nowhere: not a login to print.
    stored = {
        login: (role, name, unit)
        for login, role, name, unit in rows(
            demo.path, "SELECT u.login, u.role, u.name, n.name FROM users u JOIN units n ON n.id = u.unit_id"
                       " WHERE u.active = 1"
        )
    }
    assert {u["login"]: (u["role"], u["name"], u["unit"]) for u in demo.users} == stored


def test_demo_passwords_verify_against_the_stored_argon2_hashes(demo: Demo) -> None:
    hashes = dict(rows(demo.path, "SELECT login, password_hash FROM users"))
    volunteers = {login for (login,) in rows(demo.path, "SELECT login FROM users WHERE role = 'mentor'")}
    assert {u["login"] for u in demo.users if u["role"] == "mentor"} <= volunteers
    assert volunteers and all(hashes[login] is None for login in volunteers)  # their phones enrol with a code
    assert all(h and h.startswith("$argon2") for login, h in hashes.items() if login not in volunteers)
    checked: dict[tuple[str, str], bool] = {}  # argon2 is slow: verify each distinct (hash, password) once
    for user in demo.users:
        if user["login"] in volunteers:
            continue
        key = (hashes[user["login"]], user["password"])
        if key not in checked:
            checked[key] = verify_password(*key)
        assert checked[key], user["login"]
    assert not verify_password(hashes[demo.login("admin")], "wrong-password")


def test_demo_loads_in_under_ten_seconds(demo: Demo) -> None:
    assert demo.seconds < 10, f"banxing demo took {demo.seconds:.1f}s"


def test_demo_county_has_one_county_three_towns_and_two_stations_or_schools_per_town(demo: Demo) -> None:
    units = {uid: (parent, kind) for uid, parent, kind in rows(demo.path, "SELECT id, parent_id, kind FROM units")}
    counties = [u for u, (parent, kind) in units.items() if kind == "county"]
    towns = [u for u, (parent, kind) in units.items() if kind == "town"]
    assert len(counties) == 1 and units[counties[0]][0] is None
    assert len(towns) == 3 and all(units[t][0] == counties[0] for t in towns)
    for town in towns:
        below = sorted(kind for parent, kind in units.values() if parent == town)
        assert below == ["school", "station"]
    assert scalar(demo.path, "SELECT count(*) FROM units WHERE kind IN ('station', 'school')") == 6


def test_demo_staff_and_mentors_sit_where_they_work(demo: Demo) -> None:
    kinds = dict(rows(demo.path, "SELECT u.role || ':' || n.kind, count(*)"
                                 " FROM users u JOIN units n ON n.id = u.unit_id"
                                 " GROUP BY 1"))
    assert kinds.get("staff:station", 0) == 3 and kinds.get("staff:school", 0) == 3 and kinds.get("staff:town", 0) == 3
    assert kinds.get("reviewer:county") == 1 and kinds.get("admin:county") == 1
    assert kinds.get("mentor:station", 0) + kinds.get("mentor:school", 0) >= 8
    idle = rows(demo.path, "SELECT login FROM users WHERE role = 'mentor' AND id NOT IN"
                           " (SELECT mentor_id FROM pairings WHERE status = 'active')")
    assert idle == [], "every volunteer has at least one active pairing"


def test_demo_mentees_cover_every_category_and_risk_level_under_pseudonymous_codes(demo: Demo) -> None:
    mentees = rows(demo.path, "SELECT code, categories, risk_level, plan, guardian_name, guardian_contact, unit_id"
                              " FROM mentees")
    assert len(mentees) >= 30
    codes = [m[0] for m in mentees]
    assert len(set(codes)) == len(codes) and all(re.fullmatch(r"BX-\d{4}-\d{4}", c) for c in codes)
    assert set().union(*(json.loads(m[1]) for m in mentees)) == set(CATEGORIES)
    assert {m[2] for m in mentees} == set(RISK_LEVELS)
    assert all(m[3] and len(m[3]) > 40 for m in mentees), "every child has an individual plan (一人一策)"
    assert all(m[4] and re.fullmatch(r"1\d{10}", m[5]) for m in mentees)
    assert len({m[6] for m in mentees}) == 6, "children at every station and school"


def test_demo_pairings_are_mostly_active_and_a_few_closed_with_outcomes(demo: Demo) -> None:
    pairings = rows(demo.path, "SELECT status, outcome, end_date, start_date FROM pairings")
    active = [p for p in pairings if p[0] == "active"]
    closed = [p for p in pairings if p[0] == "closed"]
    assert len(active) > 3 * len(closed) and len(closed) >= 3
    assert {p[1] for p in closed} == {"improved", "stable", "referred"}
    assert all(p[2] and p[3] < p[2] for p in closed)
    assert all(p[1] is None and p[2] is None for p in active)


def test_demo_activities_span_six_months_up_to_today_with_all_three_parts(demo: Demo) -> None:
    today = local_today()
    first, last, count = rows(demo.path, "SELECT min(date), max(date), count(*) FROM activities")[0]
    assert count >= 150
    assert first <= (today - datetime.timedelta(days=150)).isoformat()
    assert (today - datetime.timedelta(days=7)).isoformat() <= last <= today.isoformat()
    kinds = dict(rows(demo.path, "SELECT kind, count(*) FROM activities GROUP BY kind"))
    assert set(kinds) == set(ACTIVITY_KINDS)
    missing = scalar(demo.path, "SELECT count(*) FROM activities WHERE coalesce(record, '') = ''"
                                " OR coalesce(follow_up, '') = ''")
    assert missing == 0
    assert scalar(demo.path, "SELECT count(*) FROM activities WHERE coalesce(preparation, '') = ''") < count / 20
    records = [r[0] for r in rows(demo.path, "SELECT record FROM activities")]
    assert len(set(records)) > count / 3, "records vary"
    assert not any("lorem" in r.lower() for r in records)


def test_demo_activities_carry_chips_six_links_tags_risk_flags_and_proxy_entries(demo: Demo) -> None:
    tags: set[str] = set()
    for moods, observations, tag_list in rows(demo.path, "SELECT moods, observations, tags FROM activities"):
        assert json.loads(moods) and json.loads(observations)
        tags.update(json.loads(tag_list))
    assert tags <= set(SIX_LINKS) and len(tags) >= 4
    flagged = rows(demo.path, "SELECT a.record, m.risk_level FROM activities a JOIN mentees m ON m.id = a.mentee_id"
                              " WHERE a.risk_flag = 1")
    assert 1 <= len(flagged) <= 5 and all(level == "key" for _, level in flagged)
    proxy = rows(demo.path, "SELECT a.author_id, a.entered_by, author.role, clerk.role FROM activities a"
                            " JOIN users author ON author.id = a.author_id JOIN users clerk ON clerk.id = a.entered_by")
    assert len(proxy) >= 5, "some records entered by staff on a volunteer's behalf (代录)"
    assert all(r[2] == "mentor" and r[3] == "staff" for r in proxy)


def test_demo_follow_ups_include_overdue_ones_and_ones_due_within_a_week(demo: Demo) -> None:
    today = local_today()
    latest = [r[0] for r in rows(demo.path, """
        SELECT a.follow_up_due FROM activities a JOIN pairings p ON p.id = a.pairing_id
        WHERE p.status = 'active' AND a.date = (SELECT max(date) FROM activities b WHERE b.pairing_id = a.pairing_id)
    """)]
    overdue = [d for d in latest if d and d < today.isoformat()]
    soon = [d for d in latest if d and today.isoformat() <= d <= (today + datetime.timedelta(days=7)).isoformat()]
    assert len(overdue) >= 3 and len(soon) >= 3


def test_demo_has_a_pairing_gone_quiet_in_a_station_and_a_school_of_two_towns(demo: Demo) -> None:
    today = local_today()
    db = sqlite_utils.Database(demo.path)
    units = {}
    for login in ("county", *(u["login"] for u in demo.users if u["role"] == "staff")):
        (user,) = db.query("SELECT id, role, unit_id, name FROM users WHERE login = ?", [login])
        units[login] = scope_units(db, load_scope(db, actor_for(user)))
    quiet = quiet_pairings(db, units["county"], today)
    # The county's card counts what its list shows: one station's and one school's, each last visited
    # 40 to 60 days ago, not a key child's.
    assert count_quiet_pairings(db, units["county"], today) == {"count": len(quiet), "days": 30}
    assert len(quiet) == 2 and all(40 <= r["days"] <= 60 and r["last_date"] for r in quiet), quiet
    kinds = rows(demo.path, f"SELECT kind, parent_id FROM units WHERE id IN ({', '.join('?' * len(quiet))})",
                 *(r["unit_id"] for r in quiet))
    assert sorted(k for k, _ in kinds) == ["school", "station"] and len({t for _, t in kinds}) == 2
    levels = rows(demo.path, "SELECT m.risk_level FROM pairings p JOIN mentees m ON m.id = p.mentee_id"
                             f" WHERE p.id IN ({', '.join('?' * len(quiet))})", *(r["pairing_id"] for r in quiet))
    assert "key" not in {level for (level,) in levels}
    # Each unit's and each town's staff see their own on the station home's tile.
    seen = {login: count_quiet_pairings(db, u, today)["count"] for login, u in units.items() if login != "county"}
    assert sum(seen.values()) == 2 * 2 and sorted(set(seen.values())) == [0, 1]


def test_demo_station_has_a_child_never_paired_and_one_whose_volunteer_was_stopped(demo: Demo) -> None:
    """The station home's tile (count_waiting) is not 0 in the demo: at 栟茶镇校外教育辅导站, one
    child never paired and one whose volunteer's account was stopped with the pairing left running."""
    db = sqlite_utils.Database(demo.path)
    waiting = {}
    for login in ("county", *(u["login"] for u in demo.users if u["role"] == "staff")):
        (user,) = db.query("SELECT id, role, unit_id, name FROM users WHERE login = ?", [login])
        waiting[login] = count_waiting(db, load_scope(db, actor_for(user)))
    assert waiting["county"] == waiting["staff-bencha"] == waiting["zhan-bencha"] == {"all": 2, "stopped": 1}
    assert all(w == {"all": 0, "stopped": 0} for login, w in waiting.items()
               if login not in ("county", "staff-bencha", "zhan-bencha")), waiting
    stopped = rows(demo.path, "SELECT m.name, u.name, u.active, u.role, n.name FROM pairings p"
                              " JOIN mentees m ON m.id = p.mentee_id JOIN users u ON u.id = p.mentor_id"
                              " JOIN units n ON n.id = m.unit_id WHERE p.status = 'active' AND u.active = 0")
    assert stopped == [("葛明宇", "卢兆祥", 0, "mentor", "栟茶镇校外教育辅导站")]
    never = rows(demo.path, "SELECT m.name, n.name FROM mentees m JOIN units n ON n.id = m.unit_id"
                            " WHERE m.id NOT IN (SELECT mentee_id FROM pairings)")
    assert never == [("邵雨晴", "栟茶镇校外教育辅导站")]


def test_demo_station_queue_holds_one_visit_typed_in_and_sent_again_from_the_phone_marked_likely_twin(
        demo: Demo) -> None:
    """The review queue's ⚠ 可能重复 has a case in the demo (server/demo/twins.py): at 栟茶镇校外教育辅导站
    the station typed in (代录) a volunteer's home visit from her call, and her phone sent its own record
    of it later; both wait for review, each the other's only likely twin, and no other visit of the
    demo is marked."""
    db = sqlite_utils.Database(demo.path)
    live = [r[0] for r in db.execute("SELECT id FROM activities WHERE deleted = 0")]
    twins = twins_of(db, live)
    assert len(twins) == 2, twins
    visits = {r["id"]: r for r in db.query(
        f"SELECT a.*, clerk.login AS clerk, author.login AS author, n.name AS unit FROM activities a"
        f" JOIN users author ON author.id = a.author_id LEFT JOIN users clerk ON clerk.id = a.entered_by"
        f" JOIN units n ON n.id = a.unit_id WHERE a.id IN ({', '.join('?' * len(twins))})", list(twins))}
    (typed,), (phone,) = ([v for v in visits.values() if bool(v["clerk"]) is clerk] for clerk in (True, False))
    assert [t["id"] for t in twins[typed["id"]]] == [phone["id"]]
    assert [t["id"] for t in twins[phone["id"]]] == [typed["id"]]
    assert typed["clerk"] == "zhan-bencha" and typed["created_at"] <= phone["created_at"], "typed in, then sent"
    assert typed["author"] == phone["author"] == "yang.mofan" and typed["unit"] == "栟茶镇校外教育辅导站"
    assert {(v["pairing_id"], v["date"], v["kind"], v["review_status"]) for v in (typed, phone)} == {
        (phone["pairing_id"], phone["date"], phone["kind"], "pending")}
    told, said = typed["record"].split("（")[0], "（杨桂芳电话口述，辅导站代录）"
    assert typed["record"] == told + said and phone["record"].startswith(told), "the clerk's words are hers, shorter"


def test_demo_reviews_approve_and_return_activities_with_comments(demo: Demo) -> None:
    states = dict(rows(demo.path, "SELECT review_status, count(*) FROM activities GROUP BY 1"))
    assert states.get("approved", 0) > states.get("returned", 0) > 0 and states.get("pending", 0) > 0
    reviews = rows(demo.path, "SELECT r.target_entity, r.decision, r.comment, u.role FROM reviews r"
                              " JOIN users u ON u.id = r.reviewer_id")
    assert {(t, d) for t, d, _, _ in reviews} >= {("activity", "approve"), ("activity", "return"),
                                                  ("pairing", "approve"), ("stats_return", "approve")}
    assert all(c for t, d, c, _ in reviews if d == "return")
    assert {role for t, _, _, role in reviews if t == "activity"} == {"staff"}
    assert {role for t, _, _, role in reviews if t == "stats_return"} == {"reviewer"}
    returned = rows(demo.path, "SELECT review_comment FROM activities WHERE review_status = 'returned'")
    assert all(comment for (comment,) in returned)


def test_demo_screenings_events_and_enrolments_feed_the_statistics_form(demo: Demo) -> None:
    screened = dict(rows(demo.path, "SELECT psych_problem || intervention_success, count(*)"
                                    " FROM screenings GROUP BY 1"))
    assert screened.get("10", 0) > 0 and screened.get("11", 0) > 0 and screened.get("00", 0) > 0
    assert scalar(demo.path, "SELECT count(DISTINCT mentee_id) FROM screenings") == scalar(
        demo.path, "SELECT count(*) FROM mentees")
    events = rows(demo.path, "SELECT kind, audience, lecture_no, participants, copies, online, unit_id FROM events")
    assert any(e[0] == "lecture" and e[1] == "students" and e[2] == 4 for e in events)
    assert any(e[0] == "lecture" and e[1] == "parents" and e[2] == 5 for e in events)
    assert {e[0] for e in events} == {"lecture", "themed", "class_meeting", "parent_meeting", "brochure",
                                      "teacher_training", "micro_lesson"}
    assert all(e[4] > 0 for e in events if e[0] == "brochure")
    assert all(e[3] > 0 for e in events if e[0] != "brochure")
    assert any(e[5] for e in events), "some events were held online"
    # The notices' registers: 补课 of 第1–3讲, micro-lessons forwarded to parents, trainings with a plan.
    assert {r[0] for r in rows(demo.path, "SELECT lecture_no FROM events WHERE make_up = 1")} == {1, 2, 3}
    assert scalar(demo.path, "SELECT min(forwarded) FROM events WHERE kind = 'micro_lesson'") > 0
    assert scalar(demo.path, "SELECT count(*) FROM events WHERE kind = 'teacher_training' AND plan != ''") > 0
    schools = {r[0] for r in rows(demo.path, "SELECT id FROM units WHERE kind IN ('station', 'school')")}
    assert {e[6] for e in events} == schools
    year = local_today().year
    enrolled = rows(demo.path, "SELECT unit_id, students, parents FROM enrolments WHERE year = ?", year)
    assert {e[0] for e in enrolled} == schools and all(s > 0 and p > 0 for _, s, p in enrolled)
    returns = dict(rows(demo.path, "SELECT status, count(*) FROM stats_returns GROUP BY 1"))
    assert returns.get("approved", 0) >= 1


def test_demo_refers_the_children_of_referred_pairings_and_of_risk_flags(demo: Demo) -> None:
    referred = {m for (m,) in rows(demo.path, "SELECT mentee_id FROM pairings WHERE outcome = 'referred'")}
    flagged = {m for (m,) in rows(demo.path, "SELECT DISTINCT mentee_id FROM activities WHERE risk_flag = 1")}
    found = rows(demo.path, "SELECT mentee_id, target, status, referred_on, received_on FROM referrals")
    assert referred and flagged
    assert {m for m, target, *_ in found if target == "medical"} == referred
    assert {m for m, *_ in found} == referred | flagged
    statuses = {status for _, _, status, _, _ in found}
    assert "referred" in statuses and statuses - {"referred"}, "some referrals are still open, some received"
    assert all(received is None or received >= referred_on for *_, referred_on, received in found)


def test_every_demo_record_went_through_the_one_write_path(demo: Demo) -> None:
    with opened(demo.path) as conn:
        feed = {rid: version for rid, version in conn.execute("SELECT record_id, version FROM sync_feed")}
        created = {rid for (rid,) in conn.execute(
            "SELECT record_id FROM sync_audit WHERE op = 'create' AND status = 'applied'")}
        for table in DOMAIN_TABLES:
            for rid, version in conn.execute(f"SELECT id, version FROM {table}").fetchall():
                assert feed.get(rid) == version, (table, rid)
                assert rid in created, (table, rid)
        # every write applied, but the two deliberate conflicts (a phone edit arriving after a web correction)
        statuses = dict(conn.execute("SELECT status, count(*) FROM sync_audit GROUP BY 1").fetchall())
        assert set(statuses) == {"applied", "conflict"} and statuses["conflict"] == 2
        conflicts = conn.execute("SELECT entity, field, status, other_value FROM sync_conflicts").fetchall()
        assert [(e, f, s) for e, f, s, _ in conflicts] == [("activity", "follow_up", "open")] * 2
        assert all(other for *_, other in conflicts)
        writers = dict(conn.execute(
            "SELECT a.entity, group_concat(DISTINCT coalesce(u.role, 'system')) FROM sync_audit a"
            " LEFT JOIN users u ON u.id = a.user_id WHERE a.op = 'create' GROUP BY a.entity"
        ).fetchall())
    assert writers["unit"] == "system"
    assert writers["mentee"] == writers["pairing"] == writers["event"] == "staff"
    assert set(writers["activity"].split(",")) == {"mentor", "staff"}


def test_demo_again_without_if_empty_refuses_with_exit_2_and_changes_nothing(
    demo: Demo, tmp_path: pathlib.Path
) -> None:
    db = demo.copy(tmp_path)
    before = row_counts(db)
    result = banxing("demo", "--json", "--db", db)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "--if-empty" in result.stderr
    assert english_sentences(result.stderr, db) == [], "in Chinese, as every command speaks"
    assert row_counts(db) == before


def test_demo_if_empty_keeps_the_data_and_prints_the_same_logins(demo: Demo, tmp_path: pathlib.Path) -> None:
    db = demo.copy(tmp_path)
    before = row_counts(db)
    result = banxing("demo", "--json", "--if-empty", "--db", db)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"users": demo.users}
    assert row_counts(db) == before


def test_demo_without_json_prints_a_table_of_logins_and_the_password(demo: Demo, tmp_path: pathlib.Path) -> None:
    result = banxing("demo", "--if-empty", "--db", demo.copy(tmp_path))
    assert result.returncode == 0, result.stderr
    assert DEMO_PASSWORD in result.stdout
    assert all(u["login"] in result.stdout and u["name"] in result.stdout for u in demo.users)
    for line in result.stdout.splitlines():
        if " mentor " in line:
            assert DEMO_PASSWORD not in line and "登记码" in line, line


def test_demo_is_the_same_on_every_run(demo: Demo, tmp_path: pathlib.Path) -> None:
    again = tmp_path / "again.db"
    result = banxing("demo", "--json", "--db", again)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["users"] == demo.users
    queries = (
        "SELECT name, kind, phone, address FROM units",
        "SELECT code, name, school, grade, categories, risk_level, plan, guardian_name, guardian_contact, notes, status"
        " FROM mentees",
        "SELECT m.code, p.start_date, p.end_date, p.status, p.outcome, p.goals FROM pairings p"
        " JOIN mentees m ON m.id = p.mentee_id",
        "SELECT m.code, a.date, a.kind, a.preparation, a.record, a.follow_up, a.follow_up_due, a.moods, a.tags,"
        " a.risk_flag, a.review_status FROM activities a JOIN mentees m ON m.id = a.mentee_id",
        "SELECT date, psych_problem, intervention_success, needs FROM screenings",
        "SELECT kind, title, date, participants, copies FROM events",
    )
    for sql in queries:
        assert sorted(rows(again, sql), key=repr) == sorted(rows(demo.path, sql), key=repr), sql


# --- banxing enrol-code ------------------------------------------------------------------


def test_enrol_code_json_prints_an_eight_digit_one_time_code_and_its_expiry(demo: Demo, tmp_path: pathlib.Path) -> None:
    db = demo.copy(tmp_path)
    mentor = demo.login("mentor")
    result = banxing("enrol-code", "--user", mentor, "--json", "--db", db)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert set(document) == {"code", "expires_at"}
    assert re.fullmatch(r"\d{8}", document["code"])
    expires = datetime.datetime.fromisoformat(document["expires_at"].replace("Z", "+00:00"))
    now = datetime.datetime.now(datetime.UTC)
    assert now + datetime.timedelta(hours=1) < expires < now + datetime.timedelta(days=30)
    stored = rows(db, "SELECT u.login FROM enrol_codes c JOIN users u ON u.id = c.user_id WHERE c.code_hash = ?",
                  hashlib.sha256(document["code"].encode()).hexdigest())
    assert stored == [(mentor,)], "only the code's hash is stored, against the right user"
    again = banxing("enrol-code", "--user", mentor, "--json", "--db", db)
    second = json.loads(again.stdout)  # the one JSON document: the first code's replacement is said on stderr
    assert second["code"] != document["code"] and set(second) == {"code", "expires_at"}
    assert "登记码已经作废" in again.stderr, again.stderr


def test_enrol_code_says_the_earlier_unused_code_no_longer_works(demo: Demo, tmp_path: pathlib.Path) -> None:
    """A code issued again (the first one lost, or photographed by someone else) replaces it."""
    db = demo.copy(tmp_path)
    mentor = demo.login("mentor")
    first = banxing("enrol-code", "--user", mentor, "--db", db)
    assert first.returncode == 0 and "作废" not in first.stdout, first.stdout
    second = banxing("enrol-code", "--user", mentor, "--db", db)
    assert f"之前发给 {mentor} 的登记码已经作废，不能再用来登记" in second.stdout, second.stdout
    code = re.search(r"登记码 (\d{4}) (\d{4})", first.stdout)
    assert code
    (replaced,) = rows(db, "SELECT replaced_at FROM enrol_codes WHERE code_hash = ?",
                       hashlib.sha256((code[1] + code[2]).encode()).hexdigest())[0]
    assert replaced is not None


def test_enrol_code_says_until_when_in_beijing_time(demo: Demo, tmp_path: pathlib.Path) -> None:
    """`make run` and a station's operator read this line: the raw UTC stamp (…T06:19:43.123Z) read
    as 6 a.m. put the code's end eight hours early."""
    db = demo.copy(tmp_path)
    mentor = demo.login("mentor")
    result = banxing("enrol-code", "--user", mentor, "--db", db)
    assert result.returncode == 0, result.stderr
    code = re.search(r"登记码 (\d{4}) (\d{4})", result.stdout)
    assert code, result.stdout
    (stored,) = rows(db, "SELECT expires_at FROM enrol_codes WHERE code_hash = ?",
                     hashlib.sha256((code[1] + code[2]).encode()).hexdigest())[0]
    beijing = datetime.datetime.fromisoformat(stored.replace("Z", "+00:00")) + datetime.timedelta(hours=8)
    assert f"一次有效，北京时间 {beijing:%Y-%m-%d %H:%M} 前使用" in result.stdout, result.stdout
    assert "Z" not in result.stdout.split("登记链接")[0]


def test_enrol_code_for_an_unknown_login_exits_2_with_the_reason_on_stderr_only(
    demo: Demo, tmp_path: pathlib.Path
) -> None:
    db = demo.copy(tmp_path)
    for args in (("--json",), ()):
        result = banxing("enrol-code", "--user", "no.such.person", *args, "--db", db)
        assert result.returncode == 2
        assert result.stdout == ""
        assert "no.such.person" in result.stderr
    assert scalar(db, "SELECT count(*) FROM enrol_codes") == 0


def test_an_enrol_link_to_every_address_is_refused_until_the_public_url_is_set(
    demo: Demo, tmp_path: pathlib.Path
) -> None:
    """A station's server on its LAN listens on 0.0.0.0 (`make run HOST=0.0.0.0`): the link and the
    QR code said http://0.0.0.0:8000/app/?code=…, which no phone can open, and the code was spent."""
    db = demo.copy(tmp_path)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BANXING_")}

    def enrol_link(**env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(BANXING), "enrol-code", "--user", demo.login("mentor"), "--link", "--json",
                               "--db", str(db)], capture_output=True, text=True, env={**clean, **env}, timeout=120)

    for host in ("0.0.0.0", "::"):
        result = enrol_link(BANXING_HOST=host, BANXING_PORT="8080")
        assert result.returncode == 2 and result.stdout == "", result.stdout
        assert "BANXING_PUBLIC_URL" in result.stderr and "http://192.168.1.10:8080" in result.stderr
        assert "没有发登记码" in result.stderr and "Traceback" not in result.stderr
    assert scalar(db, "SELECT count(*) FROM enrol_codes") == 0
    named = enrol_link(BANXING_HOST="0.0.0.0", BANXING_PUBLIC_URL="http://192.168.1.10:8080")
    assert named.returncode == 0, named.stderr
    assert json.loads(named.stdout)["link"].startswith("http://192.168.1.10:8080/app/?code=")
    loopback = enrol_link(BANXING_PORT="8080")
    assert json.loads(loopback.stdout)["link"].startswith("http://127.0.0.1:8080/app/?code=")


def test_enrol_code_is_refused_for_a_reviewer_who_has_no_phone_to_enrol(demo: Demo, tmp_path: pathlib.Path) -> None:
    result = banxing("enrol-code", "--user", demo.login("reviewer"), "--json", "--db", demo.copy(tmp_path))
    assert result.returncode == 2 and result.stdout == "" and result.stderr.strip()


# --- banxing devices / revoke ------------------------------------------------------------


def test_devices_lists_an_enrolled_phone_and_revoke_cuts_it_off_at_the_next_sync(
    demo: Demo, tmp_path: pathlib.Path
) -> None:
    db = demo.copy(tmp_path)
    mentor = demo.login("mentor")
    code = json.loads(banxing("enrol-code", "--user", mentor, "--json", "--db", db).stdout)["code"]
    with TestClient(create_app(Settings(db_path=db, secret_keys=("t",)))) as client:
        enrolled = client.post("/api/enrol", json={"code": code, "device_name": "红米 Note"})
        assert enrolled.status_code == 200, enrolled.text
        device_id, token = enrolled.json()["device_id"], enrolled.json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        assert client.post("/api/sync/push", json={"mutations": []}, headers=auth).status_code == 200

        listed = banxing("devices", "--user", mentor, "--json", "--db", db)
        assert listed.returncode == 0, listed.stderr
        (device,) = json.loads(listed.stdout)["devices"]
        assert device["id"] == device_id and device["name"] == "红米 Note" and device["revoked_at"] is None
        table = banxing("devices", "--user", mentor, "--db", db)
        assert device_id in table.stdout and "在用" in table.stdout
        # Its times in Beijing time, as every page shows them, not the stored UTC stamps.
        seen = datetime.datetime.fromisoformat(device["last_seen_at"].replace("Z", "+00:00"))
        assert f"{seen + datetime.timedelta(hours=8):%Y-%m-%d %H:%M}" in table.stdout and "Z" not in table.stdout

        revoked = banxing("revoke", "--device", device_id, "--reason", "手机丢失", "--db", db)
        assert revoked.returncode == 0, revoked.stderr
        (device,) = json.loads(banxing("devices", "--user", mentor, "--json", "--db", db).stdout)["devices"]
        assert device["revoked_at"] and device["revoked_reason"] == "手机丢失"

        refused = client.post("/api/sync/push", json={"mutations": []}, headers=auth)
        assert refused.status_code == 401
        body = refused.json()
        assert body["ok"] is False and body["status"] == 401 and "手机丢失" in body["error"]


def test_devices_of_a_user_without_phones_prints_an_empty_list(demo: Demo, tmp_path: pathlib.Path) -> None:
    result = banxing("devices", "--user", demo.login("mentor"), "--json", "--db", demo.copy(tmp_path))
    assert result.returncode == 0 and json.loads(result.stdout) == {"devices": []}


def test_devices_for_an_unknown_login_exits_2(demo: Demo, tmp_path: pathlib.Path) -> None:
    result = banxing("devices", "--user", "no.such.person", "--json", "--db", demo.copy(tmp_path))
    assert result.returncode == 2 and result.stdout == "" and "no.such.person" in result.stderr


def test_revoking_an_unknown_device_exits_2(demo: Demo, tmp_path: pathlib.Path) -> None:
    result = banxing("revoke", "--device", "01900000-0000-7000-8000-000000000000", "--db", demo.copy(tmp_path))
    assert result.returncode == 2 and result.stdout == "" and "01900000-0000-7000-8000-000000000000" in result.stderr


# --- banxing backup / restore ------------------------------------------------------------


def test_backup_writes_a_snapshot_that_opens_with_the_same_row_counts(demo: Demo, tmp_path: pathlib.Path) -> None:
    db = demo.copy(tmp_path)
    target = tmp_path / "backup" / "banxing-backup.db"
    target.parent.mkdir()
    result = banxing("backup", "--to", target, "--db", db)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert scalar(target, "PRAGMA integrity_check") == "ok"
    # The database gains one row after the snapshot: the access-log line saying a backup was taken.
    assert row_counts(target) == {**row_counts(db), "access_log": row_counts(db)["access_log"] - 1}
    assert row_counts(target)["activities"] > 0


def test_backup_refuses_to_overwrite_an_existing_file(demo: Demo, tmp_path: pathlib.Path) -> None:
    target = tmp_path / "taken.db"
    target.write_bytes(b"keep me")
    result = banxing("backup", "--to", target, "--db", demo.copy(tmp_path))
    assert result.returncode == 2 and "已经存在" in result.stderr
    assert target.read_bytes() == b"keep me"


def test_restore_brings_the_database_back_to_the_backup(demo: Demo, tmp_path: pathlib.Path) -> None:
    db = demo.copy(tmp_path)
    backup = tmp_path / "before.db"
    assert banxing("backup", "--to", backup, "--db", db).returncode == 0
    saved = row_counts(backup)
    assert banxing("enrol-code", "--user", demo.login("mentor"), "--db", db).returncode == 0
    assert row_counts(db) != saved

    head = scalar(db, "SELECT max(seq) FROM sync_feed")
    result = banxing("restore", "--from", backup, "--db", db)
    assert result.returncode == 0, result.stderr
    restored = row_counts(db)
    # One marker row moves the numbering past the replaced database's: no phone's cursor is reused.
    assert restored.pop("sync_scope_resets") == saved.pop("sync_scope_resets") + 1
    assert restored == saved
    assert scalar(db, "SELECT max(seq) FROM sync_scope_resets") > head
    # ... which starts a new history: the phones send again what the server lost (pwa/js/sync.js).
    assert scalar(db, "SELECT user_id FROM sync_scope_resets ORDER BY seq DESC LIMIT 1") == RESTORE_MARKER_USER
    assert scalar(db, "PRAGMA integrity_check") == "ok"
    again = banxing("enrol-code", "--user", demo.login("mentor"), "--json", "--db", db)
    assert again.returncode == 0 and re.fullmatch(r"\d{8}", json.loads(again.stdout)["code"])


def test_restore_refuses_while_the_database_is_open_and_changes_nothing(demo: Demo, tmp_path: pathlib.Path) -> None:
    db = demo.copy(tmp_path)
    backup = tmp_path / "before.db"
    assert banxing("backup", "--to", backup, "--db", db).returncode == 0
    before = sha256(db)  # read first: closing any descriptor of the file drops this process's locks on it
    with opened(db) as running:  # a server, as far as the file can tell: a WAL connection left open
        running.execute("PRAGMA journal_mode = WAL")
        running.execute("SELECT count(*) FROM mentees").fetchone()
        result = banxing("restore", "--from", backup, "--db", db)
    assert result.returncode == 2 and "正在使用" in result.stderr
    assert sha256(db) == before


def english_sentences(text: str, *paths: pathlib.Path) -> list[str]:
    """Runs of English words left in a message once the paths it names are taken out."""
    for path in paths:
        text = text.replace(str(path), "")
    return re.findall(r"[A-Za-z]+(?: [A-Za-z]+)+", text)


def test_backup_and_restore_speak_chinese_like_every_other_command(demo: Demo, tmp_path: pathlib.Path) -> None:
    """They said "backup written to …", "restored … restart the server." and refused in English."""
    db = demo.copy(tmp_path)
    backup = tmp_path / "before.db"
    made = banxing("backup", "--to", backup, "--db", db)
    again = banxing("backup", "--to", backup, "--db", db)
    back = banxing("restore", "--from", backup, "--db", db)
    missing = banxing("restore", "--from", tmp_path / "none.db", "--db", db)
    (tmp_path / "text.db").write_text("这不是数据库\n", encoding="utf-8")
    broken = banxing("restore", "--from", tmp_path / "text.db", "--db", db)
    assert [r.returncode for r in (made, again, back, missing, broken)] == [0, 2, 0, 2, 2]
    for result in (made, again, back, missing, broken):
        assert re.search(r"[\u4e00-\u9fff]", result.stderr), result.stderr
        assert english_sentences(result.stderr, tmp_path) == [], result.stderr
    assert "请重新启动服务" in back.stderr


def beside(path: pathlib.Path) -> list[str]:
    """The SQLite journal files next to ``path``."""
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name + "-"))


def test_a_restore_leaves_one_clean_database_file_and_nothing_beside_the_backup(
    demo: Demo, tmp_path: pathlib.Path
) -> None:
    """Reading the WAL-mode backup in place left its -wal and -shm beside it, on the county's USB stick."""
    db = demo.copy(tmp_path)
    (tmp_path / "stick").mkdir()
    backup = tmp_path / "stick" / "before.db"
    assert banxing("backup", "--to", backup, "--db", db).returncode == 0
    result = banxing("restore", "--from", backup, "--db", db)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "stick").iterdir()) == ["before.db"]
    assert beside(db) == [] and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert scalar(db, "PRAGMA journal_mode") == "wal"  # as the server runs it
    assert beside(db) == []
    assert scalar(db, "PRAGMA integrity_check") == "ok"


def on_read_only_media(folder: pathlib.Path, mount: pathlib.Path, *args: str | pathlib.Path,
                       ) -> subprocess.CompletedProcess[str]:
    """``banxing *args`` with ``folder`` mounted read-only at ``mount`` (a private mount namespace)."""
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare (util-linux) for a read-only mount")
    mount.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANXING_")}
    script = 'mount --bind -o ro "$1" "$2" || exit 99; shift 2; exec "$@"'
    done = subprocess.run(["unshare", "-rm", "sh", "-c", script, "sh", str(folder), str(mount), str(BANXING),
                           *map(str, args)], capture_output=True, text=True, env=env, timeout=120, check=False)
    if done.returncode == 99 or "unshare failed" in done.stderr:
        pytest.skip(f"no read-only mount here: {done.stderr.strip()}")
    return done


def test_a_backup_on_read_only_media_restores(demo: Demo, tmp_path: pathlib.Path) -> None:
    """SQLite could not make the -shm beside a WAL-mode backup on a write-protected stick: restore said
    the intact backup was "not intact" and the county could not get its data back from it."""
    db = demo.copy(tmp_path)
    (tmp_path / "stick").mkdir()
    assert banxing("backup", "--to", tmp_path / "stick" / "before.db", "--db", db).returncode == 0
    saved = row_counts(tmp_path / "stick" / "before.db")
    assert banxing("enrol-code", "--user", demo.login("mentor"), "--db", db).returncode == 0
    result = on_read_only_media(tmp_path / "stick", tmp_path / "media",
                                "restore", "--from", tmp_path / "media" / "before.db", "--db", db)
    assert result.returncode == 0, result.stderr
    restored = row_counts(db)
    assert restored.pop("sync_scope_resets") == saved.pop("sync_scope_resets") + 1
    assert restored == saved
    assert beside(db) == []


@pytest.mark.parametrize("kind", ["other-sqlite-db", "text-file", "missing"])
def test_restore_refuses_a_non_banxing_file_and_leaves_the_target_untouched(
    demo: Demo, tmp_path: pathlib.Path, kind: str
) -> None:
    db = demo.copy(tmp_path)
    source = tmp_path / "source.db"
    if kind == "other-sqlite-db":
        with opened(source) as conn:
            conn.execute("CREATE TABLE notes (text TEXT)")
            conn.execute("INSERT INTO notes VALUES ('not banxing')")
            conn.commit()
    elif kind == "text-file":
        source.write_text("这不是数据库\n", encoding="utf-8")
    before = sha256(db)
    result = banxing("restore", "--from", source, "--db", db)
    assert result.returncode == 2
    assert result.stdout == "" and str(source) in result.stderr
    assert sha256(db) == before
    assert row_counts(db)["mentees"] == row_counts(demo.path)["mentees"]


def test_demo_has_open_risk_flags_for_the_station_home_and_one_already_handled(demo: Demo) -> None:
    flags = rows(demo.path, "SELECT a.risk_action, a.risk_action_on, u.role, a.review_status FROM activities a"
                            " LEFT JOIN users u ON u.id = a.risk_action_by WHERE a.risk_flag = 1")
    open_flags = [f for f in flags if not f[0]]
    handled = [f for f in flags if f[0]]
    assert len(open_flags) >= 2 and len(handled) >= 1
    assert all(role == "staff" and on for _, on, role, _ in handled)
    assert any(status == "approved" for *_, status in handled), "handled after approval (open_after_approval)"


def test_a_user_typed_with_capitals_spaces_or_full_width_letters_is_found_as_the_sign_in_finds_it(
        demo: Demo, tmp_path: pathlib.Path) -> None:
    db = demo.copy(tmp_path)
    mentor, staff = demo.login("mentor"), demo.login("staff")
    full_width = " " + "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in mentor.upper()) + "\u3000"
    for typed in (mentor.title(), full_width):
        code = banxing("enrol-code", "--user", typed, "--json", "--db", db)
        assert code.returncode == 0, code.stderr
        listed = banxing("devices", "--user", typed, "--json", "--db", db)
        assert listed.returncode == 0, listed.stderr
    reset = banxing("reset-password", "--user", f" {staff.upper()} ", "--json", "--db", db)
    assert reset.returncode == 0, reset.stderr
    assert json.loads(reset.stdout)["login"] == staff
