"""The two rules every read obeys: stay inside the caller's scope, and count live rows only.

"Live" (docs/design.md §2.1 and §3, "Live rows only"): a deleted record counts nowhere, and neither do the
records of a deleted mentee, pairing or unit. ``live`` spells that out per entity so no page
re-derives it; ``in_scope`` is ``sync.scope.where`` (the read-side twin of the write path's
scope check). ``chosen``, ``contains`` and ``found_in`` turn the filters a list page was asked for
into SQL; ``code_key`` is the one rule for when a search is a child's code typed another way.
"""
from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from sync import Scope
from sync.scope import where
from sync.timeutil import local_today

# Which parents must also be live for a row of each entity to count.
PARENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "mentee": (("unit_id", "units"),),
    "pairing": (("mentee_id", "mentees"), ("unit_id", "units")),
    "activity": (("pairing_id", "pairings"), ("mentee_id", "mentees"), ("unit_id", "units")),
    "screening": (("mentee_id", "mentees"), ("unit_id", "units")),
    "referral": (("mentee_id", "mentees"), ("unit_id", "units")),
    "donation": (("mentee_id", "mentees"), ("unit_id", "units")),
    "event": (("unit_id", "units"),),
    "enrolment": (("unit_id", "units"),),
    "stats_return": (("unit_id", "units"),),
    "review": (("unit_id", "units"),),
    "inspection": (("unit_id", "units"),),
    "peer_helper": (("unit_id", "units"),),
}


# Pairings whose activities count nowhere: deleted, or of a deleted mentee (few in any county).
# Reports that count activities by their own unit subtract these instead of testing every row.
DEAD_PAIRINGS = ("SELECT p.id FROM pairings p WHERE p.deleted = 1"
                 " UNION SELECT p.id FROM pairings p JOIN mentees m ON m.id = p.mentee_id WHERE m.deleted = 1")


def running(alias: str, today: datetime.date | None = None, *, since: datetime.date | None = None) -> str:
    """SQL: the pairing ``alias`` is 在结对 on ``today`` (a Beijing date; default: now): not ended and
    already begun. One registered ahead of its first day is not yet mentored, so no figure of pairings
    running counts it (the dashboard, the brief, the year summary, the volunteer list, 重点对象's
    已结对 alike). A pairing closed on a later day was still running on ``today`` (the end of last
    year, for a summary); one closed with no end date ended on no day anyone knows, so it runs on none.
    The date is written into the SQL: an ISO date from ``date.isoformat`` holds nothing to escape,
    and the callers' parameter lists stay as they are. With ``since``: it ran on some day from
    ``since`` to ``today``, both included (a volunteer who served in a year, ``volunteers``)."""
    day = (today or local_today()).isoformat()
    first = (since or today or local_today()).isoformat()
    return f"({alias}.start_date <= '{day}' AND ({alias}.status = 'active' OR {alias}.end_date > '{first}'))"


def live(entity: str, alias: str) -> str:
    """SQL: the row ``alias`` of ``entity`` is not deleted, nor is any parent it hangs from."""
    parts = [f"{alias}.deleted = 0"]
    for column, table in PARENTS.get(entity, ()):
        parts.append(f"({alias}.{column} IS NULL OR {alias}.{column} NOT IN {_deleted(table)})")
    return " AND ".join(parts)


def _deleted(table: str) -> str:
    # The deleted parents, few, read from m043's partial index: a list of the live ones was built by
    # scanning the table for every query. The same rows pass, as every PARENTS column REFERENCES
    # its table (foreign keys are on), so no parent id is missing from both lists.
    return f"(SELECT id FROM {table} WHERE deleted = 1)"


def in_scope(scope: Scope, entity: str, alias: str) -> tuple[str, list[Any]]:
    """SQL and parameters: the row ``alias`` of ``entity`` is inside ``scope``."""
    return where(scope, entity, alias)


def visible(scope: Scope, entity: str, alias: str) -> tuple[str, list[Any]]:
    """Both rules at once: in scope and live."""
    sql, params = in_scope(scope, entity, alias)
    return f"({sql}) AND {live(entity, alias)}", params


def of_child(scope: Scope, entity: str, alias: str, *, child_deleted: bool = False) -> tuple[str, list[Any]]:
    """SQL and parameters for the rows of a child's file: ``visible``; of a deleted child (a file the
    county and its station still inspect, read-only), the rows in scope not deleted themselves (an
    activity: nor its pairing). The child's deletion takes them out of every count, not out of the file."""
    if not child_deleted:
        return visible(scope, entity, alias)
    sql, params = in_scope(scope, entity, alias)
    pairing = (f" AND {alias}.pairing_id NOT IN {_deleted('pairings')}"
               if entity == "activity" else "")
    return f"({sql}) AND {alias}.deleted = 0{pairing}", params


def of_any_child(scope: Scope, entity: str, alias: str) -> tuple[str, list[Any]]:
    """SQL and parameters for one record opened by itself (a visit's or a referral's page): ``visible``,
    or a record of a deleted child that ``of_child`` keeps in the child's file, so a link from the
    kept file opens it (read-only: the page checks ``mentee_deleted``)."""
    live_sql, live_params = visible(scope, entity, alias)
    kept_sql, kept_params = of_child(scope, entity, alias, child_deleted=True)
    gone = f"{alias}.mentee_id IN {_deleted('mentees')}"
    return f"(({live_sql}) OR ({kept_sql} AND {gone}))", [*live_params, *kept_params]


