"""Whether a visit is likely one already recorded: another live visit of the same pairing on the same
day, of the same sort. One visit is easily recorded twice: the station types in (代录) what a
volunteer told it on the telephone and she records it on her phone that evening as well, or two
clerks each type in the same paper form. Each copy would count in the statistics form's
开展面对面谈心 and stand twice in the archive the county inspects.

The same sort: 上门家访 and 面对面谈心 are one (both are the form's face-to-face count, and a talk held
at the child's home is recorded as either), 电话或线上 and 集体活动 each their own. A telephone call and
a home visit on one day are plausibly two records, and a station would only learn to tick past a
warning that said otherwise.

The 代录 form asks before saving a likely twin (``server/pages/activities.py``); the pages where staff
review visits mark the twins the form cannot catch (one sent from a phone after the other was typed
in), 可能重复, each linking to the other. Marking never hides or uncounts a record: only a person can
tell, and delete the extra one, or say on the visit's page that they are two (``say_not_twins``).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from sync import Actor
from sync.audit import append_audit
from sync.db import placeholders
from sync.timeutil import utc_now

from .names import user_names

# Activity kinds that are one sort of visit for this check (see above); a kind missing is its own.
SORTS = {"home_visit": "face", "talk": "face"}
FIRST_WORDS = 30


def sort_of(kind: object) -> str:
    return SORTS.get(str(kind), str(kind))


@dataclass(frozen=True)
class LikelyVisit:
    """The live visits a new one of a pairing's day likely is, oldest first (``visits``: id, date,
    kind, who wrote and who entered it, the first words of 过程记录)."""
    visits: list[dict[str, Any]]

    @property
    def key(self) -> str:
        """What the tick 确实是另一次帮扶 answers: these visits, so a tick given beside them lets no
        visit through that a third, recorded meanwhile, doubles."""
        return "+".join(sorted(str(v["id"]) for v in self.visits))


# Through idx_activities_pairing_date (pairing_id, date, kind, deleted, ...): the day's few rows.
_SAME_DAY = """
    SELECT id, date, kind, author_id, entered_by, created_by, record, created_at FROM activities
    WHERE pairing_id = ? AND date = ? AND deleted = 0 AND id != ?
    ORDER BY created_at, id
