"""Steps m032-m049: stored rows brought to the write path's rules (audited repairs of codes, grades
and end dates), county settings and deadlines, and the registers the two notices ask for."""
from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from typing import Any

import sqlite_utils

from ..grades import grade_form
from ..records import head_seq
from ..system import SYSTEM_USER_ID
from ..timeutil import SHANGHAI, local_today, parse_utc, utc_now
from .registry import RECORD_COLUMNS, migrations


@migrations
def m032_password_to_change(db: sqlite_utils.Database) -> None:
    """Whether an account's password was set by someone else (an admin's new account or reset, the
    CLI's init or reset-password): read off a screen or printed, it must give way to one of the
    person's own at the next web sign-in (``server/pages/first_password.py``). Accounts already
    stored keep their passwords as they are."""
    db.execute("ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0")


@migrations
def m033_phone_refusals_index(db: sqlite_utils.Database) -> None:
    """The changes phones sent that were refused, for the station's list of visits a volunteer's phone
    sent after the pairing ended or passed to another volunteer (``server/queries/refused.py``): a
    few rows among millions, found without reading the whole audit log."""
    db.execute("CREATE INDEX idx_sync_audit_refused ON sync_audit(entity) WHERE status = 'rejected'"
               " AND device_id IS NOT NULL")



@migrations
def m034_volunteers_without_passwords(db: sqlite_utils.Database) -> None:
    """Volunteers never sign in on the web (phones enrol with a code and unlock with a PIN), and
    since m032's round an account made or turned a volunteer gets no password (``sync/users.py``).
    Volunteer accounts made before that still hold a password nobody uses or remembers: one more
    way into minors' records, dropped here. Their phones are untouched."""
    db.execute("UPDATE users SET password_hash = NULL, must_change_password = 0"
               " WHERE role = 'mentor' AND (password_hash IS NOT NULL OR must_change_password != 0)")


def _repair_mentees(db: sqlite_utils.Database, field: str, form: Callable[[str], str | None], why: str) -> None:
    """Bring each stored child's ``field`` to ``form`` as the write path would (``_repair``)."""
    for record_id, value in db.execute(f"SELECT id, {field} FROM mentees WHERE {field} IS NOT NULL ORDER BY num"
                                       ).fetchall():
        new = form(value)
        if new != value:
            _repair(db, "mentee", "mentees", record_id, field, new, why)


def _repair(db: sqlite_utils.Database, entity: str, table: str, record_id: str, field: str, new: Any,
            why: str) -> None:
    """Set one stored record's ``field`` to ``new`` as the write path would: the version goes up,
    the feed row moves to the head (phones and pages pull the record again) and the audit log keeps
    the value before and after (op ``derived``, by the system), so nothing is changed unseen."""
    now = utc_now()
    value, version, versions, writers, num = db.execute(
        f"SELECT {field}, version, field_versions, field_writers, num FROM {table} WHERE id = ?",
        [record_id]).fetchone()
    version, seq = version + 1, head_seq(db) + 1
    db.execute(f"UPDATE {table} SET {field} = ?, version = ?, field_versions = ?, field_writers = ?,"
               " updated_at = ?, updated_by = ? WHERE id = ?",
               [new, version, json.dumps({**json.loads(versions or "{}"), field: version}),
                json.dumps({**json.loads(writers or "{}"), field: SYSTEM_USER_ID}), now, SYSTEM_USER_ID,
                record_id])
    db.execute("UPDATE sync_feed SET seq = ?, version = ? WHERE num = ?", [seq, version, num])
    db.execute("INSERT INTO sync_audit (at, user_id, device_id, mutation_id, entity, record_id, op, status,"
               " version, reason, changes, answer, digest, num)"
               " VALUES (?, ?, NULL, NULL, ?, ?, 'derived', 'applied', ?, ?, ?, NULL, NULL, ?)",
               [now, SYSTEM_USER_ID, entity, record_id, version, why,
                json.dumps({field: [value, new]}, ensure_ascii=False), num])


