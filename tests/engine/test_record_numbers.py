"""Records are numbered (sync/schema/m012_m031.py m015): the feed and the audit log find a record by its
number, not its id, so a create with a random (v4) id writes no index entry on a random page of
either (docs/performance.md, "Stored vs empty").

``tests/fixtures/demo_before_m015.sql.gz`` is the demo county as the engine wrote it before
m015 (``banxing demo``, dumped with ``sqlite3 .dump``): the migration converts it in place.
"""
from __future__ import annotations

import gzip
import pathlib
import re
import sqlite3
from typing import Any

import pytest
import sqlite_utils

import sync.feed
from sync import apply_mutations, connect, migrations, pull_changes
from sync.audit import CHANGING_STATUSES, record_history
from sync.entities import ENTITIES
from sync.records import DOCUMENT_SQL
from sync.scope import Actor
from sync.system import SYSTEM
from tests.factories import make_mentee, make_pairing, make_unit, make_user, upsert

FIXTURE = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "demo_before_m015.sql.gz"
FEED = "seq, entity, record_id, version, deleted, unit_id, mentee_id, pairing_id"


@pytest.fixture
def old(tmp_path: pathlib.Path) -> sqlite_utils.Database:
    path = tmp_path / "demo-before.db"
    conn = sqlite3.connect(path)
    conn.executescript(gzip.decompress(FIXTURE.read_bytes()).decode())
    conn.close()
    database = connect(path)
    yield database
    database.close()


def records(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    # An entity whose table a later migration makes (peer_helper, m048; donation, m049) holds nothing yet.
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()}
    return [(name, r[0]) for name, e in ENTITIES.items() if e.table in tables
            for r in db.execute(f"SELECT id FROM {e.table}").fetchall()]


def every_pull(db: sqlite_utils.Database) -> dict[str, list[str]]:
    """Every account's pull from the start, page by page (7 records a page), as sent on the wire."""
    out = {}
    for user_id, role, unit_id in db.execute("SELECT id, role, unit_id FROM users ORDER BY id").fetchall():
        actor, cursor, pages = Actor(user_id, role, unit_id, None, ""), None, []
        while True:
            page = pull_changes(db, actor, cursor, 7)
            pages.append(page.to_json())
            cursor = page.cursor
            if not page.more:
                break
        out[user_id] = pages
    return out


def audit_ids(db: sqlite_utils.Database, where: str, params: list[Any]) -> list[int]:
    marks = ", ".join("?" * len(CHANGING_STATUSES))
    return [r[0] for r in db.execute(f"SELECT id FROM sync_audit WHERE {where} AND status IN ({marks}) ORDER BY id",
                                     [*params, *CHANGING_STATUSES]).fetchall()]


