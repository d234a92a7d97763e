"""Pairing archives (结对帮扶档案): the searchable list, one pairing's header and its timeline:
the whole of one pairing's archive (its records gathered by ``archive_records``).

Everything is read inside the caller's scope and counts live rows only (``filters.visible``);
names only as ``names`` allows.
"""
from __future__ import annotations

import datetime
from typing import Any

import sqlite_utils

from sync import Scope
from sync.timeutil import SHANGHAI, local_today, parse_utc

from .archive_records import (
    activities_of,
    child_pairings,
    conflicts_of,
    decode_lists,
    deleted_activities_of,
    donations_of,
    referrals_of,
    referrals_still_open,
    reviews_of,
    screenings_of,
)
from .filters import chosen, found_in, in_scope, running, visible
from .names import label_authors, name_column, name_people, sees_names, stopped_users, user_names
from .units import in_subtree

PAGE_SIZE = 50

FILTERS = ("town", "unit", "mentor", "category", "risk", "status", "follow_up", "q")
# The archive list's 跟踪 that finds the pairings the dashboard and the station home list as overdue.
OVERDUE = "overdue"
# Overdue as server/queries/followups.py defines it: the latest live visit's follow-up date is past.
_OVERDUE_SQL = ("p.status = 'active' AND EXISTS (SELECT 1 FROM pairing_latest l"
                " WHERE l.pairing_id = p.id AND l.follow_up_due < ?)")
# The archive list's 状态 that finds the kept archives of deleted pairings and deleted children.
DELETED = "deleted"
# The archive list's 状态 that finds the pairings the dashboard counts as 在结对 (``filters.running``):
# 结对中 alone also holds the pairings registered ahead of their first day, so the card's number and
# the list it opens would differ by them.
RUNNING = "running"


def list_pairings(db: sqlite_utils.Database, scope: Scope, filters: dict[str, str], *,
                  page: int = 1, today: datetime.date | None = None) -> tuple[list[dict[str, Any]], int]:
    """One page of pairings in scope matching ``filters`` (see ``FILTERS``) and the total count.

    Active pairings first, then the most recently started. ``status`` ``DELETED`` (已删除): the kept
    archives instead, pairings deleted or of a deleted child (``deleted``, ``mentee_deleted``), as
    /mentees lists the deleted children: read there, counted nowhere. ``status`` ``RUNNING``: the
    pairings 在结对 on ``today`` as the dashboard counts them. ``follow_up`` ``OVERDUE``:
    the active pairings whose follow-up fell due before ``today`` (Asia/Shanghai's today if not given).
    """
    gone = filters.get("status") == DELETED
    if gone:
        scoped, params = in_scope(scope, "pairing", "p")
        where = f"({scoped}) AND (p.deleted = 1 OR m.deleted = 1)"
    else:
        where, params = visible(scope, "pairing", "p")
        where = f"{where} AND m.deleted = 0"
    subtree = in_subtree("p.unit_id")
    by_status = filters.get("status", "") not in (DELETED, RUNNING)
    picked, picked_args = chosen({**filters, "status": filters.get("status", "") if by_status else ""}, {
        "town": subtree, "unit": subtree, "mentor": "p.mentor_id = ?",
        "category": "EXISTS (SELECT 1 FROM json_each(m.categories) c WHERE c.value = ?)",
        "risk": "m.risk_level = ?", "status": "p.status = ?",
    })
    conditions, args = [where, *picked], [*params, *picked_args]
    if filters.get("status") == RUNNING:
        conditions.append(running("p", today))
    if filters.get("follow_up") == OVERDUE:
        conditions.append(_OVERDUE_SQL)
        args.append((today or local_today()).isoformat())
    if filters.get("q"):
        found, found_args = found_in(filters["q"].strip(), ("m.name",) if sees_names(scope) else (), code="m.code")
        conditions.append(found)
        args += found_args
    sql_where = " AND ".join(conditions)
    total = int(db.execute(
        f"SELECT count(*) FROM pairings p JOIN mentees m ON m.id = p.mentee_id WHERE {sql_where}", args).fetchone()[0])
    rows = list(db.query(
        f"""
        SELECT p.id, p.status, p.outcome, p.start_date, p.end_date, p.approach, p.review_status, p.deleted,
               m.deleted AS mentee_deleted, p.mentee_id, m.code AS mentee_code, {name_column(scope)} AS mentee_name,
               m.categories,
               m.risk_level, m.grade, p.unit_id, un.name AS unit_name, town.name AS town_name,
               p.mentor_id, us.name AS mentor_name, us.smartphone AS mentor_smartphone, us.active AS mentor_active,
               (SELECT count(*) FROM activities a WHERE a.pairing_id = p.id AND a.deleted = 0) AS activities,
               (SELECT max(a.date) FROM activities a WHERE a.pairing_id = p.id AND a.deleted = 0) AS last_date
        FROM pairings p JOIN mentees m ON m.id = p.mentee_id
        LEFT JOIN units un ON un.id = p.unit_id LEFT JOIN units town ON town.id = un.parent_id
        LEFT JOIN users us ON us.id = p.mentor_id
        WHERE {sql_where}
        ORDER BY p.status = 'active' DESC, p.start_date DESC, p.id
        LIMIT ? OFFSET ?
        """,
        [*args, PAGE_SIZE, (max(page, 1) - 1) * PAGE_SIZE],
    ))
    for row in rows:
        decode_lists(row, "categories")
    return rows, total


