"""The review queue: activities and pairings in scope that wait for an approval or a return.

An activity waits while it is ``pending``; a ``returned`` one waits for its volunteer, and is
``pending`` again once corrected (``resubmitted``: the return's comment is still on it). Urgent
risk flags come first, then the oldest.
"""
from __future__ import annotations

import dataclasses
import json
from typing import Any

import sqlite_utils

from sync import Scope
from sync.rules import wrote
from sync.scope import unit_subtree

from .archive_records import ACTIVITY_LISTS, decode_lists
from .filters import visible
from .names import name_column, name_people, stopped_users, user_names
from .units import in_subtree

LIMIT = 200
COUNT_CAP = 1000
# The queue shows its activities a page at a time: each is a card with its own decision form, and a
# county's 85 stood 45,000 px tall on a phone. Pages cut the order the query reads (urgent first).
PAGE_SIZE = 20
# Activities waiting for review, read from their partial index. The IN term repeats the index's
# condition so SQLite may use it, and the index is named: with ANALYZE statistics of a county of
# 10^6 activities, half of them waiting, SQLite chose the scope's "unit_id IN (…)" and walked every
# activity of the units in scope (7.4 s); with none pending, the station home's count took 3.9 s.
WAITING = "activities a INDEXED BY idx_activities_waiting"
IS_WAITING = "a.review_status IN ('pending', 'returned')"
# The same rows by unit (m042), for a scope of a few units: a station's few among a county's backlog
# are found without walking it. Past BY_UNIT_MAX units (a county) the ordered index above is read,
# as the rows found by unit would have to be sorted, the whole backlog of a county for one page.
BY_UNIT = "activities a INDEXED BY idx_activities_waiting_unit"
BY_UNIT_MAX = 50
# One volunteer's (m054): the queue narrowed to her, the stop form's count. Her own visits only, not
# those staff typed in for her (代录): those go back to whoever entered them, stopped or not.
BY_AUTHOR = "activities a INDEXED BY idx_activities_waiting_author"
HERS = "a.author_id = ? AND a.entered_by IS NULL"


def waiting_from(scope: Scope, *, mentor: str | None = None) -> str:
    """The FROM of a read of waiting activities in ``scope``: by author, by unit, or in the queue's order."""
    if mentor:
        return BY_AUTHOR
    few = not scope.is_mentor and scope.unit_ids is not None and len(scope.unit_ids) <= BY_UNIT_MAX
    return BY_UNIT if few else WAITING


def _hers(where: str, args: list[Any], mentor: str | None) -> tuple[str, list[Any]]:
    return (f"{where} AND {HERS}", [*args, mentor]) if mentor else (where, args)


def author_waiting(db: sqlite_utils.Database, scope: Scope, user_id: str) -> tuple[int, int]:
    """How many of the visits ``user_id`` wrote herself wait in ``scope``: pending, and returned to her.

    Said before her account stops: once it is, none can be returned to her (sync/rules/reviews.py
    ``_nobody_to_correct``) and one returned already is never corrected. Her few, by author (m054)."""
    where, args = _hers(*visible(scope, "activity", "a"), user_id)
    pending, returned = db.execute(
        f"SELECT coalesce(sum(a.review_status = 'pending'), 0), coalesce(sum(a.review_status = 'returned'), 0)"
        f" FROM {BY_AUTHOR} WHERE {where} AND {IS_WAITING}", args).fetchone()
    return int(pending), int(returned)


def of_unit(db: sqlite_utils.Database, scope: Scope, unit: str | None) -> Scope:
    """``scope`` narrowed to ``unit`` and the units below it (the queue's unit filter): one list of
    units, so a county reviewer looking at one station reads that station's rows by unit."""
    if not unit or scope.is_mentor:
        return scope
    below = unit_subtree(db, unit)
    return dataclasses.replace(scope, unit_ids=below if scope.unit_ids is None else below & scope.unit_ids)


