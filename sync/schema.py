"""The ``sync`` migration set: domain tables and the engine tables prefixed ``sync_``.

Every domain table carries the same engine columns: ``version`` (per record, +1 per
change), ``deleted`` (soft delete, so a delete syncs like any other change),
``field_versions`` (JSON: field -> record version that last changed it; the merge
rule reads it) and who/when columns. Dates are TEXT ``YYYY-MM-DD``; lists are JSON.
"""
from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections.abc import Callable
from typing import Any

import sqlite_utils

from . import counts, latest
from .db import Migrations
from .grades import grade_form
from .records import head_seq
from .system import SYSTEM_USER_ID
from .timeutil import SHANGHAI, local_today, parse_utc, utc_now

migrations = Migrations("sync")

RECORD_COLUMNS = """
    version INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    field_versions TEXT NOT NULL DEFAULT '{}',
    field_writers TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    created_by TEXT,
    updated_at TEXT NOT NULL,
    updated_by TEXT
"""


@migrations
def m001_domain(db: sqlite_utils.Database) -> None:
    db.executescript(
        f"""
        CREATE TABLE units (
            id TEXT PRIMARY KEY,
            parent_id TEXT REFERENCES units(id),
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            phone TEXT,
            address TEXT,
            {RECORD_COLUMNS}
        );
        CREATE INDEX idx_units_parent ON units(parent_id);

        CREATE TABLE users (
            id TEXT PRIMARY KEY,
            login TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('mentor', 'staff', 'reviewer', 'admin')),
            unit_id TEXT NOT NULL REFERENCES units(id),
            phone TEXT,
            password_hash TEXT,
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL
        );
        CREATE INDEX idx_users_unit ON users(unit_id);

        CREATE TABLE mentees (
            id TEXT PRIMARY KEY,
            unit_id TEXT NOT NULL REFERENCES units(id),
            code TEXT NOT NULL,
            name TEXT,
            school TEXT,
            grade TEXT,
            gender TEXT,
            birth_year INTEGER,
            categories TEXT NOT NULL DEFAULT '[]',
            risk_level TEXT NOT NULL DEFAULT 'normal',
            plan TEXT,
            guardian_name TEXT,
            guardian_contact TEXT,
            notes TEXT,
            status TEXT NOT NULL DEFAULT 'active',
            {RECORD_COLUMNS}
        );
        CREATE INDEX idx_mentees_unit ON mentees(unit_id);

        CREATE TABLE pairings (
            id TEXT PRIMARY KEY,
            mentor_id TEXT NOT NULL REFERENCES users(id),
            mentee_id TEXT NOT NULL REFERENCES mentees(id),
            unit_id TEXT REFERENCES units(id),
            start_date TEXT NOT NULL,
            end_date TEXT,
            approach TEXT,
            goals TEXT,
            status TEXT NOT NULL DEFAULT 'active',
            outcome TEXT,
            review_status TEXT,
            {RECORD_COLUMNS}
        );
        CREATE INDEX idx_pairings_mentor ON pairings(mentor_id, status);
        CREATE INDEX idx_pairings_mentee ON pairings(mentee_id);
        CREATE INDEX idx_pairings_unit ON pairings(unit_id, status);

        CREATE TABLE activities (
            id TEXT PRIMARY KEY,
            pairing_id TEXT NOT NULL REFERENCES pairings(id),
            mentee_id TEXT REFERENCES mentees(id),
            unit_id TEXT REFERENCES units(id),
            kind TEXT NOT NULL,
            date TEXT NOT NULL,
            duration_min INTEGER,
            place TEXT,
            preparation TEXT,
            record TEXT,
            follow_up TEXT,
            follow_up_due TEXT,
            moods TEXT NOT NULL DEFAULT '[]',
            observations TEXT NOT NULL DEFAULT '[]',
            tags TEXT NOT NULL DEFAULT '[]',
            risk_flag INTEGER NOT NULL DEFAULT 0,
            author_id TEXT REFERENCES users(id),
            entered_by TEXT REFERENCES users(id),
            review_status TEXT,
            review_comment TEXT,
            {RECORD_COLUMNS}
        );
        CREATE INDEX idx_activities_pairing ON activities(pairing_id);
        CREATE INDEX idx_activities_unit_date ON activities(unit_id, date);
        CREATE INDEX idx_activities_mentee ON activities(mentee_id, date);
        CREATE INDEX idx_activities_follow_up ON activities(follow_up_due) WHERE follow_up_due IS NOT NULL;

        CREATE TABLE screenings (
            id TEXT PRIMARY KEY,
            mentee_id TEXT NOT NULL REFERENCES mentees(id),
            unit_id TEXT REFERENCES units(id),
            date TEXT NOT NULL,
            psych_problem INTEGER NOT NULL DEFAULT 0,
            risk_level TEXT,
            intervention_success INTEGER NOT NULL DEFAULT 0,
            needs TEXT,
            notes TEXT,
            author_id TEXT REFERENCES users(id),
            {RECORD_COLUMNS}
        );
        CREATE INDEX idx_screenings_mentee ON screenings(mentee_id, date);
        CREATE INDEX idx_screenings_unit_date ON screenings(unit_id, date);

        CREATE TABLE events (
            id TEXT PRIMARY KEY,
            unit_id TEXT NOT NULL REFERENCES units(id),
            kind TEXT NOT NULL,
            title TEXT,
            lecture_no INTEGER,
            audience TEXT,
            date TEXT NOT NULL,
            participants INTEGER NOT NULL DEFAULT 0,
            copies INTEGER NOT NULL DEFAULT 0,
            online INTEGER NOT NULL DEFAULT 0,
            notes TEXT,
            {RECORD_COLUMNS}
        );
        CREATE INDEX idx_events_unit_date ON events(unit_id, date);

        CREATE TABLE enrolments (
            id TEXT PRIMARY KEY,
            unit_id TEXT NOT NULL REFERENCES units(id),
            year INTEGER NOT NULL,
            students INTEGER NOT NULL,
            parents INTEGER NOT NULL,
            {RECORD_COLUMNS}
        );
        CREATE INDEX idx_enrolments_unit ON enrolments(unit_id, year);

        CREATE TABLE stats_returns (
            id TEXT PRIMARY KEY,
            unit_id TEXT NOT NULL REFERENCES units(id),
            period_from TEXT NOT NULL,
            period_to TEXT NOT NULL,
            remarks TEXT,
            filled_by TEXT,
            phone TEXT,
            status TEXT,
            {RECORD_COLUMNS}
        );
        CREATE INDEX idx_stats_returns_unit ON stats_returns(unit_id, period_from);

        CREATE TABLE reviews (
            id TEXT PRIMARY KEY,
            target_entity TEXT NOT NULL,
            target_id TEXT NOT NULL,
            decision TEXT NOT NULL,
            comment TEXT,
            unit_id TEXT REFERENCES units(id),
            reviewer_id TEXT REFERENCES users(id),
            {RECORD_COLUMNS}
        );
        CREATE INDEX idx_reviews_target ON reviews(target_id);
        """
    )


