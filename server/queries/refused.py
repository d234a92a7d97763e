"""Visits and screenings a volunteer's phone sent that the server refused, for the station to see.

A phone offline for days comes back to a changed world: the station ended the pairing, gave the
child to another volunteer, or deleted the child. The visit it then sends is refused (the pairing
is no longer the volunteer's), and the write path keeps its words in the audit log
(``sync.apply``, ``_visit_kept``). They are listed here, by the unit of the pairing (a visit) or of
the child (a screening), until the record is in the system: a station that enters it from the phone's
export file, or by hand under the same id, sees it leave the list.
"""
from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import sqlite_utils

from sync import Scope
from sync.db import select_in

from .names import name_column

if TYPE_CHECKING:  # dashboard reads this module's lists
    from .dashboard import Units

# (entity, the column of the sent fields that places it, that record's table)
_PLACES = (("activity", "pairing_id", "pairings"), ("screening", "mentee_id", "mentees"))
MOST = 200
# A record's id in a reason (找不到结对（…）) tells the station nothing; the row names the child.
_RECORD_ID = re.compile(r"[（(][0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}[）)]")


def refused_visits(db: sqlite_utils.Database, scope: Scope,
                   record_id: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """The newest ``MOST`` refused new visits or screenings (with the refused edits of each after)
    not in the system since, in ``scope`` (``entity, record_id, at, reason, fields, volunteer,
    code``), those that flagged self-harm first, and how many there are in all; only the one of
    ``record_id`` when given."""
    # A flagged visit is never among those cut off behind 200 older refusals of a busy station.
    out = sorted(refused_records(db, scope, record_id), key=lambda r: not r["flagged"])
    return out[:MOST], len(out)


def refused_flags(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The visits of ``rows`` (``refused_records``) that ticked 发现自伤自残风险: a risk flag nobody
    has seen yet, which the risk lists put first until it is filed (and becomes an open flag)."""
    return [r for r in rows if r["flagged"]]


def refused_records(db: sqlite_utils.Database, scope: Scope, record_id: str | None = None) -> list[dict[str, Any]]:
    """Every row ``refused_visits`` counts, newest first, each also with ``flagged`` (a visit that ticked
    发现自伤自残风险), the child's ``mentee_id`` and
    ``mentee_name`` (for those who see names), the pairing's (or child's) ``unit_id`` and the
    volunteer's ``volunteer_phone`` and ``volunteer_active``.

    The station home asks on every opening: SQL keeps only the rows whose words were kept (a phone's
    junk, refused with its field names only, is thousands of rows never parsed here) and whose record
    is not in the system since (those entered, over years the most of them) nor closed by the station
    without entering it (``server/refusal_closing.py``)."""
    rows = list(db.query(
        "SELECT a.id, a.at, a.entity, a.record_id, a.reason, a.changes, a.user_id, u.name AS volunteer,"
        " u.phone AS volunteer_phone, u.active AS volunteer_active FROM sync_audit a"
        " JOIN users u ON u.id = a.user_id WHERE a.status = 'rejected' AND a.device_id IS NOT NULL"
        " AND a.entity IN ('activity', 'screening') AND a.op = 'upsert' AND u.role = 'mentor'"
        " AND CASE WHEN json_valid(a.changes) THEN json_type(a.changes, '$.incoming') END = 'object'"
        " AND NOT EXISTS (SELECT 1 FROM activities s WHERE s.id = a.record_id AND a.entity = 'activity')"
        " AND NOT EXISTS (SELECT 1 FROM screenings s WHERE s.id = a.record_id AND a.entity = 'screening')"
        # closed by the station without entering it (server/refusal_closing.py): off every list at once
        " AND NOT EXISTS (SELECT 1 FROM refusal_closings c WHERE c.record_id = a.record_id)"
        + (" AND a.record_id = :record" if record_id is not None else "") + " ORDER BY a.id",
        {"record": record_id}))
    found: dict[str, dict[str, Any]] = {}
    for r in rows:
        try:
            sent = json.loads(r["changes"] or "null")
        except ValueError:
            continue
        fields = sent.get("incoming") if isinstance(sent, dict) else None
        if isinstance(fields, dict):
            # A visit and the edits the volunteer made to it before the phone synced: refused one by
            # one, shown as one visit with its latest words.
            before = found.get(r["record_id"], {})
            cause = sent.get("cause") if isinstance(sent.get("cause"), str) else None
            found[r["record_id"]] = {**r, "fields": {**before.get("fields", {}), **fields},
                                     "cause": cause or before.get("cause")}
    out: list[dict[str, Any]] = []
    theirs: dict[tuple[str, str, str], bool] = {}  # a volunteer's many visits of one child: asked once
    for entity, owner, owner_table in _PLACES:
        mine = [r for r in found.values() if r["entity"] == entity]
        owners = {str(r["fields"].get(owner)) for r in mine}
        places = {x[0]: {"unit_id": x[1], "code": x[2], "mentee_id": x[3], "mentee_name": x[4]} for x in select_in(
            db, f"SELECT o.id, o.unit_id, m.code, m.id, {name_column(scope)} FROM {owner_table} o JOIN mentees m"
            f" ON m.id = {'o.mentee_id' if owner_table == 'pairings' else 'o.id'} WHERE o.id {{in}}",
            sorted(owners))[1]} if owners else {}
        for r in mine:
            place = places.get(str(r["fields"].get(owner)))
            if place is None:
                continue
            if scope.unit_ids is not None and place["unit_id"] not in scope.unit_ids:
                continue
            key = (entity, str(r["fields"].get(owner)), r["user_id"])
            if key not in theirs:
                theirs[key] = _was_theirs(db, *key)
            if not theirs[key]:
                continue
            # The cause the write path found (the pairing ended, the child moved or was deleted);
            # a row kept before it did so has only the phone's 找不到结对, without its id.
            # ``flagged``: a visit that ticked 发现自伤自残风险, said once here for every list and form that asks.
            flagged = entity == "activity" and r["fields"].get("risk_flag") in (True, 1)
            out.append({**r, **place, "flagged": flagged,
                        "reason": r["cause"] or _RECORD_ID.sub("", r["reason"] or "")})
    out.sort(key=lambda r: -r["id"])
    return out


# A pairing's volunteer now, or before an edit changed it (a create's audit row keeps no changes, so
# the first volunteer is the row's own mentor_id until an update names them as the one before). Found
# by the record's number, as sync/handover.py finds it: the audit log has no index on record_id, and a
# scan of it for each refused visit of a handed-on child cost the home seconds at county scale.
_MENTORED = (
    "(p.mentor_id = :user OR EXISTS (SELECT 1 FROM sync_audit h WHERE h.num = p.num AND h.entity = 'pairing'"
    " AND h.record_id = p.id"
    " AND h.status = 'applied' AND json_extract(h.changes, '$.mentor_id[0]') = :user))"
)


def _was_theirs(db: sqlite_utils.Database, entity: str, owner_id: str, user_id: str) -> bool:
    """Whether the volunteer who sent it was ever the volunteer of the pairing (a visit) or of a pairing
    of the child (a screening) it names: the list is for visits the station's changes overtook, and
    a volunteer who never was the child's (a phone naming another station's pairing or child) has no
    visit of the child for that station to enter."""
    column = "p.id" if entity == "activity" else "p.mentee_id"
    return db.execute(f"SELECT 1 FROM pairings p WHERE {column} = :owner AND {_MENTORED} LIMIT 1",
                      {"owner": owner_id, "user": user_id}).fetchone() is not None


def refused_flag_list(db: sqlite_utils.Database, scope: Scope, units: Units,
                      rows: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The flagged refusals (``refused_flags``) of ``rows`` (default: all of ``refused_records``), newest
    first, each with the ``date`` of the visit, its unit's ``unit_name`` and ``town_name`` (from
    ``units``, ``queries.dashboard.scope_units``): the risk lists' first rows, counted in their totals."""
    out = refused_flags(refused_records(db, scope) if rows is None else rows)
    for r in out:
        unit = units.get(r["unit_id"])
        day = r["fields"].get("date")
        r.update(date=day if isinstance(day, str) else None, unit_name=unit.name if unit else "",
                 town_name=unit.town_name if unit else "")
    return out
