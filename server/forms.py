"""Forms for synced entities: HTML form values → wire values → a mutation; reasons → field errors.

Pages build their forms from the entity declarations in ``sync.entities`` (label, kind,
choices, required), so a form, the phone and the sync engine agree on every field. A form
post becomes one mutation through ``sync.apply_mutations`` — the same validation, versions,
audit log and change feed as a phone's push — and a rejected mutation's reason comes back
to the person beside the field it names.
"""
from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from sync import Actor, Outcome, apply_mutations
from sync.entities import ENTITIES, Entity, Field
from sync.mutations import check_value

from .widths import fold_full_width

# Which HTML control each field kind uses.
WIDGETS = {"text": "textarea", "short": "input", "enum": "select", "enums": "checkboxes", "strs": "tags",
           "date": "date", "int": "number", "bool": "checkbox", "ref": "select"}


@dataclass
class FieldView:
    """What a template needs to draw one field."""

    name: str
    label: str
    widget: str
    value: Any
    required: bool = False
    options: list[tuple[str, str]] | None = None
    error: str | None = None
    hint: str | None = None
    bounds: tuple[str | None, str | None] = (None, None)  # a date's first and last day a person may pick
    finder: Finder | None = None  # a search box above a select with too many choices for one list


@dataclass
class Finder:
    """The search box above a picker whose scope holds more choices than one <select> lists: the
    words searched, how many matched of how many in all, at most how many are listed."""

    label: str
    q: str
    matched: int
    total: int
    cap: int
    noun: str  # 个孩子, 个结对
    param: str = "q"  # the search box's name (a form with two pickers has two)

    @property
    def measure(self) -> str:
        """The noun's measure word (个, 位), which counts the listed ones too."""
        return self.noun[:1]


class FormInvalid(Exception):
    """Values a form cannot turn into wire values; ``errors`` maps a field to a sentence."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


CHECKBOXES = ("bool", "enums", "strs")


def field_views(entity_name: str, names: Iterable[str], values: Mapping[str, Any], *,
                errors: Mapping[str, str] | None = None, options: Mapping[str, list[tuple[str, str]]] | None = None,
                hints: Mapping[str, str] | None = None, labels: Mapping[str, str] | None = None) -> list[FieldView]:
    """Views of ``names`` of an entity, with current ``values`` and any ``errors``.

    ``options`` supplies the choices of reference fields (e.g. the volunteers a station may pair).
    """
    entity = ENTITIES[entity_name]
    out = []
    for name in names:
        spec = entity.by_name[name]
        choices = (options or {}).get(name)
        if choices is None and spec.choices is not None:
            choices = list(spec.choices.items())
        out.append(FieldView(
            name=name, label=(labels or {}).get(name, spec.label), widget=WIDGETS[spec.kind],
            # A checkbox or a pick list may be left empty (false, no choice): never required.
            value=values.get(name), required=spec.required or not spec.nullable and spec.kind not in CHECKBOXES,
            options=choices, error=(errors or {}).get(name), hint=(hints or {}).get(name),
        ))
    return out


def parse_fields(entity_name: str, names: Iterable[str], form: Mapping[str, Any]) -> dict[str, Any]:
    """The wire values of ``names`` from a posted form (see ``form_posts.form_values``).

    Empty inputs become null; checkbox groups lists; a missing checkbox is false. Values are
    only shaped here — ``sync`` validates them (range, length, choices) for every writer alike.
    """
    entity = ENTITIES[entity_name]
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for name in names:
        spec = entity.by_name[name]
        try:
            out[name] = _parse(spec, form.get(name))
        except ValueError as exc:
            errors[name] = str(exc)
    if errors:
        raise FormInvalid(errors)
    return out


def _parse(spec: Field, raw: Any) -> Any:
    if spec.kind == "bool":
        return raw not in (None, "", "0", "false", "off")
    if spec.kind in ("enums", "strs"):
        items = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
        if spec.kind == "strs":
            items = [p.strip() for item in items for p in re.split(r"[，,、\n]", str(item)) if p.strip()]
        return list(dict.fromkeys(str(i) for i in items))
    if isinstance(raw, list):
        raw = raw[-1]
    text = "" if raw is None else str(raw).strip()
    if text == "":
        return None
    if spec.kind == "int":
        # A Chinese IME in full-width mode types "８０" (and "，", "－") for 80; shown on the page as
        # 80, it must not come back refused. Full width only: NFKC also read "①20" as 120.
        digits = "".join(fold_full_width(text).replace(",", "").split())  # any space a paste brings (NBSP too)
        sign, digits = (-1, digits[1:]) if digits.startswith("-") else (1, digits)
        if not digits.isascii() or not digits.isdigit():
            # Said as a clerk of 60 acts on it (九百 or 二〇一四 typed in a number box), not 应为整数.
            raise ValueError(f"“{spec.label}”请只用数字填写（0–9），不要写汉字。")
        # Checked here too, by sync's own check: a page may look the number up before it writes.
        if len(digits) > 12:  # past every field's bound (and never a 4,300-digit int())
            raise ValueError((spec.out_of_range and spec.out_of_range(text)) or f"“{spec.label}”的数字太大了。")
        number = sign * int(digits)  # a negative one is told the field's range below, not told to use digits
        problem = check_value(spec, number)
        if problem:
            # sync's sentence names the field's code for a phone's developer (出生年份(birth_year));
            # beside the field on a page it is only noise, as for_people says.
            raise ValueError(problem.replace(f"字段“{spec.label}”({spec.name})", f"“{spec.label}”"))
        return number
    if spec.kind == "date":
        return _day(spec, text)
    return text


DAY_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def typed_day(text: str) -> datetime.date | None:
    """The day ``text`` names, written as a date box writes it (``YYYY-MM-DD``, ASCII digits), or None.
    Only that shape: Python also reads 20260901 and 2026-W36-2 as days, and a day kept as typed is
    compared with other days as text."""
    if not DAY_SHAPE.fullmatch(text):
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:  # 2026-02-30: the right shape, a day no calendar has
        return None


def _day(spec: Field, text: str) -> str:
    """A date box's ``YYYY-MM-DD``, read here so that a page comparing it with another day (an end
    not before the start, not after today) compares days: 2026-02-30 was told 不能早于开始日期, and
    today in an input method's full-width digits (２０２６－１２－０７) 不能晚于今天. The range a day
    may take is sync's to say, for every writer alike."""
    day = fold_full_width(text)
    if typed_day(day) is None:
        raise ValueError(f"“{spec.label}”没有这一天（{day}），请重新选一天。" if DAY_SHAPE.fullmatch(day) else
                         f"“{spec.label}”请写成 2026-12-07 这样的日期（年-月-日），或点开日期框选一天。")
    return day


