"""Reading a raw mutation dict into a ``Mutation`` or a ``Rejection`` a person can act on.

Also the value codec: wire values (JSON) <-> storage values (SQLite columns).
"""
from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from typing import Any

from .entities import ENTITIES, SHORT_MAX, TEXT_MAX, Entity, Field
from .errors import BatchInvalid
from .ids import parse_id

OPS = ("upsert", "delete")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
STRS_MAX_ITEMS = 30
STRS_ITEM_MAX = 50
MUTATION_KEYS = {"mutation_id", "entity", "record_id", "op", "base_version", "fields"}


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


def read_batch(body: object, *, max_count: int) -> list[dict[str, Any]]:
    """Check the envelope of a push: ``{"mutations": [...]}`` with increasing integer ids.

    Raises ``BatchInvalid`` (the whole batch is refused, nothing is written) when the
    mutations cannot even be told apart; problems inside one mutation are left to
    ``read_mutation`` so they reject only that mutation.
    """
    from .errors import BatchTooLarge

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
        if mid <= previous:
            raise BatchInvalid(f"mutation_id 应逐条递增：第 {index + 1} 条是 {mid}，前一条是 {previous}。")
        previous = mid
    return raw


def read_mutation(raw: dict[str, Any]) -> Mutation | Rejection:
    """Validate one mutation's shape and every field value against its entity."""
    mid = raw.get("mutation_id")
    mid = mid if type(mid) is int else None
    entity_name = raw.get("entity")
    record_id = raw.get("record_id")
    fields = raw.get("fields")

    def reject(reason: str) -> Rejection:
        return Rejection(
            mid, reason,
            entity=entity_name if isinstance(entity_name, str) else "",
            record_id=record_id if isinstance(record_id, str) else "",
            fields=fields,
        )

    unknown_keys = sorted(set(raw) - MUTATION_KEYS)
    if unknown_keys:
        return reject(f"无法识别的键：{', '.join(unknown_keys)}。")
    if not isinstance(entity_name, str) or entity_name not in ENTITIES:
        return reject(f"未知的记录类型 {entity_name!r}；可用类型：{', '.join(ENTITIES)}。")
    entity = ENTITIES[entity_name]
    rid = parse_id(record_id)
    if rid is None:
        return reject(f"record_id 应为小写 UUID（如 0190a0c4-…），收到 {record_id!r}。")
    op = raw.get("op")
    if op not in OPS:
        return reject(f"op 应为 upsert 或 delete，收到 {op!r}。")
    base = raw.get("base_version")
    if base is not None and (type(base) is not int or base < 0):
        return reject(f"base_version 应为 null 或非负整数，收到 {base!r}。")
    if op == "delete":
        if fields not in (None, {}):
            return reject("删除操作不能带 fields。")
        return Mutation(mid, entity, rid, op, base, {})
    if not isinstance(fields, dict):
        return reject("upsert 操作需要 fields 对象（只含改动的字段）。")
    clean: dict[str, Any] = {}
    for name, value in fields.items():
        spec = entity.by_name.get(name)
        if spec is None:
            return reject(f"{entity.label}没有字段 {name!r}。")
        problem = check_value(spec, value)
        if problem:
            return reject(problem)
        clean[name] = value
    return Mutation(mid, entity, rid, op, base, clean)


def check_value(spec: Field, value: Any) -> str | None:
    """Return a sentence describing what is wrong with ``value``, or None if it fits."""
    where = f"字段“{spec.label}”({spec.name})"
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
        return None
    if kind == "enum":
        assert spec.choices is not None
        if value not in spec.choices:
            return f"{where}应为以下之一：{choice_list(spec)}；收到 {value!r}。"
        return None
    if kind == "enums":
        assert spec.choices is not None
        if not isinstance(value, list) or any(v not in spec.choices for v in value):
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
            return f"{where}应为 YYYY-MM-DD 格式的日期，收到 {value!r}。"
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            return f"{where}不是真实存在的日期：{value}。"
        if not "2000-01-01" <= value <= "2100-12-31":
            return f"{where}超出合理范围：{value}。"
        return None
    if kind == "int":
        if type(value) is not int:
            return f"{where}应为整数，收到 {value!r}。"
        if not 0 <= value <= spec.max_value:
            return f"{where}应在 0 到 {spec.max_value} 之间，收到 {value}。"
        return None
    if kind == "bool":
        if type(value) is not bool:
            return f"{where}应为 true 或 false，收到 {value!r}。"
        return None
    if kind == "ref":
        if parse_id(value) is None:
            return f"{where}应为小写 UUID，收到 {value!r}。"
        return None
    raise AssertionError(f"unknown field kind {kind}")


def choice_list(spec: Field) -> str:
    assert spec.choices is not None
    return "、".join(f"{k}（{v}）" for k, v in spec.choices.items())


# --- codec: the only place that knows how a wire value is stored --------------------

JSON_KINDS = ("enums", "strs")


def to_storage(entity: Entity, record: dict[str, Any]) -> dict[str, Any]:
    out = dict(record)
    for spec in entity.fields:
        value = out.get(spec.name)
        if spec.kind in JSON_KINDS and value is not None:
            out[spec.name] = json.dumps(value, ensure_ascii=False)
        elif spec.kind == "bool" and value is not None:
            out[spec.name] = int(value)
    return out


def from_storage(entity: Entity, row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for spec in entity.fields:
        value = out.get(spec.name)
        if value is None:
            continue
        if spec.kind in JSON_KINDS:
            out[spec.name] = json.loads(value)
        elif spec.kind == "bool":
            out[spec.name] = bool(value)
    return out
