"""The check code of an archive (数据校验码): when its data last changed and a short code of every
record, conflict and printed name, so that a paper copy and the screen showing the same code hold the
same data."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from sync.audit import CHANGING_STATUSES
from sync.db import placeholders


def data_stamp(records: list[dict[str, Any]], conflicts: list[dict[str, Any]], *,
               words: Iterable[str] = (), times: Iterable[str] = ()) -> dict[str, str]:
    """When the archive's data last changed (``at``, UTC) and a short check code of every record's
    version, every conflict's state and every word printed from outside those records (``words``:
    a volunteer's or a unit's name, changed in ``times``): a paper copy and the screen showing the
    same code hold the same data."""
    marks = sorted(f"{r['id']}:{r['version']}:{r['deleted']}" for r in records)
    marks += sorted(f"{c['id']}:{c['status']}" for c in conflicts)
    marks += sorted(set(words))
    stamps = [r["updated_at"] for r in records] + [c["resolved_at"] or c["created_at"] for c in conflicts]
    code = hashlib.sha256("\n".join(marks).encode()).hexdigest()[:8].upper()
    return {"at": max([*stamps, *times]), "code": code}


def stamp_of(db: sqlite_utils.Database, stamped: dict[str, Any], words: Iterable[str] = ()) -> dict[str, str]:
    """The stamp (``data_stamp``) of what an archive shows: ``stamped`` as ``archive`` gathered it (its
    records, conflicts, and the ids of the people and units it names), ``words`` whatever else the
    page prints (its change histories in words). A volunteer or a unit renamed since changes the
    code, as the printed name does, and the time the stamp gives."""
    people = sorted(i for i in stamped["people"] if i)
    units = sorted(i for i in stamped["units"] if i)
    found: list[str] = []
    times: list[str] = []
    if people:
        # A stopped volunteer, or writer of a 摸排 or 转介, is printed 已停用, so stopping one changes the
        # code; an account in service adds nothing, so the codes on paper copies of every other archive
        # still match.
        found += [f"user:{r['id']}:{r['name']}:{r['smartphone']}" + ("" if r["active"] else ":stopped")
                  for r in db.query(f"SELECT id, name, smartphone, active FROM users WHERE id IN"
                                    f" ({placeholders(people)})", people)]
        times += [r[0] for r in db.execute(
            f"SELECT max(at) FROM sync_audit WHERE entity = 'user' AND record_id IN ({placeholders(people)})",
            people) if r[0]]
    if units:
        # A unit adds its printed name, and the time it was renamed or moved (the town printed beside
        # it), never its version: its telephone or address, printed nowhere here, changed every code
        # of its archives, and every paper copy read as altered. Over m052's index of units' changes.
        found += [f"unit:{r[0]}:{r[1]}" + (":deleted" if r[2] else "") for r in db.execute(
            f"SELECT id, name, deleted FROM units WHERE id IN ({placeholders(units)})", units)]
        times += [r[0] for r in db.execute(
            f"SELECT max(at) FROM sync_audit WHERE entity = 'unit' AND op = 'update'"
            f" AND record_id IN ({placeholders(units)})"
            # A rename or a move that changed the unit; never a refused one (its row keeps what was sent).
            f" AND status IN {CHANGING_STATUSES} AND CASE WHEN json_valid(changes)"
            " THEN coalesce(json_extract(changes, '$.name'), json_extract(changes, '$.parent_id')) END IS NOT NULL",
            units) if r[0]]
    return data_stamp(stamped["records"], stamped["conflicts"], words=[*found, *words], times=times)