def chosen(filters: Mapping[str, str | None], clauses: dict[str, str]) -> tuple[list[str], list[Any]]:
    """SQL conditions and parameters for the filters that are set: ``clauses`` maps a filter's name
    to its condition, which takes the filter's value as its one parameter (kept in ``clauses`` order)."""
    conditions: list[str] = []
    args: list[Any] = []
    for name, sql in clauses.items():
        value = filters.get(name)
        if value:
            conditions.append(sql)
            args.append(value)
    return conditions, args


def contains(text: str) -> str:
    """A ``LIKE … ESCAPE '\\'`` pattern for ``text`` anywhere, its own ``%`` and ``_`` taken literally.

    A code typed with the input method's full-width letters and digits (ＢＸ－２０２６) is searched as
    the ASCII it stands for, as every code is stored; text that folds to something else (a name, a
    unit's （街道）) is searched as typed."""
    folded = unicodedata.normalize("NFKC", text)
    if folded.isascii():
        text = folded
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# What people put between the parts of a code (BX-2026-0037), after NFKC: spaces (an ideographic
# one kept for codes stored before m030's one-code rule), the hyphen-minus, every dash a Chinese input
# method or a word processor gives (the IME's —— is two em dashes), the middle dots (·, ・, •), and the
# _ . / of codes from a school's sheet.
CODE_SEPARATORS = (" \u3000-_./\u00b7\u2022\u2027\u2219\u22c5\u30fb"
                   "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2500\u2e3a\u2e3b")
_PARTS = re.compile(f"[{re.escape(CODE_SEPARATORS)}\\s]+")
_ALNUM = re.compile(r"[0-9A-Za-z]+")
BARE_CODE_DIGITS = 6  # the fewest digits a bare number needs to be read as a code (``code_key``)


def code_key(text: str) -> str | None:
    """The letters and digits of a search typed as a child's code, to find in each code's own letters and
    digits (``code_skeleton``); None for a search that is no code.

    An old hand copies BX-2026-0037 off a paper as BX 2026 0037, BX20260037 or BX·2026·0037, and
    the Chinese input method's dash key types BX——2026——0037: each is the code, and the plain
    substring search (``contains``) finds none of them. A search is a code when, NFKC-folded, it is
    only ASCII letters and digits, with a digit, in parts split by ``CODE_SEPARATORS``, and either
    has more than one part, mixes letters with digits, or is a bare number of at least
    ``BARE_CODE_DIGITS`` digits (20260037, copied without its BX and dashes). A name never is one (no
    digits); a shorter bare number (37, 2026) is left to ``contains``, since its digits joined across
    a code's separator (2026-0001 holds 60) would match every child; so is a search of separators
    alone, which would.

    Why 6: a code's digits are a 4-digit year and a 4-digit number, so 6 digits fit in neither part
    and must name both, at least two digits of each (2026 00, or 26 0037 as the year is often
    shortened): read across the dash on purpose, they name at most 100 children of one year, and the
    whole 8 name one. Five would not: 20260 is the year and the number's first digit, up to 1,000
    children, a county's whole year, as unspecific as 60."""
    parts = [p for p in _PARTS.split(unicodedata.normalize("NFKC", text)) if p]
    key = "".join(parts)
    if not parts or not all(_ALNUM.fullmatch(p) for p in parts) or not any(c.isdigit() for c in key):
        return None
    if len(parts) == 1 and key.isdigit() and len(key) < BARE_CODE_DIGITS:
        return None
    return key


def code_skeleton(column: str) -> str:
    """SQL: the code in ``column`` without its ``CODE_SEPARATORS``, as ``code_key`` reads a search."""
    sql = column
    for separator in CODE_SEPARATORS:
        sql = f"replace({sql}, '{separator}', '')"
    return sql


_SPACES = re.compile(r"\s+")


def _without_spaces(column: str) -> str:
    """SQL: ``column`` without its spaces, ASCII or ideographic (the full-width one of a Chinese input method)."""
    return f"replace(replace({column}, ' ', ''), '\u3000', '')"


def found_in(text: str, columns: Sequence[str], *, code: str | None = None) -> tuple[str, list[Any]]:
    """SQL and parameters: ``text`` is in any of ``columns`` (``contains``), or in the child's code in
    ``code``, typed as a person types a code (``code_key``). ``FALSE`` with no column to search (a
    role that sees no names, searching volunteers by a child's name)."""
    like, key = contains(text), (code_key(text) if code else None)
    tests = [f"{c} LIKE ? ESCAPE '\\'" for c in columns]
    args: list[Any] = [like] * len(columns)
    if (joined := _SPACES.sub("", text)) != text.strip() and columns:
        # 李 小花, typed with a space between the family name and the given name as on a paper form,
        # finds 李小花; the spaces of a name stored with them are set aside alike. Only for a search
        # holding a space: the plain search keeps its one LIKE a column.
        tests += [f"{_without_spaces(c)} LIKE ? ESCAPE '\\'" for c in columns]
        args += [contains(joined)] * len(columns)
    if code and key:
        # The key holds letters and digits only: nothing in it for LIKE to read as a wildcard. Its
        # letters in order anywhere in the code (%B%X%2%…) is a cheap first test that leaves the
        # separators' replace() chain to the one or two codes that pass it (17 ms of a county's
        # 3,000-child search, 0.1 ms).
        tests.append(f"({code} LIKE ? AND {code_skeleton(code)} LIKE ?)")
        args += ["%" + "%".join(key) + "%", f"%{key}%"]
    elif code:
        tests.append(f"{code} LIKE ? ESCAPE '\\'")
        args.append(like)
    return ("(" + " OR ".join(tests) + ")" if tests else "0"), args