@migrations
def m035_mentee_codes_in_one_form(db: sqlite_utils.Database) -> None:
    """Children's codes stored before the write path kept them in one form (sync/rules.py
    ``mentee_code``) may hold a full-width space, a space inside or a trailing tab. The probe
    ``trim(code) = ?`` (m030) strips only ASCII spaces at the ends, so a sheet or a form bringing
    the same child under the clean code found nobody and registered the child a second time. Each
    such code is rewritten to its one form, audited. Two live children whose codes differed only
    so then share one: they were already indistinguishable on every page, and are left to the staff
    to merge, as m030 leaves codes shared before the rule."""
    def form(code: str) -> str:  # sync.rules.mentee_code as it is today, kept here as this step ran it
        return "".join(unicodedata.normalize("NFKC", code).split()) or code
    _repair_mentees(db, "code", form, "编号统一写法")


@migrations
def m036_grades_in_one_form(db: sqlite_utils.Database) -> None:
    """年级 was stored as typed (初一, 七年级, 7年级, 初中一年级 for one grade), so a count by grade
    split one class of children into several rows; the write path now keeps one form
    (sync/grades.py), and the grades stored before are brought to it, audited."""
    _repair_mentees(db, "grade", grade_form, "年级统一写法")


@migrations
def m037_ended_pairings_get_their_end_date(db: sqlite_utils.Database) -> None:
    """A pairing closed without an end date (before the write path refused it, sync/rules.py
    ``_pairing_dates``: an older page or import, a raw API push) counted nowhere: not running (it
    is closed) and ended in no period (every figure dates an end by ``end_date``), so its child
    fell out of the dashboard, the brief, the summary and, closed 好转, the statistics form's
    成功干预. Each gets the day it was closed, as the staff who closed it lived it: the Asia/Shanghai
    date of the last change that set it closed (of its last change, if the audit log has none), never
    before its start or its last visit, so its archive does not run past its own end. Audited, so the
    county can see which end dates were worked out and correct one on the pairing's edit page."""
    closing = ("SELECT max(a.at) FROM sync_audit a WHERE a.num = p.num AND a.record_id = p.id"
               " AND a.status IN ('applied', 'merged', 'conflict')"
               " AND json_extract(a.changes, '$.status[1]') = 'closed'")
    rows = db.execute(
        f"SELECT p.id, p.start_date, coalesce(({closing}), p.updated_at),"
        " (SELECT max(v.date) FROM activities v WHERE v.pairing_id = p.id AND v.deleted = 0)"
        " FROM pairings p WHERE p.status = 'closed' AND (p.end_date IS NULL OR p.end_date = '') ORDER BY p.num"
    ).fetchall()
    for record_id, start, closed_at, last_visit in rows:
        day = parse_utc(closed_at).astimezone(SHANGHAI).date().isoformat() if closed_at else start
        # A visit dated ahead (a typo) cannot have happened yet: the pairing ended by today.
        today = local_today().isoformat()
        day = max(d for d in (day, start, last_visit if last_visit and last_visit <= today else None) if d)
        _repair(db, "pairing", "pairings", record_id, "end_date", day, "结对已结束但没有结束日期：按结束那天补上")



@migrations
def m038_conflicts_of_deleted_files_close(db: sqlite_utils.Database) -> None:
    """A conflict parked on a record of a child deleted since, or on a visit of a pairing deleted
    since, offered 改用后到的内容 and 合并, which the write path now refuses (a deleted file is read,
    never written: sync/rules.py ``sealed``); deleting the child or the pairing now closes them. Those
    left open before close the same way (both values stay on the row; no one is named as closing it)."""
    db.execute(
        "UPDATE sync_conflicts SET status = 'resolved', resolved_at = ?, resolution = 'file_deleted'"
        " WHERE status = 'open' AND (mentee_id IN (SELECT id FROM mentees WHERE deleted = 1)"
        " OR (entity = 'activity' AND record_id IN (SELECT a.id FROM activities a"
        " JOIN pairings p ON p.id = a.pairing_id WHERE p.deleted = 1)))",
        [utc_now()],
    )


