"""The ``server`` migration set: enrolment codes, guess throttling, the access log."""
from __future__ import annotations

import sqlite_utils

from sync.db import Migrations

migrations = Migrations("server")


@migrations
def m001_accounts(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE enrol_codes (
            code_hash TEXT PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES users(id),
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT,
            device_id TEXT
        );
        CREATE INDEX idx_enrol_codes_user ON enrol_codes(user_id);

        CREATE TABLE throttle (
            key TEXT PRIMARY KEY,
            failures INTEGER NOT NULL,
            window_start TEXT NOT NULL,
            locked_until TEXT
        );

        CREATE TABLE access_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            user_id TEXT,
            device_id TEXT,
            action TEXT NOT NULL,
            target TEXT,
            ip TEXT
        );
        CREATE INDEX idx_access_log_at ON access_log(at);
        """
    )


@migrations
def m002_access_log_counts(db: sqlite_utils.Database) -> None:
    """How many records of which entities an access showed; the log refuses edits and deletes."""
    db.executescript(
        """
        ALTER TABLE access_log ADD COLUMN record_count INTEGER;
        ALTER TABLE access_log ADD COLUMN entities TEXT;
        CREATE INDEX idx_access_log_user ON access_log(user_id, id);
        CREATE INDEX idx_access_log_target ON access_log(target, id);
        CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
            BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END;
        CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
            BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END;
        """
    )


@migrations
def m003_web_sessions(db: sqlite_utils.Database) -> None:
    """Web sign-ins, account lockouts and form drafts kept across an expired session."""
    db.executescript(
        """
        -- One row per sign-in; the signed cookie carries the id. Ending a row (logout,
        -- deactivation) ends the session at once, whatever the cookie's age.
        CREATE TABLE web_sessions (
            id TEXT PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES users(id),
            created_at TEXT NOT NULL,
            ended_at TEXT,
            ip TEXT
        );
        CREATE INDEX idx_web_sessions_user ON web_sessions(user_id);

        -- Wrong passwords per account; each lockout doubles the next one.
        CREATE TABLE login_failures (
            login TEXT PRIMARY KEY,
            failures INTEGER NOT NULL,
            lockouts INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT,
            last_failure_at TEXT NOT NULL
        );

        -- What a person had typed into a form when their session expired; restored after sign-in.
        CREATE TABLE form_drafts (
            id TEXT PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES users(id),
            path TEXT NOT NULL,
            fields TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        """
    )


@migrations
def m004_pwa_recovery(db: sqlite_utils.Database) -> None:
    """Forgotten PINs: each phone's recovery key (held only here) and the one-time codes that release it."""
    db.executescript(
        """
        CREATE TABLE recovery_keys (
            device_id TEXT PRIMARY KEY REFERENCES sync_devices(id),
            recovery_key TEXT NOT NULL,
            stored_at TEXT NOT NULL,
            released_by TEXT  -- code_hash of the recovery code that released it, until replaced
        );

        CREATE TABLE recovery_codes (
            device_id TEXT NOT NULL REFERENCES sync_devices(id),
            code_hash TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT,
            PRIMARY KEY (device_id, code_hash)
        );
        """
    )


@migrations
def m005_year_summaries(db: sqlite_utils.Database) -> None:
    """The year-end summaries' edited texts: every save is a new row (the history of a text);
    the newest row of a unit and year is the current text."""
    db.executescript(
        """
        CREATE TABLE year_summaries (
            id INTEGER PRIMARY KEY,
            unit_id TEXT NOT NULL REFERENCES units(id),
            year INTEGER NOT NULL,
            text TEXT NOT NULL,
            saved_by TEXT NOT NULL REFERENCES users(id),
            saved_at TEXT NOT NULL
        );
        CREATE INDEX idx_year_summaries_unit_year ON year_summaries(unit_id, year, id);
        """
    )


@migrations
def m006_phone_import_ledger(db: sqlite_utils.Database) -> None:
    """The changes of phones' export files already entered (``server/phone_export_entry.py``), by a
    digest of what each change says: the same file uploaded again enters nothing twice, and parks
    no second conflict, whatever happened to the records since."""
    db.executescript(
        """
        CREATE TABLE phone_import_ledger (
            digest TEXT PRIMARY KEY,
            record_id TEXT NOT NULL,
            entered_by TEXT NOT NULL REFERENCES users(id),
            entered_at TEXT NOT NULL,
            outcome TEXT NOT NULL
        );
        """
    )


@migrations
def m007_replaced_enrol_codes(db: sqlite_utils.Database) -> None:
    """A new enrolment code for a volunteer replaces their earlier unused ones (``server/devices.py``
    ``issue_code``): a code printed or shown before, lost or photographed, no longer enrols a phone as
    them. ``replaced_at`` says when, so the phone that tries one is told so, not 'wrong' or 'expired'.
    Codes already issued twice are settled the same way: each unused code a later one was issued for
    while it was valid is replaced from then."""
    db.execute("ALTER TABLE enrol_codes ADD COLUMN replaced_at TEXT")
    db.execute(
        "UPDATE enrol_codes SET replaced_at = (SELECT min(n.created_at) FROM enrol_codes n"
        " WHERE n.user_id = enrol_codes.user_id AND n.created_at > enrol_codes.created_at"
        " AND n.created_at <= enrol_codes.expires_at) WHERE used_at IS NULL"
    )


@migrations
def m008_refusal_closings(db: sqlite_utils.Database) -> None:
    """Refused phone records (``server/queries/refused.py``) the station closed without entering them
    (``server/refusal_closing.py``): one row per record, keyed by the id the phone gave it, with who
    closed it, when, the day the handling was done and the words saying what was done or why it is not
    entered. A closed record leaves the refused lists (the home's tile and cards, the risk lists);
    the row is the trace of it, so it is never changed or deleted."""
    db.executescript(
        """
        CREATE TABLE refusal_closings (
            record_id TEXT PRIMARY KEY,
            entity TEXT NOT NULL,
            audit_id INTEGER NOT NULL,
            unit_id TEXT NOT NULL REFERENCES units(id),
            mentee_id TEXT,
            pairing_id TEXT,
            volunteer_id TEXT REFERENCES users(id),
            visit_date TEXT,
            flagged INTEGER NOT NULL DEFAULT 0,
            words TEXT NOT NULL,
            done_on TEXT NOT NULL,
            closed_by TEXT NOT NULL REFERENCES users(id),
            closed_at TEXT NOT NULL
        );
        CREATE INDEX idx_refusal_closings_unit ON refusal_closings(unit_id, closed_at);
        CREATE INDEX idx_refusal_closings_pairing ON refusal_closings(pairing_id);
        CREATE TRIGGER refusal_closings_no_update BEFORE UPDATE ON refusal_closings
            BEGIN SELECT RAISE(ABORT, 'refusal_closings is append-only'); END;
        CREATE TRIGGER refusal_closings_no_delete BEFORE DELETE ON refusal_closings
            BEGIN SELECT RAISE(ABORT, 'refusal_closings is append-only'); END;
        """
    )


@migrations
def m010_unit_closures(db: sqlite_utils.Database) -> None:
    """Units closed (撤点并校) from a day on (``server/unit_closing.py``): a school whose children, volunteers
    and staff moved elsewhere keeps its events and returns where they were done, so it cannot be deleted;
    a row here says it is 已撤并 from ``closed_on`` (owing no return for a later period). Server-only,
    no phone reads it; reopening deletes the row, and both changes are audited (``unit_closure``)."""
    db.executescript(
        """
        CREATE TABLE unit_closures (
            unit_id TEXT PRIMARY KEY REFERENCES units(id),
            closed_on TEXT NOT NULL,
            closed_by TEXT NOT NULL REFERENCES users(id),
            closed_at TEXT NOT NULL
        );
        """
    )


@migrations
def m013_distinct_visits(db: sqlite_utils.Database) -> None:
    """Visits a person said are two (``server/queries/likely_visits.py``): the 代录 form saved one of a
    pairing's day only once ticked 确实是另一次帮扶, beside the visits named; each pair is kept both ways,
    with who said so and when, so the review queue, the visit's page and the archive do not mark them
    可能重复 ever after. A visit recorded later that day (a phone's copy) is marked as any other.
    Server-only, no phone reads it; append-only, the trace of what was said."""
    db.executescript(
        """
        CREATE TABLE distinct_visits (
            activity_id TEXT NOT NULL,
            other_id TEXT NOT NULL,
            said_by TEXT NOT NULL REFERENCES users(id),
            said_at TEXT NOT NULL,
            PRIMARY KEY (activity_id, other_id)
        ) WITHOUT ROWID;
        CREATE TRIGGER distinct_visits_no_update BEFORE UPDATE ON distinct_visits
            BEGIN SELECT RAISE(ABORT, 'distinct_visits is append-only'); END;
        CREATE TRIGGER distinct_visits_no_delete BEFORE DELETE ON distinct_visits
            BEGIN SELECT RAISE(ABORT, 'distinct_visits is append-only'); END;
        """
    )


@migrations
def m014_grade_promotions(db: sqlite_utils.Database) -> None:
    """升年级 (``server/pages/grade_promotion.py``): each September a station's or school's children move
    up one grade in one form. A row per unit and school year (from 1 September) says who did it and
    when, so a second run that year, a double click or two clerks at once is refused in words naming
    them; a row per child and school year says which grade became which, so a child moved to another
    unit after hers was promoted is not promoted again there. Server-only, no phone reads it (the
    phone gets the new grade by sync); append-only, the trace of what was done."""
    db.executescript(
        """
        CREATE TABLE grade_promotions (
            unit_id TEXT NOT NULL REFERENCES units(id),
            school_year INTEGER NOT NULL,
            promoted INTEGER NOT NULL,
            promoted_by TEXT NOT NULL REFERENCES users(id),
            promoted_at TEXT NOT NULL,
            PRIMARY KEY (unit_id, school_year)
        ) WITHOUT ROWID;
        CREATE TABLE promoted_children (
            mentee_id TEXT NOT NULL,
            school_year INTEGER NOT NULL,
            unit_id TEXT NOT NULL REFERENCES units(id),
            from_grade TEXT NOT NULL,
            to_grade TEXT NOT NULL,
            PRIMARY KEY (mentee_id, school_year)
        ) WITHOUT ROWID;
        CREATE TRIGGER grade_promotions_no_update BEFORE UPDATE ON grade_promotions
            BEGIN SELECT RAISE(ABORT, 'grade_promotions is append-only'); END;
        CREATE TRIGGER grade_promotions_no_delete BEFORE DELETE ON grade_promotions
            BEGIN SELECT RAISE(ABORT, 'grade_promotions is append-only'); END;
        CREATE TRIGGER promoted_children_no_update BEFORE UPDATE ON promoted_children
            BEGIN SELECT RAISE(ABORT, 'promoted_children is append-only'); END;
        CREATE TRIGGER promoted_children_no_delete BEFORE DELETE ON promoted_children
            BEGIN SELECT RAISE(ABORT, 'promoted_children is append-only'); END;
        """
    )


@migrations
def m015_care_leavings(db: sqlite_utils.Database) -> None:
    """Why and when a child left care (结束帮扶, ``server/pages/leaving.py``): a row per leaving, written in
    the write that closes her file, with the version that write gave the file. The file says she left
    for that reason while it is still closed at that version or by later edits that left its 状态
    alone (``server/queries/leaving.py``); reopened, the row stays as history. Server-only, no phone
    reads it (``mentees.status`` is what syncs); append-only, the trace of what was said."""
    db.executescript(
        """
        CREATE TABLE care_leavings (
            id INTEGER PRIMARY KEY,
            mentee_id TEXT NOT NULL,
            mentee_version INTEGER NOT NULL,
            left_on TEXT NOT NULL,
            reason TEXT NOT NULL,
            reason_note TEXT,
            recorded_by TEXT NOT NULL REFERENCES users(id),
            recorded_at TEXT NOT NULL
        );
        CREATE INDEX idx_care_leavings_mentee ON care_leavings(mentee_id, id);
        CREATE TRIGGER care_leavings_no_update BEFORE UPDATE ON care_leavings
            BEGIN SELECT RAISE(ABORT, 'care_leavings is append-only'); END;
        CREATE TRIGGER care_leavings_no_delete BEFORE DELETE ON care_leavings
            BEGIN SELECT RAISE(ABORT, 'care_leavings is append-only'); END;
        """
    )
