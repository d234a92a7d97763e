"""The change feed: pages, cursors, latest versions, and drops when scope changes."""
from __future__ import annotations

import base64
import json
from types import SimpleNamespace
from typing import Any

import pytest
import sqlite_utils
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sync import CursorInvalid, HistoryLost, apply_mutations, connect, feed, migrations, new_id, pull_changes
from sync.entities import ENTITIES
from sync.feed import MENTOR_ROWS_SQL, encode_cursor, head_seq
from sync.records import mark_restore, reset_scope
from tests.factories import (
    copy_county,
    make_activity,
    make_county,
    make_mentee,
    make_pairing,
    make_unit,
    make_user,
    mutate,
    pull_all,
    row,
    table_counts,
)

Key = tuple[str, str]


@pytest.fixture
def w(db: sqlite_utils.Database) -> SimpleNamespace:
    return copy_county(db)


def keys(changes: dict[Key, Any]) -> set[Key]:
    return set(changes)


def update(db: sqlite_utils.Database, actor: Any, entity: str, record_id: str, fields: dict[str, Any]) -> None:
    version = row(db, entity, record_id)["version"]
    mutate(db, actor, entity, fields, record_id, base_version=version)


def mentee_history(w: SimpleNamespace) -> set[Key]:
    return {("mentee", w.mentee1), ("pairing", w.pairing1), ("activity", w.activity1), ("screening", w.screening1)}


# --- pulling ----------------------------------------------------------------------------------

def test_pull_from_start_returns_exactly_the_records_of_the_station(db: sqlite_utils.Database,
                                                                    w: SimpleNamespace) -> None:
    changes, drops, _ = pull_all(db, w.staff_st11)
    assert keys(changes) == {
        ("unit", w.st11), ("mentee", w.mentee1), ("mentee", w.mentee2), ("mentee", w.mentee_unpaired),
        ("pairing", w.pairing1), ("pairing", w.pairing2), ("activity", w.activity1), ("activity", w.activity2),
        ("screening", w.screening1), ("screening", w.screening2), ("event", w.event1),
        ("enrolment", w.enrolment1), ("stats_return", w.stats_return1), ("review", w.review1),
        ("referral", w.referral1),
        ("inspection", w.inspection1),
    }
    assert drops == []


def test_pull_from_start_gives_a_mentor_own_mentee_pairing_activities_and_screenings(db: sqlite_utils.Database,
                                                                                     w: SimpleNamespace) -> None:
    changes, drops, _ = pull_all(db, w.mentor1)
    assert keys(changes) == mentee_history(w)
    assert drops == []


