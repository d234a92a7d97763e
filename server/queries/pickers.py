"""Choices for the pickers of the station forms: volunteers, children and pairings in scope.

Each returns ``(id, label)`` pairs, the label in words a person picks by. A child is shown by
code, with the name only for the roles that see names (``names.sees_names``).

A town's or the county's scope holds thousands of children: past ``CAP`` choices the child, pairing
and volunteer pickers of the forms list only the first ``CAP`` matches of a search (part of a code,
or of a name where the role sees names), so a page stays small and no one scrolls thousands of lines.
"""
from __future__ import annotations

import datetime
import json
from typing import Any, NamedTuple

import sqlite_utils

from sync import Scope
from sync.handover import Span, former_spans
from sync.scope import where

from .filters import found_in, visible
from .mentees import waiting
from .names import sees_names

# At most this many choices in one <select>; a scope with more shows a search box above it.
CAP = 100


class Choices(NamedTuple):
    """A picker's ``options``; ``total`` in scope; ``matched`` by the search (``total`` without one);
    ``searching``: more than ``CAP`` in scope, so the form shows the search box."""

    options: list[tuple[str, str]]
    total: int
    matched: int
    searching: bool


def _mentee_label(row: dict[str, Any], names: bool) -> str:
    label = str(row["code"])
    if names and row.get("name"):
        label += f" {row['name']}"
    if row.get("grade"):
        label += f"（{row['grade']}）"
    return label


_MENTOR_SELECT = "SELECT us.id, us.name, us.smartphone, un.name AS unit_name"
# The pairing forms also say how many children each helps now: a count per volunteer, so only there.
_MENTOR_LOAD_SELECT = (
    f"{_MENTOR_SELECT}, (SELECT count(*) FROM pairings p JOIN mentees m ON m.id = p.mentee_id"
    " WHERE p.mentor_id = us.id AND p.status = 'active' AND p.deleted = 0 AND m.deleted = 0) AS helping")


def _mentors_in(scope: Scope) -> tuple[str, list[Any]]:
    sql, params = where(scope, "unit", "un")
    return (f"FROM users us JOIN units un ON un.id = us.unit_id"
            f" WHERE us.role = 'mentor' AND us.active = 1 AND un.deleted = 0 AND ({sql})"), params


def _mentor_label(r: dict[str, Any]) -> str:
    label = f"{r['name']}（{r['unit_name']}）" + ("" if r["smartphone"] else " · 无智能手机")
    if "helping" in r:
        label += f" · 正在帮扶 {r['helping']} 个孩子" if r["helping"] else " · 还没有结对的孩子"
    return label


def mentor_options(db: sqlite_utils.Database, scope: Scope) -> list[tuple[str, str]]:
    """Active volunteer accounts whose unit is in scope, by name; those without a smartphone say so
    (the archive browser's filter; the pairing forms use ``mentor_choices``). Then the stopped ones
    of those units who have a live pairing, marked 已停用: their archives are still listed (the
    county inspects them), so the filter must find them too; no form offers them."""
    body, params = _mentors_in(scope)
    active = [(r["id"], _mentor_label(r)) for r in db.query(f"{_MENTOR_SELECT} {body} ORDER BY un.name, us.name",
                                                             params)]
    sql, unit_params = where(scope, "unit", "un")
    stopped = db.query(
        f"{_MENTOR_SELECT} FROM users us JOIN units un ON un.id = us.unit_id"
        f" WHERE us.role = 'mentor' AND us.active = 0 AND un.deleted = 0 AND ({sql})"
        " AND EXISTS (SELECT 1 FROM pairings p WHERE p.mentor_id = us.id AND p.deleted = 0)"
        " ORDER BY un.name, us.name", unit_params)
    return active + [(r["id"], f"{r['name']}（{r['unit_name']}） · 已停用") for r in stopped]


def mentor_choices(db: sqlite_utils.Database, scope: Scope, *, q: str = "", keep: Any = None) -> Choices:
    """``mentor_options``, each also saying how many children they help now, for the pairing forms
    (where the station chooses whom to give a child); past ``CAP``, the matches of ``q`` in the
    volunteer's name or their unit's (a station, a school)."""
    body, params = _mentors_in(scope)
    rows, total, matched = _narrowed(db, _MENTOR_LOAD_SELECT, body, params, "un.name, us.name",
                                     searched=("us.name", "un.name"), q=q, keep=keep, key="us.id")
    return Choices([(r["id"], _mentor_label(r)) for r in rows], total, matched, total > CAP)


