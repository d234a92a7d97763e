"""Whether a child about to be registered (a roster row, the 登记帮扶对象 form) is likely one already
registered: the same name or a name one character off a live child of the same unit (张若希 for 张若曦,
a typo in one of the two), or the same name as a live child of another unit (the town moved them
there). Birth year and gender agree wherever both give one. Doubling a child is the worst thing a
registration can do, so both callers hold such a child back and say which child it likely is, in the
words here; each then says how to go on in its own (``server/imports/mentee_likely.py``,
``server/pages/mentee_forms.py``).

A child outside the registering person's scope is never described: only that one of that name is
registered elsewhere in the county (as the code check says of a code).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Any

import sqlite_utils

from sync import Scope
from sync.labels import GENDERS, ROW_KINDS
from sync.names import plain_name

from .mentees import live_children_by_name, mentees_of_units
from .units import unit_tree

SAME, NEAR, MOVED, UNSEEN = "same", "near", "moved", "unseen"


def near_names(a: str, b: str) -> bool:
    """Two names of one length that differ in exactly one character (张若希, 张若曦). Names equal but
    for spaces are already one name (``plain_name``), matched as the same child before this is asked."""
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def agrees(values: dict[str, Any], child: dict[str, Any]) -> bool:
    """The new child's birth year and gender are the child's, where both give one."""
    return all(values.get(f) is None or child.get(f) is None or values[f] == child[f]
               for f in ("birth_year", "gender"))


def described(child: dict[str, Any]) -> str:
    said = [f"编号 {child['code']}"]
    said += [f"{child['birth_year']}年出生"] if child.get("birth_year") else []
    said += [GENDERS.get(str(child["gender"]), str(child["gender"]))] if child.get("gender") else []
    return f"“{child['name']}”（{'，'.join(said)}）"


@dataclass(frozen=True)
class Likely:
    """The live children a new one likely is, the likeliest first: of its own unit by the same name
    (SAME) or a name one character off (NEAR), of another unit in scope (MOVED, ``unit_name``), or of
    a unit outside the scope (UNSEEN: never described, ``children`` empty). ``also``: a namesake of
    another unit the new child may be as well, said after the children of its own unit."""
    how: str
    children: list[dict[str, Any]]
    unit_name: str = ""
    also: Likely | None = None
    unseen: str = ""  # UNSEEN: which children, as ``_unseen_key`` says them

    @property
    def child(self) -> dict[str, Any] | None:
        """The child to name and link to; None outside the scope."""
        return self.children[0] if self.children else None

    @property
    def key(self) -> str:
        """What a person's "it is another child" answers: this child (or, outside the scope, that one
        is there), so a tick given beside one child lets no other through."""
        own = str(self.children[0]["id"]) if self.children else self.unseen or UNSEEN
        return own if self.also is None else f"{own}+{self.also.key}"

    @property
    def linked(self) -> list[dict[str, Any]]:
        """The children named that the person may open: the likeliest of each unit."""
        return [*self.children[:1], *(self.also.children[:1] if self.also else [])]

    def words(self) -> str:
        """Which child it likely is, said as one or two sentences the caller's how-to-go-on follows."""
        return self._own_words() + (self.also.words() if self.also else "")

    def _own_words(self) -> str:
        if self.how == UNSEEN or not self.children:
            return "县里别的单位已登记了一个同名的孩子，出生年份和性别也对得上（可能是转走了）。"
        child, rest = self.children[0], self.children[1:]
        if self.how == MOVED:
            return f"“{self.unit_name}”已登记了一个同名的孩子：{described(child)}，可能是转过去了。"
        kind = "同名" if self.how == SAME else "姓名只差一个字"
        alike = "同名" if self.how == SAME else "名字相近"
        more = f"（还有 {len(rest)} 个{alike}的：{'、'.join(described(c) for c in rest)}）" if rest else ""
        return f"这个单位已有一个{kind}的孩子：{described(child)}{more}。是同一个孩子吗？"


def in_unit(name: str, values: dict[str, Any], unit_children: list[dict[str, Any]], *,
            same_too: bool = False) -> Likely | None:
    """The live children of the new child's unit it likely is: one character off its name (and, when
    ``same_too``, of its very name: the import has matched those already), or None."""
    live = [c for c in unit_children if not c["deleted"] and c.get("name") and agrees(values, c)]
    same = [c for c in live if same_too and plain_name(c["name"]) == name]
    if same:
        return Likely(SAME, same)
    near = [c for c in live if near_names(plain_name(c["name"]), name)]
    return Likely(NEAR, near) if near else None


def elsewhere(name: str, values: dict[str, Any], unit_id: str, namesakes: list[dict[str, Any]],
              unit_names: dict[str, str]) -> Likely | None:
    """The live child of another unit with the new child's name (``namesakes``: the county's live
    children of that name) it likely is, or None. ``unit_names``: the units in the registering
    person's scope, whose children they may see."""
    same = [c for c in namesakes if c["unit_id"] != unit_id and agrees(values, c)]
    if not same:
        return None
    seen = [c for c in same if c["unit_id"] in unit_names]
    if seen:
        return Likely(MOVED, seen[:1], unit_names[seen[0]["unit_id"]])
    return Likely(UNSEEN, [], unseen=_unseen_key(same))


def _unseen_key(children: list[dict[str, Any]]) -> str:
    """The children out of scope a tick answers, said without saying who they are: a digest of their
    ids (random UUIDv7s the person cannot see, so none can be guessed back from it). One word for every
    such child let a tick given beside 刘思远 register the next namesake of any other name elsewhere."""
    ids = ",".join(sorted(str(c["id"]) for c in children))
    return f"{UNSEEN}-{hashlib.sha256(ids.encode()).hexdigest()[:16]}"


def likely_registered(db: sqlite_utils.Database, scope: Scope, fields: dict[str, Any]) -> Likely | None:
    """The child already registered that one about to be registered by hand (``fields``: the form's
    values as the write path takes them) likely is, or None. A unit outside the scope is not looked
    at: the write rule refuses it."""
    unit_names = {u["id"]: u["name"] for u in unit_tree(db, scope) if u["kind"] in ROW_KINDS}
    unit_id, name = str(fields.get("unit_id") or ""), plain_name(fields.get("name") or "")
    if not name or unit_id not in unit_names:
        return None
    here = in_unit(name, fields, mentees_of_units(db, [unit_id]), same_too=True)
    namesakes = live_children_by_name(db, plain_name, named=name).get(name, [])
    there = elsewhere(name, fields, unit_id, namesakes, unit_names)
    # Both, when both: a tick that the child is not the near name of its unit must not register a
    # second time the namesake the town moved to another unit, which the form never named.
    return there if here is None else here if there is None else replace(here, also=there)
