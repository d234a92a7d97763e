"""Reading a raw mutation dict into a ``Mutation`` or a ``Rejection`` a person can act on."""
from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .controls import clean_fields
from .echo import quote
from .entities import ENTITIES, SHORT_MAX, TEXT_MAX, Entity, Field
from .ids import new_id, parse_id
from .phones import phone_form

OPS = ("upsert", "delete")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
STRS_MAX_ITEMS = 30
STRS_ITEM_MAX = 50
MUTATION_KEYS = {"mutation_id", "entity", "record_id", "op", "base_version", "fields"}
# The largest integer a phone's JavaScript number holds exactly (Number.MAX_SAFE_INTEGER): an id
# or version past it cannot be sent back unchanged, and a device stuck past it could never push again.
MAX_SAFE_INTEGER = 2**53 - 1
MAX_MUTATION_ID = MAX_SAFE_INTEGER


@dataclass(frozen=True)
class Mutation:
    mutation_id: int | None
    entity: Entity
    record_id: str
    op: str
    base_version: int | None
    fields: dict[str, Any]


@dataclass(frozen=True)
class Rejection:
    mutation_id: int | None
    reason: str
    entity: str = ""
    record_id: str = ""
    fields: Any = None
    field: str | None = None  # the one field whose value is refused, when it is one (``Refusal.field``)


def upsert(entity: str, fields: dict[str, Any], record_id: str | None = None, *,
           base_version: int | None = None, mutation_id: int | None = None) -> dict[str, Any]:
    """A wire-format upsert: a create when ``record_id`` is new (a fresh UUIDv7 when not given),
    else an edit of the ``fields`` given, against ``base_version``.

    Server-side writers (forms, imports, the demo) leave out ``mutation_id``; phones number theirs.
    """
    out: dict[str, Any] = {"entity": entity, "record_id": record_id or new_id(), "op": "upsert",
                           "base_version": base_version, "fields": fields}
    if mutation_id is not None:
        out["mutation_id"] = mutation_id
    return out


def delete(entity: str, record_id: str, *, base_version: int | None = None,
           mutation_id: int | None = None) -> dict[str, Any]:
    """A wire-format (soft) delete of one record, as last seen at ``base_version``."""
    out: dict[str, Any] = {"entity": entity, "record_id": record_id, "op": "delete", "base_version": base_version}
    if mutation_id is not None:
        out["mutation_id"] = mutation_id
    return out




def read_mutation(raw: dict[str, Any], *, check_text: bool = True, clean: bool = True) -> Mutation | Rejection:
    """Validate one mutation's shape and every field value against its entity, its text fields
    read without control characters (``sync.controls``). ``clean=False`` says the mutation as
    sent holds none, so the look for them is skipped (``batches.read_mutations`` knows from its digest)."""
    mid = raw.get("mutation_id")
    mid = mid if type(mid) is int else None
    entity_name = raw.get("entity")
    record_id = raw.get("record_id")
    fields = raw.get("fields")

    def reject(reason: str, field: str | None = None) -> Rejection:
        return Rejection(
            mid, reason,
            entity=entity_name if isinstance(entity_name, str) else "",
            record_id=record_id if isinstance(record_id, str) else "",
            fields=fields, field=field,
        )

    if check_text and _has_unencodable_text(raw):
        # A lone surrogate ("\\ud800") is valid JSON but cannot be stored as UTF-8; echoing
        # it into the audit log would fail the whole batch, so nothing of it is kept.
        where, at = "内容", None
        known = entity_name if isinstance(entity_name, str) and entity_name in ENTITIES else ""
        spec_of = ENTITIES[known].by_name if known else {}
        for name, value in (fields.items() if isinstance(fields, dict) else ()):
            if name in spec_of and _has_unencodable_text(value):
                where, at = f"字段“{spec_of[name].label}”({name})", name
                break
        return Rejection(
            mid, f"{where}含有无法保存的字符（不成对的 UTF-16 代理项），请删除乱码后重新保存。",
            entity=known,
            record_id=parse_id(record_id) or "",
            field=at,
        )
    unknown_keys = sorted(set(raw) - MUTATION_KEYS)
    if unknown_keys:
        shown = "、".join(quote(k) for k in unknown_keys[:5]) + ("等" if len(unknown_keys) > 5 else "")
        return reject(f"无法识别的键：{shown}。")
    if not isinstance(entity_name, str) or entity_name not in ENTITIES:
        return reject(f"未知的记录类型 {quote(entity_name)}；可用类型：{', '.join(ENTITIES)}。")
    entity = ENTITIES[entity_name]
    rid = parse_id(record_id)
    if rid is None:
        return reject(f"record_id 应为小写 UUID（如 0190a0c4-…），收到 {quote(record_id)}。")
    op = raw.get("op")
    if op not in OPS:
        return reject(f"op 应为 upsert 或 delete，收到 {quote(op)}。")
    base = raw.get("base_version")
    if base is not None and (type(base) is not int or not 0 <= base <= MAX_SAFE_INTEGER):
        return reject(f"base_version 应为 null 或 0 到 {MAX_SAFE_INTEGER} 之间的整数，收到 {quote(base)}。")
    if op == "delete":
        if fields not in (None, {}):
            return reject("删除操作不能带 fields。")
        return Mutation(mid, entity, rid, op, base, {})
    if not isinstance(fields, dict):
        return reject("upsert 操作需要 fields 对象（只含改动的字段）。")
    if clean:
        # Before the checks: a required name that was only a NUL is empty, and says so.
        fields = clean_fields(fields, _TEXTS[entity.name], _LISTS[entity.name])
    quick = _QUICK[entity.name]
    for name, value in fields.items():
        accepts = quick.get(name)
        if accepts is None:
            return reject(f"{entity.label}没有字段 {quote(name)}。")
        if not accepts(value):
            problem = check_value(entity.by_name[name], value)
            if problem:
                return reject(problem, name)
    fields = dict(fields)
    for name in _PHONES[entity.name]:
        if isinstance(fields.get(name), str):
            fields[name] = phone_form(fields[name])
    return Mutation(mid, entity, rid, op, base, fields)