"""


def same_day_visits(db: sqlite_utils.Database, pairing_id: object, day: object, kind: object,
                    but: object = "") -> LikelyVisit | None:
    """The live visits of ``pairing_id`` on ``day`` of the sort of ``kind``, other than ``but``, with
    who wrote and entered each, or None when there are none."""
    if not pairing_id or not day:
        return None
    rows = [r for r in db.query(_SAME_DAY, [pairing_id, day, but or ""]) if sort_of(r["kind"]) == sort_of(kind)]
    if not rows:
        return None
    names = user_names(db, {p for r in rows for p in (r["author_id"], r["entered_by"])})
    for r in rows:
        r["author_name"] = names.get(r["author_id"] or "", "")
        r["entered_name"] = names.get(r["entered_by"] or "", "") if r["entered_by"] else ""
        words = " ".join(str(r["record"] or "").split())
        r["first_words"] = words[:FIRST_WORDS] + ("……" if len(words) > FIRST_WORDS else "")
    return LikelyVisit(rows)


def say_distinct(db: sqlite_utils.Database, activity_id: str, likely: LikelyVisit, said_by: str) -> None:
    """Keep that ``activity_id`` is another visit than each of ``likely`` (the tick 确实是另一次帮扶),
    both ways, in the write that saves it: those pairs are never marked 可能重复."""
    at = utc_now()
    db.conn.executemany(
        "INSERT OR IGNORE INTO distinct_visits (activity_id, other_id, said_by, said_at) VALUES (?, ?, ?, ?)",
        [row for v in likely.visits
         for row in ((activity_id, v["id"], said_by, at), (v["id"], activity_id, said_by, at))])


def _said_distinct(db: sqlite_utils.Database, ids: list[str]) -> set[tuple[str, str]]:
    """The pairs among ``ids``' visits a person said are two, by the table's key."""
    if not ids:
        return set()
    return {(r[0], r[1]) for r in db.execute(
        f"SELECT activity_id, other_id FROM distinct_visits WHERE activity_id IN ({placeholders(ids)})", ids)}


def _twin(v: dict[str, Any]) -> dict[str, Any]:
    return {"id": v["id"], "kind": v["kind"], "author_name": v.get("author_name") or "",
            "entered_name": (v.get("entered_by_name") or "") if v.get("entered_by") else ""}


def twins_among(db: sqlite_utils.Database, visits: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """For visits already read with their people's names (a pairing's archive: all its live ones), each
    one's likely twins among them (id, kind, author_name, entered_name) but those said to be two; one
    with none is left out. The archive holds the whole pairing: only the pairs said are read, by key,
    and only when there are twins to ask about."""
    by_day: dict[tuple[Any, Any, str], list[dict[str, Any]]] = {}
    for v in visits:
        if not v.get("deleted"):
            by_day.setdefault((v["pairing_id"], v["date"], sort_of(v["kind"])), []).append(v)
    same_days = [same for same in by_day.values() if len(same) > 1]
    said = _said_distinct(db, [str(v["id"]) for same in same_days for v in same])
    out: dict[str, list[dict[str, Any]]] = {}
    for same in same_days:
        for v in same:
            twins = [_twin(o) for o in same if o is not v and (str(v["id"]), str(o["id"])) not in said]
            if twins:
                out[str(v["id"])] = twins
    return out


def twins_of(db: sqlite_utils.Database, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """For the live visits ``ids`` (a page of the review queue, one visit's page), their likely twins:
    the other live visits of the same pairing, day and sort (id, kind, author_name, entered_name), but
    those a person said are two (``say_distinct``); one with none is left out. Each shown visit by its
    key, each twin through idx_activities_pairing_date: never a scan of activities. A twin is of the
    same pairing, hence the same child and unit: whoever may see one sees the other."""
    if not ids:
        return {}
    out: dict[str, list[dict[str, Any]]] = {}
    for row in db.query(
            f"""SELECT a.id AS shown, a.kind AS shown_kind, b.id, b.kind, b.entered_by,
                       ua.name AS author_name, ue.name AS entered_by_name
                FROM activities a
                JOIN activities b ON b.pairing_id = a.pairing_id AND b.date = a.date AND b.deleted = 0
                                     AND b.id != a.id
                LEFT JOIN users ua ON ua.id = b.author_id LEFT JOIN users ue ON ue.id = b.entered_by
                WHERE a.id IN ({placeholders(ids)}) AND a.deleted = 0
                  AND NOT EXISTS (SELECT 1 FROM distinct_visits d WHERE d.activity_id = a.id AND d.other_id = b.id)
                ORDER BY b.created_at, b.id""", ids):
        if sort_of(row["shown_kind"]) == sort_of(row["kind"]):
            out.setdefault(row["shown"], []).append(_twin(row))
    return out


# Its audit rows (sync_audit, entity ``distinct_visits``, like an account's or a deadline's change):
# a person's word that two visits are two, made outside the mutation path.
AUDIT_ENTITY = "distinct_visits"


def say_not_twins(db: sqlite_utils.Database, actor: Actor, activity_id: str, shown: set[str]) -> str:
    """不是重复, from a visit's page, in the write: keep that ``activity_id`` is another visit than each
    of its likely twins (``say_distinct``), audited, and answer ``said``. Only beside the twins the
    page showed (``shown``): a twin recorded since was never looked at, and the answer is ``changed``,
    nothing kept. With no twin left: ``already`` when those shown were said to be two (the form sent
    twice), else ``none`` (no twin, nothing to say)."""
    twins = [str(t["id"]) for t in twins_of(db, [activity_id]).get(activity_id, [])]
    if not twins:
        said = _said_distinct(db, [activity_id])
        return "already" if shown and all((activity_id, o) in said for o in shown) else "none"
    if not set(twins) <= shown:
        return "changed"
    say_distinct(db, activity_id, LikelyVisit([{"id": t} for t in twins]), actor.user_id)
    append_audit(db, actor, AUDIT_ENTITY, activity_id, "create", {"other_ids": [None, twins]})
    return "said"


def said_two(db: sqlite_utils.Database, activity_id: str) -> list[dict[str, Any]]:
    """The live visits a person said ``activity_id`` is another than (the 代录 tick or 不是重复): each as
    a twin is shown (id, kind, author_name, entered_name) with who said so and when, oldest first; by
    the table's key."""
    return [{**_twin(r), "said_at": r["said_at"], "said_by_name": r["said_by_name"]} for r in db.query(
        """SELECT d.other_id AS id, b.kind, b.entered_by, ua.name AS author_name, ue.name AS entered_by_name,
                  d.said_at, u.name AS said_by_name
           FROM distinct_visits d JOIN activities b ON b.id = d.other_id AND b.deleted = 0
           LEFT JOIN users u ON u.id = d.said_by
           LEFT JOIN users ua ON ua.id = b.author_id LEFT JOIN users ue ON ue.id = b.entered_by
           WHERE d.activity_id = ? ORDER BY d.said_at, d.other_id""", [activity_id])]