def waiting_activities(db: sqlite_utils.Database, scope: Scope, *, unit: str | None = None,
                       mentor: str | None = None) -> tuple[list[dict[str, Any]], int, int]:
    """Pending, then returned, live activities in scope (at most ``LIMIT``), how many wait (counted
    up to ``COUNT_CAP``: past that the page says "more than") and how many of those are returned.

    The station home counts the pending ones as 等待审核; the queue names the returned ones apart
    (they wait for whoever corrects them, the volunteer or a 代录 visit's 代录人, not the reviewer), so the
    two pages give one number.

    A county reads each status in index order (``idx_activities_waiting``: urgent flags first, then
    the oldest), so a large backlog gives its first page without being sorted; a station or a town
    finds its own rows by unit (``waiting_from``) and sorts those few; ``mentor`` narrows to the
    visits that volunteer wrote herself, read by author.
    """
    asked = of_unit(db, scope, unit)
    if asked.unit_ids is not None and not asked.unit_ids:  # a unit outside the scope: a named index reads no "IN ()"
        return [], 0, 0
    where, args = _hers(*visible(asked, "activity", "a"), mentor)
    source = waiting_from(asked, mentor=mentor)
    sql_where = f"{where} AND {IS_WAITING}"
    total, returned = db.execute(
        f"SELECT count(*), coalesce(sum(s = 'returned'), 0)"
        f" FROM (SELECT a.review_status AS s FROM {source} WHERE {sql_where} LIMIT ?)",
        [*args, COUNT_CAP + 1]).fetchone()
    rows: list[dict[str, Any]] = []
    for status in ("pending", "returned"):
        rows += db.query(
            f"""
            SELECT a.*, m.code AS mentee_code, {name_column(scope)} AS mentee_name, us.name AS mentor_name,
                   us.active AS mentor_active, un.name AS unit_name, p.start_date AS pairing_start
            FROM {source} JOIN mentees m ON m.id = a.mentee_id JOIN pairings p ON p.id = a.pairing_id
            LEFT JOIN users us ON us.id = a.author_id LEFT JOIN units un ON un.id = a.unit_id
            WHERE {sql_where} AND a.review_status = ?
            ORDER BY a.risk_flag DESC, a.date, a.created_at
            LIMIT ?
            """,
            [*args, status, LIMIT - len(rows)],
        )
    people: set[str | None] = set()
    for row in rows:
        people |= {row["author_id"], row["entered_by"], row["created_by"], row["updated_by"]}
    names = user_names(db, people)
    stopped = stopped_users(db, {who for row in rows for who in (row["author_id"], row["entered_by"])})
    for row in rows:
        decode_lists(row, *ACTIVITY_LISTS)
        name_people(row, names, stopped)
        # Whoever corrects a returned visit (its 代录人, else its volunteer) is stopped: the write path
        # refuses its return, and one returned before the stop waits for nobody (sync.rules.reviews).
        row["nobody_to_correct"] = (row["entered_by"] or row["author_id"]) in stopped
        # The engine puts a returned activity back to pending when it is corrected; the return's
        # comment stays on it, so the reviewer sees what was asked for.
        row["resubmitted"] = row["review_status"] == "pending" and bool(row["review_comment"])
    return rows, int(total), int(returned)


def urgent_waiting(db: sqlite_utils.Database, scope: Scope, *, unit: str | None = None,
                   mentor: str | None = None) -> int:
    """How many pending activities in scope carry a risk flag (counted up to ``COUNT_CAP``): they head
    the queue, and a page after the first says how many there are wherever they fall."""
    asked = of_unit(db, scope, unit)
    if asked.unit_ids is not None and not asked.unit_ids:
        return 0
    where, args = _hers(*visible(asked, "activity", "a"), mentor)
    return int(db.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM {waiting_from(asked, mentor=mentor)} WHERE {where} AND {IS_WAITING}"
        f" AND a.review_status = 'pending' AND a.risk_flag LIMIT ?)", [*args, COUNT_CAP + 1]).fetchone()[0])


def waiting_pairings(db: sqlite_utils.Database, scope: Scope, *, unit: str | None = None,
                     mentor: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """Live pairings in scope not yet approved (pending or returned), the oldest ``LIMIT``, and how
    many wait in all; ``mentor``: that volunteer's alone."""
    where, params = visible(scope, "pairing", "p")
    conditions, args = [where, "coalesce(p.review_status, 'pending') IN ('pending', 'returned')"], list(params)
    if unit:
        conditions.append(in_subtree("p.unit_id"))
        args.append(unit)
    if mentor:
        conditions.append("p.mentor_id = ?")
        args.append(mentor)
    total = int(db.execute(
        f"SELECT count(*) FROM pairings p JOIN mentees m ON m.id = p.mentee_id"
        f" WHERE {' AND '.join(conditions)} AND m.deleted = 0", args).fetchone()[0])
    return list(db.query(
        f"""
        SELECT p.*, m.code AS mentee_code, {name_column(scope)} AS mentee_name, us.name AS mentor_name,
               us.active AS mentor_active, un.name AS unit_name, m.categories, m.risk_level
        FROM pairings p JOIN mentees m ON m.id = p.mentee_id
        LEFT JOIN users us ON us.id = p.mentor_id LEFT JOIN units un ON un.id = p.unit_id
        WHERE {" AND ".join(conditions)} AND m.deleted = 0
        ORDER BY p.start_date, p.created_at LIMIT ?
        """,
        [*args, LIMIT],
    )), total


def mark_own(db: sqlite_utils.Database, user_id: str, entity: str, rows: list[dict[str, Any]]) -> None:
    """Set ``own`` on each waiting record that ``user_id`` (or one of their phones) wrote, entered or
    changed: the write path refuses that person's approval of it, so the queue offers none."""
    identities = {user_id, *(r[0] for r in db.execute("SELECT id FROM sync_devices WHERE user_id = ?", [user_id]))}
    for row in rows:
        writers = row["field_writers"]
        row["own"] = wrote(entity, {**row, "field_writers": json.loads(writers) if isinstance(writers, str)
                                    else writers}, identities)