def _narrowed(db: sqlite_utils.Database, select: str, body: str, params: list[Any], order: str, *,
              searched: tuple[str, ...], q: str, keep: Any, key: str,
              code: str | None = None) -> tuple[list[dict[str, Any]], int, int]:
    """The rows of ``select … body`` (at most ``CAP`` when more are in scope: those matching ``q`` in
    ``searched`` or in the child's code ``code``, however it was typed), how many are in scope and
    how many match; the row ``key = keep`` (a deep link, a choice posted back) is always among them
    when it is in scope at all."""
    total = int(db.execute(f"SELECT count(*) {body}", params).fetchone()[0])
    if total <= CAP:
        return list(db.query(f"{select} {body} ORDER BY {order}", params)), total, total
    cond, args = found_in(q.strip(), searched, code=code) if q.strip() else ("1", [])
    matched = int(db.execute(f"SELECT count(*) {body} AND {cond}", [*params, *args]).fetchone()[0]) if args else total
    rows = list(db.query(f"{select} {body} AND {cond} ORDER BY {order} LIMIT {CAP}", [*params, *args]))
    if isinstance(keep, str) and keep and all(r["id"] != keep for r in rows):
        rows = [*db.query(f"{select} {body} AND {key} = ?", [*params, keep]), *rows]
    return rows, total, matched


def mentee_options(db: sqlite_utils.Database, scope: Scope, *, q: str = "", keep: Any = None) -> Choices:
    """Live children in scope who are still being helped; those waiting for a volunteer first, as the
    station home's tile and ``/mentees?pairing=waiting`` count them (``mentees.waiting``): not yet
    paired, or paired only with volunteers whose account was stopped, whom nobody visits either."""
    sql, params = visible(scope, "mentee", "m")
    names = sees_names(scope)
    rows, total, matched = _narrowed(
        db,
        "SELECT m.id, m.code, m.name, m.grade, (SELECT group_concat(us.name"
        " || CASE WHEN us.active = 0 THEN '（已停用）' ELSE '' END, '、') FROM pairings p"
        " JOIN users us ON us.id = p.mentor_id WHERE p.mentee_id = m.id AND p.status = 'active' AND p.deleted = 0)"
        f" AS mentors, (SELECT group_concat(us.name, '、') FROM pairings p JOIN users us ON us.id = p.mentor_id"
        f" WHERE p.mentee_id = m.id AND p.status = 'active' AND p.deleted = 0) AS mentor_names, {waiting('waiting')}"
        " AS waits",
        f"FROM mentees m WHERE m.status = 'active' AND {sql}", params, "NOT waits, m.code",
        searched=("m.name",) if names else (), code="m.code", q=q, keep=keep, key="m.id")
    return Choices([(r["id"], _mentee_label(r, names) + _pairing_mark(r)) for r in rows], total, matched,
                   total > CAP)


def _pairing_mark(row: dict[str, Any]) -> str:
    """What the picker says beside a child of their running pairings: a waiting child's are all with
    stopped volunteers (the tile's 志愿者已停用), so the child is said to wait for a new one."""
    if not row["mentors"]:
        return ""
    if row["waits"]:
        return f" · 志愿者{row['mentor_names']}已停用，等待新的志愿者"
    return f" · 已与{row['mentors']}结对"


def mentee_categories(db: sqlite_utils.Database, scope: Scope, mentee_id: str) -> list[str]:
    """The categories of one live child in scope (empty when not found or not yours)."""
    sql, params = visible(scope, "mentee", "m")
    row = next(db.query(f"SELECT m.categories FROM mentees m WHERE m.id = ? AND {sql}", [mentee_id, *params]), None)
    return list(json.loads(row["categories"] or "[]")) if row else []


def pairing_options(db: sqlite_utils.Database, scope: Scope, *, q: str = "", keep: Any = None) -> Choices:
    """Active live pairings in scope whose volunteer is in service; volunteers without a smartphone
    (who need 代录) first. A search matches the child (as ``mentee_options``) or the volunteer's name.
    A stopped volunteer's running pairing is never offered (``stopped_volunteer``): nobody visits
    that child, who is paired anew; a visit of before the stop is 补录 once the pairing has ended."""
    sql, params = visible(scope, "pairing", "p")
    names = sees_names(scope)
    rows, total, matched = _narrowed(
        db, "SELECT p.id, m.code, m.name, m.grade, us.name AS mentor_name, us.smartphone",
        f"FROM pairings p JOIN mentees m ON m.id = p.mentee_id JOIN users us ON us.id = p.mentor_id"
        f" WHERE p.status = 'active' AND us.active = 1 AND {sql}", params, "us.smartphone, us.name, m.code",
        searched=("m.name", "us.name") if names else ("us.name",), code="m.code", q=q, keep=keep,
        key="p.id")
    return Choices([(r["id"], f"{r['mentor_name']}{'' if r['smartphone'] else '（无智能手机）'} — "
                     f"{_mentee_label(r, names)}") for r in rows], total, matched, total > CAP)