def get_pairing(db: sqlite_utils.Database, scope: Scope, pairing_id: str, *,
                deleted_too: bool = False) -> dict[str, Any] | None:
    """One live pairing in scope with its mentee, unit and volunteer, or None (missing and not yours alike).
    ``deleted_too``: a deleted pairing, or one of a deleted child, as well (its archive keeps what it held;
    ``deleted`` and ``mentee_deleted`` say so)."""
    where, params = in_scope(scope, "pairing", "p") if deleted_too else visible(scope, "pairing", "p")
    child = "1" if deleted_too else "m.deleted = 0"
    row = next(db.query(
        f"""
        SELECT p.*, m.code AS mentee_code, {name_column(scope)} AS mentee_name, m.categories, m.risk_level,
               m.grade, m.school, m.gender, m.plan, m.status AS mentee_status, m.version AS mentee_version,
               m.updated_at AS mentee_updated_at, m.deleted AS mentee_deleted,
               un.name AS unit_name, town.id AS town_id, town.name AS town_name,
               us.name AS mentor_name, us.phone AS mentor_phone, us.smartphone AS mentor_smartphone,
               us.active AS mentor_active
        FROM pairings p JOIN mentees m ON m.id = p.mentee_id
        LEFT JOIN units un ON un.id = p.unit_id LEFT JOIN units town ON town.id = un.parent_id
        LEFT JOIN users us ON us.id = p.mentor_id
        WHERE p.id = ? AND {child} AND {where}
        """,
        [pairing_id, *params],
    ), None)
    if row is not None:
        decode_lists(row, "categories")
    return row