def test_the_migration_numbers_every_record_of_a_database_made_before_it(
    old: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed_before = old.execute(f"SELECT {FEED} FROM sync_feed ORDER BY seq").fetchall()
    seq_of = {(e, r): s for s, e, r, *_ in feed_before}
    history_before = {key: audit_ids(old, "record_id = ? AND entity = ?", [key[1], key[0]]) for key in records(old)}
    # Before m015 and m016 a pull could only find a record's document by its id; reviews had no
    # target_version before m019, inspections no inspecting_unit_id before m026, returns no summary before
    # m045, events no plan, make_up or forwarded before m047 (compared without them below), and there
    # was no 骨干学生 register before m048 and no donations before m049.
    older_fields = DOCUMENT_SQL.replace("'target_version', r.target_version, ", "").replace(
        ", 'inspecting_unit_id', r.inspecting_unit_id", "").replace("'summary', r.summary, ", "").replace(
        ", 'plan', r.plan, 'make_up', json(CASE WHEN r.make_up IS NULL THEN 'null' WHEN r.make_up THEN 'true'"
        " ELSE 'false' END), 'forwarded', r.forwarded", "")
    older_fields = re.sub(r" WHEN 'peer_helper' THEN \(SELECT .*? FROM peer_helpers r WHERE r\.num = f\.num\)", "",
                          older_fields)
    older_fields = older_fields[:older_fields.index(" WHEN 'donation'")] + " END"
    with monkeypatch.context() as patch:
        patch.setattr(sync.feed, "DOCUMENT_SQL", older_fields.replace("r.num = f.num", "r.id = f.record_id"))
        # ... and knew no scope resets (m020).
        patch.setattr(sync.feed, "head_seq", lambda db: db.execute(
            "SELECT max(coalesce((SELECT max(seq) FROM sync_feed), 0),"
            " coalesce((SELECT max(seq) FROM sync_scope_log), 0))").fetchone()[0])
        patch.setattr(sync.feed, "_reset_since", lambda *_: False)
        patch.setattr(sync.feed, "history", lambda db: "0")  # nor restores (the history is their number)
        # ... and found a pairing's feed rows through the feed's index by mentee (m021).
        patch.setattr(sync.feed, "pairing_feed_rows", lambda db, mentee_id, pairing_ids, columns: db.execute(
            f"SELECT {columns} FROM sync_feed WHERE mentee_id = ?"
            f" AND pairing_id IN ({', '.join('?' * len(pairing_ids))}) ORDER BY seq",
            [mentee_id, *pairing_ids]).fetchall())
        # ... and had a scope log that named children only (m023).
        patch.setattr(sync.feed, "UNIT_DEPARTURES_SQL", "SELECT mentee_id, NULL, NULL, NULL FROM sync_scope_log"
                      " WHERE unit_id IN ({units}) AND seq > ? AND seq <= ?")
        pulls_before = every_pull(old)
    assert len(feed_before) == len(history_before) > 700  # the demo county

    assert migrations.apply(old) == ["m015_record_numbers", "m016_record_number_index", "m017_no_activity_mentee_index",
                                     "m018_conflicts_follow_their_child", "m019_review_target_version",
                                     "m020_scope_resets", "m021_feed_mentee_index_without_pairings",
                                     "m022_no_activity_unit_date_index", "m023_scope_log_unit_records",
                                     "m024_report_evidence_indexes", "m026_inspecting_unit",
                                     "m027_activity_counts", "m028_no_activity_date_cover_index",
                                     "m029_pairing_latest", "m030_mentee_code_index", "m031_repair_m012_indexes",
                                     "m032_password_to_change", "m033_phone_refusals_index",
                                     "m034_volunteers_without_passwords", "m035_mentee_codes_in_one_form",
                                     "m036_grades_in_one_form", "m037_ended_pairings_get_their_end_date",
                                     "m038_conflicts_of_deleted_files_close",
                                     "m039_county_settings", "m040_return_deadlines",
                                     "m041_county_settings_audit_index", "m042_waiting_activities_by_unit",
                                     "m043_deleted_parents", "m044_activity_counts_entered",
                                     "m045_return_summary", "m046_mentor_kind",
                                     "m047_event_registers", "m048_peer_helpers",
                                     "m049_donations", "m050_withdrawn_risk_flags",
                                         "m051_running_pairings_by_mentee", "m052_unit_renames", "m053_user_changes",
                                         "m054_waiting_activities_by_author"]

    assert old.execute(f"SELECT {FEED} FROM sync_feed ORDER BY seq").fetchall() == feed_before
    assert old.execute("SELECT count(*) FROM sync_feed WHERE num != seq").fetchone() == (0,)
    for (entity, record_id), audit in history_before.items():
        (num,) = old.execute(f"SELECT num FROM {ENTITIES[entity].table} WHERE id = ?", [record_id]).fetchone()
        assert num == seq_of[(entity, record_id)]
        assert audit_ids(old, "num = ?", [num]) == audit, (entity, record_id)
    with monkeypatch.context() as patch:
        patch.setattr(sync.feed, "DOCUMENT_SQL", older_fields)
        assert every_pull(old) == pulls_before
    # Nobody in the demo county moved: each inspection's unit is its author's.
    assert old.execute("SELECT count(*), count(i.inspecting_unit_id) FROM inspections i JOIN users u"
                       " ON u.id = i.author_id AND u.unit_id = i.inspecting_unit_id").fetchone() == (
        old.execute("SELECT count(*), count(*) FROM inspections").fetchone())
    assert old.execute("PRAGMA foreign_key_check").fetchall() == []
    assert old.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_volunteer_accounts_made_before_passwords_were_dropped_lose_theirs_and_others_keep_them(
    old: sqlite_utils.Database,
) -> None:
    # Volunteers never sign in on the web: a password kept from back then is a way in nobody uses.
    def passwords() -> dict[str, set[bool]]:
        found: dict[str, set[bool]] = {}
        for role, hashed in old.execute("SELECT role, password_hash IS NOT NULL FROM users").fetchall():
            found.setdefault(role, set()).add(bool(hashed))
        return found

    assert passwords()["mentor"] == {True}
    migrations.apply(old)
    assert passwords() == {"mentor": {False}, "staff": {True}, "reviewer": {True}, "admin": {True}}
    assert old.execute("SELECT count(*) FROM users WHERE must_change_password != 0").fetchone() == (0,)

def test_an_old_record_changed_after_the_migration_keeps_one_feed_row_and_its_whole_history(
    old: sqlite_utils.Database,
) -> None:
    migrations.apply(old)
    (record_id, version, num) = old.execute(
        "SELECT a.id, a.version, a.num FROM activities a WHERE a.deleted = 0 AND a.review_status != 'approved'"
        " AND (SELECT count(*) FROM sync_audit s WHERE s.num = a.num) >= 2 ORDER BY a.id LIMIT 1").fetchone()
    before = record_history(old, "activity", record_id)
    assert before[0]["op"] == "create" and len(before) >= 2

    (outcome,) = apply_mutations(old, SYSTEM, [upsert("activity", record_id, {"follow_up": "迁移后补记"}, None,
                                                      base_version=version)])
    assert outcome.status == "applied", outcome

    assert old.execute("SELECT count(*), count(DISTINCT record_id) FROM sync_feed").fetchone() == (
        (len(records(old)),) * 2)
    seq, feed_num = old.execute("SELECT seq, num FROM sync_feed WHERE record_id = ?", [record_id]).fetchone()
    assert feed_num == num and seq == old.execute("SELECT max(seq) FROM sync_feed").fetchone()[0]
    after = record_history(old, "activity", record_id)
    assert after[:-1] == before
    assert after[-1]["changes"]["follow_up"][1] == "迁移后补记"


def test_a_record_keeps_the_number_it_was_created_at(db: sqlite_utils.Database) -> None:
    county = make_unit(db)
    assert db.execute("SELECT u.num = f.seq FROM units u JOIN sync_feed f ON f.record_id = u.id").fetchall() == [(1,)]
    staff = make_user(db, "staff", county)
    school = make_unit(db, "县直学校", "school", county)
    pairing = make_pairing(db, staff, make_user(db, "mentor", county), make_mentee(db, staff, school))
    (created,) = db.execute("SELECT num FROM pairings WHERE id = ?", [pairing]).fetchone()
    for goals in ("多陪伴", "每周一次"):
        version = db.execute("SELECT version FROM pairings WHERE id = ?", [pairing]).fetchone()[0]
        (outcome,) = apply_mutations(db, staff, [upsert("pairing", pairing, {"goals": goals}, None,
                                                        base_version=version)])
        assert outcome.status == "applied"
    num, seq = db.execute("SELECT p.num, f.seq FROM pairings p JOIN sync_feed f ON f.num = p.num WHERE p.id = ?",
                          [pairing]).fetchone()
    assert num == created and seq == db.execute("SELECT max(seq) FROM sync_feed").fetchone()[0] > num
    audit = db.execute("SELECT op, num FROM sync_audit WHERE record_id = ? ORDER BY id", [pairing]).fetchall()
    assert audit == [("create", num), ("update", num), ("update", num)]
    assert [h["changes"].get("goals", [None, None])[1] for h in record_history(db, "pairing", pairing)][1:] == [
        "多陪伴", "每周一次"]


def test_the_feed_and_the_audit_log_have_no_index_on_record_ids(db: sqlite_utils.Database) -> None:
    """A random id would put each create's entry on a random page of such an index. Only the accounts'
    rows may be indexed by id (m053): no phone writes an account, and the admin makes a few a week."""
    for table in ("sync_feed", "sync_audit"):
        for (name,) in db.execute(f"SELECT name FROM pragma_index_list('{table}')").fetchall():
            first = db.execute(f"SELECT name FROM pragma_index_info('{name}') WHERE seqno = 0").fetchone()
            sql = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [name]).fetchone()[0] or ""
            assert first != ("record_id",) or sql.endswith("WHERE entity = 'user'"), (table, name)