def whole_number(raw: object, digits: int = 12) -> int | None:
    """``raw`` as a whole number written in 1 to ``digits`` ASCII digits, else None.

    ``str.isdigit()`` alone also takes "²", "٣" and "３", which ``int()`` then refuses (a 500).
    """
    text = str(raw).strip() if isinstance(raw, str | int) else ""
    return int(text) if 0 < len(text) <= digits and text.isascii() and text.isdigit() else None


def refusal_errors(entity: Entity, outcome: Outcome, names: Iterable[str]) -> dict[str, str]:
    """Put a rejection's reason beside the field it is about, else under ``_form``: the field the
    rule said (``Refusal.field``: "日期写的是以后的日子" quotes no label), when the form shows it;
    else the first of ``names`` whose label the words quote."""
    names = tuple(names)
    reason = for_people(entity, outcome.reason)
    if reason and outcome.refused_field in names:
        return {str(outcome.refused_field): reason}
    found = errors_from_reason(entity, reason, names)
    spec = entity.by_name.get(str(outcome.refused_field))
    said = found.get("_form", "")
    if said and spec is not None and f"“{spec.label}”" not in said:
        # On top, about a field this form does not show (the child of a pairing being edited): the
        # words alone ("已被删除", "日期写的是以后的日子") would not say what they are about.
        found["_form"] = f"“{spec.label}”：{said}"
    return found


def for_people(entity: Entity, reason: str | None) -> str | None:
    """A wire reason as a page shows it: 字段“班级”(class_name)不能为空 reads “班级”不能为空. The field's
    code is for a phone's developer; beside the field on a form it is only noise to a volunteer."""
    if not reason or "字段“" not in reason:
        return reason
    for spec in entity.fields:
        reason = reason.replace(f"字段“{spec.label}”({spec.name})", f"“{spec.label}”")
    return reason


def errors_from_reason(entity: Entity, reason: str | None, names: Iterable[str]) -> dict[str, str]:
    """Put a reason beside the field it names (by label), else under ``_form``."""
    if not reason:
        return {}
    for name in names:
        spec = entity.by_name.get(name)
        if spec is not None and (f"“{spec.label}”" in reason or f"({name})" in reason):
            return {name: reason}
    return {"_form": reason}


class MutationsRefused(Exception):
    """At least one mutation of an all-or-nothing write was rejected; the transaction rolls back."""

    def __init__(self, outcomes: list[Outcome]) -> None:
        self.outcomes = outcomes
        self.rejected = [(i, o) for i, o in enumerate(outcomes) if o.status == "rejected"]
        super().__init__("; ".join(str(o.reason) for _, o in self.rejected))


def apply_all(db: sqlite_utils.Database, actor: Actor, mutations: list[dict[str, Any]]) -> list[Outcome]:
    """``sync.apply_mutations``, but all or nothing: one rejection raises ``MutationsRefused``,
    which (raised inside ``store.write``) rolls the whole transaction back."""
    outcomes = apply_mutations(db, actor, mutations)
    if any(o.status == "rejected" for o in outcomes):
        raise MutationsRefused(outcomes)
    return outcomes