def _has_unencodable_text(value: Any) -> bool:
    """True when any string (key or value) anywhere in ``value`` is not encodable as UTF-8."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


_TEXT_LIMITS = {"text": TEXT_MAX, "short": SHORT_MAX}
# What breaks a line. A short field (a name, a code, a telephone) is one line wherever it is shown:
# a table on a page, the brief's picture, an Excel cell, a phone's title bar. Web and phone forms
# give it a one-line input; a spreadsheet cell or a crafted request can still carry a break.
_LINE_BREAK = re.compile("[\r\n\v\f\x85\u2028\u2029]")


def one_line(value: str) -> bool:
    """Whether ``value`` holds no line break (the rule of a ``short`` field; accounts follow it too)."""
    return _LINE_BREAK.search(value) is None


@functools.lru_cache(maxsize=4096)
def _good_date(value: str) -> bool:
    if not DATE_RE.match(value) or not "2000-01-01" <= value <= "2100-12-31":
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def check_value(spec: Field, value: Any) -> str | None:
    """Return a sentence describing what is wrong with ``value``, or None if it fits."""
    # Fast paths for the values a phone sends all day; anything else takes the long way.
    kind = spec.kind
    if type(value) is str:
        limit = _TEXT_LIMITS.get(kind)
        if limit is not None and len(value) <= limit and (kind == "text" or one_line(value)) and (
                not spec.required or (value and not value.isspace())):
            return None
        if (kind == "enum" and value in spec.choices) or (kind == "date" and _good_date(value)):  # type: ignore[operator]
            return None
        if kind == "ref" and parse_id(value) is not None:  # every visit names its pairing
            return None
    elif type(value) is bool:
        if kind == "bool":
            return None
    elif value is None:
        if not spec.required and spec.nullable:
            return None
    elif type(value) is int:
        if kind == "int" and spec.min_value <= value <= spec.max_value:
            return None
    elif type(value) is list:
        if kind == "enums" and all(type(v) is str and v in spec.choices for v in value) and (  # type: ignore[operator]
                len(set(value)) == len(value)):
            return None
        if kind == "strs" and len(value) <= STRS_MAX_ITEMS and all(
            type(v) is str and 0 < len(v) <= STRS_ITEM_MAX for v in value
        ):
            return None
    return _explain(spec, value)


def _quick_check(spec: Field) -> Callable[[Any], bool]:
    """A yes, at the cost of one call, for the values a phone sends all day in ``spec``'s field.

    A push reads about a dozen fields a mutation, on the busy event loop: ``check_value`` tells
    each field's kind apart again for every value. This only ever says yes where ``check_value``
    returns None; a no (None in a field that may be empty, anything unusual) is asked of it.
    """
    kind, choices = spec.kind, spec.choices or {}
    if kind == "text" and not spec.required:
        return lambda v: type(v) is str and len(v) <= TEXT_MAX
    if kind == "short" and not spec.required:
        return lambda v: type(v) is str and len(v) <= SHORT_MAX and _LINE_BREAK.search(v) is None
    if kind == "enum":
        return lambda v: type(v) is str and v in choices
    if kind == "date":
        return lambda v: type(v) is str and _good_date(v)
    if kind == "ref":
        return lambda v: type(v) is str and parse_id(v) is not None
    if kind == "int":
        low, high = spec.min_value, spec.max_value
        return lambda v: type(v) is int and low <= v <= high
    if kind == "bool":
        return lambda v: type(v) is bool
    return lambda v: check_value(spec, v) is None


_QUICK = {e.name: {f.name: _quick_check(f) for f in e.fields} for e in ENTITIES.values()}
_PHONES = {e.name: tuple(f.name for f in e.fields if f.phone) for e in ENTITIES.values()}
_TEXTS = {e.name: frozenset(f.name for f in e.fields if f.kind in ("text", "short")) for e in ENTITIES.values()}
_LISTS = {e.name: frozenset(f.name for f in e.fields if f.kind == "strs") for e in ENTITIES.values()}


def _explain(spec: Field, value: Any) -> str | None:
    where = _Where(spec)
    if value is None:
        if spec.required or not spec.nullable:
            return f"{where}不能为空。"
        return None
    kind = spec.kind
    if kind in ("text", "short"):
        limit = TEXT_MAX if kind == "text" else SHORT_MAX
        if not isinstance(value, str):
            return f"{where}应为文字。"
        if len(value) > limit:
            return f"{where}太长：最多 {limit} 字，收到 {len(value)} 字。"
        if spec.required and (not value or value.isspace()):  # a unit named "" is no name
            return f"{where}不能为空。"
        if kind == "short" and not one_line(value):
            return f"{where}只能写一行，不能换行。"
        return None
    if kind == "enum":
        assert spec.choices is not None
        # Only text can be a choice: a list or an object from a crafted push is refused, not hashed.
        if type(value) is not str or value not in spec.choices:
            return f"{where}应为以下之一：{choice_list(spec)}；收到 {quote(value)}。"
        return None
    if kind == "enums":
        assert spec.choices is not None
        if not isinstance(value, list) or any(type(v) is not str or v not in spec.choices for v in value):
            return f"{where}应为数组，元素取自：{choice_list(spec)}。"
        if len(set(value)) != len(value):
            return f"{where}有重复的选项。"
        return None
    if kind == "strs":
        if not isinstance(value, list) or len(value) > STRS_MAX_ITEMS or any(
            not isinstance(v, str) or not v or len(v) > STRS_ITEM_MAX for v in value
        ):
            return f"{where}应为短语数组（最多 {STRS_MAX_ITEMS} 个，每个 1–{STRS_ITEM_MAX} 字）。"
        return None
    if kind == "date":
        if not isinstance(value, str) or not DATE_RE.match(value):
            return f"{where}应为 YYYY-MM-DD 格式的日期，收到 {quote(value)}。"
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            return f"{where}不是真实存在的日期：{value}。"
        if not "2000-01-01" <= value <= "2100-12-31":
            return f"{where}超出合理范围：{value}。"
        return None
    if kind == "int":
        if type(value) is not int:
            return f"{where}应为整数，收到 {quote(value)}。"
        if not spec.min_value <= value <= spec.max_value:
            if spec.out_of_range is not None:
                return spec.out_of_range(value)
            return f"{where}应在 {spec.min_value} 到 {spec.max_value} 之间，收到 {quote(value)}。"
        return None
    if kind == "bool":
        if type(value) is not bool:
            return f"{where}应为 true 或 false，收到 {quote(value)}。"
        return None
    if kind == "ref":
        if parse_id(value) is None:
            return f"{where}应为小写 UUID，收到 {quote(value)}。"
        return None
    if kind == "json":  # only the server writes these (e.g. a return's frozen figures)
        return f"{where}由服务器维护，您不能修改。"
    raise AssertionError(f"unknown field kind {kind}")


class _Where:
    """The field's name for a message, built only when a message is needed (hot path)."""

    __slots__ = ("spec",)

    def __init__(self, spec: Field) -> None:
        self.spec = spec

    def __format__(self, _: str) -> str:
        return f"字段“{self.spec.label}”({self.spec.name})"


def choice_list(spec: Field) -> str:
    assert spec.choices is not None
    return "、".join(f"{k}（{v}）" for k, v in spec.choices.items())