def test_pulled_fields_are_the_stored_record(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    update(db, w.mentor1, "activity", w.activity1, {"tags": ["theme", "parents"], "risk_flag": True,
                                                    "duration_min": 40, "follow_up_due": "2026-12-01"})
    changes, _, _ = pull_all(db, w.mentor1)
    change = changes[("activity", w.activity1)]
    stored = row(db, "activity", w.activity1)
    assert change["version"] == stored["version"] == 3 and change["deleted"] is False
    assert change["fields"] == {name: stored[name] for name in ENTITIES["activity"].columns}
    assert change["fields"]["risk_flag"] is True and change["fields"]["tags"] == ["theme", "parents"]


def test_page_to_json_is_the_documented_wire_format(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    page = pull_changes(db, w.mentor1, None, 2)
    doc = json.loads(page.to_json())
    assert set(doc) == {"changes", "cursor", "more", "drop", "history"} and doc["history"] == "0"
    assert doc["more"] is True and doc["cursor"] == page.cursor and doc["drop"] == []
    assert len(doc["changes"]) == 2
    for change in doc["changes"]:
        assert set(change) == {"entity", "record_id", "version", "deleted", "fields"}
        assert isinstance(change["fields"], dict)


def test_pull_pages_by_limit_with_more_until_the_last_page(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    everything, _, _ = pull_all(db, w.admin)
    seen: list[Key] = []
    cursor, pages = None, 0
    while True:
        page = pull_changes(db, w.admin, cursor, 4)
        pages += 1
        assert len(page.changes) <= 4
        seen.extend((e, r) for e, r, *_ in page.changes)
        cursor = page.cursor
        if not page.more:
            break
        assert len(page.changes) == 4
    assert pages == max(1, -(-len(everything) // 4))
    assert len(seen) == len(set(seen)), "a record was sent twice"
    assert set(seen) == set(everything)


def test_pull_at_head_returns_nothing_and_keeps_the_cursor_usable(db: sqlite_utils.Database,
                                                                  w: SimpleNamespace) -> None:
    _, _, cursor = pull_all(db, w.mentor1)
    page = pull_changes(db, w.mentor1, cursor, 10)
    assert (page.changes, page.drop, page.more) == ([], [], False)
    update(db, w.mentor1, "activity", w.activity1, {"record": "新"})
    page = pull_changes(db, w.mentor1, page.cursor, 10)
    assert [(e, r, v) for e, r, v, *_ in page.changes] == [("activity", w.activity1, 3)]


def test_each_record_is_sent_once_at_its_latest_version(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    for text in ("一", "二", "三"):
        update(db, w.mentor1, "activity", w.activity1, {"record": text})
    page = pull_changes(db, w.mentor1, None, 100)
    activity = [c for c in page.changes if c[1] == w.activity1]
    assert len(activity) == 1
    assert activity[0][2] == row(db, "activity", w.activity1)["version"] == 5
    assert json.loads(activity[0][4])["record"] == "三"
    assert len(page.changes) == len({c[1] for c in page.changes})


def test_deleted_record_arrives_as_a_deleted_change(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    _, _, cursor = pull_all(db, w.mentor1)
    apply_mutations(db, w.mentor1, [{"entity": "activity", "record_id": w.activity1, "op": "delete",
                                     "base_version": 2}])
    changes, drops, _ = pull_all(db, w.mentor1, cursor)
    assert changes[("activity", w.activity1)]["deleted"] is True
    assert drops == []


def test_pull_writes_nothing(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    counts = table_counts(db)
    pull_all(db, w.reviewer, limit=3)
    assert table_counts(db) == counts
    assert not db.conn.in_transaction


# --- cursors ----------------------------------------------------------------------------------

def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


GARBAGE = {
    "empty": "",
    "plain_text": "hello",
    "number": "42",
    "prefix_only": "c1.",
    "other_version_prefix": "c2." + b64(b'{"s":1}'),
    "no_prefix": b64(b'{"s":1}'),
    "not_base64": "c1.!!!*",
    "base64_of_junk": "c1." + b64(b"\xff\xfe\x00junk"),
    "base64_of_text": "c1." + b64(b"hello"),
    "json_list": "c1." + b64(b"[1]"),
    "json_null": "c1." + b64(b"null"),
    "seq_missing": "c1." + b64(b'{"t":1}'),
    "seq_string": "c1." + b64(b'{"s":"1"}'),
    "seq_float": "c1." + b64(b'{"s":1.0}'),
    "seq_bool": "c1." + b64(b'{"s":true}'),
    "seq_negative": "c1." + b64(b'{"s":-1}'),
    "seq_nan": "c1." + b64(b'{"s":NaN}'),
    "seq_huge": "c1." + b64(b'{"s":1' + b"0" * 60 + b"}"),
    "too_long": "c1." + "A" * 400,
    "non_ascii": "c1.游标",
}


@pytest.mark.parametrize("name", sorted(GARBAGE))
def test_garbage_cursor_is_refused(db: sqlite_utils.Database, w: SimpleNamespace, name: str) -> None:
    with pytest.raises(CursorInvalid) as exc:
        pull_changes(db, w.mentor1, GARBAGE[name], 10)
    assert "游标" in exc.value.reason


def test_cursor_beyond_the_head_is_refused_as_history_the_server_lost(
    db: sqlite_utils.Database, w: SimpleNamespace
) -> None:
    head = head_seq(db)
    pull_changes(db, w.mentor1, encode_cursor(head), 10)  # the head itself is fine
    with pytest.raises(HistoryLost) as exc:
        pull_changes(db, w.mentor1, encode_cursor(head + 1), 10)
    # Still cursor_invalid for any phone; "restored" tells it to send again what the server lacks.
    assert exc.value.code == "cursor_invalid" and exc.value.extra == {"restored": True}


def test_a_page_names_the_history_which_only_a_restore_changes(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    first = pull_changes(db, w.mentor1, None, 10)
    assert json.loads(first.to_bytes())["history"] == first.history == "0"
    reset_scope(db, "another-account", "账号调整", "2026-12-02T00:00:00Z")  # a scope change is no restore
    assert pull_changes(db, w.mentor1, None, 10).history == "0"
    mark_restore(db, head_seq(db) + 5, "2026-12-02T00:00:00Z")
    restored = pull_changes(db, w.mentor1, first.cursor, 10)
    assert restored.history == str(head_seq(db)) != "0"
    # A cursor from before the restore still reads: the phone hears of it by the history alone.
    assert restored.changes == []


def test_cursor_from_a_bigger_database_is_refused(db: sqlite_utils.Database, tmp_path: Any) -> None:
    other = connect(tmp_path / "other.db")
    migrations.apply(other)
    make_county(other)
    _, _, cursor = pull_all(other, make_user(other, "admin", make_unit(other, "海安县")))
    other.close()
    county = make_unit(db)
    with pytest.raises(CursorInvalid):
        pull_changes(db, make_user(db, "admin", county), cursor, 10)


def legit_cursor(cursor: str, head: int) -> bool:
    """Would a lenient reader take this text for a cursor at or before the head?"""
    if not cursor.startswith("c1.") or len(cursor) > 200:
        return False
    body = cursor[3:]
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except Exception:
        return False
    return isinstance(data, dict) and type(data.get("s")) is int and 0 <= data["s"] <= head


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Any:
    database = connect(tmp_path_factory.mktemp("feed") / "feed.db")
    migrations.apply(database)
    county = make_unit(database)
    staff = make_user(database, "staff", county)
    mentor = make_user(database, "mentor", county)
    school = make_unit(database, "县直学校", "school", county)
    make_pairing(database, staff, mentor, make_mentee(database, staff, school))
    yield database, mentor
    database.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cursor=st.one_of(
    st.text(max_size=40),
    st.text(max_size=40).map(lambda t: "c1." + t),
    st.binary(max_size=40).map(lambda b: "c1." + b64(b)),
    st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=4),
                 lambda c: st.lists(c, max_size=3) | st.dictionaries(st.sampled_from(["s", "t"]), c, max_size=2),
                 max_leaves=4).map(lambda v: "c1." + b64(json.dumps(v).encode())),
    st.integers(-10**6, 10**6).map(lambda s: "c1." + b64(json.dumps({"s": s}).encode())),
))
def test_any_cursor_text_is_either_a_real_position_or_refused(small_db: Any, cursor: str) -> None:
    db, mentor = small_db
    head = head_seq(db)
    assume(not legit_cursor(cursor, head))
    with pytest.raises(CursorInvalid):
        pull_changes(db, mentor, cursor, 10)


# --- continuity while writes interleave ------------------------------------------------------

def interleave_world() -> tuple[sqlite_utils.Database, SimpleNamespace]:
    db = connect(":memory:")
    migrations.apply(db)
    w = SimpleNamespace()
    w.county = make_unit(db)
    w.staff = make_user(db, "staff", w.county)
    w.mentor = make_user(db, "mentor", w.county)
    w.school = make_unit(db, "县直学校", "school", w.county)
    w.mentee = make_mentee(db, w.staff, w.school)
    w.pairing = make_pairing(db, w.staff, w.mentor, w.mentee)
    w.other_mentee = make_mentee(db, w.staff, w.school)
    w.activities = [make_activity(db, w.mentor, w.pairing) for _ in range(3)]
    return db, w


def in_scope_versions(db: sqlite_utils.Database, w: SimpleNamespace, who: str) -> dict[Key, int]:
    """What the caller should hold after a full sync, read straight from the domain tables."""
    out: dict[Key, int] = {}
    if who == "staff":
        for name, entity in ENTITIES.items():
            for rid, version in db.execute(f"SELECT id, version FROM {entity.table}").fetchall():
                out[(name, rid)] = version
        return out
    pairings = db.execute("SELECT id, mentee_id, version FROM pairings WHERE mentor_id = ? AND status = 'active'"
                          " AND deleted = 0", [w.mentor.user_id]).fetchall()
    for pid, mentee_id, version in pairings:
        out[("pairing", pid)] = version
        out[("mentee", mentee_id)] = db.execute("SELECT version FROM mentees WHERE id = ?", [mentee_id]).fetchone()[0]
        for rid, v in db.execute("SELECT id, version FROM activities WHERE pairing_id = ?", [pid]).fetchall():
            out[("activity", rid)] = v
        for rid, v in db.execute("SELECT id, version FROM screenings WHERE mentee_id = ?", [mentee_id]).fetchall():
            out[("screening", rid)] = v
    return out


step = st.one_of(
    st.tuples(st.just("pull"), st.integers(1, 4)),
    st.tuples(st.just("create_activity"), st.just(0)),
    st.tuples(st.just("edit_activity"), st.integers(0, 20)),
    st.tuples(st.just("delete_activity"), st.integers(0, 20)),
    st.tuples(st.just("edit_mentee"), st.integers(0, 1)),
    st.tuples(st.just("create_screening"), st.integers(0, 1)),
    st.tuples(st.just("toggle_pairing"), st.just(0)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(who=st.sampled_from(["mentor", "mentor-by-pairings", "staff"]), steps=st.lists(step, max_size=25))
def test_cursor_continuity_no_record_missed_or_duplicated_while_writes_interleave(who: str,
                                                                                 steps: list[Any]) -> None:
    # "mentor-by-pairings": every pull of the volunteer takes the path of a pull far behind the head.
    walk_rows, feed.MENTOR_WALK_ROWS = feed.MENTOR_WALK_ROWS, -1 if who == "mentor-by-pairings" else 10**9
    try:
        _continuity(who.split("-")[0], steps)
    finally:
        feed.MENTOR_WALK_ROWS = walk_rows


def _continuity(who: str, steps: list[Any]) -> None:
    db, w = interleave_world()
    actor = w.mentor if who == "mentor" else w.staff
    held: dict[Key, int] = {}
    cursor: str | None = None

    def pull_page(limit: int) -> bool:
        nonlocal cursor
        page = pull_changes(db, actor, cursor, limit)
        page_keys = [(e, r) for e, r, *_ in page.changes]
        assert len(page_keys) == len(set(page_keys)), "a record twice in one page"
        assert len(page.changes) <= limit
        assert not set(page_keys) & set(page.drop), "a record both sent and dropped"
        for entity, record_id, version, _deleted, _fields in page.changes:
            assert version >= held.get((entity, record_id), 0), "the feed went back to an older version"
            held[(entity, record_id)] = version
        for key in page.drop:
            held.pop(key, None)
        cursor = page.cursor
        return page.more

    for action, arg in steps:
        live = [a for a in w.activities if not row(db, "activity", a)["deleted"]]
        pairing = row(db, "pairing", w.pairing)
        if action == "pull":
            pull_page(arg)
        elif action == "create_activity" and pairing["status"] == "active":
            w.activities.append(make_activity(db, w.staff, w.pairing))
        elif action == "edit_activity" and live:
            update(db, w.staff, "activity", live[arg % len(live)], {"record": f"第{arg}次修改"})
        elif action == "delete_activity" and live:
            rid = live[arg % len(live)]
            apply_mutations(db, w.staff, [{"entity": "activity", "record_id": rid, "op": "delete",
                                           "base_version": row(db, "activity", rid)["version"]}])
        elif action == "edit_mentee":
            update(db, w.staff, "mentee", [w.mentee, w.other_mentee][arg], {"notes": new_id()[-6:]})
        elif action == "create_screening":
            mutate(db, w.staff, "screening", {"mentee_id": [w.mentee, w.other_mentee][arg], "date": "2026-11-03"})
        elif action == "toggle_pairing":
            status = "closed" if pairing["status"] == "active" else "active"
            update(db, w.staff, "pairing", w.pairing,
                   {"status": status, "end_date": "2026-11-30" if status == "closed" else None})

    while pull_page(3):
        pass
    assert held == in_scope_versions(db, w, who)


def test_a_volunteer_far_behind_the_head_gets_the_same_pages_through_the_pairings(
        db: sqlite_utils.Database, w: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    second = make_pairing(db, w.staff_st11, w.mentor1, w.mentee_unpaired)
    visits = [make_activity(db, w.mentor1, p, record=f"第{i}次") for i in range(4) for p in (w.pairing1, second)]
    make_activity(db, w.mentor2, w.pairing2)  # another volunteer's child, in between
    update(db, w.staff_st11, "activity", visits[0], {"record": "改过"})  # moves to the head
    apply_mutations(db, w.staff_st11, [{"entity": "activity", "record_id": visits[1], "op": "delete",
                                        "base_version": row(db, "activity", visits[1])["version"]}])
    mutate(db, w.staff_st11, "screening", {"mentee_id": w.mentee_unpaired, "date": "2026-11-03"})
    # its history leaves the phone
    update(db, w.staff_st11, "pairing", w.pairing1, {"status": "closed", "end_date": "2026-11-30"})
    head = head_seq(db)

    def pages(walk_rows: int, since: int, limit: int) -> list[Any]:
        monkeypatch.setattr(feed, "MENTOR_WALK_ROWS", walk_rows)
        out, cursor = [], encode_cursor(since)
        while True:
            page = pull_changes(db, w.mentor1, cursor, limit)
            out.append((page.changes, page.cursor, page.more, page.drop))
            cursor = page.cursor
            if not page.more:
                return out

    for since in range(head + 1):
        for limit in (1, 3, 500):
            by_pairings, walked = pages(-1, since, limit), pages(10**9, since, limit)
            assert by_pairings == walked, (since, limit)
    # From the start: the child still paired, their pairing, its visits (the deleted one as deleted)
    # and their screening; nothing of the closed pairing's child or of another volunteer's.
    screenings = [r[0] for r in db.execute("SELECT id FROM screenings WHERE mentee_id = ?", [w.mentee_unpaired])]
    sent = {r for changes, *_ in pages(-1, 0, 500) for _, r, *_ in changes}
    assert sent == {w.mentee_unpaired, second, *visits[1::2], *screenings} and len(screenings) == 1


def test_a_pull_far_behind_the_head_reads_the_feed_by_number_not_in_order(db: sqlite_utils.Database,
                                                                          w: SimpleNamespace) -> None:
    from sync.records import DOCUMENT_SQL
    from sync.scope import load_scope

    where, params = load_scope(db, w.mentor1).feed_filter()
    plan = db.execute("EXPLAIN QUERY PLAN " + MENTOR_ROWS_SQL.format(document=DOCUMENT_SQL, where=where),
                      ["[]", "[]", 0, *params, 10]).fetchall()
    details = [r[-1] for r in plan]
    assert not [d for d in details if d.startswith("SCAN f") or d.startswith("SCAN sync_feed")], details
    assert any("SEARCH f USING INDEX" in d and "num=?" in d for d in details), details


# --- scope changes: drops and newly visible history ---------------------------------------------

def test_closing_a_pairing_drops_the_pairing_its_activities_and_the_mentee_for_the_mentor(
    db: sqlite_utils.Database, w: SimpleNamespace
) -> None:
    more_activity = make_activity(db, w.mentor1, w.pairing1)
    _, _, cursor = pull_all(db, w.mentor1)
    _, _, other_cursor = pull_all(db, w.mentor2)
    update(db, w.staff_st11, "pairing", w.pairing1, {"status": "closed", "outcome": "improved",
                                                     "end_date": "2026-11-30"})
    changes, drops, _ = pull_all(db, w.mentor1, cursor)
    assert changes == {}
    assert set(drops) == mentee_history(w) | {("activity", more_activity)}
    assert len(drops) == len(set(drops))
    # The mentor can no longer write there either.
    (outcome,) = apply_mutations(db, w.mentor1, [{"entity": "activity", "record_id": w.activity1, "op": "upsert",
                                                  "base_version": 2, "fields": {"record": "还想改"}}])
    assert outcome.status == "rejected"
    # Nobody else is told to drop anything.
    assert pull_all(db, w.mentor2, other_cursor)[1] == []


def test_closing_one_of_two_pairings_with_the_same_mentee_keeps_the_mentee(db: sqlite_utils.Database,
                                                                           w: SimpleNamespace) -> None:
    second = make_pairing(db, w.staff_st11, w.mentor1, w.mentee1, approach="guanai")
    second_activity = make_activity(db, w.mentor1, second)
    _, _, cursor = pull_all(db, w.mentor1)
    update(db, w.staff_st11, "pairing", w.pairing1, {"status": "closed", "outcome": "stable", "end_date": "2026-11-30"})
    changes, drops, _ = pull_all(db, w.mentor1, cursor)
    assert set(drops) == {("pairing", w.pairing1), ("activity", w.activity1)}
    assert changes == {}
    held, _, _ = pull_all(db, w.mentor1)
    assert {("mentee", w.mentee1), ("screening", w.screening1), ("pairing", second),
            ("activity", second_activity)} == set(held)


def test_deleting_a_pairing_drops_it_like_closing(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    _, _, cursor = pull_all(db, w.mentor1)
    apply_mutations(db, w.staff_st11, [{"entity": "pairing", "record_id": w.pairing1, "op": "delete",
                                        "base_version": 1}])
    _, drops, _ = pull_all(db, w.mentor1, cursor)
    assert set(drops) == mentee_history(w)


def test_reassigning_a_pairing_gives_the_new_mentor_the_history_older_than_their_cursor(
    db: sqlite_utils.Database, w: SimpleNamespace
) -> None:
    update(db, w.mentor1, "activity", w.activity1, {"record": "王老师写的"})
    _, _, old_cursor = pull_all(db, w.mentor1)
    held, _, new_cursor = pull_all(db, w.mentor2)
    assert not mentee_history(w) & set(held)
    update(db, w.staff_st11, "pairing", w.pairing1, {"mentor_id": w.mentor2.user_id})
    changes, drops, _ = pull_all(db, w.mentor2, new_cursor)
    assert set(changes) == mentee_history(w)
    assert changes[("activity", w.activity1)]["fields"]["record"] == "王老师写的"
    assert changes[("pairing", w.pairing1)]["fields"]["mentor_id"] == w.mentor2.user_id
    assert drops == []
    old_changes, old_drops, _ = pull_all(db, w.mentor1, old_cursor)
    assert old_changes == {}
    assert set(old_drops) == mentee_history(w)
    # The new mentor may now write there; the old one may not.
    new_answer, old_answer = (
        apply_mutations(db, who, [{"entity": "activity", "record_id": new_id(), "op": "upsert",
                                   "base_version": None, "fields": {"pairing_id": w.pairing1, "kind": "talk",
                                                                    "date": "2026-12-01"}}])[0]
        for who in (w.mentor2, w.mentor1)
    )
    assert (new_answer.status, old_answer.status) == ("applied", "rejected")


def test_reassigning_in_small_pages_still_delivers_the_whole_history(db: sqlite_utils.Database,
                                                                     w: SimpleNamespace) -> None:
    extra = [make_activity(db, w.mentor1, w.pairing1) for _ in range(5)]
    _, _, cursor = pull_all(db, w.mentor2)
    update(db, w.staff_st11, "pairing", w.pairing1, {"mentor_id": w.mentor2.user_id})
    changes, drops, _ = pull_all(db, w.mentor2, cursor, limit=2)
    assert set(changes) == mentee_history(w) | {("activity", a) for a in extra}
    assert drops == []


def test_new_pairing_sends_the_mentee_and_screenings_to_the_mentor(db: sqlite_utils.Database,
                                                                   w: SimpleNamespace) -> None:
    screening = mutate(db, w.staff_st11, "screening", {"mentee_id": w.mentee_unpaired, "date": "2026-10-01"})
    _, _, cursor = pull_all(db, w.mentor2)
    pairing = make_pairing(db, w.staff_st11, w.mentor2, w.mentee_unpaired)
    changes, _, _ = pull_all(db, w.mentor2, cursor)
    assert set(changes) == {("pairing", pairing), ("mentee", w.mentee_unpaired), ("screening", screening)}


def test_mentee_moved_to_another_school_is_dropped_for_staff_of_the_old_school(db: sqlite_utils.Database,
                                                                                w: SimpleNamespace) -> None:
    cursors = {who: pull_all(db, getattr(w, who))[2]
               for who in ("staff_st11", "staff_st12", "staff_town1", "mentor1", "staff_st21")}
    update(db, w.staff_town1, "mentee", w.mentee1, {"unit_id": w.st12})
    # staff also hold the child's referrals (a volunteer's phone never does)
    archive = mentee_history(w) | {("referral", w.referral1)}
    for entity, rid in archive:
        assert row(db, entity, rid)["unit_id"] == w.st12

    old_changes, old_drops, _ = pull_all(db, w.staff_st11, cursors["staff_st11"])
    # the review of the child's activity leaves with the rest of the file (issue 8, item 9)
    assert set(old_drops) == archive | {("review", w.review1)}
    assert not set(old_changes) & archive

    new_changes, new_drops, _ = pull_all(db, w.staff_st12, cursors["staff_st12"])
    # the new school receives the whole history, and the reviews of it moved along
    assert archive <= set(new_changes) and new_drops == []
    assert {entity for entity, _ in set(new_changes) - archive} <= {"review"}

    town_changes, town_drops, _ = pull_all(db, w.staff_town1, cursors["staff_town1"])
    assert archive <= set(town_changes) and town_drops == []

    mentor_changes, mentor_drops, _ = pull_all(db, w.mentor1, cursors["mentor1"])
    assert mentor_drops == [] and ("mentee", w.mentee1) in mentor_changes

    assert pull_all(db, w.staff_st21, cursors["staff_st21"])[:2] == ({}, [])


# The records a unit holds of its own (no child's file carries them), with who may move them to
# another unit: an inspection is edited only by its inspecting unit or a level above (the county here).
UNIT_RECORDS = [("event", "event1", "staff_town1"), ("enrolment", "enrolment1", "staff_town1"),
                ("stats_return", "stats_return1", "staff_town1"), ("inspection", "inspection1", "reviewer")]


@pytest.mark.parametrize(("entity", "attr", "mover"), UNIT_RECORDS)
def test_unit_record_moved_to_another_unit_is_dropped_from_old_unit_staff_pull(
    db: sqlite_utils.Database, w: SimpleNamespace, entity: str, attr: str, mover: str
) -> None:
    record_id = getattr(w, attr)
    cursors = {who: pull_all(db, getattr(w, who))[2] for who in ("staff_st11", "staff_st12", "staff_town1",
                                                                 "staff_st21", "mentor1")}
    update(db, getattr(w, mover), entity, record_id, {"unit_id": w.st12})

    old_changes, old_drops, _ = pull_all(db, w.staff_st11, cursors["staff_st11"])
    assert old_drops == [(entity, record_id)]
    assert (entity, record_id) not in old_changes

    new_changes, new_drops, _ = pull_all(db, w.staff_st12, cursors["staff_st12"])
    assert new_changes[(entity, record_id)]["fields"]["unit_id"] == w.st12 and new_drops == []

    # still inside the town: the town's devices get the change, not a drop
    town_changes, town_drops, _ = pull_all(db, w.staff_town1, cursors["staff_town1"])
    assert (entity, record_id) in town_changes and town_drops == []
    assert pull_all(db, w.staff_st21, cursors["staff_st21"])[:2] == ({}, [])
    assert pull_all(db, w.mentor1, cursors["mentor1"])[:2] == ({}, [])


def test_event_moved_away_and_back_is_not_dropped_from_its_unit(db: sqlite_utils.Database,
                                                                 w: SimpleNamespace) -> None:
    _, _, cursor = pull_all(db, w.staff_st11)
    update(db, w.staff_town1, "event", w.event1, {"unit_id": w.st12})
    update(db, w.staff_town1, "event", w.event1, {"unit_id": w.st11})
    changes, drops, _ = pull_all(db, w.staff_st11, cursor)
    assert drops == [] and changes[("event", w.event1)]["fields"]["unit_id"] == w.st11


def test_event_moved_away_is_dropped_only_by_pulls_from_before_the_move(db: sqlite_utils.Database,
                                                                         w: SimpleNamespace) -> None:
    _, _, before = pull_all(db, w.staff_st11)
    update(db, w.staff_town1, "event", w.event1, {"unit_id": w.st12})
    _, drops, after = pull_all(db, w.staff_st11, before)
    assert drops == [("event", w.event1)]
    update(db, w.staff_town1, "event", w.event1, {"participants": 130})
    assert pull_all(db, w.staff_st11, after)[:2] == ({}, [])
    # a pull from the start holds exactly the station's records: the event is not among them
    assert ("event", w.event1) not in pull_all(db, w.staff_st11)[0]


def test_event_created_and_moved_in_one_batch_reaches_only_the_new_unit(db: sqlite_utils.Database,
                                                                         w: SimpleNamespace) -> None:
    cursors = {who: pull_all(db, getattr(w, who))[2] for who in ("staff_st11", "staff_st12")}
    event = new_id()
    outcomes = apply_mutations(db, w.staff_town1, [
        {"entity": "event", "record_id": event, "op": "upsert", "base_version": None,
         "fields": {"unit_id": w.st11, "kind": "brochure", "date": "2026-11-03", "copies": 300}},
        {"entity": "event", "record_id": event, "op": "upsert", "base_version": 1, "fields": {"unit_id": w.st12}},
    ])
    assert [o.status for o in outcomes] == ["applied"] * 2
    assert pull_all(db, w.staff_st11, cursors["staff_st11"])[:2] == ({}, [])
    assert ("event", event) in pull_all(db, w.staff_st12, cursors["staff_st12"])[0]


def test_reviews_of_a_statistics_return_move_with_it_to_another_unit(db: sqlite_utils.Database,
                                                                      w: SimpleNamespace) -> None:
    review = mutate(db, w.staff_town1, "review", {"target_entity": "stats_return", "target_id": w.stats_return1,
                                                  "decision": "return", "comment": "请核对家长会场次"})
    cursors = {who: pull_all(db, getattr(w, who))[2] for who in ("staff_st11", "staff_st12")}
    update(db, w.staff_town1, "stats_return", w.stats_return1, {"unit_id": w.st12})
    assert row(db, "review", review)["unit_id"] == w.st12
    _, old_drops, _ = pull_all(db, w.staff_st11, cursors["staff_st11"])
    assert set(old_drops) == {("stats_return", w.stats_return1), ("review", review)}
    new_changes, _, _ = pull_all(db, w.staff_st12, cursors["staff_st12"])
    assert {("stats_return", w.stats_return1), ("review", review)} <= set(new_changes)


def test_records_created_in_the_same_batch_move_with_the_mentee(db: sqlite_utils.Database,
                                                                w: SimpleNamespace) -> None:
    activity, screening = new_id(), new_id()
    outcomes = apply_mutations(db, w.staff_town1, [
        {"entity": "activity", "record_id": activity, "op": "upsert", "base_version": None,
         "fields": {"pairing_id": w.pairing1, "kind": "talk", "date": "2026-11-02"}},
        {"entity": "screening", "record_id": screening, "op": "upsert", "base_version": None,
         "fields": {"mentee_id": w.mentee1, "date": "2026-11-02"}},
        {"entity": "mentee", "record_id": w.mentee1, "op": "upsert", "base_version": 1,
         "fields": {"unit_id": w.st12}},
    ])
    assert [o.status for o in outcomes] == ["applied"] * 3
    assert row(db, "activity", activity)["unit_id"] == w.st12
    assert row(db, "screening", screening)["unit_id"] == w.st12
    held, _, _ = pull_all(db, w.staff_st11)
    assert ("activity", activity) not in held and ("screening", screening) not in held


def test_staff_cannot_move_a_mentee_outside_their_unit(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    (outcome,) = apply_mutations(db, w.staff_st11, [{"entity": "mentee", "record_id": w.mentee1, "op": "upsert",
                                                     "base_version": 1, "fields": {"unit_id": w.st21}}])
    assert outcome.status == "rejected" and "管理范围" in outcome.reason
    assert row(db, "mentee", w.mentee1)["unit_id"] == w.st11


def test_reviews_move_with_the_mentee_to_the_new_school(db: sqlite_utils.Database, w: SimpleNamespace) -> None:
    review_id = mutate(db, w.staff_st11, "review", {"target_entity": "activity", "target_id": w.activity1,
                                                    "decision": "approve"})
    update(db, w.staff_town1, "mentee", w.mentee1, {"unit_id": w.st12})
    assert row(db, "review", review_id)["unit_id"] == w.st12
    held, _, _ = pull_all(db, w.staff_st12)
    assert ("review", review_id) in held