def test_every_entity_table_has_a_record_number_and_a_unique_index_on_it(db: sqlite_utils.Database) -> None:
    """An entity table added by a later migration must carry ``num INTEGER`` (m015) and a unique
    index on it (m016): a pull finds each record's document by its number."""
    for entity in ENTITIES.values():
        columns = {r[1] for r in db.execute(f"PRAGMA table_info({entity.table})").fetchall()}
        assert "num" in columns, entity.table
        unique = [name for name, is_unique in db.execute(
            f"SELECT name, \"unique\" FROM pragma_index_list('{entity.table}')").fetchall() if is_unique]
        assert any(db.execute(f"SELECT name FROM pragma_index_info('{name}')").fetchall() == [("num",)]
                   for name in unique), entity.table


def test_a_pull_finds_each_document_by_the_record_number(db: sqlite_utils.Database) -> None:
    """Not by the id: with random ids, a page would read a random leaf of the id index per record."""
    plan = " ".join(r[3] for r in db.execute(
        f"EXPLAIN QUERY PLAN SELECT {DOCUMENT_SQL} FROM sync_feed f WHERE f.seq > 0").fetchall())
    assert plan.count("USING INDEX idx_activities_num (num=?)") == 1, plan
    assert "sqlite_autoindex_activities" not in plan, plan
