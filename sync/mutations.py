"""Reading a raw mutation dict into a ``Mutation`` or a ``Rejection`` a person can act on.

Also the value codec: wire values (JSON) <-> storage values (SQLite columns).
"""
from __future__ import annotations

import datetime
import functools
import json
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from .controls import clean_fields, escaped_controls
from .echo import quote
from .entities import ENTITIES, SHORT_MAX, TEXT_MAX, Entity, Field
from .errors import BatchInvalid, BatchTooLarge
from .ids import new_id, parse_id
from .jsontext import dumps_text, dumps_text_sorted
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


def read_batch(body: object, *, max_count: int) -> list[dict[str, Any]]:
    """Check the envelope of a push: ``{"mutations": [...]}`` with increasing integer ids.

    Raises ``BatchInvalid`` (the whole batch is refused, nothing is written) when the
    mutations cannot even be told apart; problems inside one mutation are left to
    ``read_mutation`` so they reject only that mutation.
    """
    if not isinstance(body, dict) or "mutations" not in body:
        raise BatchInvalid('请求体应为 JSON 对象 {"mutations": [...]}。')
    raw = body["mutations"]
    if not isinstance(raw, list):
        raise BatchInvalid('"mutations" 应为数组。')
    if len(raw) > max_count:
        raise BatchTooLarge(f"一次最多同步 {max_count} 条，这次有 {len(raw)} 条；请分批发送。")
    previous = 0
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise BatchInvalid(f"第 {index + 1} 条修改应为 JSON 对象。")
        mid = item.get("mutation_id")
        if type(mid) is not int or mid < 1:
            raise BatchInvalid(f"第 {index + 1} 条修改缺少正整数 mutation_id。")
        if mid > MAX_MUTATION_ID:
            raise BatchInvalid(f"第 {index + 1} 条修改的 mutation_id 太大（最大 {MAX_MUTATION_ID}）。")
        if mid <= previous:
            raise BatchInvalid(f"mutation_id 应逐条递增：第 {index + 1} 条是 {mid}，前一条是 {previous}。")
        previous = mid
    return raw


@dataclass(frozen=True)
class Batch:
    """A push read and checked before it reaches the writer: each raw mutation, the digest that
    tells a resend of it, and what ``read_mutation`` made of it. None of it needs the database,
    so the server prepares it outside the one writer thread (docs/performance.md)."""

    raws: list[dict[str, Any]]
    digests: list[int | None]
    parsed: list[Mutation | Rejection]


def prepare_batch(body: object, *, max_count: int) -> Batch:
    """``read_batch``, then a digest and a reading of every mutation; ``BatchInvalid`` as there."""
    raws = read_batch(body, max_count=max_count)
    return Batch(raws, *read_mutations(raws))


def read_mutations(raws: list[dict[str, Any]]) -> tuple[list[int | None], list[Mutation | Rejection]]:
    """Each raw mutation's digest, and what ``read_mutation`` makes of it (text that is not valid
    UTF-8, which has no digest, is reported as such)."""
    sent = [_digest(r) for r in raws]
    return [d for d, _ in sent], [read_mutation(r, check_text=d is None, clean=c)
                                  for r, (d, c) in zip(raws, sent, strict=True)]


def read_mutation(raw: dict[str, Any], *, check_text: bool = True, clean: bool = True) -> Mutation | Rejection:
    """Validate one mutation's shape and every field value against its entity, its text fields
    read without control characters (``sync.controls``). ``clean=False`` says the mutation as
    sent holds none, so the look for them is skipped (``read_mutations`` knows from its digest)."""
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


# A digest at or above this mark is of the second kind (orjson's compact sorted bytes); below it,
# of the first (json.dumps with ", " separators). Both stay comparable: an answer stored before
# the change is checked against a resend with the kind it was made with.
DIGEST_V2 = 1 << 32


def fingerprint(raw: dict[str, Any]) -> int | None:
    """A digest of the mutation as sent, or None when it holds text that is not valid UTF-8.

    Stored with the answer so a resend under the same ``mutation_id`` can be told from a
    different change that reused the number (a phone bug that must not pass silently).
    CRC-32 of orjson's sorted serialisation, marked with ``DIGEST_V2``: the writer computes one
    for every mutation of every push, and the standard library's encoder took 8 % of the busy
    server's time (docs/performance.md). Text orjson will not encode (a lone surrogate, an
    integer past 64 bits) falls back to the first kind, which says None for the former.
    """
    return _digest(raw)[0]


def _digest(raw: dict[str, Any]) -> tuple[int | None, bool]:
    """``fingerprint(raw)``, and whether the text it was made of may hold a control character."""
    try:
        sent = orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return _fingerprint_v1(raw), True
    return zlib.crc32(sent) | DIGEST_V2, escaped_controls(sent)


def _fingerprint_v1(raw: dict[str, Any]) -> int | None:
    try:
        return zlib.crc32(json.dumps(raw, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    except UnicodeEncodeError:
        return None


def same_as_sent(digest: int | None, raw: dict[str, Any]) -> bool:
    """Whether ``raw`` is the mutation a stored ``digest`` was made of (None: nothing to compare)."""
    if digest is None:
        return True
    return digest == (fingerprint(raw) if digest >= DIGEST_V2 else _fingerprint_v1(raw))


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


# --- codec: the only place that knows how a wire value is stored --------------------

JSON_KINDS = ("enums", "strs", "json")


_JSON_FIELDS = {e.name: tuple(f.name for f in e.fields if f.kind in JSON_KINDS) for e in ENTITIES.values()}
_ENUM_FIELDS = {e.name: frozenset(f.name for f in e.fields if f.kind == "enums") for e in ENTITIES.values()}
_OBJECT_FIELDS = {e.name: frozenset(f.name for f in e.fields if f.kind == "json") for e in ENTITIES.values()}
_BOOL_FIELDS = {e.name: tuple(f.name for f in e.fields if f.kind == "bool") for e in ENTITIES.values()}


def to_storage(entity: Entity, record: dict[str, Any]) -> dict[str, Any]:
    out = dict(record)
    for name in _JSON_FIELDS[entity.name]:
        value = out.get(name)
        if value is None:
            continue
        if name in _OBJECT_FIELDS[entity.name]:
            out[name] = dumps_text_sorted(value)
        elif not value:
            out[name] = "[]"
        elif name in _ENUM_FIELDS[entity.name]:
            # enum values are plain identifiers: no escaping needed (hot path)
            out[name] = '["' + '","'.join(value) + '"]'
        else:
            out[name] = dumps_text(value)
    for name in _BOOL_FIELDS[entity.name]:
        value = out.get(name)
        if value is not None:
            out[name] = int(value)
    return out


def from_storage(entity: Entity, row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for name in _JSON_FIELDS[entity.name]:
        value = out.get(name)
        if value is not None:
            out[name] = json.loads(value)
    for name in _BOOL_FIELDS[entity.name]:
        value = out.get(name)
        if value is not None:
            out[name] = bool(value)
    return out