@migrations
def m002_engine(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE sync_devices (
            id TEXT PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES users(id),
            name TEXT NOT NULL,
            created_at TEXT NOT NULL,
            last_seen_at TEXT,
            last_mutation_id INTEGER NOT NULL DEFAULT 0,
            revoked_at TEXT,
            revoked_reason TEXT
        );
        CREATE INDEX idx_sync_devices_user ON sync_devices(user_id);

        -- One row per record at its latest change; seq is the global order the
        -- pull cursor walks. Scope keys are copied here so a pull filters on one table;
        -- the record itself is read from its own table (no second copy to write).
        CREATE TABLE sync_feed (
            seq INTEGER PRIMARY KEY,  -- assigned by the single writer, never reused
            entity TEXT NOT NULL,
            record_id TEXT NOT NULL UNIQUE,
            version INTEGER NOT NULL,
            deleted INTEGER NOT NULL,
            unit_id TEXT,
            mentee_id TEXT,
            pairing_id TEXT
        );
        CREATE INDEX idx_sync_feed_mentee ON sync_feed(mentee_id, seq);

        -- A mentor lost a pairing, or a mentee left a unit: pulls after seq turn
        -- these into drop entries for the callers who no longer see the records.
        CREATE TABLE sync_scope_log (
            id INTEGER PRIMARY KEY,
            seq INTEGER NOT NULL,
            user_id TEXT,
            unit_id TEXT,
            mentee_id TEXT NOT NULL,
            pairing_id TEXT
        );
        CREATE INDEX idx_sync_scope_log_user ON sync_scope_log(user_id, seq);
        CREATE INDEX idx_sync_scope_log_unit ON sync_scope_log(unit_id, seq);

        -- The audit log doubles as the store of answers: a resent mutation is
        -- answered from here, keyed by (device_id, mutation_id).
        CREATE TABLE sync_audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            user_id TEXT NOT NULL,
            device_id TEXT,
            mutation_id INTEGER,
            entity TEXT NOT NULL,
            record_id TEXT NOT NULL,
            op TEXT NOT NULL,
            status TEXT NOT NULL,
            version INTEGER,
            reason TEXT,
            changes TEXT,  -- NULL for a create: its values are rebuilt by sync.audit.record_history
            answer TEXT,  -- only when the columns above cannot rebuild it (conflicts)
            digest INTEGER  -- CRC-32 of the mutation as sent: a resend must match it
        );
        CREATE UNIQUE INDEX idx_sync_audit_device_mutation ON sync_audit(device_id, mutation_id)
            WHERE device_id IS NOT NULL;
        CREATE INDEX idx_sync_audit_record ON sync_audit(record_id);

        CREATE TABLE sync_conflicts (
            id TEXT PRIMARY KEY,
            entity TEXT NOT NULL,
            record_id TEXT NOT NULL,
            field TEXT NOT NULL,
            kept_value TEXT,
            other_value TEXT,
            base_version INTEGER,
            kept_version INTEGER NOT NULL,
            user_id TEXT NOT NULL,
            device_id TEXT,
            mutation_id INTEGER,
            unit_id TEXT,
            mentee_id TEXT,
            created_at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open',
            resolved_by TEXT,
            resolved_at TEXT,
            resolution TEXT
        );
        CREATE INDEX idx_sync_conflicts_status ON sync_conflicts(status, unit_id);
        CREATE INDEX idx_sync_conflicts_record ON sync_conflicts(record_id);
        """
    )


@migrations
def m003_user_profile(db: sqlite_utils.Database) -> None:
    """What a station knows of a volunteer: background (老干部、老教师…) and whether they use a smartphone."""
    db.executescript(
        """
        ALTER TABLE users ADD COLUMN about TEXT;
        ALTER TABLE users ADD COLUMN smartphone INTEGER NOT NULL DEFAULT 1;
        """
    )


@migrations
def m004_review_mentee(db: sqlite_utils.Database) -> None:
    """Reviews carry their target's mentee, so a mentee's move drops them with the rest of the file."""
    db.executescript(
        """
        ALTER TABLE reviews ADD COLUMN mentee_id TEXT REFERENCES mentees(id);
        UPDATE reviews SET mentee_id = CASE target_entity
            WHEN 'activity' THEN (SELECT mentee_id FROM activities WHERE id = reviews.target_id)
            WHEN 'pairing' THEN (SELECT mentee_id FROM pairings WHERE id = reviews.target_id)
        END;
        UPDATE sync_feed SET mentee_id = (SELECT mentee_id FROM reviews WHERE id = sync_feed.record_id)
            WHERE entity = 'review';
        CREATE INDEX idx_reviews_mentee ON reviews(mentee_id);
        """
    )


@migrations
def m005_activity_risk_action(db: sqlite_utils.Database) -> None:
    """What the station did about a risk flag (处理记录), when, and who wrote it down."""
    db.executescript(
        """
        ALTER TABLE activities ADD COLUMN risk_action TEXT;
        ALTER TABLE activities ADD COLUMN risk_action_on TEXT;
        ALTER TABLE activities ADD COLUMN risk_action_by TEXT REFERENCES users(id);
        CREATE INDEX idx_activities_risk ON activities(unit_id) WHERE risk_flag = 1 AND risk_action IS NULL;
        """
    )


@migrations
def m010_referrals(db: sqlite_utils.Database) -> None:
    """转介 (Kaizhou notice 五(三)): a child referred to the school counselling room or a medical
    institution, tracked from referral to reception to conclusion."""
    db.executescript(
        f"""
        CREATE TABLE referrals (
            id TEXT PRIMARY KEY,
            mentee_id TEXT NOT NULL REFERENCES mentees(id),
            unit_id TEXT REFERENCES units(id),
            target TEXT NOT NULL,
            institution TEXT,
            contact TEXT,
            reason TEXT,
            referred_on TEXT NOT NULL,
            received_on TEXT,
            concluded_on TEXT,
            status TEXT NOT NULL,
            outcome TEXT,
            author_id TEXT REFERENCES users(id),
            {RECORD_COLUMNS}
        );
        CREATE INDEX idx_referrals_mentee ON referrals(mentee_id, referred_on);
        CREATE INDEX idx_referrals_unit_status ON referrals(unit_id, status);
        """
    )


@migrations
def m011_inspections(db: sqlite_utils.Database) -> None:
    """On-site inspections (督查) of stations and schools: checklist, findings, score, rectification."""
    db.executescript(
        f"""
        CREATE TABLE inspections (
            id TEXT PRIMARY KEY,
            unit_id TEXT NOT NULL REFERENCES units(id),
            date TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'routine',
            inspectors TEXT NOT NULL,
            passed TEXT NOT NULL DEFAULT '[]',
            failed TEXT NOT NULL DEFAULT '[]',
            findings TEXT,
            highlights TEXT,
            score INTEGER,
            rectify TEXT,
            rectify_due TEXT,
            fixed TEXT NOT NULL DEFAULT '[]',
            rectify_notes TEXT,
            author_id TEXT REFERENCES users(id),
            {RECORD_COLUMNS}
        );
        CREATE INDEX idx_inspections_unit_date ON inspections(unit_id, date);
        """
    )


@migrations
def m012_return_figures(db: sqlite_utils.Database) -> None:
    """The figures a statistics return was approved with (JSON, set by the server only).

    And the indexes the statistics form needs over 10^6 activities (docs/performance.md): a
    county's 面对面谈心 count walks each live pairing's activities in the period without
    touching the table (the dashboard finds each pairing's latest follow-up in the same index),
    and a screening is checked without a table lookup. Each replaces an
    index that is its prefix, so writers keep the same number of indexes to maintain.

    The indexes were added to this step after it had shipped, and m013's first form had already
    dropped ``idx_activities_pairing``: ``IF EXISTS`` lets a database of that afternoon start
    (it stopped at "no such index"), and m031 brings every database of that day to these indexes.
    """
    db.executescript(
        """
        ALTER TABLE stats_returns ADD COLUMN figures TEXT;
        DROP INDEX IF EXISTS idx_activities_pairing;
        CREATE INDEX IF NOT EXISTS idx_activities_pairing_date
            ON activities(pairing_id, date, kind, deleted, follow_up_due);
        DROP INDEX IF EXISTS idx_screenings_mentee;
        CREATE INDEX IF NOT EXISTS idx_screenings_mentee_date
            ON screenings(mentee_id, date, deleted, psych_problem, intervention_success);
        """
    )


@migrations
def m013_dashboard_indexes(db: sqlite_utils.Database) -> None:
    """Indexes the county dashboard reads by (server/queries/dashboard.py), over a million activities.

    - activities by date, covering the scope and liveness columns: the per-month counts walk it
      in order without touching the table;
    - each pairing's live activities by date (``idx_activities_pairing_date`` of m012, which also
      covers ``follow_up_due``): the latest activity of a pairing is one index probe;
    - the few activities with a risk flag (a partial index: it costs a push almost nothing).
    """
    db.executescript(
        """
        CREATE INDEX idx_activities_date_cover ON activities(date, deleted, unit_id, pairing_id);
        CREATE INDEX idx_activities_risk_date ON activities(date) WHERE risk_flag = 1;
        """
    )


@migrations
def m014_waiting_activities(db: sqlite_utils.Database) -> None:
    """The review queue reads activities waiting for review (pending or returned) in order — urgent
    risk flags first, then the oldest — without sorting a county's whole backlog; a partial index
    holds only the waiting ones, so approved activities cost it nothing."""
    db.executescript(
        """
        CREATE INDEX idx_activities_waiting ON activities(review_status, risk_flag DESC, date)
            WHERE review_status IN ('pending', 'returned');
        """
    )


@migrations
def m015_record_numbers(db: sqlite_utils.Database) -> None:
    """Each record gets a stable number (``num``); the feed and the audit log find a record by it.

    The feed's UNIQUE ``record_id`` and the audit's ``record_id`` index were keyed by the record id:
    with random (v4) ids every create wrote an entry on a different page of each (about 1,500 WAL
    pages per push of 500 into a county of 10^6 activities; docs/performance.md). ``num`` is the
    feed sequence number the record was created at, so new records land at the right edge of both
    indexes whatever their ids. Existing records take their current feed ``seq``; their audit rows
    take the same number. Entity tables created by a later migration include ``num INTEGER`` and a
    unique index on it (m016).
    """
    from .entities import ENTITIES

    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()}
    for entity in ENTITIES.values():
        if entity.table not in tables:
            continue
        columns = {r[1] for r in db.execute(f"PRAGMA table_info({entity.table})").fetchall()}
        if "num" not in columns:
            db.execute(f"ALTER TABLE {entity.table} ADD COLUMN num INTEGER")
        db.execute(f"UPDATE {entity.table} SET num = (SELECT f.seq FROM sync_feed f"
                   f" WHERE f.record_id = {entity.table}.id AND f.entity = '{entity.name}')")
    names = ", ".join(f"'{name}'" for name in ENTITIES)
    # The whole step is one transaction (as every step is: sqlite_utils' executescript runs a script
    # statement by statement inside an open one), so a crash part-way leaves the old schema whole.
    for statement in (
        "ALTER TABLE sync_audit ADD COLUMN num INTEGER",
        "UPDATE sync_audit SET num = (SELECT f.seq FROM sync_feed f"
        f" WHERE f.record_id = sync_audit.record_id AND f.entity = sync_audit.entity) WHERE entity IN ({names})",
        "DROP INDEX idx_sync_audit_record",
        "CREATE INDEX idx_sync_audit_num ON sync_audit(num) WHERE num IS NOT NULL",
        """CREATE TABLE sync_feed_numbered (
            seq INTEGER PRIMARY KEY,
            entity TEXT NOT NULL,
            record_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            deleted INTEGER NOT NULL,
            unit_id TEXT,
            mentee_id TEXT,
            pairing_id TEXT,
            num INTEGER NOT NULL UNIQUE  -- the record's num: one feed row per record
        )""",
        "INSERT INTO sync_feed_numbered (seq, entity, record_id, version, deleted, unit_id, mentee_id, pairing_id,"
        " num) SELECT seq, entity, record_id, version, deleted, unit_id, mentee_id, pairing_id, seq FROM sync_feed"
        " ORDER BY seq",
        "DROP TABLE sync_feed",
        "ALTER TABLE sync_feed_numbered RENAME TO sync_feed",
        "CREATE INDEX idx_sync_feed_mentee ON sync_feed(mentee_id, seq)",
    ):
        db.execute(statement)


@migrations
def m016_record_number_index(db: sqlite_utils.Database) -> None:
    """A pull builds each record's document by its number, not its id (sync/records.py).

    The feed walks records in ``seq`` order; looked up by id, a page of 1,000 records with random
    (v4) ids touched about a thousand leaf pages of the id index, scattered over a county of 10^6
    activities, where time-ordered ids touch a few. Numbers grow with time whatever the ids, so
    a page reads a few consecutive leaf pages of this index; a create appends at its right edge.
    """
    from .entities import ENTITIES

    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()}
    for entity in ENTITIES.values():
        if entity.table in tables:  # a table a later migration creates carries its own index
            db.execute(f"CREATE UNIQUE INDEX idx_{entity.table}_num ON {entity.table}(num)")


@migrations
def m017_no_activity_mentee_index(db: sqlite_utils.Database) -> None:
    """Activities are found by mentee through their pairings; ``activities(mentee_id, date)`` goes.

    Every create wrote that index, and with many activities stored it was one of the three costs
    of a push that grow with the county: a batch touching 200 children dirtied a leaf and an
    interior page of it per child, 435 pages of a batch's 1,762 with 10^6 activities stored
    (docs/performance.md, "Stored vs empty"). The child's file and the mentee list read the same
    activities through ``pairings(mentee_id)`` and ``activities(pairing_id, date, …)``, about as fast
    (a file of a child with 5,000 activities 51 ms against 47, the list of 200 children 10 ms against 7).
    """
    db.execute("DROP INDEX IF EXISTS idx_activities_mentee")


@migrations
def m018_conflicts_follow_their_child(db: sqlite_utils.Database) -> None:
    """A conflict parked on a child's record takes the child's unit again.

    A child who moved school took their records along but left their open conflicts with the old
    school, which went on seeing them (the child's name among them) and could resolve them; the
    write path now moves them too (sync/rules.py ``_cascade_unit``), and this puts right the ones
    moved before.
    """
    db.execute("UPDATE sync_conflicts SET unit_id = (SELECT m.unit_id FROM mentees m"
               " WHERE m.id = sync_conflicts.mentee_id)"
               " WHERE EXISTS (SELECT 1 FROM mentees m WHERE m.id = sync_conflicts.mentee_id)")


@migrations
def m019_review_target_version(db: sqlite_utils.Database) -> None:
    """A review keeps the version of the record it judged (``target_version``), and one sent with
    the version its reviewer read is refused if the record changed since (sync/rules.py)."""
    db.execute("ALTER TABLE reviews ADD COLUMN target_version INTEGER")


@migrations
def m020_scope_resets(db: sqlite_utils.Database) -> None:
    """Changes of scope no ``drop`` list can express: a station or school moved to another town,
    a staff account moved to another unit or role. A device whose cursor is older than such a
    change is told to pull from the start (``cursor_invalid``; sync/feed.py), which replaces its
    copy with what its scope holds now. ``user_id`` NULL: every staff and reviewer account.

    The seq comes from the one sequence the feed and the scope log share (``head_seq``).
    """
    db.execute("CREATE TABLE sync_scope_resets (seq INTEGER PRIMARY KEY, user_id TEXT, at TEXT NOT NULL,"
               " reason TEXT NOT NULL)")


@migrations
def m021_feed_mentee_index_without_pairings(db: sqlite_utils.Database) -> None:
    """The feed's index by mentee keeps only the rows of no pairing (the mentee, screenings,
    referrals, reviews); a pairing's own row and its activities are found through the pairing
    (``records.pairing_feed_rows``).

    Every create of an activity wrote ``sync_feed(mentee_id, seq)`` at the end of its child's
    entries: with 10^6 activities stored, a batch touching 200 children dirtied a leaf of it and
    often the interior page above, 407 of a batch's 2,819 pages (docs/performance.md). Without
    it, stored/empty push rose from 0.75 to 0.80–0.84 (v7 ids, two rounds each). A mentor's pull
    walks the feed in seq order from its cursor, as staff pulls already did.
    """
    db.execute("DROP INDEX IF EXISTS idx_sync_feed_mentee")
    db.execute("CREATE INDEX idx_sync_feed_mentee ON sync_feed(mentee_id, seq) WHERE pairing_id IS NULL")


@migrations
def m022_no_activity_unit_date_index(db: sqlite_utils.Database) -> None:
    """``activities(unit_id, date)`` goes: no page or report needs it, and every create wrote it.

    A trace of every statement on activities that the page and query tests run (29,722 distinct),
    planned against a demo county with and without it, found two that used it: the list of open
    risk flags, which now walks the flagged rows alone through ``idx_activities_risk_date``
    instead of every activity of the units in scope, and a child's archive, which goes through
    ``activities(pairing_id, date, …)``. The reports bench (10^6 activities) gives the same
    statistics form and dashboard times without it (0.784 s and 0.545 s against 0.792 s and
    0.551 s). Each create put an entry at a random place of it (visit dates are not in order):
    275 of a batch's 2,031 pages in a county of 20,000 activities (docs/performance.md).
    """
    db.execute("DROP INDEX IF EXISTS idx_activities_unit_date")


@migrations
def m023_scope_log_unit_records(db: sqlite_utils.Database) -> None:
    """The scope log also names a unit's own record that moved to another unit (an event, an
    inspection, an enrolment figure, a statistics return and its reviews), by the record's ``num``.

    Those carry no child, so the log's rows by mentee never told the old unit's devices to drop
    them: they kept an event or an inspection report that was now another unit's. ``mentee_id``
    becomes optional (SQLite cannot relax NOT NULL in place; the log is small: one row per pairing
    that ended and per child or record that moved), and a row names a child or a record.
    """
    for statement in (
        """CREATE TABLE sync_scope_log_records (
            id INTEGER PRIMARY KEY,
            seq INTEGER NOT NULL,
            user_id TEXT,
            unit_id TEXT,
            mentee_id TEXT,
            pairing_id TEXT,
            num INTEGER,  -- the moved record's number (its feed row), when it is no child's
            CHECK (mentee_id IS NOT NULL OR num IS NOT NULL)
        )""",
        "INSERT INTO sync_scope_log_records (id, seq, user_id, unit_id, mentee_id, pairing_id)"
        " SELECT id, seq, user_id, unit_id, mentee_id, pairing_id FROM sync_scope_log ORDER BY id",
        "DROP TABLE sync_scope_log",
        "ALTER TABLE sync_scope_log_records RENAME TO sync_scope_log",
        "CREATE INDEX idx_sync_scope_log_user ON sync_scope_log(user_id, seq)",
        "CREATE INDEX idx_sync_scope_log_unit ON sync_scope_log(unit_id, seq)",
    ):
        db.execute(statement)


@migrations
def m024_report_evidence_indexes(db: sqlite_utils.Database) -> None:
    """The statistics form's two person counts (排查心理存在问题学生, 成功干预、疏导学生) find their
    evidence through partial indexes of only the flagged screenings and improved closed pairings.

    Before, each went through every screening of the period (the index by unit and date, then each
    row for its flag) and every pairing: over 10^6 activities and 10^5 screenings the two columns
    took 1.0 of the form's 2.5 s on a slow 2-core machine, and 0.15 s after (docs/performance.md).
    Only a flagged record writes an entry, so a push of visits pays nothing for them.
    """
    db.executescript(
        """
        CREATE INDEX idx_screenings_psych ON screenings(date, mentee_id) WHERE psych_problem = 1 AND deleted = 0;
        CREATE INDEX idx_screenings_helped ON screenings(date, mentee_id)
            WHERE intervention_success = 1 AND deleted = 0;
        CREATE INDEX idx_pairings_improved ON pairings(end_date, mentee_id)
            WHERE status = 'closed' AND outcome = 'improved' AND deleted = 0;
        """
    )


@migrations
def m026_inspecting_unit(db: sqlite_utils.Database) -> None:
    """An inspection keeps the unit that made it (``inspecting_unit_id``, 督查单位), set by the server
    on create from the writer's unit and never changed. (Not m025: docs/performance.md gives that
    name to an index that was tried and not kept.)

    Before, the inspecting unit was read as its author's unit at the time of reading: when a town's
    staff member moved to the county or another town, the archive showed the inspection as made by
    the new unit, and the right to edit it and to decide its conflicts went along with the person.

    Existing inspections take their author's unit on the day the inspection was saved, the best
    knowledge there is: every change of an account's unit is in the audit log (sync/users.py
    ``save_user``, ``{"unit_id": [before, after]}``), so an author who moved after saving it gives
    the unit they left at their first move since; one who never moved gives their unit now. An
    inspection with no author (none is written so) stays empty: the county edits those. One read of
    the log's account rows (it has no index by entity; a few hundred inspections would each scan it
    otherwise). Versions do not change, so no device pulls inspections again for this (the phone
    app keeps none: pwa/js/repo.js ``SYNCED``); a pull sends the field from now on.
    """
    db.execute("ALTER TABLE inspections ADD COLUMN inspecting_unit_id TEXT REFERENCES units(id)")
    moves: dict[str, list[tuple[str, str]]] = {}  # account -> (when, unit it left), oldest first
    for user_id, at, left in db.execute(
            "SELECT record_id, at, json_extract(changes, '$.unit_id[0]') FROM sync_audit"
            " WHERE entity = 'user' AND op = 'update' AND json_type(changes, '$.unit_id') = 'array'"
            " ORDER BY id").fetchall():
        moves.setdefault(user_id, []).append((at, left))
    # Units are only soft-deleted, but a log naming one the table lacks must not stop the upgrade
    # on the foreign key: that inspection's unit stays unknown instead.
    known = {r[0] for r in db.execute("SELECT id FROM units").fetchall()}
    units = []
    for inspection_id, created_at, author_id, unit_now in db.execute(
            "SELECT i.id, i.created_at, i.author_id, u.unit_id FROM inspections i"
            " LEFT JOIN users u ON u.id = i.author_id").fetchall():
        unit = next((left for at, left in moves.get(author_id, ()) if at > created_at), unit_now)
        units.append((unit if unit in known else None, inspection_id))
    db.conn.executemany("UPDATE inspections SET inspecting_unit_id = ? WHERE id = ?", units)


# The table and its fill as m027 makes them: ``counts.COUNT_ALL_SQL`` now also fills m044's column.
M027_ACTIVITY_COUNTS = (
    """CREATE TABLE activity_counts (
        date TEXT NOT NULL,
        unit_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (date, unit_id, kind)
    ) WITHOUT ROWID""",
    "INSERT INTO activity_counts (date, unit_id, kind, n)"
    " SELECT date, unit_id, kind, count(*) FROM activities WHERE deleted = 0 GROUP BY 1, 2, 3",
)


@migrations
def m027_activity_counts(db: sqlite_utils.Database) -> None:
    """Live-activity counts by day, unit and kind (``sync/counts.py``), kept by the write path from
    now on and counted here from the activities already stored.

    The statistics form's 面对面谈心 counted the 485,000 home visits and talks of a county's year
    one index entry at a time (0.70–0.88 s of the form's 1.28 s over 10^6 activities on a slow
    2-core machine), and the dashboard's activities per month walked 10^6 entries of
    ``idx_activities_date_cover``; both now read these rows (docs/performance.md, "Reports").
    """
    for statement in M027_ACTIVITY_COUNTS:
        db.execute(statement)


@migrations
def m028_no_activity_date_cover_index(db: sqlite_utils.Database) -> None:
    """``activities(date, deleted, unit_id, pairing_id)`` (m013) goes: since m027 the dashboard's
    months read ``activity_counts``, and every create wrote an entry of it.

    A trace of every statement on activities that the page, query and engine tests run (45,500
    distinct), and of every page read by four people over a county of 10^6 activities, planned with
    and without it (with the county's ANALYZE statistics and with none, as the server runs), found
    these using it: the brief's and the year-end summary's walk over a whole county (by date, then
    a lookup of each activity, its pairing and its child: the county's year took 13.6 s, now 6.1 s
    pairing by pairing, ``server/queries/progress.py``), the statistics drill-down of a county's
    talks (17 s, now 6.7 s) and, with statistics only, the dashboard's risk flags of a town (now the
    flagged rows alone). Only a county brief of a few days read faster through it (0.55 s, now
    0.65 s). It was 26,000 of the reports county's 270,000 pages, and a push of 500 creates wrote
    13-55 pages of it (docs/performance.md, "Reports").
    """
    db.execute("DROP INDEX IF EXISTS idx_activities_date_cover")


@migrations
def m029_pairing_latest(db: sqlite_utils.Database) -> None:
    """Each pairing's latest live activity (``sync/latest.py``), kept by the write path from now on
    and worked out here from the activities already stored.

    The dashboard's overdue follow-ups probed the two latest activities of every active pairing
    in scope (42,000 in a county of 10^6 activities: 0.24-0.3 s of a 0.45 s dashboard on a quick
    machine, about twice that on a slow one); they now read these rows, 0.03-0.05 s
    (docs/performance.md, "Reports").
    """
    db.execute(latest.CREATE_SQL)
    db.execute(latest.FILL_ALL_SQL)


@migrations
def m030_mentee_code_index(db: sqlite_utils.Database) -> None:
    """Children by code (``trim(code)``), for the write rule that no two live children share one
    (sync/rules.py ``_code_in_use``): a probe of this index per child created or given a new code,
    where the table had no index by code. Not UNIQUE: a deleted child keeps its code, and rows stored
    before the rule may already share one (they are left for the staff to correct)."""
    db.execute("CREATE INDEX idx_mentees_code ON mentees(trim(code))")


# The two indexes m012 makes, as it makes them now: (name, table, columns).
M012_INDEXES = (
    ("idx_activities_pairing_date", "activities", ("pairing_id", "date", "kind", "deleted", "follow_up_due")),
    ("idx_screenings_mentee_date", "screenings", ("mentee_id", "date", "deleted", "psych_problem",
                                                  "intervention_success")),
)


@migrations
def m031_repair_m012_indexes(db: sqlite_utils.Database) -> None:
    """m012 and m013 gained and changed indexes after they had shipped (2026-12-01), so a database
    made that day holds a set of its own: without ``idx_activities_pairing_date`` a child's page
    failed (it reads ``INDEXED BY`` that index), with ``idx_activities_pairing_latest`` or the
    one-column ``idx_activities_pairing`` every push kept an index nothing reads. This brings any
    of them to the indexes a new database has; on a database that has them it changes nothing."""
    for stale in ("idx_activities_pairing", "idx_activities_pairing_latest", "idx_screenings_mentee"):
        db.execute(f"DROP INDEX IF EXISTS {stale}")
    for name, table, columns in M012_INDEXES:
        have = tuple(row[2] for row in db.execute(f"PRAGMA index_info({name})").fetchall())
        if have != columns:
            db.execute(f"DROP INDEX IF EXISTS {name}")
            db.execute(f"CREATE INDEX {name} ON {table}({', '.join(columns)})")


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


# What the write path keeps from the activities (table, the statement that works it out from them).
DERIVED_FROM_ACTIVITIES = (("activity_counts", counts.COUNT_ALL_SQL), ("pairing_latest", latest.FILL_ALL_SQL))


def refill_derived(conn: sqlite3.Connection) -> None:
    """Work out again from the activities what the write path keeps from them, for a load that
    wrote activities straight into their table (the benches' counties)."""
    for table, fill in DERIVED_FROM_ACTIVITIES:
        conn.execute(f"DELETE FROM {table}")
        conn.execute(fill)