@migrations
def m039_county_settings(db: sqlite_utils.Database) -> None:
    """Settings the county keeps on the server, one row each (``server/queries/quiet.py``): a
    pairing nobody has visited for ``quiet_after_days`` days is 久未帮扶. Not a synced entity: no
    phone reads it, and the wire contract (docs/sync-protocol.md §4) stays as it was."""
    db.execute("""
        CREATE TABLE county_settings (
            name TEXT PRIMARY KEY,
            value INTEGER NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by TEXT REFERENCES users(id)
        )
    """)
    # The notices name no interval (docs/notices.md #6). A month: one visit a month is the least
    # anyone would call regular help, and a shorter default would list volunteers simply between visits.
    db.execute("INSERT INTO county_settings (name, value, updated_at) VALUES ('quiet_after_days', 30, ?)",
               [utc_now()])


@migrations
def m040_return_deadlines(db: sqlite_utils.Database) -> None:
    """报送截止日期: for a period the statistics returns cover, the day by which the stations and
    schools must have submitted to their town and the day by which the towns must have submitted
    to the county (the Kaizhou notice's 10月19日 / 10月24日), set by the county (``unit_id``) for
    the units under it. Kept on the server only (``server/deadlines.py``), never synced: a phone
    files no return; each change is audited (entity ``return_deadline``)."""
    db.executescript(
        """
        CREATE TABLE return_deadlines (
            id INTEGER PRIMARY KEY,
            unit_id TEXT NOT NULL REFERENCES units(id),
            period_from TEXT NOT NULL,
            period_to TEXT NOT NULL,
            units_due TEXT NOT NULL,
            towns_due TEXT NOT NULL,
            set_by TEXT NOT NULL REFERENCES users(id),
            set_at TEXT NOT NULL,
            UNIQUE (unit_id, period_from, period_to),
            CHECK (period_from <= period_to AND units_due <= towns_due)
        );
        """
    )


@migrations
def m041_county_settings_audit_index(db: sqlite_utils.Database) -> None:
    """A change of a county setting (the 久未帮扶 interval) is audited in ``sync_audit`` as entity
    ``county_setting``, and ``/quiet`` lists that setting's changes; the audit holds every write of
    the county, so the list reads a partial index of those few rows rather than scan them all."""
    db.execute("CREATE INDEX idx_sync_audit_county_settings ON sync_audit(at)"
               " WHERE entity = 'county_setting'")


@migrations
def m042_waiting_activities_by_unit(db: sqlite_utils.Database) -> None:
    """A station's or a town's waiting activities, found by unit. The review queue's ordered index
    (m014) holds a whole county's backlog in one order, so the station home's 等待审核 count walked
    every waiting activity of the county to find a station's few (0.65-0.83 s over a backlog of
    484,000 in the reports bench; the queue's count the same). A push adds each new activity at
    the end of its unit's entries (rowid order), one leaf per unit a batch writes to."""
    db.execute("CREATE INDEX idx_activities_waiting_unit ON activities(unit_id, review_status)"
               " WHERE review_status IN ('pending', 'returned')")


@migrations
def m043_deleted_parents(db: sqlite_utils.Database) -> None:
    """The deleted units, children and pairings, each table's few. A read counts a row only if no
    parent it hangs from is deleted (``server.queries.filters.live``); testing the row against the
    deleted parents reads these small indexes, where a list of the live ones scanned the county's
    50,000 pairings and children for every query, a station's page as the county's. A push that
    deletes a record writes one entry here; every other write touches none."""
    for table in ("units", "mentees", "pairings"):
        db.execute(f"CREATE INDEX idx_{table}_deleted ON {table}(id) WHERE deleted = 1")


@migrations
def m044_activity_counts_entered(db: sqlite_utils.Database) -> None:
    """``activity_counts`` also counts the activities staff entered for a volunteer (代录:
    ``entered_by`` set), kept by the write path from now on and counted here from the activities
    already stored (every row again: one GROUP BY, as m027's).

    The brief and the year summary walked a period's visits pairing by pairing and read each row
    for its month, kind, unit and 代录: a past year of a county of 10^6 activities took 1.04-1.22 s.
    They now read these rows, the risk flags from ``idx_activities_risk_date`` (docs/performance.md,
    "The year summary"). A partial index of the 代录 visits would have done too, but every visit a
    staff device or the web enters would write it; this column rides on the row a push writes anyway.
    """
    db.execute("ALTER TABLE activity_counts ADD COLUMN entered INTEGER NOT NULL DEFAULT 0")
    db.execute("DELETE FROM activity_counts")
    db.execute("INSERT INTO activity_counts (date, unit_id, kind, n, entered)"
               " SELECT date, unit_id, kind, count(*), count(entered_by) FROM activities WHERE deleted = 0"
               " GROUP BY 1, 2, 3")