def archive(db: sqlite_utils.Database, scope: Scope, pairing_id: str) -> dict[str, Any] | None:
    """Everything the archive page and its print view show, or None when not visible.

    ``activities`` (live) and ``deleted`` each carry ``reviews``, ``conflicts``, ``author_name``,
    ``entered_by_name``, ``created_by_name``, ``updated_by_name``; ``screenings``, ``referrals`` and
    ``donations`` are the child's during the pairing (``deleted_*`` the deleted ones, marked);
    ``reviews`` and ``conflicts`` are the pairing's own; ``timeline`` merges the live ones by date;
    ``pairings`` are all the child's pairings;
    ``stamped`` is what the check code covers (``stamp_of``).
    """
    pairing = get_pairing(db, scope, pairing_id, deleted_too=True)
    if pairing is None:
        return None
    # A deleted child's archive stays whole for those who inspect it, read-only, counted nowhere.
    gone_child = bool(pairing["mentee_deleted"])
    activities = [] if pairing["deleted"] else activities_of(db, scope, pairing_id, child_deleted=gone_child)
    deleted = deleted_activities_of(db, scope, pairing_id, pairing_deleted=bool(pairing["deleted"]))
    every = [*activities, *deleted]
    reviews = reviews_of(db, [pairing_id, *(a["id"] for a in every)])
    conflicts = conflicts_of(db, [pairing_id, *(a["id"] for a in every)])
    until = pairing["end_date"] or "9999-12-31"
    screenings, gone_screenings = screenings_of(db, scope, pairing["mentee_id"], pairing["start_date"], until,
                                                child_deleted=gone_child)
    referrals, gone_referrals = referrals_of(db, scope, pairing["mentee_id"], pairing["start_date"], until,
                                             child_deleted=gone_child)
    going_on = referrals_still_open(db, scope, pairing["mentee_id"], pairing["start_date"], child_deleted=gone_child)
    # 爱心捐助 of the pairing's time. An archive with none stamps as it did before donations existed:
    # each donation adds its own mark, so the code on a paper copy of any other archive still matches.
    donations = donations_of(db, scope, pairing["mentee_id"], pairing["start_date"], until, child_deleted=gone_child)
    # A deleted one stays in the archive, marked, as a deleted 摸排 does, and under the code as printed.
    gone_donations = donations_of(db, scope, pairing["mentee_id"], pairing["start_date"], until, deleted=True)
    people: set[str | None] = {pairing["created_by"], pairing["updated_by"]}
    for a in every:
        people |= {a["author_id"], a["entered_by"], a["created_by"], a["updated_by"]}
    for s in [*screenings, *gone_screenings]:
        people |= {s["author_id"], s["updated_by"]}
    for r in [*referrals, *gone_referrals, *going_on]:
        people |= {r["author_id"], r["updated_by"]}
    for d in [*donations, *gone_donations]:
        people |= {d["author_id"], d["handed_by"], d["updated_by"]}
    names, stopped = user_names(db, people), stopped_users(db, people)
    for a in every:
        a["reviews"] = reviews.get(a["id"], [])
        a["conflicts"] = conflicts.get(a["id"], [])
        a["pairing_start"] = pairing["start_date"]
        name_people(a, names, stopped)
    label_authors([*screenings, *gone_screenings, *referrals, *gone_referrals, *going_on], names, stopped)
    pairing["created_by_name"] = names.get(pairing["created_by"] or "", "")
    timeline = sorted(
        [("activity", a["date"], a["created_at"], a) for a in activities]
        + [("screening", s["date"], s["created_at"], s) for s in screenings]
        + [("referral", r["referred_on"], r["created_at"], r) for r in referrals]
        + [("donation", d["date"], d["created_at"], d) for d in donations]
        # A review has no date of its own: the local day it was made (a return at 01:30 in Beijing is
        # the previous day in UTC, and would sort before that day's visits).
        + [("review", local_date(r["created_at"]), r["created_at"], r) for r in reviews.get(pairing_id, [])],
        key=lambda item: (item[1], item[2]),
    )
    every_review = [r for rows in reviews.values() for r in rows]
    every_conflict = [c for rows in conflicts.values() for c in rows]
    child = {"id": pairing["mentee_id"], "version": pairing["mentee_version"], "deleted": pairing["mentee_deleted"],
             "updated_at": pairing["mentee_updated_at"]}
    pairings = child_pairings(db, scope, pairing["mentee_id"])
    people |= {p["mentor_id"] for p in pairings} | {pairing["mentor_id"]}
    people |= {r["reviewer_id"] for r in every_review}
    people |= {c["user_id"] for c in every_conflict} | {c["resolved_by"] for c in every_conflict}
    return {
        "pairing": pairing, "activities": activities, "deleted": deleted, "screenings": screenings,
        "referrals": referrals, "referrals_going_on": going_on,
        "reviews": reviews.get(pairing_id, []), "conflicts": conflicts.get(pairing_id, []),
        "donations": donations, "deleted_donations": gone_donations,
        "pairings": pairings, "deleted_screenings": gone_screenings, "deleted_referrals": gone_referrals,
        # What the check code covers; ``stamp_of`` makes it once the page has its histories in words.
        "stamped": {"records": [child, *pairings, *every, *screenings, *referrals, *gone_screenings,
                                *gone_referrals, *every_review, *donations, *gone_donations, *going_on],
                    "conflicts": every_conflict, "people": people,
                    "units": {pairing["unit_id"], pairing["town_id"]}},
        "timeline": [{"kind": kind, "date": day, "item": item} for kind, day, _, item in timeline],
    }


def local_date(stamp: str) -> str:
    """The local (Asia/Shanghai) ISO date of a stored UTC timestamp."""
    return parse_utc(stamp).astimezone(SHANGHAI).date().isoformat()