class Stopped(NamedTuple):
    """A running pairing in scope whose volunteer was stopped: her name, and the pairing and child
    the ways on name (a new volunteer for the child, or ending the pairing)."""

    name: str
    pairing_id: str
    mentee_id: str


def stopped_volunteer(db: sqlite_utils.Database, scope: Scope, pairing_id: Any) -> Stopped | None:
    """The running pairing ``pairing_id`` in scope if its volunteer is stopped, else None."""
    sql, params = visible(scope, "pairing", "p")
    row = db.execute(f"SELECT us.name, p.id, p.mentee_id FROM pairings p JOIN users us ON us.id = p.mentor_id"
                     f" WHERE p.id = ? AND p.status = 'active' AND us.active = 0 AND {sql}",
                     [pairing_id if isinstance(pairing_id, str) else "", *params]).fetchone()
    return None if row is None else Stopped(str(row[0] or ""), row[1], row[2])


class Ended(NamedTuple):
    """An ended pairing a 补录 may name: its option (id, label) and the days a visit of it may have."""

    option: tuple[str, str]
    start: str | None
    end: str
    days: str  # 2026年9月1日至11月30日


def ended_pairing(db: sqlite_utils.Database, scope: Scope, pairing_id: Any) -> Ended | None:
    """The ended live pairing ``pairing_id`` in scope, its child live too: staff may still enter a
    visit made on or before its end (``sync/rules.py`` ``_before_the_end``); None for any other."""
    sql, params = visible(scope, "pairing", "p")
    found = next(db.query(
        f"""
        SELECT p.id, p.start_date, p.end_date, m.code, m.name, m.grade, us.name AS mentor_name
        FROM pairings p JOIN mentees m ON m.id = p.mentee_id JOIN users us ON us.id = p.mentor_id
        WHERE p.id = ? AND p.status = 'closed' AND p.end_date IS NOT NULL AND {sql}
        """,
        [pairing_id if isinstance(pairing_id, str) else "", *params]), None)
    if found is None:
        return None
    start = datetime.date.fromisoformat(found["start_date"]) if found["start_date"] else None
    days = Span(found["id"], start, datetime.date.fromisoformat(found["end_date"])).in_words()
    label = f"{found['mentor_name']} — {_mentee_label(found, sees_names(scope))}（已结束的结对：{days}）"
    return Ended((found["id"], label), found["start_date"], found["end_date"], days)


class Authors(NamedTuple):
    """做这次帮扶的老师 of a 代录: ``options`` (id, label), the pairing's volunteer now (an ended
    one's, the last) first; the spans of the former ones; everyone's name by id."""

    options: list[tuple[str, str]]
    spans: list[Span]
    names: dict[str, str]
    ended: bool = False


def author_choices(db: sqlite_utils.Database, scope: Scope, pairing_id: Any) -> Authors:
    """做这次帮扶的老师 of a 代录 in a live pairing in scope: its volunteer now, then each one who had
    the child before and handed it on, with her days (王老师（2026年3月1日—9月30日结对）); all empty
    when no other volunteer ever had the child."""
    none = Authors([], [], {})
    sql, params = visible(scope, "pairing", "p")
    found = next(db.query(f"SELECT p.id, p.num, p.start_date, p.mentor_id, p.status, p.end_date FROM pairings p"
                          f" WHERE p.id = ? AND {sql}", [pairing_id if isinstance(pairing_id, str) else "", *params]),
                 None)
    if found is None:
        return none
    now, every = found["mentor_id"], former_spans(db, found)
    spans = [s for s in every if s.mentor_id != now]
    if not spans:
        return none
    ended = found["status"] == "closed" and isinstance(found["end_date"], str)
    ids = list(dict.fromkeys(s.mentor_id for s in spans))
    names = {i: str(n or "") for i, n in db.execute(
        f"SELECT id, name FROM users WHERE id IN ({', '.join('?' * (len(ids) + 1))})", [now, *ids]).fetchall()}
    formers = [(i, f"{names.get(i, '')}（{'、'.join(s.in_words('—') for s in spans if s.mentor_id == i)}结对）")
               for i in ids]
    days = "现在结对"
    if ended:  # the last one's days: from the last handover (not before the start) to the end
        start = datetime.date.fromisoformat(found["start_date"]) if found["start_date"] else None
        last = max(every[-1].last, start) if start else every[-1].last
        days = Span(now, last, datetime.date.fromisoformat(found["end_date"])).in_words("—") + "结对"
    return Authors([(now, f"{names.get(now, '')}（{days}）"), *formers], spans, names, ended)