@migrations
def m045_return_summary(db: sqlite_utils.Database) -> None:
    """A statistics return carries the period's 活动总结 beside its figures: the Kaizhou notice (六) has
    each school send 活动总结和活动开展情况统计表 together, and the town gather both."""
    db.execute("ALTER TABLE stats_returns ADD COLUMN summary TEXT")


@migrations
def m046_mentor_kind(db: sqlite_utils.Database) -> None:
    """A volunteer's kind (``labels.MENTOR_KINDS``: the five 老, a school teacher or 社会各界人士), so a
    county can count who takes part. Accounts made before it stay NULL (未填): nobody can tell a
    老教师 from a 学校教师 out of the free-text ``about``, so none is guessed. Never on a phone's wire."""
    db.execute("ALTER TABLE users ADD COLUMN mentor_kind TEXT")


@migrations
def m047_event_registers(db: sqlite_utils.Database) -> None:
    """What the two notices ask of a group event beyond its counts: its 活动方案 (Kaizhou 四), a 补课 mark
    on a first-half lecture made up in the summer (Rudong 一.2(1)) and, for a 收看微课, how many parents
    it was forwarded to (Rudong 一.2(4)). Events stored before have no plan, no forward count (NULL:
    not asked, not 0) and are not 补课 — a make-up cannot be told from the lecture's date alone."""
    db.execute("ALTER TABLE events ADD COLUMN plan TEXT")
    db.execute("ALTER TABLE events ADD COLUMN make_up INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE events ADD COLUMN forwarded INTEGER")


@migrations
def m048_peer_helpers(db: sqlite_utils.Database) -> None:
    """The register of 心理健康骨干学生 (Rudong notice 二.2(3)): per class of a school, or per station, a
    boy and a girl and the 五老 who guides them (``entities.PEER_HELPER``). Before it, the inspection item
    ``peer_helpers`` was ticked on the inspector's word alone."""
    db.executescript(
        f"""
        CREATE TABLE peer_helpers (
            id TEXT PRIMARY KEY,
            unit_id TEXT NOT NULL REFERENCES units(id),
            class_name TEXT NOT NULL,
            boy_name TEXT,
            boy_grade TEXT,
            girl_name TEXT,
            girl_grade TEXT,
            mentor_id TEXT REFERENCES users(id),
            num INTEGER,
            {RECORD_COLUMNS}
        );
        CREATE INDEX idx_peer_helpers_unit ON peer_helpers(unit_id) WHERE deleted = 0;
        CREATE UNIQUE INDEX idx_peer_helpers_num ON peer_helpers(num);
        """
    )


@migrations
def m049_donations(db: sqlite_utils.Database) -> None:
    """爱心捐助 (Rudong notice 三: 捐物捐款 for families in hardship): money in whole 分 and goods in 件 a
    child's family received, from whom and handed over by whom. A table of its own, touching no other:
    it stands beside m048's."""
    db.executescript(
        f"""
        CREATE TABLE donations (
            id TEXT PRIMARY KEY,
            mentee_id TEXT NOT NULL REFERENCES mentees(id),
            unit_id TEXT REFERENCES units(id),
            date TEXT NOT NULL,
            amount_fen INTEGER,
            goods TEXT,
            items INTEGER,
            donor TEXT,
            handed_by TEXT REFERENCES users(id),
            notes TEXT,
            author_id TEXT REFERENCES users(id),
            num INTEGER,
            {RECORD_COLUMNS}
        );
        CREATE INDEX idx_donations_mentee ON donations(mentee_id, date);
        CREATE INDEX idx_donations_unit_date ON donations(unit_id, date);
        CREATE UNIQUE INDEX idx_donations_num ON donations(num);
        """
    )
