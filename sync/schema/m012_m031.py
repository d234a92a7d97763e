"""Steps m012-m031: the indexes, record numbers and kept tables (activity counts, each pairing's
latest activity) a county of 10^6 activities needs (docs/performance.md), the scope log and resets,
and the repairs of rows and indexes stored before a write rule."""
from __future__ import annotations

import sqlite_utils

from .. import latest
from .registry import migrations


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
    from ..entities import ENTITIES

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
    from ..entities import ENTITIES

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
