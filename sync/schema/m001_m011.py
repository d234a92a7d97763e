"""The first steps, m001-m011: the domain and engine tables, then the columns and tables of the
first rounds (a volunteer's profile, a review's child, a risk flag's handling, referrals,
inspections)."""
from __future__ import annotations

import sqlite_utils

from .registry import RECORD_COLUMNS, migrations


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
